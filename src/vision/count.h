/* count: set pixels per row or per column of a box of a binary image, exactly as
 * pixCountByRow and pixCountByColumn count them.
 *
 * Leptonica tests each pixel of the box through GET_DATA_BIT, and counts a column by
 * walking down the image a pixel at a time; the table and whitespace searches' coverage
 * checks cost ~40 M instructions of Example 1.1's main thread that way. Here a row is
 * counted a word at a time (popcount of the word masked to the box) and columns are
 * counted row by row, one increment per set pixel. */
#ifndef AP_VISION_COUNT_H
#define AP_VISION_COUNT_H

#include <leptonica/allheaders.h>

/* Set pixels of each row of bin (1 bpp) within box (clipped to the image; NULL: the
 * whole image), as pixCountByRow(bin, box): one number a row, top first. Caller frees;
 * NULL on a bad argument, a box wholly outside the image, or out of memory. */
NUMA *img_count_by_row(PIX *bin, BOX *box);

/* The same per column, left first, as pixCountByColumn(bin, box). */
NUMA *img_count_by_column(PIX *bin, BOX *box);

#endif
