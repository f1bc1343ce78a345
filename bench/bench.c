/*  bench/bench.c - timing and reporting shared by the benchmark areas. */
#include "bench.h"

#include <stdlib.h>
#include <time.h>

double
bench_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

int
bench_set (json_t **report, const char *key, json_t *value)
{
    //  json_object_set_new consumes value even when it fails, and fails on
    //  a NULL object or value.
    if (json_object_set_new (*report, key, value) == 0)
        return 0;
    json_decref (*report);
    *report = NULL;
    return -1;
}

int
bench_emit (json_t *report, bool json, FILE *out)
{
    int rc = 0;
    if (json)
        rc = json_dumpf (report, out, JSON_INDENT (2) | JSON_PRESERVE_ORDER
                                      | JSON_REAL_PRECISION (6));
    else {
        const char *key;
        json_t *value;
        json_object_foreach (report, key, value) {
            char *text = json_dumps (value, JSON_ENCODE_ANY | JSON_REAL_PRECISION (6));
            fprintf (out, "%-32s %s\n", key, text? text: "?");
            free (text);
        }
    }
    if (json)
        fputc ('\n', out);
    json_decref (report);
    return rc == 0 && !ferror (out)? 0: -1;
}
