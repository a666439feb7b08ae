/* reg_filter: MLflow's search filter and order_by strings, parsed into clauses.
 *
 * Filter grammar (MLflow's SQL subset): clause (AND clause)*, where a clause is
 *   identifier comparator value
 *   identifier := [entity '.'] key, entity one of metric(s), param(s)/parameter(s),
 *                 tag(s), attribute(s)/attr/run; key bare, "double quoted" or `backticked`
 *   comparator := = != <> > >= < <= LIKE ILIKE IN NOT IN  (case-insensitive words)
 *   value      := 'string' | "string" | number | ( value, value ... )
 * An identifier without an entity is an attribute (name = 'x', run_id IN (...)).
 * order_by: identifier [ASC|DESC]. */
#ifndef AP_REG_FILTER_H
#define AP_REG_FILTER_H

#include <stdbool.h>
#include <stddef.h>

typedef enum reg_key_kind { REG_ATTR, REG_METRIC, REG_PARAM, REG_TAG } reg_key_kind;

typedef struct reg_clause {
    reg_key_kind kind;
    char key[256];
    char op[8];     /* "=", "!=", ">", ">=", "<", "<=", "LIKE", "ILIKE", "IN", "NOT IN" */
    bool is_number; /* value was a bare number (num holds it; str its text) */
    double num;
    char *str;   /* the value's text (owned) */
    char **list; /* IN / NOT IN values (owned) */
    size_t nlist;
} reg_clause;

typedef struct reg_filter {
    reg_clause *clauses;
    size_t n;
} reg_filter;

/* Parses filter (NULL or blank: no clauses). On false, err holds a message for the client
 * and f is left empty. */
bool reg_filter_parse(const char *filter, reg_filter *f, char *err, size_t errsize);
void reg_filter_free(reg_filter *f);

/* Parses one order_by item into its key kind, key and direction. */
bool reg_order_parse(const char *s, reg_key_kind *kind, char *key, size_t keysize, bool *asc,
                     char *err, size_t errsize);

#endif
