/* datagen_model: decides what one synthetic timetable shows and what its gold answer is.
 *
 * A document is a school day (periods of uneven length with gaps, breaks and lunch), the
 * events of each day, a layout family that arranges them into tables of cells (dg_page)
 * and a style. The gold (tt_doc) is written here, from the same decisions that fill the
 * cells, following shared/EVAL.md: one block per (day, event); merged cells repeated for
 * each day they cover; a time printed in a cell wins over the header; a cell spanning
 * columns runs from the first start to the last end; a part of a column without its own
 * time is split in proportion to its width (the tracks are drawn proportional, so that
 * rule gives back the exact time); a single printed time ends at the next period's start,
 * or has no end when nothing follows (lists: instants such as "Pack Up" have none).
 * Invariant: every text in a cell is bounded by DG_TEXT_MAX (snprintf truncates; the
 * vocabularies below are far shorter) and every table stays within DG_MAX_TRACKS. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/testable.h"
#include "train/datagen_internal.h"

const char *const dg_kind_names[DG_KIND_COUNT] = {"name",   "note",  "time", "day",
                                                  "number", "title", "text"};

/* ---- vocabularies (UK and US primary schools; ’ appears as teachers type it) */
static const char *const subjects[] = {
    "Maths",
    "English",
    "Phonics",
    "RWI",
    "Science",
    "History",
    "Geography",
    "Art",
    "Music",
    "PE",
    "Computing",
    "PSHE",
    "RE",
    "French",
    "Spanish",
    "Handwriting",
    "Spelling",
    "Guided Reading",
    "Reading",
    "Writing",
    "Maths Meeting",
    "Maths Con",
    "Comprehension",
    "Library",
    "Forest School",
    "Swimming",
    "Drama",
    "Design Technology",
    "DT",
    "Golden Time",
    "Circle Time",
    "Topic",
    "Word Work (Phonics)",
    "Writer’s Workshop",
    "Reader’s Workshop",
    "Daily 5: Station 1",
    "Daily 5: Station 2",
    "Grammar",
    "Times Tables",
    "Singing Assembly",
    "Celebration Assembly",
    "Assembly",
    "Intervention",
    "Outdoor Learning",
    "Mindfulness",
    "Show and Tell",
    "Social Studies",
    "Science/Health",
    "Language/Grammar",
    "Math",
    "Spelling Test",
    "Vocabulary",
    "Jobs & Read Aloud",
    "Specialty Classes",
    "Comprehension/Library",
    "Handwriting & Spelling",
    "Mental Maths",
    "Early Morning Work",
    "Cooking",
    "Gymnastics",
};
#define NSUBJECTS (sizeof subjects / sizeof subjects[0])
static const char *const breaks[] = {"Break",  "Playtime", "Morning Recess",
                                     "Recess", "Snack",    "Break Time"};
static const char *const lunches[] = {"Lunch", "Lunchtime", "Lunch Break", "LUNCH"};
static const char *const regs[] = {"Registration", "Registration and Early Morning work",
                                   "Morning Work", "Early Morning Work", "Register"};
static const char *const day_ends[] = {"Storytime", "Story Time", "Home Time", "Reflection",
                                       "Class Story"};
static const char *const notes[] = {
    "(practical or TTRS)",
    "(Sentence Stacking 2)",
    "Anti Bullying Week",
    "Room 12",
    "Hall",
    "with Mrs Patel",
    "in the library",
    "PPA cover",
    "bring kit",
    "Mr Khan",
    "(outside if dry)",
    "Group A",
    "ICT suite",
    "Set 1",
    "Field",
    "(bring PE kit)",
    "Year 2 hall",
    "Mrs Evans",
};
static const char *const instants[] = {"Students are allowed inside",
                                       "Late Bell Rings",
                                       "Doors Open",
                                       "Pack Up",
                                       "School Dismissed",
                                       "Home Time",
                                       "Arrival",
                                       "Bell"};
static const char *const honorifics[] = {"Miss", "Mrs", "Mr", "Ms", "Dr"};
static const char *const surnames[] = {
    "Joynes", "Smith", "Ahmed",  "Patel",    "O’Brien", "Nowak",  "Williams", "Okafor",
    "Garcia", "Chen",  "Murphy", "Kowalski", "Evans",   "Hughes", "Begum",    "Taylor"};
static const char *const classes[] = {"2EJ", "Year 3", "4B", "Class 5", "Oak Class", "Willow",
                                      "R1",  "6H",     "1A", "Maple",   "3/4K",      "Year 1"};
static const char *const terms[] = {"Autumn 1",    "Autumn 2", "Spring 1",    "Spring 2",
                                    "Summer 1",    "Summer 2", "Autumn Term", "Spring Term",
                                    "Summer Term", "Term 1",   "Term 2",      "Term 3"};
static const char *const places[] = {"Little Thurrock", "Oakfield",    "Riverside", "St Mary’s",
                                     "Hillcrest",       "Meadow View", "Greenwood", "Kingsway",
                                     "Brookside",       "Ashford",     "Elm Park",  "Westgate"};
static const char *const school_kinds[] = {" Primary School", " Academy",       " C of E Primary",
                                           " Infant School",  " Junior School", " Elementary"};
static const char *const day_short[7][4] = {{"Mon", "Mon", "M", "Mo"}, {"Tue", "Tues", "Tu", "Tu"},
                                            {"Wed", "Wed", "W", "We"}, {"Thu", "Thurs", "Th", "Th"},
                                            {"Fri", "Fri", "F", "Fr"}, {"Sat", "Sat", "Sa", "Sa"},
                                            {"Sun", "Sun", "Su", "Su"}};
static const uint32_t pastels[] = {0xdce9f5, 0xa9c4e4, 0xf2b8bd, 0xd9d9d9, 0xfff2b3,
                                   0xd4edc9, 0xf9d5a7, 0xe3d1f0, 0xc9ece8, 0xf7cfe1,
                                   0xfbe59a, 0xcfe2f3, 0xf4cccc, 0xd9ead3, 0xfce5cd};
#define NPASTELS (sizeof pastels / sizeof pastels[0])
static const uint32_t inks[] = {0x000000, 0x000000, 0x000000, 0x1a1a1a,
                                0x222244, 0x0b3d66, 0x333333, 0x402020};
