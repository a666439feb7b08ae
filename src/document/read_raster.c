/* read_raster: a page image to a tt_page (see readers.h).
 *
 * Workers start first (raster_read.c: one per engine, each engine used by its own thread
 * only; when the caller gave none, each opens its own, which overlaps Tesseract's model
 * loading with the page analysis). The page is turned grey, its grain smoothed
 * (vision/noise), its light evened out (vision/light), flattened when it is a photo
 * (vision/perspective) and deskewed; vision/table finds the ruled tables; every cell with
 * ink, and every block of ink outside the tables (raster_free.c), becomes a job. Once read,
 * a cell holding a list printed without rules becomes a table of its own (cell_lists.c). */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/files.h"
#include "core/log.h"
#include "vision/convert.h"
#include "vision/image.h"
#include "vision/light.h"
#include "vision/noise.h"
#include "vision/perspective.h"
#include "vision/resolution.h"
#include "vision/sharpness.h"
#include "vision/whitespace.h"

#include "document/raster_internal.h"

/* A reading of fewer blocks than ORIENT_MIN_BLOCKS, or than ORIENT_MIN_YIELD per cell
 * holding text, or of blocks less sure than ORIENT_MIN_CONFIDENCE on average, is poor
 * (read_oriented). Upright timetables give dozens of blocks at 0.9 and more, most cells
 * one each (header and day cells none); pages turned the wrong way gave 0-6 blocks from
 * 60-180 cells with text. A poor reading is tried again turned only when more than
 * ORIENT_SIDEWAYS_SHARE of its characters were read sideways or they were read less sure
 * than ORIENT_MIN_CONFIDENCE: the real pages turned gave 49-100% sideways or 27-58% sure;
 * poor readings of upright generated pages 0-23% and 34-96%. */
#define ORIENT_MIN_BLOCKS     5
#define ORIENT_MIN_YIELD      0.25f /* blocks per cell with text */
#define ORIENT_MIN_CONFIDENCE 0.6f
#define ORIENT_SIDEWAYS_SHARE 0.4
/* A page of small print is enlarged to at most this many pixels (vision/resolution). */
#define RASTER_MAX_UPSCALED ((size_t)16000000)

/* Adds what read the page's jobs to stats. */
static void tally(tt_extract_stats *stats, const work *wk)
{
    size_t tess = 0;
    for (size_t i = 0; i < wk->njobs; i++) {
        const job *jb = &wk->jobs[i];
        if (!jb->inked) continue;
        stats->cells++;
        stats->crnn_cells += jb->reader == READ_CRNN;
        stats->fallback_cells += jb->fallback;
        tess += jb->reader == READ_TESSERACT;
    }
    if (stats->crnn_cells && !*stats->crnn_version)
        snprintf(stats->crnn_version, sizeof stats->crnn_version, "%s", wk->crnn_version);
    if (tess && !*stats->tesseract_version)
        snprintf(stats->tesseract_version, sizeof stats->tesseract_version, "%s", wk->tess_version);
}

/* The page's grey (*grey_out) and its colour (*colour_out, 32 bpp; NULL when the page
 * has none or it is left out), both of one size, normalised before its structure is
 * sought: grain smoothed away (vision/noise), then small print enlarged
 * (vision/resolution); a clean page of ordinary print comes back as it is. A grainy
 * page's colour is left out: its smoothed grey carries its fills (the real pages under
 * noise read the same without the colour), and smoothing three channels would triple
 * the filter's time. *blur_out is the width of its edges (vision/sharpness) and
 * *grain_out the grain left on its grey, for the cells' reading. A blurred page's grey
 * also comes sharpened (*sharp_out, of the same size; NULL for a sharp page): before the
 * enlargement, whose interpolation would spread the edges the 3 x 3 mask restores.
 * Caller frees all three; AP_ERR_PROCESSING or AP_ERR_NOMEM on failure, with all NULL. */
