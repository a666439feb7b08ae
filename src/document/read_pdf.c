/* read_pdf: a PDF document to tt_page grids through MuPDF (see readers.h).
 *
 * Every page is examined, in order:
 *   1. a collecting device runs the page's content and keeps the rules: stroked straight
 *      segments that run across or down the page, filled rectangles thin enough to be a
 *      line, and the outline of filled cell-sized rectangles (a coloured cell's edge is
 *      where its rules run); it also notes how much of the page images cover;
 *   2. the rules are painted as thin runs into two 1 bpp masks (2 px per point) and handed
 *      to vision/table's lattice stage, the same one the raster path uses, so rules, merged
 *      cells, partial borders and split cells mean the same thing in both paths;
 *   3. the page's structured text (characters with positions, sizes and directions) is
 *      cut into cells by each character's centre; within a cell, pieces on one baseline
 *      are one line, lines ordered the way a reader of the text's direction sees them;
 *      text outside every table is the page's free text (titles, "Teacher: ...");
 *   4. a page with (almost) no text but with drawing, or with text but no ruled table and
 *      a page-sized image (a scan, perhaps with an invisible OCR layer), or with a
 *      picture of a fifth of the page and text that names no day and no time, is rendered
 *      and takes the raster path: at the resolution of the image that covers the most of
 *      the page (its pixels map 1:1), at 200 dpi when no image covers most of it, with
 *      fewer pixels for huge pages.
 * A page without a table or text adds nothing; the interpreter skips what is not a
 * timetable.
 *
 * Bounds: TT_PDF_MAX_PAGES pages (more is refused before any is read), characters per
 * page, rules per page, pixels per rendered page, a wall-clock budget for the vector work
 * and a cap on the memory MuPDF may allocate (its allocator is ours and counts). MuPDF
 * errors are caught at each call (fz_try) and become statuses: a document that does not
 * open is AP_ERR_INVALID, never a crash.
 *
 * Thread safety: MuPDF contexts are not thread-safe, so every call makes its own context
 * (no locks, used by the calling thread only) and drops it before returning; calls on
 * different threads share nothing. */
#include <math.h>
#include <stdlib.h>
#include <time.h>
#include <mupdf/pdf.h>
#include <string.h>

#include "core/files.h"
#include "core/log.h"
#include "core/testable.h"
#include "document/page_debug.h"
#include "document/pdf_internal.h"
#include "document/readers.h"
#include "document/timeparse.h"

#define PDF_MIN_TEXT   8                   /* fewer printable characters: a scanned page */
#define PDF_RENDER_DPI 200.0f              /* a scanned page drawn as vectors, not a picture */
#define PDF_MIN_DPI    100.0               /* a coarser scan is enlarged to this */
#define PDF_MAX_RENDER ((size_t)16000000)  /* pixels of one rendered page */
#define PDF_MEM_CAP    ((size_t)512 << 20) /* bytes MuPDF may hold at once */
#define PDF_STORE      ((size_t)64 << 20)  /* MuPDF's resource cache */
#define PDF_TIME_LIMIT 30.0                /* seconds for the vector work of one document */

/* ---- MuPDF's allocator: counts what it holds and refuses past the cap ---- */

typedef struct mem_cap {
    size_t used, cap;
    int hit; /* an allocation was refused for the cap */
} mem_cap;

#define MEM_HDR 16 /* keeps the payload aligned for any type */

static void *cap_malloc(void *user, size_t size)
{
    mem_cap *m = user;
    if (size > m->cap - m->used || size > SIZE_MAX - MEM_HDR) {
        m->hit = 1;
        return NULL;
    }
    unsigned char *p = malloc(size + MEM_HDR);
    if (!p) return NULL;
    memcpy(p, &size, sizeof size);
    m->used += size;
    return p + MEM_HDR;
}

static void cap_free(void *user, void *ptr)
{
    mem_cap *m = user;
    if (!ptr) return;
    unsigned char *p = (unsigned char *)ptr - MEM_HDR;
    size_t size;
    memcpy(&size, p, sizeof size);
    m->used -= size;
    free(p);
}

