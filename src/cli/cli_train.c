/* aipipe train ocr|lora|distill|merge|eval: the training jobs (src/train/train.h).
 * Settings come from configs/training.yaml (or --config FILE), the environment, then flags. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/config.h"
#include "core/log.h"
#include "nn/charlm.h"
#include "nn/nn.h"
#include "train/train.h"

const cfg_key cli_train_keys[] = {
    {"data", "TRAIN_DATA", "data", CFG_STRING, "", 0, 0, NULL,
     "line crops: DIR or DIR/lines (datagen --lines)"},
    {"out", "TRAIN_OUT", "out", CFG_STRING, "", 0, 0, NULL, "output model directory"},
    {"base", NULL, "base", CFG_STRING, "", 0, 0, NULL,
     "ocr: start from this model (a full fine-tune); lora/merge: the base model"},
    {"teacher", NULL, "teacher", CFG_STRING, "", 0, 0, NULL, "distill: the teacher model"},
    {"adapter", NULL, "adapter", CFG_STRING, "", 0, 0, NULL, "merge: the adapter directory"},
    {"model.height", NULL, "height", CFG_INT, "32", 16, 64, NULL,
     "input height in pixels (16/32/48/64)"},
    {"model.conv", NULL, "conv", CFG_STRING, "32,64,96,128", 0, 0, NULL,
     "channels of the 4 convolutions"},
    {"model.head", NULL, "head", CFG_ENUM, "conv", 0, 0, "conv|bigru",
     "sequence blocks: temporal convolution or bidirectional GRU"},
    {"model.dim", NULL, "dim", CFG_INT, "160", 1, 1024, NULL,
     "width of the sequence head (even for bigru: dim/2 GRU units per direction)"},
    {"model.blocks", NULL, "blocks", CFG_INT, "3", 0, 8, NULL, "sequence blocks"},
    {"model.kernel", NULL, "kernel", CFG_INT, "5", 1, 15, NULL, "temporal kernel (odd)"},
    {"model.dropout", NULL, "model-dropout", CFG_STRING, "0.1", 0, 0, NULL,
     "dropout in the blocks"},
    {"student.conv", NULL, "student-conv", CFG_STRING, "16,32,48,64", 0, 0, NULL,
     "distill: student channels"},
    {"student.head", NULL, "student-head", CFG_ENUM, "conv", 0, 0, "conv|bigru",
     "distill: student sequence blocks"},
    {"student.dim", NULL, "student-dim", CFG_INT, "96", 1, 1024, NULL,
     "distill: student head width"},
    {"student.blocks", NULL, "student-blocks", CFG_INT, "2", 0, 8, NULL, "distill: student blocks"},
    {"train.steps", "TRAIN_STEPS", "steps", CFG_INT, "2000", 1, 100000000, NULL,
     "optimisation steps"},
    {"train.batch", NULL, "batch", CFG_INT, "16", 1, 1024, NULL, "lines per step"},
    {"train.max_width", NULL, "max-width", CFG_INT, "256", 16, 2048, NULL,
     "widest line (pixels, after scaling)"},
    {"train.lr", NULL, "lr", CFG_STRING, "0.002", 0, 0, NULL, "peak learning rate"},
    {"train.warmup", NULL, "warmup", CFG_INT, "100", 0, 1000000, NULL, "warm-up steps"},
    {"train.weight_decay", NULL, "weight-decay", CFG_STRING, "0.01", 0, 0, NULL, "AdamW decay"},
    {"train.clip", NULL, "clip", CFG_STRING, "5", 0, 0, NULL, "gradient norm clip (0: off)"},
    {"train.seed", "TRAIN_SEED", "seed", CFG_INT, "1", 0, 2147483647, NULL,
     "seed of every random stream"},
    {"train.threads", "TRAIN_THREADS", "threads", CFG_INT, "2", 1, 256, NULL, "OpenBLAS threads"},
    {"train.checkpoint_every", NULL, "checkpoint-every", CFG_INT, "200", 0, 100000000, NULL,
     "steps between checkpoints"},
    {"train.eval_every", NULL, "eval-every", CFG_INT, "200", 0, 100000000, NULL,
     "steps between validation CER"},
    {"train.eval_samples", NULL, "eval-samples", CFG_INT, "300", 1, 1000000, NULL,
     "validation lines"},
    {"train.augment", NULL, "augment", CFG_BOOL, "false", 0, 0, NULL,
     "augment training lines (stretch, shift, stroke, small print, contrast, noise)"},
    {"train.progress", NULL, "progress", CFG_BOOL, "true", 0, 0, NULL, "progress bar on stderr"},
    {"lora.rank", NULL, "rank", CFG_INT, "8", 1, 512, NULL, "LoRA rank"},
    {"lora.alpha", NULL, "alpha", CFG_STRING, "16", 0, 0, NULL, "LoRA alpha (scale alpha/rank)"},
    {"lora.dropout", NULL, "dropout", CFG_STRING, "0", 0, 0, NULL,
     "LoRA dropout (per rank component and step)"},
    {"lora.targets", NULL, "targets", CFG_STRING, "", 0, 0, NULL,
     "comma-separated layers (conv0..3, proj, blocks.N.conv or blocks.N.gru.{fwd,bwd}.{ih,hh}, "
     "head); empty: all"},
    {"distill.temperature", NULL, "temperature", CFG_STRING, "2", 0, 0, NULL,
     "softmax temperature"},
    {"distill.weight", NULL, "distill-weight", CFG_STRING, "0.5", 0, 0, NULL,
     "weight of the soft loss"},
    {"lm.order", NULL, "lm-order", CFG_INT, "4", 1, 7, NULL,
     "lm: characters per n-gram, the predicted one included"},
    {"lm.min_count", NULL, "lm-min-count", CFG_INT, "2", 1, 1000000, NULL,
     "lm: n-grams of 3+ characters seen fewer times are dropped"},
    {"decode.beam", NULL, "beam", CFG_INT, "0", 0, 256, NULL,
     "eval: beam width (0: greedy decoding); lm: the width the engine uses (0: 8)"},
    {"decode.lm", NULL, "lm", CFG_STRING, "", 0, 0, NULL,
     "eval: character prior for the beam search (a train lm file)"},
    {"decode.lm_weight", NULL, "lm-weight", CFG_STRING, "0.4", 0, 0, NULL,
     "eval, lm: weight of the prior's log probability (lm: the weight the engine uses)"},
    {"pipeline", NULL, NULL, CFG_SECTION, "", 0, 0, NULL, "aipipe pipeline's settings"},
};
#define NKEYS (sizeof cli_train_keys / sizeof cli_train_keys[0])
const size_t cli_train_nkeys = NKEYS;

static int parse_float(const char *s, float lo, float hi, float *out)
{
    char *end;
    float v = strtof(s, &end);
    if (end == s || *end || !(v >= lo && v <= hi)) return -1;
    *out = v;
    return 0;
}

static int parse_conv(const char *s, int conv[4])
{
    return sscanf(s, "%d,%d,%d,%d", &conv[0], &conv[1], &conv[2], &conv[3]) == 4 ? 0 : -1;
}

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: aipipe train ocr     --data DIR --out DIR [--base MODEL] [--steps N] [--resume] "
        "[flags]\n"
        "       aipipe train lora    --base MODEL --data DIR --out DIR [--rank R] [--alpha A]\n"
        "                            [--dropout P] [--targets a,b] [--merge]\n"
        "       aipipe train distill --teacher MODEL --data DIR --out DIR [--steps N]\n"
        "       aipipe train merge   --base MODEL --adapter DIR --out DIR\n"
        "       aipipe train eval    --base MODEL --data DIR [--eval-samples N] [--threads N]\n"
        "                            [--beam N [--lm FILE] [--lm-weight W]]\n"
        "       aipipe train lm      --base MODEL --data DIR [--out FILE] [--lm-order N]\n"
        "                            (a character prior from DIR's train.jsonl; default\n"
        "                            FILE: MODEL/lm.safetensors, where fine_tuned_ocr finds it)\n\n"
        "Settings: configs/training.yaml (or --config FILE), the environment, then flags.\n"
        "MODEL is a model directory or a .safetensors file.\n"
        "  --config FILE  YAML settings file\n  --resume       continue from OUT's checkpoint\n");
    cfg_print_help(cli_train_keys, NKEYS, out);
}

/* Fills o's model and optimisation settings from c (loaded with cli_train_keys); o->mode
 * must be set (distill takes the student's shape). Returns -1 when a numeric setting is
 * malformed or out of range. */