static const uint32_t note_inks[] = {0x444444, 0x1f4e9c, 0x7a1f1f, 0x2f6b2f, 0x666666, 0x000000};
static const uint32_t hilites[] = {0xffff00, 0xfff200, 0xb6f5a3, 0x9fe3ff, 0xffd27f};

#define PICK(rng, arr) ((arr)[dg_rng_range((rng), 0, (int)(sizeof(arr) / sizeof((arr)[0])) - 1)])

/* ---- fonts: the families the Debian packages in scripts/install-deps.sh provide. The
 * held-out ones never appear in the training split, so the test split measures unseen
 * fonts. Script-like faces are rare on purpose: few teachers pick them for a grid. */
static const struct {
    const char *name;
    bool heldout;
    int weight;
} known_fonts[] = {
    {"DejaVu Sans", false, 4},
    {"DejaVu Serif", false, 2},
    {"Liberation Sans", false, 5},
    {"Liberation Serif", false, 3},
    {"Liberation Sans Narrow", false, 2},
    {"FreeSans", false, 2},
    {"FreeSerif", false, 2},
    {"Nimbus Sans", false, 2},
    {"Nimbus Roman", false, 2},
    {"URW Bookman", true, 1},
    {"URW Gothic", false, 2},
    {"C059", false, 1},
    {"P052", false, 1},
    {"Noto Sans", false, 3},
    {"Noto Serif", false, 2},
    {"Carlito", false, 4},
    {"Caladea", false, 2},
    {"Comic Neue", true, 3},
    {"Open Sans", false, 3},
    {"Roboto", false, 3},
    {"Roboto Condensed", false, 2},
    {"Lato", false, 3},
    {"Cantarell", true, 2},
    {"TeX Gyre Heros", false, 2},
    {"TeX Gyre Termes", false, 1},
    {"TeX Gyre Adventor", false, 1},
    {"TeX Gyre Schola", true, 1},
    {"TeX Gyre Pagella", false, 1},
    {"Humor Sans", false, 1},
    {"Dancing Script", true, 1},
    {"EB Garamond", false, 1},
    {"Linux Libertine O", false, 1},
    {"Linux Biolinum O", false, 1},
    {"Quicksand", true, 2},
    {"Andika", false, 2},
    {"DejaVu Sans Mono", false, 1},
};
#define NKNOWN_FONTS (sizeof known_fonts / sizeof known_fonts[0])
static int font_weight_of(const char *name)
{
    for (size_t i = 0; i < NKNOWN_FONTS; i++)
        if (strcmp(known_fonts[i].name, name) == 0) return known_fonts[i].weight;
    return 1;
}

/* Picks a family for a document of split `split`: training never sees held-out families;
 * validation and test lean towards them so that their lines measure unseen fonts. */
static const char *pick_font(dg_rng *rng, const dg_fonts *fonts, int split)
{
    int total = 0;
    for (size_t i = 0; i < fonts->n; i++) {
        if (split == 0 && fonts->heldout[i]) continue;
        total += font_weight_of(fonts->names[i]) * (split != 0 && fonts->heldout[i] ? 6 : 1);
    }
    if (total == 0) return "Sans";
    int r = dg_rng_range(rng, 0, total - 1);
    for (size_t i = 0; i < fonts->n; i++) {
        if (split == 0 && fonts->heldout[i]) continue;
        r -= font_weight_of(fonts->names[i]) * (split != 0 && fonts->heldout[i] ? 6 : 1);
        if (r < 0) return fonts->names[i];
    }
    return fonts->names[0];
}

int dg_split_of(uint64_t seed, size_t index)
{
    /* Its own stream (index with the top bit set), so the split never shifts the draws
     * that decide the document. */
    dg_rng r;
    dg_rng_seed(&r, seed, (uint64_t)index | (1ull << 63));
    double u = dg_rng_unit(&r);
    return u < 0.8 ? 0 : u < 0.9 ? 1 : 2;
}

/* ---- time notations */
typedef struct timefmt {
    bool h24;         /* 13:15 rather than 1:15 */
    bool lead0;       /* 09:00 */
    char msep;        /* ':' or '.' */
    bool drop00;      /* 9 rather than 9:00 (12-hour only) */
    int suffix;       /* 12-hour: 0 none, 1 on a range's end (and single times), 2 on both */
    bool suffix_sp;   /* "10 am" */
    bool suffix_up;   /* "AM" */
    const char *dash; /* "-", "–", " - ", " – " */
} timefmt;

static void pick_timefmt(dg_rng *rng, timefmt *f)
{
    static const char *const dashes[] = {"-", "–", " - ", " – ", " – ", "-"};
    memset(f, 0, sizeof *f);
    f->h24 = dg_rng_chance(rng, 0.25);
    f->lead0 = f->h24 && dg_rng_chance(rng, 0.6);
    f->msep = dg_rng_chance(rng, 0.3) ? '.' : ':';
    f->drop00 = !f->h24 && dg_rng_chance(rng, 0.35);
    f->suffix = f->h24 ? 0 : dg_rng_range(rng, 0, 2) == 0 ? 0 : dg_rng_chance(rng, 0.7) ? 1 : 2;
    f->suffix_sp = dg_rng_chance(rng, 0.3);
    f->suffix_up = dg_rng_chance(rng, 0.2);
    f->dash = PICK(rng, dashes);
}

/* One time in notation f; with_suffix asks for am/pm when f uses them. School hours are
 * 8:00-17:59, so a 12-hour time without a suffix reads back exactly under EVAL.md's rule
 * (1:00-5:59 is afternoon). */
TESTABLE void dg_fmt_time(char *buf, size_t size, int minutes, const timefmt *f, bool with_suffix)
{
    int h = minutes / 60, m = minutes % 60;
    if (f->h24) {
        snprintf(buf, size, f->lead0 ? "%02d%c%02d" : "%d%c%02d", h, f->msep, m);
        return;
    }
    int h12 = h % 12 == 0 ? 12 : h % 12;
    char core[16];
    if (m == 0 && f->drop00)
        snprintf(core, sizeof core, "%d", h12);
    else
        snprintf(core, sizeof core, "%d%c%02d", h12, f->msep, m);
    const char *suf = "";
    if (with_suffix && f->suffix)
        suf = h >= 12 ? (f->suffix_up ? "PM" : "pm") : (f->suffix_up ? "AM" : "am");
    snprintf(buf, size, "%s%s%s", core, *suf && f->suffix_sp ? " " : "", suf);
}

