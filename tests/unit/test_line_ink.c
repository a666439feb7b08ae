/* Proves: the colour of a line of OCR text is measured on its strokes (the darkest tenth
 * of its box), whatever paper and anti-aliasing surround them; lines in one ink measured
 * apart by small print's lightness are one ink, while a blue, green or light grey note
 * beside black or dark grey text is another; born-digital colours differ at any
 * difference; and a cell whose second line is in another ink reads it as notes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <leptonica/allheaders.h>

#include "test_grid_fixture.h"

unsigned tt_line_ink(PIX *rgb, PIX *grey, const tt_bbox *b); /* TESTABLE */

/* Strokes of colour ink, 2 px wide every 6 px, with a lighter edge on each side, on
 * cream paper: the measure takes the strokes' cores. */
static void test_ink_measured(void **state)
{
    (void)state;
    PIX *rgb = pixCreate(120, 40, 32);
    assert_non_null(rgb);
    pixSetAllArbitrary(rgb, 0xf5efe000); /* RGBA: cream */
    const int r = 0x1f, g = 0x4e, b = 0x9c;
    for (int x = 10; x < 110; x += 6)
        for (int y = 10; y < 30; y++) {
            pixSetRGBPixel(rgb, x, y, r, g, b);
            pixSetRGBPixel(rgb, x + 1, y, r, g, b);
            pixSetRGBPixel(rgb, x - 1, y, (r + 0xf5) / 2, (g + 0xef) / 2, (b + 0xe0) / 2);
            pixSetRGBPixel(rgb, x + 2, y, (r + 0xf5) / 2, (g + 0xef) / 2, (b + 0xe0) / 2);
        }
    PIX *grey = pixConvertRGBToLuminance(rgb);
    assert_non_null(grey);
    unsigned ink = tt_line_ink(rgb, grey, &(tt_bbox){1, 5, 5, 110, 30});
    assert_true(ink & TT_INK_KNOWN);
    assert_int_equal((ink >> 16) & 0xff, r);
    assert_int_equal((ink >> 8) & 0xff, g);
    assert_int_equal(ink & 0xff, b);
    assert_int_equal(tt_line_ink(rgb, grey, &(tt_bbox){1, 200, 5, 20, 20}), 0); /* off page */
    pixDestroy(&grey);
    pixDestroy(&rgb);
}

static tt_line line(unsigned rgb, unsigned flags)
{
    return (tt_line){.text = "x", .ink = TT_INK_KNOWN | rgb, .flags = flags};
}

static void test_inks_apart(void **state)
{
    (void)state;
    tt_line black = line(0x101010, 0), pale = line(0x353535, 0), darker = line(0x111111, 0);
    tt_line blue = line(0x1f4e9b, 0), green = line(0x2d692d, 0);
    tt_line grey = line(0x9396a0, 0), slate = line(0x5a5f70, 0);
    assert_false(tt_ink_differs(&pale, &darker)); /* small print's lightness varies */
    assert_true(tt_ink_differs(&black, &blue));
    assert_true(tt_ink_differs(&black, &green));
    assert_true(tt_ink_differs(&grey, &slate)); /* a light grey note under dark grey */
    tt_line unknown = {.text = "x"};
    assert_false(tt_ink_differs(&black, &unknown));
    tt_line e1 = line(0x000000, TT_LINE_EXACT), e2 = line(0x111111, TT_LINE_EXACT);
    assert_true(tt_ink_differs(&e1, &e2)); /* the document's own colours */
}

/* Days as rows; Monday's lesson prints "Phonics" over "Room 12" in nearly its size, the
 * room in green. */
static void test_other_ink_is_notes(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 3, 2);
    add_cell(t, 0, 0, 1, 1, "");
    add_cell(t, 0, 1, 1, 1, "9:00 - 10:00");
    add_cell(t, 1, 0, 1, 1, "Monday");
    add_cell(t, 1, 1, 1, 1, "Phonics|Room 12");
    add_cell(t, 2, 0, 1, 1, "Tuesday");
    add_cell(t, 2, 1, 1, 1, "Maths|Hall");
    t->cells[3].lines[1].height = 18; /* 0.9 of the title: not smaller type */
    t->cells[5].lines[1].height = 18;
    t->cells[3].lines[0].ink = TT_INK_KNOWN | 0x151515;
    t->cells[3].lines[1].ink = TT_INK_KNOWN | 0x2d692d;
    t->cells[5].lines[0].ink = TT_INK_KNOWN | 0x151515;
    t->cells[5].lines[1].ink = TT_INK_KNOWN | 0x303030;
    tt_doc d;
    interpret(&page, &d);
    const tt_block *b = tb_get(&d, 0, "Phonics");
    assert_non_null(b->notes);
    assert_string_equal(b->notes, "Room 12");
    tb_get(&d, 1, "Maths Hall");
    tt_doc_free(&d);
    tt_page_free(&page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ink_measured),
        cmocka_unit_test(test_inks_apart),
        cmocka_unit_test(test_other_ink_is_notes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
