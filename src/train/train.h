/* train: OCR training jobs on text-line crops: the base CRNN, LoRA adapters on a frozen
 * base, and distillation of a teacher into a smaller student (`aipipe train ...`).
 *
 * Data: a directory holding train.jsonl (and optionally val.jsonl) and charset.txt, as
 * `aipipe datagen --lines` writes them under DIR/lines (docs/DATAGEN.md); DIR itself or
 * DIR/lines may be given. Each line {"image": path relative to the manifest, "text": ...,
 * "rotation": 0|90|270}.
 *
 * Determinism: everything random in step s (the batch, dropout, LoRA's rank dropout) is
 * drawn from streams seeded by (seed, s) alone, and a checkpoint holds the parameters, the
 * AdamW moments and the step; so resuming from the checkpoint of step s replays steps s+1..
 * exactly as an uninterrupted run would, and the final weights are bit-identical (same
 * machine, same thread count).
 *
 * Outputs in OUT: model.safetensors (ocr, distill) or adapter_model.safetensors +
 * adapter_config.json (lora), card.json (the model card as JSON), checkpoint.safetensors
 * (while training), and run/ (params.json, metrics.jsonl, artifacts/) for tracking. */
#ifndef AP_TRAIN_H
#define AP_TRAIN_H

#include <stdint.h>

#include "core/status.h"
#include "nn/crnn.h"

typedef enum train_mode { TRAIN_OCR, TRAIN_LORA, TRAIN_DISTILL } train_mode;

typedef struct train_opts {
    train_mode mode;
    const char *data, *out;
    const char *base;     /* lora: the frozen base model (directory or .safetensors) */
    const char *teacher;  /* distill: the teacher model */
    nn_crnn_config model; /* ocr: the model; distill: the student (nclasses from the data) */
    long steps;
    int batch, max_width, threads, warmup, checkpoint_every, eval_every, eval_samples;
    float lr, weight_decay, clip;
    uint64_t seed;
    int resume;   /* continue from OUT/checkpoint.safetensors when present */
    int progress; /* progress bar on stderr */
    int augment;  /* random stretch, shift, stroke weight, contrast and noise per line */
    /* lora */
    int rank;
    float alpha, lora_dropout;
    const char *targets; /* comma-separated tensor names without ".weight"; "" = every matrix */
    /* distill */
    float temperature, distill_weight; /* loss = (1-w) CTC + w T^2 KL(teacher_T || student_T) */
    long crash_at; /* tests: SIGKILL itself right after this step's checkpoint (0: never) */
} train_opts;

/* Runs one training job. AP_ERR_INVALID for bad options or data, AP_ERR_IO for files,
 * AP_ERR_MODEL_NOT_FOUND for a missing base or teacher. */
ap_status train_run(const train_opts *o, ap_error *err);

/* Merges a LoRA adapter directory into its base model and writes OUT/model.safetensors. */
ap_status train_merge(const char *base, const char *adapter, const char *out, ap_error *err);

/* Character error rate of model on the manifest's first max_samples lines (greedy
 * decoding, batch 1 as the fine_tuned_ocr engine reads): total edit distance / total
 * reference length. ms_per_line: wall milliseconds per line (image to text, decoded image
 * in memory); cpu_ms_per_line (may be NULL): the process's CPU milliseconds for the same,
 * the figure that a machine shared with other work does not inflate. */
ap_status train_eval_cer(const char *model_path, const char *data, int max_samples, double *cer,
                         double *ms_per_line, double *cpu_ms_per_line, ap_error *err);

/* How train_eval_cer_decoded decodes: beam 0 greedy; beam >= 1 prefix beam search of that
 * width with lm (may be NULL) as a prior at weight (charlm.h). */
typedef struct nn_lm nn_lm;
typedef struct train_decoder {
    int beam;
    const nn_lm *lm;
    float weight;
} train_decoder;
ap_status train_eval_cer_decoded(const char *model_path, const char *data, int max_samples,
                                 const train_decoder *dec, double *cer, double *ms_per_line,
                                 double *cpu_ms_per_line, ap_error *err);

/* Counts a character n-gram prior (charlm.h) of the given order over the text of DATA's
 * train.jsonl (the generator's lines the model learnt from) in the classes of the model at
 * model_path, dropping grams of 3 characters or more seen fewer than min_count times, and
 * saves it to out (conventionally MODEL_DIR/lm.safetensors). Lines holding a character the
 * model cannot emit are skipped. use: the beam width and weight the fine_tuned_ocr engine
 * is to decode with (metadata "beam", "weight"; chosen on generated held-out lines). */
ap_status train_lm(const char *model_path, const char *data, const char *out, int order,
                   int min_count, const train_decoder *use, ap_error *err);

#endif