/* "start–end" or, when end is TT_NO_TIME, the start alone. */
TESTABLE void dg_fmt_range(char *buf, size_t size, int start, int end, const timefmt *f)
{
    char a[24], b[24];
    if (end == TT_NO_TIME) {
        dg_fmt_time(buf, size, start, f, true);
        return;
    }
    dg_fmt_time(a, sizeof a, start, f, f->suffix == 2);
    dg_fmt_time(b, sizeof b, end, f, true);
    snprintf(buf, size, "%s%s%s", a, f->dash, b);
}

/* For the unit tests: the notation drawn from style_seed, applied to one range. */
TESTABLE void dg_fmt_range_style(char *buf, size_t size, int start, int end, uint64_t style_seed)
{
    dg_rng r;
    timefmt f;
    dg_rng_seed(&r, style_seed, 0);
    pick_timefmt(&r, &f);
    dg_fmt_range(buf, size, start, end, &f);
}

/* ---- school day */
enum { P_LESSON, P_BREAK, P_LUNCH, P_REG, P_END };
#define MAX_PERIODS 12

typedef struct period {
    int start, end, kind;
    int split_at;            /* minutes inside (start, end), 0 when the column is not split */
    char label[DG_TEXT_MAX]; /* for breaks: the printed word */
} period;

static int lesson_minutes(dg_rng *rng)
{
    static const int d[] = {20, 30, 30, 40, 45, 45, 50, 55, 60, 60, 60, 75};
    return PICK(rng, d);
}

static int gen_day(dg_rng *rng, period *p)
{
    int n = 0, t = 8 * 60 + 30 + 5 * dg_rng_range(rng, 0, 6);
    int brk = 10 * 60 + 15 + 5 * dg_rng_range(rng, 0, 6);
    int lunch = 11 * 60 + 50 + 5 * dg_rng_range(rng, 0, 6);
    int pmbrk = dg_rng_chance(rng, 0.3) ? 14 * 60 + 5 * dg_rng_range(rng, 0, 6) : 24 * 60;
    int stop = 15 * 60 + 5 * dg_rng_range(rng, 0, 6);
    bool story = dg_rng_chance(rng, 0.35);
    if (dg_rng_chance(rng, 0.6)) {
        int d = 5 * dg_rng_range(rng, 2, 4);
        p[n++] = (period){.start = t, .end = t + d, .kind = P_REG};
        snprintf(p[n - 1].label, DG_TEXT_MAX, "%s", PICK(rng, regs));
        t += d;
    }
    bool had_brk = false, had_lunch = false, had_pm = false;
    while (t < stop && n < MAX_PERIODS - (story ? 1 : 0)) {
        if (n > 0 && dg_rng_chance(rng, 0.12)) t += 5; /* a gap nobody fills */
        int kind = P_LESSON, d;
        if (!had_brk && t >= brk) {
            kind = P_BREAK, d = dg_rng_chance(rng, 0.5) ? 15 : 20, had_brk = true;
        } else if (!had_lunch && t >= lunch) {
            kind = P_LUNCH, d = PICK(rng, ((const int[]){45, 50, 55, 60, 60})), had_lunch = true;
        } else if (!had_pm && t >= pmbrk) {
            kind = P_BREAK, d = dg_rng_chance(rng, 0.5) ? 10 : 15, had_pm = true;
        } else {
            d = lesson_minutes(rng);
            /* Lessons end at the break rather than run through it. */
            int next = !had_brk ? brk : !had_lunch ? lunch : stop;
            if (t + d > next && next - t >= 15) d = next - t;
        }
        p[n] = (period){.start = t, .end = t + d, .kind = kind};
        if (kind == P_BREAK) snprintf(p[n].label, DG_TEXT_MAX, "%s", PICK(rng, breaks));
        if (kind == P_LUNCH) snprintf(p[n].label, DG_TEXT_MAX, "%s", PICK(rng, lunches));
        n++;
        t += d;
    }
    if (story && n < MAX_PERIODS) {
        p[n] = (period){.start = t, .end = t + 15, .kind = P_END};
        snprintf(p[n].label, DG_TEXT_MAX, "%s", PICK(rng, day_ends));
        n++;
    }
    return n;
}

/* ---- table building */
static ap_status table_add(dg_table *t, const dg_cell *c, ap_error *err)
{
    if (t->ncells == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        dg_cell *v = realloc(t->cells, cap * sizeof *v);
        if (!v) return ap_fail(err, AP_ERR_NOMEM, "datagen: out of memory (cells)");
        t->cells = v;
        t->cap = cap;
    }
    t->cells[t->ncells++] = *c;
    return AP_OK;
}

void dg_page_free(dg_page *page)
{
    if (!page) return;
    for (int i = 0; i < DG_MAX_PANELS; i++)
        free(page->tables[i].cells);
    memset(page, 0, sizeof *page);
}

void dg_lines_free(dg_lines *lines)
{
    if (!lines) return;
    free(lines->v);
    memset(lines, 0, sizeof *lines);
}

static void day_label(char *buf, size_t size, int day, int style)
{
    if (style == 0)
        snprintf(buf, size, "%s", tt_day_names[day]);
    else if (style == 4) {
        snprintf(buf, size, "%s", tt_day_names[day]);
        for (char *s = buf; *s; s++)
            if (*s >= 'a' && *s <= 'z') *s = (char)(*s - 32);
    } else
        snprintf(buf, size, "%s", day_short[day][style - 1]);
}

/* The document-wide decisions that every family shares. */
typedef struct docctx {
    dg_rng *rng;
    dg_page *page;
    tt_doc *gold;
    timefmt tf;
    int colour_mode; /* 0 plain, 1 colour per subject, 2 breaks only, 3 zebra */
    uint32_t subject_fill[NSUBJECTS];
    uint32_t head_fill, break_fill;
    bool head_bold, nofit;
    double base;
} docctx;

