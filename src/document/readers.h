/* readers: the input paths that fill tt_page grids (internal to src/document).
 *
 * Each reader turns one kind of input into pages of the shared representation; the
 * interpreter (grid.h) does the rest. The raster reader is here; the PDF (MuPDF) and DOCX
 * (libzip + libxml2) readers join it with the same shape:
 *   ap_status tt_read_<kind>(input, const tt_extract_options *, tt_page **pages,
 *                            size_t *npages, ap_error *). */
#ifndef AP_READERS_H
#define AP_READERS_H

#include <leptonica/allheaders.h>

#include "document/extract.h"
#include "document/grid.h"

/* Reads one page image: deskews it, finds its ruled tables, reads every cell (rotation
 * detected per cell) and the text outside the tables with the engines, in parallel.
 * engines[0..nengines) are used one per worker thread; with none (NULL, 0), opts->threads
 * workers each open an engine from opts->ocr (default tesseract/eng) and close it. On
 * AP_OK *page is filled (caller frees with tt_page_free). */
ap_status tt_read_raster(PIX *pix, ocr_engine **engines, size_t nengines,
                         const tt_extract_options *opts, tt_page *page, ap_error *err);

#endif
