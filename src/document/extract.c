/* extract: entry points of timetable extraction (see extract.h).
 *
 * Chooses the reader by sniffing the bytes (PDF, DOCX, else an image) and hands the pages
 * to the interpreter. OCR engines are the caller's, or opened by the reader's workers for
 * the call. */
#include "document/extract.h"

#include <stdlib.h>
#include <string.h>

#include "core/upload.h"
#include "document/page_debug.h"
#include "document/readers.h"
#include "vision/image.h"

const char *const tt_ocr_mode_names[3] = {"tesseract", "fine_tuned_ocr", "auto"};

int tt_ocr_mode_from_name(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (s && strcmp(s, tt_ocr_mode_names[i]) == 0) return i;
    return -1;
}

/* Borrowed engines are capped by threads; without any, the reader opens its own. */
static size_t engines_to_use(const tt_extract_options *opts)
{
    size_t nengines = opts ? opts->nengines : 0;
    if (nengines && opts->threads > 0 && (size_t)opts->threads < nengines)
        nengines = (size_t)opts->threads;
    return nengines;
}

ap_status tt_extract_image(PIX *pix, const tt_extract_options *opts, tt_doc *out, ap_error *err)
{
    ap_status st;
    tt_page page = {0};
    memset(out, 0, sizeof *out);
    if (!pix) return ap_fail(err, AP_ERR_INVALID, "extract: no image");
    if ((size_t)pixGetWidth(pix) * (size_t)pixGetHeight(pix) > TT_EXTRACT_MAX_PIXELS)
        return ap_fail(err, AP_ERR_TOO_LARGE, "extract: the page has more than %zu pixels",
                       TT_EXTRACT_MAX_PIXELS);
    st = tt_read_raster(pix, opts ? opts->engines : NULL, engines_to_use(opts), opts, &page, err);
    if (st == AP_OK) st = tt_grid_interpret(&page, 1, out, err);
    tt_page_free(&page);
    if (st != AP_OK) tt_doc_free(out);
    return st;
}

/* A Word document without tables: its largest picture read as a page (a screenshot or a
 * scan pasted into Word), the document's own paragraphs kept ahead of the picture's free
 * text for the header fields. *page stays as it is when there is no picture, when it does
 * not decode (a document is not refused for a broken logo), or when it holds no table; a
 * picture past the size bounds (a bomb) refuses the document, as a bomb image would. */
static ap_status docx_picture_page(const unsigned char *data, size_t len,
                                   const tt_extract_options *opts, tt_page *page, ap_error *err)
{
    unsigned char *picture = NULL;
    size_t picture_len = 0;
    tt_page pic = {0};
    ap_status st = tt_docx_picture(data, len, TT_EXTRACT_MAX_FILE, &picture, &picture_len, err);
    if (st != AP_OK || !picture) goto out;
    st = tt_read_raster_encoded(picture, picture_len, opts ? opts->engines : NULL,
                                engines_to_use(opts), opts, &pic, err);
    if (st == AP_ERR_UNSUPPORTED || st == AP_ERR_INVALID) st = AP_OK; /* no picture after all */
    if (st != AP_OK || pic.ntables == 0) goto out;
    tt_line *lines = realloc(page->free_text, (page->nfree + pic.nfree + 1) * sizeof *lines);
    if (!lines) {
        st = ap_fail(err, AP_ERR_NOMEM, "extract: out of memory");
        goto out;
    }
    if (pic.nfree) memcpy(lines + page->nfree, pic.free_text, pic.nfree * sizeof *lines);
    page->free_text = lines;
    page->nfree += pic.nfree;
    free(pic.free_text); /* its lines now belong to page */
    pic.free_text = NULL;
    pic.nfree = 0;
    free(page->tables);
    page->tables = pic.tables;
    page->ntables = pic.ntables;
    pic.tables = NULL;
    pic.ntables = 0;
out:
    tt_page_free(&pic);
    free(picture);
    return st;
}

ap_status tt_extract_bytes(const unsigned char *data, size_t len, const tt_extract_options *opts,
                           tt_doc *out, ap_error *err)
{
    memset(out, 0, sizeof *out);
    if (len > TT_EXTRACT_MAX_FILE)
        return ap_fail(err, AP_ERR_TOO_LARGE, "extract: the document is larger than %zu bytes",
                       TT_EXTRACT_MAX_FILE);
    /* PDF: "%PDF" within the first KiB (readers tolerate a little junk before it). */
    size_t head = len < 1024 ? len : 1024;
    if (head >= 5 && memmem(data, head, "%PDF-", 5)) {
        tt_page *pages = NULL;
        size_t npages = 0;
        ap_status st = tt_read_pdf(data, len, opts ? opts->engines : NULL, engines_to_use(opts),
                                   opts, &pages, &npages, err);
        if (st == AP_OK) st = tt_grid_interpret(pages, npages, out, err);
        for (size_t i = 0; i < npages; i++)
            tt_page_free(&pages[i]);
        free(pages);
        if (st != AP_OK) tt_doc_free(out);
        return st;
    }
    /* A zip: read as a DOCX, which says what is missing when it is some other archive. */
    if (len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0) {
        tt_page page;
        ap_status st = tt_read_docx(data, len, &page, err);
        if (st == AP_OK && page.ntables && opts && opts->debug_dir)
            tt_page_debug_write(opts->debug_dir, &page, "docx", NULL, 0, 0, 0);
        if (st == AP_OK && page.ntables == 0) st = docx_picture_page(data, len, opts, &page, err);
        if (st == AP_OK) st = tt_grid_interpret(&page, 1, out, err);
        tt_page_free(&page);
        if (st != AP_OK) tt_doc_free(out);
        return st;
    }
    /* An image: decoded by the raster reader once its workers are loading their engines. */
    tt_page page;
    ap_status st = tt_read_raster_encoded(data, len, opts ? opts->engines : NULL,
                                          engines_to_use(opts), opts, &page, err);
    if (st == AP_OK) st = tt_grid_interpret(&page, 1, out, err);
    tt_page_free(&page);
    if (st != AP_OK) tt_doc_free(out);
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
