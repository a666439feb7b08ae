#include "core/signals.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int signal_pipe[2] = {-1, -1};

static void on_stop_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    ssize_t w = write(signal_pipe[1], &b, 1); /* full pipe: a signal is already pending */
    (void)w;
    errno = saved;
}

ap_status signals_install(ap_error *err)
{
    /* The handler must never block: only the write end is non-blocking. */
    if (signal_pipe[0] < 0 &&
        (pipe2(signal_pipe, O_CLOEXEC) != 0 || fcntl(signal_pipe[1], F_SETFL, O_NONBLOCK) != 0))
        return ap_fail(err, AP_ERR_IO, "cannot create the signal pipe: %s", strerror(errno));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return AP_OK;
}

int signals_wait(void)
{
    for (;;) {
        unsigned char b;
        ssize_t r = read(signal_pipe[0], &b, 1);
        if (r == 1) return b;
        if (r < 0 && errno != EINTR) return SIGTERM; /* cannot wait: behave as if told to stop */
    }
}
