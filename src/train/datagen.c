/* datagen: the driver. Hands document indices to worker threads, runs each document's
 * pipeline (model -> render -> degrade -> write) and writes the line manifests in index
 * order.
 *
 * Determinism: document i draws from streams seeded by (seed, i) only: the model from
 * stream i, the rendering choices (scale, window, degradations, crop margins) from stream
 * i | 2^62, the output format from stream i | 2^61, the split from i | 2^63, the extra text
 * lines of --lines from i | 2^60 (what they say) and i | 2^59 (their crops). Threads only
 * change when a document is drawn, never what it holds; manifest chunks are flushed in
 * index order, so the manifests are the same bytes too.
 * Ownership: the job owns the pending manifest chunks and thumbnails until they are
 * flushed or composed; a worker owns everything of the document it draws. */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/sbuf.h"
#include "train/datagen_internal.h"

#define CONTACT_N 12

typedef struct job {
    const dg_options *o;
    dg_fonts fonts;
    int name_digits;
    pthread_mutex_t mu;
    size_t next, done;
    bool failed;
    ap_error err;
    /* Line manifests: chunk i waits in pending[i % window] until all before it are out. */
    char **pending;
    int *pending_split;
    bool *pending_ready;
    size_t flushed, window;
    FILE *manifest[3];
    uint8_t *charset; /* one bit per code point */
    PIX *thumbs[CONTACT_N];
    double t0, last_report;
} job;

static const char *const split_names[3] = {"train", "val", "test"};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

ap_status dg_parse_formats(const char *list, unsigned *formats, ap_error *err)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {{"png", DG_FMT_PNG},
                 {"jpg", DG_FMT_JPG},
                 {"jpeg", DG_FMT_JPG},
                 {"pdf", DG_FMT_PDF},
                 {"docx", DG_FMT_DOCX}};
    unsigned out = 0;
    const char *s = list;
    while (*s) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        size_t k = 0;
        while (k < sizeof names / sizeof *names &&
               !(strlen(names[k].name) == len && strncmp(names[k].name, s, len) == 0))
            k++;
        if (k == sizeof names / sizeof *names)
            return ap_fail(err, AP_ERR_INVALID, "unknown format '%.*s' (png, jpg, pdf, docx)",
                           (int)(len > 32 ? 32 : len), s);
        out |= names[k].bit;
        s += len;
        if (*s == ',') s++;
    }
    if (!out) return ap_fail(err, AP_ERR_INVALID, "no format given (png, jpg, pdf, docx)");
    *formats = out;
    return AP_OK;
}

static ap_status write_file(const char *path, const void *data, size_t len, ap_error *err)
{
    FILE *f = fopen(path, "wb");
    if (!f) return ap_fail(err, AP_ERR_IO, "%s: %s", path, strerror(errno));
    size_t n = fwrite(data, 1, len, f);
    int e = errno;
    if (fclose(f) != 0 || n != len)
        return ap_fail(err, AP_ERR_IO, "%s: write failed: %s", path, strerror(e ? e : EIO));
    return AP_OK;
}

static ap_status ensure_dir(const char *path, ap_error *err)
{
    struct stat sb;
    if (mkdir(path, 0777) == 0) return AP_OK;
    if (errno == EEXIST && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) return AP_OK;
    return ap_fail(err, AP_ERR_IO, "%s: cannot create the directory: %s", path, strerror(errno));
}

static ap_status write_pix(PIX *pix, const char *path, bool jpeg, int quality, ap_error *err)
{
    l_uint8 *buf = NULL;
    size_t len = 0;
    int rc =
        jpeg ? pixWriteMemJpeg(&buf, &len, pix, quality, 0) : pixWriteMemPng(&buf, &len, pix, 0);
    if (rc != 0 || !buf) {
        free(buf);
        return ap_fail(err, AP_ERR_PROCESSING, "%s: encoding failed", path);
    }
    ap_status st = write_file(path, buf, len, err);
    free(buf);
    return st;
}

/* Marks the code points of a UTF-8 string; malformed bytes are skipped (pango only
 * hands out valid UTF-8, so none are expected). */
