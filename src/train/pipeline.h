/* pipeline: the training pipeline, `aipipe pipeline run`: prepare-data (datagen) -> train
 * (base, lora or distill) -> evaluate (OCR CER on held-out line crops, extraction strict F1
 * on held-out documents: shared/EVAL.md) -> register (a model version carrying its
 * metrics) -> promote (to Production only when it beats the current Production on the
 * same evaluation).
 *
 * Work directory (owned by the pipeline; one directory is one pipeline run):
 *   data/train/        datagen --lines: documents and line crops (train/val/test splits)
 *   data/heldout/      datagen: held-out documents with gold, another seed (evaluation)
 *   model/             train's output (model.safetensors or the LoRA adapter, card.json,
 *                      run/); lora: model/merged/ is the servable merged model
 *   baseline/vN/       the Production version N, downloaded to be scored on the same sets
 *   run/               the local tracking run: params.json, metrics.jsonl
 *   state/STEP.done    a finished step: {"hash", "finished", outputs}
 *   state/STEP.start   the hash a step was started with (a crash leaves it behind)
 *   state/registry.json  the registry run tree: parent run id, child run id per step
 *
 * Invariants. A step's hash covers its settings and the hash of the step before it, so
 * changing a setting makes that step and every later one stale. A step whose .done holds
 * the current hash is skipped. A step started again with the hash of its .start resumes
 * (train continues from its checkpoint, the registry's child run and model version are
 * found again, not duplicated); a step started with another hash first removes what the
 * old one left. A step runs only when the step before it is done with the current hash.
 *
 * Registry (tracking_uri set): one parent run per work directory, one child run per step
 * (tag mlflow.parentRunId), params, metrics, the model uploaded as the train run's
 * artifacts (with checksums.sha256), the version tagged with its metrics, promotion by
 * transition-stage with archive_existing_versions. Without one, register and promote are
 * skipped ("skipped: no registry") and succeed. */
#ifndef AP_PIPELINE_H
#define AP_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "train/datagen.h"
#include "train/train.h"

typedef enum pl_step {
    PL_PREPARE_DATA,
    PL_TRAIN,
    PL_EVALUATE,
    PL_REGISTER,
    PL_PROMOTE,
    PL_STEP_COUNT
} pl_step;

/* The figure that decides promotion. */
typedef enum pl_metric { PL_METRIC_STRICT_F1, PL_METRIC_NAME_F1, PL_METRIC_CER } pl_metric;

typedef struct pl_options {
    const char *work_dir;   /* created when missing */
    const char *run_name;   /* the parent run's name; NULL or "": "pipeline-<time>" */
    const char *experiment; /* registry experiment; NULL or "": "aipipe-training" */
    /* prepare-data */
    size_t train_docs, eval_docs; /* documents drawn for training and for evaluation */
    uint64_t seed;                /* training data; the held-out set uses seed + 1000003 */
    unsigned train_formats;       /* DG_FMT_*; line crops come from every format */
    unsigned eval_formats;        /* DG_FMT_*; raster formats exercise the OCR model */
    dg_degrade degrade;
    int jobs;
    /* train: mode and every model and optimisation setting; data, out, base and teacher
     * are set by the pipeline */
    train_opts train;
    const char *base_model; /* lora: the base, distill: the teacher: a model directory or
                               a models:/ URI (needs the registry) */
    /* train: a character prior (`aipipe train lm`, charlm.h) counted over the training
     * lines into the model directory after training, so the model serves and is scored
     * with it; prior_order 0: none */
    int prior_order, prior_min_count, prior_beam;
    float prior_weight;
    /* evaluate */
    int eval_lines;   /* test line crops scored for CER (at most) */
    int eval_threads; /* extraction worker threads */
    /* register */
    const char *model_name;
    const char *tracking_uri; /* NULL or "": no registry */
    /* promote */
    pl_metric metric;
    double min_improvement; /* the candidate must beat Production by more than this */
    bool progress;          /* a line per step on stderr */
} pl_options;

/* "prepare-data", "train", "evaluate", "register", "promote". */
const char *pl_step_name(pl_step s);

/* Parses a step name; AP_ERR_INVALID naming the accepted ones otherwise. */
ap_status pl_step_parse(const char *name, pl_step *out, ap_error *err);

/* Parses "strict_f1", "name_f1" or "cer". */
ap_status pl_metric_parse(const char *name, pl_metric *out, ap_error *err);

/* Runs the pipeline: every step in order (only == -1), or the one step `only` (register
 * also runs promote, which is what a workflow's last step expects). Finished steps whose
 * hash is current are skipped. AP_ERR_INVALID for bad options or a step run before the
 * one it needs; AP_ERR_UNAVAILABLE when the registry cannot be reached; the failing
 * step's status otherwise (err names the step). */
ap_status pl_run(const pl_options *o, int only, ap_error *err);

#endif
