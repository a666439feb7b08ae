/* reg_models: the MLflow model registry: registered models (tags, aliases) and their
 * versions (tags, stages), with the searches over them.
 *
 * Version numbers: registered_models.next_version is bumped with UPDATE ... RETURNING in
 * the transaction that inserts the version, so the row lock (PostgreSQL) or the write
 * lock (SQLite) serialises creators: numbers are distinct, and gapless because a failed
 * transaction rolls the bump back with the insert. A deleted version's number is never
 * handed out again. Stages: None, Staging, Production, Archived; a transition with
 * archive_existing_versions moves the other versions in the target stage to Archived
 * in the same transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "registry/reg_internal.h"

#define RM_COLS "name, creation_time, last_updated_time, description"
#define MV_COLS                                                                                    \
    "name, version, creation_time, last_updated_time, description, user_id, current_stage, "       \
    "source, run_id, run_link, status, status_message"

static const char *const stages[] = {"None", "Staging", "Production", "Archived"};

/* The canonical spelling of a stage name given in any case, or NULL. */
static const char *canonical_stage(const char *s)
{
    for (size_t i = 0; s && i < sizeof stages / sizeof stages[0]; i++)
        if (strcasecmp(s, stages[i]) == 0) return stages[i];
    return NULL;
}

static json_t *version_json(reg_call *c, const reg_rows *r, size_t i)
{
    reg_rows *tags = NULL, *aliases = NULL;
    int64_t v = reg_cell_int(r, i, 1);
    reg_exec(c->conn, &tags, NULL,
             "SELECT key, value FROM model_version_tags WHERE name = ? AND version = ? ORDER BY "
             "key",
             "si", reg_cell(r, i, 0), v);
    reg_exec(c->conn, &aliases, NULL,
             "SELECT alias FROM registered_model_aliases WHERE name = ? AND version = ? ORDER BY "
             "alias",
             "si", reg_cell(r, i, 0), v);
    json_t *names = json_array();
    for (size_t k = 0; aliases && k < aliases->nrows; k++)
        json_array_append_new(names, json_string(reg_cell(aliases, k, 0)));
    json_t *mv = json_pack(
        "{s:s,s:s,s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "name", reg_cell(r, i, 0),
        "version", reg_cell(r, i, 1), "creation_timestamp", (json_int_t)reg_cell_int(r, i, 2),
        "last_updated_timestamp", (json_int_t)reg_cell_int(r, i, 3), "description",
        reg_cell(r, i, 4), "user_id", reg_cell(r, i, 5), "current_stage", reg_cell(r, i, 6),
        "source", reg_cell(r, i, 7), "run_id", reg_cell(r, i, 8), "run_link", reg_cell(r, i, 9),
        "status", reg_cell(r, i, 10), "tags", reg_kv_list(tags, 0, 1), "aliases", names);
    if (mv && reg_cell(r, i, 11) && *reg_cell(r, i, 11))
        json_object_set_new(mv, "status_message", json_string(reg_cell(r, i, 11)));
    reg_rows_free(tags);
    reg_rows_free(aliases);
    return mv;
}

/* The latest version of each stage of a model (stages NULL: every stage), newest first. */
static ap_status latest_versions(reg_call *c, const char *name, json_t *stage_filter, json_t **out)
{
    reg_rows *rows = NULL;
    *out = json_array();
    ap_status st = reg_exec(c->conn, &rows, NULL,
                            "SELECT " MV_COLS " FROM model_versions mv WHERE name = ? AND version "
                            "= (SELECT max(version) FROM model_versions m2 WHERE m2.name = "
                            "mv.name AND m2.current_stage = mv.current_stage) ORDER BY version",
                            "s", name);
    if (st != AP_OK) return reg_fail_db(c, st);
    for (size_t i = 0; i < rows->nrows; i++) {
        bool wanted = json_array_size(stage_filter) == 0;
        size_t k;
        json_t *s;
        json_array_foreach(stage_filter, k, s)
        {
            if (strcasecmp(json_string_value(s), reg_cell(rows, i, 6)) == 0) wanted = true;
        }
        if (wanted) json_array_append_new(*out, version_json(c, rows, i));
    }
    reg_rows_free(rows);
    return AP_OK;
}

