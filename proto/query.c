/*  proto/query.c - R-like query text to a checked tree, and its evaluation
    on one record. A recursive-descent parser over a small lexer; depth is
    bounded, every list is capped before it grows. */
#include "query.h"
#include "util/alloc.h"
#include "util/error.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_kind_names [] = {
    "count", "summary", "mean", "var", "histogram", "quantiles", "crosstab", "correlation", "km",
    "glm", "coxph"
};
#define S_KINDS (sizeof s_kind_names / sizeof s_kind_names [0])

const char *
proto_query_kind_name (proto_query_kind_t kind)
{
    return (size_t) kind < S_KINDS? s_kind_names [kind]: "?";
}

//  --------------------------------------------------------------------------
//  Freeing

static void
s_term_free (proto_term_t *term)
{
    if (!term)
        return;
    s_term_free (term->arg);
    free (term->column);
    free (term->breaks);
    for (size_t i = 0; term->levels && i < term->n_levels; i++)
        free (term->levels [i]);
    free (term->levels);
    free (term);
}

static void
s_cond_free (proto_cond_t *cond)
{
    if (!cond)
        return;
    s_cond_free (cond->left);
    s_cond_free (cond->right);
    s_term_free (cond->term);
    for (size_t i = 0; cond->strings && i < cond->n_values; i++)
        free (cond->strings [i]);
    free (cond->strings);
    free (cond->numbers);
    free (cond);
}

void
proto_query_destroy (proto_query_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    proto_query_t *self = *self_p;
    for (size_t i = 0; i < self->n_terms; i++)
        s_term_free (self->terms [i]);
    free (self->terms);
    s_term_free (self->offset);
    s_term_free (self->weights);
    s_term_free (self->by);
    s_cond_free (self->where);
    free (self->probs);
    free (self->breaks);
    free (self->used);
    free (self->text);
    free (self);
    *self_p = NULL;
}

//  --------------------------------------------------------------------------
//  The lexer

typedef enum {
    T_END, T_NAME, T_NUMBER, T_STRING, T_LPAREN, T_RPAREN, T_COMMA, T_ASSIGN, T_CARET,
    T_COLON, T_NOT, T_AND, T_OR, T_MINUS, T_IN, T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_TILDE,
    T_PLUS
} s_tok_t;

typedef struct {
    const char *text;
    size_t pos;                 //  start of the current token
    size_t end;                 //  just past it
    s_tok_t tok;
    double number;              //  T_NUMBER
    char *string;               //  T_NAME, T_STRING (owned until taken)
    unsigned depth;
    size_t fail_at;             //  where the last failure was reported
} s_parser_t;

static int
s_fail (s_parser_t *p, size_t pos, const char *fmt, ...) __attribute__((format (printf, 3, 4)));

static int
s_fail (s_parser_t *p, size_t pos, const char *fmt, ...)
{
    char reason [256];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (reason, sizeof reason, fmt, ap);
    va_end (ap);
    p->fail_at = pos;
    return util_error (UTIL_EINPUT, "query:%zu: %s", pos + 1, reason);
}

static const char *
s_tok_name (s_tok_t tok)
{
    static const char *names [] = {
        "the end", "a name", "a number", "a string", "'('", "')'", "','", "'='", "'^'",
        "':'", "'!'", "'&'", "'|'", "'-'", "'%in%'", "'=='", "'!='", "'<'", "'<='", "'>'", "'>='",
        "'~'", "'+'"
    };
    return names [tok];
}

//  Reads the next token into p. 0 or -1.
static int
s_next (s_parser_t *p)
{
    free (p->string);
    p->string = NULL;
    const char *s = p->text;
    size_t i = p->end;
    while (s [i] == ' ' || s [i] == '\t' || s [i] == '\n' || s [i] == '\r')
        i++;
    p->pos = i;
    char c = s [i];
    if (!c) {
        p->tok = T_END;
        p->end = i;
        return 0;
    }
    if (isalpha ((unsigned char) c) || c == '.' || c == '_') {
        //  A name; a '.' followed by a digit is a number.
        if (c == '.' && isdigit ((unsigned char) s [i + 1]))
            goto number;
        size_t j = i;
        while (isalnum ((unsigned char) s [j]) || s [j] == '.' || s [j] == '_')
            j++;
        if (j - i > MODEL_DICT_NAME_LEN)
            return s_fail (p, i, "a name longer than %d characters", MODEL_DICT_NAME_LEN);
        p->string = util_strndup (s + i, j - i);
        if (!p->string)
            return -1;
        p->tok = T_NAME;
        p->end = j;
        return 0;
    }
    if (isdigit ((unsigned char) c)) {
number:;
        char *end;
        errno = 0;
        double v = strtod (s + i, &end);
        size_t j = (size_t) (end - s);
        //  strtod also reads hex, inf and nan: only plain decimals here.
        for (size_t k = i; k < j; k++)
            if (!isdigit ((unsigned char) s [k]) && s [k] != '.' && s [k] != 'e'
            && s [k] != 'E' && s [k] != '+' && s [k] != '-')
                return s_fail (p, i, "a malformed number");
        if (errno || j == i || !isfinite (v))
            return s_fail (p, i, "a number out of range");
        if (isalpha ((unsigned char) s [j]) || s [j] == '_' || s [j] == '.')
            return s_fail (p, i, "a malformed number");
        p->tok = T_NUMBER;
        p->number = v;
        p->end = j;
        return 0;
    }
    if (c == '"' || c == '\'') {
        size_t j = i + 1;
        while (s [j] && s [j] != c) {
            if ((unsigned char) s [j] < 0x20 || s [j] == '\\')
                return s_fail (p, j, "strings take printable characters, no escapes");
            j++;
        }
        if (!s [j])
            return s_fail (p, i, "a string with no closing quote");
        if (j - i - 1 > MODEL_DICT_LEVEL_LEN)
            return s_fail (p, i, "a string longer than %d characters", MODEL_DICT_LEVEL_LEN);
        p->string = util_strndup (s + i + 1, j - i - 1);
        if (!p->string)
            return -1;
        p->tok = T_STRING;
        p->end = j + 1;
        return 0;
    }
    p->end = i + 1;
    switch (c) {
        case '(': p->tok = T_LPAREN; return 0;
        case ')': p->tok = T_RPAREN; return 0;
        case ',': p->tok = T_COMMA; return 0;
        case '^': p->tok = T_CARET; return 0;
        case ':': p->tok = T_COLON; return 0;
        case '~': p->tok = T_TILDE; return 0;
        case '+': p->tok = T_PLUS; return 0;
        case '&': p->tok = T_AND; if (s [i + 1] == '&') p->end++; return 0;
        case '|': p->tok = T_OR; if (s [i + 1] == '|') p->end++; return 0;
        case '-': p->tok = T_MINUS; return 0;
        case '=':
            if (s [i + 1] == '=') { p->tok = T_EQ; p->end++; }
            else p->tok = T_ASSIGN;
            return 0;
        case '!':
            if (s [i + 1] == '=') { p->tok = T_NE; p->end++; }
            else p->tok = T_NOT;
            return 0;
        case '<':
            if (s [i + 1] == '=') { p->tok = T_LE; p->end++; }
            else p->tok = T_LT;
            return 0;
        case '>':
            if (s [i + 1] == '=') { p->tok = T_GE; p->end++; }
            else p->tok = T_GT;
            return 0;
        case '%':
            if (!strncmp (s + i, "%in%", 4)) {
                p->tok = T_IN;
                p->end = i + 4;
                return 0;
            }
            break;
        default:
            break;
    }
    if (isprint ((unsigned char) c))
        return s_fail (p, i, "unexpected '%c'", c);
    return s_fail (p, i, "unexpected byte 0x%02x", (unsigned char) c);
}

