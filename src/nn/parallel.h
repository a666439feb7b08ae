/* nn parallel: a small persistent pool of threads for the layers that are not GEMMs
 * (im2col, pooling, element-wise, layer norm, CTC); OpenBLAS threads its own GEMMs.
 *
 * nn_par_for(n, grain, fn, ctx) splits [0, n) into contiguous ranges, one per thread, and
 * returns when every range is done. The caller's contract, which is what keeps training
 * bit-identical whatever the thread count (the resume test relies on it):
 *   - ranges write disjoint memory;
 *   - every value written depends only on its own index, never on where a range starts or
 *     ends: a reduction is split over its OUTPUTS (each output summed by one range, in the
 *     sequential order), never into per-thread partial sums.
 *
 * The pool is process-wide and starts its threads on first use. One caller at a time owns
 * it: a second thread calling nn_par_for meanwhile (two inference requests at once) runs
 * its loop inline, which gives the same results; so does a call nested inside fn. Threads
 * are joined at exit. */
#ifndef AP_NN_PARALLEL_H
#define AP_NN_PARALLEL_H

#include <stddef.h>

#define NN_PAR_MAX_THREADS 16

/* fn handles [lo, hi) of the caller's index space. */
typedef void (*nn_par_fn)(void *ctx, size_t lo, size_t hi);

/* Threads used by later nn_par_for calls (clamped to 1..NN_PAR_MAX_THREADS); 1 runs every
 * loop in the caller. */
void nn_par_set_threads(int n);
int nn_par_threads(void);

/* Runs fn over [0, n) in at most nn_par_threads() ranges of at least grain indices each
 * (grain 0 counts as 1); n == 0 does nothing. */
void nn_par_for(size_t n, size_t grain, nn_par_fn fn, void *ctx);

#endif
