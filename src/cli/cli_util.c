#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int cli_die_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "aipipe %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see 'aipipe %s --help')\n", cmd);
    va_end(ap);
    return 2;
}

int cli_ocr_defaults(const char *cmd, tt_extract_options *o)
{
    const char *mode = getenv("EXTRACT_OCR_ENGINE"), *model = getenv("EXTRACT_OCR_MODEL");
    o->ocr_mode = CLI_OCR_MODE_DEFAULT;
    if (mode && *mode) {
        int m = tt_ocr_mode_from_name(mode);
        if (m < 0)
            return cli_die_usage(cmd,
                                 "EXTRACT_OCR_ENGINE must be tesseract, fine_tuned_ocr or auto");
        o->ocr_mode = (tt_ocr_mode)m;
    }
    o->ocr_model = model && *model ? model : NULL;
    return 0;
}

int cli_ocr_flag(const char *cmd, int argc, char **argv, int *i, tt_extract_options *o)
{
    const char *a = argv[*i];
    int engine = strcmp(a, "--ocr-engine") == 0, model = strcmp(a, "--ocr-model") == 0;
    if (!engine && !model) return 0;
    if (*i + 1 >= argc) return cli_die_usage(cmd, "%s needs a value", a);
    const char *v = argv[++*i];
    if (model) {
        o->ocr_model = v;
        return 1;
    }
    int m = tt_ocr_mode_from_name(v);
    if (m < 0) return cli_die_usage(cmd, "--ocr-engine must be tesseract, fine_tuned_ocr or auto");
    o->ocr_mode = (tt_ocr_mode)m;
    return 1;
}
