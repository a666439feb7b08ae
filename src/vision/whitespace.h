/* whitespace: the rules a table leaves to whitespace, drawn in so that vision/table's
 * lattice stage can cut the table into cells as if they were printed.
 *
 * Tables are often ruled only in part: rows ruled but no column rules ("row-only"), a
 * frame around lines of a list whose rows are set apart by space alone ("frame-only").
 * Inside each ruled region (a table, or a frame that holds no lattice) this module finds
 *   1. rows: gaps between text lines that run across the whole region, where a band
 *      between two rules holds several such gaps (one gap is a heading over its subtitle,
 *      or a cell's two lines, and is left alone) and each strip between them holds text
 *      in half the band's columns at least (a cell of four lines beside cells of one
 *      leaves gaps above and below them, but its first and last lines stand alone);
 *      where no gap runs across the band and narrow empty columns (gutters) part it
 *      into panels (lists side by side, each framed by its own rules, rows not in line
 *      from list to list), each panel's rows are found as a region's own, between the
 *      rules across that panel, and drawn across that panel alone;
 *   2. columns: gaps between pieces of text wider than a word space that line up in most
 *      rows of a column that spans most of the region, or, in a column holding several
 *      columns of text whose other rows are one piece each (breaks across every day), in
 *      most rows cut at all (in the first band, the header, whose times run close to
 *      their column's edge, a little more than a word space clear at the gap's known
 *      place is enough).
 * A virtual rule is drawn only where its gap is free of ink, so a cell whose text crosses
 * it (a lesson over two periods) stays one merged cell, exactly as with a partly drawn
 * printed rule. Every size comes from the median height of the text's pieces.
 *
 * Merged cells the gaps alone would cut are kept whole:
 *   - a line of text set sideways (a break labelled up the page) is no row gap, and no
 *     virtual row rule crosses it;
 *   - inside a fill (vision/fill), a virtual rule stands only with the fill's text on
 *     both sides of it: a column shaded down every day and labelled once is one cell;
 *   - a band holding at most two pieces of text, one across a column gap that most bands
 *     keep (a "Lunchtime" row across every day, beside its time), is cut only once, after
 *     its first piece.
 * The edges of fills that stop short of the header row or the first column go on through
 * it where their line is free of ink (a shaded break column's time above it); column
 * edges that stop at a band further down (a shaded row across the days) go on through
 * it only where the band holds text on both sides of them, or its own text in three
 * columns or more ("Snack" on every day is a cell per day, "Register" once is one). Text is ink
 * darker than its own background, so fills are not text. A table printed with no rule is
 * framed by its text lines (with the lines set sideways and the fills that reach into
 * it) even when a few fills inside it made small tables of their own. On a colour page
 * the fills of each channel count too, away from the edges and rules the grey has.
 *
 * A region whose row rules (three or more, three in four of them) end at a side with no
 * column rule is framed there: a list ruled in rows only stays one table also where a
 * row's text crosses its column gap.
 *
 * Regions: rules that touch, and row rules one under another (a row-only table); a lone
 * row rule joins a framed box (a title's frame) only when it runs across most of it, so
 * lists side by side under a framed title stay apart. A column of labels just left of a
 * region and a header line just above it, printed outside its rules and fills (times
 * and days beside a table of shaded cells), are the region's when they line up with its
 * rows (labels in most rows, none across a row rule) or its columns (three pieces or
 * more, each inside one column) and hold no rule of their own. */
#ifndef AP_VISION_WHITESPACE_H
#define AP_VISION_WHITESPACE_H

#include <leptonica/allheaders.h>

#include "vision/table.h"

/* Finds the tables of grey (8 bpp, deskewed) as img_find_tables does, with the rules left
 * to whitespace added. Results, ownership and errors as img_find_tables (lines_out, when
 * not NULL, also shows the virtual rules). */
ap_status img_find_tables_spaced(PIX *grey, img_table **tables, size_t *ntables, PIX **lines_out,
                                 ap_error *err);

/* As img_find_tables_spaced, with the page's colour: rgb (32 bpp, the same size and
 * geometry as grey, borrowed; NULL for none) adds the fills and fill edges of each
 * channel, so that neighbouring fills of different colour but one grey stay apart. */
ap_status img_find_tables_coloured(PIX *grey, PIX *rgb, img_table **tables, size_t *ntables,
                                   PIX **lines_out, ap_error *err);

#endif
