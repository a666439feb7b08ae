/* Proves: datagen's PRNG streams are reproducible and independent; every time notation it
 * prints reads back (under EVAL.md's rules: 1:00-5:59 without am/pm is afternoon) to the
 * exact minutes it was drawn from; the page model is deterministic per (seed, index) and
 * consistent for every layout family (cells inside their table and never overlapping,
 * gold blocks valid, sorted, in school hours, every block's name drawn in some cell); the
 * format list parser accepts every subset and refuses anything else; the extra text lines
 * of --lines cover printable ASCII and the typographic characters; a line crop keeps its
 * size through its page's damage, seeded, and a JPEG page's crop is JPEG-coded even when
 * nothing else damages it. No rendering here: the integration test renders and opens the
 * files. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "train/datagen_internal.h"

/* TESTABLE in datagen_model.c */
void dg_fmt_range_style(char *buf, size_t size, int start, int end, uint64_t style_seed);

static void test_rng_streams(void **state)
{
    (void)state;
    dg_rng a, b, c;
    dg_rng_seed(&a, 42, 7);
    dg_rng_seed(&b, 42, 7);
    dg_rng_seed(&c, 42, 8);
    int same = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = dg_rng_next(&a), y = dg_rng_next(&b), z = dg_rng_next(&c);
        assert_true(x == y);
        same += x == z;
    }
    assert_true(same == 0);
    dg_rng_seed(&a, 1, 0);
    for (int i = 0; i < 10000; i++) {
        int v = dg_rng_range(&a, 3, 9);
        assert_true(v >= 3 && v <= 9);
        double u = dg_rng_unit(&a);
        assert_true(u >= 0 && u < 1);
    }
}

/* An independent reader of the notations: h[:.]mm, optional am/pm (any case, optional
 * space), ranges joined by a hyphen or an en dash with optional spaces. Returns the number
 * of times read (1 or 2); -1 when the text is not one of the notations. */
static int read_times(const char *s, int out[2])
{
    int n = 0;
    const char *p = s;
    while (*p && n < 2) {
        if (!isdigit((unsigned char)*p)) return -1;
        int h = 0, m = 0, digits = 0;
        while (isdigit((unsigned char)*p) && digits < 2)
            h = h * 10 + (*p++ - '0'), digits++;
        if (*p == ':' || *p == '.') {
            p++;
            if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1])) return -1;
            m = (p[0] - '0') * 10 + (p[1] - '0');
            p += 2;
        }
        const char *q = p;
        if (*q == ' ') q++;
        int suffix = 0; /* 1 am, 2 pm */
        if ((q[0] == 'a' || q[0] == 'A') && (q[1] == 'm' || q[1] == 'M'))
            suffix = 1, p = q + 2;
        else if ((q[0] == 'p' || q[0] == 'P') && (q[1] == 'm' || q[1] == 'M'))
            suffix = 2, p = q + 2;
        if (suffix == 2 && h < 12)
            h += 12;
        else if (suffix == 1 && h == 12)
            h = 0;
        else if (suffix == 0 && h >= 1 && h <= 5)
            h += 12; /* EVAL.md: school afternoon */
        out[n++] = h * 60 + m;
        if (!*p) break;
        if (strncmp(p, " - ", 3) == 0)
            p += 3;
        else if (strncmp(p, " – ", 5) == 0)
            p += 5;
        else if (*p == '-')
            p += 1;
        else if (strncmp(p, "–", 3) == 0)
            p += 3;
        else
            return -1;
    }
    return *p ? -1 : n;
}

static void test_time_notations_read_back(void **state)
{
    (void)state;
    char buf[64];
    int checked = 0;
    for (uint64_t style = 0; style < 400; style++) {
        /* School hours: everything drawn lies within 8:00-17:59. */
        for (int start = 8 * 60; start < 16 * 60; start += 25) {
            int end = start + 5 * (int)(1 + (style + (uint64_t)start) % 18);
            int got[2] = {-1, -1};
            dg_fmt_range_style(buf, sizeof buf, start, end, style);
            int n = read_times(buf, got);
            if (n != 2 || got[0] != start || got[1] != end)
                fail_msg("style %llu: '%s' read as %d:%d-%d, drawn %d-%d",
                         (unsigned long long)style, buf, n, got[0], got[1], start, end);
            dg_fmt_range_style(buf, sizeof buf, start, TT_NO_TIME, style);
            n = read_times(buf, got);
            if (n != 1 || got[0] != start)
                fail_msg("style %llu: single '%s' misread", (unsigned long long)style, buf);
            checked++;
        }
    }
    assert_true(checked > 1000);
}

