#include "core/metrics.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/sbuf.h"

typedef enum { KIND_COUNTER, KIND_GAUGE, KIND_HISTOGRAM } metric_kind;

typedef struct series {
    char *labels[METRICS_MAX_LABELS];
    double value;          /* counter, gauge */
    unsigned long *counts; /* histogram: one per bucket, not cumulative */
    unsigned long count;
    double sum;
} series;

struct metric {
    metrics *reg;
    metric_kind kind;
    char *name, *help;
    char *label_names[METRICS_MAX_LABELS];
    size_t nlabels;
    double *buckets;
    size_t nbuckets;
    series *series;
    size_t nseries, capseries;
    struct metric *next;
};

struct metrics {
    pthread_mutex_t lock;
    metric *first, *last;
    metric *dropped; /* metrics_series_dropped_total */
    bool process;
};

static void metric_free(metric *m)
{
    for (size_t s = 0; s < m->nseries; s++) {
        for (size_t l = 0; l < m->nlabels; l++)
            free(m->series[s].labels[l]);
        free(m->series[s].counts);
    }
    for (size_t l = 0; l < m->nlabels; l++)
        free(m->label_names[l]);
    free(m->series);
    free(m->buckets);
    free(m->name);
    free(m->help);
    free(m);
}

static metric *declare(metrics *reg, metric_kind kind, const char *name, const char *help,
                       const char *labels, const double *buckets, size_t nbuckets)
{
    metric *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->reg = reg;
    m->kind = kind;
    m->name = strdup(name);
    m->help = strdup(help);
    bool ok = m->name && m->help;
    for (const char *p = labels; ok && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (m->nlabels == METRICS_MAX_LABELS || !(m->label_names[m->nlabels++] = strndup(p, len)))
            ok = false;
        p += len + (comma != NULL);
    }
    if (ok && nbuckets) {
        m->buckets = malloc(nbuckets * sizeof *m->buckets);
        if (m->buckets) memcpy(m->buckets, buckets, nbuckets * sizeof *buckets);
        m->nbuckets = nbuckets;
        ok = m->buckets != NULL;
    }
    pthread_mutex_lock(&reg->lock);
    for (metric *o = reg->first; ok && o; o = o->next)
        if (strcmp(o->name, name) == 0) ok = false;
    if (ok) {
        if (reg->last)
            reg->last->next = m;
        else
            reg->first = m;
        reg->last = m;
    }
    pthread_mutex_unlock(&reg->lock);
    if (!ok) {
        metric_free(m);
        return NULL;
    }
    return m;
}

metrics *metrics_new(bool with_process_metrics)
{
    metrics *reg = calloc(1, sizeof *reg);
    if (!reg) return NULL;
    pthread_mutex_init(&reg->lock, NULL);
    reg->process = with_process_metrics;
    reg->dropped = declare(reg, KIND_COUNTER, "metrics_series_dropped_total",
                           "Observations dropped because a family reached its series limit.",
                           "metric", NULL, 0);
    if (!reg->dropped) {
        metrics_free(reg);
        return NULL;
    }
    return reg;
}

void metrics_free(metrics *reg)
{
    if (!reg) return;
    for (metric *m = reg->first, *next; m; m = next) {
        next = m->next;
        metric_free(m);
    }
    pthread_mutex_destroy(&reg->lock);
    free(reg);
}

metric *metrics_counter(metrics *reg, const char *name, const char *help, const char *labels)
{
    return declare(reg, KIND_COUNTER, name, help, labels, NULL, 0);
}

metric *metrics_gauge(metrics *reg, const char *name, const char *help, const char *labels)
{
    return declare(reg, KIND_GAUGE, name, help, labels, NULL, 0);
}

metric *metrics_histogram(metrics *reg, const char *name, const char *help, const char *labels,
                          const double *buckets, size_t nbuckets)
{
    return declare(reg, KIND_HISTOGRAM, name, help, labels, buckets, nbuckets);
}

/* Finds or creates the series for label_values; lock held. NULL when full or OOM. */
static series *series_get(metric *m, const char *const *label_values)
{
    for (size_t s = 0; s < m->nseries; s++) {
        size_t l = 0;
        while (l < m->nlabels && strcmp(m->series[s].labels[l], label_values[l]) == 0)
            l++;
        if (l == m->nlabels) return &m->series[s];
    }
    if (m->nseries == METRICS_MAX_SERIES) return NULL;
    if (m->nseries == m->capseries) {
        size_t cap = m->capseries ? m->capseries * 2 : 8;
        series *grown = realloc(m->series, cap * sizeof *grown);
        if (!grown) return NULL;
        m->series = grown;
        m->capseries = cap;
    }
    series *s = &m->series[m->nseries];
    *s = (series){0};
    bool ok = true;
    for (size_t l = 0; l < m->nlabels; l++)
        ok &= (s->labels[l] = strdup(label_values[l])) != NULL;
    if (ok && m->nbuckets) ok = (s->counts = calloc(m->nbuckets, sizeof *s->counts)) != NULL;
    if (!ok) {
        for (size_t l = 0; l < m->nlabels; l++)
            free(s->labels[l]);
        free(s->counts);
        return NULL;
    }
    m->nseries++;
    return s;
}

