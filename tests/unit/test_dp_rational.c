/*  Unit tests for dp/rational.c: parsing and bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "dp/rational.h"
#include "util/error.h"

static void
s_ok (const char *text, uint64_t num, uint64_t den)
{
    dp_rational_t r = { 0, 0 };
    assert_int_equal (dp_rational_parse (text, &r), 0);
    assert_true (r.num == num);
    assert_true (r.den == den);
}

static void
s_bad (const char *text, const char *needle)
{
    dp_rational_t r = { 42, 43 };
    assert_int_equal (dp_rational_parse (text, &r), -1);
    assert_true (r.num == 42 && r.den == 43);   //  untouched
    assert_non_null (strstr (util_last_error (), needle));
}

static void
test_parse_good (void **state)
{
    (void) state;
    s_ok ("7", 7, 1);
    s_ok ("7/3", 7, 3);
    s_ok ("14/6", 7, 3);
    s_ok ("2.5", 5, 2);
    s_ok ("0.001", 1, 1000);
    s_ok ("10.000", 10, 1);
    s_ok ("1.000000000001", 1000000000001ULL, 1000000000000ULL);
    s_ok ("1099511627776", (uint64_t) 1 << 40, 1);          //  2^40: the edge
    s_ok ("1/1099511627776", 1, (uint64_t) 1 << 40);
}

static void
test_parse_bad (void **state)
{
    (void) state;
    s_bad ("", "empty");
    s_bad ("0", "positive");
    s_bad ("0.0", "positive");
    s_bad ("0/5", "positive");
    s_bad ("7/0", "zero denominator");
    s_bad ("-1", "column 1");
    s_bad ("+1", "column 1");
    s_bad ("1e3", "column 2");
    s_bad ("2.", "after the point");
    s_bad (".5", "column 1");
    s_bad ("1.0000000000001", "after the point");           //  13 digits
    s_bad ("7/", "column 3");
    s_bad ("7/3/2", "column 4");
    s_bad ("1 ", "column 2");
    s_bad ("nan", "column 1");
    s_bad ("1099511627777", "2^40");                          //  2^40 + 1
    s_bad ("1/1099511627777", "2^40");
    s_bad ("99999999999999999999999", "too large");
    s_bad ("1/99999999999999999999999", "too large");
    s_bad ("1000000000.123456789012", "too large");
    char longtext [100];
    memset (longtext, '1', sizeof longtext - 1);
    longtext [sizeof longtext - 1] = '\0';
    s_bad (longtext, "longer");
    dp_rational_t r;
    assert_int_equal (dp_rational_parse (NULL, &r), -1);
}

static void
test_set_square (void **state)
{
    (void) state;
    dp_rational_t r, s;
    assert_int_equal (dp_rational_set (&r, 6, 4), 0);
    assert_true (r.num == 3 && r.den == 2);
    assert_int_equal (dp_rational_set (&r, 0, 4), -1);
    assert_int_equal (dp_rational_set (&r, 4, 0), -1);
    assert_int_equal (dp_rational_set (&r, 3, 2), 0);
    assert_int_equal (dp_rational_square (&s, &r), 0);
    assert_true (s.num == 9 && s.den == 4);
    assert_true (dp_rational_to_double (&s) == 2.25);
    //  2^20 squares to 2^40 (fits), 2^20 + 1 does not.
    assert_int_equal (dp_rational_set (&r, (uint64_t) 1 << 20, 1), 0);
    assert_int_equal (dp_rational_square (&s, &r), 0);
    assert_int_equal (dp_rational_set (&r, ((uint64_t) 1 << 20) + 1, 1), 0);
    assert_int_equal (dp_rational_square (&s, &r), -1);
    assert_int_equal (dp_rational_set (&r, (uint64_t) 1 << 33, 1), 0);
    assert_int_equal (dp_rational_square (&s, &r), -1);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_parse_good),
        cmocka_unit_test (test_parse_bad),
        cmocka_unit_test (test_set_square),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
