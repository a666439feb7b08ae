#include "document/timetable.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/upload.h"

const char *const tt_day_names[7] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                     "Friday", "Saturday", "Sunday"};

int tt_day_from_name(const char *name)
{
    for (int d = 0; name && d < 7; d++)
        if (strcasecmp(name, tt_day_names[d]) == 0) return d;
    return -1;
}

int tt_day_from_word(const char *w, size_t n)
{
    static const char *const abbrevs[7][4] = {
        {"mon"}, {"tue", "tues"}, {"wed", "weds"}, {"thu", "thur", "thurs"},
        {"fri"}, {"sat"},         {"sun"},
    };
    for (int d = 0; d < 7; d++) {
        if (strlen(tt_day_names[d]) == n && strncasecmp(w, tt_day_names[d], n) == 0) return d;
        for (int k = 0; k < 4 && abbrevs[d][k]; k++)
            if (strlen(abbrevs[d][k]) == n && strncasecmp(w, abbrevs[d][k], n) == 0) return d;
    }
    return -1;
}

bool tt_text_names_day(const char *text, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && isalpha((unsigned char)text[j]))
            j++;
        if (j > i && tt_day_from_word(text + i, j - i) >= 0) return true;
        i = j > i ? j : i + 1;
    }
    return false;
}

ap_status tt_set_str(char **field, const char *value)
{
    char *copy = value ? strdup(value) : NULL;
    if (value && !copy) return AP_ERR_NOMEM;
    free(*field);
    *field = copy;
    return AP_OK;
}

ap_status tt_doc_add(tt_doc *doc, int day, const char *name, int start, int end, const char *notes,
                     float confidence, tt_bbox bbox)
{
    if (doc->nblocks == doc->cap) {
        size_t cap = doc->cap ? doc->cap * 2 : 32;
        tt_block *grown = realloc(doc->blocks, cap * sizeof *grown);
        if (!grown) return AP_ERR_NOMEM;
        doc->blocks = grown;
        doc->cap = cap;
    }
    tt_block b = {.day = day, .start = start, .end = end, .confidence = confidence, .bbox = bbox};
    b.name = strdup(name ? name : "");
    b.notes = notes ? strdup(notes) : NULL;
    if (!b.name || (notes && !b.notes)) {
        free(b.name);
        free(b.notes);
        return AP_ERR_NOMEM;
    }
    doc->blocks[doc->nblocks++] = b;
    return AP_OK;
}

ap_status tt_doc_warn(tt_doc *doc, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char **grown = realloc(doc->warnings, (doc->nwarnings + 1) * sizeof *grown);
    if (!grown) return AP_ERR_NOMEM;
    doc->warnings = grown;
    if (!(grown[doc->nwarnings] = strdup(msg))) return AP_ERR_NOMEM;
    doc->nwarnings++;
    return AP_OK;
}

typedef struct timed {
    int day, start, end;
    size_t index;
} timed;

static int cmp_timed(const void *a, const void *b)
{
    const timed *x = a, *y = b;
    if (x->day != y->day) return x->day - y->day;
    if (x->start != y->start) return x->start - y->start;
    if (x->end != y->end) return y->end - x->end; /* the longer first: it holds the other */
    return x->index < y->index ? -1 : x->index > y->index;
}

ap_status tt_doc_warn_overlaps(tt_doc *doc, size_t from)
{
    size_t n = 0, warned = 0;
    timed *t = malloc((doc->nblocks > from ? doc->nblocks - from : 1) * sizeof *t);
    if (!t) return AP_ERR_NOMEM;
    for (size_t i = from; i < doc->nblocks; i++) {
        const tt_block *b = &doc->blocks[i];
        if (b->start != TT_NO_TIME && b->end != TT_NO_TIME && b->end > b->start)
            t[n++] = (timed){b->day, b->start, b->end, i};
    }
    qsort(t, n, sizeof *t, cmp_timed);
    ap_status st = AP_OK;
    /* sweep each day in start order, holding the block that ends last so far */
    for (size_t k = 1, open = 0; k < n && st == AP_OK; k++) {
        if (t[k].day != t[open].day) {
            open = k;
            continue;
        }
        if (t[k].start < t[open].end && warned++ < TT_MAX_OVERLAP_WARNINGS) {
            const tt_block *a = &doc->blocks[t[open].index], *b = &doc->blocks[t[k].index];
            char s0[8], e0[8], s1[8], e1[8];
            st = tt_doc_warn(
                doc, "overlapping times on %s: '%s' %s-%s and '%s' %s-%s", tt_day_names[a->day],
                a->name, tt_time_str(a->start, s0, sizeof s0), tt_time_str(a->end, e0, sizeof e0),
                b->name, tt_time_str(b->start, s1, sizeof s1), tt_time_str(b->end, e1, sizeof e1));
        }
        if (t[k].end > t[open].end) open = k;
    }
    if (st == AP_OK && warned > TT_MAX_OVERLAP_WARNINGS)
        st = tt_doc_warn(doc, "%zu more blocks overlap another in time",
                         warned - TT_MAX_OVERLAP_WARNINGS);
    free(t);
    return st;
}

