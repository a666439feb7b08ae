/* ocr: the OCR engine interface, and the engines behind it.
 *
 * An engine reads the text of an image (a page, a cell, a line) and returns words with
 * boxes and confidences. Engines are not thread-safe: one handle serves one thread at a
 * time; services keep a pool of handles (core/pool). Backends are a table of operations
 * chosen by name in ocr_options; ocr_engine_open() is the one constructor.
 *
 * Engines: "tesseract" (Tesseract 5 LSTM through its C API); "fine_tuned_ocr" (aipipe's own
 * CRNN-CTC, src/nn; datapath is the model directory). */
#ifndef AP_OCR_H
#define AP_OCR_H

#include <jansson.h>
#include <leptonica/allheaders.h>
#include <stddef.h>

#include "core/status.h"

typedef struct ocr_word {
    char *text;
    float confidence; /* 0..100 */
    int left, top, width, height;
} ocr_word;

typedef struct ocr_result {
    char *text;       /* the whole text, lines separated by '\n' */
    float confidence; /* mean word confidence, 0..100; 0 when there are no words */
    ocr_word *words;
    size_t nwords;
} ocr_result;

/* How to read one image. */
typedef enum ocr_layout {
    OCR_LAYOUT_PAGE = 0, /* find blocks and lines (a full page) */
    OCR_LAYOUT_BLOCK,    /* one uniform block of text (a table cell) */
    OCR_LAYOUT_LINE,     /* a single text line */
    OCR_LAYOUT_WORD,     /* a single word */
} ocr_layout;

#define OCR_DARK_ON_LIGHT                                                                          \
    (1u << 0) /* the image is dark text on a light ground: engines skip                            \
                 their retry of lines as light-on-dark text */

typedef struct ocr_params {
    ocr_layout layout;
    int timeout_ms; /* 0: none */
    unsigned flags; /* OCR_* above */
} ocr_params;

typedef struct ocr_options {
    const char *engine;   /* "tesseract" */
    const char *language; /* e.g. "eng" */
    const char *datapath; /* model directory, NULL for the engine's default */
} ocr_options;

typedef struct ocr_engine ocr_engine;

/* Opens an engine. On AP_OK *out is ready. AP_ERR_CONFIG for an unknown engine name;
 * AP_ERR_MODEL_NOT_FOUND when the engine's model cannot be loaded. */
ap_status ocr_engine_open(const ocr_options *opts, ocr_engine **out, ap_error *err);
void ocr_engine_close(ocr_engine *e);

/* Engine name ("tesseract") and model version ("tesseract-5.3.0-eng"); static or owned by e. */
const char *ocr_engine_name(const ocr_engine *e);
const char *ocr_engine_version(const ocr_engine *e);

/* Reads pix (8-bit grey or 32-bit RGB). On AP_OK *out holds the result (caller frees with
 * ocr_result_free). AP_ERR_TIMEOUT past params->timeout_ms; AP_ERR_PROCESSING when the
 * engine fails. */
ap_status ocr_recognize(ocr_engine *e, PIX *pix, const ocr_params *params, ocr_result *out,
                        ap_error *err);
void ocr_result_free(ocr_result *r);

/* How plausible text is to the engine's character prior (the CRNN's lm.safetensors): the
 * mean natural log-probability of its characters, each given the ones before it on its line
 * ('\n' starts a line); a character outside the prior's charset costs a uniform guess and
 * starts its context afresh. Returns 1 with *mean set; 0 when the engine has no prior or
 * text has no characters. */
int ocr_text_prior(const ocr_engine *e, const char *text, double *mean);

/* {"text", "confidence", "words": [{"text", "confidence", "left", "top", "width",
 * "height"}]} with confidences as 0..1: the shape every aipipe interface returns.
 * A new reference, or NULL when out of memory. */
json_t *ocr_result_json(const ocr_result *r);

/* The operations a backend provides (internal to src/ocr). */
typedef struct ocr_engine_ops {
    const char *name;
    ap_status (*open)(const ocr_options *opts, void **impl, char *version, size_t vsize,
                      ap_error *err);
    ap_status (*recognize)(void *impl, PIX *pix, const ocr_params *params, ocr_result *out,
                           ap_error *err);
    void (*close)(void *impl);
    int (*text_prior)(const void *impl, const char *text, double *mean); /* or NULL */
} ocr_engine_ops;

extern const ocr_engine_ops ocr_tesseract_ops;
extern const ocr_engine_ops ocr_crnn_ops; /* "fine_tuned_ocr": src/ocr/ocr_crnn.c */

#endif
