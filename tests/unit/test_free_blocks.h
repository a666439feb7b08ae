/* Free-text blocks as the raster reader hands them to tt_free_* (document/readers.h), for
 * the tests of those functions: a block of one line, or two split at '|', at a box of the
 * page; and a check that a document holds a lesson at its times. Include after cmocka.h. */
#ifndef TEST_FREE_BLOCKS_H
#define TEST_FREE_BLOCKS_H

#include <stdlib.h>
#include <string.h>

#include "document/readers.h"

#define MAX_BLOCKS 32

typedef struct blocks {
    tt_free_block b[MAX_BLOCKS];
    tt_line lines[MAX_BLOCKS][2];
    size_t n;
} blocks;

/* A block at (x, y), w x h, of one line, or two split at '|'. */
static inline void add(blocks *bs, int x, int y, int w, int h, const char *text)
{
    assert_true(bs->n < MAX_BLOCKS);
    size_t i = bs->n++;
    const char *bar = strchr(text, '|');
    bs->lines[i][0] = (tt_line){.text = bar ? strndup(text, (size_t)(bar - text)) : strdup(text),
                                .confidence = 90,
                                .height = 20,
                                .width = 0.9f};
    assert_non_null(bs->lines[i][0].text);
    if (bar) bs->lines[i][1] = (tt_line){.text = strdup(bar + 1), .confidence = 90, .height = 20};
    bs->b[i] = (tt_free_block){x, y, w, h, bs->lines[i], bar ? 2 : 1};
}

static inline void blocks_free(blocks *bs)
{
    for (size_t i = 0; i < bs->n; i++)
        for (size_t k = 0; k < bs->b[i].nlines; k++)
            free(bs->lines[i][k].text);
}

/* Fails unless d holds name on day from start to end (minutes); lists what it holds. */
static inline void check(const tt_doc *d, int day, const char *name, int start, int end)
{
    for (size_t i = 0; i < d->nblocks; i++) {
        const tt_block *b = &d->blocks[i];
        if (b->day != day || strcmp(b->name, name) != 0) continue;
        if (b->start != start || b->end != end)
            fail_msg("'%s' day %d: %d-%d, want %d-%d", name, day, b->start, b->end, start, end);
        return;
    }
    for (size_t i = 0; i < d->nblocks; i++)
        print_message("  got day %d '%s' %d-%d\n", d->blocks[i].day, d->blocks[i].name,
                      d->blocks[i].start, d->blocks[i].end);
    fail_msg("no block '%s' on day %d", name, day);
}

#endif