void tt_doc_free(tt_doc *doc)
{
    if (!doc) return;
    for (size_t i = 0; i < doc->nblocks; i++) {
        free(doc->blocks[i].name);
        free(doc->blocks[i].notes);
    }
    for (size_t i = 0; i < doc->nwarnings; i++)
        free(doc->warnings[i]);
    free(doc->blocks);
    free(doc->warnings);
    free(doc->source);
    free(doc->teacher);
    free(doc->class_name);
    free(doc->term);
    *doc = (tt_doc){0};
}

const char *tt_time_str(int minutes, char *buf, size_t size)
{
    if (minutes < 0) return NULL;
    snprintf(buf, size, "%02d:%02d", minutes / 60 % 24, minutes % 60);
    return buf;
}

int tt_time_from_str(const char *s)
{
    int h = 0, m = 0, n = 0;
    if (!s || sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2 || s[n] || h > 23 || m > 59 || h < 0 || m < 0)
        return -1;
    return h * 60 + m;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *time_json(int minutes)
{
    char buf[8];
    const char *s = tt_time_str(minutes, buf, sizeof buf);
    return s ? json_string(s) : json_null();
}

json_t *tt_doc_to_json(const tt_doc *doc, unsigned flags)
{
    json_t *root = json_object(), *blocks = json_array();
    if (!root || !blocks) {
        json_decref(root);
        json_decref(blocks);
        return NULL;
    }
    json_object_set_new(root, "source", str_or_null(doc->source));
    json_object_set_new(root, "teacher", str_or_null(doc->teacher));
    json_object_set_new(root, "className", str_or_null(doc->class_name));
    json_object_set_new(root, "term", str_or_null(doc->term));
    json_object_set_new(root, "year", doc->year ? json_integer(doc->year) : json_null());
    for (size_t i = 0; i < doc->nblocks; i++) {
        const tt_block *b = &doc->blocks[i];
        json_t *o = json_object();
        json_object_set_new(o, "day", json_string(tt_day_names[b->day % 7]));
        json_object_set_new(o, "name", json_string(b->name));
        json_object_set_new(o, "startTime", time_json(b->start));
        json_object_set_new(o, "endTime", time_json(b->end));
        json_object_set_new(o, "notes", str_or_null(b->notes));
        if (flags & TT_JSON_EXTRAS) {
            json_object_set_new(o, "confidence", json_real(b->confidence));
            json_object_set_new(o, "bbox",
                                json_pack("{s:i,s:i,s:i,s:i,s:i}", "page", b->bbox.page, "x",
                                          b->bbox.x, "y", b->bbox.y, "w", b->bbox.w, "h",
                                          b->bbox.h));
        }
        json_array_append_new(blocks, o);
    }
    json_object_set_new(root, "timeblocks", blocks);
    if (flags & TT_JSON_EXTRAS) {
        json_t *w = json_array();
        for (size_t i = 0; i < doc->nwarnings; i++)
            json_array_append_new(w, json_string(doc->warnings[i]));
        json_object_set_new(root, "warnings", w);
    }
    return root;
}

/* Reads an optional string member into *field. */
static ap_status read_str(const json_t *obj, const char *key, char **field, ap_error *err)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) return AP_OK;
    if (!json_is_string(v)) return ap_fail(err, AP_ERR_INVALID, "%s must be a string", key);
    return tt_set_str(field, json_string_value(v)) == AP_OK
               ? AP_OK
               : ap_fail(err, AP_ERR_NOMEM, "out of memory");
}