static void *cap_realloc(void *user, void *ptr, size_t size)
{
    mem_cap *m = user;
    if (!ptr) return cap_malloc(user, size);
    if (size == 0) {
        cap_free(user, ptr);
        return NULL;
    }
    unsigned char *p = (unsigned char *)ptr - MEM_HDR;
    size_t old;
    memcpy(&old, p, sizeof old);
    if ((size > old && size - old > m->cap - m->used) || size > SIZE_MAX - MEM_HDR) {
        m->hit = 1;
        return NULL;
    }
    unsigned char *q = realloc(p, size + MEM_HDR);
    if (!q) return NULL;
    memcpy(q, &size, sizeof size);
    m->used = m->used - old + size;
    return q + MEM_HDR;
}

static void quiet_mupdf(void *user, const char *message)
{
    (void)user;
    log_debug("pdf: mupdf: %s", message);
}

/* ---- scanned pages: rendered, then the raster path ---- */

/* Pixels per point for rendering a scanned page: the scan's own resolution, so that its
 * pixels map 1:1 (resampling blurs the strokes OCR reads: a 150 dpi scan drawn at 200 dpi
 * loses about a tenth of its strict F1), never below PDF_MIN_DPI (a coarse scan is
 * enlarged for the OCR's sake); PDF_RENDER_DPI for a page that is drawing, not a picture
 * (image_ppp 0); fewer pixels when the page would pass PDF_MAX_RENDER. */
TESTABLE double pdf_render_scale(double width, double height, double image_ppp)
{
    double s = image_ppp > 0 ? fmax(image_ppp, PDF_MIN_DPI / 72.0) : PDF_RENDER_DPI / 72.0;
    if (width > 0 && height > 0 && width * height * s * s > (double)PDF_MAX_RENDER)
        s = sqrt((double)PDF_MAX_RENDER / (width * height));
    return s;
}

/* The page rendered in grey at pdf_render_scale; *scale: pixels per point. Throws on
 * MuPDF errors. */
static fz_pixmap *render_page(fz_context *ctx, fz_page *page, fz_rect bounds, double image_ppp,
                              float *scale)
{
    double w = bounds.x1 - bounds.x0, h = bounds.y1 - bounds.y0;
    double s = pdf_render_scale(w, h, image_ppp);
    *scale = (float)s;
    return fz_new_pixmap_from_page(ctx, page, fz_scale((float)s, (float)s), fz_device_gray(ctx), 0);
}

/* A grey pixmap as a Leptonica image (caller frees); NULL when out of memory. */
static PIX *pix_from_pixmap(fz_context *ctx, fz_pixmap *pm)
{
    int w = fz_pixmap_width(ctx, pm), h = fz_pixmap_height(ctx, pm);
    int n = fz_pixmap_components(ctx, pm);
    ptrdiff_t stride = fz_pixmap_stride(ctx, pm);
    const unsigned char *samples = fz_pixmap_samples(ctx, pm);
    PIX *pix = w > 0 && h > 0 && n >= 1 ? pixCreate(w, h, 8) : NULL;
    if (!pix) return NULL;
    l_uint32 *data = pixGetData(pix);
    int wpl = pixGetWpl(pix);
    for (int y = 0; y < h; y++) {
        const unsigned char *row = samples + (size_t)y * (size_t)stride;
        l_uint32 *line = data + (size_t)y * (size_t)wpl;
        for (int x = 0; x < w; x++)
            SET_DATA_BYTE(line, x, row[(size_t)x * (size_t)n]);
    }
    return pix;
}

/* Boxes of a raster page are in rendered pixels: bring them back to page points. */
static void scale_boxes(tt_page *page, float scale, fz_rect bounds, int number)
{
    page->number = number;
    for (size_t t = 0; t < page->ntables; t++) {
        tt_table *tt = &page->tables[t];
        tt->bbox = (tt_bbox){.page = number,
                             .x = (int)lroundf(tt->bbox.x / scale + bounds.x0),
                             .y = (int)lroundf(tt->bbox.y / scale + bounds.y0),
                             .w = (int)lroundf(tt->bbox.w / scale),
                             .h = (int)lroundf(tt->bbox.h / scale)};
        for (size_t c = 0; c < tt->ncells; c++) {
            tt_bbox *b = &tt->cells[c].bbox;
            *b = (tt_bbox){.page = number,
                           .x = (int)lroundf(b->x / scale + bounds.x0),
                           .y = (int)lroundf(b->y / scale + bounds.y0),
                           .w = (int)lroundf(b->w / scale),
                           .h = (int)lroundf(b->h / scale)};
        }
    }
}

