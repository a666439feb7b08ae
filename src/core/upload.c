#include "core/upload.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Copies the value of parameter `param` (e.g. boundary, name) from a header value such as
 * `form-data; name="file"; filename="a.png"`. Quoted or bare. Returns false if absent. */
static bool header_param(const char *hdr, size_t hlen, const char *param, char *out, size_t size)
{
    size_t plen = strlen(param);
    for (size_t i = 0; i + plen < hlen; i++) {
        if (i > 0 && hdr[i - 1] != ';' && hdr[i - 1] != ' ' && hdr[i - 1] != '\t') continue;
        if (strncasecmp(hdr + i, param, plen) != 0 || hdr[i + plen] != '=') continue;
        const char *v = hdr + i + plen + 1, *end = hdr + hlen;
        size_t n = 0;
        if (v < end && *v == '"') {
            for (v++; v < end && *v != '"'; v++)
                if (n + 1 < size) out[n++] = *v;
        } else {
            for (; v < end && *v != ';' && *v != ' ' && *v != '\r'; v++)
                if (n + 1 < size) out[n++] = *v;
        }
        out[n] = '\0';
        return true;
    }
    return false;
}

/* Finds a header line `name: value` in a part's header block; returns the value span. */
static const char *find_header(const char *block, size_t blen, const char *name, size_t *vlen)
{
    size_t nlen = strlen(name);
    for (const char *line = block; line < block + blen;) {
        const char *eol = memmem(line, (size_t)(block + blen - line), "\r\n", 2);
        if (!eol) eol = block + blen;
        if ((size_t)(eol - line) > nlen && strncasecmp(line, name, nlen) == 0 &&
            line[nlen] == ':') {
            const char *v = line + nlen + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            *vlen = (size_t)(eol - v);
            return v;
        }
        line = eol + 2;
    }
    return NULL;
}

ap_status upload_multipart_find(const char *content_type, const unsigned char *body, size_t len,
                                const char *field, upload_part *part, ap_error *err)
{
    char boundary[80], delim[84];
    if (!content_type || strncasecmp(content_type, "multipart/form-data", 19) != 0)
        return ap_fail(err, AP_ERR_INVALID, "expected multipart/form-data");
    if (!header_param(content_type, strlen(content_type), "boundary", boundary, sizeof boundary) ||
        !*boundary || strlen(boundary) > 70)
        return ap_fail(err, AP_ERR_INVALID, "multipart body without a valid boundary");
    size_t dlen = (size_t)snprintf(delim, sizeof delim, "--%s", boundary);

    const unsigned char *end = body + len;
    const unsigned char *p = memmem(body, len, delim, dlen);
    for (int parts = 0; p; parts++) {
        p += dlen;
        if (end - p >= 2 && p[0] == '-' && p[1] == '-') break; /* closing delimiter */
        if (parts == UPLOAD_MAX_PARTS)
            return ap_fail(err, AP_ERR_INVALID, "more than %d multipart parts", UPLOAD_MAX_PARTS);
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
            return ap_fail(err, AP_ERR_INVALID, "malformed multipart delimiter");
        p += 2;
        size_t window =
            (size_t)(end - p) < UPLOAD_MAX_PART_HEADER ? (size_t)(end - p) : UPLOAD_MAX_PART_HEADER;
        const unsigned char *hend = memmem(p, window, "\r\n\r\n", 4);
        if (!hend)
            return ap_fail(err, AP_ERR_INVALID, "multipart part headers missing or too long");
        const unsigned char *data = hend + 4;
        /* the part's data runs to CRLF + delimiter */
        const unsigned char *next = data;
        for (;;) {
            next = memmem(next, (size_t)(end - next), delim, dlen);
            if (!next) return ap_fail(err, AP_ERR_INVALID, "multipart body is truncated");
            if (next - data >= 2 && next[-2] == '\r' && next[-1] == '\n') break;
            if (next == data) break; /* tolerate an empty part without the CRLF */
            next += dlen;
        }
        size_t dlen_data = next == data ? 0 : (size_t)(next - 2 - data);

        size_t vlen = 0;
        const char *disp =
            find_header((const char *)p, (size_t)(hend - p), "Content-Disposition", &vlen);
        upload_part cur = {.data = data, .len = dlen_data};
        if (disp && header_param(disp, vlen, "name", cur.name, sizeof cur.name) &&
            strcmp(cur.name, field) == 0) {
            header_param(disp, vlen, "filename", cur.filename, sizeof cur.filename);
            const char *ct =
                find_header((const char *)p, (size_t)(hend - p), "Content-Type", &vlen);
            if (ct) {
                size_t n = vlen < sizeof cur.content_type - 1 ? vlen : sizeof cur.content_type - 1;
                memcpy(cur.content_type, ct, n);
                cur.content_type[n] = '\0';
            }
            *part = cur;
            return AP_OK;
        }
        p = next;
    }
    return ap_fail(err, AP_ERR_INVALID, "multipart body has no field '%s'", field);
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62; /* '-' and '_': the URL-safe alphabet */
    if (c == '/' || c == '_') return 63;
    return -1;
}

