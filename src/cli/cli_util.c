#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* The CRNN's default model: TT_OCR_MODEL_DEFAULT under the working folder, else under
 * the checkout the program was built in (its folder's parent: build/aipipe beside
 * models/), so a run from elsewhere reads with the same model; NULL when neither holds
 * one (the reader then says so, and Tesseract reads). */
static const char *default_model(void)
{
    static char path[4096];
    struct stat sb;
    if (stat(TT_OCR_MODEL_DEFAULT, &sb) == 0 && S_ISDIR(sb.st_mode)) return NULL;
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash) return NULL;
    *slash = '\0';
    if (snprintf(path, sizeof path, "%s/../%s", exe, TT_OCR_MODEL_DEFAULT) >= (int)sizeof path)
        return NULL;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode) ? path : NULL;
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
    o->ocr_model = model && *model ? model : default_model();
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
