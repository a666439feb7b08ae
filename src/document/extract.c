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
