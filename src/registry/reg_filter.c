/* reg_filter: a hand-written scanner and recursive parser for MLflow's filter strings
 * (reg_filter.h has the grammar). Values are kept as text with a number flag: the caller
 * knows the column type and binds accordingly. */
#include "registry/reg_filter.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_CLAUSES 64
#define MAX_LIST    1000

typedef struct scanner {
    const char *p;
    char *err;
    size_t errsize;
} scanner;

static void skip_space(scanner *s)
{
    while (isspace((unsigned char)*s->p))
        s->p++;
}

static bool fail(scanner *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fail(scanner *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, s->errsize, fmt, ap);
    va_end(ap);
    return false;
}

/* Reads a quoted token (quote char at *p) into out; doubled quotes stand for one. */
static bool read_quoted(scanner *s, char *out, size_t size)
{
    char q = *s->p++;
    size_t n = 0;
    for (;;) {
        if (!*s->p) return fail(s, "Invalid filter: unterminated quoted string %s", "");
        if (*s->p == q) {
            if (s->p[1] == q && q != '`') {
                s->p++;
            } else {
                s->p++;
                break;
            }
        } else if (*s->p == '\\' && s->p[1] == q) {
            s->p++;
        }
        if (n + 1 >= size) return fail(s, "Invalid filter: value too long %s", "");
        out[n++] = *s->p++;
    }
    out[n] = '\0';
    return true;
}

static bool is_word(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-' || c == '/' || c == ':';
}

static bool entity_kind(const char *e, reg_key_kind *kind)
{
    static const struct {
        const char *name;
        reg_key_kind kind;
    } map[] = {{"metric", REG_METRIC},   {"metrics", REG_METRIC},  {"param", REG_PARAM},
               {"params", REG_PARAM},    {"parameter", REG_PARAM}, {"parameters", REG_PARAM},
               {"tag", REG_TAG},         {"tags", REG_TAG},        {"attribute", REG_ATTR},
               {"attributes", REG_ATTR}, {"attr", REG_ATTR},       {"run", REG_ATTR}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(e, map[i].name) == 0) {
            *kind = map[i].kind;
            return true;
        }
    return false;
}

/* identifier: [entity.]key with the key bare or quoted. */
static bool read_identifier(scanner *s, reg_key_kind *kind, char *key, size_t size)
{
    skip_space(s);
    *kind = REG_ATTR;
    if (*s->p == '"' || *s->p == '`') return read_quoted(s, key, size);
    const char *start = s->p;
    while (isalnum((unsigned char)*s->p) || *s->p == '_')
        s->p++;
    if (s->p == start) return fail(s, "Invalid filter: expected an identifier at '%s'", start);
    char first[64];
    size_t n = (size_t)(s->p - start);
    if (n >= sizeof first) n = sizeof first - 1;
    memcpy(first, start, n);
    first[n] = '\0';
    if (*s->p == '.' && entity_kind(first, kind)) {
        s->p++;
        if (*s->p == '"' || *s->p == '`') return read_quoted(s, key, size);
        const char *k = s->p;
        while (is_word(*s->p))
            s->p++;
        if (s->p == k) return fail(s, "Invalid filter: expected a key after '%s.'", first);
        if ((size_t)(s->p - k) >= size) return fail(s, "Invalid filter: key too long%s", "");
        memcpy(key, k, (size_t)(s->p - k));
        key[s->p - k] = '\0';
        return true;
    }
    /* A bare attribute name (it may contain dots: dataset-like keys are not supported). */
    s->p = start;
    while (is_word(*s->p))
        s->p++;
    if ((size_t)(s->p - start) >= size) return fail(s, "Invalid filter: key too long%s", "");
    memcpy(key, start, (size_t)(s->p - start));
    key[s->p - start] = '\0';
    return true;
}

static bool match_word(scanner *s, const char *word)
{
    size_t n = strlen(word);
    if (strncasecmp(s->p, word, n) == 0 && !is_word(s->p[n])) {
        s->p += n;
        return true;
    }
    return false;
}

static bool read_op(scanner *s, char *op)
{
    skip_space(s);
    static const char *const symbols[] = {">=", "<=", "!=", "<>", "=", ">", "<"};
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++)
        if (strncmp(s->p, symbols[i], strlen(symbols[i])) == 0) {
            s->p += strlen(symbols[i]);
            snprintf(op, 8, "%s", strcmp(symbols[i], "<>") == 0 ? "!=" : symbols[i]);
            return true;
        }
    if (match_word(s, "LIKE")) return snprintf(op, 8, "LIKE"), true;
    if (match_word(s, "ILIKE")) return snprintf(op, 8, "ILIKE"), true;
    if (match_word(s, "IN")) return snprintf(op, 8, "IN"), true;
    if (match_word(s, "NOT")) {
        skip_space(s);
        if (match_word(s, "IN")) return snprintf(op, 8, "NOT IN"), true;
        if (match_word(s, "LIKE"))
            return fail(s, "Invalid filter: NOT LIKE is not supported%s", "");
    }
    return fail(s, "Invalid filter: expected a comparator at '%s'", s->p);
}

