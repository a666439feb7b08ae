/* fill: the edges of cell fills (a shaded break column, a coloured header row, a tinted
 * table with no rule at all), which bound cells exactly as printed rules do.
 *
 * The background is the page with its text and rules taken out (a grey closing wider
 * than any stroke). A fill is background that differs clearly from the page's own and
 * does not touch the image's border (the grey around a screenshot's page is no fill);
 * its edges are where the background steps, on the side of a fill: between a fill and
 * the page, or between two fills of different shade. Edges come out as thin runs of
 * ink, so that vision/table keeps, groups and cuts them as it does printed rules. */
#ifndef AP_VISION_FILL_H
#define AP_VISION_FILL_H

#include <leptonica/allheaders.h>
#include <pthread.h>

/* The background of grey (8 bpp): grey closed with a square wide enough to remove text
 * and rules. Caller frees; NULL on failure. */
PIX *img_background(PIX *grey);

/* How far below its background (diff: the background minus the grey, 8 bpp) a pixel must
 * lie to be ink: the paper's own level (the median of diff, most of a page or a cell being
 * background) plus three deviations of its noise (the interquartile range / 1.35), kept
 * within [lo, hi]. A clean page gives lo; a noisy scan, whose paper sits off its closing
 * and spreads, more. hi when the histogram cannot be made. */
int img_ink_delta(PIX *diff, int lo, int hi);

/* Fill pixels (1 bpp) of the background bg (from img_background): clearly off the page's
 * own background, in a region that does not touch the image's border. Caller frees;
 * NULL on failure. */
PIX *img_fill_mask(PIX *bg);

/* Horizontal (*hedges) and vertical (*vedges) edges of the fills of grey (8 bpp), each a
 * 1 bpp image of grey's size holding runs three pixels wide and at least a little
 * longer than the shortest rule vision/table keeps. bg is grey's background
 * (img_background) and fill its fill mask (img_fill_mask of bg), each NULL to have it
 * made here. Caller frees both. Returns 0 on failure (both NULL). */
int img_fill_edges(PIX *grey, PIX *bg, PIX *fill, PIX **hedges, PIX **vedges);

/* The fill masks and fill edges (img_fill_mask, img_fill_edges) of the red, green and
 * blue channels of a colour page, made on a thread of their own while the caller works
 * on the grey: they need nothing of it, and on a page with colour they are close to a
 * third of its analysis. The results are those made in line. */
typedef struct img_channel_fills {
    PIX *rgb;                             /* borrowed until img_channel_fills_finish */
    PIX *mask[3], *hedges[3], *vedges[3]; /* red, green, blue; owned here */
    int ok;                               /* all nine made */
    int threaded;                         /* a thread makes them; else finish does */
    pthread_t thread;
} img_channel_fills;

/* Starts making rgb's (32 bpp) channel fills into cf; if no thread can be started,
 * img_channel_fills_finish makes them itself. */
void img_channel_fills_start(img_channel_fills *cf, PIX *rgb);

/* Waits for the channel fills. Returns 0 when any of them could not be made. Every
 * started cf must be freed with img_channel_fills_free, which waits for the thread when
 * it was not finished, and accepts one never started (zeroed). */
int img_channel_fills_finish(img_channel_fills *cf);
void img_channel_fills_free(img_channel_fills *cf);

#endif
