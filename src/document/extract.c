/* extract: entry points of timetable extraction (see extract.h).
 *
 * Chooses the reader by sniffing the bytes (images today; PDF and DOCX readers slot in
 * here) and hands the pages to the interpreter. OCR engines are the caller's, or opened
 * by the reader's workers for the call. */
#include "document/extract.h"

#include <stdlib.h>
#include <string.h>

#include "core/upload.h"
#include "document/readers.h"
#include "vision/image.h"

ap_status tt_extract_image(PIX *pix, const tt_extract_options *opts, tt_doc *out,
                           ap_error *err)
{
    ap_status st;
    tt_page page = {0};
    memset(out, 0, sizeof *out);
    if (!pix) return ap_fail(err, AP_ERR_INVALID, "extract: no image");
    if ((size_t)pixGetWidth(pix) * (size_t)pixGetHeight(pix) > TT_EXTRACT_MAX_PIXELS)
        return ap_fail(err, AP_ERR_TOO_LARGE, "extract: the page has more than %zu pixels",
                       TT_EXTRACT_MAX_PIXELS);
    /* Borrowed engines are capped by threads; without any, the reader opens its own. */
    size_t nengines = opts ? opts->nengines : 0;
    if (nengines && opts->threads > 0 && (size_t)opts->threads < nengines)
        nengines = (size_t)opts->threads;
    st = tt_read_raster(pix, opts ? opts->engines : NULL, nengines, opts, &page, err);
    if (st == AP_OK) st = tt_grid_interpret(&page, 1, out, err);
    tt_page_free(&page);
    if (st != AP_OK) tt_doc_free(out);
    return st;
}

ap_status tt_extract_bytes(const unsigned char *data, size_t len, const tt_extract_options *opts,
                           tt_doc *out, ap_error *err)
{
    PIX *pix = NULL;
    img_info info;
    memset(out, 0, sizeof *out);
    if (len > TT_EXTRACT_MAX_FILE)
        return ap_fail(err, AP_ERR_TOO_LARGE, "extract: the document is larger than %zu bytes",
                       TT_EXTRACT_MAX_FILE);
    /* PDF ("%PDF") and DOCX (a zip) readers will be chosen here from the bytes. */
    ap_status st = img_decode(data, len, TT_EXTRACT_MAX_PIXELS, &pix, &info, err);
    if (st == AP_OK) st = tt_extract_image(pix, opts, out, err);
    pixDestroy(&pix);
    return st;
}

ap_status tt_extract_file_opts(const char *path, const tt_extract_options *opts, tt_doc *out,
                               ap_error *err)
{
    unsigned char *data = NULL;
    size_t len = 0;
    memset(out, 0, sizeof *out);
    ap_status st = upload_read_file(path, TT_EXTRACT_MAX_FILE, &data, &len, err);
    if (st == AP_OK) st = tt_extract_bytes(data, len, opts, out, err);
    free(data);
    if (st != AP_OK) return st;
    const char *base = strrchr(path, '/');
    if (tt_set_str(&out->source, base ? base + 1 : path) != AP_OK) {
        tt_doc_free(out);
        return ap_fail(err, AP_ERR_NOMEM, "extract: out of memory");
    }
    return AP_OK;
}

ap_status tt_extract_file(const char *path, tt_doc *out, ap_error *err)
{
    return tt_extract_file_opts(path, NULL, out, err);
}