static ap_status normalise_page(PIX *pix, PIX **grey_out, PIX **colour_out, PIX **sharp_out,
                                float *blur_out, float *grain_out, ap_error *err)
{
    *grey_out = *colour_out = *sharp_out = NULL;
    PIX *sharp = NULL;
    PIX *grey = pixGetDepth(pix) == 8 ? pixClone(pix) : img_grey_of(pix), *colour = NULL;
    if (!grey) return ap_fail(err, AP_ERR_PROCESSING, "extract: cannot convert the page to grey");
    int has_colour = pixGetDepth(pix) == 32 || pixGetColormap(pix) != NULL;
    /* a colour-mapped grey is read by its map elsewhere: left as it is */
    int plain = pixGetColormap(grey) == NULL;
    float grain = plain ? img_noise_sigma(grey) : 0;
    if (grain >= IMG_NOISY_SIGMA) {
        PIX *smooth = img_denoise(grey, grain);
        pixDestroy(&grey);
        if (!(grey = smooth)) goto nomem;
        has_colour = 0;
        log_debug("extract: grain of %.1f grey levels smoothed", grain);
    }
    if (has_colour && !(colour = pixGetDepth(pix) == 32 ? pixClone(pix) : pixConvertTo32(pix)))
        goto nomem;
    if (plain) {
        /* a page lit from one side has paper as grey as a fill on its dark side: the
         * light is evened out before rules, fills and ink are told from paper */
        PIX *lit_colour = NULL, *lit = img_flatten_light(grey, colour, colour ? &lit_colour : NULL);
        if (!lit || (colour && !lit_colour)) {
            pixDestroy(&lit);
            pixDestroy(&lit_colour);
            goto nomem;
        }
        pixDestroy(&grey);
        grey = lit;
        if (colour) {
            pixDestroy(&colour);
            colour = lit_colour;
        }
    }
    /* measured before the enlargement, which would widen the edges */
    *blur_out = plain ? img_edge_width(grey) : 0;
    *grain_out = *blur_out >= IMG_BLUR_WIDTH ? img_noise_sigma(grey) : 0;
    if (*blur_out >= IMG_BLUR_WIDTH && !(sharp = img_sharpen(grey, *blur_out, *grain_out)))
        goto nomem;
    float upscale = plain ? img_page_upscale(grey, RASTER_MAX_UPSCALED) : 1.0f;
    if (upscale > 1.0f) {
        PIX *big = img_upscale(grey, upscale);
        pixDestroy(&grey);
        if (!(grey = big)) goto nomem;
        if (colour) {
            big = img_upscale(colour, upscale);
            pixDestroy(&colour);
            if (!(colour = big)) goto nomem;
        }
        if (sharp) {
            big = img_upscale(sharp, upscale);
            pixDestroy(&sharp);
            if (!(sharp = big)) goto nomem;
        }
        log_debug("extract: small print, page enlarged %.2f times", upscale);
    }
    *grey_out = grey;
    *colour_out = colour;
    *sharp_out = sharp;
    return AP_OK;
nomem:
    pixDestroy(&grey);
    pixDestroy(&colour);
    pixDestroy(&sharp);
    return ap_fail(err, AP_ERR_NOMEM, "extract: out of memory");
}

/* tt_read_raster's body, for a decoded page (pix, borrowed) or an encoded one (data,
 * decoded here once the workers have started, so that their engines load meanwhile). */
