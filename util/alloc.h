/*  util/alloc.h - checked allocation: every failure is reported, none
    aborts.

    Contents
        util_malloc, util_calloc, util_realloc_array    memory, or NULL
        util_strdup, util_strndup, util_asprintf        strings, or NULL
        util_size_mul                                   size arithmetic that
                                                        refuses to wrap
        util_cleanse                                    wipes a secret
        util_alloc_fail_after, util_alloc_fault         fault injection for
                                                        allocation-failure tests

    Each returns NULL (or -1) with UTIL_ENOMEM or UTIL_ELIMIT and one line in
    the error slot (util/error.h) instead of passing a wrapped size to the C
    library. What they return belongs to the caller (free()). Callers still
    check a size taken from a wire field or a study parameter against its
    own cap first (STYLE.md rule 15); these checks are the last line.
*/
#ifndef UTIL_ALLOC_H
#define UTIL_ALLOC_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>

/*  malloc (size); size 0 allocates 1 byte, so NULL always means failure. */
void *util_malloc (size_t size) __attribute__((malloc)) UTIL_WUR;

/*  calloc (n, size) with n * size checked; zeroed. */
void *util_calloc (size_t n, size_t size) __attribute__((malloc)) UTIL_WUR;

/*  Resizes `p` to n * size bytes (checked). On failure `p` is untouched
    and still the caller's. */
void *util_realloc_array (void *p, size_t n, size_t size) UTIL_WUR;

/*  Copies of a string (strndup copies at most n bytes). */
char *util_strdup (const char *s) __attribute__((malloc)) UTIL_WUR;
char *util_strndup (const char *s, size_t n) __attribute__((malloc)) UTIL_WUR;

/*  A new printf-formatted string. */
char *util_asprintf (const char *fmt, ...)
    __attribute__((format (printf, 1, 2), malloc)) UTIL_WUR;

/*  *out = a * b; -1 with UTIL_ELIMIT if it would wrap. */
int util_size_mul (size_t *out, size_t a, size_t b) UTIL_WUR;

/*  Test hook (in the manner of SQLite's fault injector): after `n` more
    successful util_ allocations on this thread, every further one fails as
    if memory were exhausted, until it is called again; n < 0 (the state at
    start) turns the injection off. Lets a test walk every allocation of a
    call and check that each failure is reported cleanly and leaks nothing.
    Allocations made inside other libraries (GMP, jansson, GSL, czmq) are
    not reached. */
void util_alloc_fail_after (long n);

/*  For allocations made by another library on Cohort's behalf (GSL
    vectors, say): true, with UTIL_ENOMEM recorded, when the fault injector
    says this allocation fails, so that wrappers take part in the walk;
    false otherwise (and always when the injector is off). */
bool util_alloc_fault (void);

/*  Overwrites `len` bytes at `p` in a way the compiler keeps
    (OPENSSL_cleanse). NULL-safe. */
void util_cleanse (void *p, size_t len);

#endif
