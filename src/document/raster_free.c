/* raster_free: the text outside the tables, found as blocks of ink, read as jobs, then
 * joined into lines and lists of the page. See raster_internal.h. */
#include <math.h>
#include <stdlib.h>

#include "core/sbuf.h"
#include "vision/conncomp.h"
#include "vision/morph.h"
#include "vision/pixstat.h"

#include "document/raster_internal.h"

/* Ink of the text outside the tables: as light as the rules vision/table takes. Times
 * printed small in grey beside their names (a list set without rules beside ruled ones)
 * leave few pixels darker than 128, too few to make a block, and the names were read
 * without their times. */
#define FREE_INK 160
/* Least height of a block of text outside the tables, in pixels. Times printed small in
 * grey beside their names (7 pixels high on a page 1500 wide: a list set without rules
 * beside ruled ones) were taken for specks at 8, and the list's rows were lost; a speck
 * is still too narrow or too small in area. */
#define FREE_MIN_H 6
/* Paper kept around each block of text outside the tables, in pixels. */
#define FREE_MARGIN 4

/* Whether the ink of bin in box b (of height h) is solid: areas that survive erosion by a
 * third of the block's height, as a picture's or a bar's do and no letter's strokes do.
 * Short bold words ("6H") fill half their box, so density alone cannot tell them. */
static int solid_ink(PIX *bin, BOX *b, int h)
{
    PIX *clip = pixClipRectangle(bin, b, NULL);
    int k = imax(3, h / 3);
    PIX *core = clip ? img_erode_brick(clip, k, k) : NULL;
    l_int32 area = 0, left = 0;
    int solid = 1;
    if (core) {
        pixCountPixels(clip, &area, NULL);
        pixCountPixels(core, &left, NULL);
        solid = left > area / 10;
    }
    pixDestroy(&clip);
    pixDestroy(&core);
    return solid;
}

/* Blocks of ink outside the tables: titles and header fields. Pictures (dense ink) and
 * specks are left out. Appends jobs; returns the new count. */
size_t raster_free_text_jobs(PIX *grey, const img_table *tables, size_t ntables, job *jobs,
                             size_t njobs)
{
    PIX *bin = img_threshold(grey, FREE_INK);
    BOXA *blocks = NULL;
    PIX *joined = NULL;
    if (!bin) goto out;
    int W = pixGetWidth(grey), H = pixGetHeight(grey);
    for (size_t t = 0; t < ntables; t++)
        pixRasterop(bin, tables[t].x - 4, tables[t].y - 4, tables[t].w + 8, tables[t].h + 8,
                    PIX_CLR, NULL, 0, 0);
    /* Join letters into words and words into lines. */
    int gap = imax(15, W / 80);
    if (!(joined = img_close_brick(bin, gap, imax(3, H / 300)))) goto out;
    if (!(blocks = img_conn_comp_bb(joined))) goto out;
    int n = boxaGetCount(blocks);
    for (int i = 0; i < n && njobs < MAX_JOBS; i++) {
        l_int32 x, y, w, h, count = 0;
        boxaGetBoxGeometry(blocks, i, &x, &y, &w, &h);
        if (w < 6 || h < FREE_MIN_H || w * h < 150 || h > H / 6) continue; /* specks, rules */
        BOX *b = boxaGetBox(blocks, i, L_CLONE);
        pixCountPixelsInRect(bin, b, &count, NULL);
        int solid = (double)count > 0.45 * w * h && solid_ink(bin, b, h);
        boxDestroy(&b);
        if (solid) continue; /* a picture or a bar */
        int m = FREE_MARGIN;
        int x0 = imax(0, x - m), y0 = imax(0, y - m);
        jobs[njobs++] = (job){.x = x0,
                              .y = y0,
                              .w = imin(W, x + w + m) - x0,
                              .h = imin(H, y + h + m) - y0,
                              .outside = 1};
    }
out:
    pixDestroy(&bin);
    pixDestroy(&joined);
    boxaDestroy(&blocks);
    return njobs;
}

/* Whether one-line blocks a and b sit on one text line: each one's middle lies within the
 * other's height. */
static int same_text_line(const job *a, const job *b)
{
    int ma = a->y + a->h / 2, mb = b->y + b->h / 2;
    return ma >= b->y && ma < b->y + b->h && mb >= a->y && mb < a->y + a->h;
}

/* Whether block b, right of a on one text line, is only a word space away: closer than
 * one and a half times the text's height (widely spaced or monospaced type is cut into
 * words; a header's fields stand further apart). Blocks carry FREE_MARGIN on each side. */
