/* Free-text blocks as the raster reader hands them to tt_free_* (document/readers.h), for
 * the tests of those functions: a block of one line, or two split at '|', at a box of the
 * page. Include after cmocka.h. */
#ifndef TEST_FREE_BLOCKS_H
#define TEST_FREE_BLOCKS_H

#include <stdlib.h>
#include <string.h>

#include "document/readers.h"
#include "test_blocks.h"

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

#endif
