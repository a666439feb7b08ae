/* `aipipe datagen`: synthetic timetables with exact gold answers (the prepare-data step).
 * Parses and bounds the flags, then hands over to train/datagen. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "train/datagen.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: aipipe datagen --count N --seed S --out DIR [--formats png,jpg,pdf,docx]\n"
            "                      [--lines] [--degrade none|light|heavy]\n"
            "                      [--layout mixed|grid-rows|grid-cols|lists] [--oldstyle P]\n"
            "                      [--jobs N] [--contact-sheet FILE.png] [--quiet]\n\n"
            "Draws N synthetic teacher timetables into DIR (doc_0001.png, ...) and, beside each,\n"
            "its gold JSON (doc_0001.json, the format of EVAL.md). The same seed gives the same\n"
            "documents and the same gold bytes, whatever --jobs is.\n\n"
            "  --count N          documents to draw (1..%d)\n"
            "  --seed S           any unsigned 64-bit number\n"
            "  --out DIR          output directory (created when missing)\n"
            "  --formats LIST     formats to mix, each document takes one (default png)\n"
            "  --lines            also write text-line crops: DIR/lines/*.png, train/val/test\n"
            "                     manifests (JSONL) and charset.txt\n"
            "  --degrade LEVEL    scan and photo damage for png/jpg: none (default), light, heavy\n"
            "  --layout FAMILY    force one layout family (default mixed)\n"
            "  --oldstyle P       P%% of documents print old-style figures (OpenType onum) in the\n"
            "                     families that have them (default 0)\n"
            "  --jobs N           worker threads (default: the number of CPUs, at most %d)\n"
            "  --contact-sheet F  also write a PNG of the first 12 documents side by side\n"
            "  --quiet            no progress lines on stderr\n\n"
            "Exit codes: 0 ok, 1 generation failed, 2 bad arguments.\n",
            DG_MAX_COUNT, DG_MAX_JOBS);
}

/* Parses a whole decimal number within [lo, hi]; false otherwise. */
static bool parse_u64(const char *s, unsigned long long lo, unsigned long long hi,
                      unsigned long long *out)
{
    if (!s || !*s || *s == '-' || *s == '+') return false;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || !end || *end || v < lo || v > hi) return false;
    *out = v;
    return true;
}

int cli_datagen(int argc, char **argv)
{
    static const char *const layouts[] = {"mixed", "grid-rows", "grid-cols", "lists"};
    static const char *const levels[] = {"none", "light", "heavy"};
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    dg_options o = {.formats = DG_FMT_PNG,
                    .progress = true,
                    .jobs = ncpu < 1             ? 1
                            : ncpu > DG_MAX_JOBS ? DG_MAX_JOBS
                                                 : (int)ncpu};
    bool have_count = false, have_seed = false;
    unsigned long long v = 0;
    ap_error err = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "--lines") == 0) {
            o.lines = true;
            continue;
        }
        if (strcmp(a, "--quiet") == 0) {
            o.progress = false;
            continue;
        }
        bool takes = strcmp(a, "--count") == 0 || strcmp(a, "--seed") == 0 ||
                     strcmp(a, "--out") == 0 || strcmp(a, "--formats") == 0 ||
                     strcmp(a, "--degrade") == 0 || strcmp(a, "--layout") == 0 ||
                     strcmp(a, "--jobs") == 0 || strcmp(a, "--contact-sheet") == 0 ||
                     strcmp(a, "--oldstyle") == 0;
        if (!takes) return cli_die_usage("datagen", "unexpected argument '%s'", a);
        if (i + 1 >= argc) return cli_die_usage("datagen", "%s needs a value", a);
        const char *val = argv[++i];
        if (strcmp(a, "--count") == 0) {
            if (!parse_u64(val, 1, DG_MAX_COUNT, &v))
                return cli_die_usage("datagen",
                                     "--count must be a whole number from 1 to %d, not '%s'",
                                     DG_MAX_COUNT, val);
            o.count = (size_t)v, have_count = true;
        } else if (strcmp(a, "--seed") == 0) {
            if (!parse_u64(val, 0, ULLONG_MAX, &v))
                return cli_die_usage("datagen", "--seed must be an unsigned whole number, not '%s'",
                                     val);
            o.seed = (uint64_t)v, have_seed = true;
        } else if (strcmp(a, "--out") == 0) {
            if (!*val) return cli_die_usage("datagen", "--out must name a directory");
            o.out_dir = val;
        } else if (strcmp(a, "--formats") == 0) {
            if (dg_parse_formats(val, &o.formats, &err) != AP_OK)
                return cli_die_usage("datagen", "--formats: %s", err.msg);
        } else if (strcmp(a, "--degrade") == 0) {
            int k = 0;
            while (k < 3 && strcmp(levels[k], val) != 0)
                k++;
            if (k == 3)
                return cli_die_usage("datagen", "--degrade must be none, light or heavy, not '%s'",
                                     val);
            o.degrade = (dg_degrade)k;
        } else if (strcmp(a, "--layout") == 0) {
            int k = 0;
            while (k < 4 && strcmp(layouts[k], val) != 0)
                k++;
            if (k == 4)
                return cli_die_usage(
                    "datagen", "--layout must be mixed, grid-rows, grid-cols or lists, not '%s'",
                    val);
            o.layout = (dg_layout)k;
        } else if (strcmp(a, "--oldstyle") == 0) {
            if (!parse_u64(val, 0, 100, &v))
                return cli_die_usage(
                    "datagen", "--oldstyle must be a whole percentage from 0 to 100, not '%s'",
                    val);
            o.oldstyle = (int)v;
        } else if (strcmp(a, "--jobs") == 0) {
            if (!parse_u64(val, 1, DG_MAX_JOBS, &v))
                return cli_die_usage("datagen",
                                     "--jobs must be a whole number from 1 to %d, not '%s'",
                                     DG_MAX_JOBS, val);
            o.jobs = (int)v;
        } else {
            o.contact_sheet = val;
        }
    }
    if (!have_count) return cli_die_usage("datagen", "--count is required");
    if (!have_seed) return cli_die_usage("datagen", "--seed is required");
    if (!o.out_dir) return cli_die_usage("datagen", "--out is required");
    if (dg_generate(&o, &err) != AP_OK) {
        fprintf(stderr, "aipipe datagen: %s\n", err.msg);
        return 1;
    }
    return 0;
}
