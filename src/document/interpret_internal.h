/* interpret_internal: what the interpreter's parts share (interpret.c walks the pages and
 * tables; interpret_cell.c reads a cell, interpret_grid.c a table with a day axis,
 * interpret_lists.c tables without one). Not for use outside src/document/interpret*.c. */
#ifndef AP_INTERPRET_INTERNAL_H
#define AP_INTERPRET_INTERNAL_H

#include <stddef.h>

#include "core/sbuf.h"
#include "core/status.h"
#include "document/grid.h"

#define ALL_WEEKDAYS 0x1fu
#define MAX_TIMES    8

/* A time found in a cell's text. */
typedef struct it_time {
    int start, end;  /* minutes, end TT_NO_TIME for a single time */
    size_t from, to; /* byte span in the text */
    int guessed;     /* am/pm came from the school-day rule */
} it_time;

/* What a cell says (it_read_cell). */
typedef struct it_cell {
    char *name;  /* title without times; "" when none */
    char *notes; /* or NULL */
    int start, end;
    int guessed; /* am/pm guessed */
    int ntimes;
    int times[MAX_TIMES][2]; /* every time in the text, in reading order: start, end */
    unsigned days;           /* day names mentioned */
    unsigned named_days;     /* those named by words of three letters or more */
    int day_label;           /* holds nothing but day names */
    int end_only;            /* one time, after a dash: a range whose start OCR could not read */
    int start_only;          /* one time, before a dash: a range whose end OCR could not read */
    int letters;             /* letters in name */
    float confidence;
} it_cell;

/* The document being built, and what its pages have said so far. */
typedef struct it_ctx {
    tt_doc *doc;
    sbuf header; /* text of non-timetable regions, one line each */
    int guessed_ampm;
    int low_conf;
    unsigned headed_days; /* days the headings of the other lists on the page name: those a
                             list without a heading of its own is not (it_list_rows) */
} it_ctx;

/* ---- a cell's text (interpret_cell.c) ---- */

/* A lone 'g' or 'q' just before a dash and a digit is the 9 OCR took it for; fixed in
 * place. */
void it_fix_nines(char *s);
/* The times of s, in reading order, at most max (<= MAX_TIMES); returns how many. */
int it_find_times(const char *s, it_time *out, int max);
int it_count_letters(const char *s);
/* s[from, to) without leading and trailing separators (caller frees); NULL when empty or
 * out of memory. */
char *it_trim_copy(const char *s, size_t from, size_t to);
/* Fills ci from the cell. AP_ERR_NOMEM. */
ap_status it_read_cell(const tt_cell *cell, it_cell *ci);
void it_cells_free(it_cell *ci, size_t n); /* frees ci too */
/* Whether a cell's times follow one another. */
int it_times_ascend(const it_cell *ci);
/* Whether a cell holds an event: a name with letters, not only a day name or a number. */
int it_is_event(const it_cell *ci);
/* Resolves lone T (bit 7) and S (bit 8) from the day above (Monday.. order). */
unsigned it_resolve_day(unsigned mask, int prev_day);
int it_lowest_day(unsigned mask); /* -1 for none */

/* ---- emitting (interpret.c) ---- */

int it_round5(double minutes);
/* One timeblock per day of days, from ci's name and notes. AP_ERR_NOMEM. */
ap_status it_emit(it_ctx *cx, unsigned days, const it_cell *ci, int start, int end,
                  const tt_cell *cell);
/* A cell's lines, or a whole table's, as lines of the header text. */
void it_add_cell_header(it_ctx *cx, const tt_cell *cell);
ap_status it_add_header_text(it_ctx *cx, const tt_table *t);

/* ---- tables (interpret_grid.c, interpret_lists.c) ---- */

/* Days as rows, labelled in column label_col; along_y: the table was transposed (days as
 * columns), so its time axis runs down the page. */
