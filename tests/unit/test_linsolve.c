/* Proves: linsolve returns the solution of random well-conditioned systems of every size
 * from 1 to LINSOLVE_MAX (b from a known x, to 1e-9), including systems whose first
 * pivots are zero and need a row swap; an exactly singular system (two equal rows, a
 * zero column) and one with a pivot under LINSOLVE_TINY are refused; n of 0, over
 * LINSOLVE_MAX and NULL buffers are refused without touching memory. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vision/linsolve.h"

static double next_random(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return ((*state >> 8) & 0xffff) / 65535.0 * 2.0 - 1.0;
}

/* b = a x for the n x n row-major a. */
static void multiply(size_t n, const double *a, const double *x, double *b)
{
    for (size_t r = 0; r < n; r++) {
        b[r] = 0;
        for (size_t c = 0; c < n; c++)
            b[r] += a[r * n + c] * x[c];
    }
}

static void test_random_systems(void **state)
{
    (void)state;
    unsigned seed = 7;
    for (size_t n = 1; n <= LINSOLVE_MAX; n++)
        for (int trial = 0; trial < 20; trial++) {
            double a[LINSOLVE_MAX * LINSOLVE_MAX], x[LINSOLVE_MAX], b[LINSOLVE_MAX];
            for (size_t i = 0; i < n * n; i++)
                a[i] = next_random(&seed);
            /* a dominant diagonal keeps it well conditioned; the first trials put zeros
             * on the leading diagonal so that the pivot must come from another row */
            for (size_t i = 0; i < n; i++)
                a[i * n + i] = trial < 5 && i + 1 < n ? 0 : a[i * n + i] + (double)n;
            if (trial < 5 && n > 1)
                for (size_t i = 0; i + 1 < n; i++)
                    a[(i + 1) * n + i] += (double)n; /* the pivot below the diagonal */
            for (size_t i = 0; i < n; i++)
                x[i] = next_random(&seed) * 100;
            multiply(n, a, x, b);
            assert_int_equal(linsolve(n, a, b), 0);
            for (size_t i = 0; i < n; i++)
                if (fabs(b[i] - x[i]) > 1e-9)
                    fail_msg("n=%zu trial %d: x[%zu] = %.12g, want %.12g", n, trial, i, b[i], x[i]);
        }
}

static void test_pivot_swap(void)
{
    /* [0 1; 1 0] x = (2, 3): no elimination without a swap */
    double a[4] = {0, 1, 1, 0}, b[2] = {2, 3};
    assert_int_equal(linsolve(2, a, b), 0);
    assert_true(fabs(b[0] - 3) < 1e-12 && fabs(b[1] - 2) < 1e-12);
}

static void test_singular(void **state)
{
    (void)state;
    test_pivot_swap();
    double equal_rows[9] = {1, 2, 3, 1, 2, 3, 4, 5, 7}, b3[3] = {1, 1, 2};
    assert_int_equal(linsolve(3, equal_rows, b3), -1);
    double zero_column[9] = {1, 0, 3, 2, 0, 1, 4, 0, 7}, c3[3] = {1, 2, 3};
    assert_int_equal(linsolve(3, zero_column, c3), -1);
    double tiny[4] = {LINSOLVE_TINY / 10, 0, 0, 1}, t2[2] = {1, 1};
    assert_int_equal(linsolve(2, tiny, t2), -1);
    /* a small but real pivot is solved */
    double small[4] = {1e-9, 0, 0, 1}, s2[2] = {1e-9, 1};
    assert_int_equal(linsolve(2, small, s2), 0);
    assert_true(fabs(s2[0] - 1) < 1e-9);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    double a[4] = {1, 0, 0, 1}, b[2] = {5, 6};
    assert_int_equal(linsolve(0, a, b), -1);
    assert_int_equal(linsolve(LINSOLVE_MAX + 1, a, b), -1);
    assert_int_equal(linsolve(2, NULL, b), -1);
    assert_int_equal(linsolve(2, a, NULL), -1);
    assert_true(b[0] == 5 && b[1] == 6 && a[0] == 1 && a[3] == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_systems),
        cmocka_unit_test(test_singular),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
