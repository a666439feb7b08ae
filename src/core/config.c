#include "core/config.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#define CFG_MAX_FILE_BYTES (1u << 20) /* a config file larger than this is a mistake */
#define CFG_MAX_DEPTH      8
#define CFG_MAX_LIST_ITEMS 64

struct cfg {
    const cfg_key *schema;
    size_t n;
    char **values;      /* values[i] is the text of schema[i]; lists hold '\n'-joined items */
    char ***list_items; /* list_items[i]: NULL-terminated split of a CFG_LIST value */
    size_t *list_lens;
};

static long key_index(const cfg_key *schema, size_t n, const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(schema[i].path, path) == 0) return (long)i;
    return -1;
}

static bool parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) return *out = true, true;
        if (strcasecmp(s, no[i]) == 0) return *out = false, true;
    }
    return false;
}

static bool parse_long(const char *s, long *out)
{
    if (!*s) return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end) return false;
    *out = v;
    return true;
}

static bool enum_has(const char *choices, const char *v)
{
    size_t len = strlen(v);
    for (const char *p = choices; *p;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == len && strncmp(p, v, n) == 0) return true;
        if (!bar) break;
        p = bar + 1;
    }
    return false;
}

/* Describes where a value came from, for error messages. */
static void key_name(const cfg_key *k, char *buf, size_t size)
{
    if (k->env)
        snprintf(buf, size, "%s (env %s%s%s)", k->path, k->env, k->flag ? ", flag --" : "",
                 k->flag ? k->flag : "");
    else
        snprintf(buf, size, "%s%s%s", k->path, k->flag ? " (flag --" : "", k->flag ? ")" : "");
}

static ap_status validate(const cfg_key *k, const char *v, const char *origin, ap_error *err)
{
    char name[160];
    key_name(k, name, sizeof name);
    switch (k->type) {
    case CFG_STRING:
    case CFG_LIST:
    case CFG_SECTION:
        return AP_OK;
    case CFG_INT: {
        long x;
        if (!parse_long(v, &x) || x < k->min || x > k->max)
            return ap_fail(err, AP_ERR_CONFIG,
                           "%s: invalid value '%s' for %s: accepted values are integers from "
                           "%ld to %ld",
                           origin, v, name, k->min, k->max);
        return AP_OK;
    }
    case CFG_BOOL: {
        bool b;
        if (!parse_bool(v, &b))
            return ap_fail(err, AP_ERR_CONFIG,
                           "%s: invalid value '%s' for %s: accepted values are true, false", origin,
                           v, name);
        return AP_OK;
    }
    case CFG_ENUM:
        if (!enum_has(k->choices, v)) {
            char list[256];
            size_t n = 0;
            for (const char *p = k->choices; *p && n + 3 < sizeof list; p++) {
                if (*p == '|')
                    list[n++] = ',', list[n++] = ' ';
                else
                    list[n++] = *p;
            }
            list[n] = '\0';
            return ap_fail(err, AP_ERR_CONFIG,
                           "%s: invalid value '%s' for %s: accepted values are %s", origin, v, name,
                           list);
        }
        return AP_OK;
    }
    return ap_fail(err, AP_ERR_INTERNAL, "config: bad type for %s", k->path);
}

/* Replaces value i with v (copied); for lists, sep separates the items in v. */
static ap_status set_value(cfg *c, size_t i, const char *v, char sep, const char *origin,
                           ap_error *err)
{
    ap_status st = validate(&c->schema[i], v, origin, err);
    if (st != AP_OK) return st;
    char *copy = strdup(v);
    if (!copy) return ap_fail(err, AP_ERR_NOMEM, "config: out of memory");
    if (c->schema[i].type == CFG_LIST && sep != '\n')
        for (char *p = copy; *p; p++)
            if (*p == sep) *p = '\n';
    free(c->values[i]);
    c->values[i] = copy;
    return AP_OK;
}

