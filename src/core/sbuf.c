#include "core/sbuf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool sbuf_reserve(sbuf *b, size_t extra)
{
    if (b->oom) return false;
    if (extra > SIZE_MAX / 2 - b->len) return b->oom = true, false;
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) return b->oom = true, false;
    b->data = p;
    b->cap = cap;
    return true;
}

void sbuf_append(sbuf *b, const void *data, size_t len)
{
    if (!sbuf_reserve(b, len)) return;
    if (len) memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void sbuf_puts(sbuf *b, const char *s)
{
    sbuf_append(b, s, strlen(s));
}

void sbuf_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !sbuf_reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *sbuf_take(sbuf *b, size_t *len)
{
    if (b->oom || !sbuf_reserve(b, 0)) {
        sbuf_free(b);
        return NULL;
    }
    char *p = b->data;
    if (len) *len = b->len;
    *b = (sbuf){0};
    return p;
}

void sbuf_free(sbuf *b)
{
    free(b->data);
    *b = (sbuf){0};
}