static int
s_expect (s_parser_t *p, s_tok_t tok, const char *what)
{
    if (p->tok != tok)
        return s_fail (p, p->pos, "expected %s %s, found %s", s_tok_name (tok), what,
                       s_tok_name (p->tok));
    return s_next (p);
}

static bool
s_is_name (const s_parser_t *p, const char *name)
{
    return p->tok == T_NAME && !strcmp (p->string, name);
}

//  A number, with an optional minus; Inf and -Inf when allow_inf.
static int
s_number (s_parser_t *p, bool allow_inf, double *out)
{
    bool minus = false;
    if (p->tok == T_MINUS) {
        minus = true;
        if (s_next (p))
            return -1;
    }
    if (allow_inf && s_is_name (p, "Inf"))
        *out = INFINITY;
    else
    if (p->tok == T_NUMBER)
        *out = p->number;
    else
        return s_fail (p, p->pos, "expected a number, found %s", s_tok_name (p->tok));
    if (minus)
        *out = -*out;
    return s_next (p);
}

//  breaks := c(NUMBER, ...) | NUMBER ':' NUMBER ':' NUMBER. Ascending.
static int
s_breaks (s_parser_t *p, double **out, size_t *n_out)
{
    size_t at = p->pos;
    size_t cap = PROTO_QUERY_BREAKS_MAX;
    double *b = NULL;
    size_t n = 0;
    if (s_is_name (p, "c")) {
        if (s_next (p) || s_expect (p, T_LPAREN, "after c"))
            goto fail;
        b = util_calloc (cap, sizeof *b);
        if (!b)
            goto fail;
        while (true) {
            if (n == cap) {
                s_fail (p, p->pos, "more than %zu breaks", cap);
                goto fail;
            }
            if (s_number (p, true, &b [n]))
                goto fail;
            n++;
            if (p->tok == T_COMMA) {
                if (s_next (p))
                    goto fail;
                continue;
            }
            if (s_expect (p, T_RPAREN, "after the breaks"))
                goto fail;
            break;
        }
    }
    else {
        double lo, hi, step;
        if (s_number (p, false, &lo) || s_expect (p, T_COLON, "in lo:hi:step")
        ||  s_number (p, false, &hi) || s_expect (p, T_COLON, "in lo:hi:step")
        ||  s_number (p, false, &step))
            goto fail;
        if (!(step > 0) || !(hi > lo)) {
            s_fail (p, at, "breaks lo:hi:step need lo < hi and step > 0");
            goto fail;
        }
        double bins = (hi - lo) / step;
        if (bins > (double) (cap - 1)) {
            s_fail (p, at, "breaks give more than %zu bins", cap - 1);
            goto fail;
        }
        size_t k = (size_t) llround (bins);
        if (k < 1 || fabs (lo + (double) k * step - hi) > 1e-9 * fmax (1, fabs (hi))) {
            s_fail (p, at, "breaks lo:hi:step: hi - lo is not a whole number of steps");
            goto fail;
        }
        n = k + 1;
        b = util_calloc (n, sizeof *b);
        if (!b)
            goto fail;
        for (size_t i = 0; i < n; i++)
            b [i] = i + 1 == n? hi: lo + (double) i * step;
    }
    if (n < 2) {
        s_fail (p, at, "breaks need at least two values");
        goto fail;
    }
    for (size_t i = 1; i < n; i++)
        if (!(b [i] > b [i - 1])) {
            s_fail (p, at, "breaks must be strictly ascending");
            goto fail;
        }
    *out = b;
    *n_out = n;
    return 0;
fail:
    free (b);
    return -1;
}

static proto_term_t *s_term (s_parser_t *p);
static proto_cond_t *s_cond (s_parser_t *p);

static int
s_enter (s_parser_t *p)
{
    if (++p->depth > PROTO_QUERY_DEPTH_MAX)
        return s_fail (p, p->pos, "nested more than %d deep", PROTO_QUERY_DEPTH_MAX);
    return 0;
}

static proto_term_t *
s_new_term (proto_term_kind_t kind)
{
    proto_term_t *term = util_calloc (1, sizeof *term);
    if (term)
        term->kind = kind;
    return term;
}

//  factor := NAME | log(term) | cut(term, breaks [, right=BOOL]) | (term)
static proto_term_t *
s_factor (s_parser_t *p)
{
    proto_term_t *term = NULL;
    if (s_enter (p))
        return NULL;
    size_t at = p->pos;
    if (p->tok == T_LPAREN) {
        if (s_next (p) || !(term = s_term (p)) || s_expect (p, T_RPAREN, "after the term"))
            goto fail;
    }
    else
    if (p->tok == T_NAME) {
        char *name = p->string;
        p->string = NULL;
        if (s_next (p)) {
            free (name);
            goto fail;
        }
        if (p->tok != T_LPAREN) {
            if (!(term = s_new_term (PROTO_TERM_COLUMN))) {
                free (name);
                goto fail;
            }
            term->column = name;
        }
        else {
            bool is_log = !strcmp (name, "log"), is_cut = !strcmp (name, "cut");
            if (!strcmp (name, "factor")) {
                free (name);
                if (s_next (p) || !(term = s_term (p))
                ||  s_expect (p, T_RPAREN, "after factor's argument"))
                    goto fail;
                if (term->kind != PROTO_TERM_COLUMN) {
                    s_fail (p, at, "factor() takes a column");
                    goto fail;
                }
                term->factor = true;
                p->depth--;
                return term;
            }
            if (!is_log && !is_cut) {
                s_fail (p, at, "unknown function '%.64s' in a term (terms use log, cut, factor "
                        "and ^)", name);
                free (name);
                goto fail;
            }
            free (name);
            if (!(term = s_new_term (is_log? PROTO_TERM_LOG: PROTO_TERM_CUT))
            ||  s_next (p) || !(term->arg = s_term (p)))
                goto fail;
            if (is_cut) {
                term->right = true;
                if (s_expect (p, T_COMMA, "before cut's breaks")
                ||  s_breaks (p, &term->breaks, &term->n_breaks))
                    goto fail;
                if (p->tok == T_COMMA) {
                    if (s_next (p))
                        goto fail;
                    if (!s_is_name (p, "right")) {
                        s_fail (p, p->pos, "cut takes only right=TRUE or right=FALSE after "
                                "its breaks");
                        goto fail;
                    }
                    if (s_next (p) || s_expect (p, T_ASSIGN, "after right"))
                        goto fail;
                    if (s_is_name (p, "TRUE") || s_is_name (p, "T"))
                        term->right = true;
                    else
                    if (s_is_name (p, "FALSE") || s_is_name (p, "F"))
                        term->right = false;
                    else {
                        s_fail (p, p->pos, "right= takes TRUE or FALSE");
                        goto fail;
                    }
                    if (s_next (p))
                        goto fail;
                }
            }
            if (s_expect (p, T_RPAREN, is_log? "after log's argument": "after cut's arguments"))
                goto fail;
        }
    }
    else {
        s_fail (p, at, "expected a column, log(), cut() or '(', found %s", s_tok_name (p->tok));
        goto fail;
    }
    p->depth--;
    return term;
fail:
    s_term_free (term);
    return NULL;
}