static ap_status read_raster_generic(PIX *pix, const unsigned char *data, size_t len,
                                     ocr_engine **engines, size_t nengines,
                                     const tt_extract_options *opts, tt_page *page,
                                     PIX **decoded_out, ap_error *err)
{
    ap_status st = AP_OK;
    PIX *decoded = NULL, *grey8 = NULL, *grey = NULL, *lines = NULL, *rgb = NULL;
    PIX *colour = NULL;        /* the page's colour, normalised as grey8 was; NULL without one */
    PIX *sharp = NULL;         /* the grey sharpened for reading; NULL when not blurred */
    PIX *sharp8 = NULL;        /* a blurred page's grey8 sharpened, for its structure */
    img_table *stables = NULL; /* the structure found on the sharpened grey */
    size_t nstables = 0;
    img_table *tables = NULL;
    size_t ntables = 0, njobs = 0, ncell_jobs = 0;
    job *jobs = NULL;
    work wk;
    memset(&wk, 0, sizeof wk);
    memset(page, 0, sizeof *page);
    page->number = 1;
    crew workers = {0};
    wk.timeout_ms = opts ? opts->timeout_ms : 0;
    wk.ocr = opts ? opts->ocr : NULL;
    wk.mode = opts ? opts->ocr_mode : TT_OCR_TESSERACT;
    wk.model = opts && opts->ocr_model ? opts->ocr_model : TT_OCR_MODEL_DEFAULT;
    wk.next = 0;
    if (pthread_mutex_init(&wk.lock, NULL) != 0)
        return ap_fail(err, AP_ERR_INTERNAL, "extract: cannot create a mutex");
    if (pthread_cond_init(&wk.posted_cond, NULL) != 0) {
        pthread_mutex_destroy(&wk.lock);
        return ap_fail(err, AP_ERR_INTERNAL, "extract: cannot create a condition variable");
    }
    if (pthread_cond_init(&wk.seen_cond, NULL) != 0) {
        pthread_cond_destroy(&wk.posted_cond);
        pthread_mutex_destroy(&wk.lock);
        return ap_fail(err, AP_ERR_INTERNAL, "extract: cannot create a condition variable");
    }
    wk.seen = calloc(MAX_SEEN, sizeof *wk.seen); /* without it, every cell is read */
    /* without it, each worker reads its doubtful jobs again itself */
    if (wk.mode == TT_OCR_AUTO) wk.deferred = calloc(MAX_JOBS, sizeof *wk.deferred);
    raster_crew_start(&workers, &wk, engines, nengines, opts ? opts->threads : 0);

    if (!pix) {
        if ((st = img_decode(data, len, TT_EXTRACT_MAX_PIXELS, &decoded, NULL, err)) != AP_OK)
            goto out;
        pix = decoded;
    }
    float blur = 0, grain = 0;
    if ((st = normalise_page(pix, &grey8, &colour, &sharp8, &blur, &grain, err)) != AP_OK) goto out;
    /* a photographed page flattened first (a clone when it is not one) */
    PIX *flat = persp_correct(grey8, opts ? opts->debug_dir : NULL, NULL);
    int flattened = flat != grey8;
    pixDestroy(&grey8);
    grey8 = flat;
    /* a flattened photo's warp was found on its grey: it is read as a sharp page is */
    if (flattened) pixDestroy(&sharp8);
    float angle = 0;
    if (!grey8 || !(grey = img_deskew(grey8, &angle))) {
        st = ap_fail(err, AP_ERR_NOMEM, "extract: out of memory");
        goto out;
    }
    /* The colour, turned as the grey was, tells apart fills of one grey; a flattened
     * photo's colour is left out (its grey alone is warped). */
    if (!flattened && colour)
        rgb = grey == grey8 ? pixClone(colour)
                            : pixRotate(colour, (float)(M_PI / 180.0) * angle, L_ROTATE_AREA_MAP,
                                        L_BRING_IN_WHITE, 0, 0);
    st = img_find_tables_coloured(grey, rgb, &tables, &ntables,
                                  opts && opts->debug_dir ? &lines : NULL, err);
    if (st != AP_OK) goto out;
    /* A blurred page's structure is sought again on it sharpened, turned as the grey was:
     * steep edges bring back faint rules and the gaps between small print's lines, and a
     * blurred line of text no longer passes for a rule. That structure, and the sharpened
     * page for everything after it, is kept when it cuts fewer letters, or as many and
     * holds text in at least as many cells (img_sharp_tables_kept); else sharpening lost
     * a light fill or a faint rule (docs/BENCHMARKS.md, "Blurred and shrunk pages (session
     * 9)"), and the cells found on the page as it came are read sharpened, as before. */
    if (sharp8) {
        sharp = grey == grey8 ? pixClone(sharp8)
                              : pixRotate(sharp8, (float)(M_PI / 180.0) * angle, L_ROTATE_AREA_MAP,
                                          L_BRING_IN_WHITE, 0, 0);
        PIX *slines = NULL;
        if (!sharp) {
            st = ap_fail(err, AP_ERR_NOMEM, "extract: out of memory");
            goto out;
        }
        st = img_find_tables_coloured(sharp, rgb, &stables, &nstables,
                                      opts && opts->debug_dir ? &slines : NULL, err);
        if (st != AP_OK) goto out;
        if (img_sharp_tables_kept(sharp, tables, ntables, stables, nstables)) {
            img_tables_free(tables, ntables);
            tables = stables, ntables = nstables;
            stables = NULL, nstables = 0;
            pixDestroy(&grey);
            grey = sharp;
            sharp = NULL;
            pixDestroy(&lines);
            lines = slines;
            blur = 0; /* read as it is: it is sharp now */
        } else {
            pixDestroy(&sharp);
            pixDestroy(&slines);
        }
        log_debug("extract: blurred page, structure of the sharpened page %s",
                  blur > 0 ? "refused" : "kept");
    }

    if (!(jobs = calloc(MAX_JOBS, sizeof *jobs))) {
        st = ap_fail(err, AP_ERR_NOMEM, "extract: out of memory");
        goto out;
    }
    for (size_t t = 0; t < ntables; t++)
        for (size_t c = 0; c < tables[t].ncells && njobs < MAX_JOBS; c++) {
            const img_cell *cell = &tables[t].cells[c];
            jobs[njobs++] = (job){.x = cell->x, .y = cell->y, .w = cell->w, .h = cell->h};
        }
    ncell_jobs = njobs;
    njobs = raster_free_text_jobs(grey, tables, ntables, jobs, njobs);

    /* A blurred page whose sharpened structure was refused: its cells are read from it
     * sharpened, where they were found on it as it came. */
    if (blur >= IMG_BLUR_WIDTH && !(sharp = img_sharpen(grey, blur, grain))) {
        st = ap_fail(err, AP_ERR_NOMEM, "extract: out of memory");
        goto out;
    }
    wk.grey = sharp ? sharp : grey;
    wk.jobs = jobs;
    wk.njobs = njobs;
    wk.tables = tables, wk.ntables = ntables, wk.ncell_jobs = ncell_jobs;
    if ((st = raster_crew_finish(&workers, &wk, engines, nengines, err)) != AP_OK) goto out;
    /* time cells misread among good ones were read again (raster_reread.c) */
    raster_reread_choose(&wk, njobs);
    /* each line's colour: a note set in another colour than its title is told by it */
    for (size_t i = 0; rgb && i < njobs; i++)
        for (size_t k = 0; k < jobs[i].nlines; k++)
            if (jobs[i].lines[k].box.w > 0)
                jobs[i].lines[k].ink = tt_line_ink(rgb, grey, &jobs[i].lines[k].box);

    if (opts && opts->debug_dir)
        raster_write_debug(opts->debug_dir, grey, lines, tables, ntables, jobs, ncell_jobs, njobs);
    if (opts && opts->stats) tally(opts->stats, &wk);

    /* Move the results into the page. */
    if (ntables && !(page->tables = calloc(ntables, sizeof *page->tables))) {
        st = ap_fail(err, AP_ERR_NOMEM, "extract: out of memory");
        goto out;
    }
    size_t ji = 0;
    for (size_t t = 0; t < ntables; t++) {
        const img_table *it = &tables[t];
        tt_table *tt = &page->tables[page->ntables++];
        tt->nrows = it->nrows;
        tt->ncols = it->ncols;
        tt->bbox = (tt_bbox){.page = 1, .x = it->x, .y = it->y, .w = it->w, .h = it->h};
        tt->row_pos = malloc((size_t)(it->nrows + 1) * sizeof *tt->row_pos);
        tt->col_pos = malloc((size_t)(it->ncols + 1) * sizeof *tt->col_pos);
        tt->cells = calloc(it->ncells ? it->ncells : 1, sizeof *tt->cells);
        if (!tt->row_pos || !tt->col_pos || !tt->cells) {
            st = ap_fail(err, AP_ERR_NOMEM, "extract: out of memory");
            goto out;
        }
        memcpy(tt->row_pos, it->row_y, (size_t)(it->nrows + 1) * sizeof *tt->row_pos);
        memcpy(tt->col_pos, it->col_x, (size_t)(it->ncols + 1) * sizeof *tt->col_pos);
        for (size_t c = 0; c < it->ncells && ji < ncell_jobs; c++, ji++) {
            const img_cell *ic = &it->cells[c];
            job *jb = &jobs[ji];
            tt_cell *cell = &tt->cells[tt->ncells++];
            *cell = (tt_cell){.row = ic->row,
                              .col = ic->col,
                              .nrows = ic->nrows,
                              .ncols = ic->ncols,
                              .bbox = {.page = 1, .x = ic->x, .y = ic->y, .w = ic->w, .h = ic->h},
                              .rotation = jb->rotation,
                              .lines = jb->lines,
                              .nlines = jb->nlines,
                              .confidence = jb->confidence};
            jb->lines = NULL;
            jb->nlines = 0;
        }
    }
    if ((st = raster_free_lists(jobs + ncell_jobs, njobs - ncell_jobs, page)) != AP_OK ||
        (st = raster_free_text_lines(jobs + ncell_jobs, njobs - ncell_jobs, page)) != AP_OK ||
        (st = tt_cell_lists(page)) != AP_OK) {
        st = ap_fail(err, st, "extract: out of memory");
        goto out;
    }
    log_debug("extract: skew %.2f deg, %zu tables, %zu cells, %zu free blocks, %zu readings "
              "reused",
              angle, ntables, ncell_jobs, njobs - ncell_jobs, wk.seen_hits);
out:
    if (workers.started) {
        /* failed before the jobs were posted: release the crew with nothing to do */
        wk.njobs = 0;
        wk.tables = NULL;
        raster_crew_finish(&workers, &wk, engines, nengines, NULL);
    }
    pthread_cond_destroy(&wk.posted_cond);
    pthread_cond_destroy(&wk.seen_cond);
    pthread_mutex_destroy(&wk.lock);
    for (size_t i = 0; i < wk.nseen; i++) {
        pixDestroy(&wk.seen[i].ink);
        ocr_result_free(&wk.seen[i].result);
    }
    free(wk.seen);
    free(wk.deferred);
    /* with the second readings, when the crew failed before they were chosen among */
    for (size_t i = 0; jobs && i < (wk.njobs > njobs ? wk.njobs : njobs); i++)
        tt_lines_free(jobs[i].lines, jobs[i].nlines);
    free(jobs);
    img_tables_free(tables, ntables);
    img_tables_free(stables, nstables);
    if (decoded_out && st == AP_OK)
        *decoded_out = decoded;
    else
        pixDestroy(&decoded);
    pixDestroy(&grey8);
    pixDestroy(&grey);
    pixDestroy(&sharp);
    pixDestroy(&sharp8);
    pixDestroy(&rgb);
    pixDestroy(&colour);
    pixDestroy(&lines);
    if (st != AP_OK) tt_page_free(page);
    return st;
}