static void charset_mark(uint8_t *bits, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        int n;
        if (*p < 0x80)
            cp = *p, n = 1;
        else if ((*p & 0xe0) == 0xc0)
            cp = *p & 0x1f, n = 2;
        else if ((*p & 0xf0) == 0xe0)
            cp = *p & 0x0f, n = 3;
        else if ((*p & 0xf8) == 0xf0)
            cp = *p & 0x07, n = 4;
        else {
            p++;
            continue;
        }
        int k = 1;
        for (; k < n && (p[k] & 0xc0) == 0x80; k++)
            cp = (cp << 6) | (p[k] & 0x3f);
        if (k < n) {
            p++;
            continue;
        }
        if (cp < 0x110000) bits[cp >> 3] |= (uint8_t)(1u << (cp & 7));
        p += n;
    }
}

static ap_status write_charset(const uint8_t *bits, const char *path, ap_error *err)
{
    sbuf b = {0};
    for (uint32_t cp = 0x20; cp < 0x110000; cp++) {
        if (!(bits[cp >> 3] & (1u << (cp & 7)))) continue;
        char u[5] = {0};
        if (cp < 0x80)
            u[0] = (char)cp;
        else if (cp < 0x800)
            u[0] = (char)(0xc0 | (cp >> 6)), u[1] = (char)(0x80 | (cp & 0x3f));
        else if (cp < 0x10000)
            u[0] = (char)(0xe0 | (cp >> 12)), u[1] = (char)(0x80 | ((cp >> 6) & 0x3f)),
            u[2] = (char)(0x80 | (cp & 0x3f));
        else
            u[0] = (char)(0xf0 | (cp >> 18)), u[1] = (char)(0x80 | ((cp >> 12) & 0x3f)),
            u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f));
        sbuf_puts(&b, u);
        sbuf_puts(&b, "\n");
    }
    size_t len = 0;
    char *data = sbuf_take(&b, &len);
    ap_status st = data || len == 0
                       ? write_file(path, data ? data : "", len, err)
                       : ap_fail(err, AP_ERR_NOMEM, "datagen: out of memory (charset)");
    free(data);
    return st;
}

/* Crops every recorded line from the clean page, degrades the crop on its own (jpeg: the
 * quality of the page's JPEG file, 0 for none), writes it and appends its manifest line to
 * m. Crops are numbered from *k on (advanced). */
static ap_status write_lines(job *jb, const char *base, PIX *page, const dg_lines *lines, int split,
                             int jpeg, dg_rng *rng, size_t *k, sbuf *m, ap_error *err)
{
    ap_status st = AP_OK;
    int W = pixGetWidth(page), H = pixGetHeight(page);
    for (size_t i = 0; i < lines->n && st == AP_OK; i++) {
        const dg_linebox *lb = &lines->v[i];
        double h = lb->rotation ? lb->x1 - lb->x0 : lb->y1 - lb->y0;
        /* Margins like a cell crop's: a few pixels, varying, never cutting the glyphs. */
        double pad = 2 + dg_rng_unit(rng) * 0.3 * h;
        int x0 = (int)(lb->x0 - pad), y0 = (int)(lb->y0 - pad);
        int x1 = (int)(lb->x1 + pad + 1), y1 = (int)(lb->y1 + pad + 1);
        if (x0 < 0) x0 = 0;
        if (y0 < 0) y0 = 0;
        if (x1 > W) x1 = W;
        if (y1 > H) y1 = H;
        if (x1 - x0 < 4 || y1 - y0 < 4) continue;
        BOX *box = boxCreate(x0, y0, x1 - x0, y1 - y0);
        PIX *crop = box ? pixClipRectangle(page, box, NULL) : NULL;
        boxDestroy(&box);
        if (!crop) {
            st = ap_fail(err, AP_ERR_NOMEM, "datagen: out of memory (crop)");
            break;
        }
        char rel[96], path[4096];
        snprintf(rel, sizeof rel, "lines/%s_%03zu.png", base, (*k)++);
        snprintf(path, sizeof path, "%s/%s", jb->o->out_dir, rel);
        if ((st = dg_degrade_line(&crop, jb->o->degrade, jpeg, rng, err)) == AP_OK &&
            (st = write_pix(crop, path, false, 0, err)) == AP_OK) {
            json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:i,s:f,s:s,s:s}", "image", rel, "text",
                                  lb->text, "kind", dg_kind_names[lb->kind], "font", lb->font,
                                  "rotation", lb->rotation, "size_px", lb->size_px, "split",
                                  split_names[split], "doc", base);
            char *s =
                e ? json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII) : NULL;
            if (!s)
                st = ap_fail(err, AP_ERR_NOMEM, "datagen: out of memory (manifest)");
            else {
                sbuf_puts(m, s);
                sbuf_puts(m, "\n");
            }
            free(s);
            json_decref(e);
        }
        pixDestroy(&crop);
    }
    return st;
}