ap_status upload_base64_decode(const char *in, size_t len, size_t max_out, unsigned char **out,
                               size_t *out_len, ap_error *err)
{
    *out = NULL;
    *out_len = 0;
    if (len > 5 && strncmp(in, "data:", 5) == 0) {
        const char *comma = memchr(in, ',', len);
        if (!comma || comma - in < 7 || strncmp(comma - 7, ";base64", 7) != 0)
            return ap_fail(err, AP_ERR_INVALID, "data URL is not base64");
        len -= (size_t)(comma + 1 - in);
        in = comma + 1;
    }
    if (len / 4 * 3 > max_out + 3)
        return ap_fail(err, AP_ERR_TOO_LARGE, "decoded image larger than %zu bytes", max_out);
    unsigned char *buf = malloc(len / 4 * 3 + 3);
    if (!buf) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    size_t n = 0, pad = 0, sextets = 0;
    unsigned acc = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64_value(c);
        if (v < 0 || pad) {
            free(buf);
            return ap_fail(err, AP_ERR_INVALID, "invalid base64 at offset %zu", i);
        }
        acc = (acc << 6) | (unsigned)v;
        if (++sextets % 4 == 0) {
            buf[n++] = (unsigned char)(acc >> 16);
            buf[n++] = (unsigned char)(acc >> 8);
            buf[n++] = (unsigned char)acc;
            acc = 0;
        }
    }
    size_t rest = sextets % 4;
    if (rest == 1 || pad > 2 || (pad && (rest + pad) % 4 != 0)) {
        free(buf);
        return ap_fail(err, AP_ERR_INVALID, "invalid base64 length");
    }
    if (rest == 2) buf[n++] = (unsigned char)(acc >> 4);
    if (rest == 3) {
        buf[n++] = (unsigned char)(acc >> 10);
        buf[n++] = (unsigned char)(acc >> 2);
    }
    if (n > max_out) {
        free(buf);
        return ap_fail(err, AP_ERR_TOO_LARGE, "decoded image larger than %zu bytes", max_out);
    }
    *out = buf;
    *out_len = n;
    return AP_OK;
}

/* True when path equals dir or lies below it. Both are resolved absolute paths. */
static bool path_within(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (strncmp(path, dir, n) != 0) return false;
    return path[n] == '/' || (n == 1 && dir[0] == '/');
}

/* The real path of a file that may not exist: its directory resolved, its name appended.
 * NULL when the directory does not resolve either. Caller frees. */
static char *resolve_missing(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) return NULL;
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    char *real_dir = dir ? realpath(dir, NULL) : NULL;
    free(dir);
    if (!real_dir) return NULL;
    size_t size = strlen(real_dir) + strlen(name) + 2;
    char *out = malloc(size);
    if (out) snprintf(out, size, "%s/%s", strcmp(real_dir, "/") == 0 ? "" : real_dir, name);
    free(real_dir);
    return out;
}

ap_status upload_resolve_path(const char *path, const char *const *allowed, size_t nallowed,
                              char **resolved, ap_error *err)
{
    *resolved = NULL;
    if (!path || !*path) return ap_fail(err, AP_ERR_INVALID, "image_path is empty");
    if (nallowed == 0)
        return ap_fail(err, AP_ERR_FORBIDDEN, "image_path is disabled: no allowed directories");
    char *real = realpath(path, NULL);
    bool exists = real != NULL;
    if (!real) real = resolve_missing(path); /* to tell "missing" from "outside" */
    for (size_t i = 0; real && i < nallowed; i++) {
        char *dir = realpath(allowed[i], NULL);
        bool inside = dir && path_within(real, dir);
        free(dir);
        if (!inside) continue;
        if (!exists) {
            free(real);
            return ap_fail(err, AP_ERR_NOT_FOUND, "image_path does not exist");
        }
        *resolved = real;
        return AP_OK;
    }
    free(real);
    return ap_fail(err, AP_ERR_FORBIDDEN, "image_path is outside the allowed directories");
}

ap_status upload_read_file(const char *path, size_t max, unsigned char **data, size_t *len,
                           ap_error *err)
{
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ap_fail(err, AP_ERR_NOT_FOUND, "%s: %s", path, strerror(errno));
    ap_status st = AP_OK;
    struct stat sb;
    unsigned char *buf = NULL;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = ap_fail(err, AP_ERR_INVALID, "%s: not a regular file", path);
        goto out;
    }
    if ((unsigned long long)sb.st_size > max) {
        st = ap_fail(err, AP_ERR_TOO_LARGE, "%s: larger than %zu bytes", path, max);
        goto out;
    }
    size_t size = (size_t)sb.st_size, got = 0;
    buf = malloc(size ? size : 1);
    if (!buf) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        goto out;
    }
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            st = ap_fail(err, AP_ERR_IO, "%s: read failed", path);
            goto out;
        }
        got += (size_t)r;
    }
    *data = buf;
    *len = got;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return st;
}