/* ---- one page ---- */

typedef struct reader {
    fz_context *ctx;
    fz_document *doc;
    mem_cap mem;
    struct timespec deadline;
    ocr_engine **engines;
    size_t nengines;
    const tt_extract_options *opts;
} reader;

/* Turns the current MuPDF error into a status (after fz_catch). */
static ap_status mupdf_failure(reader *rd, int number, int timed_out, ap_error *err)
{
    const char *msg = fz_caught_message(rd->ctx);
    if (timed_out)
        return ap_fail(err, AP_ERR_TIMEOUT, "pdf: page %d: over the %.0f s budget for the document",
                       number, PDF_TIME_LIMIT);
    if (rd->mem.hit)
        return ap_fail(err, AP_ERR_TOO_LARGE, "pdf: page %d needs more than %zu MiB", number,
                       PDF_MEM_CAP >> 20);
    if (fz_caught(rd->ctx) == FZ_ERROR_MEMORY)
        return ap_fail(err, AP_ERR_NOMEM, "pdf: page %d: out of memory", number);
    return ap_fail(err, AP_ERR_INVALID, "pdf: page %d cannot be read: %s", number, msg);
}

/* Loads the page, collects its rules into c and its structured text into *text (NULL
 * for an empty page). The fz_try lives here, apart from the caller's many locals, so
 * that nothing the longjmp could clobber is used after it. */
static ap_status load_page(reader *rd, int number, fz_page **page, pdf_collector *c,
                           fz_stext_page **text, ap_error *err)
{
    fz_context *ctx = rd->ctx;
    fz_try(ctx)
    {
        *page = fz_load_page(ctx, rd->doc, number - 1);
        c->page = fz_bound_page(ctx, *page);
        c->page_area = (double)(c->page.x1 - c->page.x0) * (c->page.y1 - c->page.y0);
        if (!fz_is_empty_rect(c->page)) {
            pdf_collect_rules(ctx, *page, c);
            *text = fz_new_stext_page_from_page(ctx, *page, &(fz_stext_options){.flags = 0});
        }
    }
    fz_catch(ctx) return mupdf_failure(rd, number, c->timed_out, err);
    return AP_OK;
}

static ap_status render(reader *rd, int number, fz_page *page, fz_rect bounds, double image_ppp,
                        fz_pixmap **pm, float *scale, ap_error *err)
{
    fz_context *ctx = rd->ctx;
    fz_try(ctx) *pm = render_page(ctx, page, bounds, image_ppp, scale);
    fz_catch(ctx) return mupdf_failure(rd, number, 0, err);
    return AP_OK;
}

/* --debug-dir: a PDF's pages write their images into DIR/page-N (made here); NULL
 * without a debug directory or when the folder cannot be made. */
static const char *page_debug_dir(const reader *rd, int number, char *buf, size_t size)
{
    ap_error e;
    if (!rd->opts || !rd->opts->debug_dir) return NULL;
    snprintf(buf, size, "%s/page-%d", rd->opts->debug_dir, number);
    return files_mkdir_p(buf, &e) == AP_OK ? buf : NULL;
}

/* A page read from its text, for a person: lines.png (the page with its rules, drawn
 * ones red, those implied by fills or text orange) and page_debug's cells. */
static void write_debug(reader *rd, int number, fz_page *page, const pdf_collector *c,
                        const tt_page *out, const char *dir)
{
    char path[1024];
    fz_pixmap *pm = NULL;
    float scale = 1;
    ap_error e;
    if (render(rd, number, page, c->page, 0, &pm, &scale, &e) != AP_OK) return;
    PIX *pix = pix_from_pixmap(rd->ctx, pm);
    fz_drop_pixmap(rd->ctx, pm);
    PIX *lines = pix ? pixConvertTo32(pix) : NULL;
    for (size_t i = 0; lines && i < c->nrules; i++) {
        const pdf_rule *r = &c->rules[i];
        pixRenderLineArb(lines, (int)lroundf((r->x0 - c->page.x0) * scale),
                         (int)lroundf((r->y0 - c->page.y0) * scale),
                         (int)lroundf((r->x1 - c->page.x0) * scale),
                         (int)lroundf((r->y1 - c->page.y0) * scale), 2, 255, r->drawn ? 0 : 140, 0);
    }
    if (lines && snprintf(path, sizeof path, "%s/lines.png", dir) < (int)sizeof path &&
        pixWrite(path, lines, IFF_PNG) != 0)
        log_debug("pdf: cannot write %s", path);
    if (pix) tt_page_debug_write(dir, out, "pdf", pix, scale, c->page.x0, c->page.y0);
    pixDestroy(&lines);
    pixDestroy(&pix);
}

