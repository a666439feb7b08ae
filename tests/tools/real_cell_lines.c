/* real_cell_lines: cuts the cells that `aipipe extract` found on a page into text-line crops
 * and reads every crop with two engines through the same OCR interface, for
 * bench/bench_real_cells.sh.
 *
 * usage: real_cell_lines PAGE EXTRACT.json CELLS.png MODEL OUTDIR
 *   EXTRACT.json  `aipipe extract PAGE` (each timeblock's bbox: page, x, y, w, h)
 *   CELLS.png     `aipipe extract PAGE --debug-dir D`'s D/cells.png, whose cell outlines
 *                 carry the extractor's reading direction (green upright, red turned 90 =
 *                 bottom-to-top, blue 270 = top-to-bottom): the crops are turned upright by
 *                 the extractor's own decision, the same for both engines
 *   MODEL         the fine_tuned_ocr model (a directory or .safetensors)
 * Writes OUTDIR/cell_NNN_L.png per line crop and one JSON object per crop on stdout:
 *   {"cell", "bbox": [x, y, w, h], "rotation", "line", "image", "model", "model_conf",
 *    "model_ms", "tesseract", "tesseract_conf", "tesseract_ms"}
 * Cells sharing a bbox (a merged cell repeated for several days) are cut once. Line
 * splitting is engine independent: the cell, inset by 3 px, is binarised at the mid-grey of
 * its range; columns inked over 70% of the height and rows inked over 90% of the width
 * are rules, not text; rows holding under 4% of the fullest row's ink separate lines (lines
 * set tight touch only through descenders); each line is cropped to its ink with a margin
 * of a sixth of its height. Tesseract reads each crop as one line (psm 7; set
 * OMP_THREAD_LIMIT=1 in the environment), the model reads it as one line too. */
#include <jansson.h>
#include <leptonica/allheaders.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ocr/ocr.h"

#define MAX_CELLS 512
#define MAX_LINES 16

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The extractor's reading direction of the cell outlined at (x, y, w, h) in cells.png:
 * the colour of its outline on the left edge, half-way down. -1 when none is recognised. */
static int cell_rotation(PIX *cells, int x, int y, int h)
{
    int votes[3] = {0, 0, 0};
    for (int dx = 0; dx < 2; dx++)
        for (int dy = -2; dy <= 2; dy++) {
            l_int32 r, g, b;
            if (pixGetRGBPixel(cells, x + dx, y + h / 2 + dy, &r, &g, &b) != 0) continue;
            if (g == 180 && r == 0 && b == 0) votes[0]++;
            if (r == 230 && g == 0 && b == 0) votes[1]++;
            if (b == 230 && r == 0 && g == 0) votes[2]++;
        }
    int best = votes[0] >= votes[1] && votes[0] >= votes[2] ? 0 : votes[1] >= votes[2] ? 1 : 2;
    if (!votes[best]) return -1;
    return best == 0 ? 0 : best == 1 ? 90 : 270;
}

/* Line boxes of an upright grey cell (see the header); returns the count. */
static int split_lines(PIX *grey, BOX **boxes, int max)
{
    int w = pixGetWidth(grey), h = pixGetHeight(grey), wpl = pixGetWpl(grey);
    l_uint32 *data = pixGetData(grey);
    int lo = 255, hi = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int v = GET_DATA_BYTE(data + y * wpl, x);
            lo = v < lo ? v : lo, hi = v > hi ? v : hi;
        }
    if (hi - lo < 40) return 0;
    int mid = (lo + hi) / 2;
    unsigned char *ink = calloc((size_t)w * h, 1);
    int *col = calloc((size_t)w, sizeof *col), n = 0;
    if (!ink || !col) goto out;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (GET_DATA_BYTE(data + y * wpl, x) < mid) ink[(size_t)y * w + x] = 1, col[x]++;
    for (int x = 0; x < w; x++)
        if (col[x] > h * 7 / 10)
            for (int y = 0; y < h; y++)
                ink[(size_t)y * w + x] = 0;
    int *rows = calloc((size_t)h + 1, sizeof *rows), top = 0;
    if (!rows) goto out;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++)
            rows[y] += ink[(size_t)y * w + x];
        if (rows[y] >= w * 9 / 10) rows[y] = 0; /* a rule */
        top = rows[y] > top ? rows[y] : top;
    }
    /* A row with under 4% of the fullest row's ink is a gap: lines set tight touch only
     * through a descender or two. */
    int start = -1, gap = 0, min_gap = 1;
    for (int y = 0; y <= h; y++) {
        int has = y < h && rows[y] > top / 25;
        if (has) {
            if (start < 0) start = y;
            gap = 0;
            continue;
        }
        if (start < 0 || !(++gap > min_gap || y == h)) continue;
        int end = y - gap + 1, x0 = w, x1 = -1;
        for (int yy = start; yy < end; yy++)
            for (int x = 0; x < w; x++)
                if (ink[(size_t)yy * w + x]) x0 = x < x0 ? x : x0, x1 = x > x1 ? x : x1;
        if (end - start >= 4 && x1 >= x0 && n < max) {
            int pad = (end - start) / 6 + 1;
            int bx = x0 - pad > 0 ? x0 - pad : 0, by = start - pad > 0 ? start - pad : 0;
            int bx1 = x1 + 1 + pad < w ? x1 + 1 + pad : w, by1 = end + pad < h ? end + pad : h;
            boxes[n++] = boxCreate(bx, by, bx1 - bx, by1 - by);
        }
        start = -1;
        gap = 0;
    }
    free(rows);