static char *gold_json(const tt_doc *d)
{
    json_t *j = tt_doc_to_json(d, 0);
    assert_non_null(j);
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    assert_non_null(s);
    return s;
}

/* Is name drawn in some cell of the page (or, for a word spelled one letter per day, are
 * all its letters drawn as one-letter cells)? */
static bool drawn(const dg_page *pg, const char *name)
{
    for (int t = 0; t < pg->ntables; t++)
        for (size_t i = 0; i < pg->tables[t].ncells; i++)
            if (strcmp(pg->tables[t].cells[i].text, name) == 0) return true;
    for (const char *p = name; *p; p++) {
        bool found = false;
        for (int t = 0; t < pg->ntables && !found; t++)
            for (size_t i = 0; i < pg->tables[t].ncells && !found; i++)
                found = pg->tables[t].cells[i].text[0] == *p && pg->tables[t].cells[i].text[1] == 0;
        if (!found) return false;
    }
    return true;
}

static void check_model(dg_layout layout, size_t docs)
{
    dg_fonts fonts = {.names = {"DejaVu Sans", "Comic Neue"}, .heldout = {false, true}, .n = 2};
    int grid_spans = 0, merges_down = 0, rotated = 0, notes = 0, cell_times = 0;
    for (size_t idx = 0; idx < docs; idx++) {
        dg_page pg, pg2;
        tt_doc gold, gold2;
        ap_error err = {0};
        assert_int_equal(dg_model_build(99, idx, layout, &fonts, &pg, &gold, &err), AP_OK);
        assert_int_equal(dg_model_build(99, idx, layout, &fonts, &pg2, &gold2, &err), AP_OK);
        char *a = gold_json(&gold), *b = gold_json(&gold2);
        assert_string_equal(a, b);
        free(a);
        free(b);
        if (layout != DG_LAYOUT_MIXED) assert_int_equal(pg.family, layout);
        if (pg.split == 0) assert_string_equal(pg.style.font, "DejaVu Sans");
        assert_true(pg.ntables >= 1 && pg.ntables <= DG_MAX_PANELS);
        assert_true(gold.nblocks > 0);
        for (int t = 0; t < pg.ntables; t++) {
            const dg_table *tb = &pg.tables[t];
            assert_true(tb->rows > 0 && tb->rows <= DG_MAX_TRACKS && tb->cols > 0 &&
                        tb->cols <= DG_MAX_TRACKS);
            char occ[DG_MAX_TRACKS][DG_MAX_TRACKS];
            memset(occ, 0, sizeof occ);
            for (size_t i = 0; i < tb->ncells; i++) {
                const dg_cell *c = &tb->cells[i];
                assert_true(c->row >= 0 && c->col >= 0 && c->rowspan >= 1 && c->colspan >= 1);
                assert_true(c->row + c->rowspan <= tb->rows && c->col + c->colspan <= tb->cols);
                for (int r = c->row; r < c->row + c->rowspan; r++)
                    for (int q = c->col; q < c->col + c->colspan; q++) {
                        if (occ[r][q]) fail_msg("doc %zu: cells overlap at %d,%d", idx, r, q);
                        occ[r][q] = 1;
                    }
                grid_spans += c->colspan > 1 && !(c->flags & DG_CELL_HEADER);
                merges_down += c->rowspan > 1 && !(c->flags & DG_CELL_HEADER);
                rotated += c->rotation != 0;
                notes += c->note[0] != 0;
                cell_times += c->time[0] != 0;
            }
        }
        for (size_t i = 0; i < gold.nblocks; i++) {
            const tt_block *bl = &gold.blocks[i];
            assert_true(bl->day >= 0 && bl->day <= 4);
            assert_true(bl->name[0] != 0);
            assert_true(bl->start >= 8 * 60 && bl->start < 17 * 60);
            assert_true(bl->end == TT_NO_TIME || (bl->end > bl->start && bl->end <= 17 * 60 + 30));
            if (i > 0) {
                const tt_block *pr = &gold.blocks[i - 1];
                assert_true(pr->day < bl->day || (pr->day == bl->day && pr->start <= bl->start));
            }
            if (!drawn(&pg, bl->name))
                fail_msg("doc %zu: gold name '%s' is not drawn", idx, bl->name);
        }
        dg_page_free(&pg);
        dg_page_free(&pg2);
        tt_doc_free(&gold);
        tt_doc_free(&gold2);
    }
    /* The features of the family do appear over a few dozen documents. */
    if (layout == DG_LAYOUT_GRID_ROWS) {
        assert_true(grid_spans > 0 && merges_down > 0 && rotated > 0);
    }
    if (layout != DG_LAYOUT_LISTS) assert_true(cell_times > 0);
    assert_true(notes > 0);
}

