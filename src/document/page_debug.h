/* page_debug: what a reader made of a page, written for a person to look at (the
 * --debug-dir of `aipipe extract`) when the page did not go through the raster path,
 * which writes its own richer images: PDF pages read from their text, DOCX tables.
 *
 *   cells.png  the page picture with each table in magenta and each cell coloured by its
 *              text's direction (green upright, red bottom-to-top, blue top-to-bottom,
 *              grey empty); only when there is a picture;
 *   cells.tsv  one row per cell (then the free text as table "free"), in the columns of
 *              the raster path's cells.tsv; the reading columns it has no measure of
 *              (least, reads, ms) hold "-", reader names where the text came from.
 *
 * Best effort: a file that cannot be written is skipped (logged at debug level), never
 * an error of the extraction. */
#ifndef AP_PAGE_DEBUG_H
#define AP_PAGE_DEBUG_H

#include <leptonica/allheaders.h>

#include "document/grid.h"

/* picture may be NULL (cells.tsv only). A page box (x, y) lies at picture pixel
 * ((x - ox) * scale, (y - oy) * scale). */
void tt_page_debug_write(const char *dir, const tt_page *page, const char *reader, PIX *picture,
                         float scale, float ox, float oy);

#endif