/* The document's extra text lines (datagen_text.c): drawn at the document's scale on their
 * own page, cropped and degraded from their own stream (seed, i | 2^59), so the document's
 * own crops keep their bytes. Crops continue the document's numbering at *k; their lines
 * go to *tlines for the charset. */
static ap_status write_text_lines(job *jb, size_t i, const char *base, const dg_page *doc,
                                  double scale, int jpeg, size_t *k, dg_lines *tlines, sbuf *m,
                                  ap_error *err)
{
    dg_page tp;
    cairo_surface_t *surf = NULL;
    PIX *pix = NULL;
    dg_rng rng;
    dg_rng_seed(&rng, jb->o->seed, (uint64_t)i | (1ull << 59));
    ap_status st = dg_text_page_build(jb->o->seed, i, doc, &tp, err);
    if (st != AP_OK) return st;
    if ((st = dg_render_raster(&tp, scale, tlines, &surf, err)) != AP_OK) goto out;
    if (!(pix = dg_pix_from_surface(surf))) {
        st = ap_fail(err, AP_ERR_NOMEM, "datagen: out of memory (text lines)");
        goto out;
    }
    st = write_lines(jb, base, pix, tlines, doc->split, jpeg, &rng, k, m, err);
out:
    pixDestroy(&pix);
    if (surf) cairo_surface_destroy(surf);
    dg_page_free(&tp);
    return st;
}

/* Flushes the manifest chunks that are ready, in index order. Called with jb->mu held. */
static ap_status flush_manifests(job *jb, ap_error *err)
{
    while (jb->flushed < jb->o->count && jb->pending_ready[jb->flushed % jb->window]) {
        size_t slot = jb->flushed % jb->window;
        char *chunk = jb->pending[slot];
        if (chunk) {
            FILE *f = jb->manifest[jb->pending_split[slot]];
            if (fputs(chunk, f) == EOF)
                return ap_fail(err, AP_ERR_IO, "%s/lines: manifest write failed", jb->o->out_dir);
        }
        free(chunk);
        jb->pending[slot] = NULL;
        jb->pending_ready[slot] = false;
        jb->flushed++;
    }
    return AP_OK;
}

