/* datagen_internal: what datagen's files share (not part of the public surface).
 *
 * The pipeline of one document:
 *   dg_model_build   (seed, index) -> dg_page (what to draw) + tt_doc (its gold)
 *   dg_render_*      dg_page -> a raster surface (PNG/JPEG) or a PDF, recording
 *                    each drawn text line's box and transcription for the line crops
 *   dg_degrade       raster -> degraded raster (seeded, photometric and geometric)
 *   dg_docx_build    dg_page -> a DOCX whose Word table has the same cells
 * Invariant: the gold is decided in dg_model_build alone; rendering never changes it, so
 * font metrics (which depend on the fonts a machine has) cannot change a gold answer. */
#ifndef AP_DATAGEN_INTERNAL_H
#define AP_DATAGEN_INTERNAL_H

#include <cairo.h>
#include <leptonica/allheaders.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "document/timetable.h"
#include "train/datagen.h"

/* ---- PRNG: xoshiro256** seeded through splitmix64 (never rand(): it is global state) */
typedef struct dg_rng {
    uint64_t s[4];
} dg_rng;

static inline uint64_t dg_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* One independent stream per (seed, stream): documents use stream = index. */
static inline void dg_rng_seed(dg_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ull + 0x5851f42d4c957f2dull);
    for (int i = 0; i < 4; i++)
        r->s[i] = dg_splitmix(&x);
}

