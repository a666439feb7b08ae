/* cli: the `aipipe` command's subcommands. Each takes argv from its own name on and
 * returns the process exit code: 0 success, 1 failure of the work, 2 bad usage. */
#ifndef AP_CLI_H
#define AP_CLI_H

#include <stddef.h>

#include "core/config.h"
#include "document/extract.h"
#include "train/train.h"

int cli_ocr(int argc, char **argv);
int cli_datagen(int argc, char **argv);
int cli_train(int argc, char **argv);
int cli_eval(int argc, char **argv);
int cli_extract(int argc, char **argv);
int cli_artifacts(int argc, char **argv);
int cli_models(int argc, char **argv);
int cli_pipeline(int argc, char **argv);

/* aipipe train's settings table (cli_train.c), which aipipe pipeline shares because both
 * read training.yaml, and the train_opts they give (o->mode set first; -1: a malformed
 * number). */
extern const cfg_key cli_train_keys[];
extern const size_t cli_train_nkeys;
int cli_train_fill(const cfg *c, train_opts *o);

/* The cell reader of `aipipe extract` and `aipipe eval --run`. cli_ocr_defaults sets o's
 * mode and model from EXTRACT_OCR_ENGINE and EXTRACT_OCR_MODEL (the keys /infer/document
 * reads), else CLI_OCR_MODE_DEFAULT and TT_OCR_MODEL_DEFAULT (under the working folder, else
 * under the program's folder's parent: the checkout it was built in); returns 2 after a usage
 * message for a bad name, else 0. cli_ocr_flag takes argv[*i] when it is --ocr-engine NAME
 * or --ocr-model DIR (advancing *i past the value): 1 taken, 0 not one of them, 2 bad
 * usage (message printed). */
/* auto: with models/ocr-base (fine-tuned on old-style figures) it reads the real timetables
 * as Tesseract does, the generated scans better, in about half the time (docs/BENCHMARKS.md,
 * "Round 4"); without a model it is Tesseract */
#define CLI_OCR_MODE_DEFAULT TT_OCR_AUTO
int cli_ocr_defaults(const char *cmd, tt_extract_options *o);
int cli_ocr_flag(const char *cmd, int argc, char **argv, int *i, tt_extract_options *o);
#define CLI_OCR_USAGE                                                                              \
    "  --ocr-engine E  what reads the cells: tesseract, fine_tuned_ocr (aipipe's CRNN)\n"          \
    "                  or auto (the CRNN, Tesseract again for a cell it reads doubtfully);\n"      \
    "                  env EXTRACT_OCR_ENGINE\n"                                                   \
    "  --ocr-model DIR the CRNN's model directory (default " TT_OCR_MODEL_DEFAULT ", else\n"       \
    "                  ../" TT_OCR_MODEL_DEFAULT " beside the program's folder; env\n"             \
    "                  EXTRACT_OCR_MODEL); without a model, Tesseract reads every cell\n"

/* Prints "aipipe CMD: message" and a pointer to --help on stderr; returns 2. */
int cli_die_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