int cli_train_fill(const cfg *c, train_opts *o)
{
    o->model.height = (int)cfg_int(c, "model.height");
    o->model.dim = (int)cfg_int(c, "model.dim");
    o->model.blocks = (int)cfg_int(c, "model.blocks");
    o->model.kernel = (int)cfg_int(c, "model.kernel");
    o->model.nclasses = 2; /* set from the charset */
    int bad = parse_conv(cfg_str(c, "model.conv"), o->model.conv) ||
              parse_float(cfg_str(c, "model.dropout"), 0, 0.9f, &o->model.dropout) ||
              nn_crnn_head_parse(cfg_str(c, "model.head"), &o->model.head);
    if (o->mode == TRAIN_DISTILL) {
        bad |= parse_conv(cfg_str(c, "student.conv"), o->model.conv) ||
               nn_crnn_head_parse(cfg_str(c, "student.head"), &o->model.head);
        o->model.dim = (int)cfg_int(c, "student.dim");
        o->model.blocks = (int)cfg_int(c, "student.blocks");
    }
    o->steps = cfg_int(c, "train.steps");
    o->batch = (int)cfg_int(c, "train.batch");
    o->max_width = (int)cfg_int(c, "train.max_width");
    o->warmup = (int)cfg_int(c, "train.warmup");
    o->seed = (uint64_t)cfg_int(c, "train.seed");
    o->threads = (int)cfg_int(c, "train.threads");
    o->checkpoint_every = (int)cfg_int(c, "train.checkpoint_every");
    o->eval_every = (int)cfg_int(c, "train.eval_every");
    o->eval_samples = (int)cfg_int(c, "train.eval_samples");
    o->progress = cfg_bool(c, "train.progress") && isatty(2);
    o->augment = cfg_bool(c, "train.augment");
    o->rank = (int)cfg_int(c, "lora.rank");
    o->targets = cfg_str(c, "lora.targets");
    bad |= parse_float(cfg_str(c, "train.lr"), 1e-7f, 1.0f, &o->lr) ||
           parse_float(cfg_str(c, "train.weight_decay"), 0, 1, &o->weight_decay) ||
           parse_float(cfg_str(c, "train.clip"), 0, 1e6f, &o->clip) ||
           parse_float(cfg_str(c, "lora.alpha"), 1e-3f, 1e4f, &o->alpha) ||
           parse_float(cfg_str(c, "lora.dropout"), 0, 0.9f, &o->lora_dropout) ||
           parse_float(cfg_str(c, "distill.temperature"), 0.1f, 100, &o->temperature) ||
           parse_float(cfg_str(c, "distill.weight"), 0, 1, &o->distill_weight);
    return bad ? -1 : 0;
}

