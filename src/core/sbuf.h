/* sbuf: a growable byte buffer for building responses and documents.
 *
 * An sbuf that failed to grow stays failed (oom set) and ignores further appends, so
 * builders append freely and check once at the end. sbuf_take() hands the bytes over. */
#ifndef AP_SBUF_H
#define AP_SBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct sbuf {
    char *data; /* always NUL-terminated when len > 0 and !oom */
    size_t len, cap;
    bool oom;
} sbuf;

void sbuf_append(sbuf *b, const void *data, size_t len);
void sbuf_puts(sbuf *b, const char *s);
void sbuf_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the buffer (caller frees) and resets b; NULL when an append failed. */
char *sbuf_take(sbuf *b, size_t *len);
void sbuf_free(sbuf *b);

#endif