/* Whether the blocks run backwards: printed timetables put later days below or to the
 * right of earlier ones, and later times of a day to the right or below. A page read a
 * quarter turn the wrong way has its days, or its times, the other way round. Only blocks
 * with a box count; three days at least decide the day axis. */
static int runs_backwards(const tt_doc *doc)
{
    double sx[7] = {0}, sy[7] = {0};
    int n[7] = {0};
    for (size_t i = 0; i < doc->nblocks; i++) {
        const tt_block *b = &doc->blocks[i];
        if (b->bbox.w <= 0 || b->day < 0 || b->day > 6) continue;
        sx[b->day] += b->bbox.x + b->bbox.w / 2.0;
        sy[b->day] += b->bbox.y + b->bbox.h / 2.0;
        n[b->day]++;
    }
    int first = -1, last = -1, ndays = 0;
    for (int d = 0; d < 7; d++)
        if (n[d]) {
            if (first < 0) first = d;
            last = d;
            ndays++;
        }
    if (ndays < 3) return 0;
    double dx = sx[last] / n[last] - sx[first] / n[first];
    double dy = sy[last] / n[last] - sy[first] / n[first];
    int days_across = fabs(dx) > fabs(dy); /* days side by side: times run down */
    if ((days_across ? dx : dy) < 0) return 1;
    /* Times: each block against the day's next later block, along the other axis. */
    int forwards = 0, backwards = 0;
    for (size_t i = 0; i < doc->nblocks; i++) {
        const tt_block *a = &doc->blocks[i];
        const tt_block *next = NULL;
        for (size_t j = 0; j < doc->nblocks && a->bbox.w > 0 && a->start != TT_NO_TIME; j++) {
            const tt_block *b = &doc->blocks[j];
            if (b->day == a->day && b->bbox.w > 0 && b->start > a->start &&
                (!next || b->start < next->start))
                next = b;
        }
        if (!next) continue;
        int pa = days_across ? a->bbox.y : a->bbox.x,
            pb = days_across ? next->bbox.y : next->bbox.x;
        if (pb > pa)
            forwards++;
        else if (pb < pa)
            backwards++;
    }
    return backwards > forwards;
}