static ap_status read_time(const json_t *v, size_t i, const char *key, int *out, ap_error *err)
{
    *out = TT_NO_TIME;
    if (!v || json_is_null(v)) return AP_OK;
    if (!json_is_string(v) || (*out = tt_time_from_str(json_string_value(v))) < 0)
        return ap_fail(err, AP_ERR_INVALID, "timeblocks[%zu].%s must be \"HH:MM\" or null", i, key);
    return AP_OK;
}

ap_status tt_doc_from_json(const json_t *root, tt_doc *doc, ap_error *err)
{
    *doc = (tt_doc){0};
    ap_status st = AP_OK;
    if (!json_is_object(root)) return ap_fail(err, AP_ERR_INVALID, "document must be an object");
    if ((st = read_str(root, "source", &doc->source, err)) ||
        (st = read_str(root, "teacher", &doc->teacher, err)) ||
        (st = read_str(root, "className", &doc->class_name, err)) ||
        (st = read_str(root, "term", &doc->term, err)))
        goto fail;
    const json_t *year = json_object_get(root, "year");
    if (json_is_integer(year))
        doc->year = (int)json_integer_value(year);
    else if (json_is_string(year))
        doc->year = (int)strtol(json_string_value(year), NULL, 10);
    else if (year && !json_is_null(year)) {
        st = ap_fail(err, AP_ERR_INVALID, "year must be a number");
        goto fail;
    }
    const json_t *blocks = json_object_get(root, "timeblocks");
    if (!json_is_array(blocks)) {
        st = ap_fail(err, AP_ERR_INVALID, "timeblocks must be an array");
        goto fail;
    }
    if (json_array_size(blocks) > TT_MAX_BLOCKS) {
        st = ap_fail(err, AP_ERR_TOO_LARGE, "more than %d timeblocks", TT_MAX_BLOCKS);
        goto fail;
    }
    size_t i;
    const json_t *b;
    json_array_foreach(blocks, i, b)
    {
        const json_t *day = json_object_get(b, "day"), *name = json_object_get(b, "name");
        int d = json_is_string(day) ? tt_day_from_name(json_string_value(day)) : -1;
        if (d < 0) {
            st = ap_fail(err, AP_ERR_INVALID, "timeblocks[%zu].day must be a weekday name", i);
            goto fail;
        }
        if (!json_is_string(name)) {
            st = ap_fail(err, AP_ERR_INVALID, "timeblocks[%zu].name must be a string", i);
            goto fail;
        }
        int start, end;
        if ((st = read_time(json_object_get(b, "startTime"), i, "startTime", &start, err)) ||
            (st = read_time(json_object_get(b, "endTime"), i, "endTime", &end, err)))
            goto fail;
        const json_t *notes = json_object_get(b, "notes");
        if (notes && !json_is_null(notes) && !json_is_string(notes)) {
            st = ap_fail(err, AP_ERR_INVALID, "timeblocks[%zu].notes must be a string or null", i);
            goto fail;
        }
        const json_t *conf = json_object_get(b, "confidence");
        float c = json_is_number(conf) ? (float)json_number_value(conf) : 1.0f;
        if (tt_doc_add(doc, d, json_string_value(name), start, end,
                       json_is_string(notes) ? json_string_value(notes) : NULL, c,
                       (tt_bbox){0}) != AP_OK) {
            st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
            goto fail;
        }
    }
    return AP_OK;
fail:
    tt_doc_free(doc);
    return st;
}

ap_status tt_doc_load(const char *path, tt_doc *doc, ap_error *err)
{
    unsigned char *data = NULL;
    size_t len = 0;
    *doc = (tt_doc){0};
    ap_status st = upload_read_file(path, 16u << 20, &data, &len, err);
    if (st != AP_OK) return st;
    json_error_t jerr;
    json_t *root = json_loadb((const char *)data, len, 0, &jerr);
    free(data);
    if (!root)
        return ap_fail(err, AP_ERR_INVALID, "%s:%d: invalid JSON: %s", path, jerr.line, jerr.text);
    st = tt_doc_from_json(root, doc, err);
    json_decref(root);
    if (st != AP_OK && err) {
        char msg[sizeof err->msg + 1024];
        snprintf(msg, sizeof msg, "%s: %s", path, err->msg);
        memcpy(err->msg, msg, sizeof err->msg - 1);
        err->msg[sizeof err->msg - 1] = '\0';
    }
    return st;
}
