/* Proves: how the raster extractor chooses the reader of each cell (tt_extract_options
 * ocr_mode). With no CRNN model, every mode reads with Tesseract and succeeds. With a
 * CRNN model (built here with a fixed output, so no training is involved): fine_tuned_ocr
 * reads every cell with it and never opens Tesseract; auto keeps a confident reading
 * without opening Tesseract, and sends a cell the CRNN reads as nothing, or with low
 * confidence, to Tesseract, whose reading then gives the right timeblocks. Also the rule
 * that calls a reading implausible (misread times) against names and times of many
 * notations, the rank of a line in the choice between the two readings (a whole time
 * notation above a clock that lost its separator), the character prior's part in that
 * choice when the ranks are equal, the times that decide it before either (a clock
 * against junk, clocks with their separators against clocks without), and the count of
 * text lines that decides whether a crop is read as one line (lines whose ink touches
 * are two). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "document/extract.h"
#include "nn/charlm.h"
#include "nn/crnn.h"
#include "ocr/ocr.h"
#include "vision/image.h"

#include "test_draw.h"
#include "test_tiny_crnn.h"

int tt_line_implausible(const char *s); /* TESTABLE in raster_read.c */
int tt_line_rank(const char *s);        /* TESTABLE in raster_read.c */
int tt_prior_prefers(const ocr_engine *crnn, const char *a, const char *b); /* TESTABLE too */
int tt_times_decide(const char *a, const char *b);                          /* TESTABLE too */
int tt_count_text_lines(PIX *ink, int x, int y, int w, int h, int sideways, float glyphs);

static void test_implausible(void **state)
{
    (void)state;
    static const char *const fine[] = {
        "Maths",
        "8:50am-9:35am",
        "9.00 - 9.30",
        "Y5",
        "Room 12",
        "5B",
        "Set 2",
        "1-1.15pm",
        "12-1pm",
        "10:30",
        "Year 5.",
        "Teacher: Miss Joynes",
        "Term: Autumn 2 2024",
        "0900-1000",
        "Daily 5: Station 1",
        "(practical or TTRS)",
        "Lunch (12-1pm)",
        "",
    };
    static const char *const misread[] = {
        "S:S0kum-9: 35am", /* "8:50am-9:35am" */
        "9: 35am",         /* a clock with a space inside */
        "1:051:40",        /* a range without its dash */
        "Ma7hs",           /* a digit between letters */
        "8S0",             /* a letter between digits */
        "9:OO-9:15",       /* O read for 0 */
        "1O",              /* a row number 10 */
    };
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++)
        if (tt_line_implausible(fine[i])) fail_msg("'%s' called implausible", fine[i]);
    for (size_t i = 0; i < sizeof misread / sizeof misread[0]; i++)
        if (!tt_line_implausible(misread[i])) fail_msg("'%s' not called implausible", misread[i]);
}

/* A line's rank: a whole time notation above a line that lost its clock's separator
 * (Tesseract on small print), which ranks as a name does; an implausible line below. */
static void test_line_rank(void **state)
{
    (void)state;
    static const char *const times[] = {"9:55-10:20", "12:20-1:05pm",  "11.45-12.15",
                                        "8:30am",     "(9:00 - 9:30)", "1-1.15pm"};
    static const char *const other[] = {
        "8 55-9 1Sam",      "9-45-1005",          "121512 4", "1S 45am", "Maths",
        "Maths 9:00-10:00", "Daily 5: Station 1", "",         "10",      "11451215"};
    static const char *const below[] = {"9: 35am", "8S0", "9:OO-9:15"};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++)
        if (tt_line_rank(times[i]) != 1) fail_msg("'%s' not ranked a time", times[i]);
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        if (tt_line_rank(other[i]) != 0) fail_msg("'%s' not ranked 0", other[i]);
    for (size_t i = 0; i < sizeof below / sizeof below[0]; i++)
        if (tt_line_rank(below[i]) != -1) fail_msg("'%s' not ranked implausible", below[i]);
}

/* tt_times_decide: the CRNN's clock beats Tesseract's junk for it (1), even where the
 * clock is cut short and ranks as implausible, unless Tesseract read more lines (a name
 * the CRNN missed) or a time of its own; at equal rank, the reading that kept more clocks'
 * separators wins (2); names, a year, a clock both read, say nothing (0). */
