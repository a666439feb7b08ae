/* TESTABLE marks a function that is static in release builds and visible to the unit
 * tests (built with AIPIPE_TESTING), so tests reach internals without widening headers.
 * Tests declare the prototypes they use themselves. */
#ifndef AP_TESTABLE_H
#define AP_TESTABLE_H

#ifdef AIPIPE_TESTING
#define TESTABLE
#else
/* unused: a function kept for the tests alone is dead code in a release build */
#define TESTABLE static __attribute__((unused))
#endif

#endif
