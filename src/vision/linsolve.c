/* linsolve: Gaussian elimination with partial pivoting (see linsolve.h).
 *
 * Taking the largest remaining entry of each column as the pivot keeps every multiplier
 * at most 1 in magnitude, so rounding errors do not grow with the elimination on the
 * systems vision/ builds. */
#include "vision/linsolve.h"

#include <math.h>

int linsolve(size_t n, double *a, double *b)
{
    if (!a || !b || n == 0 || n > LINSOLVE_MAX) return -1;
    for (size_t col = 0; col < n; col++) {
        size_t piv = col;
        for (size_t r = col + 1; r < n; r++)
            if (fabs(a[r * n + col]) > fabs(a[piv * n + col])) piv = r;
        if (fabs(a[piv * n + col]) < LINSOLVE_TINY) return -1;
        if (piv != col) {
            for (size_t c = 0; c < n; c++) {
                double t = a[col * n + c];
                a[col * n + c] = a[piv * n + c], a[piv * n + c] = t;
            }
            double t = b[col];
            b[col] = b[piv], b[piv] = t;
        }
        for (size_t r = col + 1; r < n; r++) {
            double f = a[r * n + col] / a[col * n + col];
            for (size_t c = col; c < n; c++)
                a[r * n + c] -= f * a[col * n + c];
            b[r] -= f * b[col];
        }
    }
    for (size_t r = n; r-- > 0;) {
        for (size_t c = r + 1; c < n; c++)
            b[r] -= a[r * n + c] * b[c];
        b[r] /= a[r * n + r];
    }
    return 0;
}
