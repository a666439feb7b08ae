/* pdf_internal: what the PDF reader's parts share (read_pdf.c reads pages; pdf_rules.c
 * collects a page's rules; pdf_layout.c adds the rules its text implies, pdf_lists.c
 * parts lists side by side; pdf_text.c cuts its text into cells). Not for use outside
 * src/document/read_pdf.c and src/document/pdf_*.c. pdf_edges.c finds the edges that text
 * alignment shows; pdf_bands.c reads a borderless page whose only ruled part is a band
 * of coloured cells. */
#ifndef AP_PDF_INTERNAL_H
#define AP_PDF_INTERNAL_H

#include <mupdf/fitz.h>
#include <time.h>

#include "core/status.h"
#include "document/grid.h"
#include "vision/table.h"

#define PDF_MASK_SCALE 2.0f   /* mask pixels per point when painting rules */
#define PDF_MASK_MAX   5000   /* mask pixels along a side, whatever the page */
#define PDF_MAX_RULES  20000  /* rule segments kept per page */
#define PDF_MAX_CHARS  100000 /* characters read per page */

typedef struct pdf_rule {
    float x0, y0, x1, y1; /* page points; x0 <= x1, y0 <= y1 */
    float thick;
    int horizontal;
    int drawn; /* drawn as a line (a stroke or a thin bar), not a fill's edge or implied */
} pdf_rule;

typedef struct pdf_collector {
    fz_device super; /* first: MuPDF hands the device back as this */
    pdf_rule *rules; /* our own malloc, not MuPDF's */
    size_t nrules, cap;
    int oom, too_many, timed_out;
    fz_rect page;
    double page_area, image_area;
    double image_ppp;  /* pixels per point of the image covering the most of the page */
    double image_best; /* the page area that image covers */
    size_t paths;
    struct timespec deadline;
    unsigned calls;
    /* path walking */
    fz_matrix ctm;
    int stroking;
    float thick;
    fz_point cur, start;
    fz_rect *fills; /* coloured cell-sized rectangles: one cell each, never split */
    size_t nfills, fills_cap;
    fz_rect *panels; /* coloured rectangles behind a whole table (a list): its outline */
    size_t npanels, panels_cap;
    fz_point pts[6]; /* the current subpath's corners while it may still be a rectangle */
    int npts, rect_ok;
    int fill_edges; /* the fill is coloured: its rectangles' edges are rules */
} pdf_collector;

typedef struct pdf_cbox {
    float x0, y0, x1, y1, size; /* page points, relative to the page's origin */
    int rotated;                /* the character's line runs up or down the page */
    unsigned flags;             /* RUN_DAY, RUN_TIME */
} pdf_cbox;

#define RUN_DAY         (1u << 0) /* the run names a weekday ("Monday, Wednesday", "Thu/Fri") */
#define RUN_TIME        (1u << 1) /* the run is a time notation and nothing else */
#define RUN_DAY_LETTERS (1u << 2) /* one or two letters that may abbreviate a day ("M", "Tu") */

typedef struct pdf_piece {
    int table, cell; /* -1, -1: outside every table */
    float u0, u1;    /* extent along the reading direction */
    float v;         /* baseline position across it (grows line by line) */
    float size;      /* largest character size, points */
    unsigned ink;    /* TT_INK_KNOWN | 0xRRGGBB of its first character, 0 when empty */
    int rotation;    /* 0, 90 (reads upwards), 270 (reads downwards) */
    size_t order;    /* position in the content, for a stable sort */
    char *text;
} pdf_piece;

typedef struct pdf_pieces {
    pdf_piece *v;
    size_t n, cap;
} pdf_pieces;

typedef struct pdf_cell_map {
    const img_table *tables;
    size_t ntables;
    int **unit_cell; /* per table */
    float s;         /* mask pixels per point */
    fz_rect page;
} pdf_cell_map;

/* ---- pdf_rules.c ---- */

/* Whether the monotonic clock has passed deadline. */
int pdf_past_deadline(const struct timespec *deadline);

/* Runs the page through the collector. Fills c (rules, image area); MuPDF errors
 * propagate as exceptions to the caller's fz_try. */
void pdf_collect_rules(fz_context *ctx, fz_page *page, pdf_collector *c);

/* Tables of the page from its rules, in page points (the lattice stage of vision/table
 * on masks where each rule is painted as a thin run). */
ap_status pdf_rule_tables(const pdf_collector *c, img_table **tables, size_t *ntables,
                          float *scale_out, ap_error *err);

/* A rule implied by a fill's edge or by the text. */
void pdf_add_rule(pdf_collector *c, float x0, float y0, float x1, float y1, float thick,
                  int horizontal);

/* A panel's outline is drawn like a rule: a table's side, beyond which no text is its. */
void pdf_add_panel(pdf_collector *c, fz_rect r);

/* ---- pdf_layout.c ---- */

/* Whether page point (x, y) lies inside one of the tables (s: mask pixels per point). */
int pdf_inside_tables(const img_table *tables, size_t ntables, float s, float x, float y);

/* qsort order of floats, ascending. */
int pdf_cmp_float(const void *a, const void *b);

/* A table made from text alone in [X0, X1) x [Y0, Y1): rows at the gaps between its
 * lines (at a coloured cell's top or bottom where one lies in the gap), columns at the
 * gutters that run down most rows (between edges[0, nedges] when given, the sides
 * otherwise); trim leaves out a title above and a footer below. */
void pdf_text_grid(pdf_collector *c, float X0, float Y0, float X1, float Y1, const pdf_cbox *b,
                   size_t n, int trim, const float *edges, int nedges);

/* Horizontal rules drawn with the same ends, stacked down the page (a table ruled in rows
 * only) are one table: its sides are rules too, so the rows hold together. */
