/*  Unit tests for he/he.c: CSPRNG draws, errors, the wiping allocator
    (installed, and seen to wipe what it frees). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "he/he_internal.h"
#include "util/error.h"

static void
test_random (void **state)
{
    (void) state;
    mpz_t x, bound, seen;
    mpz_inits (x, bound, seen, NULL);
    //  Exactly `bits` bits at most, and the top bit is set sometimes.
    int top = 0;
    for (int i = 0; i < 200; i++) {
        assert_int_equal (he_random_bits (x, 13), 0);
        assert_true (mpz_sizeinbase (x, 2) <= 13);
        top += mpz_tstbit (x, 12);
    }
    assert_true (top > 50 && top < 150);
    //  Below a bound, and every value of a small range shows up.
    mpz_set_ui (bound, 10);
    for (int i = 0; i < 500; i++) {
        assert_int_equal (he_random_below (x, bound), 0);
        assert_true (mpz_cmp (x, bound) < 0 && mpz_sgn (x) >= 0);
        mpz_setbit (seen, mpz_get_ui (x));
    }
    assert_int_equal (mpz_get_ui (seen), 1023);
    mpz_set_ui (bound, 0);
    assert_int_equal (he_random_below (x, bound), -1);
    //  Units modulo 15 avoid multiples of 3 and 5.
    mpz_set_ui (bound, 15);
    for (int i = 0; i < 100; i++) {
        assert_int_equal (he_random_unit (x, bound), 0);
        unsigned long v = mpz_get_ui (x);
        assert_true (v > 0 && v < 15 && v % 3 && v % 5);
    }
    mpz_clears (x, bound, seen, NULL);
}

static void
test_errors (void **state)
{
    (void) state;
    assert_int_equal (util_error (UTIL_EFAIL, "first %d", 1), -1);
    assert_string_equal (util_last_error (), "first 1");
    assert_int_equal (util_error_context ("ctx %s", "a"), -1);
    assert_string_equal (util_last_error (), "ctx a: first 1");
    mpz_t n;
    mpz_init_set_ui (n, 255);
    char *hex = he_mpz_to_hex (n);
    assert_string_equal (hex, "ff");
    free (hex);
    mpz_clear (n);
}

static void
test_allocator_installed (void **state)
{
    (void) state;
    void *(*a1) (size_t);
    mp_get_memory_functions (&a1, NULL, NULL);
    assert_int_equal (he_init (), 0);       //  idempotent
    void *(*a2) (size_t);
    mp_get_memory_functions (&a2, NULL, NULL);
    assert_ptr_equal (a1, a2);
    //  Growth through realloc keeps the value.
    mpz_t x;
    mpz_init_set_ui (x, 1);
    mpz_mul_2exp (x, x, 100000);
    assert_int_equal (mpz_sizeinbase (x, 2), 100001);
    mpz_clear (x);
}

//  Reads `len` bytes of this process's memory at `addr` through
//  /proc/self/mem. The kernel does the reading, so the test may look at a
//  block after it has been freed without touching freed memory itself.
//  Returns 0, or -1 if the memory cannot be read.
static int
s_peek (unsigned char *out, uintptr_t addr, size_t len)
{
    int fd = open ("/proc/self/mem", O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t got = pread (fd, out, len, (off_t) addr);
    close (fd);
    return got == (ssize_t) len? 0: -1;
}

#define WIPE_LIMBS   40         //  320 bytes: a small block, kept mapped when freed
#define WIPE_PATTERN ((mp_limb_t) 0xa5a5a5a5a5a5a5a5ull)

//  Bytes of the pattern left in a freed block, after the first 16 (where
//  an allocator keeps its own links in a free block: glibc's tcache, ASan's
//  free record).
static size_t
s_pattern_left (uintptr_t addr, size_t len)
{
    unsigned char seen [WIPE_LIMBS * sizeof (mp_limb_t)];
    assert_true (len <= sizeof seen);
    assert_int_equal (s_peek (seen, addr, len), 0);
    size_t left = 0;
    for (size_t i = 16; i < len; i++)
        left += seen [i] == 0xa5;
    return left;
}

//  A secret-sized number whose limbs all hold the pattern; returns where
//  the limbs live.
static uintptr_t
s_fill (mpz_t x)
{
    mpz_init2 (x, WIPE_LIMBS * GMP_NUMB_BITS);
    mp_limb_t *limbs = mpz_limbs_write (x, WIPE_LIMBS);
    for (int i = 0; i < WIPE_LIMBS; i++)
        limbs [i] = WIPE_PATTERN;
    mpz_limbs_finish (x, WIPE_LIMBS);
    return (uintptr_t) limbs;
}

//  What GMP frees, through mpz_clear or when a number grows into a new
//  block, is wiped first: the pattern a number held is gone from the freed
//  block. A control first frees the same pattern with plain free() and
//  sees it still there, so that the test can tell a wiped block from one
//  it cannot see.
static void
test_allocator_wipes (void **state)
{
    (void) state;
    const size_t len = WIPE_LIMBS * sizeof (mp_limb_t);
    mp_limb_t *plain = malloc (len);
    assert_non_null (plain);
    //  volatile: the compiler would drop stores to a block about to be freed.
    for (int i = 0; i < WIPE_LIMBS; i++)
        ((volatile mp_limb_t *) plain) [i] = WIPE_PATTERN;
    uintptr_t at = (uintptr_t) plain;
    free (plain);
    if (s_pattern_left (at, len) < (len - 16) / 2)
        skip ();                //  this allocator fills freed memory itself (MALLOC_PERTURB_)

    //  mpz_clear hands the limbs to the allocator's free.
    mpz_t x;
    at = s_fill (x);
    mpz_clear (x);
    assert_int_equal (s_pattern_left (at, len), 0);

    //  Growth moves the limbs to a larger block; the old one is wiped, and
    //  the value moves with it.
    at = s_fill (x);
    mpz_realloc2 (x, 64 * WIPE_LIMBS * GMP_NUMB_BITS);
    assert_int_equal (mpz_size (x), WIPE_LIMBS);
    for (int i = 0; i < WIPE_LIMBS; i++)
        assert_true (mpz_getlimbn (x, i) == WIPE_PATTERN);
    assert_true ((uintptr_t) mpz_limbs_read (x) != at);
    assert_int_equal (s_pattern_left (at, len), 0);
    mpz_clear (x);
}

int
main (void)
{
    he_init ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_random),
        cmocka_unit_test (test_errors),
        cmocka_unit_test (test_allocator_installed),
        cmocka_unit_test (test_allocator_wipes),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
