/* Feature definitions: YAML -> fs_defs, validated as a whole.
 *
 * The file is loaded with libyaml's document API (bounded: at most FS_DEFS_MAX_BYTES) and
 * walked by key path. Every rule that fails names the path of the offending key:
 * unknown keys, missing keys, names outside [a-z0-9_]{1,64}, duplicate names, a view that
 * names an unknown entity, an unknown type, a TTL outside 0..10 years. */
#include "features/defs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define FS_DEFS_MAX_BYTES (1u << 20)

const char fs_builtin_defs[] = "entities:\n"
                               "  - name: document\n"
                               "    join_key: document_id\n"
                               "    description: one uploaded timetable document\n"
                               "  - name: teacher\n"
                               "    join_key: teacher_id\n"
                               "    description: the teacher who uploaded timetables\n"
                               "feature_views:\n"
                               "  - name: document_ocr\n"
                               "    entity: document\n"
                               "    ttl_s: 2592000\n"
                               "    features:\n"
                               "      - {name: ocr_confidence, type: float}\n"
                               "      - {name: word_count, type: int}\n"
                               "      - {name: processing_time, type: float}\n"
                               "      - {name: image_width, type: int}\n"
                               "      - {name: image_height, type: int}\n"
                               "      - {name: image_dpi, type: int}\n"
                               "      - {name: image_format, type: string}\n"
                               "      - {name: model_version, type: string}\n"
                               "  - name: document_layout\n"
                               "    entity: document\n"
                               "    ttl_s: 2592000\n"
                               "    features:\n"
                               "      - {name: layout_score, type: float}\n"
                               "      - {name: cell_count, type: int}\n"
                               "      - {name: rotated_cell_ratio, type: float}\n"
                               "      - {name: timeblock_count, type: int}\n"
                               "      - {name: low_confidence_blocks, type: int}\n"
                               "  - name: teacher_activity\n"
                               "    entity: teacher\n"
                               "    ttl_s: 7776000\n"
                               "    features:\n"
                               "      - {name: documents_uploaded, type: int}\n"
                               "      - {name: mean_ocr_confidence, type: float}\n"
                               "      - {name: last_model_version, type: string}\n";

typedef struct walker {
    yaml_document_t *doc;
    const char *file;
    ap_error *err;
} walker;

static const char *scalar(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static ap_status fail_at(walker *w, const char *path, yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static ap_status fail_at(walker *w, const char *path, yaml_node_t *n, const char *fmt, ...)
{
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ap_fail(w->err, AP_ERR_CONFIG, "%s: %s (line %lu): %s", w->file, path,
                   n ? (unsigned long)n->start_mark.line + 1 : 0ul, msg);
}

/* The value of key in mapping m, or NULL. */
static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *m, const char *key)
{
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        const char *k = scalar(yaml_document_get_node(doc, p->key));
        if (k && strcmp(k, key) == 0) return yaml_document_get_node(doc, p->value);
    }
    return NULL;
}

/* Refuses keys of m that are not in allowed (NULL-terminated). */
static ap_status check_keys(walker *w, const char *path, yaml_node_t *m, const char *const *allowed)
{
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(w->doc, p->key);
        const char *k = scalar(kn);
        if (!k) return fail_at(w, path, kn, "keys must be plain strings");
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, k) == 0) ok = true;
        if (!ok) return fail_at(w, path, kn, "unknown key '%s'", k);
    }
    return AP_OK;
}

static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > FS_MAX_NAME) return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

static ap_status get_name(walker *w, const char *path, yaml_node_t *m, const char *key,
                          char out[FS_MAX_NAME + 1])
{
    char p[128];
    snprintf(p, sizeof p, "%s.%s", path, key);
    yaml_node_t *n = map_get(w->doc, m, key);
    if (!n) return fail_at(w, p, m, "is required");
    const char *s = scalar(n);
    if (!s) return fail_at(w, p, n, "must be a string");
    if (!valid_name(s)) return fail_at(w, p, n, "'%s' must match [a-z0-9_]{1,64}", s);
    snprintf(out, FS_MAX_NAME + 1, "%s", s);
    return AP_OK;
}

