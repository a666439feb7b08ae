/* reg_tracking: MLflow experiment tracking: experiments and runs, their tags, params and
 * metrics, and the searches over them.
 *
 * Lifecycle: an experiment or run is "active" or "deleted"; only active ones take writes.
 * Deleting an experiment deletes its active runs with the same deleted_time, so restoring
 * it restores exactly those runs. latest_metrics holds, per run and key, the value with
 * the largest (step, timestamp), which is what runs/search filters and orders on; metrics
 * keeps the whole history (a repeated (key, timestamp, step, value) is logged once). */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/reg_internal.h"

#define EXP_COLS                                                                                   \
    "experiment_id, name, artifact_location, lifecycle_stage, creation_time, "                     \
    "last_update_time"
#define RUN_COLS                                                                                   \
    "run_uuid, experiment_id, name, user_id, status, start_time, end_time, "                       \
    "artifact_uri, lifecycle_stage"

#define MAX_BATCH_METRICS 1000
#define MAX_BATCH_PARAMS  100
#define MAX_BATCH_TAGS    100
#define MAX_PARAM_VALUE   6000
#define MAX_TAG_VALUE     8000
#define MAX_KEY           250
#define MAX_ORDER_BY      8

/* --- experiments ------------------------------------------------------------------------ */

static json_t *experiment_json(reg_call *c, const reg_rows *r, size_t i)
{
    reg_rows *tags = NULL;
    reg_exec(c->conn, &tags, NULL,
             "SELECT key, value FROM experiment_tags WHERE experiment_id = ? ORDER BY key", "i",
             reg_cell_int(r, i, 0));
    json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:o}", "experiment_id", reg_cell(r, i, 0),
                          "name", reg_cell(r, i, 1), "artifact_location", reg_cell(r, i, 2),
                          "lifecycle_stage", reg_cell(r, i, 3), "creation_time",
                          (json_int_t)reg_cell_int(r, i, 4), "last_update_time",
                          (json_int_t)reg_cell_int(r, i, 5), "tags", reg_kv_list(tags, 0, 1));
    reg_rows_free(tags);
    return e;
}

static bool parse_experiment_id(reg_call *c, const char *s, int64_t *id)
{
    char *end;
    long long v = s ? strtoll(s, &end, 10) : -1;
    if (!s || !*s || *end || v < 0) {
        reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                 "Invalid value '%s' for parameter 'experiment_id': not an experiment id",
                 s ? s : "");
        return false;
    }
    *id = v;
    return true;
}

/* Loads the experiment's row; RESOURCE_DOES_NOT_EXIST when there is none. */
static ap_status load_experiment(reg_call *c, const char *id_text, reg_rows **rows)
{
    int64_t id;
    *rows = NULL;
    if (!parse_experiment_id(c, id_text, &id)) return AP_ERR_INVALID;
    ap_status st =
        reg_exec(c->conn, rows, NULL,
                 "SELECT " EXP_COLS " FROM experiments WHERE experiment_id = ?", "i", id);
    if (st != AP_OK) return reg_fail_db(c, st);
    return reg_need_row(c, rows, "No Experiment with id=%s exists", id_text);
}

static ap_status require_active_experiment(reg_call *c, const char *id_text, reg_rows **rows)
{
    ap_status st = load_experiment(c, id_text, rows);
    if (st != AP_OK) return st;
    if (strcmp(reg_cell(*rows, 0, 3), "active") != 0) {
        reg_rows_free(*rows);
        *rows = NULL;
        return reg_fail(c, AP_ERR_INVALID, "INVALID_STATE",
                        "The experiment %s must be in the 'active' state. Current state is "
                        "deleted.",
                        id_text);
    }
    return AP_OK;
}

static bool check_key_value(reg_call *c, const char *what, const char *key, const char *value,
                            size_t max_value)
{
    if (!key || !*key || strlen(key) > MAX_KEY) {
        reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                 "Invalid %s key: it must be a non-empty string of at most %d characters", what,
                 MAX_KEY);
        return false;
    }
    if (strstr(key, "..") || key[0] == '/') {
        reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                 "Invalid %s name: '%s'. Names may be treated as files in certain cases, and "
                 "must not resolve to other names when treated as such.",
                 what, key);
        return false;
    }
    if (value && strlen(value) > max_value) {
        reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                 "Invalid %s value for key '%s': longer than %zu characters", what, key, max_value);
        return false;
    }
    return true;
}

static ap_status exp_create(reg_call *c)
{
    const char *name = reg_arg_str(c, "name");
    const char *location = reg_arg_str(c, "artifact_location");
    json_t *tags = reg_arg(c, "tags");
    if (tags && !reg_check_tags(c, tags, "experiment")) return AP_ERR_INVALID;
    reg_rows *rows = NULL;
    ap_status st = reg_exec(c->conn, &rows, NULL,
                            "SELECT experiment_id FROM experiments WHERE name = ?", "s", name);
    if (st != AP_OK) return reg_fail_db(c, st);
    bool exists = rows->nrows > 0;
    reg_rows_free(rows);
    if (exists)
        return reg_fail(c, AP_ERR_CONFLICT, "RESOURCE_ALREADY_EXISTS",
                        "Experiment '%s' already exists.", name);
    st = reg_exec(c->conn, &rows, NULL,
                  "UPDATE counters SET value = value + 1 WHERE name = 'experiment' RETURNING value",
                  "");
    if (st != AP_OK) return reg_fail_db(c, st);
    int64_t id = reg_cell_int(rows, 0, 0);
    reg_rows_free(rows);
    char idtext[24], loc[2048];
    snprintf(idtext, sizeof idtext, "%lld", (long long)id);
    if (!location || !*location) {
        const char *root = c->ctx->artifact_root;
        size_t n = strlen(root);
        snprintf(loc, sizeof loc, "%s%s%s", root, n && root[n - 1] == '/' ? "" : "/", idtext);
        location = loc;
    }
    int64_t now = reg_now_ms();
    st = reg_exec(c->conn, NULL, NULL,
                  "INSERT INTO experiments (" EXP_COLS ") VALUES (?, ?, ?, 'active', ?, ?)",
                  "issii", id, name, location, now, now);
    if (st != AP_OK) {
        if (st == AP_ERR_CONFLICT)
            return reg_fail(c, st, "RESOURCE_ALREADY_EXISTS", "Experiment '%s' already exists.",
                            name);
        return reg_fail_db(c, st);
    }
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t)
    {
        st = reg_exec(c->conn, NULL, NULL,
                      "INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) "
                      "ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value",
                      "iss", id, json_string_value(json_object_get(t, "key")),
                      json_string_value(json_object_get(t, "value")) ?: "");
        if (st != AP_OK) return reg_fail_db(c, st);
    }
    json_object_set_new(c->result, "experiment_id", json_string(idtext));
    return AP_OK;
}

static ap_status exp_get(reg_call *c)
{
    reg_rows *rows;
    ap_status st = load_experiment(c, reg_arg_str(c, "experiment_id"), &rows);
    if (st != AP_OK) return st;
    json_object_set_new(c->result, "experiment", experiment_json(c, rows, 0));
    reg_rows_free(rows);
    return AP_OK;
}