/* How well a page reads: the interpreter's blocks, their summed confidence, and whether
 * the reading is poor. A page scanned sideways or upside down reads as no timetable, as
 * a few blocks read with little confidence (text at 180 degrees is not read), or as a
 * grid whose days or times run backwards (sideways text is read, and the grid turned). */
static int page_poor(const tt_page *page, float *confidence)
{
    tt_doc doc = {0};
    ap_error e = {0};
    *confidence = 0;
    if (tt_grid_interpret(page, 1, &doc, &e) != AP_OK) return 1;
    for (size_t i = 0; i < doc.nblocks; i++)
        *confidence += doc.blocks[i].confidence;
    size_t written = 0; /* cells with text */
    for (size_t t = 0; t < page->ntables; t++)
        for (size_t c = 0; c < page->tables[t].ncells; c++)
            written += page->tables[t].cells[c].nlines > 0;
    int poor = doc.nblocks < ORIENT_MIN_BLOCKS ||
               (float)doc.nblocks < ORIENT_MIN_YIELD * (float)written ||
               *confidence < ORIENT_MIN_CONFIDENCE * (float)doc.nblocks || runs_backwards(&doc);
    tt_doc_free(&doc);
    return poor;
}

/* Whether the page's text suggests it is turned: most of it (by characters) read
 * sideways, or read with little confidence (text upside down reads as garbage). A poor
 * reading of an upright page shows neither, and is not read again. */
