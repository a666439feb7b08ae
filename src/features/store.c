/* The generic layer of the online store: checks requests against the definitions, turns
 * them into backend keys, fields and encoded values, and decodes what comes back with
 * the TTL applied. Backends live in store_embedded.c, store_redis.c (standalone and
 * Sentinel) and store_cluster.c.
 *
 * Encoding of one field value: "<event ms> <JSON value>". The timestamp travels with the
 * value so that each feature keeps its own event time even when writes update a subset of
 * a view. The backend's own expiry (gc_ms) is twice the view's TTL: long enough that a
 * read between TTL and 2 x TTL reports EXPIRED rather than NOT_FOUND, short enough that
 * dead records do not pile up. */
#include "features/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "features/store_internal.h"

struct fs_store {
    const fs_backend_ops *ops;
    void *backend;
    const fs_defs *defs;
};

static const fs_backend_ops *const backends[] = {&fs_embedded_ops, &fs_redis_ops, &fs_sentinel_ops,
                                                 &fs_cluster_ops};

int64_t fs_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *fs_value_status_str(fs_value_status s)
{
    switch (s) {
    case FS_PRESENT:
        return "PRESENT";
    case FS_EXPIRED:
        return "EXPIRED";
    case FS_NOT_FOUND:
        break;
    }
    return "NOT_FOUND";
}

bool fs_entity_id_valid(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > FS_MAX_ENTITY_ID) return false;
    for (size_t i = 0; i < n; i++)
        if (id[i] <= ' ' || id[i] > '~') return false;
    return true;
}

ap_status fs_store_open(const fs_options *opts, fs_store **out, ap_error *err)
{
    *out = NULL;
    const char *type = opts->type && *opts->type ? opts->type : "embedded";
    const fs_backend_ops *ops = NULL;
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (strcmp(backends[i]->name, type) == 0) ops = backends[i];
    if (!ops)
        return ap_fail(err, AP_ERR_CONFIG,
                       "feature store type '%s' is not one of embedded|redis|sentinel|cluster",
                       type);
    if (!opts->defs) return ap_fail(err, AP_ERR_CONFIG, "feature store: no definitions");
    fs_store *s = calloc(1, sizeof *s);
    if (!s) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    s->ops = ops;
    s->defs = opts->defs;
    ap_status st = ops->open(opts, &s->backend, err);
    if (st != AP_OK) {
        free(s);
        return st;
    }
    *out = s;
    return AP_OK;
}

void fs_store_close(fs_store *s)
{
    if (!s) return;
    s->ops->close(s->backend);
    free(s);
}

const char *fs_store_type(const fs_store *s)
{
    return s->ops->name;
}

/* "fs:{<entity>:<id>}:<view>" into buf. */
static void make_key(const fs_store *s, size_t view, const char *id, char *buf, size_t size)
{
    const fs_view *v = &s->defs->views[view];
    snprintf(buf, size, "fs:{%s:%s}:%s", s->defs->entities[v->entity].name, id, v->name);
}

#define FS_KEY_MAX (16 + 2 * FS_MAX_NAME + FS_MAX_ENTITY_ID)

ap_status fs_write(fs_store *s, size_t view, const char *entity_id, const json_t *features,
                   int64_t event_ms, ap_error *err)
{
    if (view >= s->defs->nviews) return ap_fail(err, AP_ERR_INVALID, "no such feature view");
    const fs_view *v = &s->defs->views[view];
    if (!fs_entity_id_valid(entity_id))
        return ap_fail(err, AP_ERR_INVALID,
                       "entity id must be 1..%d printable ASCII characters without spaces",
                       FS_MAX_ENTITY_ID);
    if (!json_is_object(features) || json_object_size(features) == 0)
        return ap_fail(err, AP_ERR_INVALID, "features must be a non-empty object");
    size_t n = json_object_size(features);
    if (n > v->nfeatures)
        return ap_fail(err, AP_ERR_INVALID, "view '%s' has only %zu features", v->name,
                       v->nfeatures);
    const char **fields = calloc(n, sizeof *fields);
    char **values = calloc(n, sizeof *values);
    ap_status st = AP_OK;
    if (!fields || !values) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        goto out;
    }
    size_t i = 0;
    const char *name;
    json_t *value;
    json_object_foreach((json_t *)features, name, value)
    {
        long f = fs_defs_feature(v, name);
        if (f < 0) {
            st = ap_fail(err, AP_ERR_NOT_FOUND, "feature view '%s' has no feature '%.80s'", v->name,
                         name);
            goto out;
        }
        if (!fs_type_accepts(v->features[f].type, value)) {
            st = ap_fail(err, AP_ERR_INVALID, "feature '%s' of view '%s' must be of type %s", name,
                         v->name, fs_type_str(v->features[f].type));
            goto out;
        }
        char *js = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
        if (!js) {
            st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
            goto out;
        }
        size_t len = strlen(js) + 32;
        values[i] = malloc(len);
        if (values[i]) snprintf(values[i], len, "%lld %s", (long long)event_ms, js);
        free(js);
        if (!values[i]) {
            st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
            goto out;
        }
        fields[i++] = v->features[f].name;
    }
    char key[FS_KEY_MAX];
    make_key(s, view, entity_id, key, sizeof key);
    fs_put p = {.key = key,
                .nfields = n,
                .fields = fields,
                .values = (const char *const *)values,
                .gc_ms = v->ttl_s > 0 ? 2000 * (int64_t)v->ttl_s : 0};
    st = s->ops->put(s->backend, &p, err);