static ap_status exp_get_by_name(reg_call *c)
{
    const char *name = reg_arg_str(c, "experiment_name");
    reg_rows *rows = NULL;
    ap_status st = reg_exec(c->conn, &rows, NULL,
                            "SELECT " EXP_COLS " FROM experiments WHERE name = ?", "s", name);
    if (st != AP_OK) return reg_fail_db(c, st);
    st = reg_need_row(c, &rows, "Could not find experiment with name '%s'", name);
    if (st != AP_OK) return st;
    json_object_set_new(c->result, "experiment", experiment_json(c, rows, 0));
    reg_rows_free(rows);
    return AP_OK;
}

/* view_type / run_view_type: ACTIVE_ONLY (default), DELETED_ONLY, ALL -> SQL condition. */
static bool view_condition(reg_call *c, const char *field, const char *column, reg_sql *q)
{
    const char *v = reg_arg_str(c, field);
    if (!v || strcmp(v, "ACTIVE_ONLY") == 0 || strcmp(v, "1") == 0) {
        reg_sql_add(q, column);
        reg_sql_add(q, " = 'active'");
    } else if (strcmp(v, "DELETED_ONLY") == 0 || strcmp(v, "2") == 0) {
        reg_sql_add(q, column);
        reg_sql_add(q, " = 'deleted'");
    } else if (strcmp(v, "ALL") == 0 || strcmp(v, "3") == 0) {
        reg_sql_add(q, "1 = 1");
    } else {
        reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                 "Invalid value '%s' for parameter '%s': expected ACTIVE_ONLY, DELETED_ONLY or "
                 "ALL",
                 v, field);
        return false;
    }
    return true;
}

static const reg_column experiment_filter_attrs[] = {
    {"name", "e.name", false},
    {"creation_time", "e.creation_time", true},
    {"last_update_time", "e.last_update_time", true},
    {NULL, NULL, false},
};

static const reg_search_keys experiment_filter_keys = {
    .attrs = experiment_filter_attrs,
    .sub[REG_TAG] = {"EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment_id = "
                     "e.experiment_id AND t.key = ? AND ",
                     "t.value"},
    .unknown = {"Invalid attribute key '",
                "' specified. Valid keys are name, creation_time, last_update_time, tags.<key>"},
};

static const reg_column experiment_order_keys[] = {
    {"name", "e.name", false},
    {"experiment_id", "e.experiment_id", false},
    {"creation_time", "e.creation_time", false},
    {"last_update_time", "e.last_update_time", false},
    {NULL, NULL, false},
};

/* experiments/search and the older experiments/list, which takes no filter. */
static ap_status search_experiments_generic(reg_call *c, bool with_filter)
{
    const reg_search search = {
        .filter = with_filter ? &experiment_filter_keys : NULL,
        .order = experiment_order_keys,
        .order_expected = ": expected name, experiment_id, creation_time or last_update_time",
        .order_last =
            with_filter ? "e.creation_time DESC, e.experiment_id ASC" : "e.experiment_id ASC",
        .member = "experiments",
        .item = experiment_json,
    };
    int64_t max, offset;
    if (!reg_page_args(c, with_filter ? 1000 : 50000, 50000, &max, &offset)) return AP_ERR_INVALID;
    reg_sql q = {0};
    reg_sql_add(&q, "SELECT " EXP_COLS " FROM experiments e WHERE ");
    ap_status st = view_condition(c, "view_type", "e.lifecycle_stage", &q)
                       ? reg_search_run(c, &q, &search, max, offset)
                       : AP_ERR_INVALID;
    reg_sql_free(&q);
    return st;
}

static ap_status exp_search(reg_call *c)
{
    return search_experiments_generic(c, true);
}

static ap_status exp_list(reg_call *c)
{
    return search_experiments_generic(c, false);
}

static ap_status exp_update(reg_call *c)
{
    reg_rows *rows;
    const char *id = reg_arg_str(c, "experiment_id");
    const char *new_name = reg_arg_str(c, "new_name");
    ap_status st = require_active_experiment(c, id, &rows);
    if (st != AP_OK) return st;
    int64_t eid = reg_cell_int(rows, 0, 0);
    reg_rows_free(rows);
    if (!new_name) return AP_OK;
    st = reg_exec(c->conn, NULL, NULL,
                  "UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?",
                  "sii", new_name, reg_now_ms(), eid);
    if (st == AP_ERR_CONFLICT)
        return reg_fail(c, st, "RESOURCE_ALREADY_EXISTS", "Experiment '%s' already exists.",
                        new_name);
    return st == AP_OK ? AP_OK : reg_fail_db(c, st);
}

static ap_status exp_delete(reg_call *c)
{
    reg_rows *rows;
    const char *id = reg_arg_str(c, "experiment_id");
    ap_status st = load_experiment(c, id, &rows);
    if (st != AP_OK) return st;
    int64_t eid = reg_cell_int(rows, 0, 0);
    bool deleted = strcmp(reg_cell(rows, 0, 3), "deleted") == 0;
    reg_rows_free(rows);
    if (eid == 0)
        return reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                        "Cannot delete the default experiment '0'. This is an internally "
                        "reserved experiment.");
    /* Deleting again changes nothing: a new last_update_time would no longer match the
     * deleted_time of the runs the first delete took, and restore would leave them. */
    if (deleted) return AP_OK;
    int64_t now = reg_now_ms();
    st = reg_exec(c->conn, NULL, NULL,
                  "UPDATE experiments SET lifecycle_stage = 'deleted', last_update_time = ? "
                  "WHERE experiment_id = ?",
                  "ii", now, eid);
    if (st == AP_OK)
        st = reg_exec(c->conn, NULL, NULL,
                      "UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? "
                      "WHERE experiment_id = ? AND lifecycle_stage = 'active'",
                      "ii", now, eid);
    return st == AP_OK ? AP_OK : reg_fail_db(c, st);
}

static ap_status exp_restore(reg_call *c)
{
    reg_rows *rows;
    const char *id = reg_arg_str(c, "experiment_id");
    ap_status st = load_experiment(c, id, &rows);
    if (st != AP_OK) return st;
    int64_t eid = reg_cell_int(rows, 0, 0), deleted_at = reg_cell_int(rows, 0, 5);
    bool deleted = strcmp(reg_cell(rows, 0, 3), "deleted") == 0;
    reg_rows_free(rows);
    if (!deleted) return AP_OK;
    st = reg_exec(c->conn, NULL, NULL,
                  "UPDATE experiments SET lifecycle_stage = 'active', last_update_time = ? "
                  "WHERE experiment_id = ?",
                  "ii", reg_now_ms(), eid);
    if (st == AP_OK)
        st = reg_exec(c->conn, NULL, NULL,
                      "UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL "
                      "WHERE experiment_id = ? AND lifecycle_stage = 'deleted' AND "
                      "deleted_time = ?",
                      "ii", eid, deleted_at);
    return st == AP_OK ? AP_OK : reg_fail_db(c, st);
}