static json_t *model_json(reg_call *c, const reg_rows *r, size_t i)
{
    const char *name = reg_cell(r, i, 0);
    reg_rows *tags = NULL, *aliases = NULL;
    reg_exec(c->conn, &tags, NULL,
             "SELECT key, value FROM registered_model_tags WHERE name = ? ORDER BY key", "s", name);
    reg_exec(c->conn, &aliases, NULL,
             "SELECT alias, version FROM registered_model_aliases WHERE name = ? ORDER BY alias",
             "s", name);
    json_t *al = json_array();
    for (size_t k = 0; aliases && k < aliases->nrows; k++)
        json_array_append_new(al, json_pack("{s:s,s:s}", "alias", reg_cell(aliases, k, 0),
                                            "version", reg_cell(aliases, k, 1)));
    json_t *latest = NULL;
    if (latest_versions(c, name, NULL, &latest) != AP_OK) {
        json_decref(latest);
        latest = json_array();
    }
    json_t *m =
        json_pack("{s:s,s:I,s:I,s:s,s:o,s:o,s:o}", "name", name, "creation_timestamp",
                  (json_int_t)reg_cell_int(r, i, 1), "last_updated_timestamp",
                  (json_int_t)reg_cell_int(r, i, 2), "description", reg_cell(r, i, 3),
                  "latest_versions", latest, "tags", reg_kv_list(tags, 0, 1), "aliases", al);
    reg_rows_free(tags);
    reg_rows_free(aliases);
    return m;
}

/* Loads the model's row into *out (NULL: only checks that it exists). */
static ap_status load_model(reg_call *c, const char *name, reg_rows **out)
{
    reg_rows *rows = NULL;
    if (out) *out = NULL;
    ap_status st = reg_exec(c->conn, &rows, NULL,
                            "SELECT " RM_COLS " FROM registered_models WHERE name = ?", "s", name);
    if (st != AP_OK) return reg_fail_db(c, st);
    st = reg_need_row(c, &rows, "Registered Model with name=%s not found", name);
    if (st == AP_OK && out)
        *out = rows;
    else
        reg_rows_free(rows);
    return st;
}

static bool parse_version(reg_call *c, int64_t *version)
{
    const char *s = reg_arg_str(c, "version");
    char *end;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || !*s || *end || v < 1) {
        reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                 "Parameter 'version' must be an integer, got '%s'.", s ? s : "");
        return false;
    }
    *version = v;
    return true;
}

/* Loads the row of the version the name and version arguments name into *out (NULL: only
 * checks that it exists); its number goes to *version. */
static ap_status load_version(reg_call *c, reg_rows **out, int64_t *version)
{
    const char *name = reg_arg_str(c, "name");
    if (out) *out = NULL;
    if (!parse_version(c, version)) return AP_ERR_INVALID;
    reg_rows *rows = NULL;
    ap_status st = reg_exec(c->conn, &rows, NULL,
                            "SELECT " MV_COLS " FROM model_versions WHERE name = ? AND version = ?",
                            "si", name, *version);
    if (st != AP_OK) return reg_fail_db(c, st);
    st = reg_need_row(c, &rows, "Model Version (name=%s, version=%lld) not found", name,
                      (long long)*version);
    if (st == AP_OK && out)
        *out = rows;
    else
        reg_rows_free(rows);
    return st;
}

static ap_status touch_model(reg_call *c, const char *name, int64_t now)
{
    ap_status st = reg_exec(c->conn, NULL, NULL,
                            "UPDATE registered_models SET last_updated_time = ? WHERE name = ?",
                            "is", now, name);
    return st == AP_OK ? AP_OK : reg_fail_db(c, st);
}

