/* TESTABLE marks a function that is static in release builds and visible to the unit
 * tests (built with AIPIPE_TESTING), so tests reach internals without widening headers.
 * Tests declare the prototypes they use themselves. */
#ifndef AP_TESTABLE_H
#define AP_TESTABLE_H

#ifdef AIPIPE_TESTING
#define TESTABLE
#else
#define TESTABLE static
#endif

#endif