static ap_status exp_set_tag(reg_call *c)
{
    reg_rows *rows;
    const char *key = reg_arg_str(c, "key"), *value = reg_arg_str(c, "value");
    if (!check_key_value(c, "tag", key, value, MAX_TAG_VALUE)) return AP_ERR_INVALID;
    ap_status st = require_active_experiment(c, reg_arg_str(c, "experiment_id"), &rows);
    if (st != AP_OK) return st;
    int64_t eid = reg_cell_int(rows, 0, 0);
    reg_rows_free(rows);
    st = reg_exec(c->conn, NULL, NULL,
                  "INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) "
                  "ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value",
                  "iss", eid, key, value);
    return st == AP_OK ? AP_OK : reg_fail_db(c, st);
}

static ap_status exp_delete_tag(reg_call *c)
{
    reg_rows *rows;
    const char *key = reg_arg_str(c, "key");
    ap_status st = require_active_experiment(c, reg_arg_str(c, "experiment_id"), &rows);
    if (st != AP_OK) return st;
    int64_t eid = reg_cell_int(rows, 0, 0);
    reg_rows_free(rows);
    int64_t changed = 0;
    st =
        reg_exec(c->conn, NULL, &changed,
                 "DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?", "is", eid, key);
    if (st != AP_OK) return reg_fail_db(c, st);
    if (!changed)
        return reg_fail(c, AP_ERR_NOT_FOUND, "RESOURCE_DOES_NOT_EXIST",
                        "No tag with name: %s in experiment with id %lld", key, (long long)eid);
    return AP_OK;
}

/* --- runs ------------------------------------------------------------------------------- */

static json_t *metric_json(const reg_rows *r, size_t i, size_t key_col)
{
    /* columns from key_col: key, value, is_nan, timestamp, step */
    json_t *value;
    double v = reg_cell_real(r, i, key_col + 1);
    if (reg_cell_int(r, i, key_col + 2))
        value = json_string("NaN");
    else if (isinf(v))
        value = json_string(v > 0 ? "Infinity" : "-Infinity");
    else
        value = json_real(v);
    return json_pack("{s:s,s:o,s:I,s:I}", "key", reg_cell(r, i, key_col), "value", value,
                     "timestamp", (json_int_t)reg_cell_int(r, i, key_col + 3), "step",
                     (json_int_t)reg_cell_int(r, i, key_col + 4));
}

static json_t *run_info_json(const reg_rows *r, size_t i)
{
    json_t *info =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "run_id", reg_cell(r, i, 0), "run_uuid",
                  reg_cell(r, i, 0), "run_name", reg_cell(r, i, 2), "experiment_id",
                  reg_cell(r, i, 1), "user_id", reg_cell(r, i, 3), "status", reg_cell(r, i, 4),
                  "artifact_uri", reg_cell(r, i, 7), "lifecycle_stage", reg_cell(r, i, 8));
    if (info && reg_cell(r, i, 5))
        json_object_set_new(info, "start_time", json_integer(reg_cell_int(r, i, 5)));
    if (info && reg_cell(r, i, 6))
        json_object_set_new(info, "end_time", json_integer(reg_cell_int(r, i, 6)));
    return info;
}

/* Full Run objects for runs rows [0, n): data loaded with one query per table. */
static ap_status runs_json(reg_call *c, const reg_rows *runs, size_t n, json_t **out)
{
    *out = json_array();
    json_t *by_id = json_object();
    if (!*out || !by_id) {
        json_decref(by_id);
        return reg_fail(c, AP_ERR_NOMEM, "INTERNAL_ERROR", "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        json_t *data = json_pack("{s:[],s:[],s:[]}", "metrics", "params", "tags");
        json_t *run =
            json_pack("{s:o,s:O,s:{}}", "info", run_info_json(runs, i), "data", data, "inputs");
        json_object_set_new(by_id, reg_cell(runs, i, 0), data);
        json_array_append_new(*out, run);
    }
    static const char *const queries[] = {
        "SELECT run_uuid, key, value, is_nan, timestamp, step FROM latest_metrics WHERE "
        "run_uuid IN (",
        "SELECT run_uuid, key, value FROM params WHERE run_uuid IN (",
        "SELECT run_uuid, key, value FROM tags WHERE run_uuid IN (",
    };
    static const char *const member[] = {"metrics", "params", "tags"};
    ap_status st = AP_OK;
    for (size_t chunk = 0; chunk < n && st == AP_OK; chunk += 500) {
        size_t end = chunk + 500 < n ? chunk + 500 : n;
        for (size_t qi = 0; qi < 3 && st == AP_OK; qi++) {
            reg_sql q = {0};
            reg_sql_add(&q, queries[qi]);
            for (size_t i = chunk; i < end; i++) {
                reg_sql_add(&q, i > chunk ? ", ?" : "?");
                reg_sql_text(&q, reg_cell(runs, i, 0));
            }
            reg_sql_add(&q, ") ORDER BY key");
            reg_rows *rows = NULL;
            st = reg_sql_run(c, &q, &rows, NULL);
            reg_sql_free(&q);
            if (st != AP_OK) break;
            for (size_t r = 0; r < rows->nrows; r++) {
                json_t *arr =
                    json_object_get(json_object_get(by_id, reg_cell(rows, r, 0)), member[qi]);
                json_array_append_new(arr, qi == 0
                                               ? metric_json(rows, r, 1)
                                               : json_pack("{s:s,s:s}", "key", reg_cell(rows, r, 1),
                                                           "value", reg_cell(rows, r, 2) ?: ""));
            }
            reg_rows_free(rows);
        }
    }
    json_decref(by_id);
    return st;
}

/* The run id argument: run_id, or the older run_uuid. */
static const char *run_id_arg(reg_call *c)
{
    const char *id = reg_arg_str(c, "run_id");
    return id && *id ? id : reg_arg_str(c, "run_uuid");
}

static ap_status load_run(reg_call *c, reg_rows **rows, bool must_be_active)
{
    *rows = NULL;
    const char *id = run_id_arg(c);
    if (!id || !*id)
        return reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                        "Missing value for required parameter 'run_id'. See the API docs for "
                        "more information about request parameters.");
    ap_status st =
        reg_exec(c->conn, rows, NULL, "SELECT " RUN_COLS " FROM runs WHERE run_uuid = ?", "s", id);
    if (st != AP_OK) return reg_fail_db(c, st);
    st = reg_need_row(c, rows, "Run with id=%s not found", id);
    if (st != AP_OK) return st;
    if (must_be_active && strcmp(reg_cell(*rows, 0, 8), "active") != 0) {
        reg_rows_free(*rows);
        *rows = NULL;
        return reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                        "The run %s must be in the 'active' state. Current state is deleted.", id);
    }
    return AP_OK;
}

/* Answers {"run": Run} for the first of rows. */
static ap_status reply_run(reg_call *c, const reg_rows *rows)
{
    json_t *list;
    ap_status st = runs_json(c, rows, 1, &list);
    if (st == AP_OK) json_object_set(c->result, "run", json_array_get(list, 0));
    json_decref(list);
    return st;
}

