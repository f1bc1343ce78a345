/*  Unit tests for util/alloc.c: checked allocation and size arithmetic. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

static void
test_allocates (void **state)
{
    (void) state;
    char *p = util_malloc (16);
    assert_non_null (p);
    memset (p, 1, 16);
    free (p);
    //  Size 0 is not a failure: a unique pointer comes back.
    p = util_malloc (0);
    assert_non_null (p);
    free (p);
    int *z = util_calloc (8, sizeof *z);
    assert_non_null (z);
    for (int i = 0; i < 8; i++)
        assert_int_equal (z [i], 0);
    int *g = util_realloc_array (z, 1000, sizeof *g);
    assert_non_null (g);
    g [999] = 7;
    free (g);
    char *s = util_strdup ("hospital-a");
    assert_string_equal (s, "hospital-a");
    free (s);
    s = util_strndup ("hospital-a", 8);
    assert_string_equal (s, "hospital");
    free (s);
    s = util_asprintf ("%s/%d", "share", 3);
    assert_string_equal (s, "share/3");
    free (s);
}

static void
test_refuses (void **state)
{
    (void) state;
    //  A product that wraps is refused before any allocation.
    util_error_clear ();
    assert_null (util_calloc (SIZE_MAX / 2, 4));
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    void *keep = util_malloc (8);
    assert_null (util_realloc_array (keep, SIZE_MAX / 4, 8));
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    free (keep);                //  untouched on failure: still ours
    //  A size the C library cannot give is an out-of-memory failure.
    assert_null (util_malloc (SIZE_MAX - 64));
    assert_int_equal (util_last_code (), UTIL_ENOMEM);
    assert_non_null (strstr (util_last_error (), "out of memory"));
    assert_null (util_calloc (SIZE_MAX / 8, 2));
    assert_int_equal (util_last_code (), UTIL_ENOMEM);
}

static void
test_size_arithmetic (void **state)
{
    (void) state;
    size_t out = 0;
    assert_int_equal (util_size_mul (&out, 1u << 20, 1u << 10), 0);
    assert_int_equal (out, (size_t) 1 << 30);
    assert_int_equal (util_size_mul (&out, SIZE_MAX, 1), 0);
    assert_int_equal (util_size_mul (&out, SIZE_MAX / 2 + 1, 2), -1);
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
}

static void
test_fault_injection (void **state)
{
    (void) state;
    //  Two allocations succeed, the third and later fail, until reset.
    util_alloc_fail_after (2);
    char *a = util_strdup ("a"), *b = util_malloc (4);
    assert_non_null (a);
    assert_non_null (b);
    util_error_clear ();
    assert_null (util_calloc (1, 1));
    assert_int_equal (util_last_code (), UTIL_ENOMEM);
    assert_null (util_asprintf ("%d", 1));
    assert_null (util_strndup ("abc", 2));
    void *keep = util_realloc_array (b, 8, 1);
    assert_null (keep);             //  b untouched and still ours
    util_alloc_fail_after (-1);
    char *c = util_asprintf ("%s%s", a, "c");
    assert_string_equal (c, "ac");
    free (a);
    free (b);
    free (c);
    //  Zero: the very next allocation fails.
    util_alloc_fail_after (0);
    assert_null (util_malloc (1));
    util_alloc_fail_after (-1);
    char *d = util_malloc (1);
    assert_non_null (d);
    free (d);
}

static void
test_cleanse (void **state)
{
    (void) state;
    unsigned char key [32];
    memset (key, 0xa5, sizeof key);
    util_cleanse (key, sizeof key);
    for (size_t i = 0; i < sizeof key; i++)
        assert_int_equal (key [i], 0);
    util_cleanse (NULL, 10);        //  NULL-safe
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_allocates),
        cmocka_unit_test (test_refuses),
        cmocka_unit_test (test_size_arithmetic),
        cmocka_unit_test (test_fault_injection),
        cmocka_unit_test (test_cleanse),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
