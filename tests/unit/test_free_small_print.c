/* Proves: the blocks of ink outside every table (raster_free_text_jobs) keep times printed
 * small in grey, 7 pixels high, as a list set without rules prints them beside its names;
 * they were taken for specks, and the list's rows lost their times. Specks stay out. */
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

#include "document/raster_internal.h"

#include "test_draw.h"

/* s in grey 85, in a font whose digits stand about 7 pixels high, from x, centred on cy. */
static void small_grey(cairo_t *cr, const char *s, double x, double cy)
{
    int w, h;
    cairo_set_source_rgb(cr, 85 / 255.0, 85 / 255.0, 85 / 255.0);
    PangoLayout *layout = pango_cairo_create_layout(cr);
    PangoFontDescription *font = pango_font_description_from_string("Serif 7");
    pango_layout_set_font_description(layout, font);
    pango_layout_set_text(layout, s, -1);
    pango_layout_get_pixel_size(layout, &w, &h);
    cairo_move_to(cr, x, cy - h / 2.0);
    pango_cairo_show_layout(cr, layout);
    pango_font_description_free(font);
    g_object_unref(layout);
}

/* Whether one of jobs[0, n) holds the point (x, y). */
static int job_at(const job *jobs, size_t n, int x, int y)
{
    for (size_t i = 0; i < n; i++)
        if (x >= jobs[i].x && x < jobs[i].x + jobs[i].w && y >= jobs[i].y &&
            y < jobs[i].y + jobs[i].h)
            return 1;
    return 0;
}

/* The height of the ink darker than 160 in rows [y0, y1) of columns [x0, x1). */
static int ink_height(PIX *grey, int x0, int x1, int y0, int y1)
{
    int top = -1, bottom = -1;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            l_uint32 v;
            pixGetPixel(grey, x, y, &v);
            if (v < 160) {
                if (top < 0) top = y;
                bottom = y;
            }
        }
    return top < 0 ? 0 : bottom - top + 1;
}

static void test_small_grey_times_are_blocks(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(1500, 400, &s);
    const char *times[3] = {"9.00 - 9.35", "10.20 - 10.35", "11.35 - 12.20"};
    for (int r = 0; r < 3; r++)
        small_grey(cr, times[r], 300, 100 + 80 * r);
    /* specks: a dot and a short dash */
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_rectangle(cr, 900, 100, 3, 3);
    cairo_rectangle(cr, 900, 180, 10, 2);
    cairo_fill(cr);
    cairo_destroy(cr);
    PIX *grey = grey_of(s);

    /* the print is small: below the 8 pixels a block once needed */
    int h = ink_height(grey, 290, 400, 80, 120);
    assert_true(h >= 6 && h < 8);

    job *jobs = calloc(MAX_JOBS, sizeof *jobs);
    assert_non_null(jobs);
    size_t n = raster_free_text_jobs(grey, NULL, 0, jobs, 0);
    for (int r = 0; r < 3; r++)
        assert_true(job_at(jobs, n, 320, 100 + 80 * r));
    assert_false(job_at(jobs, n, 901, 101));
    assert_false(job_at(jobs, n, 905, 181));
    assert_int_equal(n, 3);
    free(jobs);
    pixDestroy(&grey);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_grey_times_are_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
