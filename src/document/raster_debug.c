/* raster_debug: what the raster reader saw, for a person (--debug-dir): the rules, the
 * cells and what was read in each. */

#include <stdio.h>

#include "document/raster_internal.h"

/* One cells.tsv row's reading columns: how a job was read and its lines. */
static void debug_reading(FILE *f, const job *j)
{
    fprintf(f, "%d\t%.0f\t%.0f\t%s\t%d\t%.0f\t", j->rotation, j->confidence, j->least,
            j->reader == READ_CRNN ? "crnn"
            : j->fallback          ? "crnn>tess"
                                   : "tess",
            j->reads, j->ms);
    for (size_t k = 0; k < j->nlines; k++) {
        const tt_line *l = &j->lines[k];
        fprintf(f, "%s%s [h%.0f w%.2f", k ? " / " : "", l->text, l->height, l->width);
        if (l->box.w) fprintf(f, " @%d,%d %dx%d", l->box.x, l->box.y, l->box.w, l->box.h);
        if (l->ink & TT_INK_KNOWN) fprintf(f, " #%06x", l->ink & 0xffffffu);
        fputc(']', f);
    }
    fputc('\n', f);
}

/* lines.png, cells.png (cells and, in orange, the text blocks outside the tables) and
 * cells.tsv (what was read in each; the blocks outside as table "free"). */
void raster_write_debug(const char *dir, PIX *grey, PIX *lines, const img_table *tables,
                        size_t ntables, const job *jobs, size_t ncell_jobs, size_t njobs)
{
    char path[1024];
    if (lines) {
        snprintf(path, sizeof path, "%s/lines.png", dir);
        pixWrite(path, lines, IFF_PNG);
    }
    PIX *overlay = pixConvertTo32(grey);
    if (!overlay) return;
    for (size_t t = 0; t < ntables; t++) {
        BOX *b = boxCreate(tables[t].x, tables[t].y, tables[t].w, tables[t].h);
        if (b) pixRenderBoxArb(overlay, b, 3, 255, 0, 255);
        boxDestroy(&b);
    }
    /* Cells: green upright, red turned 90 (bottom-to-top), blue 270, grey empty. */
    for (size_t i = 0; i < ncell_jobs; i++) {
        const job *j = &jobs[i];
        BOX *b = boxCreate(j->x, j->y, j->w, j->h);
        if (!b) continue;
        int r = 160, g = 160, bl = 160;
        if (j->inked) {
            r = j->rotation == 90 ? 230 : 0;
            g = j->rotation == 0 ? 180 : 0;
            bl = j->rotation == 270 ? 230 : 0;
        }
        pixRenderBoxArb(overlay, b, 2, r, g, bl);
        boxDestroy(&b);
    }
    for (size_t i = ncell_jobs; i < njobs; i++) {
        BOX *b = boxCreate(jobs[i].x, jobs[i].y, jobs[i].w, jobs[i].h);
        if (b) pixRenderBoxArb(overlay, b, 2, 255, 140, 0);
        boxDestroy(&b);
    }
    snprintf(path, sizeof path, "%s/cells.png", dir);
    pixWrite(path, overlay, IFF_PNG);
    pixDestroy(&overlay);
    /* What was read in each cell, for a person comparing with the picture. */
    snprintf(path, sizeof path, "%s/cells.tsv", dir);
    FILE *f = fopen(path, "w");
    if (!f) return;
    fprintf(f, "table\trow\tcol\tnrows\tncols\trotation\tconfidence\tleast\treader\treads\tms\t"
               "lines\n");
    size_t ji = 0;
    for (size_t t = 0; t < ntables; t++)
        for (size_t c = 0; c < tables[t].ncells && ji < ncell_jobs; c++, ji++) {
            const img_cell *cell = &tables[t].cells[c];
            fprintf(f, "%zu\t%d\t%d\t%d\t%d\t", t, cell->row, cell->col, cell->nrows, cell->ncols);
            debug_reading(f, &jobs[ji]);
        }
    for (size_t i = ncell_jobs; i < njobs; i++) {
        fprintf(f, "free\t-\t-\t-\t-\t");
        debug_reading(f, &jobs[i]);
    }
    fclose(f);
}
