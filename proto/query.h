/*  proto/query.h - an analyst's statistical query, written the way an R
    user would, parsed into a tree, checked against the consortium's data
    dictionary, and evaluated on one record. The analyst's client, the
    coordinator and every site parse the same text with the same rules, so a
    site never takes a query's meaning from the coordinator.

    Grammar (spaces are free between tokens):

        query   := FUNC '(' [arg {',' arg}] ')'
        arg     := NAME '=' value           by=, where=, breaks=, right=
                 | term | NUMBER
        term    := factor ['^' INTEGER]     powers 2..4
        factor  := NAME                     a dictionary column
                 | 'log' '(' term ')'
                 | 'cut' '(' term ',' breaks [',' 'right' '=' BOOL] ')'
                 | '(' term ')'
        breaks  := 'c' '(' NUMBER {',' NUMBER} ')'     ascending, -Inf/Inf ends
                 | NUMBER ':' NUMBER ':' NUMBER         lo:hi:step
        where   := disj;  disj := conj {'|' conj};  conj := unary {'&' unary}
        unary   := '!' unary | '(' where ')' | term CMP literal
                 | term '%in%' 'c' '(' literal {',' literal} ')'
        CMP     := '==' | '!=' | '<' | '<=' | '>' | '>='
        literal := NUMBER | STRING          "..." or '...' (a level)
        BOOL    := TRUE | FALSE

    Functions (FUNC) and their positional arguments:
        count()                     no arguments
        summary(x, ...)             1..PROTO_QUERY_TERMS_MAX numeric terms:
                                    count, mean, sd
        mean(x, ...), var(x, ...)   the same, one statistic
        histogram(x, breaks=...)    one numeric term; breaks default to 20
                                    equal bins over the term's public range
        quantiles(x, p, ...)        one numeric term and 0..99 probabilities
                                    in (0, 1) (default 0.25, 0.5, 0.75)
        crosstab(a [, b])           one or two categorical terms
        correlation(a, b, ...)      2..PROTO_QUERY_TERMS_MAX numeric terms
        glm(y ~ a + b + factor(c) [+ offset(t)], family=gaussian)
                                    a generalised linear model: term 0 is the
                                    outcome, the others the predictors; a
                                    categorical one (factor(x), or a
                                    categorical column) is coded against its
                                    first level, as R does. family= gaussian
                                    (identity link), binomial (logit; the
                                    outcome's public range within [0, 1]) or
                                    poisson (log; the outcome's public minimum
                                    at least 0). offset(t): a numeric term
                                    added to the linear predictor with
                                    coefficient 1 (binomial and poisson), not
                                    a predictor. weights=w: prior weights, a
                                    numeric column whose public minimum is at
                                    least 0 (binomial and poisson).
                                    iterations=N (1..25): the fit's rounds
                                    (with privacy on, exactly N; off, at most
                                    N; 0 or absent: the default)
        coxph(Surv(time, status) ~ a + b + factor(c), grid=W)
                                    Cox proportional hazards (Breslow ties) on
                                    times placed on a public grid: terms 0 and
                                    1 are the time and the status, as in km(),
                                    the others the covariates (coded as in
                                    glm(), without an intercept). grid=W (a
                                    number) is 0:ceiling(hi/W)*W:W over the
                                    time's public range; grid=lo:hi:step and
                                    grid=c(...) as in km(). iterations= as in
                                    glm(). No by=.
        km(Surv(time, status) ~ group, grid=lo:hi:step)
                                    Kaplan-Meier on a public time grid: terms
                                    0 and 1 are the time and the status (an
                                    event or binary column), the group after
                                    '~' (or 1 for none) is by=, the grid the
                                    breaks. A time t falls at the grid point
                                    that ends its interval (g[k-1], g[k]]; at
                                    or below g[0] at g[0]; above the last
                                    point in a final interval past the grid.
    Every function takes by= (a categorical term) and where= (a condition).

    A categorical term is a categorical, binary or event column, an integer
    column with at most max_levels values in its range, or cut(). cut()
    makes R's labels ("(30,40]", or "[30,40)" with right=FALSE); a value
    outside its breaks is missing (NA), as in R. A numeric term is any column
    but a categorical one, log() of a term whose public minimum is positive,
    or a power; its public range follows from the dictionary's bounds.
    Histogram bins are R's hist(): (a, b], the first closed [a, b].

    Missing values: a record is left out when any variable the query reads
    (its terms, by= and where=) is missing, or a cut() or histogram puts it
    outside its breaks (R's na.omit; proto_query_complete).

    Errors are one line, "query:COLUMN: reason", COLUMN counting from 1 in
    the text (parse), or "query: reason" naming the term (check).

    Contents
        proto_query_kind_t, proto_query_t   a query and its kind
        proto_term_t, proto_cond_t          terms and where= conditions
        proto_query_parse                   text to a tree, strictly
        proto_query_check                   against a dictionary
        proto_query_destroy                 frees
        proto_query_kind_name               "summary", ...
        proto_term_label                    "log(insulin)", for reports
        proto_term_eval                     a term's value on one record
        proto_query_complete                is a record used at all?
        proto_cond_eval                     does a record pass where=?
        proto_query_hist_bin                a value's histogram bin

    A query owns its tree and strings and is the caller's
    (proto_query_destroy, NULL-safe). After proto_query_check it also
    refers to the dictionary's variables: keep the dictionary alive as
    long as the query. Errors are NULL / -1 with the reason in the error
    slot (util/error.h).
*/
#ifndef PROTO_QUERY_H
#define PROTO_QUERY_H