static ap_status set_run_tag(reg_call *c, const char *run_id, const char *key, const char *value)
{
    ap_status st = reg_exec(c->conn, NULL, NULL,
                            "INSERT INTO tags (run_uuid, key, value) VALUES (?, ?, ?) "
                            "ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value",
                            "sss", run_id, key, value);
    return st == AP_OK ? AP_OK : reg_fail_db(c, st);
}

static ap_status run_create(reg_call *c)
{
    const char *exp = reg_arg_str(c, "experiment_id");
    const char *user = reg_arg_str(c, "user_id");
    const char *name = reg_arg_str(c, "run_name");
    json_t *tags = reg_arg(c, "tags");
    if (tags && !reg_check_tags(c, tags, "run")) return AP_ERR_INVALID;
    int64_t start = reg_now_ms();
    reg_arg_int(c, "start_time", &start);
    reg_rows *er;
    ap_status st = require_active_experiment(c, exp ? exp : "0", &er);
    if (st != AP_OK) return st;
    int64_t eid = reg_cell_int(er, 0, 0);

    /* The name: run_name, else the mlflow.runName tag, else one made from the id. */
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t)
    {
        const char *k = json_string_value(json_object_get(t, "key"));
        if (strcmp(k, "mlflow.runName") == 0 && (!name || !*name))
            name = json_string_value(json_object_get(t, "value"));
        if (strcmp(k, "mlflow.user") == 0 && (!user || !*user))
            user = json_string_value(json_object_get(t, "value"));
    }
    char id[33], made[32];
    reg_new_uuid(id);
    if (!name || !*name) {
        snprintf(made, sizeof made, "run-%.8s", id);
        name = made;
    }
    /* <experiment's artifact location>/<run id>/artifacts; the location has no length
     * limit, so the URI is sized to it. */
    const char *location = reg_cell(er, 0, 2);
    size_t n = strlen(location), size = n + sizeof id + sizeof "//artifacts";
    char *artifact_uri = malloc(size);
    if (!artifact_uri) {
        reg_rows_free(er);
        return reg_fail(c, AP_ERR_NOMEM, "INTERNAL_ERROR", "out of memory");
    }
    snprintf(artifact_uri, size, "%s%s%s/artifacts", location,
             n && location[n - 1] == '/' ? "" : "/", id);
    reg_rows_free(er);
    st = reg_exec(c->conn, NULL, NULL,
                  "INSERT INTO runs (" RUN_COLS ") VALUES (?, ?, ?, ?, 'RUNNING', ?, NULL, ?, "
                  "'active')",
                  "sissis", id, eid, name, user ? user : "", start, artifact_uri);
    free(artifact_uri);
    if (st != AP_OK) return reg_fail_db(c, st);
    json_array_foreach(tags, i, t)
    {
        st = set_run_tag(c, id, json_string_value(json_object_get(t, "key")),
                         json_string_value(json_object_get(t, "value")) ?: "");
        if (st != AP_OK) return st;
    }
    if ((st = set_run_tag(c, id, "mlflow.runName", name)) != AP_OK) return st;
    if (user && *user && (st = set_run_tag(c, id, "mlflow.user", user)) != AP_OK) return st;

    reg_rows *rows = NULL;
    st =
        reg_exec(c->conn, &rows, NULL, "SELECT " RUN_COLS " FROM runs WHERE run_uuid = ?", "s", id);
    if (st != AP_OK) return reg_fail_db(c, st);
    st = reply_run(c, rows);
    reg_rows_free(rows);
    return st;
}

static ap_status run_get(reg_call *c)
{
    reg_rows *rows;
    ap_status st = load_run(c, &rows, false);
    if (st != AP_OK) return st;
    st = reply_run(c, rows);
    reg_rows_free(rows);
    return st;
}

static ap_status run_update(reg_call *c)
{
    reg_rows *rows;
    ap_status st = load_run(c, &rows, true);
    if (st != AP_OK) return st;
    const char *id = reg_cell(rows, 0, 0);
    const char *status = reg_arg_str(c, "status");
    const char *name = reg_arg_str(c, "run_name");
    int64_t end;
    bool has_end = reg_arg_int(c, "end_time", &end);
    static const char *const statuses[] = {"RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"};
    bool ok = !status;
    for (size_t i = 0; status && i < sizeof statuses / sizeof statuses[0]; i++)
        ok |= strcmp(status, statuses[i]) == 0;
    if (!ok) {
        reg_rows_free(rows);
        return reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                        "Invalid value '%s' for parameter 'status': expected RUNNING, "
                        "SCHEDULED, FINISHED, FAILED or KILLED",
                        status);
    }
    if (status)
        st = reg_exec(c->conn, NULL, NULL, "UPDATE runs SET status = ? WHERE run_uuid = ?", "ss",
                      status, id);
    if (st == AP_OK && has_end)
        st = reg_exec(c->conn, NULL, NULL, "UPDATE runs SET end_time = ? WHERE run_uuid = ?", "is",
                      end, id);
    if (st == AP_OK && name && *name)
        st = reg_exec(c->conn, NULL, NULL, "UPDATE runs SET name = ? WHERE run_uuid = ?", "ss",
                      name, id);
    if (st != AP_OK)
        reg_fail_db(c, st);
    else if (name && *name)
        st = set_run_tag(c, id, "mlflow.runName", name);
    reg_rows_free(rows);
    if (st != AP_OK) return st;
    st = reg_exec(c->conn, &rows, NULL, "SELECT " RUN_COLS " FROM runs WHERE run_uuid = ?", "s",
                  run_id_arg(c));
    if (st != AP_OK) return reg_fail_db(c, st);
    json_object_set_new(c->result, "run_info", run_info_json(rows, 0));
    reg_rows_free(rows);
    return AP_OK;
}

static ap_status run_set_lifecycle(reg_call *c, bool deleted)
{
    reg_rows *rows;
    ap_status st = load_run(c, &rows, false);
    if (st != AP_OK) return st;
    if (deleted)
        st = reg_exec(c->conn, NULL, NULL,
                      "UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE "
                      "run_uuid = ?",
                      "is", reg_now_ms(), reg_cell(rows, 0, 0));
    else
        st = reg_exec(c->conn, NULL, NULL,
                      "UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE "
                      "run_uuid = ?",
                      "s", reg_cell(rows, 0, 0));
    reg_rows_free(rows);
    return st == AP_OK ? AP_OK : reg_fail_db(c, st);
}

static ap_status run_delete(reg_call *c)
{
    return run_set_lifecycle(c, true);
}

static ap_status run_restore(reg_call *c)
{
    return run_set_lifecycle(c, false);
}

/* A metric value from JSON: a number or "NaN" / "Infinity" / "-Infinity" / numeric text. */
static bool metric_value(json_t *v, double *out)
{
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return true;
    }
    if (!json_is_string(v)) return false;
    const char *s = json_string_value(v);
    char *end;
    *out = strtod(s, &end);
    return *s && !*end;
}

