/*  bench/bench.h - benchmarks that print JSON (`cohort bench <area> --json`).

    Every area is a function with the shape of a command: it parses its own
    options (always --json and --help), measures, and prints one JSON object
    whose keys carry their units (`encrypt_values_per_s`, `decrypt_ms`).
*/
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/*  Monotonic clock in seconds. */
double bench_now (void);

/*  Prints `report` as one JSON object (json) or as aligned "key  value"
    lines, then frees it. Returns 0, or -1 if it could not be written. */
int bench_emit (json_t *report, bool json, FILE *out);

/*  The areas. Each returns a process exit code (0, 1 failure, 2 usage). */
int bench_he (int argc, char **argv);
int bench_models (int argc, char **argv);
int bench_dp (int argc, char **argv);
int bench_ingest (int argc, char **argv);
int bench_federation (int argc, char **argv);

#endif