static ap_status gen_one(job *jb, size_t i, ap_error *err)
{
    const dg_options *o = jb->o;
    ap_status st = AP_OK;
    dg_page page;
    tt_doc gold;
    dg_lines lines = {0}, tlines = {0};
    sbuf manifest = {0};
    cairo_surface_t *surf = NULL;
    PIX *pix = NULL;
    char *json = NULL;
    bool built = false;
    char base[32], path[4096];
    snprintf(base, sizeof base, "doc_%0*zu", jb->name_digits, i + 1);

    if ((st = dg_model_build(o->seed, i, o->layout, &jb->fonts, &page, &gold, err)) != AP_OK)
        goto out;
    built = true;
    if (o->oldstyle > 0) {
        /* its own stream, so that documents without old-style figures stay as they were */
        dg_rng orng;
        dg_rng_seed(&orng, o->seed, (uint64_t)i | (1ull << 60));
        page.style.oldstyle = dg_rng_range(&orng, 0, 99) < o->oldstyle;
    }
    dg_rng rr, fr;
    dg_rng_seed(&rr, o->seed, (uint64_t)i | (1ull << 62));
    dg_rng_seed(&fr, o->seed, (uint64_t)i | (1ull << 61));
    /* The format: one of the requested ones. */
    unsigned bits[4];
    int nb = 0;
    for (int k = 0; k < 4; k++)
        if (o->formats & (1u << k)) bits[nb++] = 1u << k;
    unsigned fmt = nb ? bits[dg_rng_range(&fr, 0, nb - 1)] : DG_FMT_PNG;
    const char *ext = fmt == DG_FMT_PNG   ? "png"
                      : fmt == DG_FMT_JPG ? "jpg"
                      : fmt == DG_FMT_PDF ? "pdf"
                                          : "docx";
    char source[48];
    snprintf(source, sizeof source, "%s.%s", base, ext);
    if (tt_set_str(&gold.source, source) != AP_OK) {
        st = ap_fail(err, AP_ERR_NOMEM, "datagen: out of memory");
        goto out;
    }
    bool raster_fmt = fmt == DG_FMT_PNG || fmt == DG_FMT_JPG;
    /* Pixels per point: 115-187 dpi, in six steps, so that the font caches (keyed by
     * scale) are reused across documents instead of growing with each one. */
    double scale = 1.6 + 0.2 * dg_rng_range(&rr, 0, 5);
    double wchance = o->degrade == DG_DEGRADE_HEAVY   ? 0.2
                     : o->degrade == DG_DEGRADE_LIGHT ? 0.05
                                                      : 0;
    bool window = dg_rng_chance(&rr, wchance);
    int jpeg_q = dg_rng_range(&rr, 70, 95);
    bool thumb = o->contact_sheet && i < CONTACT_N;

    if (raster_fmt || o->lines || thumb) {
        page.style.window = raster_fmt && window;
        if ((st = dg_render_raster(&page, scale, o->lines ? &lines : NULL, &surf, err)) != AP_OK)
            goto out;
        if (!(pix = dg_pix_from_surface(surf))) {
            st = ap_fail(err, AP_ERR_NOMEM, "datagen: out of memory (page)");
            goto out;
        }
        size_t k = 0;
        int line_jpeg = fmt == DG_FMT_JPG ? jpeg_q : 0;
        if (o->lines && ((st = write_lines(jb, base, pix, &lines, page.split, line_jpeg, &rr, &k,
                                           &manifest, err)) != AP_OK ||
                         (st = write_text_lines(jb, i, base, &page, scale, line_jpeg, &k, &tlines,
                                                &manifest, err)) != AP_OK))
            goto out;
        if (raster_fmt) {
            if ((st = dg_degrade_page(&pix, o->degrade, &rr, err)) != AP_OK) goto out;
            snprintf(path, sizeof path, "%s/%s", o->out_dir, source);
            if ((st = write_pix(pix, path, fmt == DG_FMT_JPG, jpeg_q, err)) != AP_OK) goto out;
        }
        if (thumb) {
            PIX *t = pixScaleToSize(pix, 480, 0);
            pthread_mutex_lock(&jb->mu);
            jb->thumbs[i] = t;
            pthread_mutex_unlock(&jb->mu);
        }
    }
    snprintf(path, sizeof path, "%s/%s", o->out_dir, source);
    if (fmt == DG_FMT_PDF) {
        page.style.window = false;
        st = dg_render_pdf(&page, path, err);
        if (st != AP_OK) goto out;
    } else if (fmt == DG_FMT_DOCX) {
        void *docx = NULL;
        size_t docx_len = 0;
        if ((st = dg_docx_build(&page, &docx, &docx_len, err)) == AP_OK)
            st = write_file(path, docx, docx_len, err);
        free(docx);
        if (st != AP_OK) goto out;
    }

    json_t *j = tt_doc_to_json(&gold, 0);
    json = j ? json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    if (!json) {
        st = ap_fail(err, AP_ERR_NOMEM, "datagen: out of memory (gold)");
        goto out;
    }
    snprintf(path, sizeof path, "%s/%s.json", o->out_dir, base);
    if ((st = write_file(path, json, strlen(json), err)) != AP_OK) goto out;

    if (o->lines) {
        size_t mlen = 0;
        char *chunk = sbuf_take(&manifest, &mlen);
        if (!chunk && manifest.oom) {
            st = ap_fail(err, AP_ERR_NOMEM, "datagen: out of memory (manifest)");
            goto out;
        }
        pthread_mutex_lock(&jb->mu);
        /* A worker never runs more than `window` documents ahead of the flushed one
         * (see worker()), so the slot is free. */
        size_t slot = i % jb->window;
        jb->pending[slot] = chunk;
        jb->pending_split[slot] = page.split;
        jb->pending_ready[slot] = true;
        for (size_t k = 0; k < lines.n; k++)
            charset_mark(jb->charset, lines.v[k].text);
        for (size_t k = 0; k < tlines.n; k++)
            charset_mark(jb->charset, tlines.v[k].text);
        st = flush_manifests(jb, err);
        pthread_mutex_unlock(&jb->mu);
    }
out:
    free(json);
    sbuf_free(&manifest);
    pixDestroy(&pix);
    if (surf) cairo_surface_destroy(surf);
    dg_lines_free(&lines);
    dg_lines_free(&tlines);
    if (built) {
        dg_page_free(&page);
        tt_doc_free(&gold);
    }
    return st;
}

