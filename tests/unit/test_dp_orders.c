/*  Unit tests for dp/orders.c: the order list parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dp/accountant.h"
#include "util/error.h"
#include "alloc_walk.h"

static void
test_parse_good (void **state)
{
    (void) state;
    double *o = NULL;
    size_t n = 0;
    assert_int_equal (dp_orders_parse ("1.1:10.9:0.1,12:63:1", &o, &n), 0);
    assert_int_equal (n, 99 + 52);
    assert_true (fabs (o [0] - 1.1) < 1e-12);
    assert_true (fabs (o [98] - 10.9) < 1e-9);      //  hi included
    assert_true (o [99] == 12 && o [150] == 63);
    free (o);
    assert_int_equal (dp_orders_parse ("2", &o, &n), 0);
    assert_int_equal (n, 1);
    assert_true (o [0] == 2);
    free (o);
    assert_int_equal (dp_orders_parse ("1.5,2:3:0.4,1e2", &o, &n), 0);
    assert_int_equal (n, 5);                        //  1.5, 2, 2.4, 2.8, 100
    assert_true (o [4] == 100);
    free (o);
    //  lo == hi: one order. Exactly DP_ORDERS_MAX orders is allowed.
    assert_int_equal (dp_orders_parse ("10000", &o, &n), 0);           //  the largest order
    free (o);
    assert_int_equal (dp_orders_parse ("5:5:1", &o, &n), 0);
    assert_int_equal (n, 1);
    free (o);
    assert_int_equal (dp_orders_parse ("5000.5:10000:0.5", &o, &n), 0);
    assert_int_equal (n, DP_ORDERS_MAX);
    free (o);
}

static void
s_bad (const char *text, const char *needle)
{
    double *o = (double *) 1;
    size_t n = 77;
    assert_int_equal (dp_orders_parse (text, &o, &n), -1);
    assert_true (o == (double *) 1 && n == 77);
    if (!strstr (util_last_error (), needle))
        fail_msg ("'%s': error '%s' lacks '%s'", text ? text: "(null)", util_last_error (), needle);
}

static void
test_parse_bad (void **state)
{
    (void) state;
    s_bad (NULL, "empty");
    s_bad ("", "empty");
    s_bad ("1", "must be in (1, 10000]");
    s_bad ("0.5", "must be in (1, 10000]");
    s_bad ("-2", "must be in (1, 10000]");
    s_bad ("2,", "bad number");
    s_bad (",2", "bad number");
    s_bad ("2,,3", "bad number");
    s_bad ("2:3", "lo:hi:step");
    s_bad ("2:3:", "bad number");
    s_bad ("3:2:1", "lo <= hi");
    s_bad ("2:3:0", "step > 0");
    s_bad ("2:3:-1", "step > 0");
    s_bad ("2:3:1:4", "expected ','");
    s_bad ("nan", "bad number");
    s_bad ("inf", "bad number");
    s_bad ("1e999", "not a finite number");
    s_bad ("2 ,3", "bad number");
    s_bad ("2x", "bad number");
    s_bad ("1--2", "not a finite number");
    s_bad ("1.5:10000:0.5", "more than");
    s_bad ("2:10000.5:1", "must be in (1, 10000]");
    s_bad ("10000.5", "must be in (1, 10000]");
    s_bad ("2:5001:1,2:5002:1", "more than");
    char big [5000];
    memset (big, '2', sizeof big - 1);
    big [sizeof big - 1] = '\0';
    s_bad (big, "longer than");
    s_bad ("22222222222222222222222222222222222222222222222222222222222222222222", "too long");
}

//  Allocation failures: the first list and each time it grows.
static bool
s_parse (void *text)
{
    double *o = NULL;
    size_t n = 0;
    if (dp_orders_parse (text, &o, &n))
        return false;
    assert_int_equal (n, 99 + 52);
    free (o);
    return true;
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    //  151 orders: 64, then 128, then 256 places.
    assert_true (alloc_walk (s_parse, "1.1:10.9:0.1,12:63:1") >= 3);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_parse_good),
        cmocka_unit_test (test_parse_bad),
        cmocka_unit_test (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