//  term := factor ['^' INTEGER]
static proto_term_t *
s_term (s_parser_t *p)
{
    proto_term_t *base = s_factor (p);
    if (!base || p->tok != T_CARET)
        return base;
    size_t at = p->pos;
    if (s_next (p))
        goto fail;
    if (p->tok != T_NUMBER || p->number != floor (p->number) || p->number < 2 || p->number > 4) {
        s_fail (p, at, "'^' takes a whole power from 2 to 4");
        goto fail;
    }
    proto_term_t *pow = s_new_term (PROTO_TERM_POW);
    if (!pow)
        goto fail;
    pow->power = (unsigned) p->number;
    pow->arg = base;
    if (s_next (p)) {
        s_term_free (pow);
        return NULL;
    }
    if (p->tok == T_CARET) {
        s_fail (p, p->pos, "write x^a^b as one power");
        s_term_free (pow);
        return NULL;
    }
    return pow;
fail:
    s_term_free (base);
    return NULL;
}

static proto_cond_t *
s_new_cond (proto_cond_kind_t kind)
{
    proto_cond_t *cond = util_calloc (1, sizeof *cond);
    if (cond)
        cond->kind = kind;
    return cond;
}

//  literal := NUMBER | STRING, into slot i of cond.
static int
s_literal (s_parser_t *p, proto_cond_t *cond, size_t i)
{
    if (p->tok == T_STRING) {
        cond->strings [i] = p->string;
        p->string = NULL;
        return s_next (p);
    }
    if (p->tok == T_NUMBER || p->tok == T_MINUS)
        return s_number (p, false, &cond->numbers [i]);
    return s_fail (p, p->pos, "expected a number or a quoted level, found %s",
                   s_tok_name (p->tok));
}

//  unary := '!' unary | '(' where ')' | term CMP literal | term %in% c(...)
static proto_cond_t *
s_unary (s_parser_t *p)
{
    proto_cond_t *cond = NULL;
    bool at_paren = false;
    util_error_saved_t paren_error = { 0 };
    size_t paren_at = 0;
    if (s_enter (p))
        return NULL;
    if (p->tok == T_NOT) {
        if (!(cond = s_new_cond (PROTO_COND_NOT)) || s_next (p) || !(cond->left = s_unary (p)))
            goto fail;
        p->depth--;
        return cond;
    }
    if (p->tok == T_LPAREN) {
        //  A parenthesised condition, or a parenthesised term compared:
        //  try the condition first, as R reads it.
        //  A '(' token holds no string: the copy owns nothing.
        s_parser_t saved = *p;
        if (s_next (p) == 0 && (cond = s_cond (p)) && p->tok == T_RPAREN) {
            if (s_next (p))
                goto fail;
            p->depth--;
            return cond;
        }
        if (util_last_code () == UTIL_ENOMEM)
            goto fail;
        //  Not a condition: keep why, in case it is no term either.
        if (cond)
            s_fail (p, p->pos, "expected ')' after the condition, found %s",
                    s_tok_name (p->tok));
        s_cond_free (cond);
        cond = NULL;
        util_error_save (&paren_error);
        paren_at = p->fail_at;
        free (p->string);
        *p = saved;
        util_error_clear ();
        at_paren = true;
    }
    size_t at = p->pos;
    if (!(cond = s_new_cond (PROTO_COND_CMP)) || !(cond->term = s_term (p)))
        goto fail_term;
    s_tok_t op = p->tok;
    if (op == T_IN) {
        cond->kind = PROTO_COND_IN;
        if (s_next (p))
            goto fail;
        if (!s_is_name (p, "c")) {
            s_fail (p, p->pos, "%%in%% takes c(...)");
            goto fail;
        }
        if (s_next (p) || s_expect (p, T_LPAREN, "after c"))
            goto fail;
        if (!(cond->numbers = util_calloc (PROTO_QUERY_TERMS_MAX, sizeof (double)))
        ||  !(cond->strings = util_calloc (PROTO_QUERY_TERMS_MAX, sizeof (char *))))
            goto fail;
        while (true) {
            if (cond->n_values == PROTO_QUERY_TERMS_MAX) {
                s_fail (p, p->pos, "%%in%% takes at most %d values", PROTO_QUERY_TERMS_MAX);
                goto fail;
            }
            cond->n_values++;
            if (s_literal (p, cond, cond->n_values - 1))
                goto fail;
            if (p->tok != T_COMMA)
                break;
            if (s_next (p))
                goto fail;
        }
        if (s_expect (p, T_RPAREN, "after the values"))
            goto fail;
    }
    else {
        switch (op) {
            case T_EQ: cond->op = PROTO_EQ; break;
            case T_NE: cond->op = PROTO_NE; break;
            case T_LT: cond->op = PROTO_LT; break;
            case T_LE: cond->op = PROTO_LE; break;
            case T_GT: cond->op = PROTO_GT; break;
            case T_GE: cond->op = PROTO_GE; break;
            case T_ASSIGN:
                s_fail (p, p->pos, "'=' in a condition: compare with '=='");
                goto fail;
            default:
                s_fail (p, at, "a condition compares a term: expected ==, !=, <, <=, >, >= or "
                        "%%in%% after it, found %s", s_tok_name (op));
                goto fail;
        }
        if (s_next (p))
            goto fail;
        if (!(cond->numbers = util_calloc (1, sizeof (double)))
        ||  !(cond->strings = util_calloc (1, sizeof (char *))))
            goto fail;
        cond->n_values = 1;
        if (s_literal (p, cond, 0))
            goto fail;
    }
    p->depth--;
    return cond;
fail_term:
    //  Neither reading of '(' worked: report the one that got further.
    if (at_paren && util_last_code () != UTIL_ENOMEM && paren_at >= p->fail_at)
        (void) util_error_restore (&paren_error);
fail:
    s_cond_free (cond);
    return NULL;
}

//  conj := unary {'&' unary};  disj := conj {'|' conj}
static proto_cond_t *
s_binary (s_parser_t *p, bool disjunction)
{
    proto_cond_t *left = disjunction? s_binary (p, false): s_unary (p);
    s_tok_t tok = disjunction? T_OR: T_AND;
    while (left && p->tok == tok) {
        if (s_enter (p))
            goto fail;
        proto_cond_t *node = s_new_cond (disjunction? PROTO_COND_OR: PROTO_COND_AND);
        if (!node)
            goto fail;
        node->left = left;
        left = node;
        if (s_next (p) || !(node->right = disjunction? s_binary (p, false): s_unary (p)))
            goto fail;
    }
    return left;
fail:
    s_cond_free (left);
    return NULL;
}

static proto_cond_t *
s_cond (s_parser_t *p)
{
    unsigned depth = p->depth;
    proto_cond_t *cond = s_binary (p, true);
    p->depth = depth;
    return cond;
}

//  Whether the current token is NAME followed by '(' (a call, not a column
//  of that name).
static bool
s_is_call (const s_parser_t *p, const char *name)
{
    return s_is_name (p, name) && p->text [p->end + strspn (p->text + p->end, " \t\r\n")] == '(';
}