static ap_status reply_model(reg_call *c, const char *name)
{
    reg_rows *rows;
    ap_status st = load_model(c, name, &rows);
    if (st != AP_OK) return st;
    json_object_set_new(c->result, "registered_model", model_json(c, rows, 0));
    reg_rows_free(rows);
    return AP_OK;
}

static ap_status reply_version(reg_call *c, const char *name, int64_t version)
{
    reg_rows *rows = NULL;
    ap_status st = reg_exec(c->conn, &rows, NULL,
                            "SELECT " MV_COLS " FROM model_versions WHERE name = ? AND version = ?",
                            "si", name, version);
    if (st != AP_OK) return reg_fail_db(c, st);
    if (rows->nrows) json_object_set_new(c->result, "model_version", version_json(c, rows, 0));
    reg_rows_free(rows);
    return AP_OK;
}

static ap_status upsert_tag(reg_call *c, bool version_tag, const char *name, int64_t version,
                            const char *key, const char *value)
{
    ap_status st;
    if (version_tag)
        st = reg_exec(c->conn, NULL, NULL,
                      "INSERT INTO model_version_tags (name, version, key, value) VALUES (?, ?, "
                      "?, ?) ON CONFLICT (name, version, key) DO UPDATE SET value = "
                      "excluded.value",
                      "siss", name, version, key, value);
    else
        st = reg_exec(c->conn, NULL, NULL,
                      "INSERT INTO registered_model_tags (name, key, value) VALUES (?, ?, ?) "
                      "ON CONFLICT (name, key) DO UPDATE SET value = excluded.value",
                      "sss", name, key, value);
    return st == AP_OK ? AP_OK : reg_fail_db(c, st);
}

static bool check_name(reg_call *c, const char *name, const char *what)
{
    if (!name || !*name || strlen(name) > 256 || strchr(name, '/') == name) {
        reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                 "%s name must be a non-empty string of at most 256 characters", what);
        return false;
    }
    return true;
}

/* --- registered models ------------------------------------------------------------------ */

static ap_status rm_create(reg_call *c)
{
    const char *name = reg_arg_str(c, "name");
    const char *desc = reg_arg_str(c, "description");
    json_t *tags = reg_arg(c, "tags");
    if (!check_name(c, name, "Registered model")) return AP_ERR_INVALID;
    if (tags && !reg_check_tags(c, tags, "registered model")) return AP_ERR_INVALID;
    int64_t now = reg_now_ms();
    ap_status st = reg_exec(c->conn, NULL, NULL,
                            "INSERT INTO registered_models (" RM_COLS ", next_version) VALUES "
                            "(?, ?, ?, ?, 1)",
                            "siis", name, now, now, desc ? desc : "");
    if (st == AP_ERR_CONFLICT)
        return reg_fail(c, st, "RESOURCE_ALREADY_EXISTS",
                        "Registered Model (name=%s) already exists.", name);
    if (st != AP_OK) return reg_fail_db(c, st);
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t)
    {
        st = upsert_tag(c, false, name, 0, json_string_value(json_object_get(t, "key")),
                        json_string_value(json_object_get(t, "value")) ?: "");
        if (st != AP_OK) return st;
    }
    return reply_model(c, name);
}

static ap_status rm_get(reg_call *c)
{
    return reply_model(c, reg_arg_str(c, "name"));
}

/* Tables that carry a registered model's name, for rename and delete. */
static const char *const name_tables[] = {"registered_models", "registered_model_tags",
                                          "registered_model_aliases", "model_versions",
                                          "model_version_tags"};

static ap_status rm_rename(reg_call *c)
{
    const char *name = reg_arg_str(c, "name"), *new_name = reg_arg_str(c, "new_name");
    if (!check_name(c, new_name, "Registered model")) return AP_ERR_INVALID;
    ap_status st = load_model(c, name, NULL);
    if (st != AP_OK) return st;
    for (size_t i = 0; i < sizeof name_tables / sizeof name_tables[0]; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "UPDATE %s SET name = ? WHERE name = ?", name_tables[i]);
        st = reg_exec(c->conn, NULL, NULL, sql, "ss", new_name, name);
        if (st == AP_ERR_CONFLICT)
            return reg_fail(c, st, "RESOURCE_ALREADY_EXISTS",
                            "Registered Model (name=%s) already exists.", new_name);
        if (st != AP_OK) return reg_fail_db(c, st);
    }
    if ((st = touch_model(c, new_name, reg_now_ms())) != AP_OK) return st;
    return reply_model(c, new_name);
}

