/* artifact: the store handle, the URI dispatch and the checks every backend shares (key
 * rules, listing buffers, file ETags). The backends are artifact_local.c and
 * artifact_s3.c; this file validates every key before a backend sees it, so the
 * backends may assume a well-formed key. */
#include "registry/artifact.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/testable.h"

struct art_store {
    const art_ops *ops;
    void *impl;
    size_t max_list;
    char uri[1200];
};

ap_status art_open(const char *uri, const art_options *opts, art_store **out, ap_error *err)
{
    *out = NULL;
    art_options defaults = {0};
    if (!opts) opts = &defaults;
    if (!uri || !*uri) return ap_fail(err, AP_ERR_INVALID, "empty artifact store URI");
    const art_ops *ops;
    const char *location;
    if (strncmp(uri, "s3://", 5) == 0) {
        ops = &art_s3_ops;
        location = uri + 5;
    } else if (strncmp(uri, "file://", 7) == 0) {
        ops = &art_local_ops;
        location = uri + 7;
        /* file://localhost/dir is the same as file:///dir */
        if (strncmp(location, "localhost/", 10) == 0) location += 9;
        if (*location != '/')
            return ap_fail(err, AP_ERR_INVALID,
                           "artifact store URI '%s': a file URI names an absolute path "
                           "(file:///dir)",
                           uri);
    } else if (strncmp(uri, "file:", 5) == 0) {
        ops = &art_local_ops;
        location = uri + 5;
    } else if (strstr(uri, "://")) {
        return ap_fail(err, AP_ERR_INVALID,
                       "artifact store URI '%s': unknown scheme (use a directory, file:///dir "
                       "or s3://bucket/prefix)",
                       uri);
    } else {
        ops = &art_local_ops;
        location = uri;
    }
    art_store *s = calloc(1, sizeof *s);
    if (!s) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    s->ops = ops;
    s->max_list = opts->max_list ? opts->max_list : 1000000;
    ap_status st = ops == &art_s3_ops
                       ? art_s3_open(location, opts, &s->impl, s->uri, sizeof s->uri, err)
                       : art_local_open(location, opts, &s->impl, s->uri, sizeof s->uri, err);
    if (st != AP_OK) {
        free(s);
        return st;
    }
    *out = s;
    return AP_OK;
}

void art_close(art_store *s)
{
    if (!s) return;
    s->ops->close(s->impl);
    free(s);
}

const char *art_uri(const art_store *s)
{
    return s->uri;
}
bool art_is_local(const art_store *s)
{
    return s->ops == &art_local_ops;
}

/* The backend's handle, for unit tests of a backend's internals. */
TESTABLE void *art_backend(const art_store *s)
{
    return s->impl;
}

ap_status art_key_check(const char *key, ap_error *err)
{
    if (!key) return ap_fail(err, AP_ERR_FORBIDDEN, "artifact key is missing");
    size_t len = strnlen(key, ART_KEY_MAX + 1);
    if (len == 0 || len > ART_KEY_MAX)
        return ap_fail(err, AP_ERR_FORBIDDEN, "artifact key must be 1 to %d bytes", ART_KEY_MAX);
    if (key[0] == '/')
        return ap_fail(err, AP_ERR_FORBIDDEN, "artifact key '%.200s' is absolute", key);
    const char *seg = key;
    for (const char *p = key;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '/' || c == '\0') {
            size_t n = (size_t)(p - seg);
            if (n == 0)
                return ap_fail(err, AP_ERR_FORBIDDEN, "artifact key '%.200s' has an empty segment",
                               key);
            if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
                return ap_fail(err, AP_ERR_FORBIDDEN,
                               "artifact key '%.200s' has a '.' or '..' segment", key);
            if (c == '\0') break;
            seg = p + 1;
        } else if (c < 0x20 || c == 0x7f || c == '\\') {
            return ap_fail(err, AP_ERR_FORBIDDEN,
                           "artifact key '%.200s' holds a control byte or a backslash", key);
        }
    }
    return AP_OK;
}

