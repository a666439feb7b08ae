/* `aipipe eval`: EVAL.md's score of predictions (or of the extractor itself, --run) against
 * a directory of gold JSON files, per document and pooled, as a text table or JSON.
 *
 * Pairing: a gold file NAME.json is scored against PRED/NAME.json; a gold file without a
 * prediction counts as an empty prediction (a document the extractor skipped is a miss,
 * not a hole in the average). With --run, the document is the file gold's "source" names
 * next to the gold file, else NAME.<ext> for the document extensions we read.
 *
 * Exit codes: 0 scored; 1 some document could not be scored as asked (unreadable gold, a
 * malformed prediction, a failed extraction: those are still scored, as empty predictions,
 * so the table stays complete); 2 bad usage. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "document/eval.h"
#include "document/extract.h"
#include "document/timetable.h"

#define EVAL_MAX_DOCS 100000 /* gold files in one directory */

static const char *const meta_names[EV_META_FIELDS] = {"teacher", "className", "term", "year"};
static const char *const doc_exts[] = {"png", "jpg",  "jpeg", "tif", "tiff", "webp", "bmp", "gif",
                                       "pdf", "docx", "PNG",  "JPG", "JPEG", "PDF",  "DOCX"};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: aipipe eval --gold DIR|FILE --pred DIR|FILE [--json] [--verbose]\n"
            "       aipipe eval --gold DIR|FILE --run [--ocr-engine E] [--ocr-model DIR] [--json]\n"
            "                   [--verbose]\n\n"
            "Scores timetable extraction against gold JSON files with the metric of EVAL.md:\n"
            "timeblocks matched one-to-one within a day by name similarity >= 0.8; name_f1,\n"
            "strict_f1 (start and end within 5 minutes of gold) and meta (teacher, className,\n"
            "term, year), per document and pooled over all of them (counts summed first).\n\n"
            "  --gold DIR|FILE  gold files (*.json in DIR, or one file)\n"
            "  --pred DIR|FILE  predictions: DIR/NAME.json for gold NAME.json (a missing one\n"
            "                   scores as an empty prediction), or one file for one gold file\n"
            "  --run            extract each gold file's document (its \"source\" next to it,\n"
            "                   else NAME.png/.jpg/.pdf/.docx/...) and score the result\n"
            "  --json           print the figures as JSON instead of a table\n" CLI_OCR_USAGE
            "  --verbose        also list unmatched and time-wrong timeblocks per document\n\n"
            "Exit codes: 0 scored, 1 a document could not be read, scored or extracted (it\n"
            "counts as an empty prediction), 2 bad arguments.\n");
}

/* One document's row. */
typedef struct eval_row {
    char *name; /* gold base name without .json */
    char *gold_path;
    char *pred_path; /* the prediction or document used, or NULL when none was found */
    int missing;     /* no prediction (or document) found */
    char error[300]; /* why this row was scored as empty, or "" */
    tt_doc gold, pred;
    ev_counts counts;
    ev_match *matches;
    size_t nmatches;
} eval_row;

static void row_free(eval_row *r)
{
    free(r->name);
    free(r->gold_path);
    free(r->pred_path);
    free(r->matches);
    tt_doc_free(&r->gold);
    tt_doc_free(&r->pred);
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* dir + "/" + name, or NULL when it would not fit PATH_MAX or memory ran out. */
static char *path_join(const char *dir, const char *name)
{
    char buf[PATH_MAX];
    int n = snprintf(buf, sizeof buf, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof buf) return NULL;
    return strdup(buf);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The gold files' names (*.json, sorted, caller frees each and the array). Returns 0, or
 * -1 with a message on stderr. */
static int list_gold(const char *dir, char ***names_out, size_t *n_out)
{
    int rc = -1;
    char **names = NULL;
    size_t n = 0, cap = 0;
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "aipipe eval: %s: %s\n", dir, strerror(errno));
        goto out;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !ends_with(e->d_name, ".json")) continue;
        if (n == EVAL_MAX_DOCS) {
            fprintf(stderr, "aipipe eval: %s: more than %d gold files\n", dir, EVAL_MAX_DOCS);
            goto out;
        }
        if (n == cap) {
            size_t c = cap ? cap * 2 : 16;
            char **grown = realloc(names, c * sizeof *grown);
            if (!grown) goto oom;
            names = grown;
            cap = c;
        }
        if (!(names[n] = strdup(e->d_name))) goto oom;
        n++;
    }
    if (n) qsort(names, n, sizeof *names, cmp_str);
    *names_out = names;
    *n_out = n;
    names = NULL;
    rc = 0;
    goto out;
