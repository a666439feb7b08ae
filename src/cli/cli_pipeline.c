/* aipipe pipeline run [--config FILE] [--step NAME] [flags]: the training pipeline
 * (src/train/pipeline.h). Settings: configs/training.yaml's pipeline: section plus the
 * model and optimisation sections aipipe train reads (the same table, cli_train_keys), then
 * the environment, then flags. Exit: 0 done (register/promote without a registry are
 * skipped and count as done), 1 a step failed, 2 bad usage or settings. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/config.h"
#include "train/pipeline.h"

/* clang-format off */
static const cfg_key pipeline_keys[] = {
    {"pipeline.work_dir", "WORK_DIR", "work-dir", CFG_STRING, "var/pipeline", 0, 0, NULL, "work directory: data, model, markers (one directory, one pipeline run)"},
    {"pipeline.run_name", "PIPELINE_RUN_NAME", "run-name", CFG_STRING, "", 0, 0, NULL, "the registry run's name (default pipeline-<time>)"},
    {"pipeline.experiment", "PIPELINE_EXPERIMENT", "experiment", CFG_STRING, "aipipe-training", 0, 0, NULL, "registry experiment"},
    {"pipeline.data.train_docs", NULL, "train-docs", CFG_INT, "200", 1, 1000000, NULL, "prepare-data: documents drawn for training (line crops)"},
    {"pipeline.data.eval_docs", NULL, "eval-docs", CFG_INT, "20", 1, 1000000, NULL, "prepare-data: held-out documents for extraction F1"},
    {"pipeline.data.seed", NULL, "data-seed", CFG_INT, "1", 0, 2147483647, NULL, "prepare-data: datagen seed (held-out: another seed)"},
    {"pipeline.data.formats", NULL, "formats", CFG_STRING, "png,jpg,pdf,docx", 0, 0, NULL, "prepare-data: training document formats"},
    {"pipeline.data.eval_formats", NULL, "eval-formats", CFG_STRING, "png,jpg", 0, 0, NULL, "prepare-data: held-out formats (raster ones exercise the OCR model)"},
    {"pipeline.data.degrade", NULL, "degrade", CFG_ENUM, "light", 0, 0, "none|light|heavy", "prepare-data: scan and photo damage"},
    {"pipeline.data.jobs", NULL, "jobs", CFG_INT, "2", 1, 64, NULL, "prepare-data: datagen threads"},
    {"pipeline.train.mode", "TRAIN_MODE", "mode", CFG_ENUM, "base", 0, 0, "base|ocr|lora|distill", "train: base (= ocr, from scratch), lora (fine-tune), distill (student)"},
    {"pipeline.train.base_model", NULL, "base-model", CFG_STRING, "", 0, 0, NULL, "train: lora's base or distill's teacher: a directory or models:/NAME/STAGE (default models:/MODEL/Production)"},
    {"pipeline.train.prior", NULL, "prior", CFG_BOOL, "true", 0, 0, NULL, "train: count a character prior into the model (aipipe train lm: lm.order, lm.min_count, decode.beam, decode.lm_weight)"},
    {"pipeline.evaluate.lines", NULL, "eval-lines", CFG_INT, "500", 1, 10000000, NULL, "evaluate: test line crops scored for CER"},
    {"pipeline.evaluate.threads", NULL, "eval-threads", CFG_INT, "2", 1, 16, NULL, "evaluate: extraction threads"},
    {"pipeline.register.model_name", "MODEL_NAME", "model-name", CFG_STRING, "timetable-ocr", 0, 0, NULL, "register: the registered model"},
    {"pipeline.register.tracking_uri", "MLFLOW_TRACKING_URI", "tracking-uri", CFG_STRING, "", 0, 0, NULL, "register: the registry (empty: register and promote are skipped)"},
    {"pipeline.promote.metric", NULL, "metric", CFG_ENUM, "strict_f1", 0, 0, "strict_f1|name_f1|cer", "promote: the figure compared with Production's (cer: lower wins)"},
    {"pipeline.promote.min_improvement", NULL, "min-improvement", CFG_STRING, "0", 0, 0, NULL, "promote: the margin the candidate must beat Production by"},
};
/* clang-format on */
#define NPIPELINE (sizeof pipeline_keys / sizeof pipeline_keys[0])

