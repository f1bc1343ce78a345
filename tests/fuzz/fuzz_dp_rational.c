/*  libFuzzer target for dp_rational_parse: any bytes either parse to a
    positive rational in lowest terms within the bounds, or fail cleanly. */
#include "dp/rational.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"

static uint64_t
s_gcd (uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *text = fuzz_input_text (data, size);
    if (!text)
        return 0;
    dp_rational_t r;
    if (dp_rational_parse (text, &r) == 0) {
        if (r.num == 0 || r.den == 0 || r.num > DP_RATIONAL_MAX || r.den > DP_RATIONAL_MAX
        ||  s_gcd (r.num, r.den) != 1)
            abort ();
    }
    free (text);
    return 0;
}