/* Reads page number (1-based) into *page. *used: the page gave something (a table or text). */
static ap_status read_page(reader *rd, int number, tt_page *out, int *used, ap_error *err)
{
    ap_status st = AP_OK;
    fz_context *ctx = rd->ctx;
    fz_page *page = NULL;
    fz_stext_page *text = NULL;
    fz_pixmap *pm = NULL;
    PIX *pix = NULL;
    img_table *tables = NULL;
    size_t ntables = 0;
    int **unit_cell = NULL;
    pdf_pieces ps = {0};
    pdf_collector c;
    char debug_buf[1024];
    const char *debug = page_debug_dir(rd, number, debug_buf, sizeof debug_buf);
    memset(&c, 0, sizeof c);
    memset(out, 0, sizeof *out);
    *used = 0;
    c.deadline = rd->deadline;

    if ((st = load_page(rd, number, &page, &c, &text, err)) != AP_OK) goto out;
    if (!text) goto out; /* an empty page */
    if (c.oom) {
        st = ap_fail(err, AP_ERR_NOMEM, "pdf: out of memory");
        goto out;
    }
    if (c.too_many)
        log_debug("pdf: page %d: more than %d rules, the rest ignored", number, PDF_MAX_RULES);

    float s = 1;
    {
        pdf_cbox *boxes = NULL;
        size_t nboxes = 0;
        st = pdf_char_boxes(text, c.page, &boxes, &nboxes);
        if (st != AP_OK) {
            free(boxes);
            st = st == AP_ERR_NOMEM ? ap_fail(err, st, "pdf: out of memory")
                                    : ap_fail(err, st, "pdf: page %d holds more than %d characters",
                                              number, PDF_MAX_CHARS);
            goto out;
        }
        pdf_find_panels(&c, boxes, nboxes);
        /* a panel is a table even without inner rules (the lattice drops one-cell
         * tables): rows and columns from its text */
        for (size_t p = 0; p < c.npanels; p++)
            pdf_text_grid(&c, c.panels[p].x0 - c.page.x0, c.panels[p].y0 - c.page.y0,
                          c.panels[p].x1 - c.page.x0, c.panels[p].y1 - c.page.y0, boxes, nboxes, 0,
                          NULL, 0);
        pdf_close_row_tables(&c);
        if ((st = pdf_rule_tables(&c, &tables, &ntables, &s, err)) != AP_OK) {
            free(boxes);
            goto out;
        }
        if (!c.oom && pdf_band_rules(&c, tables, ntables, s, boxes, nboxes)) {
            img_tables_free(tables, ntables);
            tables = NULL;
            ntables = 0;
            if ((st = pdf_rule_tables(&c, &tables, &ntables, &s, err)) != AP_OK) {
                free(boxes);
                goto out;
            }
        }
        size_t before = c.nrules;
        pdf_text_rules(&c, tables, ntables, s, boxes, nboxes);
        if (c.nrules > before && !c.oom) {
            img_tables_free(tables, ntables);
            tables = NULL;
            ntables = 0;
            st = pdf_rule_tables(&c, &tables, &ntables, &s, err);
        }
        float em = pdf_median_size(boxes, nboxes);
        if (st == AP_OK && !c.oom && pdf_below_rules(&c, tables, ntables, s, boxes, nboxes, em)) {
            img_tables_free(tables, ntables);
            tables = NULL;
            ntables = 0;
            st = pdf_rule_tables(&c, &tables, &ntables, &s, err);
        }
        if (st == AP_OK && !c.oom && pdf_list_rules(&c, tables, ntables, s, boxes, nboxes, em)) {
            img_tables_free(tables, ntables);
            tables = NULL;
            ntables = 0;
            st = pdf_rule_tables(&c, &tables, &ntables, &s, err);
        }
        if (st == AP_OK && !c.oom && pdf_borderless_rules(&c, tables, ntables, s, boxes, nboxes)) {
            img_tables_free(tables, ntables);
            tables = NULL;
            ntables = 0;
            st = pdf_rule_tables(&c, &tables, &ntables, &s, err);
        }
        /* a second round: a cell split into rows may now be parted across too (a text
         * crossing the line in one row kept the cell of all the rows whole) */
        for (int round = 0; round < 2 && st == AP_OK && !c.oom &&
                            pdf_split_merged(&c, tables, ntables, s, boxes, nboxes);
             round++) {
            img_tables_free(tables, ntables);
            tables = NULL;
            ntables = 0;
            st = pdf_rule_tables(&c, &tables, &ntables, &s, err);
        }
        if (st == AP_OK && !c.oom &&
            pdf_split_lists(&tables, &ntables, s, boxes, nboxes, em) != AP_OK)
            st = ap_fail(err, AP_ERR_NOMEM, "pdf: out of memory");
        free(boxes);
        if (st != AP_OK) goto out;
        if (c.oom) goto oom;
    }
    if (ntables && !(unit_cell = calloc(ntables, sizeof *unit_cell))) goto oom;
    for (size_t t = 0; t < ntables; t++) {
        size_t units = (size_t)tables[t].nrows * (size_t)tables[t].ncols;
        if (!(unit_cell[t] = malloc(units * sizeof **unit_cell))) goto oom;
        for (size_t u = 0; u < units; u++)
            unit_cell[t][u] = -1;
        for (size_t k = 0; k < tables[t].ncells; k++) {
            const img_cell *ic = &tables[t].cells[k];
            for (int r = ic->row; r < ic->row + ic->nrows; r++)
                for (int q = ic->col; q < ic->col + ic->ncols; q++)
                    unit_cell[t][r * tables[t].ncols + q] = (int)k;
        }
    }
    pdf_cell_map m = {
        .tables = tables, .ntables = ntables, .unit_cell = unit_cell, .s = s, .page = c.page};
    size_t nchars = 0;
    if ((st = pdf_text_pieces(text, &m, &ps, &nchars, err)) != AP_OK) goto out;
    size_t printable = 0;
    int axis_text = 0; /* a day or a time is printed as text */
    tp_match tm;
    for (size_t i = 0; i < ps.n; i++) {
        const char *t = ps.v[i].text;
        for (const char *p = t; *p; p++)
            printable += *p != ' ';
        axis_text =
            axis_text || tt_text_names_day(t, strlen(t)) || tp_find(t, strlen(t), 0, 0, &tm);
    }

    /* A scan: (almost) no text but something drawn, or text but no ruled table over a
     * page-sized image (an invisible OCR layer), or a picture of a fifth of the page or
     * more beside text that names no day and no time (a screenshot of a timetable under
     * a title): read the picture instead. */
    int scanned = (printable < PDF_MIN_TEXT && (c.image_area > 0 || c.paths >= 4)) ||
                  (ntables == 0 && c.image_area * 2 > c.page_area) ||
                  (ntables == 0 && !axis_text && c.image_best * 5 > c.page_area);
    if (scanned) {
        float scale = 1;
        /* the scan's own resolution when an image covers most of the page */
        double ppp = c.image_best * 2 > c.page_area ? c.image_ppp : 0;
        if ((st = render(rd, number, page, c.page, ppp, &pm, &scale, err)) != AP_OK) goto out;
        if (!(pix = pix_from_pixmap(ctx, pm))) goto oom;
        tt_extract_options o = {0};
        if (rd->opts) o = *rd->opts;
        o.debug_dir = debug;
        st = tt_read_raster(pix, rd->engines, rd->nengines, rd->opts ? &o : NULL, out, err);
        if (st != AP_OK) goto out;
        scale_boxes(out, scale, c.page, number);
        *used = 1;
        log_debug("pdf: page %d: scanned (%zu characters), read as a %dx%d image", number,
                  printable, pixGetWidth(pix), pixGetHeight(pix));
        goto out;
    }
    out->number = number;
    if ((st = pdf_fill_page(tables, ntables, &m, &ps, number, out, err)) != AP_OK) goto out;
    *used = out->ntables > 0 || out->nfree > 0;
    if (debug) write_debug(rd, number, page, &c, out, debug);
    log_debug("pdf: page %d: %zu rules, %zu tables, %zu characters", number, c.nrules, ntables,
              nchars);
    goto out;
oom:
    st = ap_fail(err, AP_ERR_NOMEM, "pdf: out of memory");
out:
    if (st != AP_OK) tt_page_free(out);
    for (size_t t = 0; unit_cell && t < ntables; t++)
        free(unit_cell[t]);
    free(unit_cell);
    img_tables_free(tables, ntables);
    pdf_pieces_free(&ps);
    free(c.rules);
    free(c.fills);
    free(c.panels);
    pixDestroy(&pix);
    fz_drop_pixmap(ctx, pm);
    fz_drop_stext_page(ctx, text);
    fz_drop_page(ctx, page);
    return st;
}