oom:
    fprintf(stderr, "aipipe eval: out of memory listing %s\n", dir);
out:
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
    if (d) closedir(d);
    return rc;
}

/* Predictions in pred_dir that no gold file names: said once on stderr, since a typo in a
 * file name would otherwise silently score as a miss. */
static void note_orphans(const char *pred_dir, char **gold, size_t ngold)
{
    char **pred = NULL;
    size_t npred = 0;
    if (list_gold(pred_dir, &pred, &npred) != 0) return;
    for (size_t i = 0; i < npred; i++) {
        if (!bsearch(&pred[i], gold, ngold, sizeof *gold, cmp_str))
            fprintf(stderr, "aipipe eval: note: %s/%s has no gold file; ignored\n", pred_dir,
                    pred[i]);
        free(pred[i]);
    }
    free(pred);
}

/* The document a gold file was transcribed from, for --run (caller frees), or NULL. */
static char *find_document(const char *gold_dir, const char *stem, const tt_doc *gold)
{
    char *path = NULL;
    if (gold->source && gold->source[0] && !strchr(gold->source, '/')) {
        path = path_join(gold_dir, gold->source);
        if (path && is_file(path)) return path;
        free(path);
        path = NULL;
    }
    for (size_t i = 0; i < sizeof doc_exts / sizeof doc_exts[0]; i++) {
        char name[NAME_MAX + 1];
        int n = snprintf(name, sizeof name, "%s.%s", stem, doc_exts[i]);
        if (n < 0 || (size_t)n >= sizeof name) continue;
        path = path_join(gold_dir, name);
        if (path && is_file(path)) return path;
        free(path);
        path = NULL;
    }
    return NULL;
}

/* Fills r's prediction (from a file or by extraction) and scores it. Returns 0, or 1
 * when the row had to be scored as empty for a reason worth failing the run over. */
static int score_row(eval_row *r, const char *gold_dir, const char *pred_arg, int pred_is_dir,
                     int run, const tt_extract_options *xo, int verbose)
{
    int failed = 0;
    ap_error err = {0};
    if (run) {
        r->pred_path = find_document(gold_dir, r->name, &r->gold);
        if (!r->pred_path) {
            r->missing = 1;
            snprintf(r->error, sizeof r->error, "no document found for %s", r->name);
            failed = 1;
        } else if (tt_extract_file_opts(r->pred_path, xo, &r->pred, &err) != AP_OK) {
            snprintf(r->error, sizeof r->error, "extraction failed: %s", err.msg);
            tt_doc_free(&r->pred);
            failed = 1;
        }
    } else {
        if (pred_is_dir) {
            char file[NAME_MAX + 1];
            int n = snprintf(file, sizeof file, "%s.json", r->name);
            if (n > 0 && (size_t)n < sizeof file) r->pred_path = path_join(pred_arg, file);
        } else {
            r->pred_path = strdup(pred_arg);
        }
        if (!r->pred_path || !is_file(r->pred_path)) {
            r->missing = 1; /* an empty prediction, as EVAL.md scores a skipped document */
        } else if (tt_doc_load(r->pred_path, &r->pred, &err) != AP_OK) {
            snprintf(r->error, sizeof r->error, "%s", err.msg);
            tt_doc_free(&r->pred);
            failed = 1;
        }
    }
    if (ev_score_doc_matches(&r->gold, &r->pred, &r->counts, verbose ? &r->matches : NULL,
                             verbose ? &r->nmatches : NULL, &err) != AP_OK) {
        snprintf(r->error, sizeof r->error, "cannot score: %s", err.msg);
        r->counts = (ev_counts){.docs = 1, .gold = r->gold.nblocks, .pred = r->pred.nblocks};
        failed = 1;
    }
    return failed;
}

