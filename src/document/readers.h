/* readers: the input paths that fill tt_page grids (internal to src/document).
 *
 * Each reader turns one kind of input into pages of the shared representation; the
 * interpreter (grid.h) does the rest: raster images (OCR per cell), PDF (MuPDF: embedded
 * text and vector rules; scanned pages rendered for the raster reader) and DOCX (libzip +
 * libxml2: Word tables read directly). */
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

/* The same for an encoded page image (data borrowed; any format img_decode reads, at most
 * TT_EXTRACT_MAX_PIXELS): the workers open their engines while it is decoded. Decoding
 * errors as img_decode (AP_ERR_UNSUPPORTED, AP_ERR_INVALID, AP_ERR_TOO_LARGE). */
ap_status tt_read_raster_encoded(const unsigned char *data, size_t len, ocr_engine **engines,
                                 size_t nengines, const tt_extract_options *opts, tt_page *page,
                                 ap_error *err);

/* Reads a PDF document (data borrowed) with MuPDF: born-digital pages from their text
 * and vector rules, scanned pages through tt_read_raster (engines as there). Pages
 * without tables or text are left out. On AP_OK *pages holds *npages pages (caller frees
 * each with tt_page_free, then the array; possibly none). AP_ERR_INVALID for a document
 * MuPDF cannot open or a page it cannot read (the message says which and why),
 * AP_ERR_TOO_LARGE past TT_PDF_MAX_PAGES pages or the per-page and memory bounds,
 * AP_ERR_TIMEOUT past the time budget, AP_ERR_NOMEM; raster errors as tt_read_raster. */
ap_status tt_read_pdf(const unsigned char *data, size_t len, ocr_engine **engines, size_t nengines,
                      const tt_extract_options *opts, tt_page **pages, size_t *npages,
                      ap_error *err);

/* Reads a Word document (DOCX, data borrowed): word/document.xml's tables become tables
 * (w:gridSpan and w:vMerge give merged cells, w:textDirection the rotation), paragraphs
 * outside them the free text. On AP_OK *page is filled (caller frees). AP_ERR_INVALID for
 * a broken zip, a zip without word/document.xml, XML that does not parse, declares a DTD
 * or nests too deep; AP_ERR_TOO_LARGE for too many entries or an entry whose size (or
 * compression ratio) passes the bounds, before it is inflated; AP_ERR_NOMEM. */
ap_status tt_read_docx(const unsigned char *data, size_t len, tt_page *page, ap_error *err);

/* The largest picture a Word document holds (word/media/, a kind the raster reader
 * decodes), inflated into *picture (caller frees; NULL with *picture_len 0 when there is
 * none). Archive errors as tt_read_docx; AP_ERR_TOO_LARGE for a picture over max bytes. */
ap_status tt_docx_picture(const unsigned char *data, size_t len, size_t max,
                          unsigned char **picture, size_t *picture_len, ap_error *err);

/* A block of text outside every table of a raster page: its box (page pixels) and its
 * lines as read (borrowed). */
typedef struct tt_free_block {
    int x, y, w, h;
    const tt_line *lines;
    size_t nlines;
} tt_free_block;

/* Lists printed outside every table (a list shaded without rules beside lists that are
 * tables): among the blocks b[0, n) not marked in used[], a column of three times or
 * more, each beside a name on its text line, under a heading that names days, becomes a
 * table appended to page (a time column and a name column under the heading's row; lines
 * copied). The blocks it takes are marked in used[] (the caller leaves them out of the
 * free text). AP_OK, or AP_ERR_NOMEM (tables added so far stay the page's). */
ap_status tt_free_lists(const tt_free_block *b, size_t n, unsigned char *used, tt_page *page);
/* Whether a block's lines, joined, are times alone. */
int tt_free_block_is_times(const tt_free_block *b);

/* Lists whose times a table beside them took (a list set without rules between ruled
 * ones, its times boxed): for each table of page, an edge column holding times alone, at
 * least three, under no heading of its own, is offered with the free blocks b[0, n) not
 * marked in used[] to tt_free_lists; when a list found takes its times, they leave the
 * table's cells, and the free blocks it takes are marked in used[]. AP_OK or
 * AP_ERR_NOMEM. */
ap_status tt_table_time_lists(const tt_free_block *b, size_t n, unsigned char *used, tt_page *page);

/* Lists printed without rules inside one cell of a ruled table (an unruled list framed
 * with a ruled one beside it): each cell of page's tables holding at least three lines
 * that are times alone, every line placed on the page, has its lines taken as blocks by
 * tt_free_lists; the lists found are appended to page as tables and their lines leave the
 * cell. AP_OK, or AP_ERR_NOMEM (tables added so far stay the page's). */
ap_status tt_cell_lists(tt_page *page);

/* Headings of lists printed outside their tables: for each table of page that names no
 * day, the blocks of b[0, n) not marked in used[] that stand over it (their middles
 * within its width, no further up than three of its rows, no other table between) and
 * hold a heading naming days (one block, or two, naming days: a grid's day names are one
 * block a day) become its first row, one cell across (the heading's lines, top to
 * bottom); text lines under that heading holding a time or blocks in two columns (a
 * time OCR misread beside a name), each block within a column of the table, become rows
 * of it under the heading (a list's first row left outside its rules). The blocks taken are marked
 * in used[]. AP_OK, or AP_ERR_NOMEM (the table is then as it was). */
ap_status tt_free_headings(const tt_free_block *b, size_t n, unsigned char *used, tt_page *page);

/* Times of a grid printed above its frame: for each table of page that names days and
 * prints no time in its top row, the blocks of b[0, n) not marked in used[] that stand
 * over its columns (their middles over a column, their feet within its row pitch above
 * its top, no other table between), when they hold times over three of its columns or
 * more, become its top row: one cell per column, the column's blocks as read (top to
 * bottom; bottom to top where all are set sideways). The blocks taken are marked in
 * used[]. AP_OK, or AP_ERR_NOMEM (the table is then as it was). */
ap_status tt_free_time_header(const tt_free_block *b, size_t n, unsigned char *used, tt_page *page);

/* A grid's day row, and its first rows, printed above its ruled body: for each table of
 * page that names no day, a line of blocks of b[0, n) not marked in used[] over its
 * columns (no further up than eight of its rows, no other table between) naming days in
 * three columns or more, with every block between that line and the table over a column
 * (and, under the line, a first column holding a time), becomes its top rows: the line
 * one row, each first-column block below it a row reaching halfway to the next, a block
 * halfway between two labels across both. The blocks taken are marked in used[]. AP_OK,
 * or AP_ERR_NOMEM (the table is then as it was). */
ap_status tt_free_day_rows(const tt_free_block *b, size_t n, unsigned char *used, tt_page *page);

#endif
