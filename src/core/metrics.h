/* metrics: a Prometheus registry (counters, gauges, histograms with labels) and its text
 * exposition format (version 0.0.4).
 *
 * A family is declared once with its label names; each distinct tuple of label values is
 * a series created on first use. Label values must come from bounded sets (route names,
 * status codes, model names): a family refuses new series past METRICS_MAX_SERIES and
 * counts the refusals in metrics_series_dropped_total. All calls are thread-safe; one
 * mutex per registry, held only for a lookup and an add.
 *
 * Process metrics (CPU, memory, open files, start time) are read from /proc at render
 * time when metrics_new() was asked for them. */
#ifndef AP_METRICS_H
#define AP_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#define METRICS_MAX_LABELS 4
#define METRICS_MAX_SERIES 1024

typedef struct metrics metrics;
typedef struct metric metric;

/* Returns a new empty registry, or NULL when out of memory. */
metrics *metrics_new(bool with_process_metrics);
void metrics_free(metrics *reg);

/* Declares a family. labels is a comma-separated list of label names ("endpoint,status")
 * or "" for none. Returns a handle owned by the registry, or NULL when out of memory or
 * when the name is already taken. buckets (histograms) are upper bounds in rising order,
 * copied; +Inf is implied. */
metric *metrics_counter(metrics *reg, const char *name, const char *help, const char *labels);
metric *metrics_gauge(metrics *reg, const char *name, const char *help, const char *labels);
metric *metrics_histogram(metrics *reg, const char *name, const char *help, const char *labels,
                          const double *buckets, size_t nbuckets);

/* label_values holds one value per declared label name, in order (NULL when none).
 * metric_add: counters and gauges; metric_set: gauges; metric_observe: histograms. */
void metric_add(metric *m, const char *const *label_values, double delta);
void metric_set(metric *m, const char *const *label_values, double value);
void metric_observe(metric *m, const char *const *label_values, double value);

/* Renders every family. Returns a NUL-terminated buffer the caller frees (length in *len),
 * or NULL when out of memory. */
char *metrics_render(metrics *reg, size_t *len);

#endif
