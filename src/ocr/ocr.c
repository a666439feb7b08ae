#include "ocr/ocr.h"

#include <stdlib.h>
#include <string.h>

struct ocr_engine {
    const ocr_engine_ops *ops;
    void *impl;
    char version[96];
};

static const ocr_engine_ops *const engines[] = {&ocr_tesseract_ops, &ocr_crnn_ops};

ap_status ocr_engine_open(const ocr_options *opts, ocr_engine **out, ap_error *err)
{
    *out = NULL;
    const ocr_engine_ops *ops = NULL;
    for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++)
        if (strcmp(engines[i]->name, opts->engine) == 0) ops = engines[i];
    if (!ops) return ap_fail(err, AP_ERR_CONFIG, "unknown OCR engine '%s'", opts->engine);
    ocr_engine *e = calloc(1, sizeof *e);
    if (!e) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    e->ops = ops;
    ap_status st = ops->open(opts, &e->impl, e->version, sizeof e->version, err);
    if (st != AP_OK) {
        free(e);
        return st;
    }
    *out = e;
    return AP_OK;
}

void ocr_engine_close(ocr_engine *e)
{
    if (!e) return;
    e->ops->close(e->impl);
    free(e);
}

const char *ocr_engine_name(const ocr_engine *e)
{
    return e->ops->name;
}

const char *ocr_engine_version(const ocr_engine *e)
{
    return e->version;
}

ap_status ocr_recognize(ocr_engine *e, PIX *pix, const ocr_params *params, ocr_result *out,
                        ap_error *err)
{
    *out = (ocr_result){0};
    ap_status st = e->ops->recognize(e->impl, pix, params, out, err);
    if (st != AP_OK) ocr_result_free(out);
    return st;
}

int ocr_text_prior(const ocr_engine *e, const char *text, double *mean)
{
    return e->ops->text_prior ? e->ops->text_prior(e->impl, text, mean) : 0;
}

void ocr_result_free(ocr_result *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->nwords; i++)
        free(r->words[i].text);
    free(r->words);
    free(r->text);
    *r = (ocr_result){0};
}

json_t *ocr_result_json(const ocr_result *r)
{
    json_t *words = json_array();
    for (size_t i = 0; words && i < r->nwords; i++) {
        const ocr_word *w = &r->words[i];
        json_array_append_new(words,
                              json_pack("{s:s,s:f,s:i,s:i,s:i,s:i}", "text", w->text, "confidence",
                                        w->confidence / 100.0, "left", w->left, "top", w->top,
                                        "width", w->width, "height", w->height));
    }
    return json_pack("{s:s,s:f,s:o}", "text", r->text ? r->text : "", "confidence",
                     r->confidence / 100.0, "words", words);
}