/* value: quoted string or number; *is_number says which. */
static bool read_value(scanner *s, char *out, size_t size, bool *is_number)
{
    skip_space(s);
    *is_number = false;
    if (*s->p == '\'' || *s->p == '"') return read_quoted(s, out, size);
    char *end;
    strtod(s->p, &end);
    if (end == s->p) return fail(s, "Invalid filter: expected a value at '%s'", s->p);
    if ((size_t)(end - s->p) >= size) return fail(s, "Invalid filter: value too long%s", "");
    memcpy(out, s->p, (size_t)(end - s->p));
    out[end - s->p] = '\0';
    s->p = end;
    *is_number = true;
    return true;
}

static void clause_free(reg_clause *c)
{
    free(c->str);
    for (size_t i = 0; i < c->nlist; i++)
        free(c->list[i]);
    free(c->list);
}

static bool read_clause(scanner *s, reg_clause *c)
{
    memset(c, 0, sizeof *c);
    if (!read_identifier(s, &c->kind, c->key, sizeof c->key)) return false;
    if (!read_op(s, c->op)) return false;
    char value[4096];
    if (strcmp(c->op, "IN") == 0 || strcmp(c->op, "NOT IN") == 0) {
        skip_space(s);
        if (*s->p != '(') return fail(s, "Invalid filter: expected '(' after IN at '%s'", s->p);
        s->p++;
        for (;;) {
            bool num;
            if (!read_value(s, value, sizeof value, &num)) return false;
            if (c->nlist >= MAX_LIST) return fail(s, "Invalid filter: IN list too long%s", "");
            char **grown = realloc(c->list, (c->nlist + 1) * sizeof *grown);
            if (!grown) return fail(s, "out of memory%s", "");
            c->list = grown;
            if (!(c->list[c->nlist] = strdup(value))) return fail(s, "out of memory%s", "");
            c->nlist++;
            skip_space(s);
            if (*s->p == ',') {
                s->p++;
                continue;
            }
            if (*s->p == ')') {
                s->p++;
                break;
            }
            return fail(s, "Invalid filter: expected ',' or ')' at '%s'", s->p);
        }
        return true;
    }
    if (!read_value(s, value, sizeof value, &c->is_number)) return false;
    if (c->is_number) c->num = strtod(value, NULL);
    c->str = strdup(value);
    if (!c->str) return fail(s, "out of memory%s", "");
    return true;
}

bool reg_filter_parse(const char *filter, reg_filter *f, char *err, size_t errsize)
{
    memset(f, 0, sizeof *f);
    if (!filter) return true;
    scanner s = {.p = filter, .err = err, .errsize = errsize};
    skip_space(&s);
    if (!*s.p) return true;
    f->clauses = calloc(MAX_CLAUSES, sizeof *f->clauses);
    if (!f->clauses) return fail(&s, "out of memory%s", "");
    for (;;) {
        if (f->n >= MAX_CLAUSES) {
            fail(&s, "Invalid filter: more than 64 clauses%s", "");
            goto bad;
        }
        bool ok = read_clause(&s, &f->clauses[f->n]);
        f->n++;
        if (!ok) goto bad;
        skip_space(&s);
        if (!*s.p) return true;
        if (!match_word(&s, "AND")) {
            if (match_word(&s, "OR"))
                fail(&s, "Invalid filter: OR is not supported%s", "");
            else
                fail(&s, "Invalid filter: expected AND at '%s'", s.p);
            goto bad;
        }
    }
bad:
    reg_filter_free(f);
    return false;
}

void reg_filter_free(reg_filter *f)
{
    if (!f) return;
    for (size_t i = 0; i < f->n; i++)
        clause_free(&f->clauses[i]);
    free(f->clauses);
    f->clauses = NULL;
    f->n = 0;
}

bool reg_order_parse(const char *str, reg_key_kind *kind, char *key, size_t keysize, bool *asc,
                     char *err, size_t errsize)
{
    scanner s = {.p = str, .err = err, .errsize = errsize};
    if (!read_identifier(&s, kind, key, keysize)) return false;
    *asc = true;
    skip_space(&s);
    if (match_word(&s, "DESC"))
        *asc = false;
    else
        match_word(&s, "ASC");
    skip_space(&s);
    if (*s.p) return fail(&s, "Invalid order_by clause '%s'", str);
    return true;
}