/* Walks a YAML mapping, building dotted paths. Scalars and lists of scalars set keys. */
static ap_status yaml_walk(cfg *c, yaml_document_t *doc, yaml_node_t *node, const char *prefix,
                           int depth, const char *file, ap_error *err)
{
    if (depth > CFG_MAX_DEPTH)
        return ap_fail(err, AP_ERR_CONFIG, "%s: nesting deeper than %d levels", file,
                       CFG_MAX_DEPTH);
    if (node->type != YAML_MAPPING_NODE)
        return ap_fail(err, AP_ERR_CONFIG, "%s: %s must be a mapping", file,
                       *prefix ? prefix : "the top level");
    for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
         pair < node->data.mapping.pairs.top; pair++) {
        yaml_node_t *kn = yaml_document_get_node(doc, pair->key);
        yaml_node_t *vn = yaml_document_get_node(doc, pair->value);
        if (!kn || !vn || kn->type != YAML_SCALAR_NODE)
            return ap_fail(err, AP_ERR_CONFIG, "%s: keys must be plain scalars", file);
        char path[256];
        int len = snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "",
                           (const char *)kn->data.scalar.value);
        if (len < 0 || (size_t)len >= sizeof path)
            return ap_fail(err, AP_ERR_CONFIG, "%s: key path too long", file);
        long i = key_index(c->schema, c->n, path);
        if (vn->type == YAML_MAPPING_NODE) {
            if (i >= 0 && c->schema[i].type == CFG_SECTION) continue; /* another command's */
            ap_status st = yaml_walk(c, doc, vn, path, depth + 1, file, err);
            if (st != AP_OK) return st;
            continue;
        }
        if (i < 0 || c->schema[i].type == CFG_SECTION)
            return ap_fail(err, AP_ERR_CONFIG, "%s: unknown key '%s'", file, path);
        if (vn->type == YAML_SCALAR_NODE) {
            ap_status st =
                set_value(c, (size_t)i, (const char *)vn->data.scalar.value, '\n', file, err);
            if (st != AP_OK) return st;
            continue;
        }
        /* A sequence: only lists take one, and only of scalars. */
        if (c->schema[i].type != CFG_LIST)
            return ap_fail(err, AP_ERR_CONFIG, "%s: %s takes a single value, not a list", file,
                           path);
        size_t cap = 1, used = 0, count = 0;
        char *joined = calloc(1, 1);
        for (yaml_node_item_t *it = vn->data.sequence.items.start;
             joined && it < vn->data.sequence.items.top; it++) {
            yaml_node_t *item = yaml_document_get_node(doc, *it);
            if (!item || item->type != YAML_SCALAR_NODE || ++count > CFG_MAX_LIST_ITEMS) {
                free(joined);
                return ap_fail(err, AP_ERR_CONFIG, "%s: %s must be a list of at most %d values",
                               file, path, CFG_MAX_LIST_ITEMS);
            }
            size_t add = item->data.scalar.length + 1;
            char *grown = realloc(joined, cap + add);
            if (!grown) {
                free(joined);
                joined = NULL;
                break;
            }
            joined = grown;
            cap += add;
            if (used) joined[used++] = '\n';
            memcpy(joined + used, item->data.scalar.value, item->data.scalar.length);
            used += item->data.scalar.length;
            joined[used] = '\0';
        }
        if (!joined) return ap_fail(err, AP_ERR_NOMEM, "config: out of memory");
        ap_status st = set_value(c, (size_t)i, joined, '\n', file, err);
        free(joined);
        if (st != AP_OK) return st;
    }
    return AP_OK;
}

static ap_status load_yaml(cfg *c, const char *file, ap_error *err)
{
    struct stat sb;
    if (stat(file, &sb) != 0)
        return ap_fail(err, AP_ERR_CONFIG, "%s: cannot read config file: %s", file,
                       strerror(errno));
    if (sb.st_size > (off_t)CFG_MAX_FILE_BYTES)
        return ap_fail(err, AP_ERR_CONFIG, "%s: config file larger than %u bytes", file,
                       CFG_MAX_FILE_BYTES);
    FILE *f = fopen(file, "rb");
    if (!f)
        return ap_fail(err, AP_ERR_CONFIG, "%s: cannot read config file: %s", file,
                       strerror(errno));
    yaml_parser_t parser;
    yaml_document_t doc;
    ap_status st = AP_OK;
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        return ap_fail(err, AP_ERR_NOMEM, "config: out of memory");
    }
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &doc)) {
        st = ap_fail(err, AP_ERR_CONFIG, "%s:%zu: YAML error: %s", file,
                     parser.problem_mark.line + 1, parser.problem ? parser.problem : "unknown");
        goto out_parser;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root) st = yaml_walk(c, &doc, root, "", 0, file, err); /* an empty file sets nothing */
    yaml_document_delete(&doc);
out_parser:
    yaml_parser_delete(&parser);
    fclose(f);
    return st;
}

static ap_status split_lists(cfg *c, ap_error *err)
{
    for (size_t i = 0; i < c->n; i++) {
        if (c->schema[i].type != CFG_LIST) continue;
        const char *v = c->values[i];
        size_t count = 0;
        if (*v) {
            count = 1;
            for (const char *p = v; *p; p++)
                count += *p == '\n';
        }
        if (count > CFG_MAX_LIST_ITEMS)
            return ap_fail(err, AP_ERR_CONFIG, "%s: more than %d items", c->schema[i].path,
                           CFG_MAX_LIST_ITEMS);
        char **items = calloc(count + 1, sizeof *items);
        if (!items) return ap_fail(err, AP_ERR_NOMEM, "config: out of memory");
        c->list_items[i] = items;
        size_t k = 0;
        for (const char *p = v; *p && k < count; k++) {
            const char *nl = strchr(p, '\n');
            size_t len = nl ? (size_t)(nl - p) : strlen(p);
            items[k] = strndup(p, len);
            if (!items[k]) return ap_fail(err, AP_ERR_NOMEM, "config: out of memory");
            p = nl ? nl + 1 : p + len;
        }
        c->list_lens[i] = k;
    }
    return AP_OK;
}