int cli_train(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    train_opts o = {0};
    if (strcmp(sub, "ocr") == 0)
        o.mode = TRAIN_OCR;
    else if (strcmp(sub, "lora") == 0)
        o.mode = TRAIN_LORA;
    else if (strcmp(sub, "distill") == 0)
        o.mode = TRAIN_DISTILL;
    else if (strcmp(sub, "merge") != 0 && strcmp(sub, "eval") != 0 && strcmp(sub, "lm") != 0)
        return cli_die_usage("train", "unknown job '%s'", sub);
    /* valueless flags, taken out before the table-driven parser sees argv */
    char **args = calloc((size_t)argc, sizeof *args);
    if (!args) return 1;
    int n = 0, merge = 0;
    args[n++] = "train";
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--resume") == 0)
            o.resume = 1;
        else if (strcmp(argv[i], "--merge") == 0)
            merge = 1;
        else
            args[n++] = argv[i];
    }
    const char *file = getenv("AIPIPE_TRAIN_CONFIG");
    if (!file && access("configs/training.yaml", R_OK) == 0) file = "configs/training.yaml";
    cfg *c = NULL;
    bool help = false;
    ap_error err;
    int rc = 1;
    if (cfg_load(cli_train_keys, NKEYS, file, n, args, &help, &c, &err) != AP_OK) {
        rc = cli_die_usage("train", "%s", err.msg);
        goto out;
    }
    if (help) {
        usage(stdout);
        rc = 0;
        goto out;
    }
    const char *data = cfg_str(c, "data"), *outd = cfg_str(c, "out"), *base = cfg_str(c, "base");
    if (strcmp(sub, "merge") == 0) {
        if (!*base || !*cfg_str(c, "adapter") || !*outd) {
            rc = cli_die_usage("train", "merge needs --base, --adapter and --out");
            goto out;
        }
        rc = train_merge(base, cfg_str(c, "adapter"), outd, &err) == AP_OK ? 0 : 1;
        if (rc) fprintf(stderr, "aipipe train merge: %s\n", err.msg);
        goto out;
    }
    if (strcmp(sub, "lm") == 0) {
        if (!*base || !*data) {
            rc = cli_die_usage("train", "lm needs --base MODEL and --data DIR");
            goto out;
        }
        char path[4096];
        if (*outd)
            snprintf(path, sizeof path, "%s", outd);
        else
            snprintf(path, sizeof path, "%s/lm.safetensors", base);
        train_decoder use = {.beam = (int)cfg_int(c, "decode.beam")};
        if (!use.beam) use.beam = 8;
        if (parse_float(cfg_str(c, "decode.lm_weight"), 0, 100, &use.weight)) {
            rc = cli_die_usage("train", "--lm-weight: a number in 0..100");
            goto out;
        }
        rc = train_lm(base, data, path, (int)cfg_int(c, "lm.order"),
                      (int)cfg_int(c, "lm.min_count"), &use, &err) == AP_OK
                 ? 0
                 : 1;
        if (rc) fprintf(stderr, "aipipe train lm: %s\n", err.msg);
        goto out;
    }
    if (strcmp(sub, "eval") == 0) {
        double cer, ms, cpu_ms;
        if (!*base || !*data) {
            rc = cli_die_usage("train", "eval needs --base MODEL and --data DIR");
            goto out;
        }
        train_decoder dec = {.beam = (int)cfg_int(c, "decode.beam")};
        nn_lm *lm = NULL;
        if (parse_float(cfg_str(c, "decode.lm_weight"), 0, 100, &dec.weight)) {
            rc = cli_die_usage("train", "--lm-weight: a number in 0..100");
            goto out;
        }
        if (*cfg_str(c, "decode.lm") &&
            nn_lm_load(cfg_str(c, "decode.lm"), NULL, &lm, &err) != AP_OK) {
            fprintf(stderr, "aipipe train eval: %s\n", err.msg);
            goto out;
        }
        dec.lm = lm;
        nn_set_threads((int)cfg_int(c, "train.threads"));
        ap_status est = train_eval_cer_decoded(base, data, (int)cfg_int(c, "train.eval_samples"),
                                               &dec, &cer, &ms, &cpu_ms, &err);
        nn_lm_free(lm);
        if (est != AP_OK) {
            fprintf(stderr, "aipipe train eval: %s\n", err.msg);
            goto out;
        }
        printf("{\"cer\": %.5f, \"ms_per_line\": %.3f, \"cpu_ms_per_line\": %.3f}\n", cer, ms,
               cpu_ms);
        rc = 0;
        goto out;
    }
    if (!*data || !*outd) {
        rc = cli_die_usage("train", "--data and --out are required");
        goto out;
    }
    if (o.mode == TRAIN_LORA && !*base) {
        rc = cli_die_usage("train", "lora needs --base MODEL");
        goto out;
    }
    if (o.mode == TRAIN_DISTILL && !*cfg_str(c, "teacher")) {
        rc = cli_die_usage("train", "distill needs --teacher MODEL");
        goto out;
    }
    o.data = data, o.out = outd, o.base = base, o.teacher = cfg_str(c, "teacher");
    int bad = cli_train_fill(c, &o);
    if (bad) {
        rc = cli_die_usage("train", "a numeric setting is malformed or out of range (see --help)");
        goto out;
    }
    const char *crash = getenv("AIPIPE_TRAIN_CRASH_AT"); /* tests: simulate kill -9 */
    o.crash_at = crash ? strtol(crash, NULL, 10) : 0;
    if (getenv("MLFLOW_TRACKING_URI"))
        log_warn("train: MLFLOW_TRACKING_URI is set but the registry client is not built in yet; "
                 "the run is recorded in %s/run",
                 outd);
    if (train_run(&o, &err) != AP_OK) {
        fprintf(stderr, "\naipipe train %s: %s\n", sub, err.msg);
        goto out;
    }
    rc = 0;
    if (merge && o.mode == TRAIN_LORA) {
        char merged[4096];
        snprintf(merged, sizeof merged, "%s/merged", outd);
        if (train_merge(base, outd, merged, &err) != AP_OK) {
            fprintf(stderr, "aipipe train lora --merge: %s\n", err.msg);
            rc = 1;
        }
    }
out:
    cfg_free(c);
    free(args);
    return rc;
}