static ap_status rm_update(reg_call *c)
{
    const char *name = reg_arg_str(c, "name"), *desc = reg_arg_str(c, "description");
    ap_status st = load_model(c, name, NULL);
    if (st != AP_OK) return st;
    if (desc) {
        st = reg_exec(c->conn, NULL, NULL,
                      "UPDATE registered_models SET description = ?, last_updated_time = ? WHERE "
                      "name = ?",
                      "sis", desc, reg_now_ms(), name);
        if (st != AP_OK) return reg_fail_db(c, st);
    }
    return reply_model(c, name);
}

static ap_status rm_delete(reg_call *c)
{
    const char *name = reg_arg_str(c, "name");
    ap_status st = load_model(c, name, NULL);
    if (st != AP_OK) return st;
    for (size_t i = 0; i < sizeof name_tables / sizeof name_tables[0]; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE name = ?", name_tables[i]);
        st = reg_exec(c->conn, NULL, NULL, sql, "s", name);
        if (st != AP_OK) return reg_fail_db(c, st);
    }
    return AP_OK;
}

static ap_status rm_set_tag(reg_call *c)
{
    const char *name = reg_arg_str(c, "name");
    ap_status st = load_model(c, name, NULL);
    if (st != AP_OK) return st;
    return upsert_tag(c, false, name, 0, reg_arg_str(c, "key"), reg_arg_str(c, "value"));
}

static ap_status rm_delete_tag(reg_call *c)
{
    const char *name = reg_arg_str(c, "name"), *key = reg_arg_str(c, "key");
    ap_status st = load_model(c, name, NULL);
    if (st != AP_OK) return st;
    int64_t changed = 0;
    st = reg_exec(c->conn, NULL, &changed,
                  "DELETE FROM registered_model_tags WHERE name = ? AND key = ?", "ss", name, key);
    if (st != AP_OK) return reg_fail_db(c, st);
    if (!changed)
        return reg_fail(c, AP_ERR_NOT_FOUND, "RESOURCE_DOES_NOT_EXIST",
                        "No tag with key=%s on registered model %s", key, name);
    return AP_OK;
}

static ap_status rm_latest(reg_call *c)
{
    const char *name = reg_arg_str(c, "name");
    json_t *want = reg_arg(c, "stages");
    size_t i;
    json_t *s;
    json_array_foreach(want, i, s)
    {
        if (!canonical_stage(json_string_value(s)))
            return reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                            "Invalid Model Version stage: %s. Value must be one of None, "
                            "Staging, Production, Archived.",
                            json_string_value(s));
    }
    ap_status st = load_model(c, name, NULL);
    if (st != AP_OK) return st;
    json_t *list;
    st = latest_versions(c, name, want, &list);
    if (st == AP_OK)
        json_object_set_new(c->result, "model_versions", list);
    else
        json_decref(list);
    return st;
}

static ap_status rm_set_alias(reg_call *c)
{
    const char *name = reg_arg_str(c, "name"), *alias = reg_arg_str(c, "alias");
    int64_t version;
    if (!parse_version(c, &version)) return AP_ERR_INVALID;
    if (strcasecmp(alias, "latest") == 0 ||
        (alias[0] == 'v' && strspn(alias + 1, "0123456789") == strlen(alias + 1) && alias[1]))
        return reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                        "'%s' is a reserved alias name", alias);
    ap_status st = load_version(c, NULL, &version);
    if (st != AP_OK) return st;
    st = reg_exec(c->conn, NULL, NULL,
                  "INSERT INTO registered_model_aliases (name, alias, version) VALUES (?, ?, ?) "
                  "ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version",
                  "ssi", name, alias, version);
    if (st != AP_OK) return reg_fail_db(c, st);
    return touch_model(c, name, reg_now_ms());
}

