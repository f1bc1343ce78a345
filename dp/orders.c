/*  dp/orders.c - the RDP order list parser ("1.1:10.9:0.1,12:63:1"). */
#include "accountant.h"
#include "dp.h"
#include "util/alloc.h"
#include "util/error.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DP_ORDERS_TEXT 4096         //  longest accepted list

//  One number ending at a ',', ':' or the end; decimal only (no hex, no
//  inf/nan, no spaces). Returns 0 and advances *p, or -1.
static int
s_number (const char *text, const char **p, double *out)
{
    const char *start = *p;
    const char *q = start;
    while ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E'
       ||  *q == '-' || *q == '+')
        q++;
    if (q == start || (*q != '\0' && *q != ',' && *q != ':'))
        return util_error (UTIL_EINPUT, "orders '%.40s': bad number at column %d", text,
                           (int) (q == start? start - text: q - text) + 1);
    char buf [64];
    size_t len = (size_t) (q - start);
    if (len >= sizeof buf)
        return util_error (UTIL_ELIMIT, "orders '%.40s': number too long at column %d", text,
                           (int) (start - text) + 1);
    memcpy (buf, start, len);
    buf [len] = '\0';
    char *end = NULL;
    errno = 0;
    double v = strtod (buf, &end);
    if (*end != '\0' || errno == ERANGE || !isfinite (v))
        return util_error (UTIL_EINPUT, "orders '%.40s': '%s' at column %d is not a finite number",
                           text, buf, (int) (start - text) + 1);
    *out = v;
    *p = q;
    return 0;
}

int
dp_orders_parse (const char *text, double **orders, size_t *count)
{
    if (!text || !*text)
        return util_error (UTIL_EINPUT, "orders: empty list");
    if (strnlen (text, DP_ORDERS_TEXT + 1) > DP_ORDERS_TEXT)
        return util_error (UTIL_ELIMIT, "orders: list longer than %d characters", DP_ORDERS_TEXT);
    size_t cap = 64, n = 0;
    double *list = util_calloc (cap, sizeof (double));
    if (!list)
        return util_error_context ("orders");
    const char *p = text;
    for (;;) {
        const char *item = p;
        int column = (int) (item - text) + 1;
        double lo, hi, step;
        if (s_number (text, &p, &lo))
            goto fail;
        hi = lo;
        step = 1;
        size_t items = 1;
        if (*p == ':') {
            p++;
            if (s_number (text, &p, &hi))
                goto fail;
            if (*p != ':') {
                util_error (UTIL_EINPUT, "orders '%.40s': range at column %d needs lo:hi:step", text, column);
                goto fail;
            }
            p++;
            if (s_number (text, &p, &step))
                goto fail;
            if (!(step > 0) || !(hi >= lo)) {
                util_error (UTIL_EINPUT, "orders '%.40s': range at column %d needs lo <= hi and step > 0",
                            text, column);
                goto fail;
            }
            //  Bounded before it becomes a size: at most DP_ORDERS_MAX in all.
            double span = floor ((hi - lo) / step + 1e-9);
            if (span >= DP_ORDERS_MAX) {
                util_error (UTIL_ELIMIT, "orders '%.40s': range at column %d has more than %d orders",
                            text, column, DP_ORDERS_MAX);
                goto fail;
            }
            items = (size_t) span + 1;
        }
        if (!(lo > 1) || !(hi <= DP_ORDER_MAX)) {
            util_error (UTIL_EINPUT, "orders '%.40s': orders at column %d must be in (1, %g]", text, column,
                        DP_ORDER_MAX);
            goto fail;
        }
        if (n + items > DP_ORDERS_MAX) {
            util_error (UTIL_ELIMIT, "orders '%.40s': more than %d orders", text, DP_ORDERS_MAX);
            goto fail;
        }
        while (n + items > cap) {
            //  cap stays below 2 DP_ORDERS_MAX: it cannot wrap.
            cap *= 2;
            double *grown = util_realloc_array (list, cap, sizeof (double));
            if (!grown) {
                util_error_context ("orders");
                goto fail;
            }
            list = grown;
        }
        for (size_t i = 0; i < items; i++)
            list [n++] = lo + (double) i * step;
        if (*p == '\0')
            break;
        if (*p != ',') {
            util_error (UTIL_EINPUT, "orders '%.40s': expected ',' at column %d", text, (int) (p - text) + 1);
            goto fail;
        }
        p++;
    }
    *orders = list;
    *count = n;
    return 0;
fail:
    free (list);
    return -1;
}
