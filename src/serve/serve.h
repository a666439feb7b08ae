/* serve: the inference service (`aipipe serve`): OCR over HTTP, health and metrics. */
#ifndef AP_SERVE_H
#define AP_SERVE_H

/* Runs the service until SIGTERM or SIGINT, then drains and returns the exit code
 * (0 after a clean drain, 1 when start-up failed, 2 for bad configuration). */
int serve_main(int argc, char **argv);

#endif
