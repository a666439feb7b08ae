/* artifact_local: an artifact store in a local directory; a key is a relative path.
 *
 * Containment: artifact.c has already refused keys with "..", "." or a leading '/'; here
 * every path is walked one segment at a time from a descriptor of the root with
 * openat(O_NOFOLLOW), so a symbolic link planted anywhere below the root (by a key or by
 * someone with access to the directory) is refused, never followed out of it.
 *
 * Atomicity: an object is written to a hidden temporary file (".art-tmp-...") in its
 * directory, synced, and renamed over the key, so readers see the old object or the new
 * one. Listings skip the temporary files. A delete removes directories it leaves empty,
 * so a listing matches what S3 would show; a put that races with that retries its walk. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/artifact.h"

#define TMP_PREFIX ".art-tmp-"
#define MAX_DEPTH  (ART_KEY_MAX / 2 + 2) /* segments are at least 1 byte plus a '/' */

typedef struct local_store {
    int root; /* O_DIRECTORY descriptor of the root */
} local_store;

/* A key split into segments, with the descriptors of the directories walked so far:
 * dirs[0] is the root (a duplicate), dirs[i] the directory named by segs[i-1]. */
typedef struct walk {
    char buf[ART_KEY_MAX + 1];
    char *segs[MAX_DEPTH];
    size_t nsegs;
    int dirs[MAX_DEPTH + 1];
    size_t ndirs;
} walk;

static void walk_close(walk *w)
{
    for (size_t i = 0; i < w->ndirs; i++)
        close(w->dirs[i]);
    w->ndirs = 0;
}

static ap_status io_fail(ap_error *err, int e, const char *what, const char *key)
{
    ap_status st = e == ENOENT || e == ENOTDIR ? AP_ERR_NOT_FOUND
                   : e == ELOOP                ? AP_ERR_FORBIDDEN
                                               : AP_ERR_IO;
    if (e == ELOOP)
        return ap_fail(err, st, "artifact '%.200s': a symbolic link is in the way", key);
    return ap_fail(err, st, "artifact '%.200s': %s: %s", key, what, strerror(e));
}

/* Opens the directories of key: every segment but the last, or all of them with
 * all_dirs. create makes missing directories. On AP_OK the last directory is
 * w->dirs[w->ndirs - 1] and the leaf name (when !all_dirs) w->segs[w->nsegs - 1]. */
