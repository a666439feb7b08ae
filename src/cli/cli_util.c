#include <stdarg.h>
#include <stdio.h>

#include "cli/cli.h"

int cli_die_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "aipipe %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see 'aipipe %s --help')\n", cmd);
    va_end(ap);
    return 2;
}
