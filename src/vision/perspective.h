/* perspective: photographed pages made flat again.
 *
 * A phone photo tilts the page: the table's outer rules and the paper's edges are still
 * straight lines, but they meet at angles other than 90 degrees, and the rule finding of
 * vision/table (long horizontal and vertical runs) no longer sees them. This module finds
 * an outline that was a rectangle on paper, estimates the homography that makes it one
 * again (4-point DLT, double precision) and warps the page with it (bilinear).
 *
 * Outlines looked for: the table (the outer quadrilateral of the largest connected piece
 * of ruled ink: a grid or a frame), else the page (paper against a darker background such
 * as a desk); when both are seen and agree (the page's homography makes the table a
 * rectangle too), the larger page, whose homography holds across the whole sheet (a
 * second table beside the first included). The page is changed only when the evidence
 * is clear (see persp_correct);
 * a scan or a screenshot comes back as it went in. */
#ifndef AP_VISION_PERSPECTIVE_H
#define AP_VISION_PERSPECTIVE_H

#include <leptonica/allheaders.h>

/* A quadrilateral, corners in the order top-left, top-right, bottom-right, bottom-left. */
typedef struct persp_quad {
    double x[4], y[4];
} persp_quad;

/* What persp_find saw, in the input's pixels. */
typedef struct persp_outline {
    int has_table, has_page; /* a quadrilateral with four well-supported sides was found */
    persp_quad table, page;
    double table_support, page_support; /* worst side: share of scan lines on its line */
    int use;            /* 0: leave the page; 1: correct from the table; 2: from the page */
    double distortion;  /* of the outline used or rejected: worst corner angle off 90, deg */
    const char *reason; /* why it is used or left (static) */
} persp_outline;

/* Looks for the table and page outlines of grey (8 bpp, borrowed) and decides whether
 * to correct. Fills *out in every case (use 0 when nothing clear was found). */
void persp_find(PIX *grey, persp_outline *out);

/* The homography h (row-major 3x3, h[8] = 1) that maps the four points src onto dst.
 * Returns 0 on success, -1 when the points are degenerate (three on a line). */
int persp_homography(const persp_quad *src, const persp_quad *dst, double h[9]);

/* grey (8 bpp, borrowed) warped by the homography inverse_h that maps output pixels to
 * input pixels, into a w x h image; bilinear, white outside the input. Caller frees;
 * NULL when out of memory or w, h are not positive. */
PIX *persp_warp(PIX *grey, const double inverse_h[9], int w, int h);

/* The perspective normalisation of the raster path: when persp_find decides to correct,
 * grey (8 bpp, borrowed) mapped so that the outline is an upright rectangle of the same
 * size, on a white page cut to the paper when the paper's edge was seen; otherwise a
 * clone. The output has at most the input's pixels. When debug_dir is not NULL,
 * DIR/perspective.png shows the outlines found (green: used, red: left). Caller frees;
 * NULL only when out of memory. *outline, when not NULL, receives the decision. */
PIX *persp_correct(PIX *grey, const char *debug_dir, persp_outline *outline);

#endif