static ap_status walk_open(local_store *ls, const char *key, bool all_dirs, bool create, walk *w,
                           ap_error *err)
{
    w->nsegs = w->ndirs = 0;
    snprintf(w->buf, sizeof w->buf, "%s", key);
    if (*w->buf) {
        for (char *p = w->buf, *seg = w->buf;; p++) {
            if (*p != '/' && *p != '\0') continue;
            bool end = *p == '\0';
            *p = '\0';
            w->segs[w->nsegs++] = seg;
            if (end) break;
            seg = p + 1;
        }
    }
    w->dirs[0] = dup(ls->root);
    if (w->dirs[0] < 0) return io_fail(err, errno, "dup", key);
    w->ndirs = 1;
    size_t ndir = all_dirs ? w->nsegs : w->nsegs - 1;
    for (size_t i = 0; i < ndir; i++) {
        int parent = w->dirs[w->ndirs - 1];
        int fd = openat(parent, w->segs[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && create) {
            if (mkdirat(parent, w->segs[i], 0755) != 0 && errno != EEXIST)
                return io_fail(err, errno, "mkdir", key);
            fd = openat(parent, w->segs[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0) {
            int e = errno;
            struct stat sb;
            /* O_NOFOLLOW|O_DIRECTORY reports a link as ELOOP or ENOTDIR; name it. */
            if (fstatat(parent, w->segs[i], &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(sb.st_mode))
                e = ELOOP;
            return io_fail(err, e, "open", key);
        }
        w->dirs[w->ndirs++] = fd;
    }
    return AP_OK;
}

ap_status art_local_open(const char *location, const art_options *opts, void **impl, char *uri_out,
                         size_t uri_size, ap_error *err)
{
    *impl = NULL;
    if (!*location) return ap_fail(err, AP_ERR_INVALID, "empty artifact directory");
    if (opts->create) {
        /* mkdir -p: each prefix in turn; EEXIST is fine. */
        char buf[PATH_MAX];
        int n = snprintf(buf, sizeof buf, "%s", location);
        if (n < 0 || (size_t)n >= sizeof buf)
            return ap_fail(err, AP_ERR_INVALID, "artifact directory path is too long");
        for (char *p = buf + 1; *p; p++) {
            if (*p != '/') continue;
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return ap_fail(err, AP_ERR_IO, "cannot create '%s': %s", buf, strerror(errno));
            *p = '/';
        }
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return ap_fail(err, AP_ERR_IO, "cannot create '%s': %s", buf, strerror(errno));
    }
    char real[PATH_MAX];
    if (!realpath(location, real))
        return ap_fail(err, errno == ENOENT ? AP_ERR_NOT_FOUND : AP_ERR_IO,
                       "artifact directory '%s': %s", location, strerror(errno));
    local_store *ls = calloc(1, sizeof *ls);
    if (!ls) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    ls->root = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (ls->root < 0) {
        ap_status st =
            ap_fail(err, AP_ERR_IO, "artifact directory '%s': %s", real, strerror(errno));
        free(ls);
        return st;
    }
    snprintf(uri_out, uri_size, "file://%s", real);
    *impl = ls;
    return AP_OK;
}

static void local_close(void *impl)
{
    local_store *ls = impl;
    if (!ls) return;
    close(ls->root);
    free(ls);
}

static ap_status write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return AP_ERR_IO;
        p += n;
        len -= (size_t)n;
    }
    return AP_OK;
}

/* Copies src to dst from their current offsets to src's end. errno tells why on failure. */
static ap_status copy_fd(int dst, int src)
{
    char buf[1 << 16];
    for (;;) {
        ssize_t n = read(src, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return AP_ERR_IO;
        if (n == 0) return AP_OK;
        if (write_all(dst, buf, (size_t)n) != AP_OK) return AP_ERR_IO;
    }
}

/* The body of both puts: from src_fd when it is >= 0, else from data. */
static ap_status put_generic(local_store *ls, const char *key, int src_fd, const void *data,
                             size_t len, ap_error *err)
{
    static atomic_uint counter;
    ap_status st = AP_OK;
    walk w = {0};
    /* A concurrent delete may remove a directory we just walked into (ENOENT at the
     * create or the rename); walking again re-creates it. */
    for (int attempt = 0; attempt < 3; attempt++) {
        walk_close(&w);
        st = walk_open(ls, key, false, true, &w, err);
        if (st != AP_OK) goto out;
        int dir = w.dirs[w.ndirs - 1];
        const char *leaf = w.segs[w.nsegs - 1];
        char tmp[64];
        snprintf(tmp, sizeof tmp, TMP_PREFIX "%ld-%u", (long)getpid(),
                 atomic_fetch_add(&counter, 1));
        int fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 && errno == ENOENT) continue;
        if (fd < 0) {
            st = io_fail(err, errno, "create", key);
            goto out;
        }
        if (src_fd >= 0 && lseek(src_fd, 0, SEEK_SET) != 0) {
            st = io_fail(err, errno, "seek", key);
            close(fd);
            unlinkat(dir, tmp, 0);
            goto out;
        }
        st = src_fd >= 0 ? copy_fd(fd, src_fd) : write_all(fd, data, len);
        if (st == AP_OK && fsync(fd) != 0) st = AP_ERR_IO;
        int e = errno;
        if (close(fd) != 0 && st == AP_OK) {
            st = AP_ERR_IO;
            e = errno;
        }
        if (st != AP_OK) {
            unlinkat(dir, tmp, 0);
            st = io_fail(err, e, "write", key);
            goto out;
        }
        /* renameat replaces a symbolic link at leaf itself; it never follows it. */
        if (renameat(dir, tmp, dir, leaf) != 0) {
            e = errno;
            unlinkat(dir, tmp, 0);
            if (e == ENOENT) continue;
            st = e == EISDIR ? ap_fail(err, AP_ERR_INVALID,
                                       "artifact '%.200s' is a directory of other artifacts", key)
                             : io_fail(err, e, "rename", key);
            goto out;
        }
        st = AP_OK;
        goto out;
    }
    st = ap_fail(err, AP_ERR_IO, "artifact '%.200s': its directory kept disappearing", key);
out:
    walk_close(&w);
    return st;
}

static ap_status local_put_file(void *impl, const char *key, const char *path, ap_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ap_fail(err, errno == ENOENT ? AP_ERR_NOT_FOUND : AP_ERR_IO, "%s: %s", path,
                       strerror(errno));
    struct stat sb;
    ap_status st = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)
                       ? put_generic(impl, key, fd, NULL, 0, err)
                       : ap_fail(err, AP_ERR_INVALID, "%s: not a regular file", path);
    close(fd);
    return st;
}

static ap_status local_put_buffer(void *impl, const char *key, const void *data, size_t len,
                                  ap_error *err)
{
    return put_generic(impl, key, -1, data, len, err);
}

/* Opens the object under key for reading; *size is its length. */
static ap_status open_object(local_store *ls, const char *key, int *out, uint64_t *size,
                             int64_t *mtime, ap_error *err)
{
    *out = -1;
    walk w = {0};
    ap_status st = walk_open(ls, key, false, false, &w, err);
    if (st != AP_OK) goto out;
    int dir = w.dirs[w.ndirs - 1];
    int fd = openat(dir, w.segs[w.nsegs - 1], O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        st = io_fail(err, errno, "open", key);
        goto out;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        st = ap_fail(err, AP_ERR_NOT_FOUND, "artifact '%.200s' is not a file", key);
        goto out;
    }
    *out = fd;
    *size = (uint64_t)sb.st_size;
    if (mtime) *mtime = (int64_t)sb.st_mtime;
out:
    walk_close(&w);
    return st;
}

static ap_status local_get_file(void *impl, const char *key, const char *path, ap_error *err)
{
    int src = -1, dst = -1;
    uint64_t size;
    char tmp[PATH_MAX + 16];
    ap_status st = open_object(impl, key, &src, &size, NULL, err);
    if (st != AP_OK) goto out;
    st = art_tmp_create(path, tmp, sizeof tmp, &dst, err);
    if (st != AP_OK) goto out;
    if (copy_fd(dst, src) != AP_OK) {
        st =
            ap_fail(err, AP_ERR_IO, "copying '%.200s' to '%.200s': %s", key, path, strerror(errno));
        art_tmp_abort(dst, tmp);
        goto out;
    }
    st = art_tmp_commit(dst, tmp, path, err);
out:
    if (src >= 0) close(src);
    return st;
}

static ap_status local_get_buffer(void *impl, const char *key, size_t max, unsigned char **data,
                                  size_t *len, ap_error *err)
{
    int fd = -1;
    uint64_t size;
    unsigned char *buf = NULL;
    ap_status st = open_object(impl, key, &fd, &size, NULL, err);
    if (st != AP_OK) goto out;
    if (size > max) {
        st = ap_fail(err, AP_ERR_TOO_LARGE, "artifact '%.200s' is %llu bytes, over %zu", key,
                     (unsigned long long)size, max);
        goto out;
    }
    buf = malloc((size_t)size + 1);
    if (!buf) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        goto out;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, (size_t)size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            st = ap_fail(err, AP_ERR_IO, "reading '%.200s': %s", key,
                         n == 0 ? "file shrank" : strerror(errno));
            goto out;
        }
        got += (size_t)n;
    }
    buf[got] = '\0';
    *data = buf;
    *len = got;
    buf = NULL;
