/* safetensors: see safetensors.h for the format and what reading checks.
 *
 * A parsed file owns the whole file image (buf) and a table of tensor descriptors whose
 * byte ranges were validated against the data section; nothing points into the JSON after
 * parsing except the metadata object, which the file keeps. */
#include "nn/safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/sbuf.h"
#include "core/upload.h"

typedef struct st_tensor {
    char *name;
    int ndim;
    int64_t shape[NN_ST_MAX_DIMS];
    size_t begin, end; /* within the data section */
} st_tensor;

struct nn_st_file {
    unsigned char *buf;
    size_t len;
    const unsigned char *data; /* buf + 8 + header length */
    size_t data_len;
    st_tensor *t;
    size_t n;
    json_t *meta; /* object of strings, or NULL */
};

static int cmp_begin(const void *a, const void *b)
{
    const st_tensor *x = a, *y = b;
    return x->begin < y->begin   ? -1
           : x->begin > y->begin ? 1
                                 : (x->end > y->end) - (x->end < y->end);
}

/* Reads a JSON integer in [0, max]; returns 0 on success. */
static int json_uint(const json_t *v, uint64_t max, uint64_t *out)
{
    if (!json_is_integer(v)) return -1;
    json_int_t i = json_integer_value(v);
    if (i < 0 || (uint64_t)i > max) return -1;
    *out = (uint64_t)i;
    return 0;
}

void nn_st_free(nn_st_file *f)
{
    if (!f) return;
    for (size_t i = 0; i < f->n; i++)
        free(f->t[i].name);
    free(f->t);
    json_decref(f->meta);
    free(f->buf);
    free(f);
}

