/* `aipipe extract FILE`: one timetable document to timeblocks, without a server. JSON is
 * the EVAL.md shape plus confidence, bbox and warnings; CSV and iCalendar are for people
 * and calendars. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <sys/stat.h>

#include "cli/cli.h"
#include "core/log.h"
#include "document/extract.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: aipipe extract FILE [--format json|csv|ics] [--debug-dir DIR]\n"
            "                           [--threads N] [--language LANG] [--tessdata-dir DIR]\n"
            "                           [--ocr-engine tesseract|fine_tuned_ocr|auto] [--ocr-model "
            "DIR]\n\n"
            "Reads a teacher's timetable (an image: png, jpeg, tiff, webp, ...; a PDF; a\n"
            "Word file, docx) and prints every timeblock: day, name as printed, start, end,\n"
            "notes.\n\n"
            "  --format json   the EVAL.md JSON with confidence, bbox and warnings (default)\n"
            "  --format csv    day,start,end,name,notes,confidence\n"
            "  --format ics    an iCalendar file of weekly repeating events\n"
            "  --debug-dir DIR write lines.png (rules found) and cells.png (cells, coloured by\n"
            "                  reading direction: green upright, red bottom-to-top, blue\n"
            "                  top-to-bottom, grey empty; text outside the tables orange)\n"
            "                  into DIR, with cells.tsv (what was read in each); for images\n"
            "                  also perspective.png (the table or paper outline: green when\n"
            "                  the photo was flattened by it, red when left); a page read\n"
            "                  again turned writes each turn's into DIR/turned-90, -180, -270;\n"
            "                  a PDF writes each page's into DIR/page-1, ... (a page read from\n"
            "                  its text: its rules, red where drawn, orange where implied);\n"
            "                  a Word file's tables write cells.tsv alone\n"
            "  --threads N     cells read in parallel (default 2)\n" CLI_OCR_USAGE
            "Exit codes: 0 ok, 1 the file could not be read, 2 bad arguments.\n");
}

/* CSV field: quoted when it holds a comma, quote or newline. */
static void csv_field(FILE *f, const char *s)
{
    if (!s) return;
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void print_csv(const tt_doc *doc)
{
    printf("day,start,end,name,notes,confidence\n");
    for (size_t i = 0; i < doc->nblocks; i++) {
        const tt_block *b = &doc->blocks[i];
        char s[8], e[8];
        const char *ss = tt_time_str(b->start, s, sizeof s), *es = tt_time_str(b->end, e, sizeof e);
        printf("%s,%s,%s,", tt_day_names[b->day], ss ? ss : "", es ? es : "");
        csv_field(stdout, b->name);
        fputc(',', stdout);
        csv_field(stdout, b->notes);
        printf(",%.2f\n", b->confidence);
    }
}

/* iCalendar text value: backslash, comma, semicolon and newline escaped. */
static void ics_text(const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\\' || *s == ',' || *s == ';') putchar('\\');
        if (*s == '\n') {
            fputs("\\n", stdout);
            continue;
        }
        putchar(*s);
    }
}

static void print_ics(const tt_doc *doc)
{
    static const char *const byday[7] = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"};
    /* Events recur weekly from a fixed Monday (2024-01-01); the calendar app moves them. */
    printf("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//aipipe//extract//EN\r\n");
    for (size_t i = 0; i < doc->nblocks; i++) {
        const tt_block *b = &doc->blocks[i];
        if (b->start == TT_NO_TIME) continue;
        int end = b->end == TT_NO_TIME ? b->start : b->end;
        printf("BEGIN:VEVENT\r\nUID:aipipe-%zu@timetable\r\nDTSTAMP:20240101T000000Z\r\n", i);
        printf("DTSTART:202401%02dT%02d%02d00\r\n", 1 + b->day, b->start / 60, b->start % 60);
        printf("DTEND:202401%02dT%02d%02d00\r\n", 1 + b->day, end / 60, end % 60);
        printf("RRULE:FREQ=WEEKLY;BYDAY=%s\r\nSUMMARY:", byday[b->day]);
        ics_text(b->name);
        if (b->notes) {
            fputs("\r\nDESCRIPTION:", stdout);
            ics_text(b->notes);
        }
        printf("\r\nEND:VEVENT\r\n");
    }
    printf("END:VCALENDAR\r\n");
}

