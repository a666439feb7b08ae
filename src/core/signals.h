/* signals: how a service waits for SIGTERM/SIGINT.
 *
 * Libraries start threads of their own before main (OpenBLAS's pool, for one) and those
 * threads never block our signals, so sigwait() in main is not enough: a SIGTERM delivered
 * to such a thread would take the default action and kill the process mid-request. A
 * handler runs in whichever thread gets the signal; it writes the signal number to a pipe
 * (async-signal-safe) and the service's main thread reads it. SIGPIPE is ignored. */
#ifndef AP_SIGNALS_H
#define AP_SIGNALS_H

#include "core/status.h"

/* Installs the handlers. Call once, early. AP_ERR_IO when the pipe cannot be made. */
ap_status signals_install(ap_error *err);

/* Blocks until SIGTERM or SIGINT arrives; returns the signal number. */
int signals_wait(void);

#endif