static dg_cell cell_base(const docctx *cx)
{
    dg_cell c;
    memset(&c, 0, sizeof c);
    c.rowspan = c.colspan = 1;
    c.fill = DG_NO_FILL;
    c.ink = cx->page->style.ink_rgb;
    c.note_ink = PICK(cx->rng, note_inks);
    c.size = cx->base;
    return c;
}

static ap_status gold_add(docctx *cx, int day, const char *name, int start, int end,
                          const char *note, ap_error *err)
{
    if (tt_doc_add(cx->gold, day, name, start, end, note && *note ? note : NULL, 1.0f,
                   (tt_bbox){0}) != AP_OK)
        return ap_fail(err, AP_ERR_NOMEM, "datagen: out of memory (gold)");
    return AP_OK;
}

/* An event of a grid cell: what one (day, period range) shows. */
typedef struct event {
    int subject;    /* index in subjects, -1 empty */
    int note;       /* index in notes, -1 none */
    int start, end; /* gold times */
    bool cell_time; /* the cell prints its own times */
} event;

static void pick_event(docctx *cx, event *e, int start, int end)
{
    dg_rng *rng = cx->rng;
    e->subject = dg_rng_chance(rng, 0.04) ? -1 : dg_rng_range(rng, 0, (int)NSUBJECTS - 1);
    e->note = dg_rng_chance(rng, 0.12)
                  ? dg_rng_range(rng, 0, (int)(sizeof notes / sizeof *notes) - 1)
                  : -1;
    e->start = start;
    e->end = end;
    e->cell_time = false;
}

/* Writes a lesson cell's text and its gold for `day`; the caller placed the cell. */
static ap_status fill_event_cell(docctx *cx, dg_cell *c, const event *e, int day, ap_error *err)
{
    if (e->subject < 0) return AP_OK; /* an empty cell is not an event */
    const char *name = subjects[e->subject];
    snprintf(c->text, sizeof c->text, "%s", name);
    c->kind = DG_KIND_NAME;
    if (e->note >= 0) snprintf(c->note, sizeof c->note, "%s", notes[e->note]);
    if (cx->colour_mode == 1) c->fill = cx->subject_fill[e->subject];
    if (cx->nofit) c->flags |= DG_CELL_NOFIT;
    if (e->cell_time) {
        dg_fmt_range(c->time, sizeof c->time, e->start, e->end, &cx->tf);
        if (dg_rng_chance(cx->rng, 0.6)) c->flags |= DG_CELL_HILITE;
        if (dg_rng_chance(cx->rng, 0.2)) c->flags |= DG_CELL_TBELOW;
    }
    return gold_add(cx, day, name, e->start, e->end, c->note, err);
}

/* Places a logical cell (days dlo..dhi, time tracks tlo..thi) in the table. */
static void place(dg_cell *c, bool days_rows, int day_off, int trk_off, int dlo, int dhi, int tlo,
                  int thi)
{
    if (days_rows) {
        c->row = day_off + dlo, c->rowspan = dhi - dlo + 1;
        c->col = trk_off + tlo, c->colspan = thi - tlo + 1;
    } else {
        c->col = day_off + dlo, c->colspan = dhi - dlo + 1;
        c->row = trk_off + tlo, c->rowspan = thi - tlo + 1;
    }
}

