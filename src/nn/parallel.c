/* nn parallel: the pool behind nn_par_for (see parallel.h).
 *
 * States: idle (gen unchanged, workers asleep on `work`) -> dispatched (the owner bumps
 * gen with the job and pending = parts - 1, broadcasts) -> each worker i < parts runs its
 * range and decrements pending, the last one signals `done` -> idle. The owner runs range
 * 0 itself. `owner` (a mutex taken with trylock) admits one dispatcher at a time; `lock`
 * guards every field below it. Workers are created lazily, never more than asked for, and
 * stopped and joined by an atexit handler. */
#include "nn/parallel.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

static struct {
    pthread_mutex_t owner;
    pthread_mutex_t lock;
    pthread_cond_t work, done;
    int threads;  /* wanted, >= 1 */
    int started;  /* workers running (indices 1..started) */
    int stop;     /* atexit: workers leave */
    uint64_t gen; /* bumped once per dispatched job */
    nn_par_fn fn; /* the job: */
    void *ctx;
    size_t n, per; /* range i is [i * per, min(n, (i + 1) * per)) */
    int parts, pending;
    pthread_t tid[NN_PAR_MAX_THREADS];
    uint64_t born[NN_PAR_MAX_THREADS]; /* gen when worker i was created: jobs after it are its */
} pool = {
    .owner = PTHREAD_MUTEX_INITIALIZER,
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .work = PTHREAD_COND_INITIALIZER,
    .done = PTHREAD_COND_INITIALIZER,
    .threads = 1,
};

static void run_range(nn_par_fn fn, void *ctx, size_t n, size_t per, int i)
{
    size_t lo = (size_t)i * per, hi = lo + per < n ? lo + per : n;
    if (lo < hi) fn(ctx, lo, hi);
}

static void *worker(void *arg)
{
    int me = (int)(intptr_t)arg;
    pthread_mutex_lock(&pool.lock);
    uint64_t seen = pool.born[me]; /* not pool.gen: a job may already be out when we start */
    for (;;) {
        while (!pool.stop && pool.gen == seen)
            pthread_cond_wait(&pool.work, &pool.lock);
        if (pool.stop) break;
        seen = pool.gen;
        if (me >= pool.parts) continue;
        nn_par_fn fn = pool.fn;
        void *ctx = pool.ctx;
        size_t n = pool.n, per = pool.per;
        pthread_mutex_unlock(&pool.lock);
        run_range(fn, ctx, n, per, me);
        pthread_mutex_lock(&pool.lock);
        if (--pool.pending == 0) pthread_cond_signal(&pool.done);
    }
    pthread_mutex_unlock(&pool.lock);
    return NULL;
}

static void stop_pool(void)
{
    pthread_mutex_lock(&pool.owner); /* no job in flight from here on */
    pthread_mutex_lock(&pool.lock);
    pool.stop = 1;
    pthread_cond_broadcast(&pool.work);
    int started = pool.started;
    pthread_mutex_unlock(&pool.lock);
    for (int i = 1; i <= started; i++)
        pthread_join(pool.tid[i], NULL);
    pool.started = 0;
    pthread_mutex_unlock(&pool.owner);
}

void nn_par_set_threads(int n)
{
    if (n < 1) n = 1;
    if (n > NN_PAR_MAX_THREADS) n = NN_PAR_MAX_THREADS;
    pthread_mutex_lock(&pool.lock);
    pool.threads = n;
    pthread_mutex_unlock(&pool.lock);
}

int nn_par_threads(void)
{
    pthread_mutex_lock(&pool.lock);
    int n = pool.threads;
    pthread_mutex_unlock(&pool.lock);
    return n;
}

/* Starts workers up to want - 1 (owner held, lock not); returns how many run. */
static int ensure_workers(int want)
{
    static int registered;
    pthread_mutex_lock(&pool.lock);
    while (!pool.stop && pool.started < want - 1) {
        int i = pool.started + 1;
        pool.born[i] = pool.gen;
        if (pthread_create(&pool.tid[i], NULL, worker, (void *)(intptr_t)i) != 0) break;
        pool.started = i;
        if (!registered) registered = atexit(stop_pool) == 0;
    }
    int started = pool.started;
    pthread_mutex_unlock(&pool.lock);
    return started;
}

void nn_par_for(size_t n, size_t grain, nn_par_fn fn, void *ctx)
{
    if (n == 0) return;
    if (grain == 0) grain = 1;
    int threads = nn_par_threads();
    size_t parts = (n + grain - 1) / grain;
    if (parts > (size_t)threads) parts = (size_t)threads;
    if (parts <= 1 || pthread_mutex_trylock(&pool.owner) != 0) {
        fn(ctx, 0, n); /* one range, or the pool is busy with another caller's loop */
        return;
    }
    int workers = ensure_workers((int)parts);
    if ((size_t)workers + 1 < parts) parts = (size_t)workers + 1; /* a thread failed to start */
    size_t per = (n + parts - 1) / parts;
    if (parts > 1) {
        pthread_mutex_lock(&pool.lock);
        pool.fn = fn, pool.ctx = ctx, pool.n = n, pool.per = per;
        pool.parts = (int)parts, pool.pending = (int)parts - 1;
        pool.gen++;
        pthread_cond_broadcast(&pool.work);
        pthread_mutex_unlock(&pool.lock);
    }
    run_range(fn, ctx, n, per, 0);
    if (parts > 1) {
        pthread_mutex_lock(&pool.lock);
        while (pool.pending > 0)
            pthread_cond_wait(&pool.done, &pool.lock);
        pthread_mutex_unlock(&pool.lock);
    }
    pthread_mutex_unlock(&pool.owner);
}
