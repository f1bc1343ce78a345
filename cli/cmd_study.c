/*  cli/cmd_study.c - `cohort study launch|status` and `cohort report`: the
    analyst's commands, over CURVE with the analyst certificate. */
#include "cli.h"
#include "cmd.h"
#include "coordinator/client.h"
#include "coordinator/render.h"
#include "util/error.h"

#include <czmq.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLI_ANALYST_DEFAULT "analyst.cfg"

static void
s_launch_usage (FILE *to)
{
    fputs ("usage: cohort study launch STUDY.cfg [--analyst analyst.cfg] [--wait]\n"
           "Sends the study definition to the coordinator and prints the study id.\n"
           "  --analyst FILE  analyst.cfg (default ./analyst.cfg)\n"
           "  --wait          follow the study to its end (progress on stderr when it is a\n"
           "                  terminal: round k/N, epsilon spent); exit 1 if it failed\n", to);
}

static void
s_status_usage (FILE *to)
{
    fputs ("usage: cohort study status [ID] [--analyst analyst.cfg]\n"
           "Prints the status JSON of study ID (default: the current or latest study).\n", to);
}

static void
s_report_usage (FILE *to)
{
    fputs ("usage: cohort report ID [--format json|csv|html] [--out FILE] [--analyst analyst.cfg]\n"
           "Fetches the report of study ID (docs/report.md) and writes it to FILE or stdout.\n"
           "  --format F      json (default), csv (spreadsheets) or html (one self-contained\n"
           "                  page with charts; docs/report.md)\n", to);
}

static char *
s_read (const char *path)
{
    FILE *f = fopen (path, "rb");
    if (!f)
        return NULL;
    char *text = malloc (65537);
    size_t n = fread (text, 1, 65537, f);
    fclose (f);
    if (n > 65536) {
        free (text);
        return NULL;
    }
    text [n] = 0;
    return text;
}

//  Follows a study until it ends. Returns CLI_OK when it completed.
static int
s_wait (coord_client_t *client, const char *id)
{
    bool tty = isatty (STDERR_FILENO);
    while (!zsys_interrupted) {
        json_t *status;
        if (coord_client_status (client, id, &status)) {
            cli_error ("%s", util_last_error ());
            return CLI_FAIL;
        }
        const char *state = json_string_value (json_object_get (status, "status"));
        json_int_t step = json_integer_value (json_object_get (status, "step"));
        json_int_t steps = json_integer_value (json_object_get (status, "steps"));
        json_t *eps = json_object_get (status, "epsilon_spent");
        if (tty) {
            int width = 30, done = steps? (int) (width * step / steps): 0;
            char bar [64];
            for (int i = 0; i < width; i++)
                bar [i] = i < done? '#': '.';
            bar [width] = 0;
            if (json_is_number (eps))
                fprintf (stderr, "\r[%s] round %lld/%lld  epsilon %.4f ", bar, (long long) step,
                         (long long) steps, json_number_value (eps));
            else
                fprintf (stderr, "\r[%s] round %lld/%lld  NOT PRIVATE ", bar, (long long) step,
                         (long long) steps);
        }
        if (state && strcmp (state, "running")) {
            if (tty)
                fputc ('\n', stderr);
            const char *detail = json_string_value (json_object_get (status, "status_detail"));
            fprintf (stderr, "study %s %s: %s\n", id, state, detail? detail: "");
            int rc = strcmp (state, "completed")? CLI_FAIL: CLI_OK;
            json_decref (status);
            return rc;
        }
        json_decref (status);
        zclock_sleep (250);
    }
    return CLI_FAIL;
}

