/* pipeline: prepare-data -> train -> evaluate -> register -> promote (see pipeline.h for the
 * work directory, the step markers and the registry run tree).
 *
 * Every step calls the module that does its work directly: datagen (dg_generate), the
 * trainer (train_run, train_merge, train_eval_cer), the extractor with the candidate's
 * fine_tuned_ocr engine (tt_extract_file_opts) scored by document/eval, and the registry
 * client (regc_*). Nothing is run as a subprocess. */
#include "train/pipeline.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/files.h"
#include "core/log.h"
#include "core/sbuf.h"
#include "document/eval.h"
#include "document/extract.h"
#include "nn/charlm.h"
#include "ocr/ocr.h"
#include "registry/artifact.h"
#include "registry/client.h"

#define PL_HELDOUT_SEED_OFFSET 1000003u /* held-out documents: another seed, never overlapping */
#define PL_MAX_DOCS            100000   /* held-out documents scored at most */
#define PL_METRICS_PER_BATCH   900      /* MLflow's log-batch takes at most 1000 */

static const char *const step_names[PL_STEP_COUNT] = {"prepare-data", "train", "evaluate",
                                                      "register", "promote"};

typedef struct pl_ctx {
    const pl_options *o;
    char hash[PL_STEP_COUNT][65]; /* hex SHA-256 of each step's inputs */
    regc_client *reg;             /* NULL: no registry */
    json_t *tree;                 /* state/registry.json: parent and child runs */
    char child_run[64];           /* the running step's child run ("" without registry) */
    char child_artifacts[2200];   /* its artifact_uri */
} pl_ctx;

const char *pl_step_name(pl_step s)
{
    return s < PL_STEP_COUNT ? step_names[s] : "?";
}

ap_status pl_step_parse(const char *name, pl_step *out, ap_error *err)
{
    for (int i = 0; i < PL_STEP_COUNT; i++)
        if (strcmp(name, step_names[i]) == 0) return *out = (pl_step)i, AP_OK;
    return ap_fail(err, AP_ERR_INVALID,
                   "unknown step '%s': accepted steps are prepare-data, train, evaluate, "
                   "register, promote",
                   name);
}

ap_status pl_metric_parse(const char *name, pl_metric *out, ap_error *err)
{
    if (strcmp(name, "strict_f1") == 0) return *out = PL_METRIC_STRICT_F1, AP_OK;
    if (strcmp(name, "name_f1") == 0) return *out = PL_METRIC_NAME_F1, AP_OK;
    if (strcmp(name, "cer") == 0) return *out = PL_METRIC_CER, AP_OK;
    return ap_fail(err, AP_ERR_INVALID,
                   "unknown metric '%s': accepted metrics are strict_f1, name_f1, cer", name);
}

static const char *metric_key(pl_metric m)
{
    return m == PL_METRIC_CER ? "cer" : m == PL_METRIC_NAME_F1 ? "name_f1" : "strict_f1";
}

/* ---- files ---- */