void pdf_close_row_tables(pdf_collector *c);

/* The rows below each table (rows_below), once the rules the text implies around it
 * have made its columns. Returns whether rules were added. */
int pdf_below_rules(pdf_collector *c, const img_table *tables, size_t ntables, float s,
                    const pdf_cbox *b, size_t n, float em);

/* Adds the rules the text implies around each table (see above) to c. */
void pdf_text_rules(pdf_collector *c, const img_table *tables, size_t ntables, float s,
                    const pdf_cbox *b, size_t n);

/* A page whose text no ruled table holds (at most boxes of one cell: a framed title, a
 * coloured bar) may still be a table aligned by whitespace alone: the box around that
 * text becomes a table read by pdf_text_grid. Returns whether rules were added. */
int pdf_borderless_rules(pdf_collector *c, const img_table *tables, size_t ntables, float s,
                         const pdf_cbox *b, size_t n);

/* A cell merged only because no rule parts it (a label column or header row beside a
 * ruled body, a column whose row rules are not drawn) is split where its text is parted
 * in step with the lattice: at each inner lattice line that parts_cell accepts and no
 * coloured cell spans, or that a one-row cell's text, centred on one column, leaves
 * aside (centred_in_column); and where a one-row cell holds two blocks side by side
 * (side_by_side). Returns whether rules were added. */
int pdf_split_merged(pdf_collector *c, const img_table *tables, size_t ntables, float s,
                     const pdf_cbox *b, size_t n);

/* A cell-sized fill holding several rows of text (four or more, parted by gaps a
 * paragraph does not leave) is a panel behind a list, not one cell: it no longer keeps
 * what it covers in one cell, and it becomes a panel (pdf_add_panel). */
void pdf_find_panels(pdf_collector *c, const pdf_cbox *b, size_t n);

/* Boxes of the page's text runs, relative to its origin: the characters of one line
 * (no spaces) whose gaps are at most 0.6 of their size, so the words of a phrase are one
 * box. An implied rule never runs between the words of one line: a space is part of a
 * cell's text flow, a column's gutter is wider. */
ap_status pdf_char_boxes(const fz_stext_page *sp, fz_rect page, pdf_cbox **out, size_t *n);

/* ---- pdf_edges.c ---- */

/* The top of a header row of times or days standing apart above table tb (page points)
 * right of L, neither ruled nor near; tb's top when there is none. */
float pdf_apart_header(const img_table *tables, size_t ntables, const img_table *tb, float s,
                       const pdf_cbox *b, size_t n, float L, float em);

/* Row boundary y of a text grid over [X0, X1], moved to the nearest edge of a coloured
 * cell lying in the same gap between lines; y when there is none. */
float pdf_fill_edge_near(const pdf_collector *c, const pdf_cbox *b, size_t n, float X0, float X1,
                         float y);

/* Adds a column rule at x down cell ic of tb, except in its rows that a break centred
 * over the days (every column after the first) fills. */
void pdf_column_rule(pdf_collector *c, const img_table *tb, float s, const img_cell *ic, float x,
                     const pdf_cbox *b, size_t n);
/* The middle between two lessons stacked in the cell [x0, x1] x [y0, y1], each with its
 * own time; NAN when the cell holds no such pair. */
float pdf_stacked_times(const pdf_cbox *b, size_t n, float x0, float y0, float x1, float y1);
/* Whether the one-row cell ic of tb should part at its inner lattice edge q: its text,
 * centred on one column on one side of it, is well off the cell's centre. */
int pdf_centred_in_column(const pdf_cbox *b, size_t n, const img_table *tb, float s,
                          const img_cell *ic, int q);

/* ---- pdf_bands.c ---- */

/* A page whose ruled tables (those of two cells or more) are all bands one row deep or
 * one column wide, holding under a quarter of its text runs, with twelve runs or more
 * outside them, is a table aligned by whitespace: rows and columns from all its text in
 * the box around it and the bands (pdf_text_grid, trimmed), gutters taking the widest
 * band's column edges. Returns whether rules were added. */
int pdf_band_rules(pdf_collector *c, const img_table *tables, size_t ntables, float s,
                   const pdf_cbox *b, size_t n);

/* ---- pdf_lists.c ---- */

/* The text size most runs have (points). */
float pdf_median_size(const pdf_cbox *b, size_t n);

/* Lists side by side in the text outside every table, or one beside a list a table
 * holds, become a table each (pdf_text_grid over each block). Returns whether rules were
 * added. */
int pdf_list_rules(pdf_collector *c, const img_table *tables, size_t ntables, float s,
                   const pdf_cbox *b, size_t n, float em);

/* A table holding lists side by side (a frame drawn around them all) is cut into one
 * table per list, at the lattice column edges inside the strips between them; cells
 * across a strip (a title over them all) are left out, their text the page's. Replaces
 * *tables when it cuts; AP_ERR_NOMEM. */
ap_status pdf_split_lists(img_table **tables, size_t *ntables, float s, const pdf_cbox *b, size_t n,
                          float em);

/* ---- pdf_text.c ---- */

/* Frees the pieces' text and array, not p. */
void pdf_pieces_free(pdf_pieces *p);

/* Cuts every line of the structured text into pieces, one per cell it crosses (and one
 * for each stretch outside the tables). *nchars: printable characters seen. */
ap_status pdf_text_pieces(const fz_stext_page *sp, const pdf_cell_map *m, pdf_pieces *out,
                          size_t *nchars, ap_error *err);

/* The page's tables with their text, and its free text, into page. */
ap_status pdf_fill_page(const img_table *tables, size_t ntables, const pdf_cell_map *m,
                        pdf_pieces *ps, int number, tt_page *page, ap_error *err);

#endif
