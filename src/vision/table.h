/* table: ruled tables in a page image, found with Leptonica morphology.
 *
 * A table is a lattice: the x positions of its column rules and the y positions of its row
 * rules (every rule found anywhere in the table, so a line drawn in one row only still
 * makes a lattice column), and cells, each a rectangle of lattice units. Two neighbouring
 * lattice units belong to one cell when no rule is drawn between them, which is how cells
 * merged across rows and columns, partial borders and cells split inside a column come
 * out of one rule. Units joined into a shape that is no rectangle (an L, through a rule
 * missing beside a cell merged down the rows) are cut apart along a line of the lattice
 * ruled along most of their rectangle when that leaves rectangles; otherwise (short
 * stray rules inside a merged cell) their rectangle is the cell.
 *
 * Rules are dark thin runs, long compared with text strokes: a run survives an opening
 * with a long structuring element, solid fills are removed by their thickness, and a short
 * run counts only when it meets a rule of the other direction (underlines and dashes in
 * text do not), or when it lies in a gap of a long rule's line, held at its outer end,
 * with long rules on either side spanning both (a row rule cut apart by a cell merged
 * down every day). Row runs a fifth of the page wide or less count when three or more of
 * them begin and end in line, each a bare stroke of dark ink (paper just above and below
 * it) on no long rule's line: the rules of a narrow list ruled in rows only (a week
 * printed as five lists side by side); a word printed in three rows of one column leaves
 * runs along its letters' tops with their stems beside them. Inside a dark fill, whose
 * grain leaves light specks in its binarisation, no run counts away from a lane of paper
 * (the white gap between inset cells): the ink between the specks would make a mesh.
 * The edges of cell fills (vision/fill) count as rules: a table shaded
 * cell by cell, or with a shaded column and no rule, is cut where its shades change. */
#ifndef AP_VISION_TABLE_H
#define AP_VISION_TABLE_H

#include <leptonica/allheaders.h>
#include <stddef.h>

#include "core/status.h"

#define IMG_TABLE_MAX_LINES 400 /* rules per direction in one table; more is not a table */
#define IMG_MAX_TABLES      32

typedef struct img_cell {
    int row, col, nrows, ncols; /* lattice units covered */
    int x, y, w, h;             /* inside the rules, page pixels */
} img_cell;

typedef struct img_table {
    int x, y, w, h;   /* outline, page pixels */
    int nrows, ncols; /* lattice size */
    int *row_y;       /* nrows + 1 rule positions, top to bottom */
    int *col_x;       /* ncols + 1 rule positions, left to right */
    img_cell *cells;  /* in reading order (top row first, then left to right) */
    size_t ncells;
} img_table;

/* Binarises grey (8 bpp) for rule finding: dark ink is 1. Caller frees. NULL on failure. */
PIX *img_binarize_rules(PIX *grey);

/* Finds the tables of grey (8 bpp, deskewed). On AP_OK *tables (caller frees with
 * img_tables_free) holds *ntables tables, largest first, possibly none. When lines_out is
 * not NULL it receives a 1 bpp image of the rules kept (caller frees), for debugging.
 * AP_ERR_NOMEM; AP_ERR_PROCESSING when Leptonica fails. */
ap_status img_find_tables(PIX *grey, img_table **tables, size_t *ntables, PIX **lines_out,
                          ap_error *err);
/* As img_find_tables, with the edges of the page's fills (vision/fill's img_fill_edges
 * of grey; borrowed, not NULL) already found by the caller, and, when not NULL, grey's
 * img_background bg and its img_fill_mask fill (borrowed; made here when NULL), which
 * the caller had made for them. The rules kept come back apart, horizontal in *hlines
 * and vertical in *vlines (each when not NULL; caller frees): a rule drawn thick beside a
 * fill's edge is no rule of the other direction. */
ap_status img_find_tables_filled(PIX *grey, PIX *bg, PIX *fill, PIX *hfill, PIX *vfill,
                                 img_table **tables, size_t *ntables, PIX **hlines, PIX **vlines,
                                 ap_error *err);
void img_tables_free(img_table *tables, size_t ntables);

/* The lattice stage of img_find_tables on its own, for readers that know their rules
 * without looking for them (PDF vector paths): hruns and vruns (1 bpp, same size, borrowed)
 * hold candidate horizontal and vertical rules painted as thin runs of ink; they are
 * kept, grouped into tables and cut into cells exactly as for a page image. Results and
 * errors as img_find_tables. */
ap_status img_tables_from_runs(PIX *hruns, PIX *vruns, img_table **tables, size_t *ntables,
                               PIX **lines_out, ap_error *err);

/* Estimates the skew of grey in degrees (positive: counter-clockwise) and, when it is
 * worth correcting, returns a rotated copy; otherwise a clone. Caller frees. */
PIX *img_deskew(PIX *grey, float *angle_out);

#endif
