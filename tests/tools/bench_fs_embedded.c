/* Measures the embedded online store in-process: writes/s (each appended to the file
 * before it returns) and reads/s of 10-entity x 2-feature batches.
 * usage: bench_fs_embedded DIR [WRITES]   Prints one markdown table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "features/defs.h"
#include "features/store.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_fs_embedded DIR [WRITES]\n");
        return 2;
    }
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : 200000;
    if (n < 10) n = 10;
    char path[1024];
    snprintf(path, sizeof path, "%s/bench.aof", argv[1]);
    ap_error err = {0};
    fs_defs *defs = NULL;
    fs_store *s = NULL;
    if (fs_defs_parse(fs_builtin_defs, strlen(fs_builtin_defs), "builtin", &defs, &err) != AP_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    fs_options o = {.type = "embedded", .defs = defs, .path = path};
    if (fs_store_open(&o, &s, &err) != AP_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    size_t view = (size_t)fs_defs_view(defs, "document_ocr");
    double t0 = now();
    for (long i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, "doc-%ld", i % 10000);
        json_t *f = json_pack("{s:I,s:f}", "word_count", (json_int_t)i, "ocr_confidence", 0.5);
        if (fs_write(s, view, id, f, fs_now_ms(), &err) != AP_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        json_decref(f);
    }
    double tw = now() - t0;
    fs_ref refs[2] = {{view, (size_t)fs_defs_feature(&defs->views[view], "word_count")},
                      {view, (size_t)fs_defs_feature(&defs->views[view], "ocr_confidence")}};
    char idbuf[10][32];
    const char *ids[10];
    fs_value out[20];
    long batches = n / 10;
    t0 = now();
    for (long b = 0; b < batches; b++) {
        for (int k = 0; k < 10; k++) {
            snprintf(idbuf[k], sizeof idbuf[k], "doc-%ld", (b * 10 + k) % 10000);
            ids[k] = idbuf[k];
        }
        if (fs_read(s, 10, ids, 2, refs, out, &err) != AP_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        fs_values_free(out, 20);
    }
    double tr = now() - t0;
    printf("| embedded store, in-process | ops/s |\n|---|---|\n");
    printf("| write (1 entity, 2 features, appended to the file) | %.0f |\n", (double)n / tw);
    printf("| read (10 entities x 2 features) | %.0f batches/s (%.0f entity reads/s) |\n",
           (double)batches / tr, (double)batches * 10 / tr);
    fs_store_close(s);
    fs_defs_free(defs);
    return 0;
}