ap_status nn_st_parse(unsigned char *buf, size_t len, nn_st_file **out, ap_error *err)
{
    *out = NULL;
    ap_status st = AP_OK;
    json_t *root = NULL;
    nn_st_file *f = calloc(1, sizeof *f);
    if (!f) {
        free(buf);
        return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    }
    f->buf = buf;
    f->len = len;
    if (len < 8) {
        st = ap_fail(err, AP_ERR_INVALID, "safetensors: %zu bytes, shorter than the header length",
                     len);
        goto out;
    }
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = (hlen << 8) | buf[i];
    if (hlen < 2 || hlen > NN_ST_MAX_HEADER || hlen > len - 8) {
        st = ap_fail(err, AP_ERR_INVALID, "safetensors: header length %llu out of bounds",
                     (unsigned long long)hlen);
        goto out;
    }
    f->data = buf + 8 + hlen;
    f->data_len = len - 8 - (size_t)hlen;
    json_error_t jerr;
    root = json_loadb((const char *)buf + 8, (size_t)hlen, JSON_REJECT_DUPLICATES, &jerr);
    if (!root || !json_is_object(root)) {
        st = ap_fail(err, AP_ERR_INVALID, "safetensors: header is not a JSON object (%s)",
                     root ? "other type" : jerr.text);
        goto out;
    }
    size_t count = json_object_size(root);
    f->t = calloc(count ? count : 1, sizeof *f->t);
    if (!f->t) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        goto out;
    }
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val)
    {
        if (strcmp(key, "__metadata__") == 0) {
            if (!json_is_object(val)) {
                st = ap_fail(err, AP_ERR_INVALID, "safetensors: __metadata__ is not an object");
                goto out;
            }
            const char *mk;
            json_t *mv;
            json_object_foreach(val, mk, mv) if (!json_is_string(mv))
            {
                st = ap_fail(err, AP_ERR_INVALID, "safetensors: metadata '%.64s' is not a string",
                             mk);
                goto out;
            }
            f->meta = json_incref(val);
            continue;
        }
        size_t klen = strlen(key);
        if (klen == 0 || klen > NN_ST_MAX_NAME || !json_is_object(val)) {
            st = ap_fail(err, AP_ERR_INVALID, "safetensors: bad entry '%.64s'", key);
            goto out;
        }
        json_t *dtype = json_object_get(val, "dtype"), *shape = json_object_get(val, "shape");
        json_t *offs = json_object_get(val, "data_offsets");
        if (!json_is_string(dtype) || !json_is_array(shape) || !json_is_array(offs) ||
            json_array_size(offs) != 2 || json_array_size(shape) > NN_ST_MAX_DIMS) {
            st = ap_fail(err, AP_ERR_INVALID,
                         "safetensors: '%.64s': dtype, shape or data_offsets malformed", key);
            goto out;
        }
        if (strcmp(json_string_value(dtype), "F32") != 0) {
            st = ap_fail(err, AP_ERR_UNSUPPORTED,
                         "safetensors: '%.64s': dtype %.16s (only F32 is read)", key,
                         json_string_value(dtype));
            goto out;
        }
        st_tensor *t = &f->t[f->n];
        uint64_t begin, end, bytes = 4;
        if (json_uint(json_array_get(offs, 0), f->data_len, &begin) ||
            json_uint(json_array_get(offs, 1), f->data_len, &end) || begin > end) {
            st =
                ap_fail(err, AP_ERR_INVALID, "safetensors: '%.64s': offsets outside the data", key);
            goto out;
        }
        t->ndim = (int)json_array_size(shape);
        for (int d = 0; d < t->ndim; d++) {
            uint64_t dim;
            /* each dimension <= the data size; the product is checked for overflow as it grows */
            if (json_uint(json_array_get(shape, (size_t)d), f->data_len, &dim) ||
                (dim && bytes > UINT64_MAX / dim)) {
                st = ap_fail(err, AP_ERR_INVALID, "safetensors: '%.64s': bad shape", key);
                goto out;
            }
            bytes *= dim;
            t->shape[d] = (int64_t)dim;
        }
        if (bytes != end - begin) {
            st = ap_fail(err, AP_ERR_INVALID,
                         "safetensors: '%.64s': shape needs %llu bytes, offsets give %llu", key,
                         (unsigned long long)bytes, (unsigned long long)(end - begin));
            goto out;
        }
        t->begin = (size_t)begin;
        t->end = (size_t)end;
        if (!(t->name = strdup(key))) {
            st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
            goto out;
        }
        f->n++;
    }
    /* overlaps: sorted by start, each tensor must begin at or after the previous end */
    st_tensor *sorted = malloc(sizeof *sorted * (f->n ? f->n : 1));
    if (!sorted) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        goto out;
    }
    memcpy(sorted, f->t, sizeof *sorted * f->n);
    qsort(sorted, f->n, sizeof *sorted, cmp_begin);
    for (size_t i = 1; i < f->n && st == AP_OK; i++)
        if (sorted[i].begin < sorted[i - 1].end && sorted[i].begin != sorted[i].end)
            st = ap_fail(err, AP_ERR_INVALID, "safetensors: tensors '%.64s' and '%.64s' overlap",
                         sorted[i - 1].name, sorted[i].name);
    free(sorted);
    if (st != AP_OK) goto out;
    *out = f;
    f = NULL;
out:
    json_decref(root);
    nn_st_free(f);
    return st;
}

ap_status nn_st_read(const char *path, size_t max_bytes, nn_st_file **out, ap_error *err)
{
    unsigned char *buf;
    size_t len;
    *out = NULL;
    ap_status st = upload_read_file(path, max_bytes, &buf, &len, err);
    if (st != AP_OK) return st;
    st = nn_st_parse(buf, len, out, err);
    if (st != AP_OK && err) {
        char m[sizeof err->msg];
        snprintf(m, sizeof m, "%s", err->msg);
        ap_fail(err, st, "%.80s: %s", path, m);
    }
    return st;
}

size_t nn_st_count(const nn_st_file *f)
{
    return f->n;
}

const char *nn_st_name(const nn_st_file *f, size_t i, int *ndim, const int64_t **shape)
{
    if (i >= f->n) return NULL;
    if (ndim) *ndim = f->t[i].ndim;
    if (shape) *shape = f->t[i].shape;
    return f->t[i].name;
}

const char *nn_st_meta(const nn_st_file *f, const char *key)
{
    return f->meta ? json_string_value(json_object_get(f->meta, key)) : NULL;
}

