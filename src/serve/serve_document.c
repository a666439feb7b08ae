/* POST /infer/document: a timetable document (image, PDF, DOCX) to its timeblocks.
 *
 * The request borrows one OCR engine from the current model's pool (waiting like
 * /infer/ocr does) and, when more are idle at that moment, up to one per core more, so a
 * lone request reads its cells on every core while a busy service gives each request one.
 * extract.ocr_engine chooses what reads the cells (the model's engine, aipipe's CRNN from
 * extract.ocr_model, or auto: the CRNN with the borrowed engines for doubtful cells); the
 * answer's engine and model_version name the readers that read cells. */
#include <string.h>
#include <unistd.h>

#include "document/extract.h"
#include "serve/serve_internal.h"

#define MAX_ENGINES_PER_REQUEST 8
#define LOW_CONFIDENCE          0.6f /* blocks below it are counted as low-confidence features */

/* With extract_features, stores the document's layout features. */
static void record_features(serve_ctx *sc, const http_request *req, const serve_input *in,
                            const serve_model *m, const tt_doc *doc, double seconds, json_t *body)
{
    const char *id = serve_features_wanted(req, in, "extract_features");
    if (!id) return;
    double conf = 0;
    json_int_t low = 0;
    for (size_t i = 0; i < doc->nblocks; i++) {
        conf += doc->blocks[i].confidence;
        low += doc->blocks[i].confidence < LOW_CONFIDENCE;
    }
    json_t *features = json_pack("{s:I,s:I,s:f,s:f,s:s}", "timeblock_count",
                                 (json_int_t)doc->nblocks, "low_confidence_blocks", low,
                                 "ocr_confidence", doc->nblocks ? conf / (double)doc->nblocks : 0.0,
                                 "processing_time", seconds, "model_version", m->version);
    if (features) serve_features_record(sc, id, features, body);
    json_decref(features);
}

ap_status serve_handle_document(void *ctx, const http_request *req, http_response *resp)
{
    serve_ctx *sc = ctx;
    double started = http_now();
    serve_input in;
    tt_doc doc = {0};
    ocr_engine *engines[MAX_ENGINES_PER_REQUEST];
    size_t nengines = 0;
    ap_error err = {0};
    serve_model *model = serve_model_acquire(sc); /* held: a swap meanwhile does not free it */
    ap_status st = serve_input_read(sc, req, resp, &in);
    if (st != AP_OK) goto out;
    if (!model) {
        st = http_error(resp, AP_ERR_UNAVAILABLE, NULL, "no model is loaded");
        goto out;
    }
    if ((st = serve_check_model(model, in.model_version, resp)) != AP_OK) goto out;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t max =
        cores > 0 && cores < MAX_ENGINES_PER_REQUEST ? (size_t)cores : MAX_ENGINES_PER_REQUEST;
    if ((st = serve_take_engines(sc, model, engines, max, &nengines, resp)) != AP_OK) goto out;
    double left_ms = (sc->request_timeout_s - (http_now() - started)) * 1e3;
    tt_extract_stats stats = {0};
    int mode = tt_ocr_mode_from_name(cfg_str(sc->cfg, "extract.ocr_engine"));
    tt_extract_options opts = {.engines = engines,
                               .nengines = nengines,
                               .threads = (int)nengines,
                               .timeout_ms = left_ms < 1 ? 1 : (int)left_ms,
                               .ocr_mode = mode < 0 ? TT_OCR_TESSERACT : (tt_ocr_mode)mode,
                               .ocr_model = cfg_str(sc->cfg, "extract.ocr_model"),
                               .stats = &stats};
    st = tt_extract_bytes(in.data, in.len, &opts, &doc, &err);
    for (size_t i = 0; i < nengines; i++)
        ap_pool_put(model->pool, engines[i]);
    if (st != AP_OK) {
        http_error(resp, st, NULL, "%s", err.msg);
        goto out;
    }
    if (*in.filename && tt_set_str(&doc.source, in.filename) != AP_OK) {
        st = http_error(resp, AP_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    json_t *body = tt_doc_to_json(&doc, TT_JSON_EXTRAS);
    if (!body) {
        st = http_error(resp, AP_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    double seconds = http_now() - started;
    /* the readers of the cells: the CRNN, the model's engine, or both ("a+b") */
    char engine[160], version[400];
    int crnn = stats.crnn_cells > 0, other = stats.cells > stats.crnn_cells || !crnn;
    snprintf(engine, sizeof engine, "%s%s%s", crnn ? "fine_tuned_ocr" : "",
             crnn && other ? "+" : "", other ? model->engine_name : "");
    snprintf(version, sizeof version, "%s%s%s", crnn ? stats.crnn_version : "",
             crnn && other ? "+" : "", other ? model->version : "");
    json_object_set_new(body, "engine", json_string(engine));
    json_object_set_new(body, "model_version", json_string(version));
    json_object_set_new(body, "processing_time", json_real(seconds));
    record_features(sc, req, &in, model, &doc, seconds, body);
    http_reply_json(resp, 200, body);
out:
    tt_doc_free(&doc);
    serve_input_free(&in);
    serve_model_release(model);
    return st;
}
