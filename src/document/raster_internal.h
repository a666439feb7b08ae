/* raster_internal: what the raster reader's parts share. read_raster.c turns a page image
 * into a tt_page (normalise, find the tables, make the jobs, assemble the lines);
 * raster_crop.c cuts a job's crop tight around its ink and measures its print;
 * raster_read.c is the workers that read the jobs; raster_reread.c reads again the time
 * cells they misread; raster_free.c groups the text found
 * outside the tables; raster_debug.c writes what the reader saw. Not for use outside
 * src/document/read_raster.c and src/document/raster_*.c. */
#ifndef AP_RASTER_INTERNAL_H
#define AP_RASTER_INTERNAL_H

#include <pthread.h>

#include "document/readers.h"
#include "vision/table.h"

#define MAX_JOBS     4000 /* cells plus free-text blocks in one page */
#define MAX_SEGMENTS 8    /* pieces one line of a crop is cut into (raster_ink_segments) */

/* The paper's grey in a crop cut tight around its text, for the CRNN (tt_stretch_paper):
 * the level this share of its pixels lies at or below. Such a crop keeps a tenth of paper
 * and more between its strokes, letters and lines, however bold or blurred its print.
 * Tesseract, which binarises what it is given, reads small print better thinned: its
 * crops keep the median (TT_TESS_PAPER_RANK). Measured in docs/BENCHMARKS.md ("Cell
 * reading (session 7)"). */
#define TT_PAPER_RANK      0.9f
#define TT_TESS_PAPER_RANK 0.5f

typedef struct job {
    int x, y, w, h; /* region of the page */
    tt_line *lines; /* results, owned until moved into the page */
    size_t nlines;
    float confidence;
    int rotation;
    int inked;
    int reads;         /* OCR calls spent (directions tried, pieces) */
    int reader;        /* READ_CRNN or READ_TESSERACT: what made the kept reading */
    int fallback;      /* the CRNN's reading was doubtful and Tesseract read it again */
    float least;       /* the lowest word confidence of the kept reading, 0..100 */
    float least_digit; /* the same over the words holding a digit */
    float ms;          /* CPU time spent reading, ms */
    int outside;       /* a block of text outside the tables: no rules around it */
    int force_reader;  /* FORCE_*: a second reading with this engine alone (raster_reread.c) */
    int force_rot;     /* 90 or 270: a whole cell read turned so alone; 0: as its ink says */
    int other_paper;   /* the crop's paper set at the other reader's rank (thinner or bolder) */
    size_t reread_of;  /* a second reading of job reread_of - 1 (raster_reread.c); 0: none */
} job;

/* A job's force_reader: 0 reads as the mode says (the CRNN, Tesseract where doubtful). */
enum { FORCE_NONE = 0, FORCE_TESSERACT, FORCE_CRNN };

/* The two readers a worker may hold (seen entries are keyed by the reader too). */
enum { READ_TESSERACT = 0, READ_CRNN = 1 };

/* Readings already made on this page, keyed by the ink they were made from: a cell whose
 * ink is pixel for pixel the ink of one already read (a subject repeated across the week,
 * the same heading in several tables) takes that reading instead of a new OCR call. The
 * key is the binarised region that was read, so equal keys are the same text at the same
 * size; the grey behind the ink (another fill) does not change what it says. Entries are
 * appended under work.lock, into a table that never moves, and never change once ready. */
#define MAX_SEEN 2048

typedef struct seen {
    PIX *ink;       /* the key: 1 bpp, the region read */
    int directions; /* a whole cell (reading directions tried) or a piece of a line */
    int reader;     /* READ_*: which engine read it */
    int ready;      /* result, rotation and scale are set */
    ocr_result result;
    int rotation;
    float scale;
} seen;

/* Shared by the workers. States: workers start (opening their engines, when they were
 * given none, while the caller finds the tables), wait until `posted` (jobs set, or
 * nothing to do), take jobs from `next` until none is left, close what they opened. */
