/* grid: the shared page representation (see grid.h): building, freeing, and a cell's
 * text with words broken by the cell's width rejoined. */
#include "document/grid.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"

ap_status tt_lines_add(tt_line **lines, size_t *n, const char *text, float confidence, float height,
                       float width)
{
    tt_line *grown = realloc(*lines, (*n + 1) * sizeof *grown);
    if (!grown) return AP_ERR_NOMEM;
    *lines = grown;
    char *copy = strdup(text ? text : "");
    if (!copy) return AP_ERR_NOMEM;
    grown[*n] = (tt_line){.text = copy, .confidence = confidence, .height = height, .width = width};
    (*n)++;
    return AP_OK;
}

ap_status tt_lines_add_copy(tt_line **lines, size_t *n, const tt_line *line)
{
    if (tt_lines_add(lines, n, line->text, line->confidence, line->height, line->width) != AP_OK)
        return AP_ERR_NOMEM;
    tt_line *to = &(*lines)[*n - 1];
    to->ink = line->ink, to->flags = line->flags, to->box = line->box;
    return AP_OK;
}

void tt_lines_free(tt_line *lines, size_t n)
{
    for (size_t i = 0; lines && i < n; i++)
        free(lines[i].text);
    free(lines);
}

void tt_cells_free(tt_cell *cells, size_t n)
{
    for (size_t i = 0; cells && i < n; i++)
        tt_lines_free(cells[i].lines, cells[i].nlines);
    free(cells);
}

void tt_table_free(tt_table *t)
{
    if (!t) return;
    tt_cells_free(t->cells, t->ncells);
    free(t->row_pos);
    free(t->col_pos);
    memset(t, 0, sizeof *t);
}

void tt_table_add_top_rows(tt_table *t, int *row_pos, tt_cell *cells, size_t n, int add)
{
    for (size_t i = 0; i < t->ncells; i++) {
        cells[n] = t->cells[i];
        cells[n++].row += add;
    }
    free(t->row_pos);
    free(t->cells);
    t->row_pos = row_pos, t->cells = cells, t->ncells = n, t->nrows += add;
    t->bbox.h += t->bbox.y - row_pos[0];
    t->bbox.y = row_pos[0];
}

void tt_page_free(tt_page *page)
{
    if (!page) return;
    for (size_t i = 0; i < page->ntables; i++)
        tt_table_free(&page->tables[i]);
    free(page->tables);
    tt_lines_free(page->free_text, page->nfree);
    memset(page, 0, sizeof *page);
}

/* Short words that stand alone after a line break; anything else short and lower-case
 * that starts a line is the tail of the word above ("Math" / "s"). */
static int is_small_word(const char *w, size_t n)
{
    static const char *const words[] = {"a",  "an", "of",  "to",  "in",  "on",   "at",
                                        "by", "or", "and", "the", "for", "with", "&"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i]) == n && strncmp(words[i], w, n) == 0) return 1;
    return 0;
}

int tt_ink_differs(const tt_line *a, const tt_line *b)
{
    if (!(a->ink & b->ink & TT_INK_KNOWN)) return 0;
    if (a->flags & b->flags & TT_LINE_EXACT) return a->ink != b->ink;
    float ca[3], cb[3], la = 0, lb = 0, dhue = 0;
    for (int k = 0; k < 3; k++) {
        ca[k] = (float)((a->ink >> (8 * k)) & 0xff), cb[k] = (float)((b->ink >> (8 * k)) & 0xff);
        la += ca[k] / 3, lb += cb[k] / 3;
    }
    for (int k = 0; k < 3; k++) {
        float d = (ca[k] - la) - (cb[k] - lb);
        dhue += d * d;
    }
    return fabsf(la - lb) > TT_INK_LIGHTNESS_APART || dhue > TT_INK_HUE_APART * TT_INK_HUE_APART;
}

int tt_line_continues(const tt_line *prev, const tt_line *next)
{
    size_t pn = strlen(prev->text);
    if (!pn || !isalpha((unsigned char)prev->text[pn - 1])) return 0;
    const char *s = next->text;
    if (!islower((unsigned char)s[0])) return 0;
    size_t wn = strcspn(s, " ");
    if (is_small_word(s, wn)) return 0;
    /* a word goes on in the type it started in: another colour, or (where the reader
     * gives exact type sizes) another size, starts something else */
    if (tt_ink_differs(prev, next)) return 0;
    if ((prev->flags & next->flags & TT_LINE_EXACT) &&
        fabsf(prev->height - next->height) > 0.08f * fmaxf(prev->height, next->height))
        return 0;
    /* measured sizes vary, but not by this much within one word's type (a small "bring
     * kit" under "Vocabulary" that fills the cell is a note); a piece of two letters or
     * fewer has no steady size of its own */
    if (!(prev->flags & next->flags & TT_LINE_EXACT) && wn > 2 &&
        next->height < TT_WORD_SIZE_APART * prev->height)
        return 0;
    return prev->width >= 0.72f || wn <= 2;
}