out:
    free(ink);
    free(col);
    return n;
}

static int read_with(ocr_engine *e, PIX *line, char **text, float *conf, double *ms)
{
    ocr_params p = {.layout = OCR_LAYOUT_LINE, .flags = OCR_DARK_ON_LIGHT};
    ocr_result r = {0};
    ap_error err = {0};
    double t0 = now_ms();
    ap_status st = ocr_recognize(e, line, &p, &r, &err);
    *ms = now_ms() - t0;
    if (st != AP_OK) {
        fprintf(stderr, "real_cell_lines: %s: %s\n", ocr_engine_name(e), err.msg);
        return -1;
    }
    *text = strdup(r.text ? r.text : "");
    *conf = r.confidence;
    ocr_result_free(&r);
    /* One line: Tesseract may still end the text with a newline. */
    for (char *p2 = *text; p2 && *p2; p2++)
        if (*p2 == '\n') *p2 = ' ';
    size_t n = *text ? strlen(*text) : 0;
    while (n && (*text)[n - 1] == ' ')
        (*text)[--n] = 0;
    return *text ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: real_cell_lines PAGE EXTRACT.json CELLS.png MODEL OUTDIR\n");
        return 2;
    }
    int rc = 1;
    PIX *page = pixRead(argv[1]), *cells = pixRead(argv[3]), *grey = NULL;
    json_error_t jerr;
    json_t *doc = json_load_file(argv[2], 0, &jerr);
    ocr_engine *model = NULL, *tess = NULL;
    ap_error err = {0};
    int seen[MAX_CELLS][4], nseen = 0;
    if (!page || !cells || !doc) {
        fprintf(stderr, "real_cell_lines: cannot read %s\n",
                !page    ? argv[1]
                : !cells ? argv[3]
                         : argv[2]);
        goto out;
    }
    grey = pixConvertTo8(page, 0);
    ocr_options mo = {.engine = "fine_tuned_ocr", .datapath = argv[4]};
    ocr_options to = {.engine = "tesseract", .language = "eng"};
    if (!grey || ocr_engine_open(&mo, &model, &err) != AP_OK ||
        ocr_engine_open(&to, &tess, &err) != AP_OK) {
        fprintf(stderr, "real_cell_lines: %s\n", err.msg);
        goto out;
    }
    size_t i;
    json_t *b;
    json_array_foreach(json_object_get(doc, "timeblocks"), i, b)
    {
        json_t *bb = json_object_get(b, "bbox");
        int x = (int)json_integer_value(json_object_get(bb, "x"));
        int y = (int)json_integer_value(json_object_get(bb, "y"));
        int w = (int)json_integer_value(json_object_get(bb, "w"));
        int h = (int)json_integer_value(json_object_get(bb, "h"));
        int dup = 0;
        for (int k = 0; k < nseen && !dup; k++)
            dup = seen[k][0] == x && seen[k][1] == y && seen[k][2] == w && seen[k][3] == h;
        if (dup || w < 10 || h < 10 || nseen >= MAX_CELLS) continue;
        int cell = nseen;
        seen[nseen][0] = x, seen[nseen][1] = y, seen[nseen][2] = w, seen[nseen][3] = h, nseen++;
        int rot = cell_rotation(cells, x, y, h);
        if (rot < 0) rot = 0;
        BOX *box = boxCreate(x + 3, y + 3, w - 6, h - 6);
        PIX *crop = box ? pixClipRectangle(grey, box, NULL) : NULL;
        boxDestroy(&box);
        /* Upright: 90 reads bottom-to-top, so it turns clockwise; 270 the other way. */
        PIX *up = crop && rot ? pixRotateOrth(crop, rot == 90 ? 1 : 3) : pixClone(crop);
        pixDestroy(&crop);
        if (!up) continue;
        BOX *lines[MAX_LINES];
        int n = split_lines(up, lines, MAX_LINES);
        for (int l = 0; l < n; l++) {
            PIX *line = pixClipRectangle(up, lines[l], NULL);
            boxDestroy(&lines[l]);
            if (!line) continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/cell_%03d_%d.png", argv[5], cell, l);
            pixWrite(path, line, IFF_PNG);
            char *mt = NULL, *tt = NULL;
            float mc = 0, tc = 0;
            double mms = 0, tms = 0;
            if (read_with(model, line, &mt, &mc, &mms) == 0 &&
                read_with(tess, line, &tt, &tc, &tms) == 0) {
                json_t *o =
                    json_pack("{s:i,s:[i,i,i,i],s:i,s:i,s:s,s:s,s:f,s:f,s:s,s:f,s:f}", "cell", cell,
                              "bbox", x, y, w, h, "rotation", rot, "line", l, "image", path,
                              "model", mt, "model_conf", (double)mc, "model_ms", mms, "tesseract",
                              tt, "tesseract_conf", (double)tc, "tesseract_ms", tms);
                char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
                if (s) puts(s);
                free(s);
                json_decref(o);
            }
            free(mt);
            free(tt);
            pixDestroy(&line);
        }
        pixDestroy(&up);
    }
    rc = 0;
out:
    ocr_engine_close(model);
    ocr_engine_close(tess);
    json_decref(doc);
    pixDestroy(&page);
    pixDestroy(&cells);
    pixDestroy(&grey);
    return rc;
}