/* ---- family: one grid for the week (days as rows or as columns) */
static ap_status build_grid(docctx *cx, bool days_rows, ap_error *err)
{
    dg_rng *rng = cx->rng;
    dg_page *pg = cx->page;
    dg_table *t = &pg->tables[0];
    ap_status st = AP_OK;
    period p[MAX_PERIODS];
    int np = gen_day(rng, p);
    int ndays = dg_rng_chance(rng, 0.85) ? 5 : 4;
    bool single = dg_rng_chance(rng, 0.12); /* headers print start times only */
    int day_style = dg_rng_chance(rng, 0.55) ? 0 : dg_rng_range(rng, 1, 4);
    bool numbers = !days_rows && dg_rng_chance(rng, 0.3);
    /* Where the day axis and the time axis start: days as rows put the days in column 0
     * and the times in row 0; days as columns put the times (after an optional column of
     * lesson numbers) in the first columns and the days in row 0. */
    int day_off = days_rows ? 1 : (numbers ? 2 : 1), trk_off = 1;
    pg->ntables = 1;

    /* Time tracks: one per period, two where the period is split somewhere. */
    int trk_of[MAX_PERIODS], ntrk = 0;
    double wtrk[DG_MAX_TRACKS];
    for (int i = 0; i < np; i++) {
        trk_of[i] = ntrk;
        bool lesson = p[i].kind == P_LESSON;
        double w = lesson ? dg_rng_between(rng, 0.8, 1.5) : dg_rng_between(rng, 0.35, 0.7);
        int dur = p[i].end - p[i].start;
        if (lesson && !single && dur >= 40 && dg_rng_chance(rng, 0.2))
            p[i].split_at = p[i].start + 5 * (int)(dur * dg_rng_between(rng, 0.3, 0.7) / 5);
        if (p[i].split_at) {
            /* Proportional widths: EVAL.md splits an untimed part by its width. */
            wtrk[ntrk++] = w * (p[i].split_at - p[i].start) / dur;
            wtrk[ntrk++] = w * (p[i].end - p[i].split_at) / dur;
        } else {
            wtrk[ntrk++] = w;
        }
    }
    /* The printed end of period i (single-time headers: the next period's start). */
    int pend[MAX_PERIODS];
    for (int i = 0; i < np; i++)
        pend[i] = single ? (i + 1 < np ? p[i + 1].start : TT_NO_TIME) : p[i].end;

    if (days_rows) {
        t->rows = day_off + ndays, t->cols = trk_off + ntrk;
        t->col_w[0] = dg_rng_between(rng, 0.9, 1.4);
        for (int i = 0; i < ntrk; i++)
            t->col_w[trk_off + i] = wtrk[i];
        t->row_h[0] = dg_rng_between(rng, 0.8, 1.4);
        for (int d = 0; d < ndays; d++)
            t->row_h[day_off + d] = 1.0;
    } else {
        t->rows = trk_off + ntrk, t->cols = day_off + ndays;
        t->row_h[0] = dg_rng_between(rng, 0.6, 1.0);
        for (int i = 0; i < ntrk; i++)
            t->row_h[trk_off + i] = wtrk[i] * 0.8;
        if (numbers) t->col_w[0] = 0.35;
        t->col_w[day_off - 1] = dg_rng_between(rng, 0.8, 1.2);
        for (int d = 0; d < ndays; d++)
            t->col_w[day_off + d] = dg_rng_between(rng, 1.0, 1.3);
    }

    /* Corner and day headers. */
    dg_cell c = cell_base(cx);
    if (dg_rng_chance(rng, 0.3)) {
        c.row = c.col = 0;
        c.colspan = numbers ? 2 : 1;
        snprintf(c.text, sizeof c.text, "%s", days_rows ? "Day" : "Time");
        c.kind = DG_KIND_TITLE, c.flags = DG_CELL_HEADER | (cx->head_bold ? DG_CELL_BOLD : 0);
        c.fill = cx->head_fill;
        if ((st = table_add(t, &c, err)) != AP_OK) goto out;
    }
    for (int d = 0; d < ndays; d++) {
        c = cell_base(cx);
        if (days_rows)
            c.row = day_off + d, c.col = 0;
        else
            c.row = 0, c.col = day_off + d;
        day_label(c.text, sizeof c.text, d, day_style);
        c.kind = DG_KIND_DAY, c.flags = DG_CELL_HEADER | (cx->head_bold ? DG_CELL_BOLD : 0);
        c.fill = cx->head_fill, c.size = cx->base * 1.1;
        if ((st = table_add(t, &c, err)) != AP_OK) goto out;
    }
    /* Time headers. */
    int lesson_no = 0;
    for (int i = 0; i < np; i++) {
        int ntr = p[i].split_at ? 2 : 1;
        c = cell_base(cx);
        if (days_rows)
            c.row = 0, c.col = trk_off + trk_of[i], c.colspan = ntr;
        else
            c.col = day_off - 1, c.row = trk_off + trk_of[i], c.rowspan = ntr;
        dg_fmt_range(c.text, sizeof c.text, p[i].start, pend[i], &cx->tf);
        c.kind = DG_KIND_TIME, c.flags = DG_CELL_HEADER | (cx->head_bold ? DG_CELL_BOLD : 0);
        c.fill = cx->head_fill, c.size = cx->base * dg_rng_between(rng, 0.8, 1.05);
        if (days_rows && (p[i].kind != P_LESSON || wtrk[trk_of[i]] < 0.9) &&
            dg_rng_chance(rng, 0.6))
            c.rotation = 90;
        if ((st = table_add(t, &c, err)) != AP_OK) goto out;
        if (numbers) {
            c = cell_base(cx);
            c.col = 0, c.row = trk_off + trk_of[i], c.rowspan = ntr;
            if (p[i].kind == P_LESSON) snprintf(c.text, sizeof c.text, "%d", ++lesson_no);
            c.kind = DG_KIND_NUMBER, c.flags = DG_CELL_HEADER;
            if ((st = table_add(t, &c, err)) != AP_OK) goto out;
        }
    }

    /* Events. ev[d][i] for lessons; breaks are decided per period. */
    event ev[5][MAX_PERIODS];
    bool cont[5][MAX_PERIODS]; /* covered by the previous period's double lesson */
    memset(cont, 0, sizeof cont);
    for (int d = 0; d < ndays; d++)
        for (int i = 0; i < np; i++)
            pick_event(cx, &ev[d][i], p[i].start, pend[i]);

    for (int i = 0; i < np; i++) {
        int t0 = trk_of[i], t1 = trk_of[i] + (p[i].split_at ? 1 : 0);
        if (p[i].kind != P_LESSON) {
            /* Breaks, lunch, registration, storytime: one cell down every day, the word
             * spelled one letter per day, or the word repeated in each day's cell. */
            const char *word = p[i].label;
            size_t wl = strlen(word);
            int mode = dg_rng_chance(rng, 0.6) ? 0 : dg_rng_chance(rng, 0.5) ? 1 : 2;
            if (mode == 1 && (!days_rows || wl != (size_t)ndays)) mode = 0;
            uint32_t fill =
                cx->colour_mode != 0 || dg_rng_chance(rng, 0.5) ? cx->break_fill : DG_NO_FILL;
            if (mode == 0) {
                c = cell_base(cx);
                place(&c, days_rows, day_off, trk_off, 0, ndays - 1, t0, t1);
                snprintf(c.text, sizeof c.text, "%s", word);
                c.kind = DG_KIND_NAME, c.fill = fill,
                c.size = cx->base * dg_rng_between(rng, 1.0, 1.3);
                if (days_rows) c.rotation = dg_rng_chance(rng, 0.75) ? 90 : 270;
                if (dg_rng_chance(rng, 0.5)) c.flags |= DG_CELL_BOLD;
                if ((st = table_add(t, &c, err)) != AP_OK) goto out;
            }
            for (int d = 0; d < ndays; d++) {
                if (mode != 0) {
                    c = cell_base(cx);
                    place(&c, days_rows, day_off, trk_off, d, d, t0, t1);
                    c.fill = fill, c.kind = DG_KIND_NAME;
                    if (mode == 1) {
                        /* Upper case: letters stand alone and read as the word's capitals. */
                        char ch = word[d];
                        if (ch >= 'a' && ch <= 'z') ch = (char)(ch - 32);
                        snprintf(c.text, sizeof c.text, "%c", ch);
                        c.size = cx->base * 1.4, c.flags |= DG_CELL_BOLD;
                    } else {
                        snprintf(c.text, sizeof c.text, "%s", word);
                        if (days_rows && dg_rng_chance(rng, 0.5)) c.rotation = 90;
                    }
                    if ((st = table_add(t, &c, err)) != AP_OK) goto out;
                }
                char upper[DG_TEXT_MAX];
                snprintf(upper, sizeof upper, "%s", word);
                if (mode == 1)
                    for (char *s = upper; *s; s++)
                        if (*s >= 'a' && *s <= 'z') *s = (char)(*s - 32);
                if ((st = gold_add(cx, d, upper, p[i].start, pend[i], NULL, err)) != AP_OK)
                    goto out;
            }
            continue;
        }
        for (int d = 0; d < ndays; d++) {
            if (cont[d][i]) continue;
            event *e = &ev[d][i];
            /* A double lesson: the same event over this and the next, adjacent, lesson. */
            int last = i;
            if (i + 1 < np && p[i + 1].kind == P_LESSON && p[i + 1].start == p[i].end &&
                !p[i].split_at && !p[i + 1].split_at && e->subject >= 0 &&
                dg_rng_chance(rng, 0.12)) {
                last = i + 1;
                cont[d][i + 1] = true;
                e->end = pend[i + 1];
            }
            int tl = last == i ? t1 : trk_of[last];
            bool split_here = p[i].split_at && last == i && dg_rng_chance(rng, 0.5);
            if (split_here) {
                /* Two events in one period; times printed in the cells, or none (then the
                 * proportional widths give the split). */
                bool timed = dg_rng_chance(rng, 0.6);
                event halves[2] = {*e, *e};
                pick_event(cx, &halves[1], p[i].split_at, p[i].end);
                if (halves[1].subject < 0) halves[1].subject = (e->subject + 7) % (int)NSUBJECTS;
                if (halves[0].subject < 0)
                    halves[0].subject = (e->subject + 3 + (int)NSUBJECTS) % (int)NSUBJECTS;
                halves[0].end = p[i].split_at;
                halves[0].start = p[i].start;
                for (int k = 0; k < 2; k++) {
                    halves[k].cell_time = timed;
                    c = cell_base(cx);
                    place(&c, days_rows, day_off, trk_off, d, d, t0 + k, t0 + k);
                    if ((st = fill_event_cell(cx, &c, &halves[k], d, err)) != AP_OK) goto out;
                    if (days_rows && wtrk[t0 + k] < 0.6 && dg_rng_chance(rng, 0.7)) c.rotation = 90;
                    if (cx->colour_mode == 3 && d % 2) c.fill = 0xeeeeee;
                    if ((st = table_add(t, &c, err)) != AP_OK) goto out;
                }
                continue;
            }
            /* A time of its own inside the cell, sometimes not the header's. */
            if (!single && e->subject >= 0 && dg_rng_chance(rng, 0.08)) {
                e->cell_time = true;
                if (dg_rng_chance(rng, 0.5) && e->end - e->start >= 30) e->start += 5;
            }
            c = cell_base(cx);
            place(&c, days_rows, day_off, trk_off, d, d, t0, tl);
            if ((st = fill_event_cell(cx, &c, e, d, err)) != AP_OK) goto out;
            if (days_rows && wtrk[t0] < 0.85 && last == i && dg_rng_chance(rng, 0.6))
                c.rotation = dg_rng_chance(rng, 0.85) ? 90 : 270;
            if (cx->colour_mode == 3 && d % 2 && c.fill == DG_NO_FILL) c.fill = 0xeeeeee;
            if ((st = table_add(t, &c, err)) != AP_OK) goto out;
        }
    }
out:
    return st;
}

