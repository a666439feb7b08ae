#include "core/files.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Creates each prefix of buf ending at a '/', then buf itself; buf is restored. */
static ap_status mkdir_each(char *buf, ap_error *err)
{
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0') continue;
        char c = *p;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return ap_fail(err, AP_ERR_IO, "%s: cannot create: %s", buf, strerror(errno));
        *p = c;
        if (!c) return AP_OK;
    }
}

ap_status files_mkdir_p(const char *dir, ap_error *err)
{
    char buf[PATH_MAX];
    if ((size_t)snprintf(buf, sizeof buf, "%s", dir) >= sizeof buf)
        return ap_fail(err, AP_ERR_INVALID, "%s: path too long", dir);
    if (!*buf) return AP_OK;
    return mkdir_each(buf, err);
}

ap_status files_mkdir_parents(const char *file, ap_error *err)
{
    char buf[PATH_MAX];
    if ((size_t)snprintf(buf, sizeof buf, "%s", file) >= sizeof buf)
        return ap_fail(err, AP_ERR_INVALID, "%s: path too long", file);
    char *slash = strrchr(buf, '/');
    if (!slash || slash == buf) return AP_OK;
    *slash = '\0';
    return mkdir_each(buf, err);
}
