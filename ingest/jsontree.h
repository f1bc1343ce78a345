/*  ingest/jsontree.h - a read-only JSON tree for the payload checks
    (ingest/fhir.h), read without allocating when the payload is plain.

    jansson builds a tree of separately allocated values, with a hash
    table per object, for every payload: most of the time the endpoint
    spent on a record (docs/ingest.md, "Performance"). Device payloads are
    small and plain, so a payload is first given to a small scanner that
    reads it into fixed arrays inside the caller's ingest_jsontree_t. The
    scanner takes only what it is sure of: one object at the top, strings
    of printable ASCII without escapes, numbers in JSON's grammar that
    strtoll/strtod read exactly as jansson does, no duplicate key, at most
    INGEST_JSONTREE_NODES values, INGEST_JSONTREE_TEXT bytes of names and
    strings and INGEST_JSONTREE_DEPTH levels. Anything else it declines
    (it does not judge it), and the caller reads the payload with jansson
    (JSON_REJECT_DUPLICATES), which accepts or refuses it with its own
    message, and converts jansson's tree (ingest_jsontree_from). The checks
    then run on the same tree whichever reader made it:
    tests/fuzz/fuzz_ingest_jsontree.c holds the scanner to jansson (what
    it takes, jansson takes, and the trees are equal).

    Contents
        ingest_json_t               one value of the tree
        ingest_jsontree_t           the tree's storage (on the caller's stack)
        ingest_jsontree_scan        the allocation-free reader
        ingest_jsontree_from        the tree of a jansson value
        ingest_jsontree_release     wipes the tree, frees what it allocated
        ingest_json_get ...         jansson-like accessors (NULL-safe)
*/
#ifndef INGEST_JSONTREE_H
#define INGEST_JSONTREE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define INGEST_JSONTREE_NODES 128       //  values the scanner takes
#define INGEST_JSONTREE_TEXT  2048      //  bytes of names and strings, each with its 0
#define INGEST_JSONTREE_DEPTH 16        //  nesting the scanner takes

typedef enum {
    INGEST_JSON_NULL,
    INGEST_JSON_TRUE,
    INGEST_JSON_FALSE,
    INGEST_JSON_NUMBER,                 //  integer or real, as json_number_value
    INGEST_JSON_STRING,
    INGEST_JSON_ARRAY,
    INGEST_JSON_OBJECT
} ingest_json_type_t;

typedef struct ingest_json ingest_json_t;
struct ingest_json {
    ingest_json_type_t type;
    const char *key;                    //  its name in the object holding it, else NULL
    const char *string;                 //  a string's text (0-terminated, no 0 inside)
    double number;
    const ingest_json_t *child;         //  first member or element, in document order
    const ingest_json_t *next;          //  next member or element of its parent
};

typedef struct {
    ingest_json_t nodes [INGEST_JSONTREE_NODES];
    char text [INGEST_JSONTREE_TEXT];
    size_t n, used;                     //  nodes and text bytes in use
    ingest_json_t *heap;                //  ingest_jsontree_from's nodes when more
    size_t nheap;
} ingest_jsontree_t;

/*  Reads `len` bytes of untrusted JSON into `t` (no allocation). Returns 0
    with *root the top object, or -1 when declined: the payload may still
    be valid JSON, and only jansson decides. Never touches the error slot.
    Call ingest_jsontree_release (t) in either case. */
int ingest_jsontree_scan (ingest_jsontree_t *t, const char *json, size_t len,
                          const ingest_json_t **root) __attribute__ ((warn_unused_result));

/*  The tree of `value` (borrowed: strings and names point into it, so it
    must outlive the tree). Nodes go into `t`, or, when there are more
    than INGEST_JSONTREE_NODES, into one allocation of exactly as many.
    Returns 0 with *root set, or -1 (UTIL_ENOMEM). */
int ingest_jsontree_from (ingest_jsontree_t *t, json_t *value, const ingest_json_t **root)
    __attribute__ ((warn_unused_result));

/*  Wipes what the tree holds of the payload and frees its allocation;
    `t` may then be used again. */
void ingest_jsontree_release (ingest_jsontree_t *t);

/*  As jansson's json_object_get: the member `key` of an object; NULL if
    `j` is NULL, not an object, or has no such member. */
const ingest_json_t *ingest_json_get (const ingest_json_t *j, const char *key);

/*  A string's text; NULL if `j` is NULL or not a string. */
const char *ingest_json_string (const ingest_json_t *j);

/*  The first element of an array (NULL if `j` is not an array or is
    empty), the first member of an object (likewise); then ->next. */
const ingest_json_t *ingest_json_elements (const ingest_json_t *j);
const ingest_json_t *ingest_json_members (const ingest_json_t *j);

bool ingest_json_is_object (const ingest_json_t *j);
bool ingest_json_is_array (const ingest_json_t *j);
bool ingest_json_is_string (const ingest_json_t *j);
bool ingest_json_is_number (const ingest_json_t *j);
/*  A number's value (json_number_value: an integer as a double); 0 for
    anything else. */
double ingest_json_number (const ingest_json_t *j);
/*  1 if a and b, with the siblings after them, are the same values in the
    same order: types, names, strings, numbers to the bit (for the tests
    and the fuzz target that hold the scanner to jansson). */
bool ingest_json_equal (const ingest_json_t *a, const ingest_json_t *b);

#endif
