/* The row-only page of the whitespace tests: a table ruled in rows only (a days column and
 * two periods, Tuesday's lesson across both), drawn with its text at a grey level, and the
 * cut it must be found with. Include after test_draw.h. */
#ifndef AP_TEST_ROW_ONLY_H
#define AP_TEST_ROW_ONLY_H

/* Draws the page on a 760 x 420 canvas, text at grey level ink (0 black, 1 white). */
static inline void row_only_draw(cairo_t *cr, double ink)
{
    int ys[5] = {40, 110, 180, 250, 320};
    for (int i = 0; i < 5; i++)
        rule(cr, 40, ys[i], 720, ys[i]);
    cairo_set_source_rgb(cr, ink, ink, ink);
    const char *days[4] = {"Day", "Monday", "Tuesday", "Friday"};
    for (int r = 0; r < 4; r++) {
        double cy = (ys[r] + ys[r + 1]) / 2.0;
        text(cr, days[r], 110, cy, 0);
        if (r == 2) {
            text(cr, "A long merged lesson", 460, cy, 0); /* over both periods */
            continue;
        }
        text(cr, r ? "Maths" : "9:00", 330, cy, 0);
        text(cr, r ? "Art" : "10:00", 600, cy, 0);
    }
}

/* Fails unless t is the page's table: four rows, three columns, the merged lesson one cell. */
static inline void row_only_assert(const img_table *t)
{
    assert_int_equal(t->nrows, 4);
    assert_int_equal(t->ncols, 3);
    assert_int_equal(cell_at(t, 1, 1)->ncols, 1);
    assert_int_equal(cell_at(t, 2, 1)->ncols, 2); /* the merged lesson */
    assert_int_equal(cell_at(t, 3, 2)->ncols, 1);
}

#endif