#include "proto.h"
#include "models/dictionary.h"

#include <stdbool.h>
#include <stddef.h>

#define PROTO_QUERY_TEXT_MAX    4096    //  characters of query text
#define PROTO_QUERY_TERMS_MAX   16      //  positional terms of one query
#define PROTO_QUERY_PROBS_MAX   99
#define PROTO_QUERY_BREAKS_MAX  4097    //  histogram: 4096 bins
#define PROTO_QUERY_DEPTH_MAX   32      //  nesting of terms and conditions
#define PROTO_QUERY_LEVELS_DEFAULT 40   //  levels of one categorical term
#define PROTO_QUERY_HIST_DEFAULT 20     //  histogram bins without breaks=
#define PROTO_QUERY_ITERATIONS_MAX 25   //  glm() and coxph(): iterations=

typedef enum {
    PROTO_Q_COUNT,
    PROTO_Q_SUMMARY,
    PROTO_Q_MEAN,
    PROTO_Q_VAR,
    PROTO_Q_HISTOGRAM,
    PROTO_Q_QUANTILES,
    PROTO_Q_CROSSTAB,
    PROTO_Q_CORRELATION,
    PROTO_Q_KM,
    PROTO_Q_GLM,
    PROTO_Q_COX
} proto_query_kind_t;

typedef enum { PROTO_FAMILY_GAUSSIAN, PROTO_FAMILY_BINOMIAL, PROTO_FAMILY_POISSON } proto_family_t;

typedef enum {
    PROTO_TERM_COLUMN,
    PROTO_TERM_LOG,
    PROTO_TERM_POW,
    PROTO_TERM_CUT
} proto_term_kind_t;

typedef struct _proto_term_t proto_term_t;
struct _proto_term_t {
    proto_term_kind_t kind;
    char *column;               //  COLUMN: the dictionary name
    proto_term_t *arg;          //  LOG, POW, CUT
    unsigned power;             //  POW: 2..4
    double *breaks;             //  CUT: ascending
    size_t n_breaks;
    bool right;                 //  CUT: intervals closed on the right (R default)
    bool factor;                //  written factor(x): a category in glm()
    //  Set by proto_query_check:
    size_t var_index;           //  COLUMN: index in the dictionary
    bool categorical;
    size_t n_levels;            //  categorical: its levels, 0..n_levels-1
    char **levels;              //  categorical: labels (owned, for reports)
    double lo, hi;              //  numeric: public range of the value
};