static int text_looks_turned(const tt_page *page)
{
    double all = 0, sideways = 0, sure = 0;
    for (size_t t = 0; t < page->ntables; t++)
        for (size_t c = 0; c < page->tables[t].ncells; c++) {
            const tt_cell *cell = &page->tables[t].cells[c];
            for (size_t l = 0; l < cell->nlines; l++) {
                double n = (double)strlen(cell->lines[l].text);
                all += n;
                if (cell->rotation) sideways += n;
                sure += n * cell->lines[l].confidence / 100.0;
            }
        }
    log_debug("extract: a poor reading: %.0f characters, %.0f%% sideways, %.0f%% sure", all,
              all ? 100 * sideways / all : 0, all ? 100 * sure / all : 0);
    return all > 0 &&
           (sideways > ORIENT_SIDEWAYS_SHARE * all || sure < ORIENT_MIN_CONFIDENCE * all);
}

/* Reads the page as it comes and, when that reading is poor and its text looks turned,
 * turned by a quarter, three quarters and a half as well; a turned reading replaces it
 * only when it is not poor (then the most confident of those: a page read upside down can
 * still give a few confident blocks). Upright pages are read once. */
static ap_status read_oriented(PIX *pix, const unsigned char *data, size_t len,
                               ocr_engine **engines, size_t nengines,
                               const tt_extract_options *opts, tt_page *page, ap_error *err)
{
    PIX *decoded = NULL;
    ap_status st =
        read_raster_generic(pix, data, len, engines, nengines, opts, page, &decoded, err);
    if (st != AP_OK) return st;
    if (!pix) pix = decoded;
    float best;
    int poor = page_poor(page, &best);
    int retry = poor && text_looks_turned(page);
    static const int quarters[3] = {1, 3, 2};
    int turned_by = 0;
    for (int i = 0; i < 3 && pix && retry; i++) {
        PIX *turned = pixRotateOrth(pix, quarters[i]);
        tt_page alt;
        ap_error e = {0};
        /* Each turn's debug images go to a folder of their own (DIR/turned-90, ...), so
         * that DIR keeps the upright reading's. */
        tt_extract_options o = opts ? *opts : (tt_extract_options){0};
        char sub[1024];
        if (opts && opts->debug_dir) {
            snprintf(sub, sizeof sub, "%s/turned-%d", opts->debug_dir, 90 * quarters[i]);
            ap_error me = {0};
            o.debug_dir = files_mkdir_p(sub, &me) == AP_OK ? sub : NULL;
        }
        if (turned && read_raster_generic(turned, NULL, 0, engines, nengines, opts ? &o : NULL,
                                          &alt, NULL, &e) == AP_OK) {
            float conf;
            int alt_poor = page_poor(&alt, &conf);
            /* a poor turned reading is no evidence that the page is turned: an upright
             * page that reads poorly (a hand-drawn face, a blurred scan) can read as
             * more, equally poor, blocks turned */
            if (!alt_poor && (poor || conf > best)) {
                turned_by = 90 * quarters[i];
                tt_page_free(page);
                *page = alt;
                best = conf;
                poor = alt_poor;
            } else {
                tt_page_free(&alt);
            }
        }
        pixDestroy(&turned);
    }
    if (turned_by) log_info("extract: the page was read turned %d degrees clockwise", turned_by);
    pixDestroy(&decoded);
    return AP_OK;
}

ap_status tt_read_raster(PIX *pix, ocr_engine **engines, size_t nengines,
                         const tt_extract_options *opts, tt_page *page, ap_error *err)
{
    return read_oriented(pix, NULL, 0, engines, nengines, opts, page, err);
}

ap_status tt_read_raster_encoded(const unsigned char *data, size_t len, ocr_engine **engines,
                                 size_t nengines, const tt_extract_options *opts, tt_page *page,
                                 ap_error *err)
{
    return read_oriented(NULL, data, len, engines, nengines, opts, page, err);
}