ap_status it_grid_rows(it_ctx *cx, const tt_table *t, it_cell *ci, int label_col, int along_y);
/* The days a list's heading cell names. */
unsigned it_heading_days(const tt_table *t, const tt_cell *c, const it_cell *ci);
/* A column of a days-as-rows grid's body (rows from first_row, columns from data_col; the
 * day of each lattice row in row_days) whose cells each lie in one day's rows: where the
 * cells read clearly all read one name, cells read poorly (OCR's scraps of a word set
 * small or sideways) take that name (interpret_columns.c). OCR tables only.
 * AP_ERR_NOMEM. */
ap_status it_fill_misread_columns(const tt_table *t, it_cell *ci, const unsigned *row_days,
                                  int first_row, int data_col);
/* Rows of a table without a day axis as events; *used 0 when it is no schedule. */
ap_status it_list_rows(it_ctx *cx, const tt_table *t, it_cell *ci, int *used);
/* Lists printed side by side: the lattice column edges that part them (cuts, at most
 * MAX_SIDE_LISTS - 1) and the number of lists, 0 when t is not such lists; it_side_lists
 * reads each part as a list. */
#define MAX_SIDE_LISTS 8
int it_side_list_cuts(const tt_table *t, const it_cell *ci, int *cuts);
ap_status it_side_lists(it_ctx *cx, const tt_table *t, const it_cell *ci, const int *cuts, int n);

/* ---- times grids and lists read alike (interpret_times.c) ---- */

/* Ranges printed in two cells, start then end ("9:00" | "9:55 am": OCR's line finder took
 * the space around the dash for a rule). Cells of one span along the time axis, side by
 * side across it with nothing between them, the first holding one time or print OCR could
 * not read as one, the second one time, pair up in the pair of lines the table shows is
 * one: where two pairs or more read a start before their end, and at least three times
 * as many run forward as back. across_rows: the pairs stand one row over the next (a
 * grid's header, days as columns); else one column beside the next (a list's rows).
 * cand[i]: whether cell i may take part. Sets mate[i] (t->ncells of them) to the second
 * cell of the pair i starts, or -1; returns the number of pairs. */
int it_pair_split_times(const tt_table *t, const it_cell *ci, const unsigned char *cand,
                        int across_rows, int *mate);
/* Two readings of one boundary, the end of one event and the start of the next, that OCR
 * read apart in a minute's units digit ("13:25 - 13:46" over "13:40 - 14:10"): lessons
 * keep to five minutes, so where one reading is on a five-minute mark and the other is
 * not, both take the mark. For OCR text only (it_ocr_table): print read exactly may leave
 * a gap of a few minutes. TT_NO_TIME stays. */
void it_mend_units(int *end, int *start);
/* Times along an axis OCR misread by a digit of like shape (old-style figures: "9:30"
 * read "9:50", "3:00" read "5:00", "11:05" read "1:05"): v holds n times in axis order,
 * start, end, start, end... (TT_NO_TIME unread). Where they do not run forward (each
 * event ends after it starts, none starts before the one before it ended) or a time is off
 * the five-minute grid, the readings that put them in order at the least cost take the
 * place of the printed ones: a reading replaced by one a confusable digit away costs one,
 * by the other reading of its boundary (copies: an end by the next start, a start by the
 * end before) a little less, one left out (for the caller to drop) more than two; an end
 * equal to the next start breaks ties. A reading is replaced only where the readings on
 * either side of it are kept; the others stay as read. */
void it_mend_confusions(int *v, int n, int copies);
/* The times one confusable digit away from t as printed (24-hour or twelve-hour digits,
 * the school-day rule for the latter), at most cap into out; returns how many. */
int it_confusable_times(int t, int *out, int cap);
/* A cell's own times (start, end; TT_NO_TIME unread) that OCR misread by a digit of like
 * shape, where its columns' printed span [from, to] shows it: a time out of that span
 * ("11:00 - 1:35am" read for "11:00 - 11:35am" under a column of 10:35 - 11:35) takes the
 * confusable reading within the span nearest the span's edge, when one is there and the
 * cell still runs forward. Times within the span, or with no such reading, stay. */
void it_mend_cell_times(int *start, int *end, int from, int to);
/* Whether a table's text came from OCR: no line read exactly. */
int it_ocr_table(const tt_table *t);

#endif
