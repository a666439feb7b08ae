/* datagen: synthetic teacher timetables with exact gold answers (the prepare-data step).
 *
 * dg_generate() draws opts->count documents into opts->out_dir: DIR/doc_NNNN.<ext> and,
 * beside each, DIR/doc_NNNN.json in the gold format of shared/EVAL.md (written through
 * document/timetable). With opts->lines it also writes text-line crops for OCR training
 * under DIR/lines/ (see docs/DATAGEN.md). Everything a document holds is decided by a PRNG
 * seeded from (seed, index) alone, so the gold bytes of a seed never depend on the number
 * of threads or on which thread drew which document. */
#ifndef AP_DATAGEN_H
#define AP_DATAGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define DG_MAX_COUNT 1000000 /* documents in one run */
#define DG_MAX_JOBS  64

#define DG_FMT_PNG  (1u << 0) /* raster, lossless */
#define DG_FMT_JPG  (1u << 1) /* raster, JPEG */
#define DG_FMT_PDF  (1u << 2) /* born-digital PDF with real text */
#define DG_FMT_DOCX (1u << 3) /* Word table (gridSpan / vMerge) */

typedef enum dg_degrade { DG_DEGRADE_NONE, DG_DEGRADE_LIGHT, DG_DEGRADE_HEAVY } dg_degrade;

/* Layout families; DG_LAYOUT_MIXED draws each document's family at random. */
typedef enum dg_layout {
    DG_LAYOUT_MIXED,
    DG_LAYOUT_GRID_ROWS, /* one grid for the week, days as rows, times across */
    DG_LAYOUT_GRID_COLS, /* one grid for the week, days as columns, times down */
    DG_LAYOUT_LISTS,     /* one list per day or group of days, side by side */
    DG_LAYOUT_COUNT
} dg_layout;

typedef struct dg_options {
    size_t count; /* 1..DG_MAX_COUNT */
    uint64_t seed;
    const char *out_dir; /* created when missing */
    unsigned formats;    /* DG_FMT_* set; each document takes one of them */
    bool lines;          /* also write text-line crops, manifests and the charset */
    dg_degrade degrade;  /* for raster formats */
    dg_layout layout;
    int oldstyle;              /* percent of documents drawn with old-style figures, 0..100 */
    int jobs;                  /* worker threads, 1..DG_MAX_JOBS */
    bool progress;             /* progress lines on stderr */
    const char *contact_sheet; /* when set: also write a PNG of the first 12 documents */
} dg_options;

/* Generates the documents. AP_OK when every file was written; AP_ERR_INVALID for bad
 * options, AP_ERR_IO when a file could not be written (err names it), AP_ERR_NOMEM,
 * AP_ERR_PROCESSING when a renderer failed. Files written before a failure stay. */
ap_status dg_generate(const dg_options *opts, ap_error *err);

/* Parses "png,jpg,pdf,docx" (any subset, any order) into DG_FMT_* bits; AP_ERR_INVALID
 * naming the bad item otherwise. */
ap_status dg_parse_formats(const char *list, unsigned *formats, ap_error *err);

#endif