int cli_extract(int argc, char **argv)
{
    const char *file = NULL, *format = "json", *debug_dir = NULL, *language = "eng",
               *tessdata = NULL;
    int threads = 2;
    tt_extract_options opts = {0};
    if (cli_ocr_defaults("extract", &opts) != 0) return 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        int taken = cli_ocr_flag("extract", argc, argv, &i, &opts);
        if (taken == 2) return 2;
        if (taken) continue;
        int takes_value = strcmp(a, "--format") == 0 || strcmp(a, "--debug-dir") == 0 ||
                          strcmp(a, "--threads") == 0 || strcmp(a, "--language") == 0 ||
                          strcmp(a, "--tessdata-dir") == 0;
        if (takes_value && i + 1 >= argc) return cli_die_usage("extract", "%s needs a value", a);
        if (strcmp(a, "--format") == 0) {
            format = argv[++i];
            if (strcmp(format, "json") && strcmp(format, "csv") && strcmp(format, "ics"))
                return cli_die_usage("extract", "--format must be json, csv or ics");
        } else if (strcmp(a, "--debug-dir") == 0) {
            debug_dir = argv[++i];
        } else if (strcmp(a, "--threads") == 0) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > TT_EXTRACT_MAX_THREADS)
                return cli_die_usage("extract", "--threads must be 1..%d", TT_EXTRACT_MAX_THREADS);
            threads = (int)v;
        } else if (strcmp(a, "--language") == 0) {
            language = argv[++i];
        } else if (strcmp(a, "--tessdata-dir") == 0) {
            tessdata = argv[++i];
        } else if (a[0] == '-' || file) {
            return cli_die_usage("extract", "unexpected argument '%s'", a);
        } else {
            file = a;
        }
    }
    if (!file) return cli_die_usage("extract", "no FILE given");
    if (debug_dir && mkdir(debug_dir, 0755) != 0) {
        struct stat sb;
        if (stat(debug_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            fprintf(stderr, "aipipe extract: cannot create the debug directory %s\n", debug_dir);
            return 1;
        }
    }

#ifdef __GLIBC__
    /* One document, then exit: keep freed memory for the next page-sized buffer rather
     * than handing it back to the kernel and faulting it in again (glibc maps every
     * buffer of a few megabytes afresh until one is freed, and trims the heap above 128
     * KiB): a third fewer page faults, a few percent of the CPU time. */
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
    ap_error err = {0};
    tt_doc doc = {0};
    ocr_options ocr = {.engine = "tesseract", .language = language, .datapath = tessdata};
    tt_extract_stats stats = {0};
    opts.ocr = &ocr, opts.threads = threads, opts.debug_dir = debug_dir, opts.stats = &stats;
    if (tt_extract_file_opts(file, &opts, &doc, &err) != AP_OK) {
        fprintf(stderr, "aipipe extract: %s: %s\n", file, err.msg);
        return 1;
    }
    log_debug("extract: %zu cells read: %zu by the CRNN (%s), %zu by Tesseract (%s), "
              "%zu of those after a doubtful CRNN reading",
              stats.cells, stats.crnn_cells, stats.crnn_version, stats.cells - stats.crnn_cells,
              stats.tesseract_version, stats.fallback_cells);
    int rc = 0;
    if (strcmp(format, "csv") == 0) {
        print_csv(&doc);
    } else if (strcmp(format, "ics") == 0) {
        print_ics(&doc);
    } else {
        json_t *j = tt_doc_to_json(&doc, TT_JSON_EXTRAS);
        if (!j || json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
            fprintf(stderr, "aipipe extract: out of memory\n");
            rc = 1;
        } else {
            fputc('\n', stdout);
        }
        json_decref(j);
    }
    tt_doc_free(&doc);
    return rc;
}