typedef struct work {
    PIX *grey;
    job *jobs;
    size_t njobs;
    size_t next;      /* the next job to read (under lock) */
    size_t nfinished; /* jobs read once (under lock) */
    int timeout_ms;
    const ocr_options *ocr; /* for the Tesseract engines a worker opens itself */
    tt_ocr_mode mode;
    const char *model;                       /* the CRNN's model directory */
    char crnn_version[96], tess_version[96]; /* of the engines the workers held */
    pthread_mutex_t lock;
    pthread_cond_t posted_cond;
    int posted;
    ap_status status; /* the first failure */
    ap_error error;
    seen *seen; /* MAX_SEEN entries, or NULL: no reuse */
    size_t nseen;
    size_t seen_hits; /* readings reused */
    /* Auto mode: jobs the CRNN read doubtfully, waiting for a worker holding Tesseract
     * (MAX_JOBS entries; pushed and taken under lock). One worker claims the first
     * Tesseract; the others queue their doubtful jobs for it rather than each paying
     * Tesseract's start-up, unless more than DEFER_OPEN_MIN are waiting. */
    size_t *deferred;
    size_t ndeferred, ntaken;
    int tess_claimed;
    /* an entry became ready, a job was deferred or finished, or a worker failed */
    pthread_cond_t seen_cond;
    /* The second round (raster_reread.c): the tables whose cells are jobs[0, ncell_jobs),
     * NULL for none. When every job is read (Tesseract's second readings too: nagain of
     * ntaken done), the worker that sees it first appends the second readings to the
     * jobs, once (reread_posted), and the crew reads them with the engines it holds. */
    const img_table *tables;
    size_t ntables, ncell_jobs;
    size_t nagain;
    int reread_posted;
} work;

typedef struct worker_arg {
    work *w;
    ocr_engine *engine; /* borrowed, or NULL: the worker opens and closes its own */
} worker_arg;

/* A worker's engines: the CRNN (NULL in Tesseract mode, or without a model) and Tesseract
 * (NULL until needed in auto mode), each borrowed or the worker's own. */
typedef struct worker_engines {
    ocr_engine *crnn, *tess;
    ocr_engine *own_crnn, *own_tess;
    int tess_failed; /* auto: Tesseract could not be opened; the CRNN's readings stand */
} worker_engines;

typedef struct crew {
    pthread_t threads[TT_EXTRACT_MAX_THREADS];
    worker_arg args[TT_EXTRACT_MAX_THREADS];
    size_t started;
} crew;

static inline int imax(int a, int b)
{
    return a > b ? a : b;
}
static inline int imin(int a, int b)
{
    return a < b ? a : b;
}

/* raster_crop.c */
int raster_ink_box(PIX *crop, int tight, int *bx, int *by, int *bw, int *bh, PIX **ink_out,
                   PIX **faint_out);
void raster_trim_rules(PIX *crop, int *x0, int *y0, int *x1, int *y1);
void tt_clear_edge_rules(PIX *crop);
int raster_frame_margin(int w, int h);
int tt_count_text_lines(PIX *ink, int x, int y, int w, int h, int sideways, float glyphs);
int raster_ink_segments(PIX *ink, int bx, int bw, int min_gap, int *starts, int *ends);
int raster_piece_rows(PIX *ink, int x, int w, int y, int h, int *top, int *rows);
float raster_glyph_height(PIX *ink, int x, int y, int w, int h);
PIX *raster_crop_margin(PIX *crop, int x, int y, int w, int h, float glyphs, float paper_rank,
                        float *scale_out);
float raster_upright_ratio(PIX *ink, int x, int y, int w, int h);
unsigned tt_line_ink(PIX *rgb, PIX *grey, const tt_bbox *b);

/* raster_read.c */
void raster_crew_start(crew *c, work *wk, ocr_engine **engines, size_t nengines, int threads);
ap_status raster_crew_finish(crew *c, work *wk, ocr_engine **engines, size_t nengines,
                             ap_error *err);

/* raster_reread.c */
void raster_reread_post(work *wk);
void raster_reread_choose(work *wk, size_t njobs);

/* raster_free.c */
size_t raster_free_text_jobs(PIX *grey, const img_table *tables, size_t ntables, job *jobs,
                             size_t njobs);
ap_status raster_free_text_lines(job *blocks, size_t n, tt_page *page);
ap_status raster_free_lists(job *blocks, size_t n, tt_page *page);

/* raster_debug.c */
void raster_write_debug(const char *dir, PIX *grey, PIX *lines, const img_table *tables,
                        size_t ntables, const job *jobs, size_t ncell_jobs, size_t njobs);

#endif