static json_t *counts_json(const ev_counts *c)
{
    double meta = ev_meta_score(c);
    return json_pack("{s:{s:I,s:I,s:I,s:I,s:I,s:I},s:f,s:f,s:o}", "counts", "gold",
                     (json_int_t)c->gold, "pred", (json_int_t)c->pred, "name_tp",
                     (json_int_t)c->name_tp, "strict_tp", (json_int_t)c->strict_tp, "meta_given",
                     (json_int_t)c->meta_given, "meta_right", (json_int_t)c->meta_right, "name_f1",
                     ev_name_f1(c), "strict_f1", ev_strict_f1(c), "meta",
                     meta < 0 ? json_null() : json_real(meta));
}

static json_t *block_json(const tt_block *b)
{
    char s[8], e[8];
    const char *start = tt_time_str(b->start, s, sizeof s), *end = tt_time_str(b->end, e, sizeof e);
    return json_pack("{s:s,s:s,s:o,s:o}", "day", tt_day_names[b->day % 7], "name", b->name,
                     "startTime", start ? json_string(start) : json_null(), "endTime",
                     end ? json_string(end) : json_null());
}

/* Unmatched gold, unmatched predictions and matches outside the time tolerance. */
static json_t *details_json(const eval_row *r)
{
    json_t *o = json_object(), *ug = json_array(), *up = json_array(), *bad = json_array();
    unsigned char *gm = calloc(r->gold.nblocks + 1, 1), *pm = calloc(r->pred.nblocks + 1, 1);
    if (!o || !ug || !up || !bad || !gm || !pm) {
        json_decref(o);
        json_decref(ug);
        json_decref(up);
        json_decref(bad);
        o = NULL;
        goto out;
    }
    for (size_t k = 0; k < r->nmatches; k++) {
        const ev_match *m = &r->matches[k];
        gm[m->gold] = pm[m->pred] = 1;
        if (!m->strict)
            json_array_append_new(bad, json_pack("{s:o,s:o,s:f}", "gold",
                                                 block_json(&r->gold.blocks[m->gold]), "pred",
                                                 block_json(&r->pred.blocks[m->pred]), "similarity",
                                                 m->similarity));
    }
    for (size_t i = 0; i < r->gold.nblocks; i++)
        if (!gm[i]) json_array_append_new(ug, block_json(&r->gold.blocks[i]));
    for (size_t j = 0; j < r->pred.nblocks; j++)
        if (!pm[j]) json_array_append_new(up, block_json(&r->pred.blocks[j]));
    json_object_set_new(o, "unmatched_gold", ug);
    json_object_set_new(o, "unmatched_pred", up);
    json_object_set_new(o, "time_mismatches", bad);
out:
    free(gm);
    free(pm);
    return o;
}

static int print_json(const eval_row *rows, size_t n, const ev_counts *pooled, int verbose)
{
    int rc = 1;
    json_t *docs = json_array(), *root = NULL;
    if (!docs) goto out;
    for (size_t i = 0; i < n; i++) {
        const eval_row *r = &rows[i];
        json_t *d = json_object(), *c = counts_json(&r->counts), *fields = json_object();
        if (!d || !c || !fields) {
            json_decref(d);
            json_decref(c);
            json_decref(fields);
            goto out;
        }
        json_object_set_new(d, "document", json_string(r->name));
        for (int f = 0; f < EV_META_FIELDS; f++)
            if (r->counts.meta_given_mask & (1u << f))
                json_object_set_new(fields, meta_names[f],
                                    json_boolean(r->counts.meta_right_mask & (1u << f)));
        json_object_update(d, c);
        json_decref(c);
        json_object_set_new(d, "gold_file", json_string(r->gold_path));
        json_object_set_new(d, "pred_file",
                            r->pred_path && !r->missing ? json_string(r->pred_path) : json_null());
        json_object_set_new(d, "missing", json_boolean(r->missing));
        json_object_set_new(d, "error", r->error[0] ? json_string(r->error) : json_null());
        json_object_set_new(d, "meta_fields", fields);
        if (verbose) json_object_set_new(d, "details", details_json(r));
        json_array_append_new(docs, d);
    }
    json_t *p = json_pack("{s:I}", "documents", (json_int_t)pooled->docs),
           *pc = counts_json(pooled);
    if (!p || !pc) {
        json_decref(p);
        json_decref(pc);
        goto out;
    }
    json_object_update(p, pc);
    json_decref(pc);
    if (!(root = json_object())) {
        json_decref(p);
        goto out;
    }
    json_object_set_new(root, "documents", docs);
    docs = NULL;
    json_object_set_new(root, "pooled", p);
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    if (!text) goto out;
    puts(text);
    free(text);
    rc = 0;
out:
    if (rc) fprintf(stderr, "aipipe eval: out of memory writing JSON\n");
    json_decref(docs);
    json_decref(root);
    return rc;
}