//  A formula's right-hand side after '~': item {'+' item}, an item being
//  '1' (the intercept, always in), offset(term) (glm() only, at most one,
//  into q->offset) or a term (into q->terms).
static int
s_rhs (s_parser_t *p, proto_query_t *q)
{
    while (true) {
        size_t at = p->pos;
        if (p->tok == T_NUMBER && p->number == 1) {
            if (s_next (p))
                return -1;
        }
        else
        if (s_is_call (p, "offset")) {
            if (q->kind != PROTO_Q_GLM)
                return s_fail (p, at, "offset() is for glm(family=binomial|poisson)");
            if (q->offset)
                return s_fail (p, at, "at most one offset() in a formula");
            if (s_next (p) || s_expect (p, T_LPAREN, "after offset")
            ||  !(q->offset = s_term (p)) || s_expect (p, T_RPAREN, "after offset's term"))
                return -1;
        }
        else {
            if (q->n_terms == PROTO_QUERY_TERMS_MAX)
                return s_fail (p, at, "at most %d terms in a formula",
                               PROTO_QUERY_TERMS_MAX - (q->kind == PROTO_Q_GLM? 1: 2));
            if (!(q->terms [q->n_terms] = s_term (p)))
                return -1;
            q->n_terms++;
        }
        if (p->tok != T_PLUS)
            return 0;
        if (s_next (p))
            return -1;
    }
}

//  glm()'s formula: term '~' rhs.
static int
s_glm_formula (s_parser_t *p, proto_query_t *q)
{
    if (!(q->terms [0] = s_term (p)))
        return -1;
    q->n_terms = 1;
    if (s_expect (p, T_TILDE, "after glm's outcome"))
        return -1;
    return s_rhs (p, q);
}

//  km()'s and coxph()'s formula: Surv '(' term ',' term ')' '~' rhs. The
//  time and status become terms 0 and 1; km()'s group ('1' for none) is
//  by=, coxph()'s covariates (at least one) the terms after them.
static int
s_formula (s_parser_t *p, proto_query_t *q)
{
    size_t at = p->pos;
    bool cox = q->kind == PROTO_Q_COX;
    if (!s_is_name (p, "Surv"))
        return s_fail (p, at, cox? "coxph() takes a formula: coxph(Surv(time, status) ~ a + b, "
                                   "grid=W)"
                                 : "km() takes a formula: km(Surv(time, status) ~ group, "
                                   "grid=lo:hi:step)");
    if (s_next (p) || s_expect (p, T_LPAREN, "after Surv"))
        return -1;
    if (!(q->terms [0] = s_term (p)))
        return -1;
    q->n_terms = 1;
    if (s_expect (p, T_COMMA, "between Surv's time and status")
    ||  !(q->terms [1] = s_term (p)))
        return -1;
    q->n_terms = 2;
    if (s_expect (p, T_RPAREN, "after Surv's status")
    ||  s_expect (p, T_TILDE, "after Surv(time, status)"))
        return -1;
    if (cox) {
        at = p->pos;
        if (s_rhs (p, q))
            return -1;
        if (q->n_terms == 2)
            return s_fail (p, at, "coxph() needs at least one covariate after '~'");
        return 0;
    }
    if (p->tok == T_NUMBER && p->number == 1)
        return s_next (p);
    if (q->by)
        return s_fail (p, p->pos, "a group both after '~' and in by=");
    return (q->by = s_term (p))? 0: -1;
}

//  coxph()'s grid=: W (a positive width, kept as the one break {W} until
//  proto_query_check knows the time's range and makes 0:ceiling(hi/W)*W:W),
//  or breaks as km() takes them.
static int
s_cox_grid (s_parser_t *p, double **out, size_t *n_out)
{
    if (p->tok != T_NUMBER && p->tok != T_MINUS)
        return s_breaks (p, out, n_out);
    //  A number: a width unless ':' follows. Number and '-' tokens hold no
    //  string, so the copy owns nothing.
    s_parser_t saved = *p;
    size_t at = p->pos;
    double w;
    if (s_number (p, false, &w))
        return -1;
    if (p->tok == T_COLON) {
        *p = saved;
        return s_breaks (p, out, n_out);
    }
    if (!(w > 0))
        return s_fail (p, at, "grid=W needs a width W > 0");
    if (!(*out = util_calloc (1, sizeof **out)))
        return -1;
    (*out) [0] = w;
    *n_out = 1;
    return 0;
}

static int
s_kind (const char *name, proto_query_kind_t *kind)
{
    for (size_t i = 0; i < S_KINDS; i++)
        if (!strcmp (name, s_kind_names [i])) {
            *kind = (proto_query_kind_t) i;
            return 0;
        }
    return -1;
}

//  Arity of the positional arguments, by kind.
static int
s_arity (s_parser_t *p, proto_query_t *q)
{
    const char *name = proto_query_kind_name (q->kind);
    size_t lo = 1, hi = PROTO_QUERY_TERMS_MAX;
    switch (q->kind) {
        case PROTO_Q_COUNT: lo = hi = 0; break;
        case PROTO_Q_HISTOGRAM:
        case PROTO_Q_QUANTILES: hi = 1; break;
        case PROTO_Q_CROSSTAB: hi = 2; break;
        case PROTO_Q_CORRELATION: lo = 2; break;
        case PROTO_Q_GLM:
            if (q->n_terms < 1)
                return s_fail (p, 0, "glm() takes a formula: glm(y ~ a + b, family=gaussian)");
            if (q->by)
                return s_fail (p, 0, "by= is not available for glm(): put the group in the "
                               "formula");
            return 0;
        case PROTO_Q_COX:
            if (q->n_terms < 3)
                return s_fail (p, 0, "coxph() takes a formula: coxph(Surv(time, status) ~ a + b, "
                               "grid=W)");
            if (q->by)
                return s_fail (p, 0, "by= is not available for coxph(): put the group in the "
                               "formula");
            if (!q->breaks)
                return s_fail (p, 0, "coxph() needs its public time grid: grid=W (a width), "
                               "grid=lo:hi:step or grid=c(...)");
            return 0;
        case PROTO_Q_KM:
            if (q->n_terms != 2)
                return s_fail (p, 0, "km() takes a formula: km(Surv(time, status) ~ group, "
                               "grid=lo:hi:step)");
            if (!q->breaks)
                return s_fail (p, 0, "km() needs its public time grid: grid=lo:hi:step or "
                               "grid=c(...)");
            return 0;
        default: break;
    }
    if (q->n_terms < lo || q->n_terms > hi) {
        if (lo == hi)
            return s_fail (p, 0, "%s() takes %zu column%s, not %zu", name, lo, lo == 1? "": "s",
                           q->n_terms);
        return s_fail (p, 0, "%s() takes %zu to %zu columns, not %zu", name, lo, hi, q->n_terms);
    }
    if (q->n_probs && q->kind != PROTO_Q_QUANTILES)
        return s_fail (p, 0, "%s() takes no numbers as arguments", name);
    if (q->breaks && q->kind != PROTO_Q_HISTOGRAM)
        return s_fail (p, 0, "breaks= is for histogram(); use cut(x, breaks) to group");
    if (q->n_terms && q->kind != PROTO_Q_KM && q->terms [0]->kind == PROTO_TERM_COLUMN
    &&  !strcmp (q->terms [0]->column, "Surv"))
        return s_fail (p, 0, "Surv() goes in the formula of km() or coxph()");
    return 0;
}