/* ---- family: one list per day or group of days ("Daily Schedule - Monday, Tuesday") */
static const unsigned partitions[][5] = {
    {0x1f, 0, 0, 0, 0},    {0x0b, 0x04, 0x10, 0, 0},       {0x05, 0x0a, 0x10, 0, 0},
    {0x0f, 0x10, 0, 0, 0}, {0x01, 0x02, 0x04, 0x08, 0x10}, {0x07, 0x18, 0, 0, 0},
};

static void group_title(dg_rng *rng, unsigned mask, char *buf, size_t size)
{
    int days[5], n = 0;
    for (int d = 0; d < 5; d++)
        if (mask & (1u << d)) days[n++] = d;
    bool contiguous = days[n - 1] - days[0] == n - 1;
    if (n >= 3 && contiguous && dg_rng_chance(rng, 0.7)) {
        snprintf(buf, size, "%s %s %s", tt_day_names[days[0]], dg_rng_chance(rng, 0.5) ? "–" : "to",
                 tt_day_names[days[n - 1]]);
        return;
    }
    bool abbrev = dg_rng_chance(rng, 0.25);
    const char *sep = abbrev ? "/" : ", ";
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && len < size; i++) {
        int w = snprintf(buf + len, size - len, "%s%s", i ? sep : "",
                         abbrev ? day_short[days[i]][0] : tt_day_names[days[i]]);
        if (w < 0) break;
        len += (size_t)w;
    }
}

