/*  ingest/jsontree.c - a read-only JSON tree: the allocation-free scanner,
    and the tree of a jansson value (ingest/jsontree.h). */
#include "jsontree.h"
#include "util/alloc.h"
#include "util/error.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define S_NUMBER_MAX 40                 //  longest number text the scanner reads
#define S_INTEGER_DIGITS 18             //  always within long long: no ERANGE

typedef struct {
    ingest_jsontree_t *t;
    const char *p, *end;
} s_scan_t;

static void
s_ws (s_scan_t *s)
{
    //  JSON's whitespace, as jansson's lexer skips it.
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static ingest_json_t *
s_node (s_scan_t *s)
{
    if (s->t->n == INGEST_JSONTREE_NODES)
        return NULL;
    ingest_json_t *j = &s->t->nodes [s->t->n++];
    memset (j, 0, sizeof *j);
    return j;
}

static bool
s_digit (const s_scan_t *s)
{
    return s->p < s->end && *s->p >= '0' && *s->p <= '9';
}

//  A string at s->p ('"'): its text copied, 0-terminated, into t->text.
//  NULL (declined) for an escape, a control character, a byte >= 0x80
//  (jansson would check its UTF-8), no closing quote or no room.
static const char *
s_string (s_scan_t *s)
{
    const char *start = ++s->p;
    while (s->p < s->end && *s->p != '"') {
        unsigned char c = (unsigned char) *s->p;
        if (c < 0x20 || c >= 0x80 || c == '\\')
            return NULL;
        s->p++;
    }
    if (s->p == s->end)
        return NULL;
    size_t len = (size_t) (s->p - start);
    //  used <= INGEST_JSONTREE_TEXT, so the subtraction cannot wrap.
    if (len + 1 > INGEST_JSONTREE_TEXT - s->t->used)
        return NULL;
    char *text = s->t->text + s->t->used;
    memcpy (text, start, len);
    text [len] = 0;
    s->t->used += len + 1;
    s->p++;
    return text;
}

//  A number in JSON's grammar, read as jansson reads it: without a
//  fraction or exponent by strtoll (then as a double), else by strtod.
//  Declined when jansson could answer otherwise: an integer of more than
//  S_INTEGER_DIGITS digits (jansson refuses one past long long), a real
//  out of range (ERANGE), or a locale whose decimal point is not '.'.
static int
s_number (s_scan_t *s, ingest_json_t *j)
{
    const char *start = s->p;
    bool real = false;
    if (*s->p == '-')
        s->p++;
    const char *digits = s->p;
    if (s->p < s->end && *s->p == '0')
        s->p++;
    else
    if (s_digit (s))
        while (s_digit (s))
            s->p++;
    else
        return -1;
    size_t ndigits = (size_t) (s->p - digits);
    if (s->p < s->end && *s->p == '.') {
        s->p++;
        if (!s_digit (s))
            return -1;
        while (s_digit (s))
            s->p++;
        real = true;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        if (!s_digit (s))
            return -1;
        while (s_digit (s))
            s->p++;
        real = true;
    }
    size_t len = (size_t) (s->p - start);
    if (len > S_NUMBER_MAX || (!real && ndigits > S_INTEGER_DIGITS))
        return -1;
    char text [S_NUMBER_MAX + 1], *end = NULL;
    memcpy (text, start, len);
    text [len] = 0;
    int saved = errno;
    errno = 0;
    if (real)
        j->number = strtod (text, &end);
    else
        j->number = (double) strtoll (text, &end, 10);
    bool ok = errno == 0 && end == text + len && isfinite (j->number);
    errno = saved;
    j->type = INGEST_JSON_NUMBER;
    return ok? 0: -1;
}

//  A literal (true, false, null) at s->p.
static int
s_literal (s_scan_t *s, ingest_json_t *j, const char *word, ingest_json_type_t type)
{
    size_t len = strlen (word);
    if ((size_t) (s->end - s->p) < len || memcmp (s->p, word, len) != 0)
        return -1;
    s->p += len;
    j->type = type;
    return 0;
}

static int s_value (s_scan_t *s, ingest_json_t *j, int depth);

//  The members of an object, or the elements of an array, at s->p ('{'
//  or '['), linked under j in document order.
static int
s_container (s_scan_t *s, ingest_json_t *j, int depth)
{
    bool object = *s->p == '{';
    char close = object? '}': ']';
    j->type = object? INGEST_JSON_OBJECT: INGEST_JSON_ARRAY;
    s->p++;
    s_ws (s);
    if (s->p < s->end && *s->p == close) {
        s->p++;
        return 0;
    }
    ingest_json_t *last = NULL;
    while (true) {
        const char *key = NULL;
        if (object) {
            if (s->p == s->end || *s->p != '"' || !(key = s_string (s)))
                return -1;
            //  JSON_REJECT_DUPLICATES: a repeated name is jansson's to refuse.
            for (const ingest_json_t *m = j->child; m; m = m->next)
                if (strcmp (m->key, key) == 0)
                    return -1;
            s_ws (s);
            if (s->p == s->end || *s->p != ':')
                return -1;
            s->p++;
            s_ws (s);
        }
        ingest_json_t *child = s_node (s);
        if (!child)
            return -1;
        child->key = key;
        if (last)
            last->next = child;
        else
            j->child = child;
        last = child;
        if (s_value (s, child, depth + 1))
            return -1;
        s_ws (s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            s_ws (s);
            continue;
        }
        if (s->p < s->end && *s->p == close) {
            s->p++;
            return 0;
        }
        return -1;
    }
}

static int
s_value (s_scan_t *s, ingest_json_t *j, int depth)
{
    if (depth > INGEST_JSONTREE_DEPTH || s->p == s->end)
        return -1;
    switch (*s->p) {
        case '{':
        case '[':
            return s_container (s, j, depth);
        case '"':
            j->type = INGEST_JSON_STRING;
            return (j->string = s_string (s))? 0: -1;
        case 't':
            return s_literal (s, j, "true", INGEST_JSON_TRUE);
        case 'f':
            return s_literal (s, j, "false", INGEST_JSON_FALSE);
        case 'n':
            return s_literal (s, j, "null", INGEST_JSON_NULL);
        default:
            return *s->p == '-' || (*s->p >= '0' && *s->p <= '9')? s_number (s, j): -1;
    }
}

int
ingest_jsontree_scan (ingest_jsontree_t *t, const char *json, size_t len,
                      const ingest_json_t **root)
{
    t->n = t->used = 0;
    t->heap = NULL;
    t->nheap = 0;
    s_scan_t s = { t, json, json + len };
    s_ws (&s);
    if (s.p == s.end || *s.p != '{')
        return -1;
    ingest_json_t *top = s_node (&s);
    if (s_value (&s, top, 1))
        return -1;
    //  Only whitespace may follow (jansson's end-of-input check).
    s_ws (&s);
    if (s.p != s.end)
        return -1;
    *root = top;
    return 0;
}

//  Values in the tree under `value`, itself included.
static size_t
s_count (json_t *value)
{
    size_t n = 1, i;
    const char *key;
    json_t *v;
    if (json_is_object (value))
        json_object_foreach (value, key, v)
            n += s_count (v);
    else
    if (json_is_array (value))
        json_array_foreach (value, i, v)
            n += s_count (v);
    return n;
}

//  Fills nodes [*at] from `value` and its children (depth first).
static ingest_json_t *
s_convert (ingest_json_t *nodes, size_t *at, json_t *value, const char *key)
{
    ingest_json_t *j = &nodes [(*at)++];
    memset (j, 0, sizeof *j);
    j->key = key;
    ingest_json_t *last = NULL;
    const char *k;
    json_t *v;
    size_t i;
    switch (json_typeof (value)) {
        case JSON_OBJECT:
            j->type = INGEST_JSON_OBJECT;
            json_object_foreach (value, k, v) {
                ingest_json_t *c = s_convert (nodes, at, v, k);
                if (last)
                    last->next = c;
                else
                    j->child = c;
                last = c;
            }
            break;
        case JSON_ARRAY:
            j->type = INGEST_JSON_ARRAY;
            json_array_foreach (value, i, v) {
                ingest_json_t *c = s_convert (nodes, at, v, NULL);
                if (last)
                    last->next = c;
                else
                    j->child = c;
                last = c;
            }
            break;
        case JSON_STRING:
            j->type = INGEST_JSON_STRING;
            j->string = json_string_value (value);
            break;
        case JSON_INTEGER:
        case JSON_REAL:
            j->type = INGEST_JSON_NUMBER;
            j->number = json_number_value (value);
            break;
        case JSON_TRUE:
            j->type = INGEST_JSON_TRUE;
            break;
        case JSON_FALSE:
            j->type = INGEST_JSON_FALSE;
            break;
        default:
            j->type = INGEST_JSON_NULL;
            break;
    }
    return j;
}

int
ingest_jsontree_from (ingest_jsontree_t *t, json_t *value, const ingest_json_t **root)
{
    t->n = t->used = 0;
    t->heap = NULL;
    t->nheap = 0;
    //  The tree is jansson's, already bounded by what it read (a payload
    //  is at most INGEST_PAYLOAD_MAX bytes, each value at least one).
    size_t n = s_count (value);
    ingest_json_t *nodes = t->nodes;
    if (n > INGEST_JSONTREE_NODES) {
        if (!(nodes = t->heap = util_calloc (n, sizeof *nodes)))
            return util_error (UTIL_ENOMEM, "json: out of memory (%zu values)", n);
        t->nheap = n;
    }
    size_t at = 0;
    *root = s_convert (nodes, &at, value, NULL);
    if (nodes == t->nodes)
        t->n = at;
    return 0;
}

void
ingest_jsontree_release (ingest_jsontree_t *t)
{
    //  The strings copied and the numbers read are the payload's.
    util_cleanse (t->text, t->used);
    util_cleanse (t->nodes, t->n * sizeof t->nodes [0]);
    if (t->heap)
        util_cleanse (t->heap, t->nheap * sizeof t->heap [0]);
    free (t->heap);
    t->heap = NULL;
    t->n = t->used = t->nheap = 0;
}

const ingest_json_t *
ingest_json_get (const ingest_json_t *j, const char *key)
{
    if (!ingest_json_is_object (j))
        return NULL;
    for (const ingest_json_t *m = j->child; m; m = m->next)
        if (strcmp (m->key, key) == 0)
            return m;
    return NULL;
}

const char *
ingest_json_string (const ingest_json_t *j)
{
    return j && j->type == INGEST_JSON_STRING? j->string: NULL;
}

const ingest_json_t *
ingest_json_elements (const ingest_json_t *j)
{
    return ingest_json_is_array (j)? j->child: NULL;
}

const ingest_json_t *
ingest_json_members (const ingest_json_t *j)
{
    return ingest_json_is_object (j)? j->child: NULL;
}

bool
ingest_json_is_object (const ingest_json_t *j)
{
    return j && j->type == INGEST_JSON_OBJECT;
}

bool
ingest_json_is_array (const ingest_json_t *j)
{
    return j && j->type == INGEST_JSON_ARRAY;
}

bool
ingest_json_is_string (const ingest_json_t *j)
{
    return j && j->type == INGEST_JSON_STRING;
}

bool
ingest_json_is_number (const ingest_json_t *j)
{
    return j && j->type == INGEST_JSON_NUMBER;
}

double
ingest_json_number (const ingest_json_t *j)
{
    return ingest_json_is_number (j)? j->number: 0;
}

bool
ingest_json_equal (const ingest_json_t *a, const ingest_json_t *b)
{
    for (; a && b; a = a->next, b = b->next) {
        if (a->type != b->type || (a->key == NULL) != (b->key == NULL)
        ||  (a->key && strcmp (a->key, b->key))
        ||  (a->type == INGEST_JSON_STRING && strcmp (a->string, b->string))
        ||  (a->type == INGEST_JSON_NUMBER && memcmp (&a->number, &b->number, sizeof a->number))
        ||  !ingest_json_equal (a->child, b->child))
            return false;
    }
    return a == NULL && b == NULL;
}