static void usage(FILE *out, const cfg_key *schema, size_t n)
{
    fprintf(out,
            "usage: aipipe pipeline run [--config FILE] [--step NAME] [flags]\n\n"
            "The training pipeline: prepare-data (datagen) -> train (base, lora or distill) ->\n"
            "evaluate (OCR CER and extraction strict F1 on held-out sets) -> register (a model\n"
            "version carrying its metrics) -> promote (to Production only when it beats the\n"
            "current Production on the same evaluation). Finished steps are skipped while\n"
            "their inputs are unchanged; a step that was interrupted resumes. With\n"
            "MLFLOW_TRACKING_URI the run and its steps (child runs) are recorded in the\n"
            "registry; without it register and promote are skipped.\n\n"
            "  --config FILE  settings (default configs/training.yaml)\n"
            "  --step NAME    run one step: prepare-data, train, evaluate, register (which\n"
            "                 also decides promotion), promote\n"
            "Training settings are aipipe train's (see aipipe train --help), e.g. --steps N.\n\n");
    cfg_print_help(schema, n, out);
    fprintf(out, "\nExit codes: 0 done, 1 a step failed, 2 bad arguments or settings.\n");
}

/* aipipe train's keys that describe the model and its optimisation (dotted paths), then
 * the pipeline's own. Caller frees. */
static cfg_key *build_schema(size_t *n)
{
    cfg_key *s = calloc(cli_train_nkeys + NPIPELINE, sizeof *s);
    if (!s) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < cli_train_nkeys; i++)
        if (cli_train_keys[i].type != CFG_SECTION && strchr(cli_train_keys[i].path, '.'))
            s[k++] = cli_train_keys[i];
    for (size_t i = 0; i < NPIPELINE; i++)
        s[k++] = pipeline_keys[i];
    *n = k;
    return s;
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= lo && v <= hi)) return -1;
    *out = v;
    return 0;
}