static ap_status build_lists(docctx *cx, ap_error *err)
{
    dg_rng *rng = cx->rng;
    dg_page *pg = cx->page;
    ap_status st = AP_OK;
    const unsigned *part =
        partitions[dg_rng_range(rng, 0, (int)(sizeof partitions / sizeof *partitions) - 1)];
    int variant = dg_rng_range(rng, 0, 2); /* 0: no|time|name, 1: time|name, 2: name|time */
    static const char *const heads[] = {"Daily Schedule—", "Daily Schedule", "Schedule", "Our Day",
                                        "Timetable"};
    const char *head = PICK(rng, heads);
    bool numbered = variant == 0 || dg_rng_chance(rng, 0.2);
    pg->ntables = 0;
    for (int g = 0; g < 5 && part[g]; g++) {
        dg_table *t = &pg->tables[pg->ntables++];
        snprintf(t->title[0], DG_TEXT_MAX, "%s", head);
        group_title(rng, part[g], t->title[1], DG_TEXT_MAX);
        t->title_fill = t->body_fill = DG_NO_FILL;
        if (dg_rng_chance(rng, 0.6)) t->title_fill = t->body_fill = PICK(rng, pastels);

        /* The items: instants at the start and the end, ranged periods in between. */
        int tcur = 8 * 60 + 5 * dg_rng_range(rng, 0, 9);
        int nrows = 0, stop = 14 * 60 + 30 + 5 * dg_rng_range(rng, 0, 12);
        int rows_max = dg_rng_range(rng, 10, 22);
        struct item {
            int start, end;
            const char *name;
            int note;
        } items[24];
        if (dg_rng_chance(rng, 0.5)) {
            items[nrows++] = (struct item){tcur, TT_NO_TIME, instants[dg_rng_range(rng, 0, 2)], -1};
            tcur += 5 * dg_rng_range(rng, 3, 6);
        }
        bool lunch_done = false, recess_done = false;
        while (tcur < stop && nrows < rows_max - 1) {
            int d =
                PICK(rng, ((const int[]){5, 10, 15, 15, 20, 20, 25, 30, 30, 35, 40, 45, 50, 60}));
            const char *name = subjects[dg_rng_range(rng, 0, (int)NSUBJECTS - 1)];
            if (!recess_done && tcur >= 10 * 60 + 15)
                name = PICK(rng, breaks), d = 15, recess_done = true;
            else if (!lunch_done && tcur >= 11 * 60 + 40)
                name = PICK(rng, lunches), d = 30, lunch_done = true;
            int note = dg_rng_chance(rng, 0.08)
                           ? dg_rng_range(rng, 0, (int)(sizeof notes / sizeof *notes) - 1)
                           : -1;
            items[nrows++] = (struct item){tcur, tcur + d, name, note};
            tcur += d + (dg_rng_chance(rng, 0.1) ? 5 : 0);
        }
        items[nrows++] = (struct item){tcur, TT_NO_TIME, instants[dg_rng_range(rng, 3, 5)], -1};

        int col_no = numbered ? 0 : -1;
        int col_time = variant == 2 ? (numbered ? 2 : 1) : (numbered ? 1 : 0);
        int col_name = variant == 2 ? (numbered ? 1 : 0) : (numbered ? 2 : 1);
        t->cols = numbered ? 3 : 2;
        t->rows = nrows;
        if (numbered) t->col_w[col_no] = 0.25;
        t->col_w[col_time] = dg_rng_between(rng, 0.6, 0.9);
        t->col_w[col_name] = dg_rng_between(rng, 1.6, 2.4);
        for (int r = 0; r < nrows; r++)
            t->row_h[r] = 1.0;
        bool time_small = dg_rng_chance(rng, 0.6);
        for (int r = 0; r < nrows; r++) {
            dg_cell c = cell_base(cx);
            if (numbered) {
                c.row = r, c.col = col_no, c.kind = DG_KIND_NUMBER, c.align = 1;
                snprintf(c.text, sizeof c.text, "%d", r + 1);
                c.size = cx->base * 1.15;
                if ((st = table_add(t, &c, err)) != AP_OK) goto out;
            }
            c = cell_base(cx);
            c.row = r, c.col = col_time, c.kind = DG_KIND_TIME, c.align = variant == 2 ? 0 : 2;
            c.size = cx->base * (time_small ? 0.7 : 0.95);
            dg_fmt_range(c.text, sizeof c.text, items[r].start, items[r].end, &cx->tf);
            if ((st = table_add(t, &c, err)) != AP_OK) goto out;
            c = cell_base(cx);
            c.row = r, c.col = col_name, c.kind = DG_KIND_NAME;
            snprintf(c.text, sizeof c.text, "%s", items[r].name);
            if (items[r].note >= 0) snprintf(c.note, sizeof c.note, "%s", notes[items[r].note]);
            if (cx->colour_mode == 3 && r % 2) c.fill = 0xeeeeee;
            if ((st = table_add(t, &c, err)) != AP_OK) goto out;
            for (int d = 0; d < 5; d++)
                if (part[g] & (1u << d))
                    if ((st = gold_add(cx, d, items[r].name, items[r].start, items[r].end, c.note,
                                       err)) != AP_OK)
                        goto out;
        }
    }
out:
    return st;
}

/* snprintf that truncates silently: the texts composed here are far shorter than the
 * buffers, and a truncated heading would still be a valid (if odd) document. */