static void *worker(void *arg)
{
    job *jb = arg;
    for (;;) {
        pthread_mutex_lock(&jb->mu);
        /* Stay within the manifest window: wait (briefly) while the oldest unflushed
         * document is more than window-1 behind. Only relevant with --lines. */
        while (!jb->failed && jb->o->lines && jb->next < jb->o->count &&
               jb->next >= jb->flushed + jb->window) {
            pthread_mutex_unlock(&jb->mu);
            struct timespec ts = {0, 2000000};
            nanosleep(&ts, NULL);
            pthread_mutex_lock(&jb->mu);
        }
        if (jb->failed || jb->next >= jb->o->count) {
            pthread_mutex_unlock(&jb->mu);
            break;
        }
        size_t i = jb->next++;
        pthread_mutex_unlock(&jb->mu);

        ap_error err = {0};
        ap_status st = gen_one(jb, i, &err);

        pthread_mutex_lock(&jb->mu);
        if (st != AP_OK && !jb->failed) {
            jb->failed = true;
            jb->err = err;
        }
        jb->done++;
        double t = now_s();
        if (jb->o->progress && (t - jb->last_report >= 1.0 || jb->done == jb->o->count)) {
            jb->last_report = t;
            fprintf(stderr, "datagen: %zu/%zu documents, %.1f s\n", jb->done, jb->o->count,
                    t - jb->t0);
        }
        pthread_mutex_unlock(&jb->mu);
    }
    return NULL;
}

static ap_status write_contact_sheet(job *jb, ap_error *err)
{
    PIXA *pixa = pixaCreate(CONTACT_N);
    PIX *sheet = NULL;
    ap_status st = AP_OK;
    if (!pixa) return ap_fail(err, AP_ERR_NOMEM, "datagen: out of memory (contact sheet)");
    for (int i = 0; i < CONTACT_N; i++)
        if (jb->thumbs[i] && pixaAddPix(pixa, jb->thumbs[i], L_CLONE) != 0) {
            st = ap_fail(err, AP_ERR_NOMEM, "datagen: out of memory (contact sheet)");
            goto out;
        }
    if (pixaGetCount(pixa) == 0) goto out;
    sheet = pixaDisplayTiledInColumns(pixa, 4, 1.0, 12, 2);
    if (!sheet) {
        st = ap_fail(err, AP_ERR_PROCESSING, "datagen: the contact sheet could not be composed");
        goto out;
    }
    st = write_pix(sheet, jb->o->contact_sheet, false, 0, err);
out:
    pixDestroy(&sheet);
    pixaDestroy(&pixa);
    return st;
}