static int
s_launch (int argc, char **argv)
{
    static const struct option options [] = {
        { "analyst", required_argument, NULL, 'a' },
        { "wait",    no_argument,       NULL, 'w' },
        { "help",    no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *analyst = CLI_ANALYST_DEFAULT;
    bool wait = false;
    int opt;
    optind = 1;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
            case 'a': analyst = optarg; break;
            case 'w': wait = true; break;
            case 'h': s_launch_usage (stdout); return CLI_OK;
            default:  s_launch_usage (stderr); return CLI_USAGE;
        }
    }
    if (optind != argc - 1) {
        s_launch_usage (stderr);
        return CLI_USAGE;
    }
    char *text = s_read (argv [optind]);
    if (!text) {
        cli_error ("%s: cannot read the study (or it is over 64 KiB)", argv [optind]);
        return CLI_FAIL;
    }
    coord_client_t *client = coord_client_new (analyst);
    char *id = NULL;
    int rc = CLI_FAIL;
    if (!client || coord_client_launch (client, text, &id))
        cli_error ("%s", util_last_error ());
    else {
        printf ("%s\n", id);
        fflush (stdout);
        rc = wait? s_wait (client, id): CLI_OK;
    }
    free (id);
    free (text);
    coord_client_destroy (&client);
    return rc;
}

static int
s_status (int argc, char **argv)
{
    static const struct option options [] = {
        { "analyst", required_argument, NULL, 'a' },
        { "help",    no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *analyst = CLI_ANALYST_DEFAULT;
    int opt;
    optind = 1;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
            case 'a': analyst = optarg; break;
            case 'h': s_status_usage (stdout); return CLI_OK;
            default:  s_status_usage (stderr); return CLI_USAGE;
        }
    }
    if (argc - optind > 1) {
        s_status_usage (stderr);
        return CLI_USAGE;
    }
    coord_client_t *client = coord_client_new (analyst);
    json_t *status = NULL;
    if (!client || coord_client_status (client, optind < argc? argv [optind]: NULL, &status)) {
        cli_error ("%s", util_last_error ());
        coord_client_destroy (&client);
        return CLI_FAIL;
    }
    json_dumpf (status, stdout, JSON_INDENT (2) | JSON_REAL_PRECISION (10));
    fputc ('\n', stdout);
    json_decref (status);
    coord_client_destroy (&client);
    return CLI_OK;
}

int
cli_cmd_study (int argc, char **argv)
{
    static const cli_command_t commands [] = {
        { "launch", "send a study definition to the coordinator", s_launch },
        { "status", "print a study's status", s_status },
        { NULL, NULL, NULL }
    };
    return cli_dispatch ("cohort study", commands, argc, argv);
}

//  The report formats coord_render writes.
static const char *s_formats [] = { "json", "csv", "html", NULL };

static bool
s_format_known (const char *format)
{
    for (int i = 0; s_formats [i]; i++)
        if (!strcmp (format, s_formats [i]))
            return true;
    return false;
}

static int
s_write_report (const json_t *report, const char *format, FILE *out)
{
    if (coord_render (report, format, out)) {
        cli_error ("report: %s", util_last_error ());
        return CLI_FAIL;
    }
    return CLI_OK;
}

int
cli_cmd_report (int argc, char **argv)
{
    static const struct option options [] = {
        { "analyst", required_argument, NULL, 'a' },
        { "format",  required_argument, NULL, 'f' },
        { "out",     required_argument, NULL, 'o' },
        { "help",    no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *analyst = CLI_ANALYST_DEFAULT, *format = "json", *out = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
            case 'a': analyst = optarg; break;
            case 'f': format = optarg; break;
            case 'o': out = optarg; break;
            case 'h': s_report_usage (stdout); return CLI_OK;
            default:  s_report_usage (stderr); return CLI_USAGE;
        }
    }
    if (optind != argc - 1) {
        s_report_usage (stderr);
        return CLI_USAGE;
    }
    if (!s_format_known (format)) {
        cli_error ("--format: '%s' is not supported (json, csv or html)", format);
        return CLI_USAGE;
    }
    coord_client_t *client = coord_client_new (analyst);
    json_t *report = NULL;
    if (!client || coord_client_report (client, argv [optind], &report)) {
        cli_error ("%s", util_last_error ());
        coord_client_destroy (&client);
        return CLI_FAIL;
    }
    coord_client_destroy (&client);
    FILE *f = out? fopen (out, "w"): stdout;
    if (!f) {
        cli_error ("%s: cannot write", out);
        json_decref (report);
        return CLI_FAIL;
    }
    int rc = s_write_report (report, format, f);
    if (out && fclose (f)) {
        cli_error ("%s: cannot write", out);
        rc = CLI_FAIL;
    }
    json_decref (report);
    return rc;
}
