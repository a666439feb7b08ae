/* The embedded online store: an in-process hash map, persisted to an append-only file.
 *
 * File: an 8-byte header "AIPFS01\n", then records. A record is
 *   u32 payload length | u32 CRC-32 of the payload | payload
 * and a payload is
 *   i64 gc_at (ms since the epoch, 0: never) | u32 key length | key |
 *   u32 field count | (u32 length | field | u32 length | value) * count
 * all integers little-endian. A record sets the listed fields of the key (an upsert).
 *
 * Durability: a put is written to the file (one write(2) of the whole record) before the
 * map changes and before it is acknowledged, so an acknowledged write survives the
 * process being killed (kill -9): the bytes are in the kernel. With fsync set, each put is
 * also fsync'd, so it survives power loss.
 *
 * Loading is bounded: a record larger than FS_EMB_MAX_RECORD or with more fields than
 * FS_MAX_FEATURES is refused. A record cut short at the end of the file (a crash during
 * the write) is dropped and the file truncated to the last whole record, with a warning;
 * a record whose checksum fails is an error naming the offset (the file is not guessed at).
 *
 * Compaction: when the file is over FS_EMB_COMPACT_MIN bytes and twice the size the live
 * records would take, the live records are written to "<path>.tmp", fsync'd, and renamed
 * over the file (then the directory is fsync'd): the file is always either the old log or
 * the new snapshot, never a mixture. Records past their gc_at are dropped then.
 *
 * Concurrency: one rwlock; puts and compaction take it exclusively, so the order of
 * records in the file is the order of puts. "<path>.lock" is flock'd for the life of the
 * store so that a second process cannot append to the same file. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/files.h"
#include "core/log.h"
#include "core/testable.h"
#include "features/store_internal.h"

#define FS_EMB_MAGIC       "AIPFS01\n"
#define FS_EMB_MAX_RECORD  (16u << 20)
#define FS_EMB_COMPACT_MIN (1u << 20)

typedef struct emb_entry {
    struct emb_entry *next;
    char *key;
    size_t nfields;
    char **fields, **values;
    int64_t gc_at;
} emb_entry;

typedef struct emb_store {
    pthread_rwlock_t lock;
    emb_entry **buckets;
    size_t nbuckets, count;
    char *path;
    int fd, lock_fd;
    bool fsync;
    size_t file_bytes, live_bytes; /* live_bytes: an estimate of a compacted file */
} emb_store;

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

TESTABLE uint32_t fs_crc32(const unsigned char *p, size_t n)
{
    pthread_once(&crc_once, crc_init);
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++)
        c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void entry_free(emb_entry *e)
{
    if (!e) return;
    for (size_t i = 0; i < e->nfields; i++) {
        free(e->fields[i]);
        free(e->values[i]);
    }
    free(e->fields);
    free(e->values);
    free(e->key);
    free(e);
}

static emb_entry *find(emb_store *s, const char *key)
{
    for (emb_entry *e = s->buckets[hash_str(key) & (s->nbuckets - 1)]; e; e = e->next)
        if (strcmp(e->key, key) == 0) return e;
    return NULL;
}

static bool grow(emb_store *s)
{
    size_t n = s->nbuckets * 2;
    emb_entry **b = calloc(n, sizeof *b);
    if (!b) return false;
    for (size_t i = 0; i < s->nbuckets; i++)
        for (emb_entry *e = s->buckets[i], *next; e; e = next) {
            next = e->next;
            size_t h = hash_str(e->key) & (n - 1);
            e->next = b[h];
            b[h] = e;
        }
    free(s->buckets);
    s->buckets = b;
    s->nbuckets = n;
    return true;
}

static size_t record_size(const fs_put *p)
{
    size_t n = 8 + 8 + 4 + strlen(p->key) + 4;
    for (size_t i = 0; i < p->nfields; i++)
        n += 8 + strlen(p->fields[i]) + strlen(p->values[i]);
    return n;
}