proto_query_t *
proto_query_parse (const char *text)
{
    if (!text)
        return util_error_null (UTIL_EINPUT, "query: no text");
    size_t len = strnlen (text, PROTO_QUERY_TEXT_MAX + 1);
    if (len > PROTO_QUERY_TEXT_MAX)
        return util_error_null (UTIL_EINPUT, "query: longer than %d characters",
                                PROTO_QUERY_TEXT_MAX);
    s_parser_t p = { .text = text };
    proto_query_t *q = util_calloc (1, sizeof *q);
    if (!q || !(q->text = util_strdup (text))
    ||  !(q->terms = util_calloc (PROTO_QUERY_TERMS_MAX, sizeof *q->terms))
    ||  s_next (&p))
        goto fail;
    if (p.tok != T_NAME) {
        s_fail (&p, p.pos, "a query starts with a function: count, summary, mean, var, "
                "histogram, quantiles, crosstab, correlation, km, glm or coxph");
        goto fail;
    }
    if (s_kind (p.string, &q->kind)) {
        s_fail (&p, p.pos, "unknown function '%.64s' (count, summary, mean, var, histogram, "
                "quantiles, crosstab, correlation, km, glm, coxph)", p.string);
        goto fail;
    }
    if (s_next (&p) || s_expect (&p, T_LPAREN, "after the function's name"))
        goto fail;
    bool first = true;
    while (p.tok != T_RPAREN) {
        if (!first) {
            if (p.tok != T_COMMA) {
                s_fail (&p, p.pos, "expected ',' or ')' after an argument, found %s",
                        s_tok_name (p.tok));
                goto fail;
            }
            if (s_next (&p))
                goto fail;
        }
        first = false;
        size_t at = p.pos;
        //  A named argument: NAME '=' (but not '==').
        if (p.tok == T_NAME && p.text [p.end + strspn (p.text + p.end, " \t\r\n")] == '='
        &&  p.text [p.end + strspn (p.text + p.end, " \t\r\n") + 1] != '=') {
            char *name = p.string;
            p.string = NULL;
            int rc = s_next (&p) || s_next (&p);
            if (rc) {
                free (name);
                goto fail;
            }
            if (!strcmp (name, "by")) {
                if (q->by)
                    rc = s_fail (&p, at, "by= given twice");
                else
                    rc = (q->by = s_term (&p))? 0: -1;
            }
            else
            if (!strcmp (name, "where")) {
                if (q->where)
                    rc = s_fail (&p, at, "where= given twice");
                else
                    rc = (q->where = s_cond (&p))? 0: -1;
            }
            else
            if (!strcmp (name, "family")) {
                if (q->kind != PROTO_Q_GLM)
                    rc = s_fail (&p, at, "family= is for glm()");
                else
                if (s_is_name (&p, "gaussian"))
                    q->family = PROTO_FAMILY_GAUSSIAN;
                else
                if (s_is_name (&p, "binomial"))
                    q->family = PROTO_FAMILY_BINOMIAL;
                else
                if (s_is_name (&p, "poisson"))
                    q->family = PROTO_FAMILY_POISSON;
                else
                    rc = s_fail (&p, p.pos, "family= takes gaussian, binomial or poisson");
                if (!rc)
                    rc = s_next (&p);
            }
            else
            if (!strcmp (name, "weights")) {
                if (q->kind != PROTO_Q_GLM)
                    rc = s_fail (&p, at, "weights= is for glm()");
                else
                if (q->weights)
                    rc = s_fail (&p, at, "weights= given twice");
                else
                if (!(q->weights = s_term (&p)))
                    rc = -1;
                else
                if (q->weights->kind != PROTO_TERM_COLUMN || q->weights->factor)
                    rc = s_fail (&p, at, "weights= takes a column");
            }
            else
            if (!strcmp (name, "iterations")) {
                if (q->kind != PROTO_Q_GLM && q->kind != PROTO_Q_COX)
                    rc = s_fail (&p, at, "iterations= is for glm() and coxph()");
                else
                if (q->iterations)
                    rc = s_fail (&p, at, "iterations= given twice");
                else
                if (p.tok != T_NUMBER || p.number != floor (p.number) || p.number < 1
                ||  p.number > PROTO_QUERY_ITERATIONS_MAX)
                    rc = s_fail (&p, p.pos, "iterations= takes a whole number from 1 to %d",
                                 PROTO_QUERY_ITERATIONS_MAX);
                else {
                    q->iterations = (unsigned) p.number;
                    rc = s_next (&p);
                }
            }
            else
            if (!strcmp (name, "breaks") || !strcmp (name, "grid")) {
                bool grid = !strcmp (name, "grid");
                bool timed = q->kind == PROTO_Q_KM || q->kind == PROTO_Q_COX;
                if (grid != timed)
                    rc = grid? s_fail (&p, at, "grid= is for km() and coxph()")
                             : s_fail (&p, at, "%s() takes grid=, not breaks=",
                                       proto_query_kind_name (q->kind));
                else
                if (q->breaks)
                    rc = s_fail (&p, at, "%s= given twice", name);
                else
                if (q->kind == PROTO_Q_COX)
                    rc = s_cox_grid (&p, &q->breaks, &q->n_breaks);
                else
                    rc = s_breaks (&p, &q->breaks, &q->n_breaks);
            }
            else
                rc = s_fail (&p, at, "unknown argument '%.64s=' (by=, where=, breaks=, grid=, "
                             "family=, weights=, iterations=)", name);
            free (name);
            if (rc)
                goto fail;
        }
        else
        if (q->kind == PROTO_Q_KM || q->kind == PROTO_Q_GLM || q->kind == PROTO_Q_COX) {
            if (q->n_terms) {
                s_fail (&p, at, "%s() takes one formula", proto_query_kind_name (q->kind));
                goto fail;
            }
            if (q->kind == PROTO_Q_GLM? s_glm_formula (&p, q): s_formula (&p, q))
                goto fail;
        }
        else
        if (p.tok == T_NUMBER || p.tok == T_MINUS) {
            if (q->kind != PROTO_Q_QUANTILES) {
                s_fail (&p, at, "%s() takes no numbers as arguments",
                        proto_query_kind_name (q->kind));
                goto fail;
            }
            if (!q->probs && !(q->probs = util_calloc (PROTO_QUERY_PROBS_MAX, sizeof (double))))
                goto fail;
            if (q->n_probs == PROTO_QUERY_PROBS_MAX) {
                s_fail (&p, at, "at most %d probabilities", PROTO_QUERY_PROBS_MAX);
                goto fail;
            }
            double v;
            if (s_number (&p, false, &v))
                goto fail;
            if (!(v > 0 && v < 1)) {
                s_fail (&p, at, "a probability must be in (0, 1)");
                goto fail;
            }
            q->probs [q->n_probs++] = v;
        }
        else {
            if (q->n_terms == PROTO_QUERY_TERMS_MAX) {
                s_fail (&p, at, "at most %d columns", PROTO_QUERY_TERMS_MAX);
                goto fail;
            }
            if (!(q->terms [q->n_terms] = s_term (&p)))
                goto fail;
            q->n_terms++;
        }
    }
    if (s_next (&p))
        goto fail;
    if (p.tok != T_END) {
        s_fail (&p, p.pos, "unexpected %s after the query's closing ')'", s_tok_name (p.tok));
        goto fail;
    }
    if (s_arity (&p, q))
        goto fail;
    if (q->kind == PROTO_Q_QUANTILES && !q->n_probs) {
        if (!q->probs && !(q->probs = util_calloc (3, sizeof (double))))
            goto fail;
        q->probs [0] = 0.25, q->probs [1] = 0.5, q->probs [2] = 0.75;
        q->n_probs = 3;
    }
    free (p.string);
    return q;
fail:
    free (p.string);
    proto_query_destroy (&q);
    return NULL;
}