static void test_times_decide(void **state)
{
    (void)state;
    assert_int_equal(tt_times_decide("10.35 \xe2\x80\x93\n1.5", "owt\net"), 1);
    assert_int_equal(tt_times_decide("9.10 \xe2\x80\x93 9:5", "S10 - Sus"), 1);
    assert_int_equal(tt_times_decide("L1:50", "0S:T"), 1);
    assert_int_equal(tt_times_decide("9:25-10:0\nSpanish", "wees\nSoans fh"), 1);
    /* Tesseract read more lines: the name under the clock may be only in its reading */
    assert_int_equal(tt_times_decide("w - 1:55PM", "wss-nas\nCELEBRATION"), 0);
    /* Tesseract read a time of its own, without separators */
    assert_int_equal(tt_times_decide("11:00-11:30\nSpanish", "1300-1130\nSpanish"), 2);
    assert_int_equal(tt_times_decide("8.45\xe2\x80\x93" "8.55", "845-855"), 2);
    /* Tesseract read more clocks than the CRNN did ("255 - 340 pm" is a range) */
    assert_int_equal(tt_times_decide("2:55 \xe2\x80\x93 30pm", "255 - 340 pm"), 0);
    assert_int_equal(tt_times_decide("11:00-11:30", "11:00 - 11:30"), 0);
    assert_int_equal(tt_times_decide("1:30 - 12:20 PM", "11:30 - 12:20 PM"), 0);
    assert_int_equal(tt_times_decide("Summer 2.2019", "Summer 2, 2019"), 0);
    assert_int_equal(tt_times_decide("Enghsh", "English"), 0);
    assert_int_equal(tt_times_decide("Room 12", "Rm 2"), 0);
    assert_int_equal(tt_times_decide("1035 - 10 55am", "J0.35 - 7055am"), 0);
}

/* A small timetable: days as rows, header times. */
static PIX *draw_timetable(void)
{
    cairo_surface_t *s;
    cairo_t *cr = canvas(560, 260, &s);
    int xs[4] = {20, 150, 330, 520}, ys[4] = {20, 90, 170, 250};
    for (int i = 0; i < 4; i++) {
        rule(cr, 20, ys[i], 520, ys[i]);
        rule(cr, xs[i], 20, xs[i], 250);
    }
    text(cr, "9:00 - 10:00", 240, 55, 0);
    text(cr, "10:00 - 11:00", 425, 55, 0);
    text(cr, "Monday", 85, 130, 0);
    text(cr, "Tuesday", 85, 210, 0);
    text(cr, "Maths", 240, 130, 0);
    text(cr, "Science", 425, 130, 0);
    text(cr, "English", 240, 210, 0);
    text(cr, "Music", 425, 210, 0);
    cairo_destroy(cr);
    PIX *pix = to_pix(s);
    cairo_surface_destroy(s);
    return pix;
}

/* Writes a CRNN model into dir whose output does not depend on the image: every frame's
 * logits are the head's bias, which puts `gap` above the rest on class `winner` (0, the
 * CTC blank, reads every line as nothing; 1 with a gap of 20 reads "a" surely, with a
 * gap of 0.5 at a probability of 0.35). */
static void write_model(const char *dir, int winner, float gap)
{
    char path[128];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    mkdir(dir, 0755);
    nn_crnn_config c = {.height = 16,
                        .conv = {2, 2, 4, 4},
                        .dim = 8,
                        .blocks = 1,
                        .kernel = 3,
                        .nclasses = 4,
                        .dropout = 0};
    nn_crnn *m;
    ap_error err;
    assert_int_equal(nn_crnn_new(&c, 1, 16, &m, &err), AP_OK);
    nn_crnn_init(m, 1);
    nn_tensor *w = nn_crnn_find(m, "head.weight"), *b = nn_crnn_find(m, "head.bias");
    assert_non_null(w);
    assert_non_null(b);
    memset(w->data, 0, w->n * sizeof *w->data);
    for (size_t k = 0; k < b->n; k++)
        b->data[k] = (int)k == winner ? gap : 0.0f;
    const char *k[] = {"charset"}, *v[] = {"ab1"};
    assert_int_equal(nn_crnn_save(m, path, k, v, 1, &err), AP_OK);
    nn_crnn_free(m);
}

static void remove_model(const char *dir)
{
    char path[128];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    unlink(path);
    rmdir(dir);
}

/* The four lessons of draw_timetable, as Tesseract reads them. */
static void check_lessons(const tt_doc *d)
{
    assert_true(tb_holds(d, 0, "Maths", 540, 600));
    assert_true(tb_holds(d, 0, "Science", 600, 660));
    assert_true(tb_holds(d, 1, "English", 540, 600));
    assert_true(tb_holds(d, 1, "Music", 600, 660));
}