ap_status dg_generate(const dg_options *o, ap_error *err)
{
    ap_status st = AP_OK;
    if (!o || !o->out_dir || !*o->out_dir || o->count < 1 || o->count > DG_MAX_COUNT ||
        o->jobs < 1 || o->jobs > DG_MAX_JOBS || (o->formats & ~0xfu) || !o->formats ||
        o->layout < 0 || o->layout >= DG_LAYOUT_COUNT || o->oldstyle < 0 || o->oldstyle > 100)
        return ap_fail(err, AP_ERR_INVALID, "datagen: invalid options");
    job *jb = calloc(1, sizeof *jb);
    if (!jb) return ap_fail(err, AP_ERR_NOMEM, "datagen: out of memory");
    pthread_t threads[DG_MAX_JOBS];
    int started = 0;
    bool mu_ok = false;
    jb->o = o;
    jb->name_digits = 4;
    for (size_t c = o->count; c >= 10000; c /= 10)
        jb->name_digits++;
    if (pthread_mutex_init(&jb->mu, NULL) != 0) {
        st = ap_fail(err, AP_ERR_INTERNAL, "datagen: mutex");
        goto out;
    }
    mu_ok = true;
    if ((st = ensure_dir(o->out_dir, err)) != AP_OK) goto out;
    dg_fonts_init(&jb->fonts);
    if (jb->fonts.n == 0)
        fprintf(stderr, "datagen: warning: none of the known font families is installed "
                        "(scripts/install-deps.sh)\n");
    if (o->lines) {
        char path[4096];
        snprintf(path, sizeof path, "%s/lines", o->out_dir);
        if ((st = ensure_dir(path, err)) != AP_OK) goto out;
        jb->window = (size_t)o->jobs * 4;
        jb->pending = calloc(jb->window, sizeof *jb->pending);
        jb->pending_split = calloc(jb->window, sizeof *jb->pending_split);
        jb->pending_ready = calloc(jb->window, sizeof *jb->pending_ready);
        jb->charset = calloc(0x110000 / 8, 1);
        if (!jb->pending || !jb->pending_split || !jb->pending_ready || !jb->charset) {
            st = ap_fail(err, AP_ERR_NOMEM, "datagen: out of memory");
            goto out;
        }
        for (int s = 0; s < 3; s++) {
            snprintf(path, sizeof path, "%s/lines/%s.jsonl", o->out_dir, split_names[s]);
            if (!(jb->manifest[s] = fopen(path, "w"))) {
                st = ap_fail(err, AP_ERR_IO, "%s: %s", path, strerror(errno));
                goto out;
            }
        }
    }
    if ((st = dg_render_setup(err)) != AP_OK) goto out;
    jb->t0 = jb->last_report = now_s();
    int nthreads = (size_t)o->jobs > o->count ? (int)o->count : o->jobs;
    for (; started < nthreads; started++)
        if (pthread_create(&threads[started], NULL, worker, jb) != 0) break;
    if (started == 0) {
        st = ap_fail(err, AP_ERR_INTERNAL, "datagen: cannot start a thread");
        goto out;
    }
    for (int t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    if (jb->failed) {
        *err = jb->err;
        st = jb->err.code != AP_OK ? jb->err.code : AP_ERR_INTERNAL;
        goto out;
    }
    if (o->lines) {
        char path[4096];
        snprintf(path, sizeof path, "%s/lines/charset.txt", o->out_dir);
        if ((st = write_charset(jb->charset, path, err)) != AP_OK) goto out;
    }
    if (o->contact_sheet && (st = write_contact_sheet(jb, err)) != AP_OK) goto out;
out:
    dg_render_teardown(); /* no thread runs any more */
    for (int s = 0; s < 3; s++)
        if (jb->manifest[s] && fclose(jb->manifest[s]) != 0 && st == AP_OK)
            st = ap_fail(err, AP_ERR_IO, "%s/lines: manifest write failed", o->out_dir);
    if (jb->pending)
        for (size_t k = 0; k < jb->window; k++)
            free(jb->pending[k]);
    free(jb->pending);
    free(jb->pending_split);
    free(jb->pending_ready);
    free(jb->charset);
    for (int i = 0; i < CONTACT_N; i++)
        pixDestroy(&jb->thumbs[i]);
    if (mu_ok) pthread_mutex_destroy(&jb->mu);
    free(jb);
    return st;
}