out:
    free(buf);
    if (fd >= 0) close(fd);
    return st;
}

/* Appends the entries of the directory dir (whose key is prefix) to out. */
static ap_status list_dir(int dir, const char *prefix, bool recursive, size_t max, art_list *out,
                          ap_error *err)
{
    int fd = dup(dir);
    if (fd < 0) return ap_fail(err, AP_ERR_IO, "dup: %s", strerror(errno));
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return ap_fail(err, AP_ERR_IO, "listing '%.200s': %s", prefix, strerror(errno));
    }
    ap_status st = AP_OK;
    struct dirent *de;
    char key[ART_KEY_MAX + 1];
    while (st == AP_OK && (de = readdir(d))) {
        const char *name = de->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
            strncmp(name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0)
            continue;
        int n = snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "/" : "", name);
        /* Names no key can address (too long, backslashes) are not artifacts. */
        if (n < 0 || (size_t)n >= sizeof key || art_key_check(key, NULL) != AP_OK) continue;
        struct stat sb;
        if (fstatat(dir, name, &sb, AT_SYMLINK_NOFOLLOW) != 0) continue; /* gone meanwhile */
        if (S_ISREG(sb.st_mode)) {
            st = art_list_push(out, max, key, false, (uint64_t)sb.st_size, (int64_t)sb.st_mtime,
                               NULL, err);
        } else if (S_ISDIR(sb.st_mode)) {
            if (!recursive) {
                st = art_list_push(out, max, key, true, 0, (int64_t)sb.st_mtime, NULL, err);
                continue;
            }
            int sub = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) continue;
            st = list_dir(sub, key, true, max, out, err);
            close(sub);
        }
        /* symbolic links and special files are never artifacts */
    }
    closedir(d);
    return st;
}