static void print_block(const char *tag, const tt_block *b)
{
    char s[8], e[8];
    const char *start = tt_time_str(b->start, s, sizeof s), *end = tt_time_str(b->end, e, sizeof e);
    printf("    %-6s %-9s %5s-%-5s %s\n", tag, tt_day_names[b->day % 7], start ? start : "null",
           end ? end : "null", b->name);
}

static void print_details(const eval_row *r)
{
    unsigned char *gm = calloc(r->gold.nblocks + 1, 1), *pm = calloc(r->pred.nblocks + 1, 1);
    if (!gm || !pm) {
        printf("    (out of memory listing details)\n");
        goto out;
    }
    for (size_t k = 0; k < r->nmatches; k++) {
        const ev_match *m = &r->matches[k];
        gm[m->gold] = pm[m->pred] = 1;
        if (!m->strict) {
            print_block("gold", &r->gold.blocks[m->gold]);
            print_block("~pred", &r->pred.blocks[m->pred]);
        }
    }
    for (size_t i = 0; i < r->gold.nblocks; i++)
        if (!gm[i]) print_block("miss", &r->gold.blocks[i]);
    for (size_t j = 0; j < r->pred.nblocks; j++)
        if (!pm[j]) print_block("extra", &r->pred.blocks[j]);
out:
    free(gm);
    free(pm);
}

static void print_counts(const char *name, int width, const ev_counts *c, const char *note)
{
    char meta[32];
    if (c->meta_given)
        snprintf(meta, sizeof meta, "%zu/%zu", c->meta_right, c->meta_given);
    else
        snprintf(meta, sizeof meta, "-");
    printf("%-*s %6zu %6zu %7zu %9zu %7.3f %9.3f %6s%s%s\n", width, name, c->gold, c->pred,
           c->name_tp, c->strict_tp, ev_name_f1(c), ev_strict_f1(c), meta, note[0] ? "  " : "",
           note);
}

static void print_text(const eval_row *rows, size_t n, const ev_counts *pooled, int verbose)
{
    char pooled_name[64];
    snprintf(pooled_name, sizeof pooled_name, "pooled (%zu documents)", pooled->docs);
    int width = (int)strlen(pooled_name);
    for (size_t i = 0; i < n; i++) {
        int w = (int)strlen(rows[i].name);
        if (w > width) width = w > 60 ? 60 : w;
    }
    printf("%-*s %6s %6s %7s %9s %7s %9s %6s\n", width, "document", "gold", "pred", "name_tp",
           "strict_tp", "name_f1", "strict_f1", "meta");
    for (size_t i = 0; i < n; i++) {
        const eval_row *r = &rows[i];
        print_counts(r->name, width, &r->counts,
                     r->error[0]  ? r->error
                     : r->missing ? "(no prediction)"
                                  : "");
        if (verbose && !r->missing) print_details(r);
    }
    print_counts(pooled_name, width, pooled, "");
}

