/* render_text: draws lines of text with Pango into a PNG, for OCR tests, and prints each
 * word's box as JSON lines {"text","left","top","width","height"} so a test can check the
 * boxes OCR returns.
 *
 * usage: render_text OUT.png FONT SIZE_PX "line one" ["line two" ...] */
#include <cairo.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: render_text OUT.png FONT SIZE_PX LINE...\n");
        return 2;
    }
    const char *out = argv[1], *font = argv[2];
    int size = atoi(argv[3]), margin = size * 2, line_h = size * 2;
    if (size < 4 || size > 400) {
        fprintf(stderr, "render_text: SIZE_PX must be 4..400\n");
        return 2;
    }
    int width = 0;
    for (int i = 4; i < argc; i++) {
        int w = (int)strlen(argv[i]) * size;
        if (w > width) width = w;
    }
    width += 2 * margin;
    int height = (argc - 4) * line_h + 2 * margin;
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
    cairo_t *cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    PangoLayout *layout = pango_cairo_create_layout(cr);
    PangoFontDescription *desc = pango_font_description_from_string(font);
    pango_font_description_set_absolute_size(desc, size * PANGO_SCALE);
    pango_layout_set_font_description(layout, desc);
    for (int i = 4; i < argc; i++) {
        int y = margin + (i - 4) * line_h;
        const char *text = argv[i];
        pango_layout_set_text(layout, text, -1);
        cairo_move_to(cr, margin, y);
        pango_cairo_show_layout(cr, layout);
        /* word boxes: ink extents of each space-separated run */
        for (const char *p = text; *p;) {
            while (*p == ' ')
                p++;
            if (!*p) break;
            const char *e = strchr(p, ' ');
            if (!e) e = p + strlen(p);
            PangoRectangle a, b;
            pango_layout_index_to_pos(layout, (int)(p - text), &a);
            pango_layout_index_to_pos(layout, (int)(e - text) - 1, &b);
            int left = margin + a.x / PANGO_SCALE, right = margin + (b.x + b.width) / PANGO_SCALE;
            printf(
                "{\"text\": \"%.*s\", \"left\": %d, \"top\": %d, \"width\": %d, \"height\": %d}\n",
                (int)(e - p), p, left, y + a.y / PANGO_SCALE, right - left, a.height / PANGO_SCALE);
            p = e;
        }
    }
    pango_font_description_free(desc);
    g_object_unref(layout);
    cairo_destroy(cr);
    int rc = cairo_surface_write_to_png(surface, out) == CAIRO_STATUS_SUCCESS ? 0 : 1;
    cairo_surface_destroy(surface);
    return rc;
}