static ap_status local_list(void *impl, const char *prefix, bool recursive, size_t max,
                            art_list *out, ap_error *err)
{
    walk w = {0};
    ap_status st = walk_open(impl, prefix, true, false, &w, err);
    if (st == AP_ERR_NOT_FOUND) {
        ap_error_clear(err);
        st = AP_OK; /* nothing stored under it yet */
    } else if (st == AP_OK) {
        st = list_dir(w.dirs[w.ndirs - 1], prefix, recursive, max, out, err);
    }
    walk_close(&w);
    return st;
}

static ap_status local_delete(void *impl, const char *key, ap_error *err)
{
    walk w = {0};
    ap_status st = walk_open(impl, key, false, false, &w, err);
    if (st == AP_ERR_NOT_FOUND) {
        ap_error_clear(err);
        st = AP_OK;
        goto out;
    }
    if (st != AP_OK) goto out;
    if (unlinkat(w.dirs[w.ndirs - 1], w.segs[w.nsegs - 1], 0) != 0 && errno != ENOENT) {
        st = errno == EISDIR ? ap_fail(err, AP_ERR_INVALID,
                                       "artifact '%.200s' is a directory of other artifacts", key)
                             : io_fail(err, errno, "unlink", key);
        goto out;
    }
    /* Remove the directories this left empty, deepest first; stop at the first that is
     * not (ENOTEMPTY), which is the common case. */
    for (size_t i = w.ndirs - 1; i >= 1; i--)
        if (unlinkat(w.dirs[i - 1], w.segs[i - 1], AT_REMOVEDIR) != 0) break;
out:
    walk_close(&w);
    return st;
}

static ap_status local_stat(void *impl, const char *key, art_entry *out, ap_error *err)
{
    int fd = -1;
    ap_status st = open_object(impl, key, &fd, &out->size, &out->mtime, err);
    if (fd >= 0) close(fd);
    return st;
}

const art_ops art_local_ops = {
    .scheme = "file",
    .put_file = local_put_file,
    .put_buffer = local_put_buffer,
    .get_file = local_get_file,
    .get_buffer = local_get_buffer,
    .list = local_list,
    .del = local_delete,
    .stat = local_stat,
    .close = local_close,
};
