/*  cli/options.c - option parsing shared by every subcommand: strict
    numbers and the table-driven parser. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cli_parse_long (const char *option, const char *text, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = text? strtol (text, &end, 10): 0;
    if (!text || *text == '\0' || *end != '\0') {
        cli_error ("%s: '%s' is not an integer", option, text? text: "");
        return -1;
    }
    if (errno == ERANGE) {
        cli_error ("%s: %s is out of range [%ld, %ld]", option, text, min, max);
        return -1;
    }
    if (v < min || v > max) {
        cli_error ("%s: %ld is out of range [%ld, %ld]", option, v, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int
cli_parse_double (const char *option, const char *text, double min, double max,
                  double *out)
{
    char *end = NULL;
    errno = 0;
    double v = text? strtod (text, &end): 0;
    if (!text || *text == '\0' || *end != '\0' || errno == ERANGE || !isfinite (v)) {
        cli_error ("%s: '%s' is not a finite number", option, text? text: "");
        return -1;
    }
    if (v < min || v > max) {
        cli_error ("%s: %g is out of range [%g, %g]", option, v, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int
cli_need (const char *cmd, const char *option, const char *value)
{
    if (!value) {
        cli_error ("%s: %s is required (see --help)", cmd, option);
        return -1;
    }
    return 0;
}

//  "a|b|c" as "a, b or c" for messages.
static void
s_choices_text (char *out, size_t size, const char *choices)
{
    size_t n = 0, bars = 0;
    for (const char *p = choices; *p; p++)
        bars += *p == '|';
    size_t seen = 0;
    for (const char *p = choices; *p && n + 5 < size; p++) {
        if (*p != '|') {
            out [n++] = *p;
            continue;
        }
        seen++;
        const char *sep = seen == bars? " or ": ", ";
        size_t len = strlen (sep);
        memcpy (out + n, sep, len);
        n += len;
    }
    out [n] = '\0';
}

//  True if `value` is one of the '|'-separated `choices`.
static bool
s_is_choice (const char *value, const char *choices)
{
    size_t len = strlen (value);
    for (const char *p = choices; *p; ) {
        const char *end = strchr (p, '|');
        size_t n = end? (size_t) (end - p): strlen (p);
        if (n == len && len && strncmp (p, value, n) == 0)
            return true;
        p += n + (end? 1: 0);
    }
    return false;
}

//  A table's integer bound as a long: one at or beyond long's range (a
//  double cannot hold LONG_MAX) stands for that end of the range.
static long
s_bound (double b)
{
    return b >= (double) LONG_MAX? LONG_MAX: b <= (double) LONG_MIN? LONG_MIN: (long) b;
}

//  A finite number in o's interval: [min, max], or open at the ends that
//  o->domain says ("(]", "[)", "()"). Prints the error and returns -1 if not.
static int
s_double (const char *option, const char *value, const cli_opt_t *o, double *out)
{
    const char *b = o->domain? o->domain: "[]";
    double v;
    if (cli_parse_double (option, value, -INFINITY, INFINITY, &v))
        return -1;
    if ((b [0] == '('? v <= o->min: v < o->min) || (b [1] == ')'? v >= o->max: v > o->max)) {
        cli_error ("%s: %g is out of range %c%g, %g%c", option, v, b [0], o->min, o->max,
                   b [1]);
        return -1;
    }
    *out = v;
    return 0;
}

//  Stores one option's value; prints the error and returns -1 if it is bad.
static int
s_store (const cli_opt_t *o, const char *value)
{
    char option [80];
    snprintf (option, sizeof option, "--%s", o->name);
    long l;
    double d;
    switch (o->kind) {
        case CLI_OPT_FLAG:
            *(bool *) o->out = true;
            break;
        case CLI_OPT_STRING:
            *(const char **) o->out = value;
            break;
        case CLI_OPT_STRINGS: {
            //  Counted before it is stored: the list has room for `max`.
            cli_strings_t *list = o->out;
            size_t most = o->max >= 1 && o->max <= CLI_STRINGS_MAX? (size_t) o->max
                        : CLI_STRINGS_MAX;
            if (list->n >= most) {
                cli_error ("%s: given more than %zu times", option, most);
                return -1;
            }
            list->items [list->n++] = value;
            break;
        }
        case CLI_OPT_CHOICE:
            if (!s_is_choice (value, o->domain)) {
                char text [256];
                s_choices_text (text, sizeof text, o->domain);
                cli_error ("%s: '%s': expected %s", option, value, text);
                return -1;
            }
            *(const char **) o->out = value;
            break;
        case CLI_OPT_DOUBLE:
            if (s_double (option, value, o, &d))
                return -1;
            *(double *) o->out = d;
            break;
        case CLI_OPT_UINT:
        case CLI_OPT_LONG:
        case CLI_OPT_SIZE:
        case CLI_OPT_U64:
            if (cli_parse_long (option, value, s_bound (o->min), s_bound (o->max), &l))
                return -1;
            if (o->kind == CLI_OPT_UINT)
                *(unsigned *) o->out = (unsigned) l;
            else
            if (o->kind == CLI_OPT_LONG)
                *(long *) o->out = l;
            else
            if (o->kind == CLI_OPT_SIZE)
                *(size_t *) o->out = (size_t) l;
            else
                *(uint64_t *) o->out = (uint64_t) l;
            break;
    }
    if (o->given)
        *o->given = true;
    return 0;
}

int
cli_parse (int argc, char **argv, const cli_opt_t *table, const char *usage)
{
    return cli_parse_args (argc, argv, table, usage, NULL, 0, 0);
}

int
cli_parse_args (int argc, char **argv, const cli_opt_t *table, const char *usage,
                const char **args, size_t min, size_t max)
{
    struct option spec [CLI_OPTS_MAX + 2];
    size_t k = 0;
    for (; table [k].name; k++) {
        if (k == CLI_OPTS_MAX) {
            cli_error ("%s: more than %d options in its table", argv [0], CLI_OPTS_MAX);
            return CLI_FAIL;
        }
        bool flag = table [k].kind == CLI_OPT_FLAG;
        spec [k] = (struct option) { table [k].name, flag? no_argument: required_argument,
                                     NULL, (int) (k + 256) };
    }
    spec [k++] = (struct option) { "help", no_argument, NULL, 'h' };
    spec [k] = (struct option) { NULL, 0, NULL, 0 };
    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long (argc, argv, ":h", spec, NULL)) != -1) {
        if (opt == 'h') {
            fputs (usage, stdout);
            return -1;
        }
        if (opt == '?' || opt == ':') {
            //  getopt_long names a known long option given a value it does
            //  not take in optopt; an unknown one leaves optopt 0 (and an
            //  unknown short one is its letter).
            bool valued = optopt && strncmp (argv [optind - 1], "--", 2) == 0;
            cli_error ("%s: %s option '%s'", argv [0], opt == ':'? "missing value for"
                       : valued? "no value allowed for": "unknown", argv [optind - 1]);
            fputs (usage, stderr);
            return CLI_USAGE;
        }
        if (s_store (&table [opt - 256], optarg))
            return CLI_USAGE;
    }
    size_t n = (size_t) (argc - optind);
    if (n > max) {
        cli_error ("%s: unexpected argument '%s'", argv [0], argv [optind + (int) max]);
        fputs (usage, stderr);
        return CLI_USAGE;
    }
    if (n < min) {
        cli_error ("%s: %zu argument%s missing", argv [0], min - n, min - n == 1? "": "s");
        fputs (usage, stderr);
        return CLI_USAGE;
    }
    for (size_t i = 0; i < max; i++)
        args [i] = i < n? argv [optind + (int) i]: NULL;
    return CLI_OK;
}