ap_status nn_st_copy(const nn_st_file *f, const char *name, float *dst, int ndim,
                     const int64_t *shape, ap_error *err)
{
    for (size_t i = 0; i < f->n; i++) {
        const st_tensor *t = &f->t[i];
        if (strcmp(t->name, name) != 0) continue;
        int same = t->ndim == ndim;
        for (int d = 0; same && d < ndim; d++)
            same = t->shape[d] == shape[d];
        if (!same)
            return ap_fail(err, AP_ERR_INVALID, "tensor '%s': shape differs from the model's",
                           name);
        /* little-endian on disk; x86 and arm64 are little-endian hosts */
        memcpy(dst, f->data + t->begin, t->end - t->begin);
        return AP_OK;
    }
    return ap_fail(err, AP_ERR_NOT_FOUND, "tensor '%s' missing", name);
}

static ap_status write_all(int fd, const void *p, size_t n)
{
    const unsigned char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return AP_ERR_IO;
        c += w;
        n -= (size_t)w;
    }
    return AP_OK;
}

ap_status nn_st_write(const char *path, const nn_st_entry *t, size_t n,
                      const char *const *meta_keys, const char *const *meta_values, size_t nmeta,
                      ap_error *err)
{
    ap_status st = AP_OK;
    char *header = NULL, tmp[PATH_MAX];
    int fd = -1;
    json_t *root = json_object(), *meta = json_object();
    if (!root || !meta) {
        json_decref(meta);
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nmeta; i++)
        json_object_set_new(meta, meta_keys[i], json_string(meta_values[i]));
    json_object_set_new(root, "__metadata__", meta);
    uint64_t off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t nl = t[i].name ? strlen(t[i].name) : 0;
        if (nl == 0 || nl > NN_ST_MAX_NAME || t[i].ndim < 0 || t[i].ndim > NN_ST_MAX_DIMS) {
            st = ap_fail(err, AP_ERR_INVALID, "safetensors: bad tensor entry %zu", i);
            goto out;
        }
        json_t *shape = json_array();
        uint64_t count = 1;
        for (int d = 0; d < t[i].ndim; d++) {
            if (t[i].shape[d] < 0) {
                json_decref(shape);
                st = ap_fail(err, AP_ERR_INVALID, "safetensors: '%s': negative dimension",
                             t[i].name);
                goto out;
            }
            count *= (uint64_t)t[i].shape[d];
            json_array_append_new(shape, json_integer(t[i].shape[d]));
        }
        json_object_set_new(root, t[i].name,
                            json_pack("{s:s, s:o, s:[I,I]}", "dtype", "F32", "shape", shape,
                                      "data_offsets", (json_int_t)off,
                                      (json_int_t)(off + 4 * count)));
        off += 4 * count;
    }
    header = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    if (!header) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        goto out;
    }
    size_t hl = strlen(header), padded = (hl + 7) / 8 * 8;
    unsigned char lenbuf[8];
    for (int i = 0; i < 8; i++)
        lenbuf[i] = (unsigned char)((uint64_t)padded >> (8 * i));
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        st = ap_fail(err, AP_ERR_INVALID, "path too long: %s", path);
        goto out;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        st = ap_fail(err, AP_ERR_IO, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    static const char spaces[8] = "        ";
    st = write_all(fd, lenbuf, 8);
    if (st == AP_OK) st = write_all(fd, header, hl);
    if (st == AP_OK) st = write_all(fd, spaces, padded - hl);
    for (size_t i = 0; i < n && st == AP_OK; i++) {
        size_t count = 1;
        for (int d = 0; d < t[i].ndim; d++)
            count *= (size_t)t[i].shape[d];
        st = write_all(fd, t[i].data, 4 * count);
    }
    if (st == AP_OK && fsync(fd) != 0) st = AP_ERR_IO;
    if (close(fd) != 0) st = AP_ERR_IO;
    fd = -1;
    if (st == AP_OK && rename(tmp, path) != 0) st = AP_ERR_IO;
    if (st != AP_OK) {
        unlink(tmp);
        ap_fail(err, st, "%s: write failed (%s)", path, strerror(errno));
    }
out:
    if (fd >= 0) {
        close(fd);
        unlink(tmp);
    }
    free(header);
    json_decref(root);
    return st;
}
