/*  cli/analyst.c - the analyst commands' connection and TOTP code. */
#include "analyst.h"
#include "util/alloc.h"
#include "util/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  Asks for a code on the terminal (coord_client_totp_fn).
static int
s_prompt (char *code, size_t size, void *arg)
{
    FILE *tty = fopen ("/dev/tty", "r+");
    if (!tty)
        return util_error (UTIL_EREFUSED, "totp: the coordinator wants a code: give --totp CODE "
                           "or set " CLI_TOTP_ENV);
    fprintf (tty, "TOTP code for %s: ", (const char *) arg);
    fflush (tty);
    int rc = 0;
    if (!fgets (code, (int) size, tty))
        rc = util_error (UTIL_EREFUSED, "totp: no code entered");
    else
        code [strcspn (code, "\r\n")] = '\0';
    fclose (tty);
    return rc;
}

coord_client_t *
cli_analyst_client (const char *path, const char *totp)
{
    coord_client_t *client = coord_client_new (path);
    if (!client)
        return NULL;
    if (!totp)
        totp = getenv (CLI_TOTP_ENV);
    if (coord_client_set_totp (client, totp)) {
        util_error_context ("%s", totp == getenv (CLI_TOTP_ENV)? CLI_TOTP_ENV: "--totp");
        coord_client_destroy (&client);
        return NULL;
    }
    if ((!totp || !*totp) && isatty (STDIN_FILENO))
        coord_client_set_totp_prompt (client, s_prompt, (void *) path);
    return client;
}