int tt_line_hyphenated(const tt_line *prev, const tt_line *next)
{
    size_t pn = strlen(prev->text);
    if (pn < 3 || prev->text[pn - 1] != '-' || !isalpha((unsigned char)prev->text[pn - 2]))
        return 0;
    if (!islower((unsigned char)next->text[0]) || tt_ink_differs(prev, next)) return 0;
    float lo = fminf(prev->height, next->height), hi = fmaxf(prev->height, next->height);
    if (prev->flags & next->flags & TT_LINE_EXACT) return hi - lo <= 0.08f * hi;
    return strcspn(next->text, " ") <= 2 || lo >= TT_WORD_SIZE_APART * hi;
}

int tt_line_wrapped(const tt_line *prev, const tt_line *next)
{
    size_t pn = strlen(prev->text), nn = strlen(next->text);
    if (!pn || !nn) return 0;
    float word = next->width * (float)strcspn(next->text, " ") / (float)nn;
    float space = prev->width / (float)pn;
    /* measured widths are of the ink within the cell's whole inner width, which the
     * type's own margins keep text from reaching: a line wraps short of it */
    float fill = (prev->flags & next->flags & TT_LINE_EXACT) ? 0.98f : 0.92f;
    return prev->width + space + word > fill;
}

/* A word set one letter per line ("B" / "R" / "E" / "A" / "K"): three lines or more,
 * each a single letter. */
static int is_vertical_word(const tt_cell *cell)
{
    if (cell->nlines < 3) return 0;
    for (size_t i = 0; i < cell->nlines; i++) {
        const char *t = cell->lines[i].text;
        if (!isalpha((unsigned char)t[0]) || t[1]) return 0;
    }
    return 1;
}

/* Whether next goes on with a time that prev breaks off between its hour and its
 * minutes ("11:55-12" over ":50pm", "9." over "30"): no space between them. */
static int time_continues(const char *prev, const char *next)
{
    size_t pn = strlen(prev);
    if (!pn) return 0;
    unsigned char last = (unsigned char)prev[pn - 1];
    if (isdigit(last))
        return (next[0] == ':' || next[0] == '.') && isdigit((unsigned char)next[1]) &&
               isdigit((unsigned char)next[2]);
    return (last == ':' || last == '.') && pn >= 2 && isdigit((unsigned char)prev[pn - 2]) &&
           isdigit((unsigned char)next[0]) && isdigit((unsigned char)next[1]);
}

char *tt_cell_text(const tt_cell *cell)
{
    sbuf b = {0};
    if (is_vertical_word(cell)) {
        char *word = malloc(cell->nlines + 1);
        if (!word) return NULL;
        for (size_t i = 0; i < cell->nlines; i++)
            word[i] = (char)(i ? tolower((unsigned char)cell->lines[i].text[0])
                               : toupper((unsigned char)cell->lines[i].text[0]));
        word[cell->nlines] = '\0';
        return word;
    }
    for (size_t i = 0; i < cell->nlines; i++) {
        const tt_line *l = &cell->lines[i];
        if (!*l->text) continue;
        if (b.len && i > 0 && tt_line_hyphenated(&cell->lines[i - 1], l) &&
            b.data[b.len - 1] == '-')
            b.data[--b.len] = '\0'; /* the hyphen that broke the word goes with the break */
        else if (b.len && !(i > 0 && (tt_line_continues(&cell->lines[i - 1], l) ||
                                      time_continues(cell->lines[i - 1].text, l->text))))
            sbuf_puts(&b, " ");
        sbuf_puts(&b, l->text);
    }
    if (!b.len && !b.oom) return strdup("");
    return sbuf_take(&b, NULL);
}

int tt_table_names_day(const tt_table *t, int row)
{
    for (size_t i = 0; i < t->ncells; i++) {
        if (row >= 0 && t->cells[i].row != row) continue;
        char *text = tt_cell_text(&t->cells[i]);
        int named = text && tt_text_names_day(text, strlen(text));
        free(text);
        if (named) return 1;
    }
    return 0;
}

int tt_table_row_pitch(const tt_table *t)
{
    int best = 0;
    for (int r = 0; r < t->nrows; r++) {
        int h = t->row_pos[r + 1] - t->row_pos[r], below = 0, above = 0;
        for (int k = 0; k < t->nrows; k++) {
            int o = t->row_pos[k + 1] - t->row_pos[k];
            below += o<h, above += o> h;
        }
        if (2 * below <= t->nrows && 2 * above <= t->nrows) best = h;
    }
    return best;
}
