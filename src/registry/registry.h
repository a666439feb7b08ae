/* registry: `aipipe registry`, the model registry and experiment tracking server. It speaks
 * MLflow's REST API 2.0 (under /api/2.0/mlflow/ and /ajax-api/2.0/mlflow/) over a backend
 * store chosen by URI (reg_store.h), plus /health, /version and /metrics. */
#ifndef AP_REGISTRY_H
#define AP_REGISTRY_H

/* The command: argv from "registry" on. Returns the exit code (0 after a SIGTERM drain,
 * 1 when the server could not start, 2 for bad settings). */
int reg_main(int argc, char **argv);

#endif
