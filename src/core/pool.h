/* pool: a fixed set of reusable resources (OCR engines, connections) with a bounded queue.
 *
 * ap_pool_get() hands out an idle item, or waits for one; at most max_waiting callers wait
 * at a time, and the next one is refused at once with AP_ERR_BUSY, which is how a full
 * service answers 503 instead of queueing without bound. Items are borrowed: the pool
 * never frees them; whoever added them takes them back with ap_pool_drain(). */
#ifndef AP_POOL_H
#define AP_POOL_H

#include <stddef.h>

#include "core/status.h"

typedef struct ap_pool ap_pool;

/* capacity: how many items may be added. Returns NULL when out of memory. */
ap_pool *ap_pool_new(size_t capacity, size_t max_waiting);
void ap_pool_free(ap_pool *p);

/* Adds a new idle item; AP_ERR_TOO_LARGE when capacity items were already added. */
ap_status ap_pool_add(ap_pool *p, void *item);

/* Returns a borrowed item. Wakes a waiter. */
void ap_pool_put(ap_pool *p, void *item);

/* On AP_OK *item is an idle item, now the caller's until ap_pool_put. AP_ERR_BUSY when
 * max_waiting callers already wait; AP_ERR_TIMEOUT when none came within timeout_s. */
ap_status ap_pool_get(ap_pool *p, double timeout_s, void **item);

/* Waits until every added item is idle, then takes them all out: writes at most max of
 * them to items and returns how many it wrote. For shutdown. */
size_t ap_pool_drain(ap_pool *p, void **items, size_t max);

#endif