static ap_status run(PIX *pix, tt_ocr_mode mode, const char *model, tt_extract_stats *stats,
                     tt_doc *d)
{
    memset(stats, 0, sizeof *stats);
    tt_extract_options o = {.threads = 2, .ocr_mode = mode, .ocr_model = model, .stats = stats};
    ap_error err = {0};
    return tt_extract_image(pix, &o, d, &err);
}

static void test_no_model(void **state)
{
    (void)state;
    PIX *pix = draw_timetable();
    tt_extract_stats st;
    tt_doc d;
    for (int mode = TT_OCR_TESSERACT; mode <= TT_OCR_AUTO; mode++) {
        ap_status s = run(pix, (tt_ocr_mode)mode, "/nonexistent/aipipe-model", &st, &d);
        if (s == AP_ERR_MODEL_NOT_FOUND) { /* no Tesseract language data here */
            pixDestroy(&pix);
            skip();
        }
        assert_int_equal(s, AP_OK);
        check_lessons(&d);
        assert_true(st.cells >= 8);
        assert_int_equal(st.crnn_cells, 0);
        assert_int_equal(st.fallback_cells, 0);
        assert_string_equal(st.crnn_version, "");
        assert_true(strncmp(st.tesseract_version, "tesseract-", 10) == 0);
        tt_doc_free(&d);
    }
    pixDestroy(&pix);
}

static void test_with_model(void **state)
{
    (void)state;
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/aipipe_cell_reader_%ld", (long)getpid());
    PIX *pix = draw_timetable();
    tt_extract_stats st;
    tt_doc d;

    /* A sure reading ("a" in every cell): kept in auto, Tesseract never opened. */
    write_model(dir, 1, 20.0f);
    for (int mode = TT_OCR_CRNN; mode <= TT_OCR_AUTO; mode++) {
        assert_int_equal(run(pix, (tt_ocr_mode)mode, dir, &st, &d), AP_OK);
        assert_true(st.cells >= 8);
        assert_int_equal(st.crnn_cells, st.cells);
        assert_int_equal(st.fallback_cells, 0);
        assert_true(strncmp(st.crnn_version, "crnn-ctc-v1-", 12) == 0);
        assert_string_equal(st.tesseract_version, "");
        assert_false(tb_holds(&d, 0, "Maths", 540, 600));
        tt_doc_free(&d);
    }
    /* Tesseract mode ignores the model. */
    assert_int_equal(run(pix, TT_OCR_TESSERACT, dir, &st, &d), AP_OK);
    assert_int_equal(st.crnn_cells, 0);
    check_lessons(&d);
    tt_doc_free(&d);

    /* Nothing read where there is ink, then no confidence: auto asks Tesseract for every
     * cell; fine_tuned_ocr keeps the CRNN's readings. */
    for (int variant = 0; variant < 2; variant++) {
        remove_model(dir);
        write_model(dir, variant == 0 ? 0 : 1, variant == 0 ? 20.0f : 0.5f);
        assert_int_equal(run(pix, TT_OCR_AUTO, dir, &st, &d), AP_OK);
        assert_true(st.cells >= 8);
        assert_int_equal(st.fallback_cells, st.cells);
        assert_int_equal(st.crnn_cells, 0);
        assert_true(strncmp(st.tesseract_version, "tesseract-", 10) == 0);
        check_lessons(&d);
        tt_doc_free(&d);
        assert_int_equal(run(pix, TT_OCR_CRNN, dir, &st, &d), AP_OK);
        assert_int_equal(st.crnn_cells, st.cells);
        assert_int_equal(st.fallback_cells, 0);
        assert_string_equal(st.tesseract_version, "");
        tt_doc_free(&d);
    }
    remove_model(dir);
    pixDestroy(&pix);
}

/* tt_prior_prefers: of two readings of one cell, the one whose words the character prior
 * finds more plausible by the margin ("English" over "Enghsh"); digits, dashes and
 * separators are no part of the comparison (the same clock with another dash is no
 * better), nor is a text without letters; no engine or no prior says nothing. */