static void test_model_grid_rows(void **state)
{
    (void)state;
    check_model(DG_LAYOUT_GRID_ROWS, 60);
}
static void test_model_grid_cols(void **state)
{
    (void)state;
    check_model(DG_LAYOUT_GRID_COLS, 60);
}
static void test_model_lists(void **state)
{
    (void)state;
    check_model(DG_LAYOUT_LISTS, 60);
}
static void test_model_mixed(void **state)
{
    (void)state;
    check_model(DG_LAYOUT_MIXED, 60);
}

/* Decodes one UTF-8 sequence at *p (advanced); -1 when malformed. */
static long utf8_next(const unsigned char **p)
{
    const unsigned char *s = *p;
    int n = *s < 0x80 ? 1 : (*s & 0xe0) == 0xc0 ? 2 : (*s & 0xf0) == 0xe0 ? 3 : 0;
    if (!n) return -1;
    long cp = n == 1 ? *s : n == 2 ? (*s & 0x1f) : (*s & 0x0f);
    for (int k = 1; k < n; k++) {
        if ((s[k] & 0xc0) != 0x80) return -1;
        cp = (cp << 6) | (s[k] & 0x3f);
    }
    *p = s + n;
    return cp;
}

/* The extra text lines of --lines: deterministic per (seed, index), in the document's style
 * and split, every cell a non-empty valid UTF-8 line within DG_TEXT_MAX, and over a few
 * dozen documents they cover every printable ASCII character and the typographic ones. */
static void test_text_lines(void **state)
{
    (void)state;
    static const long typo[] = {0x2013, 0x2014, 0x2018, 0x2019, 0x201c, 0x201d,
                                0x00b7, 0x2022, 0x2026, 0x00a3, 0x20ac, 0x00b0};
    bool seen[128] = {false}, seen_typo[12] = {false};
    dg_fonts fonts;
    memset(&fonts, 0, sizeof fonts);
    fonts.names[0] = "DejaVu Sans";
    fonts.n = 1;
    for (size_t i = 0; i < 60; i++) {
        dg_page doc, tp, tp2;
        tt_doc gold;
        ap_error err = {0};
        assert_int_equal(dg_model_build(5, i, DG_LAYOUT_MIXED, &fonts, &doc, &gold, &err), AP_OK);
        assert_int_equal(dg_text_page_build(5, i, &doc, &tp, &err), AP_OK);
        assert_int_equal(dg_text_page_build(5, i, &doc, &tp2, &err), AP_OK);
        assert_int_equal(tp.ntables, 1);
        assert_true(tp.tables[0].ncells >= 16);
        assert_int_equal(tp.split, doc.split);
        assert_string_equal(tp.style.font, doc.style.font);
        for (size_t c = 0; c < tp.tables[0].ncells; c++) {
            const dg_cell *cell = &tp.tables[0].cells[c];
            assert_string_equal(cell->text, tp2.tables[0].cells[c].text);
            assert_int_equal(cell->kind, DG_KIND_TEXT);
            assert_true(cell->text[0] && strlen(cell->text) < DG_TEXT_MAX);
            assert_true(cell->row >= 0 && cell->row < tp.tables[0].rows);
            assert_true(cell->col >= 0 && cell->col < tp.tables[0].cols);
            const unsigned char *p = (const unsigned char *)cell->text;
            while (*p) {
                long cp = utf8_next(&p);
                assert_true(cp >= 0x20);
                if (cp < 128) seen[cp] = true;
                for (int k = 0; k < 12; k++)
                    if (cp == typo[k]) seen_typo[k] = true;
            }
        }
        dg_page_free(&tp);
        dg_page_free(&tp2);
        dg_page_free(&doc);
        tt_doc_free(&gold);
    }
    for (int c = 0x20; c < 0x7f; c++)
        if (!seen[c]) fail_msg("printable ASCII 0x%02x never drawn", c);
    for (int k = 0; k < 12; k++)
        if (!seen_typo[k]) fail_msg("typographic U+%04lX never drawn", typo[k]);
}