/* A list prefix is "" or a key, with one trailing '/' tolerated. */
static ap_status prefix_check(const char *prefix, char *buf, size_t size, ap_error *err)
{
    if (!prefix) prefix = "";
    size_t len = strnlen(prefix, ART_KEY_MAX + 2);
    if (len >= size) return ap_fail(err, AP_ERR_FORBIDDEN, "artifact prefix is too long");
    memcpy(buf, prefix, len + 1);
    if (len > 0 && buf[len - 1] == '/') buf[--len] = '\0';
    return len == 0 ? AP_OK : art_key_check(buf, err);
}

ap_status art_put_file(art_store *s, const char *key, const char *path, ap_error *err)
{
    ap_status st = art_key_check(key, err);
    return st != AP_OK ? st : s->ops->put_file(s->impl, key, path, err);
}

ap_status art_put_buffer(art_store *s, const char *key, const void *data, size_t len, ap_error *err)
{
    ap_status st = art_key_check(key, err);
    return st != AP_OK ? st : s->ops->put_buffer(s->impl, key, data, len, err);
}

ap_status art_get_file(art_store *s, const char *key, const char *path, ap_error *err)
{
    ap_status st = art_key_check(key, err);
    return st != AP_OK ? st : s->ops->get_file(s->impl, key, path, err);
}

ap_status art_get_buffer(art_store *s, const char *key, size_t max, unsigned char **data,
                         size_t *len, ap_error *err)
{
    *data = NULL;
    *len = 0;
    ap_status st = art_key_check(key, err);
    return st != AP_OK ? st : s->ops->get_buffer(s->impl, key, max, data, len, err);
}

ap_status art_list_dir(art_store *s, const char *prefix, bool recursive, art_list *out,
                       ap_error *err)
{
    *out = (art_list){0};
    char buf[ART_KEY_MAX + 2];
    ap_status st = prefix_check(prefix, buf, sizeof buf, err);
    if (st != AP_OK) return st;
    st = s->ops->list(s->impl, buf, recursive, s->max_list, out, err);
    if (st != AP_OK) {
        art_list_free(out);
        return st;
    }
    art_list_sort(out);
    return AP_OK;
}

ap_status art_delete(art_store *s, const char *key, ap_error *err)
{
    ap_status st = art_key_check(key, err);
    return st != AP_OK ? st : s->ops->del(s->impl, key, err);
}

ap_status art_stat(art_store *s, const char *key, art_entry *out, ap_error *err)
{
    art_entry scratch;
    if (!out) out = &scratch;
    *out = (art_entry){0};
    ap_status st = art_key_check(key, err);
    return st != AP_OK ? st : s->ops->stat(s->impl, key, out, err);
}

void art_list_free(art_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i].key);
    free(l->items);
    *l = (art_list){0};
}

ap_status art_list_push(art_list *l, size_t max, const char *key, bool is_dir, uint64_t size,
                        int64_t mtime, const char *etag, ap_error *err)
{
    if (l->n >= max)
        return ap_fail(err, AP_ERR_TOO_LARGE, "more than %zu artifacts under one prefix", max);
    /* Grow by doubling; n is bounded by max, so the product cannot overflow. */
    if ((l->n & (l->n - 1)) == 0) {
        size_t cap = l->n ? l->n * 2 : 16;
        art_entry *items = realloc(l->items, cap * sizeof *items);
        if (!items) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
        l->items = items;
    }
    art_entry *e = &l->items[l->n];
    *e = (art_entry){.is_dir = is_dir, .size = size, .mtime = mtime};
    e->key = strdup(key);
    if (!e->key) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    if (etag) snprintf(e->etag, sizeof e->etag, "%s", etag);
    l->n++;
    return AP_OK;
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const art_entry *)a)->key, ((const art_entry *)b)->key);
}

void art_list_sort(art_list *l)
{
    if (l->n > 1) qsort(l->items, l->n, sizeof *l->items, entry_cmp);
}

