/*  tests/unit/alloc_walk.h - allocation-failure tests (include after cmocka.h).

    alloc_walk (fn, ctx) runs fn (ctx) with util_alloc_fail_after (n) for
    n = 0, 1, 2, ... until it succeeds: the first run fails the first util_
    allocation, the next one the second, and so on, so every allocation the
    call makes through util_ fails once. Each failing run must report
    UTIL_ENOMEM in the error slot; the sanitizer build checks that none
    leaks. fn returns true on success and then frees what it made.

    Returns the number of runs that failed (the util_ allocations the call
    made); callers assert it is above zero, so that a call the injector no
    longer reaches fails its test instead of passing without effect.
*/
#ifndef TESTS_UNIT_ALLOC_WALK_H
#define TESTS_UNIT_ALLOC_WALK_H

#include "util/alloc.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ALLOC_WALK_MAX 100000

typedef bool alloc_walk_fn (void *ctx);

//  The ctx of a walk over a decoder: the encoded bytes it decodes.
typedef struct {
    uint8_t *buf;
    size_t len;
} alloc_walk_bytes_t;

static inline long
alloc_walk (alloc_walk_fn *fn, void *ctx)
{
    for (long n = 0; n < ALLOC_WALK_MAX; n++) {
        util_error_clear ();
        util_alloc_fail_after (n);
        bool ok = fn (ctx);
        util_alloc_fail_after (-1);
        if (ok)
            return n;
        if (util_last_code () != UTIL_ENOMEM)
            fail_msg ("allocation %ld failed, but the call reported %s: '%s'", n,
                      util_code_name (util_last_code ()), util_last_error ());
    }
    fail_msg ("the call still fails after %d allocations", ALLOC_WALK_MAX);
    return -1;
}

#endif
