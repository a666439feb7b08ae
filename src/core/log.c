#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static log_format log_fmt = LOG_FORMAT_TEXT;
static log_level log_min = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_setup(log_format format, log_level min_level)
{
    log_fmt = format;
    log_min = min_level;
}

int log_level_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (name && strcasecmp(name, level_names[i]) == 0) return i;
    return -1;
}

/* One write(2) per line keeps concurrent lines whole (stderr is unbuffered anyway). */
static void write_line(const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, s, n);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

void log_emit(log_level level, const char *request_id, json_t *fields, const char *fmt, ...)
{
    if (level < log_min) {
        json_decref(fields);
        return;
    }
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    if (log_fmt == LOG_FORMAT_TEXT) {
        char line[4096];
        int n =
            snprintf(line, sizeof line, "aipipe: %s%s", level >= LOG_WARN ? level_names[level] : "",
                     level >= LOG_WARN ? ": " : "");
        n += snprintf(line + n, sizeof line - (size_t)n, "%s", msg);
        const char *key;
        json_t *val;
        json_object_foreach(fields, key, val)
        {
            if ((size_t)n >= sizeof line - 1) break;
            char *v = json_is_string(val) ? NULL : json_dumps(val, JSON_ENCODE_ANY | JSON_COMPACT);
            n += snprintf(line + n, sizeof line - (size_t)n, " %s=%s", key,
                          v ? v : json_string_value(val));
            free(v);
        }
        if ((size_t)n >= sizeof line - 1) n = (int)sizeof line - 2;
        line[n++] = '\n';
        write_line(line, (size_t)n);
        json_decref(fields);
        return;
    }

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[40];
    size_t w = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + w, sizeof when - w, ".%03ldZ", ts.tv_nsec / 1000000);

    json_t *line = json_object();
    json_object_set_new(line, "time", json_string(when));
    json_object_set_new(line, "level", json_string(level_names[level]));
    json_object_set_new(line, "message", json_string(msg));
    if (request_id) json_object_set_new(line, "request_id", json_string(request_id));
    if (json_is_object(fields)) json_object_update_missing(line, fields);
    json_decref(fields);
    char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(line);
    if (!text) return;
    size_t len = strlen(text);
    text[len] = '\n'; /* json_dumps leaves room: replace the NUL, write len+1 bytes */
    write_line(text, len + 1);
    free(text);
}