static void test_prior_choice(void **state)
{
    (void)state;
    static const char charset[] = " abcdefghijklmnopqrstuvwxyzEFST0123456789:.-";
    static const char *const lines[] = {
        "English", "French", "Times Tables", "Forest School", "English and French 9:30 - 10:00",
        NULL};
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/aipipe_cell_prior_%ld", (long)getpid());
    tiny_crnn_write(dir, charset, 1, NULL);
    ocr_engine *e = tiny_crnn_open(dir);
    assert_false(tt_prior_prefers(e, "English", "Enghsh")); /* no prior yet */
    ocr_engine_close(e);

    tiny_crnn_write(dir, charset, 1, lines);
    e = tiny_crnn_open(dir);
    assert_true(tt_prior_prefers(e, "English", "Enghsh"));
    assert_false(tt_prior_prefers(e, "Enghsh", "English"));
    assert_true(tt_prior_prefers(e, "Times Tables\n9:30", "Tumes Tables\n9:30"));
    assert_false(tt_prior_prefers(e, "English", "English"));
    /* the same words with other digits and dashes: no preference either way */
    assert_false(tt_prior_prefers(e, "English 9:30 - 10:00", "English 9.30 \xe2\x80\x94 1000"));
    assert_false(tt_prior_prefers(e, "English 9.30 \xe2\x80\x94 1000", "English 9:30 - 10:00"));
    assert_false(tt_prior_prefers(e, "9:30 - 10:00", "9 30 -- 1O:00"));
    assert_false(tt_prior_prefers(NULL, "English", "Enghsh"));
    ocr_engine_close(e);
    tiny_crnn_remove(dir);
}

/* Sets the rows [y0, y1) of columns [x, x + 6) of the 1 bpp mask: one letter. */
static void letter(PIX *ink, int x, int y0, int y1)
{
    pixRasterop(ink, x, y0, 6, y1 - y0, PIX_SET, NULL, 0, 0);
}

/* A line of letters at row top of ink: six x-height letters (rows top+4 to top+12), two
 * with ascenders (from top) and, when desc, a g whose tail reaches down to row top+16. */
static void letter_line(PIX *ink, int top, int desc)
{
    for (int i = 0; i < 8; i++)
        letter(ink, 10 + 9 * i, top + (i == 2 || i == 5 ? 0 : 4), top + 12);
    if (desc) letter(ink, 10 + 9 * 8, top + 4, top + 16);
}

/* tt_count_text_lines: lines whose ink touches (the g's tail on the capital below) are
 * two when the run of inked rows is taller than a line can be for its glyphs and its
 * middle is nearly empty; one line with its ascenders and descenders, and a large line
 * with small stacked text beside it, stay one; without a glyph height, one run is one. */
static void test_touching_line_count(void **state)
{
    (void)state;
    PIX *ink = pixCreate(200, 60, 1);
    letter_line(ink, 10, 1);
    assert_int_equal(tt_count_text_lines(ink, 0, 0, 200, 60, 0, 8.0f), 1);
    letter_line(ink, 26, 0); /* the next line's ascenders touch the tail (row 26) */
    assert_int_equal(tt_count_text_lines(ink, 0, 0, 200, 60, 0, 8.0f), 2);
    assert_int_equal(tt_count_text_lines(ink, 0, 0, 200, 60, 0, 0.0f), 1);
    pixDestroy(&ink);
    /* large figures (rows 14-38) beside three small lines stacked from row 10 to 42 */
    ink = pixCreate(200, 60, 1);
    for (int i = 0; i < 8; i++)
        letter(ink, 10 + 9 * i, 14, 38);
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 3; i++)
            pixRasterop(ink, 100 + 5 * i, 10 + 11 * k, 4, k == 2 ? 10 : 11, PIX_SET, NULL, 0, 0);
    assert_int_equal(tt_count_text_lines(ink, 0, 0, 200, 60, 0, 10.0f), 1);
    pixDestroy(&ink);
}

static void test_mode_names(void **state)
{
    (void)state;
    assert_int_equal(tt_ocr_mode_from_name("tesseract"), TT_OCR_TESSERACT);
    assert_int_equal(tt_ocr_mode_from_name("fine_tuned_ocr"), TT_OCR_CRNN);
    assert_int_equal(tt_ocr_mode_from_name("auto"), TT_OCR_AUTO);
    assert_int_equal(tt_ocr_mode_from_name("crnn"), -1);
    assert_int_equal(tt_ocr_mode_from_name(NULL), -1);
    for (int i = 0; i < 3; i++)
        assert_int_equal(tt_ocr_mode_from_name(tt_ocr_mode_names[i]), i);
}

int main(void)
{
    img_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_implausible),
        cmocka_unit_test(test_line_rank),
        cmocka_unit_test(test_prior_choice),
        cmocka_unit_test(test_times_decide),
        cmocka_unit_test(test_mode_names),
        cmocka_unit_test(test_no_model),
        cmocka_unit_test(test_with_model),
        cmocka_unit_test(test_touching_line_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
