/* `aipipe ocr FILE`: one image's text as JSON, through the same decoder and engine as the
 * service. For scripts and benchmarks. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/upload.h"
#include "ocr/ocr.h"
#include "vision/image.h"

static const char *const layouts[] = {"page", "block", "line", "word"};

static void usage(FILE *out)
{
    fprintf(out, "usage: aipipe ocr FILE [--layout page|block|line|word] [--language LANG]\n"
                 "                       [--tessdata-dir DIR]\n\n"
                 "Reads the text of one image (png, jpeg, tiff, bmp, pnm, gif, webp) and prints\n"
                 "{\"text\", \"confidence\", \"words\": [...]} as JSON on stdout.\n"
                 "Exit codes: 0 ok, 1 the image could not be read, 2 bad arguments.\n");
}

int cli_ocr(int argc, char **argv)
{
    const char *file = NULL, *language = "eng", *tessdata = NULL;
    ocr_layout layout = OCR_LAYOUT_PAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if ((strcmp(a, "--layout") == 0 || strcmp(a, "--language") == 0 ||
             strcmp(a, "--tessdata-dir") == 0) &&
            i + 1 >= argc)
            return cli_die_usage("ocr", "%s needs a value", a);
        if (strcmp(a, "--layout") == 0) {
            const char *v = argv[++i];
            int k = 0;
            while (k < 4 && strcmp(layouts[k], v) != 0)
                k++;
            if (k == 4) return cli_die_usage("ocr", "--layout must be page, block, line or word");
            layout = (ocr_layout)k;
        } else if (strcmp(a, "--language") == 0) {
            language = argv[++i];
        } else if (strcmp(a, "--tessdata-dir") == 0) {
            tessdata = argv[++i];
        } else if (a[0] == '-' || file) {
            return cli_die_usage("ocr", "unexpected argument '%s'", a);
        } else {
            file = a;
        }
    }
    if (!file) return cli_die_usage("ocr", "no FILE given");

    ap_error err = {0};
    unsigned char *data = NULL;
    size_t len = 0;
    PIX *pix = NULL;
    ocr_engine *engine = NULL;
    ocr_result result = {0};
    int rc = 1;
    img_info info;
    ocr_options opts = {.engine = "tesseract", .language = language, .datapath = tessdata};
    if (upload_read_file(file, (size_t)1 << 30, &data, &len, &err) != AP_OK ||
        img_decode(data, len, 1000000000, &pix, &info, &err) != AP_OK ||
        ocr_engine_open(&opts, &engine, &err) != AP_OK ||
        ocr_recognize(engine, pix, &(ocr_params){.layout = layout}, &result, &err) != AP_OK) {
        fprintf(stderr, "aipipe ocr: %s: %s\n", file, err.msg);
        goto out;
    }
    json_t *out = ocr_result_json(&result);
    json_object_set_new(out, "model_version", json_string(ocr_engine_version(engine)));
    json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(out);
    rc = 0;
out:
    ocr_result_free(&result);
    ocr_engine_close(engine);
    pixDestroy(&pix);
    free(data);
    return rc;
}
