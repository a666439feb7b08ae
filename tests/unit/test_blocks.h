/* Checks of the blocks an extraction gives, shared by the document tests: each names the
 * block by day and name, and a failed check lists every block the document holds. Include
 * after <cmocka.h>. */
#ifndef AP_TEST_BLOCKS_H
#define AP_TEST_BLOCKS_H

#include <string.h>

#include "document/timetable.h"

/* Lists d's blocks in the test's output. */
static inline void tb_print(const tt_doc *d)
{
    for (size_t i = 0; i < d->nblocks; i++)
        print_message("  got day %d '%s' %d-%d\n", d->blocks[i].day, d->blocks[i].name,
                      d->blocks[i].start, d->blocks[i].end);
}

/* The first block named name on day, or NULL. */
static inline const tt_block *tb_find(const tt_doc *d, int day, const char *name)
{
    for (size_t i = 0; i < d->nblocks; i++)
        if (d->blocks[i].day == day && strcmp(d->blocks[i].name, name) == 0) return &d->blocks[i];
    return NULL;
}

/* As tb_find, but fails when there is none. */
static inline const tt_block *tb_get(const tt_doc *d, int day, const char *name)
{
    const tt_block *b = tb_find(d, day, name);
    if (!b) {
        tb_print(d);
        fail_msg("no block '%s' on day %d", name, day);
    }
    return b;
}

/* Whether any block named name on day runs from start to end (minutes). */
static inline int tb_holds(const tt_doc *d, int day, const char *name, int start, int end)
{
    for (size_t i = 0; i < d->nblocks; i++) {
        const tt_block *b = &d->blocks[i];
        if (b->day == day && strcmp(b->name, name) == 0 && b->start == start && b->end == end)
            return 1;
    }
    return 0;
}

/* Fails unless the block named name on day runs from start to end (minutes). */
static inline void tb_check(const tt_doc *d, int day, const char *name, int start, int end)
{
    const tt_block *b = tb_get(d, day, name);
    if (b->start != start || b->end != end) {
        tb_print(d);
        fail_msg("'%s' day %d: %d-%d, want %d-%d", name, day, b->start, b->end, start, end);
    }
}

#endif
