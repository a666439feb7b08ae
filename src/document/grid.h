/* grid: the page representation every reader fills (raster OCR today, PDF text and DOCX
 * tables later) and the one interpreter that turns it into timeblocks.
 *
 * A page holds tables and free text (text outside every table: titles, "Teacher: ...").
 * A table is a lattice of nrows x ncols units; each cell covers a rectangle of units
 * (merged cells cover several) and holds its text as lines, top to bottom, as a reader of
 * the cell's orientation sees them. Line heights and widths are relative to the cell
 * (height in the reader's pixels or points, width as a fraction of the cell's inner
 * width); born-digital readers also give each line's colour and mark its height as the
 * exact type size. That is all the interpreter needs to tell a title from notes and a
 * word broken by the cell's width from two words.
 *
 * Ownership: a page owns everything below it; tt_page_free frees it all. */
#ifndef AP_GRID_H
#define AP_GRID_H

#include <stddef.h>

#include "core/status.h"
#include "document/timetable.h"

#define TT_INK_KNOWN (1u << 24) /* tt_line.ink holds a colour */
#define TT_LINE_EXACT                                                                              \
    (1u << 0) /* height is the type size the document sets (born-digital                           \
                 text): any difference between lines is real */

typedef struct tt_line {
    char *text;       /* UTF-8, never NULL */
    float confidence; /* 0..100 */
    float height;     /* text height, reader units (comparable within one cell) */
    float width;      /* fraction of the cell's inner width the line fills, 0..1 */
    unsigned ink;     /* TT_INK_KNOWN | 0xRRGGBB: the colour the line is set in (raster
                         pages: measured on the strokes); 0 when the reader cannot tell */
    unsigned flags;   /* TT_LINE_* */
    tt_bbox box;      /* where the line lies on the page (the cell's units; for text read
                         sideways, the region read); w == 0 when the reader does not say */
} tt_line;

typedef struct tt_cell {
    int row, col, nrows, ncols; /* lattice units covered */
    tt_bbox bbox;               /* on the page */
    int rotation;               /* degrees the text is turned on the page: 0, 90, 270 */
    tt_line *lines;
    size_t nlines;
    float confidence; /* 0..100, mean over the lines; 100 for born-digital text */
} tt_cell;

typedef struct tt_table {
    int nrows, ncols;
    int *row_pos; /* nrows + 1 rule positions (page units), for proportional splits */
    int *col_pos; /* ncols + 1 */
    tt_cell *cells;
    size_t ncells;
    tt_bbox bbox;
} tt_table;

typedef struct tt_page {
    int number; /* 1-based */
    tt_table *tables;
    size_t ntables;
    tt_line *free_text; /* lines outside the tables, top to bottom */
    size_t nfree;
} tt_page;

/* Appends a line to a list (text copied; ink, flags and box 0, for the caller to set).
 * AP_ERR_NOMEM. */
ap_status tt_lines_add(tt_line **lines, size_t *n, const char *text, float confidence, float height,
                       float width);
/* Appends a copy of line: its text, confidence, sizes, ink, flags and box. AP_ERR_NOMEM. */
ap_status tt_lines_add_copy(tt_line **lines, size_t *n, const tt_line *line);
void tt_lines_free(tt_line *lines, size_t n);
void tt_cells_free(tt_cell *cells, size_t n); /* n cells' lines, then the array */
void tt_table_free(tt_table *t); /* frees the contents, not t */
/* Puts add new rows on top of t (text found above its frame): row_pos holds their tops
 * and then t's row edges (t->nrows + add + 1 in all), cells[0, n) their cells with room
 * for t's after them. t's cells move down by add, and t takes both arrays. */
void tt_table_add_top_rows(tt_table *t, int *row_pos, tt_cell *cells, size_t n, int add);
void tt_page_free(tt_page *page); /* frees the contents, not page */

/* The cell's lines joined into one string (caller frees), broken words rejoined; NULL
 * when out of memory. */
char *tt_cell_text(const tt_cell *cell);
/* Whether a cell of t's row (any row: -1) names a day ("Monday", "Tue/Wed"). */
int tt_table_names_day(const tt_table *t, int row);
/* The median height of t's rows (its pitch); 0 for a table without rows. */
int tt_table_row_pitch(const tt_table *t);

/* Whether two lines are set in different colours: both colours known, and any difference
 * for text the document gives (its own colours); for colours measured on pixels, their
 * lightness (mean of the channels) more than TT_INK_LIGHTNESS_APART apart or their hue
 * (what is left of each channel after the lightness) more than TT_INK_HUE_APART
 * (Euclidean), 0..255 a channel. Small print's strokes never reach their ink's full
 * darkness, so one black measures 0x11 to 0x5a by size; a blue or green stays blue or
 * green. */
#define TT_INK_LIGHTNESS_APART 50.0f
#define TT_INK_HUE_APART       40.0f
int tt_ink_differs(const tt_line *a, const tt_line *b);

/* Whether next continues the word that prev ends with (a word broken by the cell's
 * width): prev ends in a letter, next starts lower-case in the same colour and (exact
 * sizes known) the same size, or (sizes measured, next's first word of three letters or
 * more) not under TT_WORD_SIZE_APART of prev's, and either prev fills the cell or next's
 * first word is a fragment too short to be a word of its own. */
#define TT_WORD_SIZE_APART 0.72f
int tt_line_continues(const tt_line *prev, const tt_line *next);
/* Whether prev ends with a word hyphenated at the line's end ("Gram-" over "mar"): a
 * letter and a hyphen, then next starting lower-case in the same colour and size (as
 * tt_line_continues tells them). tt_cell_text joins the two halves without the hyphen. */
int tt_line_hyphenated(const tt_line *prev, const tt_line *next);
/* Whether next starts a line only because its first word did not fit after prev (the
 * cell's width broke the text there, no one chose to): prev's width, a space and that
 * word's share of next's width pass the cell's inner width (0.92 of it where widths are
 * measured on OCR's ink, which stops short of the cell's edge by the type's margins). */
int tt_line_wrapped(const tt_line *prev, const tt_line *next);

/* Turns the pages into timeblocks, header fields and warnings, appended to doc.
 * AP_ERR_NOMEM. A page without a timetable adds nothing but a warning. */
ap_status tt_grid_interpret(const tt_page *pages, size_t npages, tt_doc *doc, ap_error *err);

#endif