//  --------------------------------------------------------------------------
//  Checking against the dictionary

typedef struct {
    const model_dict_t *dict;
    size_t max_levels;
    bool *used;                 //  per dictionary variable
} s_check_t;

static int
s_set_levels (proto_term_t *term, size_t n)
{
    term->levels = util_calloc (n, sizeof (char *));
    if (!term->levels)
        return -1;
    term->n_levels = n;
    return 0;
}

static int s_check_term (s_check_t *c, proto_term_t *term, bool categorical);

static int
s_label_fail (const proto_term_t *term, const char *fmt, const char *extra)
{
    char *label = proto_term_label (term);
    if (!label)
        return -1;
    util_error (UTIL_EINPUT, fmt, label, extra);
    free (label);
    return -1;
}

static int
s_check_column (s_check_t *c, proto_term_t *term, bool categorical)
{
    size_t n = model_dict_size (c->dict);
    const model_var_t *var = NULL;
    for (size_t i = 0; i < n; i++)
        if (!strcmp (model_dict_var (c->dict, i)->name, term->column)) {
            var = model_dict_var (c->dict, i);
            term->var_index = i;
            break;
        }
    if (!var)
        return util_error (UTIL_EINPUT, "query: unknown column '%s' (not in the data "
                           "dictionary)", term->column);
    c->used [term->var_index] = true;
    term->categorical = categorical;
    if (!categorical) {
        if (var->type == MODEL_VAR_CATEGORICAL)
            return util_error (UTIL_EINPUT, "query: %s is categorical: it has no numeric value "
                               "(use crosstab() or by=)", var->name);
        term->lo = var->min;
        term->hi = var->max;
        return 0;
    }
    if (var->type == MODEL_VAR_CATEGORICAL || (var->type != MODEL_VAR_INTEGER && var->levels)) {
        if (var->n_levels > c->max_levels)
            return util_error (UTIL_EINPUT, "query: %s has %zu levels, more than the %zu "
                               "allowed", var->name, var->n_levels, c->max_levels);
        if (s_set_levels (term, var->n_levels))
            return -1;
        for (size_t i = 0; i < var->n_levels; i++)
            if (!(term->levels [i] = util_strdup (var->levels [i])))
                return -1;
        return 0;
    }
    if (var->type == MODEL_VAR_BINARY || var->type == MODEL_VAR_EVENT
    ||  var->type == MODEL_VAR_INTEGER) {
        double span = var->max - var->min + 1;
        if (span > (double) c->max_levels)
            return util_error (UTIL_EINPUT, "query: %s has %.0f possible values, more than the "
                               "%zu levels allowed (group it with cut())", var->name, span,
                               c->max_levels);
        if (s_set_levels (term, (size_t) span))
            return -1;
        for (size_t i = 0; i < term->n_levels; i++)
            if (!(term->levels [i] = util_asprintf ("%.0f", var->min + (double) i)))
                return -1;
        term->lo = var->min;
        return 0;
    }
    return util_error (UTIL_EINPUT, "query: %s is %s: group it with cut() to use it as a "
                       "category", var->name, model_dict_type_name (var->type));
}

static char *
s_format (double v)
{
    if (isinf (v))
        return util_strdup (v > 0? "Inf": "-Inf");
    return util_asprintf ("%.15g", v);
}

static int
s_check_cut (s_check_t *c, proto_term_t *term)
{
    if (s_check_term (c, term->arg, false))
        return -1;
    term->categorical = true;
    size_t n = term->n_breaks - 1;
    if (n > c->max_levels)
        return s_label_fail (term, "query: %s makes more levels than the %s allowed",
                             "configured maximum");
    if (s_set_levels (term, n))
        return -1;
    for (size_t i = 0; i < n; i++) {
        char *a = s_format (term->breaks [i]), *b = s_format (term->breaks [i + 1]);
        if (a && b)
            term->levels [i] = term->right? util_asprintf ("(%s,%s]", a, b)
                                          : util_asprintf ("[%s,%s)", a, b);
        free (a);
        free (b);
        if (!term->levels [i])
            return -1;
    }
    return 0;
}

static int
s_check_term (s_check_t *c, proto_term_t *term, bool categorical)
{
    if (term->kind == PROTO_TERM_COLUMN)
        return s_check_column (c, term, categorical);
    if (term->kind == PROTO_TERM_CUT) {
        if (!categorical)
            return s_label_fail (term, "query: %s is categorical: it has no numeric value%s",
                                 "");
        return s_check_cut (c, term);
    }
    if (categorical)
        return s_label_fail (term, "query: %s is numeric: group it with cut() to use it as a "
                             "category%s", "");
    if (s_check_term (c, term->arg, false))
        return -1;
    double lo = term->arg->lo, hi = term->arg->hi;
    if (term->kind == PROTO_TERM_LOG) {
        if (!(lo > 0)) {
            char *label = proto_term_label (term->arg);
            if (!label)
                return -1;
            util_error (UTIL_EINPUT, "query: log(%s): the public minimum of %s is %g; log needs "
                        "a positive minimum", label, label, lo);
            free (label);
            return -1;
        }
        term->lo = log (lo);
        term->hi = log (hi);
        return 0;
    }
    double k = term->power;
    double a = pow (lo, k), b = pow (hi, k);
    term->lo = fmin (a, b);
    term->hi = fmax (a, b);
    if (lo < 0 && hi > 0 && term->power % 2 == 0)
        term->lo = 0;           //  an even power of a range around 0
    return 0;
}

//  A level literal to its index in the term's levels; a number names a
//  level by its text ("inst == 3" for the level "3").
static int
s_check_level (const proto_term_t *term, proto_cond_t *cond, size_t i)
{
    char *want = cond->strings [i]? util_strdup (cond->strings [i])
                                  : util_asprintf ("%.15g", cond->numbers [i]);
    if (!want)
        return -1;
    for (size_t k = 0; k < term->n_levels; k++)
        if (!strcmp (term->levels [k], want)) {
            cond->numbers [i] = (double) k;
            free (want);
            return 0;
        }
    char *label = proto_term_label (term);
    if (label)
        util_error (UTIL_EINPUT, "query: where=: '%s' is not a level of %s", want, label);
    free (label);
    free (want);
    return -1;
}

