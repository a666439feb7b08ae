/* artifact_sync: see artifact_sync.h for the rule that decides what is copied.
 *
 * Both sides are listed recursively first (bounded by the stores' max_list), so a failed
 * listing changes nothing. Copies go through the generic store calls: from a local source
 * straight from its file; from any other source through a temporary file, because the
 * destination's put is what keeps a local destination atomic and symlink-safe. */
#include "registry/artifact_sync.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_PART_SIZE (8u * 1024u * 1024u)

/* The file of key in a local store (its URI is "file:///abs/dir"). */
static bool local_path(art_store *s, const char *key, char *out, size_t size)
{
    if (!art_is_local(s)) return false;
    int n = snprintf(out, size, "%s/%s", art_uri(s) + 7, key);
    return n > 0 && (size_t)n < size;
}

static const art_entry *find(const art_list *l, const char *key)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(l->items[mid].key, key);
        if (c == 0) return &l->items[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The fingerprint of e in store s, comparable with other's ETag: the ETag itself, or a
 * local file's MD5 in the same form as other (plain or multipart). False when unknown. */
static bool fingerprint(art_store *s, const art_entry *e, const char *other, size_t part_size,
                        char out[80])
{
    if (*e->etag) {
        snprintf(out, 80, "%s", e->etag);
        return true;
    }
    char path[4096];
    if (!local_path(s, e->key, path, sizeof path)) return false;
    bool multipart = other && strchr(other, '-');
    return art_file_etag(path, multipart ? part_size : 0, out, NULL) == AP_OK;
}

static bool same_object(art_store *src, const art_entry *a, art_store *dst, const art_entry *b,
                        size_t part_size)
{
    if (a->size != b->size) return false;
    char fa[80], fb[80];
    /* compute the side without an ETag in the form of the side with one */
    bool ka = fingerprint(src, a, *b->etag ? b->etag : NULL, part_size, fa);
    bool kb = fingerprint(dst, b, *a->etag ? a->etag : fa, part_size, fb);
    if (ka && kb) {
        bool comparable = (strchr(fa, '-') != NULL) == (strchr(fb, '-') != NULL);
        if (comparable) return strcmp(fa, fb) == 0;
    }
    return a->mtime > 0 && b->mtime >= a->mtime;
}

static ap_status copy_object(art_store *src, art_store *dst, const char *key, ap_error *err)
{
    char path[4096];
    if (local_path(src, key, path, sizeof path)) return art_put_file(dst, key, path, err);
    const char *tmpdir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/aipipe-sync-%ld-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp",
             (long)getpid());
    int fd = mkstemp(path);
    if (fd < 0) return ap_fail(err, AP_ERR_IO, "temporary file: %s", strerror(errno));
    close(fd);
    ap_status st = art_get_file(src, key, path, err);
    if (st == AP_OK) st = art_put_file(dst, key, path, err);
    unlink(path);
    return st;
}

ap_status art_sync(art_store *src, art_store *dst, const art_sync_options *opts,
                   art_sync_stats *stats, ap_error *err)
{
    *stats = (art_sync_stats){0};
    size_t part_size = opts->part_size ? opts->part_size : DEFAULT_PART_SIZE;
    art_list from = {0}, to = {0};
    ap_status st = art_list_dir(src, "", true, &from, err);
    if (st == AP_OK) st = art_list_dir(dst, "", true, &to, err);
    if (st != AP_OK) goto out;
    const char *tag = opts->dry_run ? "(dryrun) " : "";
    ap_error first = {0};
    for (size_t i = 0; i < from.n; i++) {
        const art_entry *a = &from.items[i];
        const art_entry *b = find(&to, a->key);
        if (b && same_object(src, a, dst, b, part_size)) {
            stats->unchanged++;
            continue;
        }
        if (opts->progress)
            fprintf(opts->progress, "%scopy: %s (%llu bytes, %s)\n", tag, a->key,
                    (unsigned long long)a->size, b ? "changed" : "new");
        if (opts->dry_run) {
            stats->copied++;
            stats->bytes_copied += a->size;
            continue;
        }
        ap_error e = {0};
        if (copy_object(src, dst, a->key, &e) != AP_OK) {
            stats->failed++;
            if (opts->progress) fprintf(opts->progress, "failed: %s: %s\n", a->key, e.msg);
            if (first.code == AP_OK) first = e;
            continue;
        }
        stats->copied++;
        stats->bytes_copied += a->size;
    }
    for (size_t i = 0; opts->delete_extra && i < to.n; i++) {
        const art_entry *b = &to.items[i];
        if (find(&from, b->key)) continue;
        if (opts->progress) fprintf(opts->progress, "%sdelete: %s\n", tag, b->key);
        ap_error e = {0};
        if (!opts->dry_run && art_delete(dst, b->key, &e) != AP_OK) {
            stats->failed++;
            if (first.code == AP_OK) first = e;
            continue;
        }
        stats->deleted++;
    }
    if (first.code != AP_OK) {
        if (err) *err = first;
        st = first.code;
    }
out:
    art_list_free(&from);
    art_list_free(&to);
    return st;
}