static yaml_node_t *seq_item(yaml_document_t *doc, yaml_node_t *seq, size_t i)
{
    return yaml_document_get_node(doc, seq->data.sequence.items.start[i]);
}

static size_t seq_len(yaml_node_t *seq)
{
    return (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

/* The list at path (entities, feature_views, a view's features): 1..max items, for which
 * *items gets size bytes each, zeroed. */
static ap_status read_list(walker *w, const char *path, yaml_node_t *seq, size_t max,
                           const char *what, size_t size, void **items)
{
    if (!seq) return fail_at(w, path, NULL, "is required");
    if (seq->type != YAML_SEQUENCE_NODE || seq_len(seq) == 0)
        return fail_at(w, path, seq, "must be a non-empty list");
    if (seq_len(seq) > max) return fail_at(w, path, seq, "at most %zu %s", max, what);
    *items = calloc(seq_len(seq), size);
    if (!*items) return ap_fail(w->err, AP_ERR_NOMEM, "out of memory");
    return AP_OK;
}

/* Item i of a list (at path): a mapping of the allowed keys only, with a valid name. */
static ap_status read_item(walker *w, const char *path, yaml_node_t *seq, size_t i,
                           const char *const *allowed, yaml_node_t **m, char name[FS_MAX_NAME + 1])
{
    *m = seq_item(w->doc, seq, i);
    if ((*m)->type != YAML_MAPPING_NODE) return fail_at(w, path, *m, "must be a mapping");
    ap_status st = check_keys(w, path, *m, allowed);
    return st == AP_OK ? get_name(w, path, *m, "name", name) : st;
}

static const char *const type_names[] = {"int", "float", "string", "bool"};

static ap_status read_entities(walker *w, yaml_node_t *seq, fs_defs *d)
{
    static const char *const keys[] = {"name", "join_key", "description", NULL};
    void *items;
    ap_status st =
        read_list(w, "entities", seq, FS_MAX_ENTITIES, "entities", sizeof *d->entities, &items);
    if (st != AP_OK) return st;
    d->entities = items;
    for (size_t i = 0; i < seq_len(seq); i++) {
        char path[64];
        snprintf(path, sizeof path, "entities[%zu]", i);
        fs_entity *e = &d->entities[i];
        d->nentities = i + 1;
        yaml_node_t *m;
        st = read_item(w, path, seq, i, keys, &m, e->name);
        if (st == AP_OK) st = get_name(w, path, m, "join_key", e->join_key);
        if (st != AP_OK) return st;
        const char *desc = scalar(map_get(w->doc, m, "description"));
        e->description = strdup(desc ? desc : "");
        if (!e->description) return ap_fail(w->err, AP_ERR_NOMEM, "out of memory");
        for (size_t j = 0; j < i; j++) {
            if (strcmp(d->entities[j].name, e->name) == 0)
                return fail_at(w, path, m, "duplicate entity name '%s'", e->name);
            if (strcmp(d->entities[j].join_key, e->join_key) == 0)
                return fail_at(w, path, m, "join_key '%s' is already used by entity '%s'",
                               e->join_key, d->entities[j].name);
        }
    }
    return AP_OK;
}

static ap_status read_features(walker *w, const char *vpath, yaml_node_t *seq, fs_view *v)
{
    static const char *const keys[] = {"name", "type", "description", NULL};
    char path[128];
    snprintf(path, sizeof path, "%s.features", vpath);
    void *items;
    ap_status st =
        read_list(w, path, seq, FS_MAX_FEATURES, "features", sizeof *v->features, &items);
    if (st != AP_OK) return st;
    v->features = items;
    for (size_t i = 0; i < seq_len(seq); i++) {
        snprintf(path, sizeof path, "%s.features[%zu]", vpath, i);
        fs_feature *f = &v->features[i];
        v->nfeatures = i + 1;
        yaml_node_t *m;
        st = read_item(w, path, seq, i, keys, &m, f->name);
        if (st != AP_OK) return st;
        yaml_node_t *tn = map_get(w->doc, m, "type");
        const char *t = scalar(tn);
        char tpath[160];
        snprintf(tpath, sizeof tpath, "%s.type", path);
        if (!t) return fail_at(w, tpath, tn ? tn : m, "is required: int|float|string|bool");
        size_t k = 0;
        while (k < 4 && strcmp(type_names[k], t) != 0)
            k++;
        if (k == 4) return fail_at(w, tpath, tn, "'%s' is not one of int|float|string|bool", t);
        f->type = (fs_type)k;
        for (size_t j = 0; j < i; j++)
            if (strcmp(v->features[j].name, f->name) == 0)
                return fail_at(w, path, m, "duplicate feature name '%s' in view '%s'", f->name,
                               v->name);
    }
    return AP_OK;
}

static ap_status read_views(walker *w, yaml_node_t *seq, fs_defs *d)
{
    static const char *const keys[] = {"name", "entity", "ttl_s", "features", "description", NULL};
    void *items;
    ap_status st =
        read_list(w, "feature_views", seq, FS_MAX_VIEWS, "views", sizeof *d->views, &items);
    if (st != AP_OK) return st;
    d->views = items;
    for (size_t i = 0; i < seq_len(seq); i++) {
        char path[64];
        snprintf(path, sizeof path, "feature_views[%zu]", i);
        fs_view *v = &d->views[i];
        d->nviews = i + 1;
        char entity[FS_MAX_NAME + 1];
        yaml_node_t *m;
        st = read_item(w, path, seq, i, keys, &m, v->name);
        if (st == AP_OK) st = get_name(w, path, m, "entity", entity);
        if (st != AP_OK) return st;
        long e = fs_defs_entity(d, entity);
        if (e < 0)
            return fail_at(w, path, map_get(w->doc, m, "entity"), "unknown entity '%s'", entity);
        v->entity = (size_t)e;
        yaml_node_t *tn = map_get(w->doc, m, "ttl_s");
        if (tn) {
            const char *t = scalar(tn);
            char *end = NULL;
            errno = 0;
            long ttl = t ? strtol(t, &end, 10) : -1;
            if (!t || !*t || errno || *end || ttl < 0 || ttl > FS_MAX_TTL_S) {
                char tpath[96];
                snprintf(tpath, sizeof tpath, "%s.ttl_s", path);
                return fail_at(w, tpath, tn, "must be whole seconds in 0..%ld (0: never expires)",
                               FS_MAX_TTL_S);
            }
            v->ttl_s = ttl;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(d->views[j].name, v->name) == 0)
                return fail_at(w, path, m, "duplicate feature view name '%s'", v->name);
        st = read_features(w, path, map_get(w->doc, m, "features"), v);
        if (st != AP_OK) return st;
    }
    return AP_OK;
}

ap_status fs_defs_parse(const char *text, size_t len, const char *name, fs_defs **out,
                        ap_error *err)
{
    *out = NULL;
    if (len > FS_DEFS_MAX_BYTES)
        return ap_fail(err, AP_ERR_CONFIG, "%s: larger than %u bytes", name, FS_DEFS_MAX_BYTES);
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        ap_status st = ap_fail(err, AP_ERR_CONFIG, "%s: line %lu: %s", name,
                               (unsigned long)parser.problem_mark.line + 1,
                               parser.problem ? parser.problem : "invalid YAML");
        yaml_parser_delete(&parser);
        return st;
    }
    walker w = {&doc, name, err};
    fs_defs *d = calloc(1, sizeof *d);
    ap_status st = AP_OK;
    static const char *const top_keys[] = {"project", "entities", "feature_views", NULL};
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!d)
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
    else if (!root || root->type != YAML_MAPPING_NODE)
        st = fail_at(&w, "(top level)", root, "must be a mapping with entities and feature_views");
    else if ((st = check_keys(&w, "(top level)", root, top_keys)) == AP_OK &&
             (st = read_entities(&w, map_get(&doc, root, "entities"), d)) == AP_OK)
        st = read_views(&w, map_get(&doc, root, "feature_views"), d);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (st != AP_OK) {
        fs_defs_free(d);
        return st;
    }
    *out = d;
    return AP_OK;
}

