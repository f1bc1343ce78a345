/*  cli/cmd_admin_totp.c - `cohort admin totp-enrol`: enrols an analyst or
    admin for TOTP at the coordinator (coordinator/totp.h does the work)
    and hands over the secret as an otpauth:// URI, drawn as a QR code on
    a terminal (libqrencode). */
#include "cli.h"
#include "cmd.h"
#include "coordinator/totp.h"
#include "proto/curve.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/file.h"

#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char s_usage [] =
    "usage: cohort admin totp-enrol NAME --curve-key FILE [--config coordinator.cfg]\n"
    "                               [--algorithm SHA1|SHA256|SHA512] [--digits 6|8]\n"
    "                               [--out FILE] [--qr] [--force]\n"
    "\n"
    "Enrols NAME (an analyst or admin) for TOTP (RFC 6238) at the coordinator: a new\n"
    "160-bit secret from the CSPRNG goes into the store coordinator.cfg names (`totp =`,\n"
    "mode 0600), bound to NAME's CURVE key, and its otpauth://totp/ URI (issuer: the\n"
    "consortium's name, label: NAME) is printed for NAME's authenticator app, with a\n"
    "QR code when stdout is a terminal. The coordinator asks for a code from then on\n"
    "(docs/analysts.md). The running coordinator sees the enrolment at once.\n"
    "\n"
    "  NAME              the analyst's or admin's name (no spaces)\n"
    "  --curve-key FILE  NAME's CURVE public certificate (certs/NAME.pub)\n"
    "  --config FILE     coordinator.cfg (default ./coordinator.cfg)\n"
    "  --algorithm A     the HMAC's hash (default SHA1: what every app reads)\n"
    "  --digits D        6 (default) or 8\n"
    "  --out FILE        write the URI to FILE (made with mode 0600) instead of stdout\n"
    "  --qr              draw the QR code even when stdout is not a terminal\n"
    "  --force           replace an enrolment of NAME or of its key (a new secret)\n"
    "\n"
    "The URI holds the secret: hand it to NAME alone, then delete any copy.\n";

//  The QR code of `text` in half-block characters, two rows a line, with
//  the 4-module quiet zone the standard asks for. Light modules are drawn
//  as blocks, as qrencode -t UTF8 does: on a dark terminal they show light.
static int
s_qr (FILE *out, const char *text)
{
    QRcode *qr = QRcode_encodeString (text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr)
        return util_error (UTIL_EFAIL, "qr: cannot encode the URI (libqrencode)");
    const int quiet = 4, w = qr->width, side = w + 2 * quiet;
    for (int y = 0; y < side; y += 2) {
        for (int x = 0; x < side; x++) {
            bool dark [2];
            for (int k = 0; k < 2; k++) {
                int yy = y + k - quiet, xx = x - quiet;
                dark [k] = yy >= 0 && yy < w && xx >= 0 && xx < w
                        && (qr->data [yy * w + xx] & 1);
            }
            //  Upper and lower halves: light is drawn, dark left blank.
            fputs (!dark [0] && !dark [1]? "\u2588": !dark [0]? "\u2580"
                 : !dark [1]? "\u2584": " ", out);
        }
        fputc ('\n', out);
    }
    //  The data held the secret too.
    util_cleanse (qr->data, (size_t) w * (size_t) w);
    QRcode_free (qr);
    return 0;
}

int
cli_cmd_admin_totp_enrol (int argc, char **argv)
{
    const char *config = "coordinator.cfg", *curve_key = NULL, *algorithm = "SHA1";
    const char *digits = "6", *out = NULL, *name = NULL;
    bool qr = false, force = false;
    const cli_opt_t table [] = {
        CLI_STRING ("curve-key", &curve_key),
        CLI_STRING ("config", &config),
        { "algorithm", CLI_OPT_CHOICE, &algorithm, 0, 0, "SHA1|SHA256|SHA512", NULL },
        { "digits", CLI_OPT_CHOICE, &digits, 0, 0, "6|8", NULL },
        CLI_STRING ("out", &out),
        CLI_FLAG ("qr", &qr),
        CLI_FLAG ("force", &force),
        CLI_END
    };
    int rc = cli_parse_args (argc, argv, table, s_usage, &name, 1, 1);
    if (rc != CLI_OK)
        return rc < 0? CLI_OK: rc;
    if (cli_need ("admin totp-enrol", "--curve-key", curve_key))
        return CLI_USAGE;
    util_totp_hash_t hash;
    if (util_totp_hash_parse (&hash, algorithm)) {
        cli_error ("admin totp-enrol: --algorithm: %s", util_last_error ());
        return CLI_USAGE;
    }
    zcert_t *cert = proto_cert_load ("--curve-key", curve_key);
    if (!cert) {
        cli_error ("%s", util_last_error ());
        return CLI_FAIL;
    }
    char *uri = coord_totp_enrol_new (config, name, zcert_public_txt (cert), hash,
                                      (unsigned) atoi (digits), force);
    proto_cert_destroy (&cert);
    if (!uri) {
        cli_error ("%s", util_last_error ());
        return CLI_FAIL;
    }
    rc = CLI_OK;
    if (out) {
        //  Only its owner may read the secret, from the first byte on.
        char *line = util_asprintf ("%s\n", uri);
        if (!line || util_file_write (out, line, strlen (line), 0600,
                                     force? UTIL_FILE_REPLACE: 0)) {
            cli_error ("%s", util_last_error ());
            rc = CLI_FAIL;
        }
        if (line) {
            util_cleanse (line, strlen (line));
            free (line);
        }
    }
    else
        printf ("%s\n", uri);
    if (rc == CLI_OK && (qr || isatty (STDOUT_FILENO))) {
        fputs ("\nScan with the authenticator app:\n\n", stdout);
        if (s_qr (stdout, uri)) {
            cli_error ("%s", util_last_error ());
            rc = CLI_FAIL;
        }
    }
    fflush (stdout);
    if (rc == CLI_OK)
        fprintf (stderr, "totp: %s enrolled; hand the URI to %s alone: it holds the secret\n",
                 name, name);
    util_cleanse (uri, strlen (uri));
    free (uri);
    return rc;
}
