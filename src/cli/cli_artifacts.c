/* aipipe artifacts: operate artifact stores from the command line.
 *
 *   aipipe artifacts sync SRC DST [--delete] [--dry-run] [--quiet] [--part-size BYTES]
 *   aipipe artifacts ls URI [PREFIX] [--recursive]
 *
 * SRC, DST and URI are a local directory (a path or file:///dir) or s3://bucket/prefix
 * (credentials and endpoint from the AWS_* environment). Exit: 0 done, 1 a copy or a
 * listing failed, 2 bad usage. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/http.h"
#include "registry/artifact.h"
#include "registry/artifact_sync.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: aipipe artifacts sync SRC DST [--delete] [--dry-run] [--quiet]\n"
            "                                     [--part-size BYTES]\n"
            "       aipipe artifacts ls URI [PREFIX] [--recursive]\n\n"
            "sync copies every object of SRC that DST lacks or holds in another version\n"
            "(size, then MD5/ETag, like 'aws s3 sync'); objects already equal are skipped.\n"
            "SRC and DST are a local directory (a path or file:///dir) or s3://bucket/prefix.\n"
            "S3 uses AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION and, for\n"
            "S3-compatible servers, AWS_ENDPOINT_URL (path-style addressing).\n\n"
            "flags:\n"
            "  --delete          remove objects of DST that SRC does not have\n"
            "  --dry-run         print what would be copied or deleted; change nothing\n"
            "  --quiet           no progress lines on stderr (the summary stays)\n"
            "  --part-size BYTES multipart part size of uploads (default 8388608; also\n"
            "                    the threshold above which uploads are multipart)\n"
            "  --recursive, -r   ls: every object below PREFIX, not one level\n");
}

static int sync_main(int argc, char **argv)
{
    const char *src_uri = NULL, *dst_uri = NULL;
    art_sync_options sopts = {.progress = stderr};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--delete") == 0) {
            sopts.delete_extra = true;
        } else if (strcmp(argv[i], "--dry-run") == 0) {
            sopts.dry_run = true;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            sopts.progress = NULL;
        } else if (strcmp(argv[i], "--part-size") == 0 && i + 1 < argc) {
            char *end;
            unsigned long long v = strtoull(argv[++i], &end, 10);
            if (*end || v < 1024 || v > (5ull << 30))
                return cli_die_usage("artifacts", "--part-size must be 1024 to 5 GiB bytes");
            sopts.part_size = (size_t)v;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_die_usage("artifacts", "unknown flag '%s'", argv[i]);
        } else if (!src_uri) {
            src_uri = argv[i];
        } else if (!dst_uri) {
            dst_uri = argv[i];
        } else {
            return cli_die_usage("artifacts", "sync takes exactly SRC and DST");
        }
    }
    if (!dst_uri) return cli_die_usage("artifacts", "sync needs SRC and DST");
    art_options src_opts = {.part_size = sopts.part_size, .multipart_threshold = sopts.part_size};
    art_options dst_opts = src_opts;
    dst_opts.create = true;
    art_store *src = NULL, *dst = NULL;
    ap_error err = {0};
    int rc = 1;
    char empty_dir[] = "/tmp/aipipe-dryrun-XXXXXX";
    bool removable = false;
    if (art_open(src_uri, &src_opts, &src, &err) != AP_OK) {
        fprintf(stderr, "aipipe artifacts: source %s: %s\n", src_uri, err.msg);
        goto out;
    }
    /* A dry run must not create the destination: a missing local one lists as empty,
     * through an empty temporary directory in its place. */
    ap_status dst_st = art_open(dst_uri, sopts.dry_run ? &src_opts : &dst_opts, &dst, &err);
    if (dst_st == AP_ERR_NOT_FOUND && sopts.dry_run && mkdtemp(empty_dir)) {
        removable = true;
        dst_st = art_open(empty_dir, NULL, &dst, &err);
    }
    if (dst_st != AP_OK) {
        fprintf(stderr, "aipipe artifacts: destination %s: %s\n", dst_uri, err.msg);
        goto out;
    }
    double started = http_now();
    art_sync_stats stats;
    ap_status st = art_sync(src, dst, &sopts, &stats, &err);
    fprintf(stderr, "%s%zu copied (%llu bytes), %zu unchanged, %zu deleted, %zu failed in %.2f s\n",
            sopts.dry_run ? "(dryrun) " : "", stats.copied, (unsigned long long)stats.bytes_copied,
            stats.unchanged, stats.deleted, stats.failed, http_now() - started);
    if (st != AP_OK) {
        fprintf(stderr, "aipipe artifacts: %s\n", err.msg);
        goto out;
    }
    rc = 0;
out:
    art_close(src);
    art_close(dst);
    if (removable) rmdir(empty_dir);
    return rc;
}

static int ls_main(int argc, char **argv)
{
    const char *uri = NULL, *prefix = "";
    bool recursive = false;
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--recursive") == 0 || strcmp(argv[i], "-r") == 0)
            recursive = true;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_die_usage("artifacts", "unknown flag '%s'", argv[i]);
        else if (npos == 0 && ++npos)
            uri = argv[i];
        else if (npos == 1 && ++npos)
            prefix = argv[i];
        else
            return cli_die_usage("artifacts", "ls takes URI and an optional PREFIX");
    }
    if (!uri) return cli_die_usage("artifacts", "ls needs a store URI");
    art_store *s = NULL;
    art_list l = {0};
    ap_error err = {0};
    int rc = 1;
    if (art_open(uri, NULL, &s, &err) != AP_OK || art_list_dir(s, prefix, recursive, &l, &err)) {
        fprintf(stderr, "aipipe artifacts: %s: %s\n", uri, err.msg);
        goto out;
    }
    for (size_t i = 0; i < l.n; i++) {
        if (l.items[i].is_dir)
            printf("%12s  %s/\n", "DIR", l.items[i].key);
        else
            printf("%12llu  %s\n", (unsigned long long)l.items[i].size, l.items[i].key);
    }
    rc = 0;
out:
    art_list_free(&l);
    art_close(s);
    return rc;
}

int cli_artifacts(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc;
    if (strcmp(argv[1], "sync") == 0)
        rc = sync_main(argc - 1, argv + 1);
    else if (strcmp(argv[1], "ls") == 0)
        rc = ls_main(argc - 1, argv + 1);
    else
        rc = cli_die_usage("artifacts", "unknown subcommand '%s'", argv[1]);
    curl_global_cleanup();
    return rc;
}
