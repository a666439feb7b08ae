/* extract: entry points of timetable extraction (see extract.h).
 *
 * Chooses the reader by sniffing the bytes (images today; PDF and DOCX readers slot in
 * here), gets OCR engines (the caller's, or its own for the call), and hands the pages
 * to the interpreter. */
#include "document/extract.h"

#include <stdlib.h>
#include <string.h>

#include "core/upload.h"
#include "document/readers.h"
#include "vision/image.h"

/* Engines for one call: the caller's, or opened here (and closed by engines_release). */
typedef struct engine_set {
    ocr_engine *own[TT_EXTRACT_MAX_THREADS];
    ocr_engine **engines;
    size_t n, nown;
} engine_set;

static ap_status engines_get(const tt_extract_options *opts, engine_set *es, ap_error *err)
{
    memset(es, 0, sizeof *es);
    if (opts && opts->nengines) {
        es->engines = opts->engines;
        es->n = opts->nengines;
        if (opts->threads > 0 && (size_t)opts->threads < es->n) es->n = (size_t)opts->threads;
        return AP_OK;
    }
    int threads = opts && opts->threads > 0 ? opts->threads : 2;
    if (threads > TT_EXTRACT_MAX_THREADS) threads = TT_EXTRACT_MAX_THREADS;
    ocr_options dflt = {.engine = "tesseract", .language = "eng"};
    const ocr_options *oo = opts && opts->ocr ? opts->ocr : &dflt;
    for (int i = 0; i < threads; i++) {
        ap_status st = ocr_engine_open(oo, &es->own[i], err);
        if (st != AP_OK) {
            for (size_t k = 0; k < es->nown; k++) ocr_engine_close(es->own[k]);
            es->nown = 0;
            return st;
        }
        es->nown++;
    }
    es->engines = es->own;
    es->n = es->nown;
    return AP_OK;
}

static void engines_release(engine_set *es)
{
    for (size_t k = 0; k < es->nown; k++) ocr_engine_close(es->own[k]);
    es->nown = 0;
}

ap_status tt_extract_image(PIX *pix, const tt_extract_options *opts, tt_doc *out,
                           ap_error *err)
{
    ap_status st;
    tt_page page = {0};
    engine_set es;
    memset(out, 0, sizeof *out);
    if (!pix) return ap_fail(err, AP_ERR_INVALID, "extract: no image");
    if ((size_t)pixGetWidth(pix) * (size_t)pixGetHeight(pix) > TT_EXTRACT_MAX_PIXELS)
        return ap_fail(err, AP_ERR_TOO_LARGE, "extract: the page has more than %zu pixels",
                       TT_EXTRACT_MAX_PIXELS);
    if ((st = engines_get(opts, &es, err)) != AP_OK) return st;
    st = tt_read_raster(pix, es.engines, es.n, opts, &page, err);
    if (st == AP_OK) st = tt_grid_interpret(&page, 1, out, err);
    tt_page_free(&page);
    engines_release(&es);
    if (st != AP_OK) tt_doc_free(out);
    return st;
}

ap_status tt_extract_file_opts(const char *path, const tt_extract_options *opts, tt_doc *out,
                               ap_error *err)
{
    ap_status st;
    unsigned char *data = NULL;
    size_t len = 0;
    PIX *pix = NULL;
    img_info info;
    memset(out, 0, sizeof *out);
    if ((st = upload_read_file(path, TT_EXTRACT_MAX_FILE, &data, &len, err)) != AP_OK) goto out;
    /* PDF ("%PDF") and DOCX (a zip) readers will be chosen here from the bytes. */
    if ((st = img_decode(data, len, TT_EXTRACT_MAX_PIXELS, &pix, &info, err)) != AP_OK) goto out;
    if ((st = tt_extract_image(pix, opts, out, err)) != AP_OK) goto out;
    const char *base = strrchr(path, '/');
    if ((st = tt_set_str(&out->source, base ? base + 1 : path)) != AP_OK) {
        st = ap_fail(err, st, "extract: out of memory");
        tt_doc_free(out);
    }
out:
    pixDestroy(&pix);
    free(data);
    return st;
}

ap_status tt_extract_file(const char *path, tt_doc *out, ap_error *err)
{
    return tt_extract_file_opts(path, NULL, out, err);
}
