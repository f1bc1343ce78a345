/*  Unit tests for ingest/ucum.c: each known unit's kind and conversion to
    the canonical unit, annotations, and malformed or unknown codes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "ingest/ucum.h"

static void
test_kinds_and_conversions (void **state)
{
    (void) state;
    const struct { const char *code; ingest_ucum_kind_t kind; double in, out; } cases [] = {
        { "/min", INGEST_UCUM_RATE, 72, 72 },
        { "1/min", INGEST_UCUM_RATE, 72, 72 },
        { "{beats}/min", INGEST_UCUM_RATE, 72, 72 },
        { "{breaths}/min", INGEST_UCUM_RATE, 16, 16 },
        { "1{beat}/min", INGEST_UCUM_RATE, 60, 60 },
        { "%", INGEST_UCUM_PERCENT, 97, 97 },
        { "Cel", INGEST_UCUM_TEMPERATURE, 37, 37 },
        { "[degF]", INGEST_UCUM_TEMPERATURE, 212, 100 },
        { "[degF]", INGEST_UCUM_TEMPERATURE, 32, 0 },
        { "K", INGEST_UCUM_TEMPERATURE, 273.15, 0 },
        { "mg/dL", INGEST_UCUM_MASS_CONCENTRATION, 90, 90 },
        { "g/L", INGEST_UCUM_MASS_CONCENTRATION, 0.9, 90 },
        { "mg/L", INGEST_UCUM_MASS_CONCENTRATION, 900, 90 },
        { "g/dL", INGEST_UCUM_MASS_CONCENTRATION, 0.09, 90 },
        { "mmol/L", INGEST_UCUM_MOLAR_CONCENTRATION, 5, 5 },
        { "umol/L", INGEST_UCUM_MOLAR_CONCENTRATION, 5000, 5 },
        { "mm[Hg]", INGEST_UCUM_PRESSURE, 120, 120 },
        { "kg", INGEST_UCUM_MASS, 70, 70 },
        { "g", INGEST_UCUM_MASS, 3500, 3.5 },
        { "[lb_av]", INGEST_UCUM_MASS, 1, 0.45359237 },
        { "[oz_av]", INGEST_UCUM_MASS, 16, 0.45359237 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        assert_int_equal (ingest_ucum_kind_of (cases [i].code), cases [i].kind);
        double out = -1;
        assert_int_equal (ingest_ucum_convert (&out, cases [i].code, cases [i].kind,
                                               cases [i].in), 0);
        if (fabs (out - cases [i].out) > 1e-9)
            fail_msg ("%s: %g, want %g", cases [i].code, out, cases [i].out);
        //  Never as another kind.
        ingest_ucum_kind_t other = cases [i].kind == INGEST_UCUM_RATE? INGEST_UCUM_MASS
                                                                     : INGEST_UCUM_RATE;
        assert_int_equal (ingest_ucum_convert (&out, cases [i].code, other, 1), -1);
    }
    assert_string_equal (ingest_ucum_canonical (INGEST_UCUM_RATE), "/min");
    assert_string_equal (ingest_ucum_canonical (INGEST_UCUM_TEMPERATURE), "Cel");
    assert_string_equal (ingest_ucum_canonical (INGEST_UCUM_MASS_CONCENTRATION), "mg/dL");
    assert_string_equal (ingest_ucum_canonical (INGEST_UCUM_MOLAR_CONCENTRATION), "mmol/L");
    assert_string_equal (ingest_ucum_canonical (INGEST_UCUM_MASS), "kg");
    assert_string_equal (ingest_ucum_canonical (INGEST_UCUM_PRESSURE), "mm[Hg]");
    assert_null (ingest_ucum_canonical (INGEST_UCUM_NONE));
}

static void
test_unknown_and_malformed (void **state)
{
    (void) state;
    //  Case matters in UCUM; text that reads well to a person is not UCUM;
    //  braces must balance and not nest; an annotation alone is unity,
    //  which no vital sign takes.
    const char *bad [] = {
        "", "MIN", "/MIN", "cel", "C", "degF", "F", "mmHg", "mm Hg", "bpm", "beats/min",
        "lbs", "lb", "MG/DL", "mmol/l", "{beats}", "{beats/min", "beats}/min", "{a{b}}/min",
        "/min ", "\t/min", "min", "/s", "{}", "{\xc3\xa9}/min",
        "/min{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        if (ingest_ucum_kind_of (bad [i]) != INGEST_UCUM_NONE)
            fail_msg ("'%s' taken", bad [i]);
        double out = 7;
        assert_int_equal (ingest_ucum_convert (&out, bad [i], INGEST_UCUM_RATE, 1), -1);
        assert_true (out == 7);
    }
    assert_int_equal (ingest_ucum_kind_of (NULL), INGEST_UCUM_NONE);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_kinds_and_conversions),
        cmocka_unit_test (test_unknown_and_malformed),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
