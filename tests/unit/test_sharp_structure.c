/* Proves: a blurred page's structure found on it sharpened is kept over the one found on
 * it as it came when it cuts fewer letters, or as many and at least as many of its cells
 * hold text (img_sharp_tables_kept): a rule found only sharpened parts text and is kept, a
 * rule lost merges text and is refused, a false edge through a line of text loses to the
 * structure without it, and empty cells or specks count for neither;
 * on a drawn week blurred twice by a 3 x 3 box, the sharpened page gives the whole grid,
 * and end to end such a page, and the same page shrunk to small print first, reads into
 * the blocks that were drawn. */
#include <cairo.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "document/extract.h"
#include "vision/image.h"
#include "vision/sharpness.h"
#include "vision/table.h"

#include "test_draw.h"

/* The week in black on white, 32 bpp, drawn zoom times as large. */
static PIX *draw_week_colour(int zoom)
{
    cairo_surface_t *s;
    cairo_t *cr = canvas(760 * zoom, 420 * zoom, &s);
    cairo_scale(cr, zoom, zoom);
    draw_week_grid(cr);
    cairo_destroy(cr);
    PIX *pix = to_pix(s);
    cairo_surface_destroy(s);
    return pix;
}

/* pix blurred by a 3 x 3 box times times. */
static PIX *blurred(PIX *pix, int times)
{
    PIX *b = pixClone(pix);
    for (int i = 0; i < times; i++) {
        PIX *next = pixBlockconv(b, 1, 1);
        assert_non_null(next);
        pixDestroy(&b);
        b = next;
    }
    return b;
}

/* An 8 bpp white page 200 x 100 with two words (black blocks) at x 20-60 and 120-160,
 * y 40-60: two columns' text. */
static PIX *two_words(void)
{
    PIX *page = pixCreate(200, 100, 8);
    assert_non_null(page);
    pixSetAll(page);
    pixRasterop(page, 20, 40, 40, 20, PIX_CLR, NULL, 0, 0);
    pixRasterop(page, 120, 40, 40, 20, PIX_CLR, NULL, 0, 0);
    return page;
}

/* One table of the cells given as x, y, w, h quadruples (cells points at them). */
static img_table table_of(img_cell *cells, size_t n)
{
    return (img_table){.x = 0,
                       .y = 0,
                       .w = 200,
                       .h = 100,
                       .nrows = 1,
                       .ncols = (int)n,
                       .cells = cells,
                       .ncells = n};
}

static size_t cells_of(const img_table *t, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += t[i].ncells;
    return c;
}

static void test_kept_by_inked_cells(void **state)
{
    (void)state;
    PIX *page = two_words();
    img_cell whole[1] = {{0, 0, 1, 1, 0, 0, 200, 100}};
    img_cell two[2] = {{0, 0, 1, 1, 0, 0, 100, 100}, {0, 1, 1, 1, 100, 0, 100, 100}};
    /* the second column parted into its word and an empty strip (a false edge) */
    img_cell three[3] = {
        {0, 0, 1, 1, 0, 0, 100, 100}, {0, 1, 1, 1, 100, 0, 70, 100}, {0, 2, 1, 1, 170, 0, 30, 100}};
    img_table merged = table_of(whole, 1), parted = table_of(two, 2), split = table_of(three, 3);
    /* the rule between the words found sharpened: two cells of text against one, kept */
    assert_true(img_sharp_tables_kept(page, &merged, 1, &parted, 1));
    /* the rule lost sharpened: the words merged into one cell, the page as it came kept */
    assert_false(img_sharp_tables_kept(page, &parted, 1, &merged, 1));
    /* an empty cell more counts for neither: as much text, kept either way */
    assert_true(img_sharp_tables_kept(page, &split, 1, &parted, 1));
    assert_true(img_sharp_tables_kept(page, &parted, 1, &split, 1));
    /* a false edge through the words (a blurred line of text taken for a rule) parts
     * them into four cells of text but cuts every letter: the sharpened structure that
     * keeps them whole is kept, with fewer cells of text */
    img_cell halves[4] = {{0, 0, 1, 1, 0, 0, 100, 50},
                          {0, 1, 1, 1, 100, 0, 100, 50},
                          {1, 0, 1, 1, 0, 50, 100, 50},
                          {1, 1, 1, 1, 100, 50, 100, 50}};
    img_table cut = table_of(halves, 4);
    assert_true(img_sharp_tables_kept(page, &cut, 1, &parted, 1));
    assert_false(img_sharp_tables_kept(page, &parted, 1, &cut, 1));
    /* a table lost entirely is refused; no tables either way is kept */
    assert_false(img_sharp_tables_kept(page, &parted, 1, NULL, 0));
    assert_true(img_sharp_tables_kept(page, NULL, 0, NULL, 0));
    assert_true(img_sharp_tables_kept(page, NULL, 0, &merged, 1));
    /* a few specks of grain in the empty strip are no text */
    for (int k = 0; k < 5; k++)
        pixSetPixel(page, 180 + 2 * k, 20, 0);
    assert_true(img_sharp_tables_kept(page, &split, 1, &parted, 1));
    /* no grey to count on: refused */
    PIX *one_bit = pixCreate(200, 100, 1);
    assert_false(img_sharp_tables_kept(one_bit, &merged, 1, &parted, 1));
    assert_false(img_sharp_tables_kept(NULL, &merged, 1, &parted, 1));
    pixDestroy(&one_bit);
    pixDestroy(&page);
}