int cli_pipeline(int argc, char **argv)
{
    size_t nkeys = 0;
    cfg_key *schema = build_schema(&nkeys);
    if (!schema) return 1;
    int rc = 1;
    cfg *c = NULL;
    char **args = NULL;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout, schema, nkeys);
        rc = argc < 2 ? 2 : 0;
        goto out;
    }
    if (strcmp(argv[1], "run") != 0) {
        rc = cli_die_usage("pipeline", "unknown subcommand '%s' (only 'run')", argv[1]);
        goto out;
    }
    /* --step is ours; the rest goes to the table-driven parser */
    args = calloc((size_t)argc + 1, sizeof *args);
    if (!args) goto out;
    int n = 0, only = -1;
    args[n++] = "pipeline run";
    for (int i = 2; i < argc; i++) {
        const char *name = NULL;
        if (strcmp(argv[i], "--step") == 0) {
            if (i + 1 >= argc) {
                rc = cli_die_usage("pipeline", "--step needs a step name");
                goto out;
            }
            name = argv[++i];
        } else if (strncmp(argv[i], "--step=", 7) == 0) {
            name = argv[i] + 7;
        } else {
            args[n++] = argv[i];
            continue;
        }
        pl_step s;
        ap_error e;
        if (pl_step_parse(name, &s, &e) != AP_OK) {
            rc = cli_die_usage("pipeline", "%s", e.msg);
            goto out;
        }
        only = (int)s;
    }
    const char *file = getenv("AIPIPE_TRAIN_CONFIG");
    if (!file && access("configs/training.yaml", R_OK) == 0) file = "configs/training.yaml";
    bool help = false;
    ap_error err = {0};
    if (cfg_load(schema, nkeys, file, n, args, &help, &c, &err) != AP_OK) {
        rc = cli_die_usage("pipeline", "%s", err.msg);
        goto out;
    }
    if (help) {
        usage(stdout, schema, nkeys);
        rc = 0;
        goto out;
    }
    pl_options o = {0};
    const char *mode = cfg_str(c, "pipeline.train.mode");
    o.train.mode = strcmp(mode, "lora") == 0      ? TRAIN_LORA
                   : strcmp(mode, "distill") == 0 ? TRAIN_DISTILL
                                                  : TRAIN_OCR;
    if (cli_train_fill(c, &o.train) != 0) {
        rc = cli_die_usage(
            "pipeline",
            "a training setting is malformed or out of range (see aipipe train --help)");
        goto out;
    }
    const char *crash = getenv("AIPIPE_TRAIN_CRASH_AT"); /* tests: kill -9 after a checkpoint */
    o.train.crash_at = crash ? strtol(crash, NULL, 10) : 0;
    o.work_dir = cfg_str(c, "pipeline.work_dir");
    o.run_name = cfg_str(c, "pipeline.run_name");
    o.experiment = cfg_str(c, "pipeline.experiment");
    o.train_docs = (size_t)cfg_int(c, "pipeline.data.train_docs");
    o.eval_docs = (size_t)cfg_int(c, "pipeline.data.eval_docs");
    o.seed = (uint64_t)cfg_int(c, "pipeline.data.seed");
    const char *degrade = cfg_str(c, "pipeline.data.degrade");
    o.degrade = strcmp(degrade, "none") == 0    ? DG_DEGRADE_NONE
                : strcmp(degrade, "heavy") == 0 ? DG_DEGRADE_HEAVY
                                                : DG_DEGRADE_LIGHT;
    o.jobs = (int)cfg_int(c, "pipeline.data.jobs");
    o.base_model = cfg_str(c, "pipeline.train.base_model");
    o.prior_order = cfg_bool(c, "pipeline.train.prior") ? (int)cfg_int(c, "lm.order") : 0;
    o.prior_min_count = (int)cfg_int(c, "lm.min_count");
    o.prior_beam = (int)cfg_int(c, "decode.beam") ? (int)cfg_int(c, "decode.beam") : 8;
    char *wend;
    o.prior_weight = strtof(cfg_str(c, "decode.lm_weight"), &wend);
    if (*wend || !(o.prior_weight >= 0 && o.prior_weight <= 100)) {
        rc = cli_die_usage("pipeline", "--lm-weight: a number in 0..100");
        goto out;
    }
    o.eval_lines = (int)cfg_int(c, "pipeline.evaluate.lines");
    o.eval_threads = (int)cfg_int(c, "pipeline.evaluate.threads");
    o.model_name = cfg_str(c, "pipeline.register.model_name");
    o.tracking_uri = cfg_str(c, "pipeline.register.tracking_uri");
    o.progress = true;
    if (dg_parse_formats(cfg_str(c, "pipeline.data.formats"), &o.train_formats, &err) != AP_OK ||
        dg_parse_formats(cfg_str(c, "pipeline.data.eval_formats"), &o.eval_formats, &err) !=
            AP_OK ||
        pl_metric_parse(cfg_str(c, "pipeline.promote.metric"), &o.metric, &err) != AP_OK) {
        rc = cli_die_usage("pipeline", "%s", err.msg);
        goto out;
    }
    if (parse_double(cfg_str(c, "pipeline.promote.min_improvement"), -1, 1, &o.min_improvement)) {
        rc = cli_die_usage("pipeline",
                           "pipeline.promote.min_improvement must be a number in [-1, 1]");
        goto out;
    }
    if (!*o.model_name) {
        rc = cli_die_usage("pipeline", "pipeline.register.model_name is empty");
        goto out;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    ap_status st = pl_run(&o, only, &err);
    curl_global_cleanup();
    if (st != AP_OK) {
        fprintf(stderr, "aipipe pipeline: %s\n", err.msg);
        goto out;
    }
    if (o.progress) fprintf(stderr, "pipeline: done (work directory %s)\n", o.work_dir);
    rc = 0;
out:
    cfg_free(c);
    free(args);
    free(schema);
    return rc;
}