static ap_status log_metric_one(reg_call *c, const char *run_id, const char *key, double value,
                                int64_t timestamp, int64_t step)
{
    if (!check_key_value(c, "metric", key, NULL, 0)) return AP_ERR_INVALID;
    int64_t is_nan = isnan(value) ? 1 : 0;
    double stored = is_nan ? 0.0 : value;
    ap_status st = reg_exec(c->conn, NULL, NULL,
                            "INSERT INTO metrics (run_uuid, key, value, is_nan, timestamp, step) "
                            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                            "ssdiii", run_id, key, stored, is_nan, timestamp, step);
    if (st == AP_OK)
        st = reg_exec(c->conn, NULL, NULL,
                      "INSERT INTO latest_metrics (run_uuid, key, value, is_nan, timestamp, step) "
                      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_uuid, key) DO UPDATE SET "
                      "value = excluded.value, is_nan = excluded.is_nan, timestamp = "
                      "excluded.timestamp, step = excluded.step WHERE excluded.step > "
                      "latest_metrics.step OR (excluded.step = latest_metrics.step AND "
                      "excluded.timestamp >= latest_metrics.timestamp)",
                      "ssdiii", run_id, key, stored, is_nan, timestamp, step);
    return st == AP_OK ? AP_OK : reg_fail_db(c, st);
}

static ap_status log_param_one(reg_call *c, const char *run_id, const char *key, const char *value)
{
    if (!check_key_value(c, "param", key, value, MAX_PARAM_VALUE)) return AP_ERR_INVALID;
    int64_t changed = 0;
    ap_status st = reg_exec(c->conn, NULL, &changed,
                            "INSERT INTO params (run_uuid, key, value) VALUES (?, ?, ?) "
                            "ON CONFLICT (run_uuid, key) DO NOTHING",
                            "sss", run_id, key, value);
    if (st != AP_OK) return reg_fail_db(c, st);
    if (changed) return AP_OK;
    reg_rows *rows = NULL;
    st = reg_exec(c->conn, &rows, NULL, "SELECT value FROM params WHERE run_uuid = ? AND key = ?",
                  "ss", run_id, key);
    if (st != AP_OK) return reg_fail_db(c, st);
    const char *old = reg_cell(rows, 0, 0);
    if (old && strcmp(old, value) != 0)
        st = reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                      "Changing param values is not allowed. Param with key='%s' was already "
                      "logged with value='%s' for run ID='%s'. Attempted logging new value '%s'.",
                      key, old, run_id, value);
    reg_rows_free(rows);
    return st;
}

static ap_status run_log_metric(reg_call *c)
{
    reg_rows *rows;
    double value = 0;
    int64_t timestamp = 0, step = 0;
    if (!metric_value(reg_arg(c, "value"), &value))
        return reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                        "Invalid value for parameter 'value': not a number");
    reg_arg_int(c, "timestamp", &timestamp);
    reg_arg_int(c, "step", &step);
    ap_status st = load_run(c, &rows, true);
    if (st != AP_OK) return st;
    st = log_metric_one(c, reg_cell(rows, 0, 0), reg_arg_str(c, "key"), value, timestamp, step);
    reg_rows_free(rows);
    return st;
}

static ap_status run_log_param(reg_call *c)
{
    reg_rows *rows;
    ap_status st = load_run(c, &rows, true);
    if (st != AP_OK) return st;
    st = log_param_one(c, reg_cell(rows, 0, 0), reg_arg_str(c, "key"), reg_arg_str(c, "value"));
    reg_rows_free(rows);
    return st;
}

static ap_status run_set_tag(reg_call *c)
{
    reg_rows *rows;
    const char *key = reg_arg_str(c, "key"), *value = reg_arg_str(c, "value");
    if (!check_key_value(c, "tag", key, value, MAX_TAG_VALUE)) return AP_ERR_INVALID;
    ap_status st = load_run(c, &rows, true);
    if (st != AP_OK) return st;
    st = set_run_tag(c, reg_cell(rows, 0, 0), key, value);
    if (st == AP_OK && strcmp(key, "mlflow.runName") == 0) {
        st = reg_exec(c->conn, NULL, NULL, "UPDATE runs SET name = ? WHERE run_uuid = ?", "ss",
                      value, reg_cell(rows, 0, 0));
        if (st != AP_OK) reg_fail_db(c, st);
    }
    reg_rows_free(rows);
    return st;
}

static ap_status run_delete_tag(reg_call *c)
{
    reg_rows *rows;
    const char *key = reg_arg_str(c, "key");
    ap_status st = load_run(c, &rows, true);
    if (st != AP_OK) return st;
    int64_t changed = 0;
    st = reg_exec(c->conn, NULL, &changed, "DELETE FROM tags WHERE run_uuid = ? AND key = ?", "ss",
                  reg_cell(rows, 0, 0), key);
    if (st != AP_OK)
        reg_fail_db(c, st);
    else if (!changed)
        st = reg_fail(c, AP_ERR_NOT_FOUND, "RESOURCE_DOES_NOT_EXIST",
                      "No tag with name: %s in run with id %s", key, reg_cell(rows, 0, 0));
    reg_rows_free(rows);
    return st;
}

/* log-batch writes each table with one multi-row statement per BATCH_ROWS items instead of
 * one statement per item: a batch of 10 metrics and a tag is 4 statements (run lookup,
 * metrics, latest_metrics, tags) rather than 22. 6 parameters x 200 rows stay well under
 * both drivers' parameter limits. */
#define BATCH_ROWS 200

typedef struct batch_metric {
    const char *key;
    double value; /* 0 when is_nan */
    int64_t is_nan, timestamp, step;
} batch_metric;

/* Runs the statement built in q (freed here); fails the call on an error. */
static ap_status batch_exec(reg_call *c, reg_sql *q, int64_t *changes)
{
    ap_status st = reg_sql_run(c, q, NULL, changes);
    reg_sql_free(q);
    return st;
}

/* One placeholder tuple of width columns, with a leading comma after the first row. */
static void batch_row(reg_sql *q, size_t row, size_t width)
{
    static const char tuple[] = "(?, ?, ?, ?, ?, ?)";
    char buf[sizeof tuple + 2];
    assert(width >= 1 && width <= 6);
    snprintf(buf, sizeof buf, "%s%.*s)", row ? ", " : "", (int)(width * 3 - 1), tuple);
    reg_sql_add(q, buf);
}

/* INSERT ... ON CONFLICT DO NOTHING of the params; then, when some key already existed,
 * one SELECT of those keys: a value that differs from the stored one is refused, as MLflow
 * does (the transaction undoes the batch). */
