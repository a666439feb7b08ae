/* extract: a timetable document (an image, a PDF or a DOCX, sniffed from the bytes) to a
 * tt_doc of timeblocks, header fields, confidences, boxes and warnings.
 *
 * Every input path ends in the same representation, a page of cell grids (document/grid.h):
 * the raster path finds ruling lines and cells with Leptonica and reads each cell with an
 * OCR engine; the PDF and DOCX readers fill the same grids from embedded text. One
 * interpreter (tt_grid_interpret) turns grids into timeblocks, so every path shares the
 * rules about days, times, spans and notes.
 *
 * Thread safety: no global state. A call uses the engines it is given (or opens its own),
 * one engine per worker thread, so a server may run many extractions at once as long as
 * each engine is used by one call at a time. */
#ifndef AP_EXTRACT_H
#define AP_EXTRACT_H

#include <leptonica/allheaders.h>

#include "core/status.h"
#include "document/timetable.h"
#include "ocr/ocr.h"

#define TT_EXTRACT_MAX_THREADS 16
#define TT_EXTRACT_MAX_FILE    ((size_t)64 << 20) /* bytes read by tt_extract_file */
#define TT_EXTRACT_MAX_PIXELS  ((size_t)60000000) /* pixels of one decoded page */
#define TT_PDF_MAX_PAGES       50                 /* a PDF with more pages is refused */

/* Which engine reads the text of cells (and of the blocks outside the tables). */
typedef enum tt_ocr_mode {
    TT_OCR_TESSERACT = 0, /* Tesseract (the engine of tt_extract_options.ocr) */
    TT_OCR_CRNN,          /* aipipe's own CRNN ("fine_tuned_ocr", from ocr_model) */
    /* the CRNN; Tesseract again for a cell the CRNN reads with low confidence or as text
     * no timetable prints (see read_raster.c) */
    TT_OCR_AUTO,
} tt_ocr_mode;

/* Where the CRNN model is looked for when ocr_model is NULL (relative: to the working
 * directory, which is the repository root for the bench scripts and `make run`). */
#define TT_OCR_MODEL_DEFAULT "models/ocr-base"

/* What read the cells of one call (tt_extract_options.stats), summed over its pages. */
typedef struct tt_extract_stats {
    size_t cells;               /* cells and free-text blocks with ink */
    size_t crnn_cells;          /* of them, read by the CRNN and kept */
    size_t fallback_cells;      /* read by the CRNN, then again by Tesseract (auto) */
    char crnn_version[96];      /* the CRNN's model version when it read any cell, else "" */
    char tesseract_version[96]; /* Tesseract's when it read any cell, else "" */
} tt_extract_stats;

typedef struct tt_extract_options {
    /* Engines to read cells with, borrowed: engines[i] is used only by worker i, never by
     * two threads at once. Each worker uses the borrowed engine of the kind its mode needs
     * (a "fine_tuned_ocr" engine as the CRNN, any other as Tesseract) and opens what it
     * lacks: the CRNN from ocr_model; Tesseract from ocr (or tesseract/eng when ocr is
     * NULL), in TT_OCR_AUTO only at the first cell that needs it. What a worker opens is
     * closed before the call returns. When nengines is 0, `threads` workers run. */
    ocr_engine **engines;
    size_t nengines;
    const ocr_options *ocr;
    tt_ocr_mode ocr_mode;
    /* The CRNN's model directory; NULL: TT_OCR_MODEL_DEFAULT. When it cannot be loaded,
     * Tesseract reads the cells (logged once per process), never an error. */
    const char *ocr_model;
    int threads;             /* worker threads reading cells; 0 means 2; capped at the engines */
    const char *debug_dir;   /* when set, images of lines, cells and rotations are written here */
    int timeout_ms;          /* per OCR call; 0: none */
    tt_extract_stats *stats; /* when set, filled with what read the cells */
} tt_extract_options;

/* The mode named by s ("tesseract", "fine_tuned_ocr", "auto"); -1 for another name. */
int tt_ocr_mode_from_name(const char *s);
extern const char *const tt_ocr_mode_names[3];

/* Extracts the timetable of the file at path (its format sniffed from the bytes), with
 * default options. On AP_OK *out holds the document (caller frees with tt_doc_free; a
 * page without a timetable gives no blocks and a warning). AP_ERR_IO / AP_ERR_NOT_FOUND
 * when it cannot be read, AP_ERR_UNSUPPORTED for a format we do not read, AP_ERR_TOO_LARGE
 * past the bounds above, AP_ERR_MODEL_NOT_FOUND when no OCR engine can be opened. On
 * failure *out is left empty. */
ap_status tt_extract_file(const char *path, tt_doc *out, ap_error *err);

/* The same, with options (NULL for defaults). */
ap_status tt_extract_file_opts(const char *path, const tt_extract_options *opts, tt_doc *out,
                               ap_error *err);

/* The same for a document in memory (data borrowed, at most TT_EXTRACT_MAX_FILE bytes),
 * its format sniffed from the bytes: "%PDF" is a PDF (MuPDF; born-digital pages read from
 * their text and rules, scanned pages by OCR), a zip is a DOCX (Word tables read
 * directly), anything else an image; out->source is left NULL. A PDF or DOCX that is
 * broken or hostile is AP_ERR_INVALID or AP_ERR_TOO_LARGE (too many pages or entries, a
 * decompression bomb) with the reason in err; AP_ERR_TIMEOUT past a PDF's time budget. */
ap_status tt_extract_bytes(const unsigned char *data, size_t len, const tt_extract_options *opts,
                           tt_doc *out, ap_error *err);

/* Extracts the timetable of one page image (8-bit grey or 32-bit RGB, as img_decode gives;
 * pix is borrowed). On AP_OK *out is filled (caller frees); errors as above, plus
 * AP_ERR_PROCESSING when the OCR engine fails. */
ap_status tt_extract_image(PIX *pix, const tt_extract_options *opts, tt_doc *out, ap_error *err);

#endif
