#include "core/ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct bucket {
    uint64_t hash; /* 0: slot free */
    double tokens;
    double last; /* time of the last refill */
} bucket;

struct ratelimit {
    pthread_mutex_t lock;
    bucket slots[RATELIMIT_SETS][RATELIMIT_WAYS];
};

/* FNV-1a, 64-bit: keys are short and collisions only merge two clients' buckets. */
static uint64_t key_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h ? h : 1;
}

ratelimit *ratelimit_new(void)
{
    ratelimit *rl = calloc(1, sizeof *rl);
    if (rl) pthread_mutex_init(&rl->lock, NULL);
    return rl;
}

void ratelimit_free(ratelimit *rl)
{
    if (!rl) return;
    pthread_mutex_destroy(&rl->lock);
    free(rl);
}

bool ratelimit_take(ratelimit *rl, const char *key, unsigned per_minute, double now,
                    unsigned *retry_after_s)
{
    if (per_minute == 0) return true;
    uint64_t h = key_hash(key);
    double rate = per_minute / 60.0; /* tokens per second */
    pthread_mutex_lock(&rl->lock);
    bucket *set = rl->slots[h % RATELIMIT_SETS], *b = NULL, *oldest = &set[0];
    for (int w = 0; w < RATELIMIT_WAYS && !b; w++) {
        if (set[w].hash == h)
            b = &set[w];
        else if (set[w].hash == 0 || set[w].last < oldest->last)
            oldest = &set[w];
    }
    if (!b) {
        b = oldest;
        *b = (bucket){.hash = h, .tokens = per_minute, .last = now};
    }
    if (now > b->last) {
        b->tokens = fmin((double)per_minute, b->tokens + (now - b->last) * rate);
        b->last = now;
    }
    bool allowed = b->tokens >= 1.0 - 1e-9; /* refills add up in floating point */
    if (allowed)
        b->tokens -= 1.0;
    else if (retry_after_s)
        *retry_after_s = (unsigned)fmax(1.0, ceil((1.0 - b->tokens) / rate - 1e-9));
    pthread_mutex_unlock(&rl->lock);
    return allowed;
}