void art_hex(const unsigned char *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

ap_status art_file_etag(const char *path, size_t part_size, char out[80], ap_error *err)
{
    out[0] = '\0';
    ap_status st = AP_OK;
    unsigned char *buf = NULL;
    EVP_MD_CTX *whole = EVP_MD_CTX_new(), *part = EVP_MD_CTX_new();
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        st = ap_fail(err, errno == ENOENT ? AP_ERR_NOT_FOUND : AP_ERR_IO, "%s: %s", path,
                     strerror(errno));
        goto out;
    }
    const size_t chunk = 1 << 20;
    buf = malloc(chunk);
    if (!buf || !whole || !part) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* whole: MD5 of the file, or (multipart) MD5 of the concatenated part digests. */
    EVP_DigestInit_ex(whole, EVP_md5(), NULL);
    EVP_DigestInit_ex(part, EVP_md5(), NULL);
    size_t in_part = 0, parts = 0;
    uint64_t total = 0;
    for (;;) {
        size_t want = chunk;
        if (part_size > 0 && part_size - in_part < want) want = part_size - in_part;
        ssize_t n = read(fd, buf, want);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            st = ap_fail(err, AP_ERR_IO, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0) break;
        total += (uint64_t)n;
        EVP_DigestUpdate(part, buf, (size_t)n);
        in_part += (size_t)n;
        if (part_size > 0 && in_part == part_size) {
            unsigned char d[EVP_MAX_MD_SIZE];
            unsigned dn = 0;
            EVP_DigestFinal_ex(part, d, &dn);
            EVP_DigestUpdate(whole, d, dn);
            EVP_DigestInit_ex(part, EVP_md5(), NULL);
            parts++;
            in_part = 0;
        }
    }
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dn = 0;
    if (part_size == 0 || total <= part_size) {
        /* A single-part object: its ETag is the plain MD5. When the file is exactly one
         * part long, the part digest was already folded into whole; recompute. */
        if (part_size > 0 && parts == 1 && in_part == 0) {
            EVP_DigestInit_ex(part, EVP_md5(), NULL);
            if (lseek(fd, 0, SEEK_SET) != 0) {
                st = ap_fail(err, AP_ERR_IO, "%s: %s", path, strerror(errno));
                goto out;
            }
            ssize_t n;
            while ((n = read(fd, buf, chunk)) > 0)
                EVP_DigestUpdate(part, buf, (size_t)n);
        }
        EVP_DigestFinal_ex(part, d, &dn);
        art_hex(d, dn, out);
        goto out;
    }
    if (in_part > 0) {
        EVP_DigestFinal_ex(part, d, &dn);
        EVP_DigestUpdate(whole, d, dn);
        parts++;
    }
    EVP_DigestFinal_ex(whole, d, &dn);
    art_hex(d, dn, out);
    snprintf(out + 2 * dn, 80 - 2 * dn, "-%zu", parts);
out:
    if (fd >= 0) close(fd);
    free(buf);
    EVP_MD_CTX_free(whole);
    EVP_MD_CTX_free(part);
    return st;
}

ap_status art_tmp_create(const char *path, char *tmp, size_t tmp_size, int *fd, ap_error *err)
{
    *fd = -1;
    /* mkstemp gives a unique name even when threads download the same path at once. */
    int n = snprintf(tmp, tmp_size, "%s.tmp-XXXXXX", path);
    if (n < 0 || (size_t)n >= tmp_size)
        return ap_fail(err, AP_ERR_INVALID, "path '%.200s' is too long", path);
    *fd = mkostemp(tmp, O_CLOEXEC);
    if (*fd < 0)
        return ap_fail(err, errno == ENOENT ? AP_ERR_NOT_FOUND : AP_ERR_IO,
                       "cannot create a file beside '%.200s': %s", path, strerror(errno));
    return AP_OK;
}

ap_status art_tmp_commit(int fd, const char *tmp, const char *path, ap_error *err)
{
    if (fsync(fd) != 0 || close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        return ap_fail(err, AP_ERR_IO, "writing '%.200s': %s", path, strerror(e));
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return ap_fail(err, AP_ERR_IO, "renaming to '%.200s': %s", path, strerror(e));
    }
    return AP_OK;
}

void art_tmp_abort(int fd, const char *tmp)
{
    if (fd < 0) return;
    close(fd);
    unlink(tmp);
}