static ap_status rm_delete_alias(reg_call *c)
{
    const char *name = reg_arg_str(c, "name"), *alias = reg_arg_str(c, "alias");
    ap_status st = load_model(c, name, NULL);
    if (st != AP_OK) return st;
    int64_t changed = 0;
    st = reg_exec(c->conn, NULL, &changed,
                  "DELETE FROM registered_model_aliases WHERE name = ? AND alias = ?", "ss", name,
                  alias);
    if (st != AP_OK) return reg_fail_db(c, st);
    if (!changed)
        return reg_fail(c, AP_ERR_NOT_FOUND, "RESOURCE_DOES_NOT_EXIST",
                        "Registered model alias %s not found.", alias);
    return AP_OK;
}

static ap_status rm_get_alias(reg_call *c)
{
    const char *name = reg_arg_str(c, "name"), *alias = reg_arg_str(c, "alias");
    reg_rows *rows = NULL;
    ap_status st = reg_exec(c->conn, &rows, NULL,
                            "SELECT version FROM registered_model_aliases WHERE name = ? AND "
                            "alias = ?",
                            "ss", name, alias);
    if (st != AP_OK) return reg_fail_db(c, st);
    bool found = rows->nrows > 0;
    int64_t version = reg_cell_int(rows, 0, 0);
    reg_rows_free(rows);
    if (!found)
        return reg_fail(c, AP_ERR_NOT_FOUND, "RESOURCE_DOES_NOT_EXIST",
                        "Registered model alias %s not found.", alias);
    return reply_version(c, name, version);
}

/* The keys of model and version searches, in filters and order_by. */
static const reg_column model_filter_attrs[] = {
    {"name", "x.name", false},
    {NULL, NULL, false},
};
static const reg_column version_filter_attrs[] = {
    {"name", "x.name", false},
    {"run_id", "x.run_id", false},
    {"source_path", "x.source", false},
    {"source", "x.source", false},
    {"version_number", "x.version", true},
    {"version", "x.version", true},
    {"current_stage", "x.current_stage", false},
    {NULL, NULL, false},
};
static const reg_search_keys model_filter_keys = {
    .attrs = model_filter_attrs,
    .sub[REG_TAG] = {"EXISTS (SELECT 1 FROM registered_model_tags t WHERE t.name = x.name AND "
                     "t.key = ? AND ",
                     "t.value"},
    .unknown = {"Invalid filter key '", "' for a registered model search"},
};
static const reg_search_keys version_filter_keys = {
    .attrs = version_filter_attrs,
    .sub[REG_TAG] = {"EXISTS (SELECT 1 FROM model_version_tags t WHERE t.name = x.name AND "
                     "t.version = x.version AND t.key = ? AND ",
                     "t.value"},
    .unknown = {"Invalid filter key '", "' for a model version search"},
};
static const reg_column model_order_keys[] = {
    {"name", "x.name", false},
    {"creation_timestamp", "x.creation_time", false},
    {"creation_time", "x.creation_time", false},
    {"last_updated_timestamp", "x.last_updated_time", false},
    {"timestamp", "x.last_updated_time", false},
    {NULL, NULL, false},
};
static const reg_column version_order_keys[] = {
    {"name", "x.name", false},
    {"creation_timestamp", "x.creation_time", false},
    {"creation_time", "x.creation_time", false},
    {"last_updated_timestamp", "x.last_updated_time", false},
    {"timestamp", "x.last_updated_time", false},
    {"version_number", "x.version", false},
    {"version", "x.version", false},
    {NULL, NULL, false},
};

