/* page_debug: cells.png and cells.tsv of a page read without the raster path (see
 * page_debug.h). */
#include "document/page_debug.h"

#include <math.h>
#include <stdio.h>

#include "core/log.h"

static void draw_box(PIX *overlay, tt_bbox b, float scale, float ox, float oy, int width, int r,
                     int g, int bl)
{
    BOX *box = boxCreate((int)lroundf((b.x - ox) * scale), (int)lroundf((b.y - oy) * scale),
                         (int)lroundf(b.w * scale), (int)lroundf(b.h * scale));
    if (box) pixRenderBoxArb(overlay, box, width, r, g, bl);
    boxDestroy(&box);
}

static void write_picture(const char *dir, const tt_page *page, PIX *picture, float scale, float ox,
                          float oy)
{
    char path[1024];
    PIX *overlay = pixConvertTo32(picture);
    if (!overlay) return;
    for (size_t t = 0; t < page->ntables; t++) {
        const tt_table *tb = &page->tables[t];
        draw_box(overlay, tb->bbox, scale, ox, oy, 3, 255, 0, 255);
        for (size_t c = 0; c < tb->ncells; c++) {
            const tt_cell *cell = &tb->cells[c];
            int rot = cell->rotation, inked = cell->nlines > 0;
            draw_box(overlay, cell->bbox, scale, ox, oy, 2,
                     !inked      ? 160
                     : rot == 90 ? 230
                                 : 0,
                     !inked     ? 160
                     : rot == 0 ? 180
                                : 0,
                     !inked       ? 160
                     : rot == 270 ? 230
                                  : 0);
        }
    }
    snprintf(path, sizeof path, "%s/cells.png", dir);
    if (pixWrite(path, overlay, IFF_PNG) != 0) log_debug("extract: cannot write %s", path);
    pixDestroy(&overlay);
}

static void write_lines(FILE *f, const tt_line *lines, size_t n)
{
    for (size_t k = 0; k < n; k++)
        fprintf(f, "%s%s [h%.0f w%.2f]", k ? " / " : "", lines[k].text, lines[k].height,
                lines[k].width);
    fputc('\n', f);
}

void tt_page_debug_write(const char *dir, const tt_page *page, const char *reader, PIX *picture,
                         float scale, float ox, float oy)
{
    char path[1024];
    if (picture) write_picture(dir, page, picture, scale, ox, oy);
    snprintf(path, sizeof path, "%s/cells.tsv", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        log_debug("extract: cannot write %s", path);
        return;
    }
    fprintf(f, "table\trow\tcol\tnrows\tncols\trotation\tconfidence\tleast\treader\treads\tms\t"
               "lines\n");
    for (size_t t = 0; t < page->ntables; t++)
        for (size_t c = 0; c < page->tables[t].ncells; c++) {
            const tt_cell *cell = &page->tables[t].cells[c];
            fprintf(f, "%zu\t%d\t%d\t%d\t%d\t%d\t%.0f\t-\t%s\t-\t-\t", t, cell->row, cell->col,
                    cell->nrows, cell->ncols, cell->rotation, cell->confidence, reader);
            write_lines(f, cell->lines, cell->nlines);
        }
    if (page->nfree) {
        fprintf(f, "free\t-\t-\t-\t-\t0\t-\t-\t%s\t-\t-\t", reader);
        write_lines(f, page->free_text, page->nfree);
    }
    fclose(f);
}
