/* Drawing helpers of the extraction unit tests: grids drawn with cairo and pango,
 * handed to the vision code as Leptonica PIX. Include after <cmocka.h>. */
#ifndef AP_TEST_DRAW_H
#define AP_TEST_DRAW_H

#include <cairo.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdint.h>

#include "vision/table.h"

/* A cairo surface's pixels as a 32 bpp PIX. */
static inline PIX *to_pix(cairo_surface_t *s)
{
    cairo_surface_flush(s);
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    const unsigned char *data = cairo_image_surface_get_data(s);
    PIX *pix = pixCreate(w, h, 32);
    assert_non_null(pix);
    for (int y = 0; y < h; y++) {
        const uint32_t *row = (const uint32_t *)(data + (size_t)y * (size_t)stride);
        for (int x = 0; x < w; x++) {
            uint32_t v = row[x];
            pixSetRGBPixel(pix, x, y, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
        }
    }
    return pix;
}

static inline cairo_t *canvas(int w, int h, cairo_surface_t **surface)
{
    *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(*surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 2);
    return cr;
}

static inline void rule(cairo_t *cr, double x0, double y0, double x1, double y1)
{
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    cairo_stroke(cr);
}

/* Text centred at (cx, cy); angle -90 sets it bottom-to-top. */
static inline void text(cairo_t *cr, const char *s, double cx, double cy, double angle)
{
    PangoLayout *layout = pango_cairo_create_layout(cr);
    PangoFontDescription *font = pango_font_description_from_string("Sans 15");
    pango_layout_set_font_description(layout, font);
    pango_layout_set_text(layout, s, -1);
    int w, h;
    pango_layout_get_pixel_size(layout, &w, &h);
    cairo_save(cr);
    cairo_translate(cr, cx, cy);
    cairo_rotate(cr, angle * M_PI / 180.0);
    cairo_move_to(cr, -w / 2.0, -h / 2.0);
    pango_cairo_show_layout(cr, layout);
    cairo_restore(cr);
    pango_font_description_free(font);
    g_object_unref(layout);
}

static inline const img_cell *cell_at(const img_table *t, int row, int col)
{
    for (size_t i = 0; i < t->ncells; i++)
        if (t->cells[i].row == row && t->cells[i].col == col) return &t->cells[i];
    fail_msg("no cell starts at row %d col %d", row, col);
    return NULL;
}

#endif