ap_status fs_defs_load(const char *path, fs_defs **out, ap_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return ap_fail(err, AP_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char *buf = malloc(FS_DEFS_MAX_BYTES + 1);
    ap_status st = AP_OK;
    if (!buf) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        goto out;
    }
    size_t n = fread(buf, 1, FS_DEFS_MAX_BYTES + 1, f);
    if (ferror(f)) {
        st = ap_fail(err, AP_ERR_IO, "%s: read error", path);
        goto out;
    }
    st = fs_defs_parse(buf, n, path, out, err);
out:
    free(buf);
    fclose(f);
    return st;
}

void fs_defs_free(fs_defs *d)
{
    if (!d) return;
    for (size_t i = 0; i < d->nentities; i++)
        free(d->entities[i].description);
    for (size_t i = 0; i < d->nviews; i++)
        free(d->views[i].features);
    free(d->entities);
    free(d->views);
    free(d);
}

long fs_defs_entity(const fs_defs *d, const char *name)
{
    for (size_t i = 0; i < d->nentities; i++)
        if (strcmp(d->entities[i].name, name) == 0) return (long)i;
    return -1;
}

long fs_defs_entity_by_key(const fs_defs *d, const char *join_key)
{
    for (size_t i = 0; i < d->nentities; i++)
        if (strcmp(d->entities[i].join_key, join_key) == 0) return (long)i;
    return -1;
}

