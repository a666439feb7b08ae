/* cli: the `aipipe` command's subcommands. Each takes argv from its own name on and
 * returns the process exit code: 0 success, 1 failure of the work, 2 bad usage. */
#ifndef AP_CLI_H
#define AP_CLI_H

#include <stddef.h>

#include "core/config.h"
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

/* Prints "aipipe CMD: message" and a pointer to --help on stderr; returns 2. */
int cli_die_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
