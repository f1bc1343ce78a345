/*  cli/cmd_ingest.h - shared by the files of `cohort ingest`:
    cli/cmd_ingest.c (dispatch, the storage key, devices),
    cli/cmd_ingest_grant.c (authorities, grants, selection) and
    cli/cmd_ingest_contrib.c (a patient's contribution records).

    Contents
        cli_ingest_time                 a date-and-time option in ms
        cli_ingest_enroll_authority,    the grant-side subcommands (exit
        cli_ingest_sign_grant,          codes as cli/cmd.h)
        cli_ingest_grant,
        cli_ingest_select,
        cli_ingest_contributions        (cli/cmd_ingest_contrib.c)
*/
#ifndef CLI_CMD_INGEST_H
#define CLI_CMD_INGEST_H

#include <stdint.h>

/*  A date and time option (a FHIR dateTime with seconds and a zone, e.g.
    2027-01-01T00:00:00Z) into ms since the Unix epoch; the current time
    when text is NULL. Returns 0, or -1 after naming the option. */
int cli_ingest_time (const char *option, const char *text, int64_t *ms);

/*  The subcommands in cli/cmd_ingest_grant.c (argv from the subcommand's
    name; the exit code). */
int cli_ingest_enroll_authority (int argc, char **argv);
int cli_ingest_sign_grant (int argc, char **argv);
int cli_ingest_grant (int argc, char **argv);
int cli_ingest_select (int argc, char **argv);

/*  `cohort ingest contributions`, in cli/cmd_ingest_contrib.c. */
int cli_ingest_contributions (int argc, char **argv);

#endif