int cli_eval(int argc, char **argv)
{
    const char *gold_arg = NULL, *pred_arg = NULL;
    int run = 0, as_json = 0, verbose = 0, rc = 1;
    char **names = NULL;
    size_t nnames = 0;
    eval_row *rows = NULL;
    char *gold_dir = NULL;
    tt_extract_options xo = {0};
    if (cli_ocr_defaults("eval", &xo) != 0) return 2;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        int taken = cli_ocr_flag("eval", argc, argv, &i, &xo);
        if (taken == 2) return 2;
        if (taken) continue;
        if ((strcmp(a, "--gold") == 0 || strcmp(a, "--pred") == 0) && i + 1 >= argc)
            return cli_die_usage("eval", "%s needs a value", a);
        if (strcmp(a, "--gold") == 0)
            gold_arg = argv[++i];
        else if (strcmp(a, "--pred") == 0)
            pred_arg = argv[++i];
        else if (strcmp(a, "--run") == 0)
            run = 1;
        else if (strcmp(a, "--json") == 0)
            as_json = 1;
        else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0)
            verbose = 1;
        else
            return cli_die_usage("eval", "unexpected argument '%s'", a);
    }
    if (!gold_arg) return cli_die_usage("eval", "--gold is required");
    if (!pred_arg == !run) return cli_die_usage("eval", "give exactly one of --pred and --run");
    int gold_is_dir = is_dir(gold_arg), pred_is_dir = pred_arg && is_dir(pred_arg);
    if (!gold_is_dir && !is_file(gold_arg)) {
        fprintf(stderr, "aipipe eval: %s: no such file or directory\n", gold_arg);
        goto out;
    }
    if (pred_arg && gold_is_dir && !pred_is_dir)
        return cli_die_usage("eval", "--gold is a directory, so --pred must be one too");

    if (gold_is_dir) {
        if (list_gold(gold_arg, &names, &nnames) != 0) goto out;
        if (!(gold_dir = strdup(gold_arg))) goto oom;
        if (nnames == 0) {
            fprintf(stderr, "aipipe eval: %s: no *.json gold files\n", gold_arg);
            goto out;
        }
        if (pred_is_dir) note_orphans(pred_arg, names, nnames);
    } else {
        const char *slash = strrchr(gold_arg, '/');
        if (!(names = malloc(sizeof *names)) || !(names[0] = strdup(slash ? slash + 1 : gold_arg)))
            goto oom;
        nnames = 1;
        gold_dir = slash ? strndup(gold_arg, (size_t)(slash - gold_arg)) : strdup(".");
        if (!gold_dir) goto oom;
    }
    if (!(rows = calloc(nnames, sizeof *rows))) goto oom;

    int failed = 0;
    ev_counts pooled = {0};
    for (size_t i = 0; i < nnames; i++) {
        eval_row *r = &rows[i];
        ap_error err = {0};
        size_t stem = strlen(names[i]);
        if (ends_with(names[i], ".json")) stem -= 5;
        if (!(r->name = strndup(names[i], stem)) || !(r->gold_path = path_join(gold_dir, names[i])))
            goto oom;
        if (tt_doc_load(r->gold_path, &r->gold, &err) != AP_OK) {
            /* A broken gold file is the evaluation's own failure: say so and stop. */
            fprintf(stderr, "aipipe eval: gold %s\n", err.msg);
            goto out;
        }
        failed |= score_row(r, gold_dir, pred_arg, pred_is_dir, run, &xo, verbose);
        if (r->error[0]) fprintf(stderr, "aipipe eval: %s: %s\n", r->name, r->error);
        ev_counts_add(&pooled, &r->counts);
    }
    if (as_json) {
        if (print_json(rows, nnames, &pooled, verbose) != 0) goto out;
    } else {
        print_text(rows, nnames, &pooled, verbose);
    }
    rc = failed ? 1 : 0;
    goto out;
oom:
    fprintf(stderr, "aipipe eval: out of memory\n");
out:
    for (size_t i = 0; rows && i < nnames; i++)
        row_free(&rows[i]);
    free(rows);
    for (size_t i = 0; names && i < nnames; i++)
        free(names[i]);
    free(names);
    free(gold_dir);
    return rc;
}
