/*  libFuzzer target for dp_orders_parse: any bytes either parse to 1 to
    DP_ORDERS_MAX finite orders > 1, or fail cleanly without leaking. */
#include "dp/accountant.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *text = fuzz_input_text (data, size);
    if (!text)
        return 0;
    double *orders = NULL;
    size_t n = 0;
    if (dp_orders_parse (text, &orders, &n) == 0) {
        if (n == 0 || n > DP_ORDERS_MAX)
            abort ();
        for (size_t i = 0; i < n; i++)
            if (!(orders [i] > 1 && orders [i] <= DP_ORDER_MAX))
                abort ();
        //  A parsed grid is always a valid curve.
        dp_curve_t *c = dp_curve_new (orders, n);
        if (!c)
            abort ();
        dp_curve_destroy (&c);
        free (orders);
    }
    free (text);
    return 0;
}