/* A week blurred twice (edges over five pixels): sharpened, it still shows the whole
 * 4 x 4 lattice, at least as many cells as it shows unsharpened, so its sharpened
 * structure is kept. */
static void test_blurred_week_structure(void **state)
{
    (void)state;
    PIX *colour = draw_week_colour(2), *grey = pixConvertTo8(colour, 0);
    PIX *soft = blurred(grey, 2);
    float width = img_edge_width(soft);
    assert_true(width >= IMG_BLUR_WIDTH);
    PIX *sharp = img_sharpen(soft, width, 0);
    assert_non_null(sharp);
    img_table *pt = NULL, *st = NULL;
    size_t np = 0, ns = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables(soft, &pt, &np, NULL, &err), AP_OK);
    assert_int_equal(img_find_tables(sharp, &st, &ns, NULL, &err), AP_OK);
    assert_int_equal(ns, 1);
    assert_int_equal(st[0].nrows, 4);
    assert_int_equal(st[0].ncols, 4);
    assert_int_equal(cells_of(st, ns), 16);
    assert_true(img_sharp_tables_kept(sharp, pt, np, st, ns));
    img_tables_free(pt, np);
    img_tables_free(st, ns);
    pixDestroy(&sharp);
    pixDestroy(&soft);
    pixDestroy(&grey);
    pixDestroy(&colour);
}

/* End to end: the week blurred twice reads all nine lessons. */
static void test_blurred_week_reads(void **state)
{
    (void)state;
    tt_doc d;
    PIX *colour = draw_week_colour(2), *soft = blurred(colour, 2);
    pixDestroy(&colour);
    extract_drawn(soft, &d);
    assert_week_read(&d);
    tt_doc_free(&d);
}

/* Shrunk first (small print on a small page, enlarged again by the reader), then blurred:
 * the page is sharpened before its enlargement and still reads all nine lessons. */
static void test_shrunk_blurred_week_reads(void **state)
{
    (void)state;
    tt_doc d;
    PIX *colour = draw_week_colour(2), *small = pixScale(colour, 0.6f, 0.6f);
    pixDestroy(&colour);
    assert_non_null(small);
    PIX *soft = blurred(small, 1);
    pixDestroy(&small);
    PIX *grey = pixConvertTo8(soft, 0);
    assert_true(img_edge_width(grey) >= IMG_BLUR_WIDTH);
    pixDestroy(&grey);
    extract_drawn(soft, &d);
    assert_week_read(&d);
    tt_doc_free(&d);
}

int main(void)
{
    img_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kept_by_inked_cells),
        cmocka_unit_test(test_blurred_week_structure),
        cmocka_unit_test(test_blurred_week_reads),
        cmocka_unit_test(test_shrunk_blurred_week_reads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