static ap_status search_generic(reg_call *c, bool versions)
{
    static const reg_search models = {.filter = &model_filter_keys,
                                      .order = model_order_keys,
                                      .order_expected = "",
                                      .order_last = "x.name ASC",
                                      .member = "registered_models",
                                      .item = model_json};
    static const reg_search model_versions = {.filter = &version_filter_keys,
                                              .order = version_order_keys,
                                              .order_expected = "",
                                              .order_last = "x.name ASC, x.version DESC",
                                              .member = "model_versions",
                                              .item = version_json};
    int64_t max, offset;
    if (!reg_page_args(c, versions ? 10000 : 100, versions ? 200000 : 1000, &max, &offset))
        return AP_ERR_INVALID;
    reg_sql q = {0};
    reg_sql_add(&q, versions ? "SELECT " MV_COLS " FROM model_versions x WHERE 1 = 1"
                             : "SELECT " RM_COLS " FROM registered_models x WHERE 1 = 1");
    ap_status st = reg_search_run(c, &q, versions ? &model_versions : &models, max, offset);
    reg_sql_free(&q);
    return st;
}

static ap_status rm_search(reg_call *c)
{
    return search_generic(c, false);
}

/* --- model versions --------------------------------------------------------------------- */

static ap_status mv_create(reg_call *c)
{
    const char *name = reg_arg_str(c, "name"), *source = reg_arg_str(c, "source");
    const char *run_id = reg_arg_str(c, "run_id"), *run_link = reg_arg_str(c, "run_link");
    const char *desc = reg_arg_str(c, "description");
    json_t *tags = reg_arg(c, "tags");
    if (tags && !reg_check_tags(c, tags, "model version")) return AP_ERR_INVALID;
    int64_t now = reg_now_ms();
    /* Takes the model's row lock (PostgreSQL) / the write lock (SQLite) until commit. */
    reg_rows *rows = NULL;
    ap_status st = reg_exec(c->conn, &rows, NULL,
                            "UPDATE registered_models SET next_version = next_version + 1, "
                            "last_updated_time = ? WHERE name = ? RETURNING next_version - 1",
                            "is", now, name);
    if (st != AP_OK) return reg_fail_db(c, st);
    bool found = rows->nrows > 0;
    int64_t version = reg_cell_int(rows, 0, 0);
    reg_rows_free(rows);
    if (!found)
        return reg_fail(c, AP_ERR_NOT_FOUND, "RESOURCE_DOES_NOT_EXIST",
                        "Registered Model with name=%s not found", name);
    const char *user = "";
    st = reg_exec(c->conn, NULL, NULL,
                  "INSERT INTO model_versions (" MV_COLS ") VALUES (?, ?, ?, ?, ?, ?, 'None', ?, "
                  "?, ?, 'READY', '')",
                  "siiisssss", name, version, now, now, desc ? desc : "", user, source,
                  run_id ? run_id : "", run_link ? run_link : "");
    if (st != AP_OK) return reg_fail_db(c, st);
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t)
    {
        st = upsert_tag(c, true, name, version, json_string_value(json_object_get(t, "key")),
                        json_string_value(json_object_get(t, "value")) ?: "");
        if (st != AP_OK) return st;
    }
    return reply_version(c, name, version);
}

static ap_status mv_get(reg_call *c)
{
    reg_rows *rows;
    int64_t version;
    ap_status st = load_version(c, &rows, &version);
    if (st != AP_OK) return st;
    json_object_set_new(c->result, "model_version", version_json(c, rows, 0));
    reg_rows_free(rows);
    return AP_OK;
}

static ap_status mv_update(reg_call *c)
{
    int64_t version;
    ap_status st = load_version(c, NULL, &version);
    if (st != AP_OK) return st;
    const char *name = reg_arg_str(c, "name"), *desc = reg_arg_str(c, "description");
    if (desc) {
        st = reg_exec(c->conn, NULL, NULL,
                      "UPDATE model_versions SET description = ?, last_updated_time = ? WHERE "
                      "name = ? AND version = ?",
                      "sisi", desc, reg_now_ms(), name, version);
        if (st != AP_OK) return reg_fail_db(c, st);
    }
    return reply_version(c, name, version);
}

