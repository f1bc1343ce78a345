/*  dp/orders.c - the RDP order grids and the list parser ("1.1:10.9:0.1,12:63:1"). */
#include "accountant.h"
#include "dp.h"
#include "util/alloc.h"
#include "util/error.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DP_ORDERS_TEXT 4096         //  longest accepted list

//  The tight accountant's grid, as Google's dp_accounting: 1.1 to 10.9 in
//  steps of 0.1, every integer 11 ... 256, then 512 and 1024.
static const double s_extended [] = {
    1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 2, 2.1, 2.2, 2.3, 2.4, 2.5, 2.6, 2.7, 2.8, 2.9,
    3, 3.1, 3.2, 3.3, 3.4, 3.5, 3.6, 3.7, 3.8, 3.9, 4, 4.1, 4.2, 4.3, 4.4, 4.5, 4.6, 4.7, 4.8,
    4.9, 5, 5.1, 5.2, 5.3, 5.4, 5.5, 5.6, 5.7, 5.8, 5.9, 6, 6.1, 6.2, 6.3, 6.4, 6.5, 6.6, 6.7,
    6.8, 6.9, 7, 7.1, 7.2, 7.3, 7.4, 7.5, 7.6, 7.7, 7.8, 7.9, 8, 8.1, 8.2, 8.3, 8.4, 8.5, 8.6,
    8.7, 8.8, 8.9, 9, 9.1, 9.2, 9.3, 9.4, 9.5, 9.6, 9.7, 9.8, 9.9, 10, 10.1, 10.2, 10.3, 10.4,
    10.5, 10.6, 10.7, 10.8, 10.9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
    26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48,
    49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71,
    72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94,
    95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113,
    114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131,
    132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149,
    150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167,
    168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185,
    186, 187, 188, 189, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203,
    204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219, 220, 221,
    222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239,
    240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256, 512,
    1024
};

size_t
dp_orders_extended (const double **orders)
{
    *orders = s_extended;
    return sizeof s_extended / sizeof s_extended [0];
}

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
