/*  cli/cli.h - the `cohort` command: dispatch, option parsing and messages.
    Each subcommand lives in cli/cmd_<name>.c (listed in cli/cmd.h and the
    table in cli/cli.c); it parses its options, calls one library function
    and prints.

    Contents
        cli_run, cli_dispatch       `cohort <command>` and command groups
        cli_error                   "cohort: error: <one line>" on stderr
        cli_opt_t, cli_parse        a subcommand's options from a table,
        cli_parse_args              checked by kind and range (cli/options.c)
        cli_parse_long/_double      one number option, checked
        cli_daemon_start            `--config FILE` and the libraries' set-up
                                    of `cohort coordinator` and `cohort site`
        cli_need                    a required option

    Values parsed from a table point into argv (borrowed); nothing here
    allocates what the caller must free. Exit codes: 0 success, 1 the
    command failed (bad file, crypto error, ...), 2 the command line was
    wrong (unknown option, bad number).
*/
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLI_OK    0
#define CLI_FAIL  1
#define CLI_USAGE 2

typedef int (cli_fn) (int argc, char **argv);

typedef struct {
    const char *name;           //  first word after `cohort`
    const char *summary;        //  one line for `cohort --help`
    cli_fn *run;                //  gets argv starting at the command name
} cli_command_t;

/*  Runs `cohort` with the given argv (argv[0] is the program). Returns the
    process exit code. */
int cli_run (int argc, char **argv);

/*  Dispatches argv[1] among `commands` (NULL-terminated), printing a listing
    for --help/-h/no argument. `prog` names the command group in messages
    ("cohort keygen"). Returns the exit code. */
int cli_dispatch (const char *prog, const cli_command_t *commands,
                  int argc, char **argv);

/*  Prints "cohort: error: <message>" on stderr. */
void cli_error (const char *fmt, ...) __attribute__((format (printf, 1, 2)));

/*  Strict number parsing for option values: the whole string must be a
    number within [min, max]; otherwise prints an error naming the option
    and returns -1. */
int cli_parse_long (const char *option, const char *text, long min, long max,
                    long *out);
int cli_parse_double (const char *option, const char *text, double min,
                      double max, double *out);

/*  The daemons' command line: exactly `--config FILE` (or --help). Sets
    *config and readies what a daemon uses (GMP's wiping allocator, GSL's
    error handler off, czmq). Returns CLI_OK; -1 after printing help (the
    command should exit CLI_OK); CLI_USAGE after one line saying what was
    wrong and the usage on stderr. */
int cli_daemon_start (int argc, char **argv, const char *usage, const char **config);

/*  Prints "<cmd>: <option> is required" and returns -1 if value is NULL;
    returns 0 otherwise. */
int cli_need (const char *cmd, const char *option, const char *value);

/*  One option of a subcommand's table, for cli_parse. */
typedef enum {
    CLI_OPT_FLAG,               //  bool *: set to true
    CLI_OPT_STRING,             //  const char **: the argument
    CLI_OPT_CHOICE,             //  const char **: one of `domain` ("drop|impute")
    CLI_OPT_DOUBLE,             //  double *: a finite number in [min, max] (or
                                //  the interval `domain` says)
    CLI_OPT_UINT,               //  unsigned *: an integer in [min, max]
    CLI_OPT_LONG,               //  long *: an integer in [min, max]
    CLI_OPT_SIZE,               //  size_t *: an integer in [min, max]
    CLI_OPT_U64,                //  uint64_t *: an integer in [min, max]
    CLI_OPT_STRINGS             //  cli_strings_t *: a repeatable option, each
                                //  argument appended; at most `max` of them
                                //  (1..CLI_STRINGS_MAX)
} cli_opt_kind_t;

#define CLI_STRINGS_MAX 16

/*  The arguments of a repeatable option, in order (borrowed from argv). */
typedef struct {
    const char *items [CLI_STRINGS_MAX];
    size_t n;
} cli_strings_t;

typedef struct {
    const char *name;           //  the long option without "--"; NULL ends a table
    cli_opt_kind_t kind;
    void *out;                  //  where the value goes (see the kind)
    double min, max;            //  numbers: the accepted range (a bound at or
                                //  beyond long's range stands for that end)
    const char *domain;         //  CLI_OPT_CHOICE: the values, '|'-separated;
                                //  CLI_OPT_DOUBLE: NULL for [min, max], or the
                                //  brackets of an interval open at an end:
                                //  "(]", "[)" or "()"
    bool *given;                //  optional: set to true when the option appears
} cli_opt_t;

/*  Rows for the kinds without a range, and the end of a table. */
#define CLI_STRING(name, out)   { name, CLI_OPT_STRING, out, 0, 0, NULL, NULL }
#define CLI_FLAG(name, out)     { name, CLI_OPT_FLAG, out, 0, 0, NULL, NULL }
#define CLI_STRINGS(name, out, most) { name, CLI_OPT_STRINGS, out, 0, most, NULL, NULL }
#define CLI_END                 { NULL, 0, NULL, 0, 0, NULL, NULL }

#define CLI_OPTS_MAX 64

/*  Parses a subcommand's options (argv[0] is its name) against `table`,
    storing each value where its entry says, checked by kind and range.
    --help prints `usage` on stdout. Returns CLI_OK; -1 after printing help
    (the command should exit CLI_OK); CLI_USAGE after one line naming the
    wrong option or value (a bad value), or the wrong option or a stray
    argument followed by the usage on stderr. */
int cli_parse (int argc, char **argv, const cli_opt_t *table, const char *usage);

/*  As cli_parse, also taking between `min` and `max` positional arguments
    into args [0 .. max - 1] (NULL where absent); fewer or more is a usage
    error naming what is missing or extra. */
int cli_parse_args (int argc, char **argv, const cli_opt_t *table, const char *usage,
                    const char **args, size_t min, size_t max);

#endif