static int
s_check_cond (s_check_t *c, proto_cond_t *cond)
{
    if (cond->kind == PROTO_COND_AND || cond->kind == PROTO_COND_OR)
        return s_check_cond (c, cond->left) || s_check_cond (c, cond->right)? -1: 0;
    if (cond->kind == PROTO_COND_NOT)
        return s_check_cond (c, cond->left);
    //  A comparison: with a level string the term is a category; with a
    //  number it is numeric, unless the column is categorical (then the
    //  number names a level).
    bool strings = false;
    for (size_t i = 0; i < cond->n_values; i++)
        if (cond->strings [i])
            strings = true;
    proto_term_t *term = cond->term;
    bool categorical = strings || term->kind == PROTO_TERM_CUT;
    if (!categorical && term->kind == PROTO_TERM_COLUMN) {
        const model_var_t *var = model_dict_find (c->dict, term->column);
        categorical = var && var->type == MODEL_VAR_CATEGORICAL;
    }
    if (s_check_term (c, term, categorical))
        return -1;
    if (!categorical)
        return 0;
    if (cond->kind == PROTO_COND_CMP && cond->op != PROTO_EQ && cond->op != PROTO_NE)
        return s_label_fail (term, "query: where=: %s is categorical: compare it with == or "
                             "!= (or %%in%%)%s", "");
    for (size_t i = 0; i < cond->n_values; i++)
        if (s_check_level (term, cond, i))
            return -1;
    return 0;
}

//  Whether a term is a category before it is checked: factor(x), cut(),
//  or a categorical column.
static bool
s_is_category (const s_check_t *c, const proto_term_t *term)
{
    if (term->factor || term->kind == PROTO_TERM_CUT)
        return true;
    if (term->kind != PROTO_TERM_COLUMN)
        return false;
    const model_var_t *var = model_dict_find (c->dict, term->column);
    return var && var->type == MODEL_VAR_CATEGORICAL;
}

static const char *
s_family_name (proto_family_t family)
{
    return family == PROTO_FAMILY_BINOMIAL? "binomial"
         : family == PROTO_FAMILY_POISSON? "poisson": "gaussian";
}

//  glm()'s family rules, after its terms are checked: the outcome's range
//  for binomial and poisson; offset() and weights= only with those two, a
//  number, weights never below 0.
static int
s_check_glm (s_check_t *c, proto_query_t *self)
{
    const proto_term_t *y = self->terms [0];
    const char *family = s_family_name (self->family);
    bool iterated = self->family != PROTO_FAMILY_GAUSSIAN;
    if (self->family == PROTO_FAMILY_BINOMIAL && !(y->lo >= 0 && y->hi <= 1)) {
        char *label = proto_term_label (y);
        if (label)
            util_error (UTIL_EINPUT, "query: glm(family=binomial) needs an outcome within "
                        "[0, 1]; %s ranges over [%g, %g]", label, y->lo, y->hi);
        free (label);
        return -1;
    }
    if (self->family == PROTO_FAMILY_POISSON && !(y->lo >= 0)) {
        char *label = proto_term_label (y);
        if (label)
            util_error (UTIL_EINPUT, "query: glm(family=poisson) needs an outcome of at least 0; "
                        "%s ranges over [%g, %g]", label, y->lo, y->hi);
        free (label);
        return -1;
    }
    if (self->offset) {
        if (!iterated)
            return util_error (UTIL_EINPUT, "query: offset() needs family=binomial or poisson; "
                               "the family is %s", family);
        if (s_is_category (c, self->offset))
            return s_label_fail (self->offset, "query: offset(%s) is categorical: an offset is "
                                 "a number%s", "");
        if (s_check_term (c, self->offset, false))
            return -1;
    }
    if (self->weights) {
        proto_term_t *w = self->weights;
        if (!iterated)
            return util_error (UTIL_EINPUT, "query: weights= needs family=binomial or poisson; "
                               "the family is %s", family);
        if (s_is_category (c, w))
            return util_error (UTIL_EINPUT, "query: weights=%s is categorical: weights are "
                               "numbers", w->column);
        if (s_check_term (c, w, false))
            return -1;
        if (!(w->lo >= 0))
            return util_error (UTIL_EINPUT, "query: weights=%s: the public minimum of %s is %g; "
                               "weights need a minimum of at least 0", w->column, w->column,
                               w->lo);
    }
    return 0;
}

//  coxph()'s grid=W, kept as the one break {W} by the parser: the breaks
//  0, W, 2W, ..., ceiling(hi/W)*W over the time's public maximum hi.
static int
s_check_cox_grid (proto_query_t *self)
{
    const proto_term_t *time = self->terms [0];
    double w = self->breaks [0], hi = time->hi;
    if (!(hi > 0))
        return s_label_fail (time, "query: coxph(): grid=W runs from 0 up, but the public "
                             "maximum of %s is not above 0 (give grid=lo:hi:step)%s", "");
    double k = ceil (hi / w);
    if (!(k <= (double) (PROTO_QUERY_BREAKS_MAX - 1)))
        return util_error (UTIL_EINPUT, "query: coxph(): grid=%g over the time's range [0, %g] "
                           "gives more than %d intervals", w, hi, PROTO_QUERY_BREAKS_MAX - 1);
    size_t n = (size_t) k + 1;
    double *b = util_calloc (n, sizeof *b);
    if (!b)
        return -1;
    for (size_t i = 0; i < n; i++)
        b [i] = (double) i * w;
    free (self->breaks);
    self->breaks = b;
    self->n_breaks = n;
    return 0;
}

int
proto_query_check (proto_query_t *self, const model_dict_t *dict, size_t max_levels)
{
    int rc = -1;
    s_check_t c = { .dict = dict, .max_levels = max_levels? max_levels: PROTO_QUERY_LEVELS_DEFAULT };
    size_t n_vars = model_dict_size (dict);
    if (!(c.used = util_calloc (n_vars? n_vars: 1, sizeof (bool))))
        return -1;
    bool categorical = self->kind == PROTO_Q_CROSSTAB;
    //  A model's predictors (glm's after the outcome, coxph's after the
    //  time and status): factor(x), cut() and categorical columns are
    //  categories, coded against their first level.
    size_t predictors = self->kind == PROTO_Q_GLM? 1: self->kind == PROTO_Q_COX? 2: SIZE_MAX;
    for (size_t i = 0; i < self->n_terms; i++) {
        proto_term_t *t = self->terms [i];
        bool cat = categorical || t->factor || (i >= predictors && s_is_category (&c, t));
        if (self->kind == PROTO_Q_GLM && i == 0 && t->factor) {
            util_error (UTIL_EINPUT, "query: glm(): the outcome is a number, not a factor()");
            goto done;
        }
        if (s_check_term (&c, t, cat))
            goto done;
    }
    if (self->kind == PROTO_Q_GLM && s_check_glm (&c, self))
        goto done;
    if (self->kind == PROTO_Q_KM || self->kind == PROTO_Q_COX) {
        //  The status is an event (or binary) column: 1 an event, 0 censored.
        const proto_term_t *status = self->terms [1];
        const model_var_t *var = status->kind == PROTO_TERM_COLUMN
                               ? model_dict_var (dict, status->var_index): NULL;
        if (!var || (var->type != MODEL_VAR_EVENT && var->type != MODEL_VAR_BINARY)) {
            util_error (UTIL_EINPUT, "query: %s(): the status in Surv(time, status) must be an "
                        "event or binary column", proto_query_kind_name (self->kind));
            goto done;
        }
    }
    if (self->kind == PROTO_Q_COX && self->n_breaks == 1 && s_check_cox_grid (self))
        goto done;
    if (self->by && s_check_term (&c, self->by, true))
        goto done;
    if (self->where && s_check_cond (&c, self->where))
        goto done;
    if (self->kind == PROTO_Q_HISTOGRAM && !self->breaks) {
        const proto_term_t *x = self->terms [0];
        size_t n = PROTO_QUERY_HIST_DEFAULT + 1;
        if (!(self->breaks = util_calloc (n, sizeof (double))))
            goto done;
        self->n_breaks = n;
        for (size_t i = 0; i < n; i++)
            self->breaks [i] = i + 1 == n? x->hi
                             : x->lo + (x->hi - x->lo) * (double) i / (double) (n - 1);
    }
    size_t n_used = 0;
    for (size_t i = 0; i < n_vars; i++)
        n_used += c.used [i];
    if (!(self->used = util_calloc (n_used? n_used: 1, sizeof (size_t))))
        goto done;
    for (size_t i = 0; i < n_vars; i++)
        if (c.used [i])
            self->used [self->n_used++] = i;
    rc = 0;
done:
    free (c.used);
    return rc;
}