/* Applies a put to the map (the file already has it). */
static ap_status apply(emb_store *s, const fs_put *p, int64_t gc_at, ap_error *err)
{
    emb_entry *e = find(s, p->key);
    if (!e) {
        if (s->count >= s->nbuckets && !grow(s)) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
        e = calloc(1, sizeof *e);
        if (!e || !(e->key = strdup(p->key))) {
            free(e);
            return ap_fail(err, AP_ERR_NOMEM, "out of memory");
        }
        size_t h = hash_str(p->key) & (s->nbuckets - 1);
        e->next = s->buckets[h];
        s->buckets[h] = e;
        s->count++;
        s->live_bytes += 24 + strlen(p->key);
    }
    e->gc_at = gc_at;
    for (size_t i = 0; i < p->nfields; i++) {
        size_t k = 0;
        while (k < e->nfields && strcmp(e->fields[k], p->fields[i]) != 0)
            k++;
        char *v = strdup(p->values[i]);
        if (!v) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
        if (k < e->nfields) {
            s->live_bytes -= strlen(e->values[k]);
            free(e->values[k]);
            e->values[k] = v;
        } else {
            char **f = realloc(e->fields, (e->nfields + 1) * sizeof *f);
            if (f) e->fields = f;
            char **vs = f ? realloc(e->values, (e->nfields + 1) * sizeof *vs) : NULL;
            if (vs) e->values = vs;
            char *name = vs ? strdup(p->fields[i]) : NULL;
            if (!name) {
                free(v);
                return ap_fail(err, AP_ERR_NOMEM, "out of memory");
            }
            e->fields[e->nfields] = name;
            e->values[e->nfields++] = v;
            s->live_bytes += 8 + strlen(name);
        }
        s->live_bytes += strlen(v);
    }
    return AP_OK;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Serialises a put into a malloc'd record; *len its size. NULL when out of memory or over
 * FS_EMB_MAX_RECORD. */
static unsigned char *encode(const fs_put *p, int64_t gc_at, size_t *len)
{
    size_t n = record_size(p);
    if (n > FS_EMB_MAX_RECORD) return NULL;
    unsigned char *r = malloc(n);
    if (!r) return NULL;
    unsigned char *w = r + 8; /* after the length and checksum, filled last */
    put_u32(w, (uint32_t)((uint64_t)gc_at & 0xFFFFFFFFu));
    put_u32(w + 4, (uint32_t)((uint64_t)gc_at >> 32));
    w += 8;
    size_t kl = strlen(p->key);
    put_u32(w, (uint32_t)kl);
    memcpy(w + 4, p->key, kl);
    w += 4 + kl;
    put_u32(w, (uint32_t)p->nfields);
    w += 4;
    for (size_t i = 0; i < p->nfields; i++) {
        const char *parts[2] = {p->fields[i], p->values[i]};
        for (int j = 0; j < 2; j++) {
            size_t l = strlen(parts[j]);
            put_u32(w, (uint32_t)l);
            memcpy(w + 4, parts[j], l);
            w += 4 + l;
        }
    }
    put_u32(r, (uint32_t)(n - 8));
    put_u32(r + 4, fs_crc32(r + 8, n - 8));
    *len = n;
    return r;
}

static bool write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Reads a string of a payload at *pos; false when it overruns. The result is malloc'd. */
static bool take_str(const unsigned char *p, size_t n, size_t *pos, char **out)
{
    if (n - *pos < 4) return false;
    uint32_t l = get_u32(p + *pos);
    *pos += 4;
    if (l > n - *pos || memchr(p + *pos, 0, l)) return false;
    *out = strndup((const char *)p + *pos, l);
    *pos += l;
    return *out != NULL;
}

/* Decodes and applies one payload; false when it is malformed. */
static bool replay(emb_store *s, const unsigned char *p, size_t n)
{
    if (n < 16) return false;
    int64_t gc_at = (int64_t)((uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32);
    size_t pos = 8;
    char *key = NULL;
    char *fields[FS_MAX_FEATURES] = {0}, *values[FS_MAX_FEATURES] = {0};
    uint32_t nf = 0;
    bool ok = take_str(p, n, &pos, &key) && n - pos >= 4;
    if (ok) {
        nf = get_u32(p + pos);
        pos += 4;
        ok = nf <= FS_MAX_FEATURES;
    }
    for (uint32_t i = 0; ok && i < nf; i++)
        ok = take_str(p, n, &pos, &fields[i]) && take_str(p, n, &pos, &values[i]);
    ok = ok && pos == n;
    if (ok) {
        fs_put put = {key, nf, (const char *const *)fields, (const char *const *)values, 0};
        ok = apply(s, &put, gc_at, NULL) == AP_OK;
    }
    free(key);
    for (uint32_t i = 0; i < nf && i < FS_MAX_FEATURES; i++) {
        free(fields[i]);
        free(values[i]);
    }
    return ok;
}

static ap_status load(emb_store *s, ap_error *err)
{
    FILE *f = fdopen(dup(s->fd), "rb");
    if (!f) return ap_fail(err, AP_ERR_IO, "%s: %s", s->path, strerror(errno));
    ap_status st = AP_OK;
    unsigned char head[8], *payload = NULL;
    size_t got = fread(head, 1, 8, f);
    size_t good = 0; /* offset after the last whole record */
    if (got == 0) {
        /* A new file: write the header. */
        if (!write_all(s->fd, (const unsigned char *)FS_EMB_MAGIC, 8)) {
            st = ap_fail(err, AP_ERR_IO, "%s: write: %s", s->path, strerror(errno));
            goto out;
        }
        s->file_bytes = 8;
        goto out;
    }
    if (got < 8 || memcmp(head, FS_EMB_MAGIC, 8) != 0) {
        st = ap_fail(err, AP_ERR_IO, "%s: not an aipipe feature store file (bad header)", s->path);
        goto out;
    }
    good = 8;
    payload = malloc(FS_EMB_MAX_RECORD);
    if (!payload) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        goto out;
    }
    size_t records = 0;
    for (;;) {
        got = fread(head, 1, 8, f);
        if (got == 0) break;
        uint32_t len = got == 8 ? get_u32(head) : 0;
        if (got < 8 || len > FS_EMB_MAX_RECORD) {
            if (got == 8) {
                st = ap_fail(err, AP_ERR_IO, "%s: record at offset %zu claims %u bytes (limit %u)",
                             s->path, good, len, FS_EMB_MAX_RECORD);
                goto out;
            }
            break; /* a header cut short */
        }
        if (fread(payload, 1, len, f) < len) break; /* a payload cut short */
        if (fs_crc32(payload, len) != get_u32(head + 4)) {
            st = ap_fail(err, AP_ERR_IO, "%s: record at offset %zu fails its checksum", s->path,
                         good);
            goto out;
        }
        if (!replay(s, payload, len)) {
            st = ap_fail(err, AP_ERR_IO, "%s: record at offset %zu is malformed", s->path, good);
            goto out;
        }
        good += 8 + len;
        records++;
    }
    struct stat sb;
    if (fstat(s->fd, &sb) == 0 && (size_t)sb.st_size > good) {
        log_warn("%s: dropping %zu bytes of a record cut short at offset %zu (a crash during a "
                 "write; that write was never acknowledged)",
                 s->path, (size_t)sb.st_size - good, good);
        if (ftruncate(s->fd, (off_t)good) != 0) {
            st = ap_fail(err, AP_ERR_IO, "%s: truncate: %s", s->path, strerror(errno));
            goto out;
        }
    }
    s->file_bytes = good;
    log_info("feature store: loaded %zu records (%zu keys) from %s", records, s->count, s->path);
out:
    free(payload);
    fclose(f);
    return st;
}

static int fsync_dir(const char *path)
{
    char *copy = strdup(path);
    if (!copy) return -1;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    free(copy);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Rewrites the file as one record per live key. Called with the lock held exclusively. */
static ap_status compact(emb_store *s, ap_error *err)
{
    size_t plen = strlen(s->path) + 8;
    char *tmp = malloc(plen);
    if (!tmp) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    snprintf(tmp, plen, "%s.tmp", s->path);
    ap_status st = AP_OK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        st = ap_fail(err, AP_ERR_IO, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    int64_t now = fs_now_ms();
    size_t bytes = 8;
    bool ok = write_all(fd, (const unsigned char *)FS_EMB_MAGIC, 8);
    for (size_t b = 0; ok && b < s->nbuckets; b++) {
        emb_entry **link = &s->buckets[b];
        while (ok && *link) {
            emb_entry *e = *link;
            if (e->gc_at && e->gc_at < now) { /* dead: drop from the map too */
                *link = e->next;
                entry_free(e);
                s->count--;
                continue;
            }
            fs_put p = {e->key, e->nfields, (const char *const *)e->fields,
                        (const char *const *)e->values, 0};
            size_t len = 0;
            unsigned char *rec = encode(&p, e->gc_at, &len);
            ok = rec && write_all(fd, rec, len);
            free(rec);
            bytes += len;
            link = &e->next;
        }
    }
    if (!ok || fsync(fd) != 0) {
        st = ap_fail(err, AP_ERR_IO, "%s: write: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, s->path) != 0) {
        st = ap_fail(err, AP_ERR_IO, "%s: rename: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        goto out;
    }
    fsync_dir(s->path);
    /* fd is the new file: keep appending to it. O_APPEND is not set on it, but every write
     * happens under the lock at its end. */
    if (lseek(fd, 0, SEEK_END) < 0) {
        st = ap_fail(err, AP_ERR_IO, "%s: seek: %s", s->path, strerror(errno));
        close(fd);
        goto out;
    }
    close(s->fd);
    s->fd = fd;
    s->file_bytes = bytes;
    s->live_bytes = bytes;
out:
    free(tmp);
    return st;
}

static void emb_close(void *b)
{
    emb_store *s = b;
    if (!s) return;
    for (size_t i = 0; i < s->nbuckets; i++)
        for (emb_entry *e = s->buckets[i], *next; e; e = next) {
            next = e->next;
            entry_free(e);
        }
    free(s->buckets);
    if (s->fd >= 0) close(s->fd);
    if (s->lock_fd >= 0) close(s->lock_fd); /* releases the flock */
    pthread_rwlock_destroy(&s->lock);
    free(s->path);
    free(s);
}

static ap_status emb_open(const fs_options *o, void **out, ap_error *err)
{
    const char *path = o->path && *o->path ? o->path : "./var/features.aof";
    emb_store *s = calloc(1, sizeof *s);
    if (!s) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    s->fd = s->lock_fd = -1;
    s->fsync = o->fsync;
    s->nbuckets = 1024;
    s->buckets = calloc(s->nbuckets, sizeof *s->buckets);
    s->path = strdup(path);
    pthread_rwlock_init(&s->lock, NULL);
    ap_status st = AP_OK;
    char lockpath[1100];
    if (!s->buckets || !s->path) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if ((st = files_mkdir_parents(path, err)) != AP_OK) goto fail;
    snprintf(lockpath, sizeof lockpath, "%s.lock", path);
    s->lock_fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->lock_fd < 0) {
        st = ap_fail(err, AP_ERR_IO, "%s: %s", lockpath, strerror(errno));
        goto fail;
    }
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        st = ap_fail(err, AP_ERR_IO, "%s: in use by another process (%s)", path, strerror(errno));
        goto fail;
    }
    s->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->fd < 0) {
        st = ap_fail(err, AP_ERR_IO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    if ((st = load(s, err)) != AP_OK) goto fail;
    if (lseek(s->fd, 0, SEEK_END) < 0) {
        st = ap_fail(err, AP_ERR_IO, "%s: seek: %s", path, strerror(errno));
        goto fail;
    }
    if (s->file_bytes > FS_EMB_COMPACT_MIN && s->file_bytes > 2 * s->live_bytes &&
        (st = compact(s, err)) != AP_OK)
        goto fail;
    *out = s;
    return AP_OK;
fail:
    emb_close(s);
    return st;
}

static ap_status emb_put(void *b, const fs_put *p, ap_error *err)
{
    emb_store *s = b;
    int64_t gc_at = p->gc_ms > 0 ? fs_now_ms() + p->gc_ms : 0;
    size_t len = 0;
    unsigned char *rec = encode(p, gc_at, &len);
    if (!rec) return ap_fail(err, AP_ERR_TOO_LARGE, "record over %u bytes", FS_EMB_MAX_RECORD);
    ap_status st = AP_OK;
    pthread_rwlock_wrlock(&s->lock);
    if (!write_all(s->fd, rec, len) || (s->fsync && fdatasync(s->fd) != 0)) {
        st = ap_fail(err, AP_ERR_IO, "%s: write: %s", s->path, strerror(errno));
        /* A partial record at the end would hide every later one: cut it off. */
        if (ftruncate(s->fd, (off_t)s->file_bytes) != 0 ||
            lseek(s->fd, (off_t)s->file_bytes, SEEK_SET) < 0)
            log_error("%s: cannot truncate after a failed write: %s", s->path, strerror(errno));
        goto out;
    }
    s->file_bytes += len;
    st = apply(s, p, gc_at, err);
    if (st == AP_OK && s->file_bytes > FS_EMB_COMPACT_MIN && s->file_bytes > 2 * s->live_bytes) {
        ap_error cerr = {0};
        if (compact(s, &cerr) != AP_OK)
            log_warn("feature store compaction failed (the log keeps growing): %s", cerr.msg);
    }
out:
    pthread_rwlock_unlock(&s->lock);
    free(rec);
    return st;
}

static ap_status emb_get(void *b, fs_get *gets, size_t n, ap_error *err)
{
    emb_store *s = b;
    ap_status st = AP_OK;
    int64_t now = fs_now_ms();
    pthread_rwlock_rdlock(&s->lock);
    for (size_t i = 0; i < n && st == AP_OK; i++) {
        emb_entry *e = find(s, gets[i].key);
        if (!e || (e->gc_at && e->gc_at < now)) continue;
        for (size_t j = 0; j < gets[i].nfields; j++)
            for (size_t k = 0; k < e->nfields; k++)
                if (strcmp(e->fields[k], gets[i].fields[j]) == 0) {
                    if (!(gets[i].values[j] = strdup(e->values[k])))
                        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
                    break;
                }
    }
    pthread_rwlock_unlock(&s->lock);
    return st;
}

static ap_status emb_health(void *b, ap_error *err)
{
    (void)b;
    (void)err;
    return AP_OK;
}

const fs_backend_ops fs_embedded_ops = {"embedded", emb_open,   emb_put,
                                        emb_get,    emb_health, emb_close};