static ap_status batch_params(reg_call *c, const char *id, json_t *params)
{
    size_t np = json_array_size(params);
    int64_t inserted = 0;
    ap_status st = AP_OK;
    for (size_t at = 0; st == AP_OK && at < np; at += BATCH_ROWS) {
        reg_sql q = {0};
        reg_sql_add(&q, "INSERT INTO params (run_uuid, key, value) VALUES ");
        for (size_t i = at; i < np && i < at + BATCH_ROWS; i++) {
            json_t *item = json_array_get(params, i);
            batch_row(&q, i - at, 3);
            reg_sql_text(&q, id);
            reg_sql_text(&q, json_string_value(json_object_get(item, "key")));
            reg_sql_text(&q, json_string_value(json_object_get(item, "value")));
        }
        reg_sql_add(&q, " ON CONFLICT (run_uuid, key) DO NOTHING");
        int64_t n = 0;
        st = batch_exec(c, &q, &n);
        inserted += n;
    }
    if (st != AP_OK || inserted == (int64_t)np) return st;
    reg_sql q = {0};
    reg_sql_add(&q, "SELECT key, value FROM params WHERE run_uuid = ? AND key IN (");
    reg_sql_text(&q, id);
    for (size_t i = 0; i < np; i++) {
        reg_sql_add(&q, i ? ", ?" : "?");
        reg_sql_text(&q, json_string_value(json_object_get(json_array_get(params, i), "key")));
    }
    reg_sql_add(&q, ")");
    reg_rows *rows = NULL;
    st = reg_sql_run(c, &q, &rows, NULL);
    reg_sql_free(&q);
    for (size_t i = 0; st == AP_OK && i < np; i++) {
        json_t *item = json_array_get(params, i);
        const char *key = json_string_value(json_object_get(item, "key"));
        const char *value = json_string_value(json_object_get(item, "value"));
        for (size_t r = 0; r < rows->nrows; r++) {
            const char *old = reg_cell(rows, r, 1);
            if (strcmp(reg_cell(rows, r, 0), key) != 0 || !old || strcmp(old, value) == 0) continue;
            st = reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                          "Changing param values is not allowed. Param with key='%s' was already "
                          "logged with value='%s' for run ID='%s'. Attempted logging new value "
                          "'%s'.",
                          key, old, id, value);
            break;
        }
    }
    reg_rows_free(rows);
    return st;
}

/* metrics rows, then latest_metrics upserts. An upsert may not touch one row twice in a
 * statement (PostgreSQL refuses it), so a key logged several times in the batch sends only
 * the item that applying them in order would leave: the last of those with the greatest
 * (step, timestamp), the same rule as the upsert's WHERE. */
static ap_status batch_metrics(reg_call *c, const char *id, const batch_metric *m, size_t nm,
                               size_t *latest)
{
    ap_status st = AP_OK;
    for (size_t at = 0; st == AP_OK && at < nm; at += BATCH_ROWS) {
        reg_sql q = {0};
        reg_sql_add(&q, "INSERT INTO metrics (run_uuid, key, value, is_nan, timestamp, step) "
                        "VALUES ");
        for (size_t i = at; i < nm && i < at + BATCH_ROWS; i++) {
            batch_row(&q, i - at, 6);
            reg_sql_text(&q, id);
            reg_sql_text(&q, m[i].key);
            reg_sql_real(&q, m[i].value);
            reg_sql_int(&q, m[i].is_nan);
            reg_sql_int(&q, m[i].timestamp);
            reg_sql_int(&q, m[i].step);
        }
        reg_sql_add(&q, " ON CONFLICT DO NOTHING");
        st = batch_exec(c, &q, NULL);
    }
    size_t nlatest = 0; /* latest[0..nlatest): index of the surviving item per key */
    for (size_t i = 0; st == AP_OK && i < nm; i++) {
        size_t k = 0;
        while (k < nlatest && strcmp(m[latest[k]].key, m[i].key) != 0)
            k++;
        if (k == nlatest) {
            latest[nlatest++] = i;
        } else {
            const batch_metric *cur = &m[latest[k]];
            if (m[i].step > cur->step ||
                (m[i].step == cur->step && m[i].timestamp >= cur->timestamp))
                latest[k] = i;
        }
    }
    for (size_t at = 0; st == AP_OK && at < nlatest; at += BATCH_ROWS) {
        reg_sql q = {0};
        reg_sql_add(&q, "INSERT INTO latest_metrics (run_uuid, key, value, is_nan, timestamp, "
                        "step) VALUES ");
        for (size_t k = at; k < nlatest && k < at + BATCH_ROWS; k++) {
            const batch_metric *x = &m[latest[k]];
            batch_row(&q, k - at, 6);
            reg_sql_text(&q, id);
            reg_sql_text(&q, x->key);
            reg_sql_real(&q, x->value);
            reg_sql_int(&q, x->is_nan);
            reg_sql_int(&q, x->timestamp);
            reg_sql_int(&q, x->step);
        }
        reg_sql_add(&q, " ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value, "
                        "is_nan = excluded.is_nan, timestamp = excluded.timestamp, step = "
                        "excluded.step WHERE excluded.step > latest_metrics.step OR "
                        "(excluded.step = latest_metrics.step AND excluded.timestamp >= "
                        "latest_metrics.timestamp)");
        st = batch_exec(c, &q, NULL);
    }
    return st;
}

/* Tag upserts; a key repeated in the batch sends its last value only (what applying them
 * in order leaves). */
static ap_status batch_tags(reg_call *c, const char *id, json_t *tags)
{
    size_t nt = json_array_size(tags), row = 0;
    reg_sql q = {0};
    reg_sql_add(&q, "INSERT INTO tags (run_uuid, key, value) VALUES ");
    for (size_t i = 0; i < nt; i++) {
        json_t *item = json_array_get(tags, i);
        const char *k = json_string_value(json_object_get(item, "key"));
        const char *v = json_string_value(json_object_get(item, "value"));
        bool later = false;
        for (size_t j = i + 1; j < nt && !later; j++)
            later =
                strcmp(k, json_string_value(json_object_get(json_array_get(tags, j), "key"))) == 0;
        if (later) continue;
        batch_row(&q, row++, 3);
        reg_sql_text(&q, id);
        reg_sql_text(&q, k);
        reg_sql_text(&q, v ? v : "");
    }
    reg_sql_add(&q, " ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value");
    if (row == 0) {
        reg_sql_free(&q);
        return AP_OK;
    }
    return batch_exec(c, &q, NULL);
}

