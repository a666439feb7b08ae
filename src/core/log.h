/* log: one logger for the whole process.
 *
 * Services log JSON lines (time, level, message, request_id, then the caller's fields);
 * command-line tools log plain lines for people. Both go to stderr, one write per line, so
 * lines from concurrent threads never interleave. log_setup() is called once at start-up
 * before any thread exists; until then the logger prints text at info level. */
#ifndef AP_LOG_H
#define AP_LOG_H

#include <jansson.h>

typedef enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;
typedef enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON } log_format;

void log_setup(log_format format, log_level min_level);

/* Parses "debug", "info", "warn", "error"; returns -1 for anything else. */
int log_level_parse(const char *name);

/* Logs one line. request_id may be NULL. fields (may be NULL) is a JSON object whose
 * members are added to the line; the logger takes ownership of it. */
void log_emit(log_level level, const char *request_id, json_t *fields, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define log_debug(...) log_emit(LOG_DEBUG, NULL, NULL, __VA_ARGS__)
#define log_info(...)  log_emit(LOG_INFO, NULL, NULL, __VA_ARGS__)
#define log_warn(...)  log_emit(LOG_WARN, NULL, NULL, __VA_ARGS__)
#define log_error(...) log_emit(LOG_ERROR, NULL, NULL, __VA_ARGS__)

#endif
