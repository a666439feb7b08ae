/* crnn_speed: CPU time per text line of aipipe's OCR models, for the distillation bar
 * (student >= 3x faster than its teacher) in bench/bench_train.sh.
 *
 * usage: crnn_speed MODEL...   (a model directory or .safetensors each)
 * For each model: forward + greedy decoding of one 160-px line at batch 1 on one thread
 * (a fixed pseudo-random image, so every model reads the same input), 20 warm-up passes,
 * then the best of 5 x 100 passes of process CPU time: the figure a loaded machine changes
 * least (wall time there measures the neighbours). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "nn/crnn.h"
#include "nn/nn.h"

#define LINE_W 160

static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: crnn_speed MODEL...\n");
        return 2;
    }
    int rc = 0;
    nn_set_threads(1);
    for (int a = 1; a < argc; a++) {
        nn_crnn *m = NULL;
        char *cs = NULL;
        ap_error err = {0};
        if (nn_crnn_load(argv[a], 1, 512, &m, &cs, &err) != AP_OK) {
            fprintf(stderr, "crnn_speed: %s: %s\n", argv[a], err.msg);
            rc = 1;
            continue;
        }
        const nn_crnn_config *c = nn_crnn_cfg(m);
        float *img = malloc(sizeof(float) * (size_t)c->height * LINE_W);
        if (!img) {
            fprintf(stderr, "crnn_speed: out of memory\n");
            free(cs);
            nn_crnn_free(m);
            return 1;
        }
        uint64_t r = 1;
        for (int i = 0; i < c->height * LINE_W; i++)
            img[i] = nn_rng_uniform(&r) < 0.2f;
        int out[LINE_W], n;
        float conf;
        for (int i = 0; i < 20; i++)
            nn_crnn_forward(m, img, 1, LINE_W, NULL, 0, 0);
        double best = 1e9;
        for (int rep = 0; rep < 5; rep++) {
            double t0 = cpu_s();
            for (int i = 0; i < 100; i++) {
                const float *logits = nn_crnn_forward(m, img, 1, LINE_W, NULL, 0, 0);
                nn_greedy_decode(out, &n, &conf, logits, LINE_W / 4, c->nclasses, LINE_W);
            }
            double t = (cpu_s() - t0) / 100;
            best = t < best ? t : best;
        }
        printf("%s: %.3f ms CPU per %d-px line (forward + greedy, batch 1, one thread), %zu "
               "params\n",
               argv[a], best * 1e3, LINE_W, nn_crnn_nparams(m));
        free(img);
        free(cs);
        nn_crnn_free(m);
    }
    return rc;
}
