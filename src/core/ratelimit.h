/* ratelimit: token buckets per client key (class + IP), in bounded memory.
 *
 * Each key has a bucket of `per_minute` tokens refilled continuously at per_minute/60
 * tokens a second, so a client may burst up to its limit and then sustain the rate.
 * Buckets live in a fixed set-associative table (RATELIMIT_SETS x RATELIMIT_WAYS): a new
 * key replaces the least recently seen bucket of its set, so memory never grows with the
 * number of clients, and an evicted client starts again with a full bucket. Thread-safe. */
#ifndef AP_RATELIMIT_H
#define AP_RATELIMIT_H

#include <stdbool.h>

#define RATELIMIT_SETS 1024
#define RATELIMIT_WAYS 8

typedef struct ratelimit ratelimit;

ratelimit *ratelimit_new(void);
void ratelimit_free(ratelimit *rl);

/* Takes one token from key's bucket at time now (seconds, any monotonic origin).
 * Returns true when the request may go ahead. Otherwise returns false and sets
 * *retry_after_s to the whole seconds until a token will be there (at least 1).
 * per_minute == 0 means unlimited. */
bool ratelimit_take(ratelimit *rl, const char *key, unsigned per_minute, double now,
                    unsigned *retry_after_s);

#endif
