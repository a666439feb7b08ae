/* Proves: a born-digital timetable aligned by whitespace alone, whose only coloured cells
 * are one row of them (a break in each day's cell), is read as one table, every lesson
 * above and below that row included, though the fills alone make a small ruled table
 * of that row. With a lunch set on one coloured bar across all the days, taller than its
 * text, the bar's edges are its row's edges: lunch keeps the times its row prints rather
 * than a share of them. */
#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/sbuf.h"
#include "document/extract.h"
#include "test_blocks.h"

static cairo_status_t write_sbuf(void *closure, const unsigned char *data, unsigned int len)
{
    sbuf_append(closure, data, len);
    return CAIRO_STATUS_SUCCESS;
}

/* Text centred at (cx, cy) in the given pango font. */
static void text(cairo_t *cr, const char *s, const char *font, double cx, double cy)
{
    PangoLayout *layout = pango_cairo_create_layout(cr);
    PangoFontDescription *desc = pango_font_description_from_string(font);
    pango_layout_set_font_description(layout, desc);
    pango_layout_set_text(layout, s, -1);
    int w, h;
    pango_layout_get_pixel_size(layout, &w, &h);
    cairo_move_to(cr, cx - w / 2.0, cy - h / 2.0);
    pango_cairo_show_layout(cr, layout);
    pango_font_description_free(desc);
    g_object_unref(layout);
}

static const char *const days[] = {"Monday", "Tuesday", "Wednesday", "Thursday"};
static const char *const times[] = {"9:00-10:00", "10:00-10:15", "10:15-11:15", "11:15-12:00",
                                    "12:00-1:00pm"};
static const int starts[] = {9 * 60, 10 * 60, 10 * 60 + 15, 11 * 60 + 15, 12 * 60, 13 * 60};
static const char *const names[5][4] = {{"Maths", "English", "Science", "Art"},
                                        {"Break", "Break", "Break", "Break"},
                                        {"Reading", "History", "Music", "French"},
                                        {"Drama", "Phonics", "Writing", "Computing"},
                                        {"Geography", "Spelling", "Assembly", "Topic"}};

/* An A4 landscape page: a title, the days over four columns, the times left of five
 * rows, nothing ruled; the break row on a grey fill in each day's cell. lunch: the
 * fourth row is "Lunch" on one bar across the days, 40 points tall. */
static char *draw_band_page(int lunch, size_t *len)
{
    sbuf buf = {0};
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(write_sbuf, &buf, 842, 595);
    cairo_t *cr = cairo_create(s);
    cairo_surface_destroy(s);
    cairo_set_source_rgb(cr, 0.75, 0.75, 0.75);
    for (int k = 0; k < 4; k++) {
        cairo_rectangle(cr, 200 + 150 * k, 200, 150, 30);
        cairo_fill(cr);
    }
    if (lunch) {
        cairo_rectangle(cr, 200, 300, 600, 40);
        cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    text(cr, "Our Timetable", "Sans Bold 14", 110, 50);
    for (int k = 0; k < 4; k++)
        text(cr, days[k], "Sans Bold 11", 275 + 150 * k, 110);
    static const double ys[] = {160, 215, 270, 320, 375};
    for (int r = 0; r < 5; r++) {
        text(cr, times[r], "Sans 10", 110, ys[r]);
        if (lunch && r == 3) {
            text(cr, "Lunch", "Sans Bold 11", 500, ys[r]);
            continue;
        }
        for (int k = 0; k < 4; k++)
            text(cr, names[r][k], "Sans 11", 275 + 150 * k, ys[r]);
    }
    cairo_show_page(cr);
    s = cairo_surface_reference(cairo_get_target(cr));
    cairo_destroy(cr);
    cairo_surface_finish(s);
    assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(s);
    char *data = sbuf_take(&buf, len);
    assert_non_null(data);
    return data;
}

static void test_band_row_in_borderless_table(void **state)
{
    (void)state;
    for (int lunch = 0; lunch < 2; lunch++) {
        size_t len = 0;
        char *pdf = draw_band_page(lunch, &len);
        tt_doc d;
        ap_error e = {0};
        if (tt_extract_bytes((const unsigned char *)pdf, len, NULL, &d, &e) != AP_OK)
            fail_msg("extract: %s", e.msg);
        for (int k = 0; k < 4; k++)
            for (int r = 0; r < 5; r++)
                tb_check(&d, k, lunch && r == 3 ? "Lunch" : names[r][k], starts[r],
                         starts[r + 1]);
        if (d.nblocks != 20) {
            tb_print(&d);
            fail_msg("lunch %d: %zu blocks, wanted 20", lunch, d.nblocks);
        }
        tt_doc_free(&d);
        free(pdf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_band_row_in_borderless_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
