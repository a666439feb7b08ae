/* Drawing test PDFs with cairo and pango, and reading them back with tt_extract_bytes:
 * shared by the PDF reader's tests. Include after cmocka.h. */
#ifndef AP_TEST_PDF_DRAW_H
#define AP_TEST_PDF_DRAW_H

#include <cairo-pdf.h>
#include <cairo.h>
#include <math.h>
#include <pango/pangocairo.h>

#include "core/sbuf.h"
#include "document/extract.h"

static inline cairo_status_t pdf_write_sbuf(void *closure, const unsigned char *data,
                                            unsigned int len)
{
    sbuf_append(closure, data, len);
    return CAIRO_STATUS_SUCCESS;
}

/* A PDF of A4 landscape pages (points) written into b: draw on the context, ending each
 * page with cairo_show_page, then pdf_end. */
static inline cairo_t *pdf_begin(sbuf *b)
{
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(pdf_write_sbuf, b, 842, 595);
    cairo_t *cr = cairo_create(s);
    cairo_surface_destroy(s); /* cr holds it */
    return cr;
}

/* Finishes the document drawn on cr (from pdf_begin(b)): its bytes, *len of them. */
static inline char *pdf_end(cairo_t *cr, sbuf *b, size_t *len)
{
    cairo_surface_t *s = cairo_surface_reference(cairo_get_target(cr));
    cairo_destroy(cr);
    cairo_surface_finish(s);
    assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(s);
    char *data = sbuf_take(b, len);
    assert_non_null(data);
    return data;
}

/* Extracts the PDF pdf[0, len) into *d, failing the test with the reader's message. */
static inline void extract_pdf(const char *pdf, size_t len, tt_doc *d)
{
    ap_error e = {0};
    ap_status st = tt_extract_bytes((const unsigned char *)pdf, len, NULL, d, &e);
    if (st != AP_OK) fail_msg("extract: %s", e.msg);
}

/* Text centred at (cx, cy) in the given pango font; angle -90 sets it bottom-to-top. */
static inline void pdf_text(cairo_t *cr, const char *s, const char *font, double cx, double cy,
                            double angle)
{
    PangoLayout *layout = pango_cairo_create_layout(cr);
    PangoFontDescription *desc = pango_font_description_from_string(font);
    pango_layout_set_font_description(layout, desc);
    pango_layout_set_text(layout, s, -1);
    int w, h;
    pango_layout_get_pixel_size(layout, &w, &h);
    cairo_save(cr);
    cairo_translate(cr, cx, cy);
    cairo_rotate(cr, angle * M_PI / 180.0);
    cairo_move_to(cr, -w / 2.0, -h / 2.0);
    pango_cairo_show_layout(cr, layout);
    cairo_restore(cr);
    pango_font_description_free(desc);
    g_object_unref(layout);
}

#endif