static ap_status mv_delete(reg_call *c)
{
    int64_t version;
    ap_status st = load_version(c, NULL, &version);
    if (st != AP_OK) return st;
    const char *name = reg_arg_str(c, "name");
    static const char *const tables[] = {"model_versions", "model_version_tags",
                                         "registered_model_aliases"};
    for (size_t i = 0; i < 3; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE name = ? AND version = ?", tables[i]);
        st = reg_exec(c->conn, NULL, NULL, sql, "si", name, version);
        if (st != AP_OK) return reg_fail_db(c, st);
    }
    return touch_model(c, name, reg_now_ms());
}

static ap_status mv_search(reg_call *c)
{
    return search_generic(c, true);
}

static ap_status mv_transition(reg_call *c)
{
    const char *stage = canonical_stage(reg_arg_str(c, "stage"));
    if (!stage)
        return reg_fail(c, AP_ERR_INVALID, "INVALID_PARAMETER_VALUE",
                        "Invalid Model Version stage: %s. Value must be one of None, Staging, "
                        "Production, Archived.",
                        reg_arg_str(c, "stage"));
    int64_t version;
    ap_status st = load_version(c, NULL, &version);
    if (st != AP_OK) return st;
    const char *name = reg_arg_str(c, "name");
    int64_t now = reg_now_ms();
    bool archive = reg_arg_bool(c, "archive_existing_versions", false);
    if (archive && (strcmp(stage, "Staging") == 0 || strcmp(stage, "Production") == 0)) {
        st = reg_exec(c->conn, NULL, NULL,
                      "UPDATE model_versions SET current_stage = 'Archived', last_updated_time = "
                      "? WHERE name = ? AND current_stage = ? AND version <> ?",
                      "issi", now, name, stage, version);
        if (st != AP_OK) return reg_fail_db(c, st);
    }
    st = reg_exec(c->conn, NULL, NULL,
                  "UPDATE model_versions SET current_stage = ?, last_updated_time = ? WHERE name "
                  "= ? AND version = ?",
                  "sisi", stage, now, name, version);
    if (st != AP_OK) return reg_fail_db(c, st);
    if ((st = touch_model(c, name, now)) != AP_OK) return st;
    return reply_version(c, name, version);
}

static ap_status mv_download_uri(reg_call *c)
{
    reg_rows *rows;
    int64_t version;
    ap_status st = load_version(c, &rows, &version);
    if (st != AP_OK) return st;
    json_object_set_new(c->result, "artifact_uri", json_string(reg_cell(rows, 0, 7)));
    reg_rows_free(rows);
    return AP_OK;
}

static ap_status mv_set_tag(reg_call *c)
{
    int64_t version;
    ap_status st = load_version(c, NULL, &version);
    if (st != AP_OK) return st;
    return upsert_tag(c, true, reg_arg_str(c, "name"), version, reg_arg_str(c, "key"),
                      reg_arg_str(c, "value"));
}

static ap_status mv_delete_tag(reg_call *c)
{
    int64_t version;
    ap_status st = load_version(c, NULL, &version);
    if (st != AP_OK) return st;
    const char *name = reg_arg_str(c, "name"), *key = reg_arg_str(c, "key");
    int64_t changed = 0;
    st = reg_exec(c->conn, NULL, &changed,
                  "DELETE FROM model_version_tags WHERE name = ? AND version = ? AND key = ?",
                  "sis", name, version, key);
    if (st != AP_OK) return reg_fail_db(c, st);
    if (!changed)
        return reg_fail(c, AP_ERR_NOT_FOUND, "RESOURCE_DOES_NOT_EXIST",
                        "No tag with key=%s on model version %s/%lld", key, name,
                        (long long)version);
    return AP_OK;
}

#define NAME_FIELD                                                                                 \
    {                                                                                              \
        "name", RF_STRING, true                                                                    \
    }
#define SEARCH_FIELDS                                                                              \
    {"filter", RF_STRING, false}, {"max_results", RF_INT, false}, {"order_by", RF_STRINGS, false}, \
    {                                                                                              \
        "page_token", RF_STRING, false                                                             \
    }
