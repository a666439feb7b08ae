/* The Tesseract engine: Tesseract 5's LSTM recogniser through its C API.
 *
 * One TessBaseAPI per engine handle. Tesseract's own OpenMP threading is 4-8x slower on
 * small machines than one thread per request, so every recognition runs on the calling
 * thread alone (one_thread) and aipipe parallelises across requests and cells. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <tesseract/capi.h>
#include <time.h>

#include "ocr/ocr.h"

static void (*set_max_active_levels)(int);
static pthread_once_t openmp_found = PTHREAD_ONCE_INIT;

static void find_openmp(void)
{
    *(void **)&set_max_active_levels = dlsym(RTLD_DEFAULT, "omp_set_max_active_levels");
}

/* Makes Tesseract's OpenMP loops run on the calling thread only: with no active parallel
 * level allowed, a parallel region is a team of one, as under OMP_THREAD_LIMIT=1 (which
 * libgomp reads only when it is loaded, before main). libgomp keeps this limit per
 * thread, so it is set before every recognition; it is looked up at run time, as
 * Tesseract's dependency, so that aipipe does not link OpenMP itself (a Tesseract built
 * without OpenMP has none to limit). */
static void one_thread(void)
{
    pthread_once(&openmp_found, find_openmp);
    if (set_max_active_levels) set_max_active_levels(0);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static ap_status tess_open(const ocr_options *opts, void **impl, char *version, size_t vsize,
                           ap_error *err)
{
    TessBaseAPI *api = TessBaseAPICreate();
    if (!api) return ap_fail(err, AP_ERR_NOMEM, "tesseract: out of memory");
    /* Tesseract's diagnostics would otherwise go to stderr, outside the JSON log. */
    TessBaseAPISetVariable(api, "debug_file", "/dev/null");
    const char *lang = opts->language && *opts->language ? opts->language : "eng";
    const char *path = opts->datapath && *opts->datapath ? opts->datapath : NULL;
    if (TessBaseAPIInit3(api, path, lang) != 0) {
        TessBaseAPIDelete(api);
        return ap_fail(err, AP_ERR_MODEL_NOT_FOUND, "tesseract: cannot load language '%s' from %s",
                       lang, path ? path : "the default tessdata directory");
    }
    snprintf(version, vsize, "tesseract-%s-%s", TessVersion(), lang);
    *impl = api;
    return AP_OK;
}

static TessPageSegMode layout_psm(ocr_layout layout)
{
    switch (layout) {
    case OCR_LAYOUT_BLOCK:
        return PSM_SINGLE_BLOCK;
    case OCR_LAYOUT_LINE:
        return PSM_SINGLE_LINE;
    case OCR_LAYOUT_WORD:
        return PSM_SINGLE_WORD;
    default:
        return PSM_AUTO;
    }
}

/* Copies the words of the last recognition into out. */
static ap_status collect_words(TessBaseAPI *api, ocr_result *out, ap_error *err)
{
    TessResultIterator *ri = TessBaseAPIGetIterator(api);
    if (!ri) return AP_OK; /* no text found */
    size_t cap = 0;
    double conf_sum = 0;
    ap_status st = AP_OK;
    do {
        char *text = TessResultIteratorGetUTF8Text(ri, RIL_WORD);
        if (!text) continue;
        if (!*text) {
            TessDeleteText(text);
            continue;
        }
        if (out->nwords == cap) {
            cap = cap ? cap * 2 : 32;
            ocr_word *grown = realloc(out->words, cap * sizeof *grown);
            if (!grown) {
                TessDeleteText(text);
                st = ap_fail(err, AP_ERR_NOMEM, "tesseract: out of memory");
                break;
            }
            out->words = grown;
        }
        int l = 0, t = 0, r = 0, b = 0;
        TessPageIteratorBoundingBox(TessResultIteratorGetPageIteratorConst(ri), RIL_WORD, &l, &t,
                                    &r, &b);
        ocr_word *w = &out->words[out->nwords];
        *w = (ocr_word){.text = strdup(text),
                        .confidence = TessResultIteratorConfidence(ri, RIL_WORD),
                        .left = l,
                        .top = t,
                        .width = r - l,
                        .height = b - t};
        TessDeleteText(text);
        if (!w->text) {
            st = ap_fail(err, AP_ERR_NOMEM, "tesseract: out of memory");
            break;
        }
        conf_sum += w->confidence;
        out->nwords++;
    } while (TessResultIteratorNext(ri, RIL_WORD));
    TessResultIteratorDelete(ri);
    out->confidence = out->nwords ? (float)(conf_sum / (double)out->nwords) : 0.0f;
    return st;
}

static ap_status tess_recognize(void *impl, PIX *pix, const ocr_params *params, ocr_result *out,
                                ap_error *err)
{
    TessBaseAPI *api = impl;
    TessBaseAPISetPageSegMode(api, layout_psm(params ? params->layout : OCR_LAYOUT_PAGE));
    /* Tesseract reads every line it is unsure of a second time, inverted, in case it is
     * light text on a dark ground: wasted work when the caller has normalised the image. */
    TessBaseAPISetVariable(api, "tessedit_do_invert",
                           params && (params->flags & OCR_DARK_ON_LIGHT) ? "0" : "1");
    one_thread();
    TessBaseAPISetImage2(api, pix);
    int timeout = params ? params->timeout_ms : 0;
    ETEXT_DESC *monitor = NULL;
    if (timeout > 0) {
        monitor = TessMonitorCreate();
        if (!monitor) return ap_fail(err, AP_ERR_NOMEM, "tesseract: out of memory");
        TessMonitorSetDeadlineMSecs(monitor, timeout);
    }
    double started = now_ms();
    int rc = TessBaseAPIRecognize(api, monitor);
    double elapsed = now_ms() - started;
    TessMonitorDelete(monitor);
    ap_status st = AP_OK;
    if (timeout > 0 && elapsed >= timeout) {
        st = ap_fail(err, AP_ERR_TIMEOUT, "OCR did not finish within %d ms", timeout);
        goto out;
    }
    if (rc != 0) {
        st = ap_fail(err, AP_ERR_PROCESSING, "tesseract: recognition failed");
        goto out;
    }
    char *text = TessBaseAPIGetUTF8Text(api);
    if (text) {
        size_t n = strlen(text);
        while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
            n--;
        out->text = strndup(text, n);
        TessDeleteText(text);
    } else {
        out->text = strdup("");
    }
    if (!out->text) {
        st = ap_fail(err, AP_ERR_NOMEM, "tesseract: out of memory");
        goto out;
    }
    st = collect_words(api, out, err);
out:
    TessBaseAPIClear(api); /* drop the image and results; keep the loaded model */
    return st;
}

static void tess_close(void *impl)
{
    TessBaseAPI *api = impl;
    if (!api) return;
    TessBaseAPIEnd(api);
    TessBaseAPIDelete(api);
}

const ocr_engine_ops ocr_tesseract_ops = {
    .name = "tesseract",
    .open = tess_open,
    .recognize = tess_recognize,
    .close = tess_close,
};