ap_status cfg_load(const cfg_key *schema, size_t n, const char *yaml_path, int argc, char **argv,
                   bool *help_requested, cfg **out, ap_error *err)
{
    *out = NULL;
    if (help_requested) *help_requested = false;
    ap_status st = AP_OK;
    cfg *c = calloc(1, sizeof *c);
    if (!c) return ap_fail(err, AP_ERR_NOMEM, "config: out of memory");
    c->schema = schema;
    c->n = n;
    c->values = calloc(n, sizeof *c->values);
    c->list_items = calloc(n, sizeof *c->list_items);
    c->list_lens = calloc(n, sizeof *c->list_lens);
    if (!c->values || !c->list_items || !c->list_lens) {
        st = ap_fail(err, AP_ERR_NOMEM, "config: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        st = set_value(c, i, schema[i].def ? schema[i].def : "", ':', "default", err);
        if (st != AP_OK) goto fail;
    }

    /* --config decides which file is read, so find it before anything else. */
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--config") == 0 && a + 1 < argc)
            yaml_path = argv[a + 1];
        else if (strncmp(argv[a], "--config=", 9) == 0)
            yaml_path = argv[a] + 9;
    }
    if (yaml_path) {
        st = load_yaml(c, yaml_path, err);
        if (st != AP_OK) goto fail;
    }

    for (size_t i = 0; i < n; i++) {
        const char *v = schema[i].env ? getenv(schema[i].env) : NULL;
        if (!v) continue;
        char origin[80];
        snprintf(origin, sizeof origin, "environment %s", schema[i].env);
        st = set_value(c, i, v, ':', origin, err);
        if (st != AP_OK) goto fail;
    }

    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            if (help_requested) *help_requested = true;
            break;
        }
        if (strncmp(arg, "--", 2) != 0) {
            st = ap_fail(err, AP_ERR_CONFIG, "%s: unexpected argument '%s'", argv[0], arg);
            goto fail;
        }
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
        const char *value = eq ? eq + 1 : NULL;
        if (name_len == 6 && strncmp(name, "config", 6) == 0) {
            if (!value) a++;
            continue;
        }
        long idx = -1;
        for (size_t i = 0; i < n; i++)
            if (schema[i].flag && strlen(schema[i].flag) == name_len &&
                strncmp(schema[i].flag, name, name_len) == 0)
                idx = (long)i;
        if (idx < 0) {
            st = ap_fail(err, AP_ERR_CONFIG, "%s: unknown flag '--%.*s' (see --help)", argv[0],
                         (int)name_len, name);
            goto fail;
        }
        if (!value) {
            if (a + 1 >= argc) {
                st = ap_fail(err, AP_ERR_CONFIG, "%s: flag --%s needs a value", argv[0],
                             schema[idx].flag);
                goto fail;
            }
            value = argv[++a];
        }
        char origin[80];
        snprintf(origin, sizeof origin, "flag --%s", schema[idx].flag);
        st = set_value(c, (size_t)idx, value, ':', origin, err);
        if (st != AP_OK) goto fail;
    }
    st = split_lists(c, err);
    if (st != AP_OK) goto fail;
    *out = c;
    return AP_OK;
fail:
    cfg_free(c);
    return st;
}

void cfg_free(cfg *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) {
        if (c->values) free(c->values[i]);
        if (c->list_items && c->list_items[i]) {
            for (char **p = c->list_items[i]; *p; p++)
                free(*p);
            free(c->list_items[i]);
        }
    }
    free(c->values);
    free(c->list_items);
    free(c->list_lens);
    free(c);
}

static size_t must_index(const cfg *c, const char *path)
{
    long i = key_index(c->schema, c->n, path);
    assert(i >= 0 && "config key not in schema");
    return i < 0 ? 0 : (size_t)i;
}

const char *cfg_str(const cfg *c, const char *path)
{
    return c->values[must_index(c, path)];
}

long cfg_int(const cfg *c, const char *path)
{
    long v = 0;
    parse_long(cfg_str(c, path), &v); /* validated at load */
    return v;
}

bool cfg_bool(const cfg *c, const char *path)
{
    bool b = false;
    parse_bool(cfg_str(c, path), &b);
    return b;
}

size_t cfg_list_len(const cfg *c, const char *path)
{
    return c->list_lens[must_index(c, path)];
}

const char *cfg_list_item(const cfg *c, const char *path, size_t i)
{
    size_t k = must_index(c, path);
    assert(i < c->list_lens[k]);
    return c->list_items[k][i];
}

void cfg_print_help(const cfg_key *schema, size_t n, FILE *out)
{
    for (size_t i = 0; i < n; i++) {
        const cfg_key *k = &schema[i];
        static const char *const metavar[] = {"TEXT", "N", "BOOL", "VALUE", "A:B", ""};
        if (k->type == CFG_SECTION) continue;
        char flag[64] = "";
        if (k->flag) snprintf(flag, sizeof flag, "--%s %s", k->flag, metavar[k->type]);
        fprintf(out, "  %-28s %s", flag, k->help);
        if (k->type == CFG_ENUM) fprintf(out, " (%s)", k->choices);
        fprintf(out, "\n  %-28s key %s", "", k->path);
        if (k->env) fprintf(out, ", env %s", k->env);
        if (k->def && *k->def) fprintf(out, ", default %s", k->def);
        fputc('\n', out);
    }
}