#define LATEST_FIELDS                                                                              \
    NAME_FIELD,                                                                                    \
    {                                                                                              \
        "stages", RF_STRINGS, false                                                                \
    }
#define VERSION_FIELDS                                                                             \
    NAME_FIELD,                                                                                    \
    {                                                                                              \
        "version", RF_STRING, true                                                                 \
    }

const reg_endpoint reg_model_endpoints[] = {
    {"POST",
     "registered-models/create",
     rm_create,
     true,
     {NAME_FIELD, {"tags", RF_OBJECTS, false}, {"description", RF_STRING, false}}},
    {"GET", "registered-models/get", rm_get, false, {NAME_FIELD}},
    {"POST",
     "registered-models/rename",
     rm_rename,
     true,
     {NAME_FIELD, {"new_name", RF_STRING, true}}},
    {"PATCH",
     "registered-models/update",
     rm_update,
     true,
     {NAME_FIELD, {"description", RF_STRING, false}}},
    {"DELETE", "registered-models/delete", rm_delete, true, {NAME_FIELD}},
    {"GET", "registered-models/search", rm_search, false, {SEARCH_FIELDS}},
    {"POST", "registered-models/search", rm_search, false, {SEARCH_FIELDS}},
    {"POST", "registered-models/get-latest-versions", rm_latest, false, {LATEST_FIELDS}},
    {"GET", "registered-models/get-latest-versions", rm_latest, false, {LATEST_FIELDS}},
    {"POST",
     "registered-models/set-tag",
     rm_set_tag,
     true,
     {NAME_FIELD, {"key", RF_STRING, true}, {"value", RF_STRING, true}}},
    {"DELETE",
     "registered-models/delete-tag",
     rm_delete_tag,
     true,
     {NAME_FIELD, {"key", RF_STRING, true}}},
    {"POST",
     "registered-models/alias",
     rm_set_alias,
     true,
     {NAME_FIELD, {"alias", RF_STRING, true}, {"version", RF_STRING, true}}},
    {"DELETE",
     "registered-models/alias",
     rm_delete_alias,
     true,
     {NAME_FIELD, {"alias", RF_STRING, true}}},
    {"GET",
     "registered-models/alias",
     rm_get_alias,
     false,
     {NAME_FIELD, {"alias", RF_STRING, true}}},
    {"POST",
     "model-versions/create",
     mv_create,
     true,
     {NAME_FIELD,
      {"source", RF_STRING, true},
      {"run_id", RF_STRING, false},
      {"tags", RF_OBJECTS, false},
      {"run_link", RF_STRING, false},
      {"description", RF_STRING, false}}},
    {"GET", "model-versions/get", mv_get, false, {VERSION_FIELDS}},
    {"PATCH",
     "model-versions/update",
     mv_update,
     true,
     {VERSION_FIELDS, {"description", RF_STRING, false}}},
    {"DELETE", "model-versions/delete", mv_delete, true, {VERSION_FIELDS}},
    {"GET", "model-versions/search", mv_search, false, {SEARCH_FIELDS}},
    {"POST", "model-versions/search", mv_search, false, {SEARCH_FIELDS}},
    {"POST",
     "model-versions/transition-stage",
     mv_transition,
     true,
     {VERSION_FIELDS, {"stage", RF_STRING, true}, {"archive_existing_versions", RF_BOOL, false}}},
    {"GET", "model-versions/get-download-uri", mv_download_uri, false, {VERSION_FIELDS}},
    {"POST",
     "model-versions/set-tag",
     mv_set_tag,
     true,
     {VERSION_FIELDS, {"key", RF_STRING, true}, {"value", RF_STRING, true}}},
    {"DELETE",
     "model-versions/delete-tag",
     mv_delete_tag,
     true,
     {VERSION_FIELDS, {"key", RF_STRING, true}}},
};
const size_t reg_model_nendpoints = sizeof reg_model_endpoints / sizeof reg_model_endpoints[0];