/* Applies one update under the lock; op: 0 add, 1 set, 2 observe. */
static void update(metric *m, const char *const *label_values, double v, int op)
{
    if (!m) return;
    pthread_mutex_lock(&m->reg->lock);
    series *s = series_get(m, label_values);
    if (!s) {
        series *d = series_get(m->reg->dropped, (const char *const[]){m->name});
        if (d) d->value += 1;
    } else if (op == 0) {
        s->value += v;
    } else if (op == 1) {
        s->value = v;
    } else {
        size_t b = 0;
        while (b < m->nbuckets && v > m->buckets[b])
            b++;
        if (b < m->nbuckets) s->counts[b]++;
        s->count++;
        s->sum += v;
    }
    pthread_mutex_unlock(&m->reg->lock);
}

void metric_add(metric *m, const char *const *label_values, double delta)
{
    update(m, label_values, delta, 0);
}

void metric_set(metric *m, const char *const *label_values, double value)
{
    update(m, label_values, value, 1);
}

void metric_observe(metric *m, const char *const *label_values, double value)
{
    update(m, label_values, value, 2);
}

static void put_escaped(sbuf *b, const char *s, bool label)
{
    for (; *s; s++) {
        if (*s == '\\')
            sbuf_puts(b, "\\\\");
        else if (*s == '\n')
            sbuf_puts(b, "\\n");
        else if (*s == '"' && label)
            sbuf_puts(b, "\\\"");
        else
            sbuf_append(b, s, 1);
    }
}

/* Writes name{labels[,le="x"]} value. */
static void put_sample(sbuf *b, const metric *m, const series *s, const char *suffix,
                       const char *le, double value)
{
    sbuf_printf(b, "%s%s", m->name, suffix);
    if (m->nlabels || le) {
        sbuf_puts(b, "{");
        for (size_t l = 0; l < m->nlabels; l++) {
            sbuf_printf(b, "%s%s=\"", l ? "," : "", m->label_names[l]);
            put_escaped(b, s->labels[l], true);
            sbuf_puts(b, "\"");
        }
        if (le) sbuf_printf(b, "%sle=\"%s\"", m->nlabels ? "," : "", le);
        sbuf_puts(b, "}");
    }
    sbuf_printf(b, " %.17g\n", value);
}

static void put_header(sbuf *b, const char *name, const char *help, const char *type)
{
    sbuf_printf(b, "# HELP %s ", name);
    put_escaped(b, help, false);
    sbuf_printf(b, "\n# TYPE %s %s\n", name, type);
}

static void render_family(sbuf *b, const metric *m)
{
    static const char *const types[] = {"counter", "gauge", "histogram"};
    put_header(b, m->name, m->help, types[m->kind]);
    for (size_t i = 0; i < m->nseries; i++) {
        const series *s = &m->series[i];
        if (m->kind != KIND_HISTOGRAM) {
            put_sample(b, m, s, "", NULL, s->value);
            continue;
        }
        unsigned long cumulative = 0;
        for (size_t k = 0; k < m->nbuckets; k++) {
            char le[32];
            snprintf(le, sizeof le, "%g", m->buckets[k]);
            cumulative += s->counts[k];
            put_sample(b, m, s, "_bucket", le, (double)cumulative);
        }
        put_sample(b, m, s, "_bucket", "+Inf", (double)s->count);
        put_sample(b, m, s, "_sum", NULL, s->sum);
        put_sample(b, m, s, "_count", NULL, (double)s->count);
    }
}

static int count_open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n - 1; /* the directory stream's own descriptor */
}

/* Process metrics, named as the Prometheus client libraries name them. */
static void render_process(sbuf *b)
{
    long ticks = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
    FILE *f = fopen("/proc/self/stat", "r");
    unsigned long utime = 0, stime = 0, vsize = 0;
    unsigned long long start = 0;
    long rss = 0;
    if (f) {
        char line[1024];
        if (fgets(line, sizeof line, f)) {
            const char *p = strrchr(line, ')'); /* the command name may hold spaces */
            if (p)
                sscanf(p + 2,
                       "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d "
                       "%*d %*d %llu %lu %ld",
                       &utime, &stime, &start, &vsize, &rss);
        }
        fclose(f);
    }
    double boot = 0;
    f = fopen("/proc/stat", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "btime %lf", &boot) == 1) break;
        fclose(f);
    }
    struct rlimit rl = {0};
    getrlimit(RLIMIT_NOFILE, &rl);

    put_header(b, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
               "counter");
    sbuf_printf(b, "process_cpu_seconds_total %.17g\n", (double)(utime + stime) / (double)ticks);
    put_header(b, "process_resident_memory_bytes", "Resident memory size in bytes.", "gauge");
    sbuf_printf(b, "process_resident_memory_bytes %ld\n", rss * page);
    put_header(b, "process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge");
    sbuf_printf(b, "process_virtual_memory_bytes %lu\n", vsize);
    put_header(b, "process_open_fds", "Number of open file descriptors.", "gauge");
    sbuf_printf(b, "process_open_fds %d\n", count_open_fds());
    put_header(b, "process_max_fds", "Maximum number of open file descriptors.", "gauge");
    sbuf_printf(b, "process_max_fds %.17g\n", (double)rl.rlim_cur);
    put_header(b, "process_start_time_seconds",
               "Start time of the process since unix epoch in seconds.", "gauge");
    sbuf_printf(b, "process_start_time_seconds %.17g\n", boot + (double)start / (double)ticks);
}

char *metrics_render(metrics *reg, size_t *len)
{
    sbuf b = {0};
    pthread_mutex_lock(&reg->lock);
    for (const metric *m = reg->first; m; m = m->next)
        render_family(&b, m);
    pthread_mutex_unlock(&reg->lock);
    if (reg->process) render_process(&b);
    return sbuf_take(&b, len);
}
