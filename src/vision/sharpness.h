/* sharpness: a blurred page's edges made steep again before its cells are read.
 *
 * A scan out of focus, a phone photo that shook, or a page blurred by resampling spreads
 * every edge of ink over three pixels and more: thin rules fade towards the paper, small
 * figures run together ("11" into "n") and the gaps between letters fill. The measure
 * is the width of the page's steep edges: along rows and down columns, where the grey
 * climbs monotonically by at least SHARP_EDGE_MIN levels within four pixels, the rise
 * over its largest single step (1 for an edge within one pixel, about 3 for one smeared
 * by a 3 x 3 box blur). Letters, rules and fill borders all give edges, the paper none,
 * so the median over the page is the page's blur whatever it prints. A page whose median
 * is at least IMG_BLUR_WIDTH is unsharp-masked (each pixel moved half as far again from
 * its 3 x 3 mean, where it differs from it by more than grain); sharper pages come back
 * as they went in. read_raster seeks a blurred page's structure both on it as it came and
 * sharpened, and keeps the sharpened page when its structure is the more consistent with
 * the page's text (img_sharp_tables_kept): sharpened, some pages' light fills and faint
 * rules are lost (docs/BENCHMARKS.md, "Photographed and JPEG pages (session 8)" and
 * "Blurred and shrunk pages (session 9)"); otherwise only its cells are read from the
 * sharpened grey. */
#ifndef AP_VISION_SHARPNESS_H
#define AP_VISION_SHARPNESS_H

#include <leptonica/allheaders.h>
#include <stddef.h>

#include "vision/table.h"

/* Edges at least this wide (median, pixels) mark a blurred page. The jpg pages of tuning
 * seeds 21 and 43 (light damage) measured 1.1-1.9 unblurred (one 2.0) and 2.0-2.9 under
 * datagen's 3 x 3 box blur (five 1.7-1.95); the real timetables measure 1.1 and 1.9, and
 * 2.3-2.9 blurred by 3 x 3 or 5 x 5 (bench/bench_extract_robust.sh). */
#define IMG_BLUR_WIDTH 2.0f

/* The median width in pixels of grey's (8 bpp, borrowed) steep edges; 0 when grey is not
 * 8 bpp, smaller than 16 x 16, or shows too few edges to tell. */
float img_edge_width(PIX *grey);

/* pix (8 bpp grey or 32 bpp colour, borrowed) unsharp-masked when width (img_edge_width
 * of its grey) is at least IMG_BLUR_WIDTH, else a clone; differences from the local mean
 * within a few grain deviations (grain: img_noise_sigma of the page, 0 for none) are
 * left as they are. Caller frees; NULL when out of memory or pix is of another depth. */
PIX *img_sharpen(PIX *pix, float width, float grain);

/* Whether a blurred page's structure found on it sharpened (sharp, nsharp) is to be kept
 * over the one found on it as it came (plain, nplain), both judged on the sharpened grey
 * (8 bpp, borrowed): when it cuts fewer letters (pieces of ink of text size that overlap a
 * cell but lie in none), or as many and at least as many of its cells hold ink. A blurred
 * line of text taken for a rule cuts its letters; sharpening, which brings back faint
 * rules and the gaps between small print's lines, parts text into more cells; a structure
 * whose cells hold less text lost a light fill or a faint rule that the page as it came
 * still showed, and merged the text on either side of it. Empty cells (a false edge in a
 * blurred fill) count for neither. Pages with no cells either way keep the sharpened one
 * (its free text is then read sharpened); 0 when grey is not 8 bpp. */
int img_sharp_tables_kept(PIX *grey, const img_table *plain, size_t nplain, const img_table *sharp,
                          size_t nsharp);

#endif