out:
    if (values)
        for (size_t k = 0; k < n; k++)
            free(values[k]);
    free(values);
    free(fields);
    return st;
}

void fs_values_free(fs_value *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        json_decref(v[i].value);
        v[i] = (fs_value){0};
    }
}

/* Decodes "<ms> <json>"; false when it is not that. */
static bool decode(const char *enc, int64_t *ms, json_t **value)
{
    char *end;
    errno = 0;
    long long t = strtoll(enc, &end, 10);
    if (errno || end == enc || *end != ' ') return false;
    *value = json_loads(end + 1, JSON_DECODE_ANY, NULL);
    *ms = t;
    return *value != NULL;
}

ap_status fs_read(fs_store *s, size_t nids, const char *const *ids, size_t nrefs,
                  const fs_ref *refs, fs_value *out, ap_error *err)
{
    if (nids == 0 || nrefs == 0) return AP_OK;
    for (size_t i = 0; i < nids * nrefs; i++)
        out[i] = (fs_value){0};
    if (nids > FS_MAX_READ || nrefs > FS_MAX_READ || nids * nrefs > FS_MAX_READ)
        return ap_fail(err, AP_ERR_TOO_LARGE, "at most %d entity ids x features per read",
                       FS_MAX_READ);
    const fs_defs *d = s->defs;
    for (size_t j = 0; j < nrefs; j++)
        if (refs[j].view >= d->nviews || refs[j].feature >= d->views[refs[j].view].nfeatures)
            return ap_fail(err, AP_ERR_INVALID, "no such feature");
    size_t entity = d->views[refs[0].view].entity;
    for (size_t j = 1; j < nrefs; j++)
        if (d->views[refs[j].view].entity != entity)
            return ap_fail(err, AP_ERR_INVALID,
                           "features of views '%s' and '%s' describe different entities",
                           d->views[refs[0].view].name, d->views[refs[j].view].name);
    for (size_t i = 0; i < nids; i++)
        if (!fs_entity_id_valid(ids[i]))
            return ap_fail(err, AP_ERR_INVALID,
                           "entity id %zu must be 1..%d printable ASCII characters without "
                           "spaces",
                           i, FS_MAX_ENTITY_ID);

    /* One get per (id, distinct view); fields of a get are the refs of its view. */
    size_t *view_of_ref = calloc(nrefs, sizeof *view_of_ref); /* index into views[] */
    size_t *views = calloc(nrefs, sizeof *views);
    size_t *field_pos = calloc(nrefs, sizeof *field_pos); /* ref j is field field_pos[j] */
    const char **fields = calloc(nrefs, sizeof *fields);
    size_t *field_start = calloc(nrefs + 1, sizeof *field_start);
    size_t nviews = 0;
    fs_get *gets = NULL;
    char **values = NULL, (*keys)[FS_KEY_MAX] = NULL;
    ap_status st = AP_OK;
    if (!view_of_ref || !views || !field_pos || !fields || !field_start) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t j = 0; j < nrefs; j++) {
        size_t k = 0;
        while (k < nviews && views[k] != refs[j].view)
            k++;
        if (k == nviews) views[nviews++] = refs[j].view;
        view_of_ref[j] = k;
    }
    /* Group the field names by view: field_start[k] .. field_start[k+1]. */
    size_t nf = 0;
    for (size_t k = 0; k < nviews; k++) {
        field_start[k] = nf;
        for (size_t j = 0; j < nrefs; j++)
            if (view_of_ref[j] == k) {
                field_pos[j] = nf - field_start[k];
                fields[nf++] = d->views[views[k]].features[refs[j].feature].name;
            }
    }
    field_start[nviews] = nf;
    size_t ngets = nids * nviews;
    gets = calloc(ngets, sizeof *gets);
    keys = calloc(ngets, sizeof *keys);
    values = calloc(nids * nrefs, sizeof *values);
    if (!gets || !keys || !values) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nids; i++)
        for (size_t k = 0; k < nviews; k++) {
            fs_get *g = &gets[i * nviews + k];
            make_key(s, views[k], ids[i], keys[i * nviews + k], FS_KEY_MAX);
            g->key = keys[i * nviews + k];
            g->nfields = field_start[k + 1] - field_start[k];
            g->fields = fields + field_start[k];
            g->values = values + i * nrefs + field_start[k];
        }
    st = s->ops->get(s->backend, gets, ngets, err);
    if (st != AP_OK) goto out;
    int64_t now = fs_now_ms();
    for (size_t i = 0; i < nids; i++)
        for (size_t j = 0; j < nrefs; j++) {
            const char *enc = values[i * nrefs + field_start[view_of_ref[j]] + field_pos[j]];
            fs_value *cell = &out[i * nrefs + j];
            int64_t ms;
            json_t *value;
            if (!enc || !decode(enc, &ms, &value)) continue;
            long ttl = d->views[refs[j].view].ttl_s;
            cell->event_ms = ms;
            if (ttl > 0 && now - ms > ttl * 1000) {
                cell->status = FS_EXPIRED; /* expired reads as absent: no value */
                json_decref(value);
            } else {
                cell->status = FS_PRESENT;
                cell->value = value;
            }
        }
out:
    if (values)
        for (size_t i = 0; i < nids * nrefs; i++)
            free(values[i]);
    free(values);
    free(keys);
    free(gets);
    free(field_start);
    free(fields);
    free(field_pos);
    free(views);
    free(view_of_ref);
    return st;
}

ap_status fs_health(fs_store *s, ap_error *err)
{
    return s->ops->health(s->backend, err);
}