//  --------------------------------------------------------------------------
//  Labels and evaluation

char *
proto_term_label (const proto_term_t *term)
{
    if (term->kind == PROTO_TERM_COLUMN)
        return term->factor? util_asprintf ("factor(%s)", term->column): util_strdup (term->column);
    char *arg = proto_term_label (term->arg);
    if (!arg)
        return NULL;
    char *label = NULL;
    if (term->kind == PROTO_TERM_LOG)
        label = util_asprintf ("log(%s)", arg);
    else
    if (term->kind == PROTO_TERM_POW)
        label = util_asprintf (term->arg->kind == PROTO_TERM_COLUMN? "%s^%u": "(%s)^%u", arg,
                               term->power);
    else {
        //  cut(x, c(a, b, ...)[, right=FALSE])
        size_t size = strlen (arg) + 32;
        for (size_t i = 0; i < term->n_breaks; i++)
            size += 26;
        label = util_malloc (size);
        if (label) {
            size_t at = (size_t) snprintf (label, size, "cut(%s, c(", arg);
            for (size_t i = 0; i < term->n_breaks && at < size; i++) {
                double b = term->breaks [i];
                at += isinf (b)? (size_t) snprintf (label + at, size - at, "%s%s", i? ", ": "",
                                                     b > 0? "Inf": "-Inf")
                               : (size_t) snprintf (label + at, size - at, "%s%.15g",
                                                     i? ", ": "", b);
            }
            if (at < size)
                snprintf (label + at, size - at, ")%s)", term->right? "": ", right=FALSE");
        }
    }
    free (arg);
    return label;
}

//  The bin of x among ascending breaks b[0..n-1]: intervals (b[i], b[i+1]]
//  when right (the first closed when include_lowest), else [b[i], b[i+1])
//  (the last closed when include_lowest). -1 outside.
static long
s_bin (const double *b, size_t n, double x, bool right, bool include_lowest)
{
    if (x != x || x < b [0] || x > b [n - 1])
        return -1;
    if (right) {
        if (x == b [0])
            return include_lowest? 0: -1;
        size_t lo = 0, hi = n - 1;      //  b[lo] < x <= b[hi]
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (x <= b [mid])
                hi = mid;
            else
                lo = mid;
        }
        return (long) lo;
    }
    if (x == b [n - 1])
        return include_lowest? (long) n - 2: -1;
    size_t lo = 0, hi = n - 1;          //  b[lo] <= x < b[hi]
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (x < b [mid])
            hi = mid;
        else
            lo = mid;
    }
    return (long) lo;
}

double
proto_term_eval (const proto_term_t *term, const double *record)
{
    switch (term->kind) {
        case PROTO_TERM_COLUMN: {
            //  As a category: a categorical column holds its level index
            //  (lo is 0); an integer, binary or event column its value, and
            //  lo is its minimum.
            double x = record [term->var_index];
            return term->categorical? x - term->lo: x;
        }
        case PROTO_TERM_LOG: {
            double x = proto_term_eval (term->arg, record);
            return x > 0? log (x): NAN;
        }
        case PROTO_TERM_POW: {
            double x = proto_term_eval (term->arg, record);
            double y = x;
            for (unsigned i = 1; i < term->power; i++)
                y *= x;
            return y;
        }
        case PROTO_TERM_CUT: {
            long bin = s_bin (term->breaks, term->n_breaks, proto_term_eval (term->arg, record),
                              term->right, false);
            return bin < 0? NAN: (double) bin;
        }
    }
    return NAN;
}

static bool
s_cuts_hold (const proto_term_t *term, const double *record)
{
    if (!term)
        return true;
    if (term->kind == PROTO_TERM_CUT && proto_term_eval (term, record) != proto_term_eval (term, record))
        return false;
    return s_cuts_hold (term->arg, record);
}

static bool
s_cond_cuts_hold (const proto_cond_t *cond, const double *record)
{
    if (!cond)
        return true;
    return s_cond_cuts_hold (cond->left, record) && s_cond_cuts_hold (cond->right, record)
        && s_cuts_hold (cond->term, record);
}

bool
proto_query_complete (const proto_query_t *self, const double *record)
{
    for (size_t i = 0; i < self->n_used; i++)
        if (record [self->used [i]] != record [self->used [i]])
            return false;
    for (size_t i = 0; i < self->n_terms; i++)
        if (!s_cuts_hold (self->terms [i], record))
            return false;
    if (!s_cuts_hold (self->by, record) || !s_cond_cuts_hold (self->where, record))
        return false;
    if (self->kind == PROTO_Q_HISTOGRAM) {
        double x = proto_term_eval (self->terms [0], record);
        if (s_bin (self->breaks, self->n_breaks, x, true, true) < 0)
            return false;
    }
    //  log() of a derived term that reaches 0 has no value either; nor has
    //  glm()'s offset.
    for (size_t i = 0; i < self->n_terms; i++) {
        double x = proto_term_eval (self->terms [i], record);
        if (x != x)
            return false;
    }
    if (self->offset) {
        double x = proto_term_eval (self->offset, record);
        if (x != x)
            return false;
    }
    return true;
}

bool
proto_cond_eval (const proto_cond_t *cond, const double *record)
{
    if (!cond)
        return true;
    switch (cond->kind) {
        case PROTO_COND_AND:
            return proto_cond_eval (cond->left, record) && proto_cond_eval (cond->right, record);
        case PROTO_COND_OR:
            return proto_cond_eval (cond->left, record) || proto_cond_eval (cond->right, record);
        case PROTO_COND_NOT:
            return !proto_cond_eval (cond->left, record);
        case PROTO_COND_IN: {
            double x = proto_term_eval (cond->term, record);
            for (size_t i = 0; i < cond->n_values; i++)
                if (x == cond->numbers [i])
                    return true;
            return false;
        }
        case PROTO_COND_CMP: {
            double x = proto_term_eval (cond->term, record), v = cond->numbers [0];
            if (x != x)
                return false;
            switch (cond->op) {
                case PROTO_EQ: return x == v;
                case PROTO_NE: return x != v;
                case PROTO_LT: return x < v;
                case PROTO_LE: return x <= v;
                case PROTO_GT: return x > v;
                case PROTO_GE: return x >= v;
            }
        }
    }
    return false;
}

long
proto_query_hist_bin (const proto_query_t *self, double x)
{
    return s_bin (self->breaks, self->n_breaks, x, true, true);
}