static ap_status run_log_batch(reg_call *c)
{
    json_t *mets = reg_arg(c, "metrics"), *params = reg_arg(c, "params"),
           *tags = reg_arg(c, "tags");
    size_t nm = json_array_size(mets), np = json_array_size(params), nt = json_array_size(tags);
    if (nm > MAX_BATCH_METRICS || np > MAX_BATCH_PARAMS || nt > MAX_BATCH_TAGS ||
        nm + np + nt > MAX_BATCH_METRICS)
        return reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                        "A batch logging request can contain at most %d metrics, %d params, "
                        "%d tags and %d items in total; got %zu metrics, %zu params, %zu tags",
                        MAX_BATCH_METRICS, MAX_BATCH_PARAMS, MAX_BATCH_TAGS, MAX_BATCH_METRICS, nm,
                        np, nt);
    if (tags && !reg_check_tags(c, tags, "run")) return AP_ERR_INVALID;
    /* Validate every item before the first write (the transaction would undo them anyway,
     * but the error names the first bad item either way). */
    batch_metric *m = calloc(nm + 1, sizeof *m);
    size_t *latest = calloc(nm + 1, sizeof *latest);
    reg_rows *rows = NULL;
    ap_status st = AP_OK;
    size_t i;
    json_t *item;
    if (!m || !latest) {
        st = reg_fail(c, AP_ERR_NOMEM, "INTERNAL_ERROR", "out of memory");
        goto out;
    }
    json_array_foreach(mets, i, item)
    {
        double v = 0;
        json_t *ts = json_object_get(item, "timestamp"), *step = json_object_get(item, "step");
        if (!json_is_string(json_object_get(item, "key")) ||
            !metric_value(json_object_get(item, "value"), &v) ||
            !(json_is_integer(ts) || json_is_string(ts)) ||
            (step && !json_is_null(step) && !json_is_integer(step) && !json_is_string(step))) {
            st = reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                          "Invalid metric at index %zu: expected {\"key\": string, \"value\": "
                          "number, \"timestamp\": integer, \"step\": integer}",
                          i);
            goto out;
        }
        m[i].key = json_string_value(json_object_get(item, "key"));
        if (!check_key_value(c, "metric", m[i].key, NULL, 0)) {
            st = AP_ERR_INVALID;
            goto out;
        }
        m[i].is_nan = isnan(v) ? 1 : 0;
        m[i].value = m[i].is_nan ? 0.0 : v;
        m[i].timestamp =
            json_is_integer(ts) ? json_integer_value(ts) : strtoll(json_string_value(ts), NULL, 10);
        m[i].step = json_is_integer(step)  ? json_integer_value(step)
                    : json_is_string(step) ? strtoll(json_string_value(step), NULL, 10)
                                           : 0;
    }
    json_array_foreach(params, i, item)
    {
        if (!json_is_string(json_object_get(item, "key")) ||
            !json_is_string(json_object_get(item, "value"))) {
            st = reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                          "Invalid param at index %zu: expected {\"key\": string, \"value\": "
                          "string}",
                          i);
            goto out;
        }
        if (!check_key_value(c, "param", json_string_value(json_object_get(item, "key")),
                             json_string_value(json_object_get(item, "value")), MAX_PARAM_VALUE)) {
            st = AP_ERR_INVALID;
            goto out;
        }
    }
    json_array_foreach(tags, i, item)
    {
        const char *v = json_string_value(json_object_get(item, "value"));
        if (!check_key_value(c, "tag", json_string_value(json_object_get(item, "key")), v ? v : "",
                             MAX_TAG_VALUE)) {
            st = AP_ERR_INVALID;
            goto out;
        }
    }
    st = load_run(c, &rows, true);
    if (st != AP_OK) goto out;
    const char *id = reg_cell(rows, 0, 0);
    if (np) st = batch_params(c, id, params);
    if (st == AP_OK && nm) st = batch_metrics(c, id, m, nm, latest);
    if (st == AP_OK && nt) st = batch_tags(c, id, tags);
out:
    reg_rows_free(rows);
    free(m);
    free(latest);
    return st;
}

static ap_status metric_history(reg_call *c)
{
    reg_rows *rows;
    ap_status st = load_run(c, &rows, false);
    if (st != AP_OK) return st;
    int64_t max, offset;
    if (!reg_page_args(c, 25000, 25000, &max, &offset)) {
        reg_rows_free(rows);
        return AP_ERR_INVALID;
    }
    reg_rows *m = NULL;
    st = reg_exec(c->conn, &m, NULL,
                  "SELECT key, value, is_nan, timestamp, step FROM metrics WHERE run_uuid = ? "
                  "AND key = ? ORDER BY timestamp, step, value LIMIT ? OFFSET ?",
                  "ssii", reg_cell(rows, 0, 0), reg_arg_str(c, "metric_key"), max + 1, offset);
    reg_rows_free(rows);
    if (st != AP_OK) return reg_fail_db(c, st);
    json_t *list = json_array();
    for (size_t i = 0; i < m->nrows && (int64_t)i < max; i++)
        json_array_append_new(list, metric_json(m, i, 0));
    json_object_set_new(c->result, "metrics", list);
    reg_set_next_page(c, m->nrows, max, offset);
    reg_rows_free(m);
    return AP_OK;
}

/* The attributes of a run, in filters and order_by. */
static const reg_column run_attrs[] = {
    {"run_id", "runs.run_uuid", false},
    {"run_uuid", "runs.run_uuid", false},
    {"run_name", "runs.name", false},
    {"status", "runs.status", false},
    {"user_id", "runs.user_id", false},
    {"artifact_uri", "runs.artifact_uri", false},
    {"start_time", "runs.start_time", true},
    {"end_time", "runs.end_time", true},
    {"created", "runs.start_time", true},
    {"Created", "runs.start_time", true},
    {"lifecycle_stage", "runs.lifecycle_stage", false},
    {NULL, NULL, false},
};

static const reg_search_keys run_filter_keys = {
    .attrs = run_attrs,
    .sub[REG_METRIC] = {"EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run_uuid = "
                        "runs.run_uuid AND m.key = ? AND m.is_nan = 0 AND ",
                        "m.value"},
    .sub[REG_PARAM] = {"EXISTS (SELECT 1 FROM params p WHERE p.run_uuid = runs.run_uuid AND "
                       "p.key = ? AND ",
                       "p.value"},
    .sub[REG_TAG] = {"EXISTS (SELECT 1 FROM tags p WHERE p.run_uuid = runs.run_uuid AND "
                     "p.key = ? AND ",
                     "p.value"},
    .unknown = {"Invalid attribute key '", "' specified. Valid keys are run_id, run_name, "
                                           "status, user_id, artifact_uri, start_time, end_time"},
};