static ap_status path_join(char *out, size_t size, ap_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static ap_status path_join(char *out, size_t size, ap_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, size, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size) return ap_fail(err, AP_ERR_INVALID, "path too long");
    return AP_OK;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* Removes path and everything below it; a missing path is fine. */
static ap_status rm_rf(const char *path, ap_error *err)
{
    struct stat sb;
    if (lstat(path, &sb) != 0) return AP_OK;
    if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return ap_fail(err, AP_ERR_IO, "%s: cannot remove: %s", path, strerror(errno));
    return AP_OK;
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Writes j to path through a temporary file and a rename, so a crash leaves the old file
 * or the new one, never half of one. */
static ap_status write_json(const char *path, const json_t *j, ap_error *err)
{
    char tmp[PATH_MAX];
    ap_status st = path_join(tmp, sizeof tmp, err, "%s.tmp", path);
    if (st != AP_OK) return st;
    if (json_dump_file(j, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return ap_fail(err, AP_ERR_IO, "%s: cannot write", path);
    }
    return AP_OK;
}

static ap_status append_line(const char *path, const json_t *j, ap_error *err)
{
    char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    FILE *f = text ? fopen(path, "a") : NULL;
    ap_status st = AP_OK;
    if (!f || fprintf(f, "%s\n", text) < 0) st = ap_fail(err, AP_ERR_IO, "%s: cannot write", path);
    if (f && fclose(f) != 0 && st == AP_OK) st = ap_fail(err, AP_ERR_IO, "%s: cannot write", path);
    free(text);
    return st;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* ---- step hashes ---- */

static void sha256_hex(const char *text, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!EVP_Digest(text, strlen(text), md, &n, EVP_sha256(), NULL)) n = 0;
    for (unsigned i = 0; i < n && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[2 * (n < 32 ? n : 32)] = '\0';
}

/* Each step's hash covers the step before it and its own settings, as text. A setting a
 * step does not read is left out, so changing it does not redo the step. */
static ap_status compute_hashes(pl_ctx *ctx, ap_error *err)
{
    const pl_options *o = ctx->o;
    const train_opts *t = &o->train;
    for (int s = 0; s < PL_STEP_COUNT; s++) {
        sbuf b = {0};
        sbuf_printf(&b, "aipipe-pipeline-v1 %s prev=%s\n", step_names[s],
                    s ? ctx->hash[s - 1] : "");
        switch ((pl_step)s) {
        case PL_PREPARE_DATA:
            sbuf_printf(&b,
                        "train_docs=%zu eval_docs=%zu seed=%llu formats=%u eval_formats=%u "
                        "degrade=%d\n",
                        o->train_docs, o->eval_docs, (unsigned long long)o->seed, o->train_formats,
                        o->eval_formats, (int)o->degrade);
            break;
        case PL_TRAIN:
            sbuf_printf(
                &b,
                "mode=%d base=%s h=%d conv=%d,%d,%d,%d dim=%d blocks=%d kernel=%d "
                "dropout=%.9g steps=%ld batch=%d max_width=%d warmup=%d lr=%.9g "
                "wd=%.9g clip=%.9g seed=%llu rank=%d alpha=%.9g lora_dropout=%.9g "
                "targets=%s temperature=%.9g distill_weight=%.9g%s%s\n",
                (int)t->mode, o->base_model ? o->base_model : "", t->model.height, t->model.conv[0],
                t->model.conv[1], t->model.conv[2], t->model.conv[3], t->model.dim, t->model.blocks,
                t->model.kernel, (double)t->model.dropout, t->steps, t->batch, t->max_width,
                t->warmup, (double)t->lr, (double)t->weight_decay, (double)t->clip,
                (unsigned long long)t->seed, t->rank, (double)t->alpha, (double)t->lora_dropout,
                t->targets ? t->targets : "", (double)t->temperature, (double)t->distill_weight,
                /* named only when not conv: fingerprints of earlier runs stay valid */
                t->model.head == NN_HEAD_CONV ? "" : " head=",
                t->model.head == NN_HEAD_CONV ? "" : nn_crnn_head_name(t->model.head));
            if (o->prior_order > 0)
                sbuf_printf(&b, "prior=%d,%d,%d,%.9g\n", o->prior_order, o->prior_min_count,
                            o->prior_beam, (double)o->prior_weight);
            break;
        case PL_EVALUATE:
            sbuf_printf(&b, "eval_lines=%d\n", o->eval_lines);
            break;
        case PL_REGISTER:
            sbuf_printf(&b, "registry=%s name=%s\n", o->tracking_uri ? o->tracking_uri : "",
                        o->model_name ? o->model_name : "");
            break;
        case PL_PROMOTE:
            sbuf_printf(&b, "metric=%s min_improvement=%.9g\n", metric_key(o->metric),
                        o->min_improvement);
            break;
        case PL_STEP_COUNT:
            break;
        }
        char *text = sbuf_take(&b, NULL);
        if (!text) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
        sha256_hex(text, ctx->hash[s]);
        free(text);
    }
    return AP_OK;
}

/* ---- markers ---- */

static ap_status marker_path(const pl_ctx *ctx, pl_step s, const char *what, char *out, size_t size,
                             ap_error *err)
{
    return path_join(out, size, err, "%s/state/%s.%s", ctx->o->work_dir, step_names[s], what);
}

/* The outputs of step s when its .done marker holds the current hash (borrowed from the
 * returned object, which the caller decrefs), else NULL. */
static json_t *load_done(const pl_ctx *ctx, pl_step s)
{
    char path[PATH_MAX];
    if (marker_path(ctx, s, "done", path, sizeof path, NULL) != AP_OK) return NULL;
    json_t *j = json_load_file(path, 0, NULL);
    const char *h = json_string_value(json_object_get(j, "hash"));
    if (!h || strcmp(h, ctx->hash[s]) != 0 || !json_is_object(json_object_get(j, "outputs"))) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static json_t *outputs_of(json_t *done)
{
    return json_object_get(done, "outputs");
}

/* ---- registry run tree ---- */

static ap_status tree_save(const pl_ctx *ctx, ap_error *err)
{
    char path[PATH_MAX];
    ap_status st = path_join(path, sizeof path, err, "%s/state/registry.json", ctx->o->work_dir);
    return st == AP_OK ? write_json(path, ctx->tree, err) : st;
}

static json_t *tag(const char *k, const char *v)
{
    return json_pack("{s:s,s:s}", "key", k, "value", v);
}

static ap_status run_update(pl_ctx *ctx, const char *run_id, const char *status, ap_error *err)
{
    json_t *body = json_pack("{s:s,s:s,s:s,s:I}", "run_id", run_id, "run_uuid", run_id, "status",
                             status, "end_time", (json_int_t)now_ms());
    if (strcmp(status, "RUNNING") == 0) json_object_del(body, "end_time");
    json_t *r = NULL;
    ap_status st = regc_call(ctx->reg, "POST", "runs/update", NULL, body, &r, err);
    json_decref(body);
    json_decref(r);
    return st;
}

static ap_status log_batch(pl_ctx *ctx, const char *run_id, json_t *metrics, json_t *params,
                           json_t *tags, ap_error *err)
{
    json_t *body = json_pack("{s:s,s:o,s:o,s:o}", "run_id", run_id, "metrics",
                             metrics ? metrics : json_array(), "params",
                             params ? params : json_array(), "tags", tags ? tags : json_array());
    json_t *r = NULL;
    ap_status st = body ? regc_call(ctx->reg, "POST", "runs/log-batch", NULL, body, &r, err)
                        : ap_fail(err, AP_ERR_NOMEM, "out of memory");
    json_decref(body);
    json_decref(r);
    return st;
}

static json_t *metric(const char *key, double value, long step)
{
    return json_pack("{s:s,s:f,s:I,s:I}", "key", key, "value", value, "timestamp",
                     (json_int_t)now_ms(), "step", (json_int_t)step);
}

/* Creates a run in the experiment; on AP_OK run_id and artifact_uri are filled. */
static ap_status run_create(pl_ctx *ctx, const char *experiment_id, const char *name,
                            const char *parent, char run_id[64], char *artifact_uri, size_t au_size,
                            ap_error *err)
{
    json_t *tags = json_array();
    json_array_append_new(tags, tag("mlflow.runName", name));
    json_array_append_new(tags, tag("mlflow.source.name", "aipipe pipeline"));
    if (parent) {
        json_array_append_new(tags, tag("mlflow.parentRunId", parent));
        json_array_append_new(tags, tag("pipeline.step", name));
    }
    json_t *body = json_pack("{s:s,s:s,s:I,s:o}", "experiment_id", experiment_id, "run_name", name,
                             "start_time", (json_int_t)now_ms(), "tags", tags);
    json_t *r = NULL;
    ap_status st = regc_call(ctx->reg, "POST", "runs/create", NULL, body, &r, err);
    json_decref(body);
    if (st == AP_OK) {
        json_t *info = json_object_get(json_object_get(r, "run"), "info");
        const char *id = json_string_value(json_object_get(info, "run_id"));
        const char *au = json_string_value(json_object_get(info, "artifact_uri"));
        if (!id || strlen(id) >= 64 || !au)
            st = ap_fail(err, AP_ERR_INVALID, "registry: runs/create answered without a run");
        else
            snprintf(run_id, 64, "%s", id), snprintf(artifact_uri, au_size, "%s", au);
    }
    json_decref(r);
    return st;
}

/* The parent run of this work directory, created (with its experiment) the first time. */
static ap_status ensure_parent(pl_ctx *ctx, ap_error *err)
{
    const char *uri = json_string_value(json_object_get(ctx->tree, "tracking_uri"));
    const char *parent = json_string_value(json_object_get(ctx->tree, "parent_run_id"));
    if (parent && uri && strcmp(uri, ctx->o->tracking_uri) == 0) {
        /* a failed run is running again */
        return run_update(ctx, parent, "RUNNING", err);
    }
    json_object_clear(ctx->tree);
    const char *exp =
        ctx->o->experiment && *ctx->o->experiment ? ctx->o->experiment : "aipipe-training";
    char eid[64] = "";
    json_t *r = NULL;
    char *enc = NULL;
    /* names are plain words in practice; escape anyway */
    sbuf b = {0};
    sbuf_puts(&b, "experiment_name=");
    for (const char *p = exp; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            strchr("-_.~", ch))
            sbuf_append(&b, p, 1);
        else
            sbuf_printf(&b, "%%%02X", ch);
    }
    if (!(enc = sbuf_take(&b, NULL))) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    ap_status st = regc_call(ctx->reg, "GET", "experiments/get-by-name", enc, NULL, &r, err);
    free(enc);
    if (st == AP_ERR_NOT_FOUND) {
        json_t *body = json_pack("{s:s}", "name", exp);
        st = regc_call(ctx->reg, "POST", "experiments/create", NULL, body, &r, err);
        json_decref(body);
        if (st == AP_OK)
            snprintf(eid, sizeof eid, "%s",
                     json_string_value(json_object_get(r, "experiment_id")) ?: "");
    } else if (st == AP_OK) {
        snprintf(
            eid, sizeof eid, "%s",
            json_string_value(json_object_get(json_object_get(r, "experiment"), "experiment_id"))
                ?: "");
    }
    json_decref(r);
    if (st != AP_OK) return st;
    if (!*eid) return ap_fail(err, AP_ERR_INVALID, "registry: no experiment id for '%s'", exp);
    char name[128], id[64], au[2200];
    if (ctx->o->run_name && *ctx->o->run_name) {
        snprintf(name, sizeof name, "%s", ctx->o->run_name);
    } else {
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(name, sizeof name, "pipeline-%Y%m%d-%H%M%S", &tm);
    }
    if ((st = run_create(ctx, eid, name, NULL, id, au, sizeof au, err)) != AP_OK) return st;
    json_object_set_new(ctx->tree, "tracking_uri", json_string(ctx->o->tracking_uri));
    json_object_set_new(ctx->tree, "experiment_id", json_string(eid));
    json_object_set_new(ctx->tree, "parent_run_id", json_string(id));
    json_object_set_new(ctx->tree, "run_name", json_string(name));
    json_object_set_new(ctx->tree, "children", json_object());
    return tree_save(ctx, err);
}

/* The child run of step s: the one a crashed attempt with the same hash left, else new. */
static ap_status child_begin(pl_ctx *ctx, pl_step s, ap_error *err)
{
    ctx->child_run[0] = ctx->child_artifacts[0] = '\0';
    if (!ctx->reg) return AP_OK;
    ap_status st = ensure_parent(ctx, err);
    if (st != AP_OK) return st;
    json_t *children = json_object_get(ctx->tree, "children");
    json_t *c = json_object_get(children, step_names[s]);
    const char *h = json_string_value(json_object_get(c, "hash"));
    const char *id = json_string_value(json_object_get(c, "run_id"));
    const char *au = json_string_value(json_object_get(c, "artifact_uri"));
    if (h && id && au && strcmp(h, ctx->hash[s]) == 0) {
        snprintf(ctx->child_run, sizeof ctx->child_run, "%s", id);
        snprintf(ctx->child_artifacts, sizeof ctx->child_artifacts, "%s", au);
        return run_update(ctx, id, "RUNNING", err);
    }
    st = run_create(ctx, json_string_value(json_object_get(ctx->tree, "experiment_id")),
                    step_names[s], json_string_value(json_object_get(ctx->tree, "parent_run_id")),
                    ctx->child_run, ctx->child_artifacts, sizeof ctx->child_artifacts, err);
    if (st != AP_OK) return st;
    json_object_set_new(children, step_names[s],
                        json_pack("{s:s,s:s,s:s}", "run_id", ctx->child_run, "hash", ctx->hash[s],
                                  "artifact_uri", ctx->child_artifacts));
    return tree_save(ctx, err);
}

/* ---- artifacts ---- */

/* Uploads every regular file below dir/rel to the artifact location base/prefix: through
 * the registry's proxy for mlflow-artifacts:/ URIs, else straight into that store. */
static ap_status upload_tree(pl_ctx *ctx, art_store *store, const char *proxy_root, const char *dir,
                             const char *rel, const char *prefix, int depth, ap_error *err)
{
    char path[PATH_MAX];
    ap_status st = path_join(path, sizeof path, err, "%s%s%s", dir, *rel ? "/" : "", rel);
    if (st != AP_OK) return st;
    DIR *d = opendir(path);
    if (!d) return ap_fail(err, AP_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct dirent *de;
    while (st == AP_OK && (de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        char sub[PATH_MAX], full[PATH_MAX], key[PATH_MAX];
        if ((st = path_join(sub, sizeof sub, err, "%s%s%s", rel, *rel ? "/" : "", de->d_name)) ||
            (st = path_join(full, sizeof full, err, "%s/%s", dir, sub)) ||
            (st = path_join(key, sizeof key, err, "%s%s/%s", proxy_root ? proxy_root : "", prefix,
                            sub)))
            break;
        struct stat sb;
        if (lstat(full, &sb) != 0) continue;
        if (S_ISDIR(sb.st_mode) && depth < 8)
            st = upload_tree(ctx, store, proxy_root, dir, sub, prefix, depth + 1, err);
        else if (S_ISREG(sb.st_mode))
            st = store ? art_put_file(store, key, full, err)
                       : regc_upload_artifact(ctx->reg, key, full, err);
    }
    closedir(d);
    return st;
}

/* WORK/export: the servable files of model_dir (its top-level files, hard-linked, without
 * the trainer's checkpoint and run dir) and their checksums.sha256, so that a download
 * checks exactly what was uploaded. */
static ap_status export_model(const pl_ctx *ctx, const char *model_dir, char *out, size_t size,
                              ap_error *err)
{
    ap_status st = path_join(out, size, err, "%s/export", ctx->o->work_dir);
    if (st == AP_OK) st = rm_rf(out, err);
    if (st == AP_OK) st = files_mkdir_p(out, err);
    if (st != AP_OK) return st;
    DIR *d = opendir(model_dir);
    if (!d) return ap_fail(err, AP_ERR_IO, "%s: cannot open: %s", model_dir, strerror(errno));
    struct dirent *de;
    while (st == AP_OK && (de = readdir(d))) {
        char from[PATH_MAX], to[PATH_MAX];
        struct stat sb;
        if (strcmp(de->d_name, "checkpoint.safetensors") == 0 ||
            strcmp(de->d_name, REGC_CHECKSUMS) == 0 ||
            path_join(from, sizeof from, NULL, "%s/%s", model_dir, de->d_name) != AP_OK ||
            lstat(from, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        if ((st = path_join(to, sizeof to, err, "%s/%s", out, de->d_name)) == AP_OK &&
            link(from, to) != 0)
            st = ap_fail(err, AP_ERR_IO, "%s: cannot link to %s: %s", from, to, strerror(errno));
    }
    closedir(d);
    return st == AP_OK ? regc_write_checksums(out, err) : st;
}

/* Uploads model_dir's servable files as artifact "model" of the running child run;
 * *source is where the version will point (artifact_uri/model). */
static ap_status upload_model(pl_ctx *ctx, const char *model_dir, char *source, size_t size,
                              ap_error *err)
{
    char exported[PATH_MAX];
    ap_status st = export_model(ctx, model_dir, exported, sizeof exported, err);
    if (st != AP_OK) return st;
    model_dir = exported;
    const char *au = ctx->child_artifacts;
    if ((st = path_join(source, size, err, "%s/model", au)) != AP_OK) return st;
    if (strncmp(au, "mlflow-artifacts:", 17) == 0) {
        const char *root = au + 17;
        while (*root == '/')
            root++;
        char prefix[2300];
        if ((st = path_join(prefix, sizeof prefix, err, "%s/model", root)) != AP_OK) return st;
        return upload_tree(ctx, NULL, NULL, model_dir, "", prefix, 0, err);
    }
    art_store *store = NULL;
    art_options ao = {.create = true};
    st = art_open(au, &ao, &store, err);
    if (st == AP_OK) st = upload_tree(ctx, store, NULL, model_dir, "", "model", 0, err);
    art_close(store);
    return st;
}

/* ---- evaluation ---- */

typedef struct pl_scores {
    double cer, ms_per_line; /* cer < 0: not measured (not a fine_tuned_ocr model) */
    ev_counts counts;
    size_t failed; /* documents the extractor could not read (scored as empty) */
} pl_scores;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The held-out documents: doc_*.json gold files with their document beside them. */
static ap_status list_heldout(const char *dir, char ***names, size_t *n, ap_error *err)
{
    *names = NULL, *n = 0;
    DIR *d = opendir(dir);
    if (!d) return ap_fail(err, AP_ERR_IO, "%s: cannot open: %s", dir, strerror(errno));
    ap_status st = AP_OK;
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0 ||
            strncmp(de->d_name, "doc_", 4) != 0)
            continue;
        if (*n == PL_MAX_DOCS) break;
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(*names, cap * sizeof *grown);
            if (!grown) {
                st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
                break;
            }
            *names = grown;
        }
        if (!((*names)[*n] = strndup(de->d_name, len - 5))) {
            st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
            break;
        }
        (*n)++;
    }
    closedir(d);
    if (st == AP_OK && *n) qsort(*names, *n, sizeof **names, cmp_str);
    return st;
}

/* Scores the model in model_dir on the held-out documents (extraction, EVAL.md) and, for
 * a fine_tuned_ocr model, on the test line crops (CER). engine and language name the
 * OCR engine the model is for. */
static ap_status evaluate_model(const pl_ctx *ctx, const char *model_dir, const char *engine,
                                const char *language, pl_scores *out, ap_error *err)
{
    const pl_options *o = ctx->o;
    memset(out, 0, sizeof *out);
    out->cer = -1;
    char lines[PATH_MAX], heldout[PATH_MAX];
    ap_status st;
    if ((st = path_join(lines, sizeof lines, err, "%s/data/train", o->work_dir)) ||
        (st = path_join(heldout, sizeof heldout, err, "%s/data/heldout", o->work_dir)))
        return st;
    bool crnn = strcmp(engine, "fine_tuned_ocr") == 0;
    if (crnn) { /* decoded as the engine serves it: with the model's prior when it has one */
        char lmp[PATH_MAX];
        nn_lm *lm = NULL;
        train_decoder dec = {0};
        if ((st = path_join(lmp, sizeof lmp, err, "%s/lm.safetensors", model_dir)) != AP_OK)
            return st;
        if (exists(lmp)) {
            if ((st = nn_lm_load(lmp, NULL, &lm, err)) != AP_OK) return st;
            const char *w = nn_lm_meta(lm, "weight"), *b = nn_lm_meta(lm, "beam");
            dec = (train_decoder){
                .beam = b ? atoi(b) : 8, .lm = lm, .weight = w ? strtof(w, NULL) : 0.4f};
        }
        st = train_eval_cer_decoded(model_dir, lines, o->eval_lines, lm ? &dec : NULL, &out->cer,
                                    &out->ms_per_line, NULL, err);
        nn_lm_free(lm);
        if (st != AP_OK) return st;
    }
    int threads = o->eval_threads > 0 ? o->eval_threads : 1;
    if (threads > TT_EXTRACT_MAX_THREADS) threads = TT_EXTRACT_MAX_THREADS;
    ocr_options oo = {.engine = engine, .language = language, .datapath = model_dir};
    ocr_engine *engines[TT_EXTRACT_MAX_THREADS] = {0};
    char **names = NULL;
    size_t n = 0;
    for (int i = 0; i < threads && st == AP_OK; i++)
        st = ocr_engine_open(&oo, &engines[i], err);
    if (st == AP_OK) st = list_heldout(heldout, &names, &n, err);
    if (st == AP_OK && n == 0)
        st = ap_fail(err, AP_ERR_NOT_FOUND, "%s: no held-out documents", heldout);
    /* the model alone, as it would serve: no Tesseract behind a CRNN */
    tt_extract_options xo = {.engines = engines,
                             .nengines = (size_t)threads,
                             .threads = threads,
                             .ocr_mode = crnn ? TT_OCR_CRNN : TT_OCR_TESSERACT};
    for (size_t i = 0; st == AP_OK && i < n; i++) {
        static const char *const exts[] = {"png", "jpg", "pdf", "docx"};
        char gold_path[PATH_MAX], doc_path[PATH_MAX] = "";
        if ((st = path_join(gold_path, sizeof gold_path, err, "%s/%s.json", heldout, names[i])))
            break;
        for (size_t e = 0; e < sizeof exts / sizeof exts[0] && !*doc_path; e++) {
            char p[PATH_MAX];
            if (path_join(p, sizeof p, NULL, "%s/%s.%s", heldout, names[i], exts[e]) == AP_OK &&
                exists(p))
                snprintf(doc_path, sizeof doc_path, "%s", p);
        }
        if (!*doc_path) continue; /* gold without a document: not part of the set */
        tt_doc gold = {0}, pred = {0};
        if ((st = tt_doc_load(gold_path, &gold, err)) != AP_OK) break;
        ap_error xerr = {0};
        ap_status xs = tt_extract_file_opts(doc_path, &xo, &pred, &xerr);
        if (xs == AP_ERR_NOMEM || xs == AP_ERR_MODEL_NOT_FOUND) {
            st = ap_fail(err, xs, "%s: %s", doc_path, xerr.msg);
        } else {
            if (xs != AP_OK) {
                /* a model that cannot read a document scores nothing on it */
                log_warn("pipeline: %s: %s (scored as no timeblocks)", doc_path, xerr.msg);
                out->failed++;
                tt_doc_free(&pred);
                memset(&pred, 0, sizeof pred);
            }
            ev_counts c;
            st = ev_score_doc(&gold, &pred, &c, err);
            if (st == AP_OK) ev_counts_add(&out->counts, &c);
        }
        tt_doc_free(&gold);
        tt_doc_free(&pred);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    for (int i = 0; i < threads; i++)
        ocr_engine_close(engines[i]);
    return st;
}

static json_t *scores_json(const pl_scores *s)
{
    json_t *j = json_pack("{s:f,s:f,s:f,s:I,s:I,s:I,s:I}", "strict_f1", ev_strict_f1(&s->counts),
                          "name_f1", ev_name_f1(&s->counts), "meta", ev_meta_score(&s->counts),
                          "docs", (json_int_t)s->counts.docs, "gold", (json_int_t)s->counts.gold,
                          "pred", (json_int_t)s->counts.pred, "failed_docs", (json_int_t)s->failed);
    if (j && s->cer >= 0) {
        json_object_set_new(j, "cer", json_real(s->cer));
        json_object_set_new(j, "ms_per_line", json_real(s->ms_per_line));
    }
    return j;
}

/* ---- the steps ---- */

typedef ap_status (*step_fn)(pl_ctx *ctx, json_t *outputs, ap_error *err);

static ap_status step_prepare(pl_ctx *ctx, json_t *outputs, ap_error *err)
{
    const pl_options *o = ctx->o;
    char train_dir[PATH_MAX], heldout[PATH_MAX];
    ap_status st;
    if ((st = path_join(train_dir, sizeof train_dir, err, "%s/data/train", o->work_dir)) ||
        (st = path_join(heldout, sizeof heldout, err, "%s/data/heldout", o->work_dir)) ||
        (st = files_mkdir_p(train_dir, err)) || (st = files_mkdir_p(heldout, err)))
        return st;
    dg_options d = {.count = o->train_docs,
                    .seed = o->seed,
                    .out_dir = train_dir,
                    .formats = o->train_formats,
                    .lines = true,
                    .degrade = o->degrade,
                    .layout = DG_LAYOUT_MIXED,
                    .jobs = o->jobs};
    if ((st = dg_generate(&d, err)) != AP_OK) return st;
    d.count = o->eval_docs, d.seed = o->seed + PL_HELDOUT_SEED_OFFSET, d.out_dir = heldout;
    d.formats = o->eval_formats, d.lines = false;
    if ((st = dg_generate(&d, err)) != AP_OK) return st;
    json_object_set_new(outputs, "train_data", json_string(train_dir));
    json_object_set_new(outputs, "heldout_data", json_string(heldout));
    if (!ctx->reg) return AP_OK;
    json_t *params = json_array();
    char v[64];
    snprintf(v, sizeof v, "%zu", o->train_docs);
    json_array_append_new(params, tag("train_docs", v));
    snprintf(v, sizeof v, "%zu", o->eval_docs);
    json_array_append_new(params, tag("eval_docs", v));
    snprintf(v, sizeof v, "%llu", (unsigned long long)o->seed);
    json_array_append_new(params, tag("seed", v));
    return log_batch(ctx, ctx->child_run, NULL, params, NULL, err);
}

/* The model a lora or distill run starts from: a directory as given, or a models:/ URI
 * downloaded once into WORK/base/NAME-vN. */
static ap_status resolve_base(pl_ctx *ctx, char *out, size_t size, ap_error *err)
{
    const pl_options *o = ctx->o;
    char uri[600];
    const char *b = o->base_model && *o->base_model ? o->base_model : NULL;
    if (!b) {
        if (!ctx->reg)
            return ap_fail(err, AP_ERR_INVALID,
                           "%s needs pipeline.base_model (a model directory) when there is "
                           "no registry",
                           o->train.mode == TRAIN_LORA ? "lora" : "distill");
        snprintf(uri, sizeof uri, "models:/%s/Production", o->model_name);
        b = uri;
    }
    if (strncmp(b, "models:/", 8) != 0) return path_join(out, size, err, "%s", b);
    if (!ctx->reg)
        return ap_fail(err, AP_ERR_INVALID,
                       "base model %s needs the registry (MLFLOW_TRACKING_URI)", b);
    regc_version v = {0};
    ap_status st = regc_resolve(ctx->reg, b, &v, err);
    if (st != AP_OK) return st;
    if ((st = path_join(out, size, err, "%s/base/%s-v%s", o->work_dir, v.name, v.version)) ==
            AP_OK &&
        !exists(out)) {
        char parent[PATH_MAX];
        if ((st = path_join(parent, sizeof parent, err, "%s/base", o->work_dir)) == AP_OK &&
            (st = files_mkdir_p(parent, err)) == AP_OK)
            st = regc_download_version(ctx->reg, &v, out, err);
    }
    regc_version_free(&v);
    return st;
}

/* Logs the trainer's run dir (params.json, metrics.jsonl) to the train child run. */
static ap_status log_training_run(pl_ctx *ctx, const char *out_dir, ap_error *err)
{
    char path[PATH_MAX];
    ap_status st = path_join(path, sizeof path, err, "%s/run/params.json", out_dir);
    if (st != AP_OK) return st;
    json_t *p = json_load_file(path, 0, NULL), *params = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(p, k, v)
    {
        char *text = json_is_string(v) ? strdup(json_string_value(v))
                                       : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        if (text) json_array_append_new(params, tag(k, text));
        free(text);
    }
    json_decref(p);
    if ((st = log_batch(ctx, ctx->child_run, NULL, params, NULL, err)) != AP_OK) return st;
    if ((st = path_join(path, sizeof path, err, "%s/run/metrics.jsonl", out_dir)) != AP_OK)
        return st;
    FILE *f = fopen(path, "r");
    if (!f) return AP_OK;
    char line[4096];
    json_t *batch = json_array();
    while (st == AP_OK && fgets(line, sizeof line, f)) {
        json_t *j = json_loads(line, 0, NULL);
        long step = (long)json_integer_value(json_object_get(j, "step"));
        json_object_foreach(j, k, v)
        {
            if (strcmp(k, "step") != 0 && json_is_number(v))
                json_array_append_new(batch, metric(k, json_number_value(v), step));
        }
        json_decref(j);
        if (json_array_size(batch) >= PL_METRICS_PER_BATCH) {
            st = log_batch(ctx, ctx->child_run, batch, NULL, NULL, err);
            batch = json_array();
        }
    }
    fclose(f);
    if (st == AP_OK && json_array_size(batch))
        st = log_batch(ctx, ctx->child_run, batch, NULL, NULL, err);
    else
        json_decref(batch);
    return st;
}

static ap_status step_train(pl_ctx *ctx, json_t *outputs, ap_error *err)
{
    const pl_options *o = ctx->o;
    train_opts t = o->train;
    char data[PATH_MAX], out[PATH_MAX], base[PATH_MAX] = "", model[PATH_MAX];
    ap_status st;
    if ((st = path_join(data, sizeof data, err, "%s/data/train", o->work_dir)) ||
        (st = path_join(out, sizeof out, err, "%s/model", o->work_dir)))
        return st;
    if (t.mode != TRAIN_OCR && (st = resolve_base(ctx, base, sizeof base, err)) != AP_OK) return st;
    t.data = data, t.out = out, t.resume = 1; /* a stale checkpoint was removed with model/ */
    t.base = t.mode == TRAIN_LORA ? base : NULL;
    t.teacher = t.mode == TRAIN_DISTILL ? base : NULL;
    if ((st = train_run(&t, err)) != AP_OK) return st;
    if (t.progress) fputc('\n', stderr);
    snprintf(model, sizeof model, "%s", out);
    if (t.mode == TRAIN_LORA) {
        if ((st = path_join(model, sizeof model, err, "%s/merged", out)) != AP_OK) return st;
        if ((st = rm_rf(model, err)) != AP_OK || (st = train_merge(base, out, model, err)) != AP_OK)
            return st;
    }
    if (o->prior_order > 0) {
        char lm[PATH_MAX];
        train_decoder use = {.beam = o->prior_beam, .weight = o->prior_weight};
        if ((st = path_join(lm, sizeof lm, err, "%s/lm.safetensors", model)) != AP_OK ||
            (st = train_lm(model, data, lm, o->prior_order, o->prior_min_count, &use, err)) !=
                AP_OK)
            return st;
    }
    static const char *const modes[] = {"base", "lora", "distill"};
    json_object_set_new(outputs, "model_dir", json_string(model));
    json_object_set_new(outputs, "mode", json_string(modes[t.mode]));
    if (*base) json_object_set_new(outputs, "base_model", json_string(base));
    if (!ctx->reg) return AP_OK;
    if ((st = log_training_run(ctx, out, err)) != AP_OK) return st;
    char source[2400];
    if ((st = upload_model(ctx, model, source, sizeof source, err)) != AP_OK) return st;
    json_object_set_new(outputs, "source", json_string(source));
    json_object_set_new(outputs, "run_id", json_string(ctx->child_run));
    return AP_OK;
}

static ap_status step_evaluate(pl_ctx *ctx, json_t *outputs, ap_error *err)
{
    json_t *train = load_done(ctx, PL_TRAIN);
    const char *model = json_string_value(json_object_get(outputs_of(train), "model_dir"));
    pl_scores s;
    ap_status st = model ? evaluate_model(ctx, model, "fine_tuned_ocr", NULL, &s, err)
                         : ap_fail(err, AP_ERR_INVALID, "train's marker names no model");
    json_decref(train);
    if (st != AP_OK) return st;
    json_t *j = scores_json(&s);
    if (!j) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    json_object_update(outputs, j);
    fprintf(stderr, "pipeline: evaluate: cer %.4f strict_f1 %.4f name_f1 %.4f on %zu documents\n",
            s.cer, ev_strict_f1(&s.counts), ev_name_f1(&s.counts), s.counts.docs);
    /* the local run: one line per evaluation, as the trainer's metrics.jsonl */
    char path[PATH_MAX];
    json_object_set_new(j, "step", json_string("evaluate"));
    if ((st = path_join(path, sizeof path, err, "%s/run/metrics.jsonl", ctx->o->work_dir)) == AP_OK)
        st = append_line(path, j, err);
    if (st == AP_OK && ctx->reg) {
        json_t *ms = json_array(), *parent_ms = json_array();
        const char *k;
        json_t *v;
        json_object_foreach(outputs, k, v)
        {
            if (!json_is_number(v)) continue;
            json_array_append_new(ms, metric(k, json_number_value(v), 0));
            json_array_append_new(parent_ms, metric(k, json_number_value(v), 0));
        }
        st = log_batch(ctx, ctx->child_run, ms, NULL, NULL, err);
        if (st == AP_OK)
            st = log_batch(ctx, json_string_value(json_object_get(ctx->tree, "parent_run_id")),
                           parent_ms, NULL, NULL, err);
        else
            json_decref(parent_ms);
    }
    json_decref(j);
    return st;
}

/* A version of the model that an earlier attempt of this register step created (tag
 * pipeline.register_hash), so a rerun after a crash does not register twice. */
static ap_status find_registered(pl_ctx *ctx, char version[32], ap_error *err)
{
    version[0] = '\0';
    json_t *versions = NULL;
    ap_status st = regc_list_versions(ctx->reg, ctx->o->model_name, &versions, err);
    if (st == AP_ERR_NOT_FOUND) return AP_OK;
    if (st != AP_OK) return st;
    size_t i;
    json_t *mv;
    json_array_foreach(versions, i, mv)
    {
        regc_version v;
        if (regc_version_from_json(mv, &v, NULL) != AP_OK) continue;
        const char *h = json_string_value(json_object_get(v.tags, "pipeline.register_hash"));
        if (h && strcmp(h, ctx->hash[PL_REGISTER]) == 0 && !*version)
            snprintf(version, 32, "%s", v.version);
        regc_version_free(&v);
    }
    json_decref(versions);
    return AP_OK;
}

static ap_status step_register(pl_ctx *ctx, json_t *outputs, ap_error *err)
{
    const pl_options *o = ctx->o;
    if (!ctx->reg) {
        json_object_set_new(outputs, "skipped", json_string("no registry"));
        return AP_OK;
    }
    json_t *train = load_done(ctx, PL_TRAIN), *eval = load_done(ctx, PL_EVALUATE);
    json_t *to = outputs_of(train), *eo = outputs_of(eval);
    const char *model = json_string_value(json_object_get(to, "model_dir"));
    const char *source = json_string_value(json_object_get(to, "source"));
    const char *run_id = json_string_value(json_object_get(to, "run_id"));
    char version[32] = "", src[2400] = "";
    json_t *r = NULL, *body = json_pack("{s:s}", "name", o->model_name);
    ap_status st = regc_call(ctx->reg, "POST", "registered-models/create", NULL, body, &r, err);
    json_decref(body);
    json_decref(r);
    if (st == AP_ERR_CONFLICT) st = AP_OK;
    if (st == AP_OK) st = find_registered(ctx, version, err);
    if (st == AP_OK && !*version) {
        if (source) {
            snprintf(src, sizeof src, "%s", source);
        } else if (!model) {
            st = ap_fail(err, AP_ERR_INVALID, "train's marker names no model");
        } else {
            /* trained without the registry: the model goes up with this step's run */
            st = upload_model(ctx, model, src, sizeof src, err);
            run_id = ctx->child_run;
        }
    }
    if (st == AP_OK && !*version) {
        json_t *tags = json_array();
        json_array_append_new(tags, tag("engine", "fine_tuned_ocr"));
        json_array_append_new(
            tags, tag("training.mode", json_string_value(json_object_get(to, "mode")) ?: "base"));
        json_array_append_new(tags, tag("pipeline.register_hash", ctx->hash[PL_REGISTER]));
        json_array_append_new(tags, tag("pipeline.eval_hash", ctx->hash[PL_PREPARE_DATA]));
        json_array_append_new(
            tags, tag("pipeline.run_id",
                      json_string_value(json_object_get(ctx->tree, "parent_run_id")) ?: ""));
        const char *k;
        json_t *v;
        json_object_foreach(eo, k, v)
        {
            if (!json_is_number(v)) continue;
            char key[128], val[64];
            snprintf(key, sizeof key, "metric.%s", k);
            snprintf(val, sizeof val, "%.6g", json_number_value(v));
            json_array_append_new(tags, tag(key, val));
        }
        body = json_pack("{s:s,s:s,s:o}", "name", o->model_name, "source", src, "tags", tags);
        if (run_id) json_object_set_new(body, "run_id", json_string(run_id));
        st = regc_call(ctx->reg, "POST", "model-versions/create", NULL, body, &r, err);
        json_decref(body);
        const char *ver =
            json_string_value(json_object_get(json_object_get(r, "model_version"), "version"));
        if (st == AP_OK && !ver)
            st = ap_fail(err, AP_ERR_INVALID, "registry: model-versions/create gave no version");
        if (st == AP_OK) snprintf(version, sizeof version, "%s", ver);
        json_decref(r);
    }
    if (st == AP_OK) {
        json_object_set_new(outputs, "name", json_string(o->model_name));
        json_object_set_new(outputs, "version", json_string(version));
        fprintf(stderr, "pipeline: register: %s version %s\n", o->model_name, version);
        json_t *tags = json_array();
        json_array_append_new(tags, tag("model.name", o->model_name));
        json_array_append_new(tags, tag("model.version", version));
        st = log_batch(ctx, ctx->child_run, NULL, NULL, tags, err);
    }
    json_decref(train);
    json_decref(eval);
    return st;
}

/* The Production version's scores on this run's sets: downloaded into WORK/baseline/vN
 * and scored once (cached in WORK/baseline/vN.json under the data's hash). */
static ap_status baseline_scores(pl_ctx *ctx, const regc_version *prod, json_t **out, ap_error *err)
{
    *out = NULL;
    char dir[PATH_MAX], cache[PATH_MAX], parent[PATH_MAX];
    ap_status st;
    if ((st = path_join(parent, sizeof parent, err, "%s/baseline", ctx->o->work_dir)) ||
        (st = path_join(dir, sizeof dir, err, "%s/v%s", parent, prod->version)) ||
        (st = path_join(cache, sizeof cache, err, "%s/v%s.json", parent, prod->version)))
        return st;
    json_t *c = json_load_file(cache, 0, NULL);
    const char *h = json_string_value(json_object_get(c, "hash"));
    if (h && strcmp(h, ctx->hash[PL_EVALUATE]) == 0 &&
        json_is_object(json_object_get(c, "scores"))) {
        *out = json_incref(json_object_get(c, "scores"));
        json_decref(c);
        return AP_OK;
    }
    json_decref(c);
    if ((st = files_mkdir_p(parent, err)) != AP_OK) return st;
    if (!exists(dir) && (st = regc_download_version(ctx->reg, prod, dir, err)) != AP_OK) return st;
    const char *engine = json_string_value(json_object_get(prod->tags, "engine"));
    const char *lang = json_string_value(json_object_get(prod->tags, "language"));
    pl_scores s;
    if ((st = evaluate_model(ctx, dir, engine ? engine : "fine_tuned_ocr", lang ? lang : "eng", &s,
                             err)) != AP_OK)
        return st;
    if (!(*out = scores_json(&s))) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    c = json_pack("{s:s,s:O}", "hash", ctx->hash[PL_EVALUATE], "scores", *out);
    st = c ? write_json(cache, c, err) : ap_fail(err, AP_ERR_NOMEM, "out of memory");
    json_decref(c);
    return st;
}

static ap_status step_promote(pl_ctx *ctx, json_t *outputs, ap_error *err)
{
    const pl_options *o = ctx->o;
    if (!ctx->reg) {
        json_object_set_new(outputs, "skipped", json_string("no registry"));
        return AP_OK;
    }
    json_t *regd = load_done(ctx, PL_REGISTER), *eval = load_done(ctx, PL_EVALUATE);
    const char *version = json_string_value(json_object_get(outputs_of(regd), "version"));
    const char *key = metric_key(o->metric);
    json_t *cand_v = json_object_get(outputs_of(eval), key);
    json_t *base = NULL;
    regc_version prod = {0};
    char uri[400], reason[512] = "";
    bool promote = false, have_prod = false;
    double cand = json_number_value(cand_v), prodv = 0;
    ap_status st = AP_OK;
    if (!version || !cand_v)
        st = ap_fail(err, AP_ERR_INVALID, "register or evaluate left no %s",
                     version ? key : "version");
    if (st == AP_OK) {
        snprintf(uri, sizeof uri, "models:/%s/Production", o->model_name);
        st = regc_resolve(ctx->reg, uri, &prod, err);
        if (st == AP_OK) have_prod = true;
        if (st == AP_ERR_NOT_FOUND) {
            st = AP_OK;
            promote = true;
            snprintf(reason, sizeof reason, "no Production version yet");
        }
    }
    if (st == AP_OK && have_prod && strcmp(prod.version, version) == 0) {
        snprintf(reason, sizeof reason, "version %s is already Production", version);
        json_object_set_new(outputs, "promoted", json_true());
        json_object_set_new(outputs, "reason", json_string(reason));
        goto out;
    }
    if (st == AP_OK && have_prod) {
        st = baseline_scores(ctx, &prod, &base, err);
        json_t *pv = json_object_get(base, key);
        if (st == AP_OK && !json_is_number(pv)) {
            snprintf(reason, sizeof reason,
                     "Production version %s cannot be scored on %s (engine %s): kept", prod.version,
                     key, json_string_value(json_object_get(prod.tags, "engine")) ?: "?");
        } else if (st == AP_OK) {
            prodv = json_number_value(pv);
            /* CER: lower is better; the F1s: higher */
            double gain = o->metric == PL_METRIC_CER ? prodv - cand : cand - prodv;
            promote = gain > o->min_improvement;
            snprintf(reason, sizeof reason, "%s %.4f vs Production version %s %.4f (needs %s %g)",
                     key, cand, prod.version, prodv,
                     o->metric == PL_METRIC_CER ? "a drop over" : "a gain over",
                     o->min_improvement);
            json_object_set_new(outputs, "production_version", json_string(prod.version));
            json_object_set_new(outputs, "production_score", json_real(prodv));
        }
    }
    if (st == AP_OK && promote) {
        json_t *r = NULL,
               *body = json_pack("{s:s,s:s,s:s,s:b}", "name", o->model_name, "version", version,
                                 "stage", "Production", "archive_existing_versions", 1);
        st = regc_call(ctx->reg, "POST", "model-versions/transition-stage", NULL, body, &r, err);
        json_decref(body);
        json_decref(r);
    }
    if (st == AP_OK) {
        json_object_set_new(outputs, "promoted", json_boolean(promote));
        json_object_set_new(outputs, "reason", json_string(reason));
        json_object_set_new(outputs, "candidate_score", json_real(cand));
        json_object_set_new(outputs, "metric", json_string(key));
        fprintf(stderr, "pipeline: promote: version %s %s: %s\n", version,
                promote ? "promoted to Production" : "not promoted", reason);
        json_t *body =
                   json_pack("{s:s,s:s,s:s,s:s}", "name", o->model_name, "version", version, "key",
                             "pipeline.promotion", "value", promote ? "promoted" : "rejected"),
               *r = NULL;
        st = regc_call(ctx->reg, "POST", "model-versions/set-tag", NULL, body, &r, err);
        json_decref(body);
        json_decref(r);
        json_t *ms = json_array(), *tags = json_array();
        json_array_append_new(ms, metric("candidate_score", cand, 0));
        json_array_append_new(ms, metric("promoted", promote, 0));
        if (have_prod && base) json_array_append_new(ms, metric("production_score", prodv, 0));
        json_array_append_new(tags, tag("promotion.reason", reason));
        if (st == AP_OK)
            st = log_batch(ctx, ctx->child_run, ms, NULL, tags, err);
        else
            json_decref(ms), json_decref(tags);
    }
out:
    if (st == AP_OK) {
        char path[PATH_MAX];
        json_t *line = json_pack("{s:s,s:O,s:O}", "step", "promote", "promoted",
                                 json_object_get(outputs, "promoted"), "reason",
                                 json_object_get(outputs, "reason"));
        if ((st = path_join(path, sizeof path, err, "%s/run/metrics.jsonl", o->work_dir)) == AP_OK)
            st = line ? append_line(path, line, err) : ap_fail(err, AP_ERR_NOMEM, "out of memory");
        json_decref(line);
    }
    if (have_prod) regc_version_free(&prod);
    json_decref(base);
    json_decref(regd);
    json_decref(eval);
    return st;
}

static const step_fn step_fns[PL_STEP_COUNT] = {step_prepare, step_train, step_evaluate,
                                                step_register, step_promote};

/* What a step leaves in the work directory, removed before it starts with another hash. */
static ap_status step_clean(const pl_ctx *ctx, pl_step s, ap_error *err)
{
    static const char *const dirs[PL_STEP_COUNT] = {"data", "model", NULL, NULL, "baseline"};
    if (!dirs[s]) return AP_OK;
    char path[PATH_MAX];
    ap_status st = path_join(path, sizeof path, err, "%s/%s", ctx->o->work_dir, dirs[s]);
    return st == AP_OK ? rm_rf(path, err) : st;
}

static ap_status run_step(pl_ctx *ctx, pl_step s, ap_error *err)
{
    const pl_options *o = ctx->o;
    char done[PATH_MAX], start[PATH_MAX];
    ap_status st;
    if ((st = marker_path(ctx, s, "done", done, sizeof done, err)) ||
        (st = marker_path(ctx, s, "start", start, sizeof start, err)))
        return st;
    json_t *d = load_done(ctx, s);
    if (d) {
        const char *skipped = json_string_value(json_object_get(outputs_of(d), "skipped"));
        if (o->progress)
            fprintf(stderr, "pipeline: [%d/%d] %s: %s\n", s + 1, PL_STEP_COUNT, step_names[s],
                    skipped ? "skipped: no registry" : "skipped (done, inputs unchanged)");
        json_decref(d);
        return AP_OK;
    }
    if (s > 0) {
        json_t *prev = load_done(ctx, s - 1);
        if (!prev)
            return ap_fail(err, AP_ERR_INVALID,
                           "step %s needs %s done with the current settings first "
                           "(aipipe pipeline run --step %s)",
                           step_names[s], step_names[s - 1], step_names[s - 1]);
        json_decref(prev);
    }
    if (!ctx->reg && (s == PL_REGISTER || s == PL_PROMOTE)) {
        /* nothing to do, but recorded so that the run is complete */
        if (o->progress)
            fprintf(stderr,
                    "pipeline: [%d/%d] %s: skipped: no registry (MLFLOW_TRACKING_URI is "
                    "not set)\n",
                    s + 1, PL_STEP_COUNT, step_names[s]);
        json_t *m =
            json_pack("{s:s,s:s,s:I,s:{s:s}}", "step", step_names[s], "hash", ctx->hash[s],
                      "finished_ms", (json_int_t)now_ms(), "outputs", "skipped", "no registry");
        st = m ? write_json(done, m, err) : ap_fail(err, AP_ERR_NOMEM, "out of memory");
        json_decref(m);
        return st;
    }
    /* a start marker with another hash: what that attempt left is not ours to resume */
    json_t *sm = json_load_file(start, 0, NULL);
    const char *sh = json_string_value(json_object_get(sm, "hash"));
    bool resume = sh && strcmp(sh, ctx->hash[s]) == 0;
    json_decref(sm);
    if (!resume && (st = step_clean(ctx, s, err)) != AP_OK) return st;
    sm = json_pack("{s:s,s:I}", "hash", ctx->hash[s], "started_ms", (json_int_t)now_ms());
    st = sm ? write_json(start, sm, err) : ap_fail(err, AP_ERR_NOMEM, "out of memory");
    json_decref(sm);
    if (st != AP_OK) return st;
    if (o->progress)
        fprintf(stderr, "pipeline: [%d/%d] %s: %s\n", s + 1, PL_STEP_COUNT, step_names[s],
                resume ? "resuming" : "running");
    double t0 = now_s();
    if ((st = child_begin(ctx, s, err)) != AP_OK) return st;
    json_t *outputs = json_object();
    if (!outputs) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    st = step_fns[s](ctx, outputs, err);
    if (ctx->reg && *ctx->child_run) {
        ap_error e2 = {0};
        ap_status s2 = run_update(ctx, ctx->child_run, st == AP_OK ? "FINISHED" : "FAILED", &e2);
        if (st == AP_OK && s2 != AP_OK) st = ap_fail(err, s2, "%s", e2.msg);
    }
    if (st == AP_OK) {
        json_t *m = json_pack("{s:s,s:s,s:I,s:f,s:O}", "step", step_names[s], "hash", ctx->hash[s],
                              "finished_ms", (json_int_t)now_ms(), "seconds", now_s() - t0,
                              "outputs", outputs);
        st = m ? write_json(done, m, err) : ap_fail(err, AP_ERR_NOMEM, "out of memory");
        json_decref(m);
        if (st == AP_OK) unlink(start);
    }
    json_decref(outputs);
    if (st == AP_OK && o->progress)
        fprintf(stderr, "pipeline: [%d/%d] %s: done in %.1f s\n", s + 1, PL_STEP_COUNT,
                step_names[s], now_s() - t0);
    return st;
}

static ap_status write_params(const pl_ctx *ctx, ap_error *err)
{
    const pl_options *o = ctx->o;
    static const char *const modes[] = {"base", "lora", "distill"};
    char path[PATH_MAX];
    ap_status st = path_join(path, sizeof path, err, "%s/run", o->work_dir);
    if (st == AP_OK) st = files_mkdir_p(path, err);
    if (st == AP_OK) st = path_join(path, sizeof path, err, "%s/run/params.json", o->work_dir);
    if (st != AP_OK) return st;
    json_t *p =
        json_pack("{s:s,s:I,s:I,s:I,s:s,s:I,s:s,s:s,s:f}", "mode", modes[o->train.mode],
                  "train_docs", (json_int_t)o->train_docs, "eval_docs", (json_int_t)o->eval_docs,
                  "seed", (json_int_t)o->seed, "base_model", o->base_model ? o->base_model : "",
                  "steps", (json_int_t)o->train.steps, "model_name", o->model_name, "metric",
                  metric_key(o->metric), "min_improvement", o->min_improvement);
    st = p ? write_json(path, p, err) : ap_fail(err, AP_ERR_NOMEM, "out of memory");
    json_decref(p);
    return st;
}

ap_status pl_run(const pl_options *o, int only, ap_error *err)
{
    if (!o->work_dir || !*o->work_dir) return ap_fail(err, AP_ERR_INVALID, "no work directory");
    if (!o->model_name || !*o->model_name) return ap_fail(err, AP_ERR_INVALID, "no model name");
    if (o->train_docs < 1 || o->train_docs > DG_MAX_COUNT || o->eval_docs < 1 ||
        o->eval_docs > DG_MAX_COUNT)
        return ap_fail(err, AP_ERR_INVALID, "document counts must be 1..%d", DG_MAX_COUNT);
    if (only < -1 || only >= PL_STEP_COUNT) return ap_fail(err, AP_ERR_INVALID, "bad step");
    pl_ctx ctx = {.o = o};
    char path[PATH_MAX];
    ap_status st = compute_hashes(&ctx, err);
    if (st == AP_OK) st = path_join(path, sizeof path, err, "%s/state", o->work_dir);
    if (st == AP_OK) st = files_mkdir_p(path, err);
    if (st == AP_OK) st = write_params(&ctx, err);
    if (st != AP_OK) return st;
    if (o->tracking_uri && *o->tracking_uri) {
        regc_options ro = {.tracking_uri = o->tracking_uri, .timeout_s = 30};
        if ((st = regc_open(&ro, &ctx.reg, err)) != AP_OK) return st;
        path_join(path, sizeof path, NULL, "%s/state/registry.json", o->work_dir);
        ctx.tree = json_load_file(path, 0, NULL);
    }
    if (!ctx.tree) ctx.tree = json_object();
    int first = only < 0 ? 0 : only, last = only < 0 ? PL_STEP_COUNT - 1 : only;
    if (only == PL_REGISTER) last = PL_PROMOTE; /* the workflow's last step decides too */
    for (int s = first; st == AP_OK && s <= last; s++) {
        st = run_step(&ctx, (pl_step)s, err);
        if (st != AP_OK && err) {
            char msg[sizeof err->msg];
            snprintf(msg, sizeof msg, "%s", err->msg);
            ap_fail(err, st, "%s: %s", step_names[s], msg);
        }
    }
    const char *parent = json_string_value(json_object_get(ctx.tree, "parent_run_id"));
    if (ctx.reg && parent) {
        /* the run ends when its last step is done, or as soon as one fails */
        json_t *last_done = load_done(&ctx, PL_PROMOTE);
        if (st != AP_OK || last_done) {
            ap_error e2 = {0};
            ap_status s2 = run_update(&ctx, parent, st == AP_OK ? "FINISHED" : "FAILED", &e2);
            if (s2 != AP_OK) log_warn("pipeline: could not end run %s: %s", parent, e2.msg);
        }
        json_decref(last_done);
    }
    json_decref(ctx.tree);
    regc_close(ctx.reg);
    return st;
}