/* A crop of 2-pixel stripes: black, white, ... (a stand-in for small print). */
static PIX *stripes(void)
{
    PIX *p = pixCreate(120, 30, 32);
    assert_non_null(p);
    pixSetAll(p);
    for (int y = 0; y < 30; y++)
        for (int x = 0; x < 120; x++)
            if (x / 2 % 2 == 0) pixSetPixel(p, x, y, 0);
    return p;
}

static bool same_pixels(PIX *a, PIX *b)
{
    l_int32 same = 0;
    return pixEqual(a, b, &same) == 0 && same;
}

static void test_line_degrade(void **state)
{
    (void)state;
    ap_error err = {0};
    dg_rng rng;
    dg_rng_seed(&rng, 5, 0);
    PIX *clean = stripes(), *p = pixClone(clean);
    /* no damage and a PNG page: the crop is the clean crop */
    assert_int_equal(dg_degrade_line(&p, DG_DEGRADE_NONE, 0, &rng, &err), AP_OK);
    assert_true(same_pixels(p, clean));
    /* a JPEG page: its crop is JPEG-coded too, at its size */
    assert_int_equal(dg_degrade_line(&p, DG_DEGRADE_NONE, 60, &rng, &err), AP_OK);
    assert_int_equal(pixGetWidth(p), 120);
    assert_int_equal(pixGetHeight(p), 30);
    assert_false(same_pixels(p, clean));
    pixDestroy(&p);
    /* damaged crops keep their size, and a seed gives the same pixels */
    int changed = 0;
    for (uint64_t s = 0; s < 40; s++) {
        PIX *a = pixClone(clean), *b = pixClone(clean);
        dg_rng ra, rb;
        dg_rng_seed(&ra, 9, s);
        dg_rng_seed(&rb, 9, s);
        assert_int_equal(dg_degrade_line(&a, DG_DEGRADE_LIGHT, 0, &ra, &err), AP_OK);
        assert_int_equal(dg_degrade_line(&b, DG_DEGRADE_LIGHT, 0, &rb, &err), AP_OK);
        assert_int_equal(pixGetWidth(a), 120);
        assert_int_equal(pixGetHeight(a), 30);
        assert_true(same_pixels(a, b));
        changed += !same_pixels(a, clean);
        pixDestroy(&a);
        pixDestroy(&b);
    }
    assert_true(changed > 20);
    pixDestroy(&clean);
}

static void test_parse_formats(void **state)
{
    (void)state;
    unsigned f = 0;
    ap_error err = {0};
    assert_int_equal(dg_parse_formats("png", &f, &err), AP_OK);
    assert_int_equal(f, DG_FMT_PNG);
    assert_int_equal(dg_parse_formats("docx,pdf,jpg,png", &f, &err), AP_OK);
    assert_int_equal(f, DG_FMT_PNG | DG_FMT_JPG | DG_FMT_PDF | DG_FMT_DOCX);
    assert_int_equal(dg_parse_formats("png,bmp", &f, &err), AP_ERR_INVALID);
    assert_non_null(strstr(err.msg, "bmp"));
    assert_int_equal(dg_parse_formats("", &f, &err), AP_ERR_INVALID);
    assert_int_equal(dg_parse_formats(",", &f, &err), AP_ERR_INVALID);
}

static void test_bad_options(void **state)
{
    (void)state;
    ap_error err = {0};
    dg_options o = {.count = 0, .out_dir = "/tmp/x", .formats = DG_FMT_PNG, .jobs = 1};
    assert_int_equal(dg_generate(&o, &err), AP_ERR_INVALID);
    o.count = 1, o.jobs = 0;
    assert_int_equal(dg_generate(&o, &err), AP_ERR_INVALID);
    o.jobs = 1, o.formats = 0;
    assert_int_equal(dg_generate(&o, &err), AP_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng_streams),     cmocka_unit_test(test_time_notations_read_back),
        cmocka_unit_test(test_model_grid_rows), cmocka_unit_test(test_model_grid_cols),
        cmocka_unit_test(test_model_lists),     cmocka_unit_test(test_model_mixed),
        cmocka_unit_test(test_parse_formats),   cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_text_lines),      cmocka_unit_test(test_line_degrade),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