static inline uint64_t dg_rng_next(dg_rng *r)
{
    uint64_t *s = r->s;
    uint64_t x = s[1] * 5, result = ((x << 7) | (x >> 57)) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/* Uniform in [0, 1). */
static inline double dg_rng_unit(dg_rng *r)
{
    return (double)(dg_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform integer in [lo, hi] (lo <= hi). Modulo bias is below 2^-40 here: irrelevant. */
static inline int dg_rng_range(dg_rng *r, int lo, int hi)
{
    return lo + (int)(dg_rng_next(r) % (uint64_t)(hi - lo + 1));
}

static inline bool dg_rng_chance(dg_rng *r, double p)
{
    return dg_rng_unit(r) < p;
}

static inline double dg_rng_between(dg_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * dg_rng_unit(r);
}

/* ---- the page model */
#define DG_TEXT_MAX   96
#define DG_FONT_MAX   48
#define DG_MAX_TRACKS 48 /* rows or columns of one table */
#define DG_MAX_PANELS 5
#define DG_NO_FILL    0xffffffffu

#define DG_CELL_HEADER (1u << 0) /* a header cell (day, time or title) */
#define DG_CELL_BOLD   (1u << 1) /* main text in bold */
#define DG_CELL_HILITE (1u << 2) /* in-cell time drawn on a highlighter colour */
#define DG_CELL_TBELOW (1u << 3) /* in-cell time under the name instead of above */
#define DG_CELL_NOFIT  (1u << 4) /* never shrink the text (words may break at the width) */

/* What a text line is, for the line manifest. */
typedef enum dg_kind {
    DG_KIND_NAME,
    DG_KIND_NOTE,
    DG_KIND_TIME,
    DG_KIND_DAY,
    DG_KIND_NUMBER,
    DG_KIND_TITLE,
    DG_KIND_TEXT, /* an extra line beyond the timetable's vocabulary (datagen_text.c) */
    DG_KIND_COUNT
} dg_kind;
extern const char *const dg_kind_names[DG_KIND_COUNT];

typedef struct dg_cell {
    int row, col, rowspan, colspan;
    char text[DG_TEXT_MAX]; /* main text; "" for an empty cell */
    char note[DG_TEXT_MAX]; /* secondary text or "" */
    char time[48];          /* a time printed inside the cell, or "" */
    dg_kind kind;           /* of the main text */
    unsigned flags;         /* DG_CELL_* */
    int rotation;           /* 0, 90 (reads upwards) or 270 (reads downwards) */
    uint32_t fill;          /* 0xRRGGBB or DG_NO_FILL */
    uint32_t ink, note_ink;
    double size; /* font size, in points at the page's scale */
    int align;   /* 0 centre, 1 left, 2 right */
} dg_cell;

typedef struct dg_table {
    int rows, cols;
    double col_w[DG_MAX_TRACKS], row_h[DG_MAX_TRACKS]; /* relative weights, > 0 */
    dg_cell *cells;
    size_t ncells, cap;
    char title[2][DG_TEXT_MAX]; /* a panel's title lines (lists), "" when none */
    uint32_t title_fill, body_fill;
} dg_table;

typedef enum dg_borders {
    DG_BORDERS_FULL,
    DG_BORDERS_ROWS,
    DG_BORDERS_FRAME,
    DG_BORDERS_NONE
} dg_borders;

typedef struct dg_style {
    char font[DG_FONT_MAX];      /* body family */
    char head_font[DG_FONT_MAX]; /* headings */
    double base_pt;
    dg_borders borders;
    double line_w;
    uint32_t line_rgb, page_rgb, ink_rgb, hilite_rgb;
    bool window;   /* drawn inside a word processor's window (a screenshot) */
    bool oldstyle; /* figures old-style (OpenType onum), in the families that have them */
} dg_style;

typedef struct dg_page {
    dg_layout family;
    double w, h; /* points */
    dg_style style;
    char heading[DG_TEXT_MAX];
    char meta[2][DG_TEXT_MAX];
    int head_align; /* 0 centre, 1 left */
    bool head_box;  /* a frame around the heading block */
    char footer[DG_TEXT_MAX];
    dg_table tables[DG_MAX_PANELS];
    int ntables;
    int split; /* 0 train, 1 val, 2 test (for --lines; chooses the font pool) */
} dg_page;

void dg_page_free(dg_page *page);

/* Fonts the machine has, from the families datagen knows; filled once by dg_fonts_init. */
typedef struct dg_fonts {
    const char *names[64];
    bool heldout[64]; /* kept out of the training split */
    size_t n;
} dg_fonts;
void dg_fonts_init(dg_fonts *fonts);
/* The families datagen knows, in a fixed order (datagen_model.c); NULL past the end. */
size_t dg_known_font_count(void);
const char *dg_known_font(size_t i, bool *heldout);

/* Builds document `index` of `seed`: *page (free with dg_page_free) and *gold (tt_doc_free).
 * layout forces a family (DG_LAYOUT_MIXED: drawn). AP_ERR_NOMEM only. */
ap_status dg_model_build(uint64_t seed, size_t index, dg_layout layout, const dg_fonts *fonts,
                         dg_page *page, tt_doc *gold, ap_error *err);

/* Builds the extra text lines of document `index` (--lines only; datagen_text.c): a small
 * page in doc's style whose cells hold words, codes, printable ASCII and typographic
 * characters beyond a timetable's vocabulary. Draws from its own stream, so doc is
 * unchanged. *page: free with dg_page_free. AP_ERR_NOMEM only. */
ap_status dg_text_page_build(uint64_t seed, size_t index, const dg_page *doc, dg_page *page,
                             ap_error *err);

/* The split of document index under seed: 0 train (80%), 1 val (10%), 2 test (10%). */
int dg_split_of(uint64_t seed, size_t index);

/* ---- rendering */
typedef struct dg_linebox {
    double x0, y0, x1, y1; /* device pixels of the target surface, axis-aligned */
    int rotation;
    dg_kind kind;
    char text[DG_TEXT_MAX];
    char font[DG_FONT_MAX];
    double size_px;
} dg_linebox;

typedef struct dg_lines {
    dg_linebox *v;
    size_t n, cap;
    bool oom;
} dg_lines;
void dg_lines_free(dg_lines *lines);

/* The renderer's shared font map: setup before any thread renders, teardown after all
 * have finished. AP_ERR_NOMEM. */
ap_status dg_render_setup(ap_error *err);
void dg_render_teardown(void);
/* Draws page at `scale` pixels per point on a new ARGB32 surface (*out, caller destroys).
 * lines (may be NULL) receives every drawn text line in the surface's pixels.
 * AP_ERR_NOMEM, or AP_ERR_PROCESSING when cairo reports an error. */
ap_status dg_render_raster(const dg_page *page, double scale, dg_lines *lines,
                           cairo_surface_t **out, ap_error *err);
/* Writes page as a vector PDF (real text) at path. AP_ERR_IO naming path. */
ap_status dg_render_pdf(const dg_page *page, const char *path, ap_error *err);

/* ---- raster helpers and degradations */
/* A 32 bpp PIX (RGB) from a cairo ARGB32 image surface; NULL when out of memory. */
PIX *dg_pix_from_surface(cairo_surface_t *surface);
/* Applies the seeded degradations of `level` to *pix (replaced). AP_ERR_NOMEM/PROCESSING. */
ap_status dg_degrade_page(PIX **pix, dg_degrade level, dg_rng *rng, ap_error *err);
/* One line crop damaged as its page's capture would be (shrink, blur, noise, JPEG at the
 * shrunk size), then coded as the page's JPEG file of quality jpeg (0: a PNG page), then
 * scaled back to its size; seeded. Level NONE draws nothing (the JPEG coding still applies). */
ap_status dg_degrade_line(PIX **pix, dg_degrade level, int jpeg, dg_rng *rng, ap_error *err);

/* ---- DOCX */
/* The DOCX file's bytes (malloc'd, the caller frees them). */
ap_status dg_docx_build(const dg_page *page, void **out, size_t *outlen, ap_error *err);

#endif
