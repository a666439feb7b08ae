/* linsolve: small dense linear systems, solved in place.
 *
 * vision/ fits a few models by least squares or exact correspondence: the homography of
 * a photographed page (8 unknowns, perspective.c) and the light over a page (3, light.c).
 * Both are tiny, well-scaled systems solved once per page, so Gaussian elimination with
 * partial pivoting is enough; a pivot under LINSOLVE_TINY marks the system singular
 * (the fits feed it coordinates normalised to about [-2, 2] or [0, 1]). */
#ifndef AP_VISION_LINSOLVE_H
#define AP_VISION_LINSOLVE_H

#include <stddef.h>

#define LINSOLVE_TINY 1e-12 /* a pivot smaller than this in magnitude: singular */
#define LINSOLVE_MAX  16    /* the largest n accepted */

/* Solves a x = b for x, where a is n x n in row-major order (a[r * n + c]). Both are
 * overwritten: on success b holds x and a the eliminated upper triangle. Returns 0 on
 * success, -1 when a is singular (a pivot under LINSOLVE_TINY), n is 0 or over
 * LINSOLVE_MAX, or a or b is NULL; then b's contents are unspecified. */
int linsolve(size_t n, double *a, double *b);

#endif