static void fmt_into(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fmt_into(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

/* ---- heading: school, title, class / teacher / term / year in varied wording */
static ap_status build_heading(docctx *cx, ap_error *err)
{
    dg_rng *rng = cx->rng;
    dg_page *pg = cx->page;
    tt_doc *gold = cx->gold;
    char teacher[64], term[32];
    const char *cls = PICK(rng, classes);
    snprintf(teacher, sizeof teacher, "%s %s", PICK(rng, honorifics), PICK(rng, surnames));
    snprintf(term, sizeof term, "%s", PICK(rng, terms));
    int year = dg_rng_range(rng, 2019, 2026);
    bool t_on = dg_rng_chance(rng, 0.8), c_on = dg_rng_chance(rng, 0.8),
         y_on = dg_rng_chance(rng, 0.8);
    int mode = dg_rng_range(rng, 0, 4);
    static const char *const titles[] = {"Class Timetable", "Weekly Timetable", "Timetable",
                                         "Our Timetable", "Weekly Schedule"};
    if (dg_rng_chance(rng, 0.5))
        fmt_into(pg->heading, DG_TEXT_MAX, "%s%s", PICK(rng, places), PICK(rng, school_kinds));
    else if (pg->family != DG_LAYOUT_LISTS || dg_rng_chance(rng, 0.4))
        fmt_into(pg->heading, DG_TEXT_MAX, "%s", PICK(rng, titles));
    char yr[8] = "";
    if (y_on) snprintf(yr, sizeof yr, " %d", year);
    switch (mode) {
    case 0: /* nothing but the heading */
        t_on = c_on = y_on = false;
        break;
    case 1: /* "Class: 2EJ   Term: Autumn 2 2024   Teacher: Miss Joynes" */
        fmt_into(pg->meta[0], DG_TEXT_MAX, "%s%s%sTerm: %s%s%s%s", c_on ? "Class:  " : "",
                 c_on ? cls : "", c_on ? "      " : "", term, yr, t_on ? "      Teacher: " : "",
                 t_on ? teacher : "");
        break;
    case 2: /* "Miss Joynes – 2EJ" over "Autumn 2 2024" */
        fmt_into(pg->meta[0], DG_TEXT_MAX, "%s%s%s", t_on ? teacher : "", t_on && c_on ? " – " : "",
                 c_on ? cls : "");
        fmt_into(pg->meta[1], DG_TEXT_MAX, "%s%s", term, yr);
        break;
    case 3: /* "Teacher: Mr Ahmed | Class: 4B" and "Spring 1, 2025" */
        fmt_into(pg->meta[0], DG_TEXT_MAX, "%s%s%s%s%s", t_on ? "Teacher: " : "",
                 t_on ? teacher : "", t_on && c_on ? "  |  " : "", c_on ? "Class: " : "",
                 c_on ? cls : "");
        fmt_into(pg->meta[1], DG_TEXT_MAX, "%s%s%s", term, y_on ? ", " : "", y_on ? yr + 1 : "");
        break;
    default: /* everything in the footer: "2EJ · Miss Joynes · Summer Term 2023" */
        fmt_into(pg->footer, DG_TEXT_MAX, "%s%s%s%s%s%s", c_on ? cls : "", c_on ? " · " : "",
                 t_on ? teacher : "", t_on ? " · " : "", term, yr);
        break;
    }
    ap_status st = AP_OK;
    if ((t_on && (st = tt_set_str(&gold->teacher, teacher)) != AP_OK) ||
        (c_on && (st = tt_set_str(&gold->class_name, cls)) != AP_OK) ||
        (mode != 0 && (st = tt_set_str(&gold->term, term)) != AP_OK))
        return ap_fail(err, AP_ERR_NOMEM, "datagen: out of memory (heading)");
    gold->year = mode != 0 && y_on ? year : 0;
    pg->head_align = dg_rng_chance(rng, 0.7) ? 0 : 1;
    pg->head_box = dg_rng_chance(rng, 0.3);
    return st;
}

static int block_cmp(const void *a, const void *b)
{
    const tt_block *x = a, *y = b;
    if (x->day != y->day) return x->day - y->day;
    if (x->start != y->start) return x->start - y->start;
    if (x->end != y->end) return x->end - y->end;
    int c = strcmp(x->name, y->name);
    if (c) return c;
    return strcmp(x->notes ? x->notes : "", y->notes ? y->notes : "");
}

ap_status dg_model_build(uint64_t seed, size_t index, dg_layout layout, const dg_fonts *fonts,
                         dg_page *page, tt_doc *gold, ap_error *err)
{
    ap_status st = AP_OK;
    dg_rng rng;
    dg_rng_seed(&rng, seed, index);
    memset(page, 0, sizeof *page);
    memset(gold, 0, sizeof *gold);
    page->split = dg_split_of(seed, index);
    for (int i = 0; i < DG_MAX_PANELS; i++)
        page->tables[i].title_fill = page->tables[i].body_fill = DG_NO_FILL;
    /* Drawn even when forced, so that forcing a family keeps the other draws. */
    int fam = dg_rng_range(&rng, 0, 9);
    page->family = layout != DG_LAYOUT_MIXED ? layout
                   : fam < 4                 ? DG_LAYOUT_GRID_ROWS
                   : fam < 7                 ? DG_LAYOUT_GRID_COLS
                                             : DG_LAYOUT_LISTS;
    dg_style *s = &page->style;
    snprintf(s->font, sizeof s->font, "%s", pick_font(&rng, fonts, page->split));
    snprintf(s->head_font, sizeof s->head_font, "%s",
             dg_rng_chance(&rng, 0.5) ? s->font : pick_font(&rng, fonts, page->split));
    s->base_pt = dg_rng_between(&rng, 8.5, 13.0);
    int b = dg_rng_range(&rng, 0, 19);
    s->borders = b < 13   ? DG_BORDERS_FULL
                 : b < 16 ? DG_BORDERS_ROWS
                 : b < 18 ? DG_BORDERS_FRAME
                          : DG_BORDERS_NONE;
    s->line_w = dg_rng_between(&rng, 0.5, 2.0);
    s->line_rgb = dg_rng_chance(&rng, 0.8)
                      ? 0x000000
                      : PICK(&rng, ((const uint32_t[]){0x555555, 0x1f3864, 0x7f7f7f}));
    s->page_rgb = dg_rng_chance(&rng, 0.85)
                      ? 0xffffff
                      : PICK(&rng, ((const uint32_t[]){0xfffdf5, 0xf7f7f7, 0xfdf6e3}));
    s->ink_rgb = PICK(&rng, inks);
    s->hilite_rgb = PICK(&rng, hilites);
    bool lists = page->family == DG_LAYOUT_LISTS;
    page->w = 842, page->h = 595;

    docctx cx = {.rng = &rng, .page = page, .gold = gold, .base = s->base_pt};
    pick_timefmt(&rng, &cx.tf);
    cx.colour_mode = dg_rng_range(&rng, 0, 3);
    for (size_t i = 0; i < NSUBJECTS; i++)
        cx.subject_fill[i] = PICK(&rng, pastels);
    cx.head_fill = dg_rng_chance(&rng, 0.5) ? DG_NO_FILL : PICK(&rng, pastels);
    cx.break_fill =
        PICK(&rng, ((const uint32_t[]){0xa6a6a6, 0xbfbfbf, 0xd9d9d9, 0xc6e0b4, 0xf8cbad}));
    cx.head_bold = dg_rng_chance(&rng, 0.7);
    cx.nofit = dg_rng_chance(&rng, 0.2);

    if ((st = build_heading(&cx, err)) != AP_OK) goto out;
    if (page->family == DG_LAYOUT_GRID_ROWS)
        st = build_grid(&cx, true, err);
    else if (page->family == DG_LAYOUT_GRID_COLS)
        st = build_grid(&cx, false, err);
    else
        st = build_lists(&cx, err);
    if (st != AP_OK) goto out;
    if (lists && page->ntables == 1) page->w = 595, page->h = 842;
    qsort(gold->blocks, gold->nblocks, sizeof *gold->blocks, block_cmp);
out:
    if (st != AP_OK) {
        dg_page_free(page);
        tt_doc_free(gold);
    }
    return st;
}

size_t dg_known_font_count(void)
{
    return NKNOWN_FONTS;
}
const char *dg_known_font(size_t i, bool *heldout)
{
    if (i >= NKNOWN_FONTS) return NULL;
    if (heldout) *heldout = known_fonts[i].heldout;
    return known_fonts[i].name;
}