/* ---- the document ---- */

static ap_status open_document(reader *rd, const unsigned char *data, size_t len,
                               fz_stream **stream, int *count, ap_error *err)
{
    fz_context *ctx = rd->ctx;
    fz_try(ctx)
    {
        *stream = fz_open_memory(ctx, data, len);
        rd->doc = (fz_document *)pdf_open_document_with_stream(ctx, *stream);
        *count = fz_count_pages(ctx, rd->doc);
    }
    fz_catch(ctx)
    {
        if (rd->mem.hit)
            return ap_fail(err, AP_ERR_TOO_LARGE, "pdf: opening needs more than %zu MiB",
                           PDF_MEM_CAP >> 20);
        return ap_fail(err, AP_ERR_INVALID, "pdf: not a readable PDF: %s", fz_caught_message(ctx));
    }
    return AP_OK;
}

ap_status tt_read_pdf(const unsigned char *data, size_t len, ocr_engine **engines, size_t nengines,
                      const tt_extract_options *opts, tt_page **pages_out, size_t *npages_out,
                      ap_error *err)
{
    ap_status st = AP_OK;
    reader rd = {
        .mem = {.cap = PDF_MEM_CAP}, .engines = engines, .nengines = nengines, .opts = opts};
    fz_alloc_context alloc = {
        .user = &rd.mem, .malloc = cap_malloc, .realloc = cap_realloc, .free = cap_free};
    fz_stream *stream = NULL;
    tt_page *pages = NULL;
    size_t npages = 0;
    int count = 0;
    *pages_out = NULL;
    *npages_out = 0;
    clock_gettime(CLOCK_MONOTONIC, &rd.deadline);
    rd.deadline.tv_sec += (time_t)PDF_TIME_LIMIT;

    if (!(rd.ctx = fz_new_context(&alloc, NULL, PDF_STORE)))
        return ap_fail(err, AP_ERR_NOMEM, "pdf: cannot create a MuPDF context");
    fz_context *ctx = rd.ctx;
    fz_set_warning_callback(ctx, quiet_mupdf, NULL);
    fz_set_error_callback(ctx, quiet_mupdf, NULL);
    if ((st = open_document(&rd, data, len, &stream, &count, err)) != AP_OK) goto out;
    if (count <= 0) {
        st = ap_fail(err, AP_ERR_INVALID, "pdf: the document has no pages");
        goto out;
    }
    if (count > TT_PDF_MAX_PAGES) {
        st = ap_fail(err, AP_ERR_TOO_LARGE, "pdf: %d pages; at most %d are read", count,
                     TT_PDF_MAX_PAGES);
        goto out;
    }
    if (!(pages = calloc((size_t)count, sizeof *pages))) {
        st = ap_fail(err, AP_ERR_NOMEM, "pdf: out of memory");
        goto out;
    }
    for (int i = 1; i <= count; i++) {
        int used = 0;
        if (pdf_past_deadline(&rd.deadline)) {
            st = ap_fail(err, AP_ERR_TIMEOUT, "pdf: over the %.0f s budget at page %d",
                         PDF_TIME_LIMIT, i);
            goto out;
        }
        if ((st = read_page(&rd, i, &pages[npages], &used, err)) != AP_OK) goto out;
        if (used)
            npages++;
        else
            tt_page_free(&pages[npages]);
    }
out:
    if (st != AP_OK) {
        for (size_t i = 0; pages && i < npages; i++)
            tt_page_free(&pages[i]);
        free(pages);
        pages = NULL;
        npages = 0;
    }
    fz_drop_document(ctx, rd.doc);
    fz_drop_stream(ctx, stream);
    fz_drop_context(ctx);
    *pages_out = pages;
    *npages_out = npages;
    return st;
}