long fs_defs_view(const fs_defs *d, const char *name)
{
    for (size_t i = 0; i < d->nviews; i++)
        if (strcmp(d->views[i].name, name) == 0) return (long)i;
    return -1;
}

long fs_defs_feature(const fs_view *v, const char *name)
{
    for (size_t i = 0; i < v->nfeatures; i++)
        if (strcmp(v->features[i].name, name) == 0) return (long)i;
    return -1;
}

ap_status fs_defs_resolve(const fs_defs *d, const char *ref, size_t *view, size_t *feature,
                          ap_error *err)
{
    const char *colon = strchr(ref, ':');
    if (colon) {
        char vname[FS_MAX_NAME + 1];
        size_t n = (size_t)(colon - ref);
        if (n > FS_MAX_NAME)
            return ap_fail(err, AP_ERR_NOT_FOUND, "unknown feature view in '%.80s'", ref);
        memcpy(vname, ref, n);
        vname[n] = '\0';
        long v = fs_defs_view(d, vname);
        if (v < 0) return ap_fail(err, AP_ERR_NOT_FOUND, "unknown feature view '%s'", vname);
        long f = fs_defs_feature(&d->views[v], colon + 1);
        if (f < 0)
            return ap_fail(err, AP_ERR_NOT_FOUND, "feature view '%s' has no feature '%.80s'", vname,
                           colon + 1);
        *view = (size_t)v;
        *feature = (size_t)f;
        return AP_OK;
    }
    long found_v = -1, found_f = -1;
    for (size_t i = 0; i < d->nviews; i++) {
        long f = fs_defs_feature(&d->views[i], ref);
        if (f < 0) continue;
        if (found_v >= 0)
            return ap_fail(err, AP_ERR_INVALID,
                           "feature '%.80s' is defined by views '%s' and '%s': write view:feature",
                           ref, d->views[found_v].name, d->views[i].name);
        found_v = (long)i;
        found_f = f;
    }
    if (found_v < 0) return ap_fail(err, AP_ERR_NOT_FOUND, "unknown feature '%.80s'", ref);
    *view = (size_t)found_v;
    *feature = (size_t)found_f;
    return AP_OK;
}

const char *fs_type_str(fs_type t)
{
    return (unsigned)t < 4 ? type_names[t] : "?";
}

bool fs_type_accepts(fs_type t, const json_t *value)
{
    switch (t) {
    case FS_INT:
        return json_is_integer(value);
    case FS_FLOAT:
        return json_is_number(value);
    case FS_STRING:
        return json_is_string(value);
    case FS_BOOL:
        return json_is_boolean(value);
    }
    return false;
}
