/*  cli/cmd_study.c - `cohort study launch|status` and `cohort report`: the
    analyst's commands, over CURVE with the analyst certificate
    (coordinator/client.h does the talking). */
#include "cli.h"
#include "cmd.h"
#include "analyst.h"
#include "coordinator/client.h"
#include "coordinator/render.h"
#include "util/error.h"
#include "util/file.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_ANALYST_DEFAULT "analyst.cfg"
#define S_STUDY_MAX       65536         //  the coordinator's cap on a study text

static const char s_launch_usage [] =
    "usage: cohort study launch STUDY.cfg [--analyst analyst.cfg] [--wait [--timeout S]]\n"
    "                           [--totp CODE]\n"
    "Sends the study definition to the coordinator and prints the study id.\n"
    "  --analyst FILE  analyst.cfg (default ./analyst.cfg)\n"
    "  --wait          follow the study to its end (progress on stderr when it is a\n"
    "                  terminal: round k/N, epsilon spent); exit 1 if it failed\n"
    "  --timeout S     with --wait: give up after S seconds, saying where the study\n"
    "                  was (default 21600, 6 hours; the study itself goes on)\n"
    CLI_TOTP_USAGE;

static const char s_status_usage [] =
    "usage: cohort study status [ID] [--analyst analyst.cfg] [--totp CODE]\n"
    "Prints the status JSON of study ID (default: the latest launched, with\n"
    "\"running\": every study and query running now).\n"
    CLI_TOTP_USAGE;

static const char s_report_usage [] =
    "usage: cohort report ID [--format json|csv|html] [--out FILE] [--analyst analyst.cfg]\n"
    "                        [--totp CODE]\n"
    "Fetches the report of study ID (docs/report.md) and writes it to FILE or stdout.\n"
    "  --format F      json (default), csv (spreadsheets) or html (one self-contained\n"
    "                  page with charts; docs/report.md)\n"
    CLI_TOTP_USAGE;

//  A progress bar on a terminal; stops on Ctrl-C.
static int
s_progress (const json_t *status, void *arg)
{
    bool tty = *(bool *) arg;
    if (zsys_interrupted)
        return util_error (UTIL_EFAIL, "interrupted");
    if (!status || !tty)
        return 0;
    json_int_t step = json_integer_value (json_object_get (status, "step"));
    json_int_t steps = json_integer_value (json_object_get (status, "steps"));
    json_t *eps = json_object_get (status, "epsilon_spent");
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
    return 0;
}

//  Follows a study until it ends. Returns CLI_OK when it completed.
static int
s_wait (coord_client_t *client, const char *id, double timeout_s)
{
    bool tty = isatty (STDERR_FILENO);
    json_t *status = NULL;
    int rc = coord_client_follow (client, id, timeout_s, s_progress, &tty, &status);
    if (tty)
        fputc ('\n', stderr);
    if (rc) {
        cli_error ("%s", util_last_error ());
        return CLI_FAIL;
    }
    const char *state = json_string_value (json_object_get (status, "status"));
    const char *detail = json_string_value (json_object_get (status, "status_detail"));
    fprintf (stderr, "study %s %s: %s\n", id, state? state: "?", detail? detail: "");
    rc = state && strcmp (state, "completed") == 0? CLI_OK: CLI_FAIL;
    json_decref (status);
    return rc;
}

static int
s_launch (int argc, char **argv)
{
    const char *analyst = S_ANALYST_DEFAULT, *file = NULL, *totp = NULL;
    bool wait = false, timed = false;
    double timeout_s = 21600;
    const cli_opt_t table [] = {
        CLI_STRING ("analyst", &analyst), CLI_FLAG ("wait", &wait),
        { "timeout", CLI_OPT_DOUBLE, &timeout_s, 1, 30 * 86400.0, NULL, &timed },
        CLI_STRING ("totp", &totp),
        CLI_END
    };
    int rc = cli_parse_args (argc, argv, table, s_launch_usage, &file, 1, 1);
    if (rc != CLI_OK)
        return rc < 0? CLI_OK: rc;
    if (timed && !wait) {
        cli_error ("study launch: --timeout goes with --wait");
        return CLI_USAGE;
    }
    char *text = NULL;
    if (util_file_read (file, S_STUDY_MAX, 0, &text, NULL)) {
        cli_error ("%s", util_last_error ());
        return CLI_FAIL;
    }
    coord_client_t *client = cli_analyst_client (analyst, totp);
    char *id = NULL;
    rc = CLI_FAIL;
    if (!client || coord_client_launch (client, text, &id))
        cli_error ("%s", util_last_error ());
    else {
        printf ("%s\n", id);
        fflush (stdout);
        rc = wait? s_wait (client, id, timeout_s): CLI_OK;
    }
    free (id);
    free (text);
    coord_client_destroy (&client);
    return rc;
}

static int
s_status (int argc, char **argv)
{
    const char *analyst = S_ANALYST_DEFAULT, *id = NULL, *totp = NULL;
    const cli_opt_t table [] = {
        CLI_STRING ("analyst", &analyst), CLI_STRING ("totp", &totp), CLI_END
    };
    int rc = cli_parse_args (argc, argv, table, s_status_usage, &id, 0, 1);
    if (rc != CLI_OK)
        return rc < 0? CLI_OK: rc;
    coord_client_t *client = cli_analyst_client (analyst, totp);
    json_t *status = NULL;
    if (!client || coord_client_status (client, id, &status)) {
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

int
cli_cmd_report (int argc, char **argv)
{
    const char *analyst = S_ANALYST_DEFAULT, *format = "json", *out = NULL, *id = NULL;
    const char *totp = NULL;
    const cli_opt_t table [] = {
        CLI_STRING ("analyst", &analyst),
        CLI_STRING ("totp", &totp),
        { "format", CLI_OPT_CHOICE, &format, 0, 0, "json|csv|html", NULL },
        CLI_STRING ("out", &out),
        CLI_END
    };
    int rc = cli_parse_args (argc, argv, table, s_report_usage, &id, 1, 1);
    if (rc != CLI_OK)
        return rc < 0? CLI_OK: rc;
    coord_client_t *client = cli_analyst_client (analyst, totp);
    json_t *report = NULL;
    if (!client || coord_client_report (client, id, &report)) {
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
    rc = CLI_OK;
    if (coord_render (report, format, f)) {
        cli_error ("report: %s", util_last_error ());
        rc = CLI_FAIL;
    }
    if (out && fclose (f)) {
        cli_error ("%s: cannot write", out);
        rc = CLI_FAIL;
    }
    json_decref (report);
    return rc;
}