static int word_gap(const job *a, const job *b)
{
    int gap = b->x - (a->x + a->w) + 2 * FREE_MARGIN;
    return 2 * gap < 3 * (imax(a->h, b->h) - 2 * FREE_MARGIN);
}

static int by_top(const void *pa, const void *pb)
{
    const job *a = *(const job *const *)pa, *b = *(const job *const *)pb;
    return (a->y > b->y) - (a->y < b->y);
}

static int by_left(const void *pa, const void *pb)
{
    const job *a = *(const job *const *)pa, *b = *(const job *const *)pb;
    return (a->x > b->x) - (a->x < b->x);
}

/* The free blocks' lines into page->free_text, top to bottom. One-line blocks on one text
 * line are joined left to right, with two spaces, which the header reader takes for a
 * separator: a header spaced out in print ("Class:  6H     Term: Autumn 2") is cut into
 * blocks, and a label needs its value on its own line. Blocks a word space apart are
 * joined with one space (widely spaced type). AP_OK or AP_ERR_NOMEM. */
ap_status raster_free_text_lines(job *blocks, size_t n, tt_page *page)
{
    ap_status st = AP_OK;
    job **order = malloc((n ? n : 1) * sizeof *order), **row = malloc((n ? n : 1) * sizeof *row);
    unsigned char *used = calloc(n ? n : 1, 1);
    sbuf text = {0};
    if (!order || !row || !used) {
        st = AP_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = &blocks[i];
    qsort(order, n, sizeof *order, by_top);
    for (size_t i = 0; i < n && st == AP_OK; i++) {
        const job *jb = order[i];
        if (used[i] || !jb->nlines) continue;
        if (jb->nlines > 1) {
            for (size_t k = 0; k < jb->nlines && st == AP_OK; k++) {
                const tt_line *l = &jb->lines[k];
                st = tt_lines_add(&page->free_text, &page->nfree, l->text, l->confidence, l->height,
                                  l->width);
            }
            continue;
        }
        size_t nrow = 0;
        for (size_t j = i; j < n; j++)
            if (!used[j] && order[j]->nlines == 1 && same_text_line(jb, order[j])) {
                used[j] = 1;
                row[nrow++] = order[j];
            }
        qsort(row, nrow, sizeof *row, by_left);
        float confidence = 100, height = 0;
        text.len = 0;
        for (size_t k = 0; k < nrow; k++) {
            const tt_line *l = &row[k]->lines[0];
            if (k) sbuf_puts(&text, word_gap(row[k - 1], row[k]) ? " " : "  ");
            sbuf_puts(&text, l->text);
            confidence = fminf(confidence, l->confidence);
            height = fmaxf(height, l->height);
        }
        if (text.oom)
            st = AP_ERR_NOMEM;
        else
            st = tt_lines_add(&page->free_text, &page->nfree, text.data ? text.data : "",
                              confidence, height, nrow == 1 ? row[0]->lines[0].width : 1);
    }
out:
    sbuf_free(&text);
    free(order);
    free(row);
    free(used);
    return st;
}

/* Lists among the free blocks become tables (tt_free_lists), with the times a table
 * beside them took (tt_table_time_lists), lists' headings over tables
 * join them (tt_free_headings), and so do grids' times printed over their frames
 * (tt_free_time_header); the blocks they take leave the free text. AP_OK or AP_ERR_NOMEM. */
ap_status raster_free_lists(job *blocks, size_t n, tt_page *page)
{
    tt_free_block *fb = malloc((n ? n : 1) * sizeof *fb);
    unsigned char *used = calloc(n ? n : 1, 1);
    ap_status st = AP_ERR_NOMEM;
    if (!fb || !used) goto out;
    for (size_t i = 0; i < n; i++)
        fb[i] = (tt_free_block){blocks[i].x, blocks[i].y,     blocks[i].w,
                                blocks[i].h, blocks[i].lines, blocks[i].nlines};
    if ((st = tt_free_day_rows(fb, n, used, page)) != AP_OK ||
        (st = tt_free_lists(fb, n, used, page)) != AP_OK ||
        (st = tt_table_time_lists(fb, n, used, page)) != AP_OK ||
        (st = tt_free_headings(fb, n, used, page)) != AP_OK ||
        (st = tt_free_time_header(fb, n, used, page)) != AP_OK)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (used[i]) {
            tt_lines_free(blocks[i].lines, blocks[i].nlines);
            blocks[i].lines = NULL;
            blocks[i].nlines = 0;
        }
out:
    free(fb);
    free(used);
    return st;
}
