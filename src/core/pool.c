#include "core/pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct ap_pool {
    pthread_mutex_t lock;
    pthread_cond_t available;
    void **idle;                   /* a stack of idle items */
    size_t nidle, capacity, added; /* nidle <= added <= capacity */
    size_t waiting, max_waiting;
};

ap_pool *ap_pool_new(size_t capacity, size_t max_waiting)
{
    ap_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->idle = calloc(capacity ? capacity : 1, sizeof *p->idle);
    if (!p->idle) {
        free(p);
        return NULL;
    }
    p->capacity = capacity;
    p->max_waiting = max_waiting;
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&p->available, &attr);
    pthread_condattr_destroy(&attr);
    return p;
}

void ap_pool_free(ap_pool *p)
{
    if (!p) return;
    pthread_cond_destroy(&p->available);
    pthread_mutex_destroy(&p->lock);
    free(p->idle);
    free(p);
}

ap_status ap_pool_add(ap_pool *p, void *item)
{
    pthread_mutex_lock(&p->lock);
    ap_status st = p->added < p->capacity ? AP_OK : AP_ERR_TOO_LARGE;
    if (st == AP_OK) {
        p->added++;
        p->idle[p->nidle++] = item;
        pthread_cond_broadcast(&p->available);
    }
    pthread_mutex_unlock(&p->lock);
    return st;
}

void ap_pool_put(ap_pool *p, void *item)
{
    pthread_mutex_lock(&p->lock);
    /* invariant: nidle < added here, because the caller holds one of the added items */
    p->idle[p->nidle++] = item;
    pthread_cond_broadcast(&p->available);
    pthread_mutex_unlock(&p->lock);
}

ap_status ap_pool_get(ap_pool *p, double timeout_s, void **item)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    double whole = (double)(long)timeout_s;
    deadline.tv_sec += (time_t)whole;
    deadline.tv_nsec += (long)((timeout_s - whole) * 1e9);
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    ap_status st = AP_OK;
    pthread_mutex_lock(&p->lock);
    if (p->nidle == 0) {
        if (p->waiting >= p->max_waiting) {
            st = AP_ERR_BUSY;
            goto out;
        }
        p->waiting++;
        while (p->nidle == 0 && st == AP_OK)
            if (pthread_cond_timedwait(&p->available, &p->lock, &deadline) == ETIMEDOUT &&
                p->nidle == 0)
                st = AP_ERR_TIMEOUT;
        p->waiting--;
        if (st != AP_OK) goto out;
    }
    *item = p->idle[--p->nidle];
out:
    pthread_mutex_unlock(&p->lock);
    return st;
}

size_t ap_pool_drain(ap_pool *p, void **items, size_t max)
{
    pthread_mutex_lock(&p->lock);
    while (p->nidle < p->added)
        pthread_cond_wait(&p->available, &p->lock);
    size_t taken = 0;
    while (p->nidle > 0 && taken < max)
        items[taken++] = p->idle[--p->nidle];
    p->added = p->nidle;
    pthread_mutex_unlock(&p->lock);
    return taken;
}