static ap_status run_search(reg_call *c)
{
    int64_t max, offset;
    if (!reg_page_args(c, 1000, 50000, &max, &offset)) return AP_ERR_INVALID;
    reg_sql q = {0};
    char err[512];
    ap_status st = AP_OK;
    reg_rows *rows = NULL;
    json_t *exps = reg_arg(c, "experiment_ids");
    reg_sql_add(&q, "SELECT " RUN_COLS " FROM runs WHERE ");
    if (!view_condition(c, "run_view_type", "runs.lifecycle_stage", &q)) {
        st = AP_ERR_INVALID;
        goto out;
    }
    if (json_array_size(exps) == 0) {
        /* MLflow answers no runs when no experiment is named. */
        json_object_set_new(c->result, "runs", json_array());
        goto out;
    }
    reg_sql_add(&q, " AND runs.experiment_id IN (");
    size_t i;
    json_t *e;
    json_array_foreach(exps, i, e)
    {
        char *end;
        long long id = strtoll(json_string_value(e), &end, 10);
        if (*end || !*json_string_value(e)) {
            st = reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                          "Invalid experiment id '%s'", json_string_value(e));
            goto out;
        }
        reg_sql_add(&q, i ? ", ?" : "?");
        reg_sql_int(&q, id);
    }
    reg_sql_add(&q, ")");
    if (!reg_sql_filter(c, &q, &run_filter_keys)) {
        st = AP_ERR_INVALID;
        goto out;
    }
    reg_sql_add(&q, " ORDER BY ");
    json_t *order = reg_arg(c, "order_by"), *o;
    /* The keys are bound as parameters, so they must live until the query has run. */
    char keys[MAX_ORDER_BY][256];
    if (json_array_size(order) > MAX_ORDER_BY) {
        st = reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                      "At most %d order_by clauses are supported", MAX_ORDER_BY);
        goto out;
    }
    json_array_foreach(order, i, o)
    {
        reg_key_kind kind;
        char *key = keys[i];
        bool asc;
        if (!reg_order_parse(json_string_value(o), &kind, key, sizeof keys[i], &asc, err,
                             sizeof err)) {
            st = reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE", "%s", err);
            goto out;
        }
        /* Runs without the key sort last either way, as in MLflow. */
        for (int pass = 0; pass < 2; pass++) {
            if (kind == REG_ATTR) {
                const reg_column *col = reg_column_find(run_attrs, key);
                if (!col) {
                    st = reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                                  "Invalid order_by attribute '%s'", key);
                    goto out;
                }
                reg_sql_add(&q, "(");
                reg_sql_add(&q, col->col);
                reg_sql_add(&q, ")");
            } else {
                reg_sql_add(&q, kind == REG_METRIC  ? "(SELECT m.value FROM latest_metrics m "
                                : kind == REG_PARAM ? "(SELECT m.value FROM params m "
                                                    : "(SELECT m.value FROM tags m ");
                reg_sql_add(&q, "WHERE m.run_uuid = runs.run_uuid AND m.key = ?)");
                reg_sql_text(&q, key);
            }
            reg_sql_add(&q, pass == 0 ? " IS NULL, " : asc ? " ASC, " : " DESC, ");
        }
    }
    reg_sql_add(&q, "runs.start_time DESC, runs.run_uuid ASC");
    reg_sql_page(&q, max, offset);
    if ((st = reg_sql_run(c, &q, &rows, NULL)) != AP_OK) goto out;
    json_t *list;
    size_t n = rows->nrows < (size_t)max ? rows->nrows : (size_t)max;
    st = runs_json(c, rows, n, &list);
    if (st != AP_OK) {
        json_decref(list);
        goto out;
    }
    json_object_set_new(c->result, "runs", list);
    reg_set_next_page(c, rows->nrows, max, offset);
out:
    reg_rows_free(rows);
    reg_sql_free(&q);
    return st;
}

#define EXP_SEARCH_FIELDS                                                                          \
    {"max_results", RF_INT, false}, {"page_token", RF_STRING, false},                              \
        {"filter", RF_STRING, false}, {"order_by", RF_STRINGS, false},                             \
    {                                                                                              \
        "view_type", RF_STRING, false                                                              \
    }
#define RUN_ID_FIELDS                                                                              \
    {"run_id", RF_STRING, false},                                                                  \
    {                                                                                              \
        "run_uuid", RF_STRING, false                                                               \
    }

const reg_endpoint reg_tracking_endpoints[] = {
    {"POST",
     "experiments/create",
     exp_create,
     true,
     {{"name", RF_STRING, true},
      {"artifact_location", RF_STRING, false},
      {"tags", RF_OBJECTS, false}}},
    {"GET", "experiments/get", exp_get, false, {{"experiment_id", RF_STRING, true}}},
    {"GET",
     "experiments/get-by-name",
     exp_get_by_name,
     false,
     {{"experiment_name", RF_STRING, true}}},
    {"POST", "experiments/search", exp_search, false, {EXP_SEARCH_FIELDS}},
    {"GET", "experiments/search", exp_search, false, {EXP_SEARCH_FIELDS}},
    {"GET",
     "experiments/list",
     exp_list,
     false,
     {{"view_type", RF_STRING, false},
      {"max_results", RF_INT, false},
      {"page_token", RF_STRING, false}}},
    {"POST",
     "experiments/update",
     exp_update,
     true,
     {{"experiment_id", RF_STRING, true}, {"new_name", RF_STRING, false}}},
    {"POST", "experiments/delete", exp_delete, true, {{"experiment_id", RF_STRING, true}}},
    {"POST", "experiments/restore", exp_restore, true, {{"experiment_id", RF_STRING, true}}},
    {"POST",
     "experiments/set-experiment-tag",
     exp_set_tag,
     true,
     {{"experiment_id", RF_STRING, true}, {"key", RF_STRING, true}, {"value", RF_STRING, true}}},
    {"POST",
     "experiments/delete-experiment-tag",
     exp_delete_tag,
     true,
     {{"experiment_id", RF_STRING, true}, {"key", RF_STRING, true}}},
    {"POST",
     "runs/create",
     run_create,
     true,
     {{"experiment_id", RF_STRING, false},
      {"user_id", RF_STRING, false},
      {"run_name", RF_STRING, false},
      {"start_time", RF_INT, false},
      {"tags", RF_OBJECTS, false}}},
    {"GET", "runs/get", run_get, false, {RUN_ID_FIELDS}},
    {"POST",
     "runs/update",
     run_update,
     true,
     {RUN_ID_FIELDS,
      {"status", RF_STRING, false},
      {"end_time", RF_INT, false},
      {"run_name", RF_STRING, false}}},
    {"POST", "runs/delete", run_delete, true, {RUN_ID_FIELDS}},
    {"POST", "runs/restore", run_restore, true, {RUN_ID_FIELDS}},
    {"POST",
     "runs/search",
     run_search,
     false,
     {{"experiment_ids", RF_STRINGS, false},
      {"filter", RF_STRING, false},
      {"run_view_type", RF_STRING, false},
      {"max_results", RF_INT, false},
      {"order_by", RF_STRINGS, false},
      {"page_token", RF_STRING, false}}},
    {"POST",
     "runs/log-metric",
     run_log_metric,
     true,
     {RUN_ID_FIELDS,
      {"key", RF_STRING, true},
      {"value", RF_DOUBLE, true},
      {"timestamp", RF_INT, true},
      {"step", RF_INT, false}}},
    {"POST",
     "runs/log-parameter",
     run_log_param,
     true,
     {RUN_ID_FIELDS, {"key", RF_STRING, true}, {"value", RF_STRING, true}}},
    {"POST",
     "runs/log-batch",
     run_log_batch,
     true,
     {{"run_id", RF_STRING, true},
      {"metrics", RF_OBJECTS, false},
      {"params", RF_OBJECTS, false},
      {"tags", RF_OBJECTS, false}}},
    {"POST",
     "runs/set-tag",
     run_set_tag,
     true,
     {RUN_ID_FIELDS, {"key", RF_STRING, true}, {"value", RF_STRING, true}}},
    {"POST",
     "runs/delete-tag",
     run_delete_tag,
     true,
     {{"run_id", RF_STRING, true}, {"key", RF_STRING, true}}},
    {"GET",
     "artifacts/list",
     reg_artifacts_list,
     false,
     {RUN_ID_FIELDS, {"path", RF_STRING, false}, {"page_token", RF_STRING, false}}},
    {"GET",
     "metrics/get-history",
     metric_history,
     false,
     {RUN_ID_FIELDS,
      {"metric_key", RF_STRING, true},
      {"max_results", RF_INT, false},
      {"page_token", RF_STRING, false}}},
};
const size_t reg_tracking_nendpoints =
    sizeof reg_tracking_endpoints / sizeof reg_tracking_endpoints[0];