typedef enum {
    PROTO_COND_AND,
    PROTO_COND_OR,
    PROTO_COND_NOT,
    PROTO_COND_CMP,
    PROTO_COND_IN
} proto_cond_kind_t;

typedef enum { PROTO_EQ, PROTO_NE, PROTO_LT, PROTO_LE, PROTO_GT, PROTO_GE } proto_cmp_t;

typedef struct _proto_cond_t proto_cond_t;
struct _proto_cond_t {
    proto_cond_kind_t kind;
    proto_cond_t *left, *right; //  AND, OR (both), NOT (left)
    proto_term_t *term;         //  CMP, IN
    proto_cmp_t op;             //  CMP
    size_t n_values;            //  CMP: 1; IN: 1..PROTO_QUERY_TERMS_MAX
    double *numbers;            //  literal numbers (a level's index after check)
    char **strings;             //  literal strings (NULL entries for numbers)
};

typedef struct {
    proto_query_kind_t kind;
    char *text;                 //  the text parsed
    proto_term_t **terms;       //  positional terms
    size_t n_terms;
    double *probs;              //  quantiles
    size_t n_probs;
    double *breaks;             //  histogram (NULL: default, set by check)
    size_t n_breaks;
    proto_family_t family;      //  glm(): family= (default gaussian)
    proto_term_t *offset;       //  glm(): offset(term), NULL for none (a numeric term)
    proto_term_t *weights;      //  glm(): weights=, NULL for none (a numeric column)
    unsigned iterations;        //  glm(), coxph(): iterations= (0: the default)
    proto_term_t *by;           //  NULL: no grouping
    proto_cond_t *where;        //  NULL: every record
    //  Set by proto_query_check: the dictionary variables read, ascending.
    size_t *used;
    size_t n_used;
} proto_query_t;

/*  Parses a query. NULL with "query:COLUMN: reason" (UTIL_EINPUT), or
    UTIL_ENOMEM. */
proto_query_t *proto_query_parse (const char *text);

/*  Resolves every column against the dictionary and checks types, ranges
    and levels: an unknown column, a categorical column where a number is
    needed (or the reverse), log() of a term whose minimum is not positive,
    a level that is not one of the column's, a categorical term of more
    than max_levels levels, histogram breaks that are not ascending or give
    more than PROTO_QUERY_BREAKS_MAX - 1 bins. 0 or -1 (UTIL_EINPUT,
    UTIL_ENOMEM). Call once. */
int proto_query_check (proto_query_t *self, const model_dict_t *dict, size_t max_levels)
    PROTO_WUR;

void proto_query_destroy (proto_query_t **self_p);

const char *proto_query_kind_name (proto_query_kind_t kind);

/*  The term as text ("log(insulin)", "cut(age, c(30, 40))"): a new string
    (free), or NULL (UTIL_ENOMEM). */
char *proto_term_label (const proto_term_t *term);

/*  A checked term's value on one record. `record` holds one value per
    dictionary variable, indexed as the dictionary (model_dict_value's
    reading, clamped to the bounds; NaN when missing). Numeric terms give
    their value, categorical terms their level index; NaN when missing or
    outside cut()'s breaks. */
double proto_term_eval (const proto_term_t *term, const double *record);

/*  Whether a record is used at all: every variable read is present, every
    cut() and the histogram's breaks hold its value. */
bool proto_query_complete (const proto_query_t *self, const double *record);

/*  Whether a complete record passes where= (true when there is none). */
bool proto_cond_eval (const proto_cond_t *cond, const double *record);

/*  The histogram bin of x (R's hist: (a, b], the first bin closed [a, b]),
    or -1 outside the breaks. */
long proto_query_hist_bin (const proto_query_t *self, double x);

#endif
