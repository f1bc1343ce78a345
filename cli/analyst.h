/*  cli/analyst.h - the connection every analyst command opens (cohort
    study, report, query, budget): analyst.cfg, and the TOTP code the
    coordinator asks for when TOTP is on (docs/analysts.md).

    Contents
        CLI_TOTP_ENV            the environment variable of the code
        cli_analyst_client      connects, with the code and the prompt

    The code is taken from --totp CODE, else from $COHORT_TOTP; when
    neither gives one and standard input is a terminal, the coordinator's
    refusal for a missing code makes the command ask for one on the
    terminal (/dev/tty) and try once more.
*/
#ifndef CLI_ANALYST_H
#define CLI_ANALYST_H

#include "coordinator/client.h"

#define CLI_TOTP_ENV "COHORT_TOTP"

/*  The usage line of the option, for each command's help. */
#define CLI_TOTP_USAGE \
    "  --totp CODE     the analyst's current TOTP code, when the coordinator asks\n" \
    "                  for one (default $" CLI_TOTP_ENV ", else asked on the terminal)\n"

/*  A client for analyst.cfg at `path` carrying `totp` (NULL: $COHORT_TOTP,
    if set) with its first request, and asking on the terminal when it has
    none and is refused for want of one. NULL with the reason (a code that
    is not 6 or 8 digits included). */
coord_client_t *cli_analyst_client (const char *path, const char *totp);

#endif
