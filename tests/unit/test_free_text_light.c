/* Proves: the raster reader reads text printed light outside every table. A week printed
 * as two lists side by side, the first ruled, the second set without rules and its times
 * small and grey (a grey of 100 in 10-point type, whose thin strokes leave few pixels
 * darker than 128 once the page is enlarged for reading): the second list's times are
 * read with their names, so its lessons keep their times. */
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

#include "test_draw.h"

static void test_light_times_beside_a_ruled_list(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(900, 460, &s);
    int ys[4] = {70, 160, 250, 340};
    rule(cr, 20, 20, 420, 20);
    rule(cr, 20, 20, 20, 340);
    rule(cr, 420, 20, 420, 340);
    rule(cr, 150, 70, 150, 340);
    for (int i = 0; i < 4; i++)
        rule(cr, 20, ys[i], 420, ys[i]);
    text(cr, "Monday", 220, 45, 0);
    text(cr, "Friday", 680, 45, 0);
    const char *times[3] = {"9:00 - 9:40", "9:40 - 10:30", "10:30 - 11:00"};
    const char *a_name[3] = {"Maths", "Reading", "Art"},
               *b_name[3] = {"Swimming", "Music", "Drama"};
    for (int r = 0; r < 3; r++) {
        double cy = (ys[r] + ys[r + 1]) / 2.0;
        text(cr, times[r], 85, cy, 0);
        text(cr, a_name[r], 285, cy, 0);
        text(cr, b_name[r], 760, cy, 0);
    }
    /* the second list's times: small and grey */
    cairo_set_source_rgb(cr, 100 / 255.0, 100 / 255.0, 100 / 255.0);
    for (int r = 0; r < 3; r++) {
        int w, h;
        PangoLayout *layout = pango_cairo_create_layout(cr);
        PangoFontDescription *font = pango_font_description_from_string("Sans 10");
        pango_layout_set_font_description(layout, font);
        pango_layout_set_text(layout, times[r], -1);
        pango_layout_get_pixel_size(layout, &w, &h);
        cairo_move_to(cr, 580 - w / 2.0, (ys[r] + ys[r + 1]) / 2.0 - h / 2.0);
        pango_cairo_show_layout(cr, layout);
        pango_font_description_free(font);
        g_object_unref(layout);
    }
    cairo_destroy(cr);
    PIX *pix = to_pix(s);
    cairo_surface_destroy(s);

    tt_doc d;
    extract_drawn(pix, &d);
    tb_check(&d, 0, "Maths", 9 * 60, 9 * 60 + 40);
    tb_check(&d, 4, "Swimming", 9 * 60, 9 * 60 + 40);
    tb_check(&d, 4, "Music", 9 * 60 + 40, 10 * 60 + 30);
    tb_check(&d, 4, "Drama", 10 * 60 + 30, 11 * 60);
    tt_doc_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_light_times_beside_a_ruled_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
