/* config: typed settings from defaults, a YAML file, the environment and flags.
 *
 * A command describes its settings as a table of cfg_key (YAML path, environment name,
 * flag, type, default, bounds, help). cfg_load() applies, in rising precedence: the
 * defaults, the YAML file, environment variables, command-line flags. Every value is
 * validated when it is read; a wrong one fails with a message that names the key, where
 * the value came from and what is accepted. Unknown YAML keys and unknown flags are errors
 * (a typo must not silently fall back to a default).
 *
 * Values are stored as validated text; the getters convert. Lists are kept one item per
 * line; in the environment and on the command line their items are separated by ':'. */
#ifndef AP_CONFIG_H
#define AP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/status.h"

/* CFG_SECTION: a YAML mapping at `path` that another command reads from the same file
 * (training.yaml's `pipeline:` for `aipipe train`); its keys are skipped, not refused. */
typedef enum cfg_type { CFG_STRING, CFG_INT, CFG_BOOL, CFG_ENUM, CFG_LIST, CFG_SECTION } cfg_type;

typedef struct cfg_key {
    const char *path; /* dotted YAML path, e.g. "server.port" */
    const char *env;  /* environment variable, or NULL */
    const char *flag; /* long flag without the dashes, or NULL */
    cfg_type type;
    const char *def;     /* default, as text ("" for none) */
    long min, max;       /* CFG_INT bounds, inclusive */
    const char *choices; /* CFG_ENUM: accepted values, "a|b|c" */
    const char *help;
} cfg_key;

typedef struct cfg cfg;

/* Loads settings for schema[0..n). yaml_path may be NULL (no file). argv[0] is the
 * command name; argv may also hold "--config FILE", which replaces yaml_path, and
 * "--help", which sets *help_requested and stops parsing. On success *out is the new
 * settings (caller frees with cfg_free). On failure *out is NULL and err says why. */
ap_status cfg_load(const cfg_key *schema, size_t n, const char *yaml_path, int argc, char **argv,
                   bool *help_requested, cfg **out, ap_error *err);
void cfg_free(cfg *c);

/* Getters; path must be in the schema (asserted). Strings are borrowed from c. */
const char *cfg_str(const cfg *c, const char *path);
long cfg_int(const cfg *c, const char *path);
bool cfg_bool(const cfg *c, const char *path);
/* Number of items of a list and the item at i (borrowed). */
size_t cfg_list_len(const cfg *c, const char *path);
const char *cfg_list_item(const cfg *c, const char *path, size_t i);

/* Prints one line per flag: flag, environment name, default and help. */
void cfg_print_help(const cfg_key *schema, size_t n, FILE *out);

#endif
