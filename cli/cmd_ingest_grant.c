/*  cli/cmd_ingest_grant.c - `cohort ingest enroll-authority | sign-grant |
    grant | select`: consent authorities, signed grants (taken locally or
    delivered to a site's endpoint) and the cohort a use may select. The
    work is done by ingest/provision.h; this file parses and prints. */
#include "cli.h"
#include "cmd_ingest.h"
#include "ingest/provision.h"
#include "util/error.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

//  Prints a grant decision: `accepted`, or `rejected: <reason>: <detail>`.
static int
s_decision (ingest_grant_reason_t reason, const char *detail)
{
    if (reason == INGEST_GRANT_OK) {
        puts ("accepted");
        return CLI_OK;
    }
    printf ("rejected: %s: %s\n", ingest_grant_reason_name (reason), detail);
    return CLI_FAIL;
}

int
cli_ingest_enroll_authority (int argc, char **argv)
{
    static const char usage [] =
        "usage: cohort ingest enroll-authority --store DB --key FILE.pub [--audit LOG]\n"
        "  Enrolls a consent authority by its verifier key (from `cohort audit keygen`):\n"
        "  grants it signs are then taken by `cohort ingest grant`.\n"
        "  --audit LOG  an existing audit log that records the enrollment\n";
    static const struct option spec [] = {
        { "store", required_argument, NULL, 0 }, { "key", required_argument, NULL, 1 },
        { "audit", required_argument, NULL, 2 },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    const char *v [3] = { NULL };
    int rc = cli_options (argc, argv, spec, usage, v);
    if (rc)
        return rc < 0? CLI_OK: rc;
    const char *cmd = "ingest enroll-authority";
    if (cli_need (cmd, "--store", v [0]) || cli_need (cmd, "--key", v [1]))
        return CLI_USAGE;
    ingest_site_files_t site = { .store = v [0], .audit = v [2] };
    char *key = ingest_provision_enroll_authority (&site, v [1]);
    if (!key) {
        cli_error ("%s: %s", cmd, util_last_error ());
        return CLI_FAIL;
    }
    printf ("enrolled consent authority %s\n", key);
    free (key);
    return CLI_OK;
}

int
cli_ingest_sign_grant (int argc, char **argv)
{
    static const char usage [] =
        "usage: cohort ingest sign-grant --key AUTHORITY.key --file consent.json --out FILE\n"
        "  Signs a FHIR R4 Consent with a consent authority's key (from `cohort audit\n"
        "  keygen`) into a grant envelope (consent.json.sig, docs/ingest.md).\n";
    static const struct option spec [] = {
        { "key", required_argument, NULL, 0 }, { "file", required_argument, NULL, 1 },
        { "out", required_argument, NULL, 2 },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    const char *v [3] = { NULL };
    int rc = cli_options (argc, argv, spec, usage, v);
    if (rc)
        return rc < 0? CLI_OK: rc;
    const char *cmd = "ingest sign-grant";
    if (cli_need (cmd, "--key", v [0]) || cli_need (cmd, "--file", v [1])
    ||  cli_need (cmd, "--out", v [2]))
        return CLI_USAGE;
    if (ingest_provision_sign_grant (v [0], v [1], v [2])) {
        cli_error ("%s: %s", cmd, util_last_error ());
        return CLI_FAIL;
    }
    return CLI_OK;
}

//  Sends the grant in `file` through a site's ingest endpoint as a gateway.
static int
s_grant_remote (const char *const *v)
{
    const char *cmd = "ingest grant";
    if (v [0] || v [2] || v [3]) {
        cli_error ("%s: --endpoint excludes --store, --now and --audit (the site decides)", cmd);
        return CLI_USAGE;
    }
    if (cli_need (cmd, "--gateway-cert", v [5]) || cli_need (cmd, "--site-cert", v [6]))
        return CLI_USAGE;
    long timeout = 10000;
    if (v [7] && cli_parse_long ("--timeout-ms", v [7], 1, 3600000, &timeout))
        return CLI_USAGE;
    ingest_grant_reason_t reason;
    char detail [1024];
    if (ingest_provision_grant_remote (v [4], v [5], v [6], v [1], (int) timeout, &reason,
                                       detail, sizeof detail)) {
        cli_error ("%s: %s", cmd, util_last_error ());
        return CLI_FAIL;
    }
    return s_decision (reason, detail);
}

int
cli_ingest_grant (int argc, char **argv)
{
    static const char usage [] =
        "usage: cohort ingest grant --store DB --file consent.json.sig [--now DATETIME]\n"
        "         [--audit LOG]\n"
        "       cohort ingest grant --endpoint ENDPOINT --gateway-cert GW.secret\n"
        "         --site-cert SITE.pub --file consent.json.sig [--timeout-ms MS]\n"
        "  Takes a signed consent grant. Prints `accepted`, or `rejected: <reason>`\n"
        "  with the detail and exits 1. A newer version with status inactive revokes.\n"
        "  --audit LOG  an existing audit log that records the decision\n"
        "  --endpoint   deliver it to a running site's ingest endpoint as a gateway\n"
        "               (the site decides it the same way and audits it)\n";
    static const struct option spec [] = {
        { "store", required_argument, NULL, 0 }, { "file", required_argument, NULL, 1 },
        { "now", required_argument, NULL, 2 }, { "audit", required_argument, NULL, 3 },
        { "endpoint", required_argument, NULL, 4 },
        { "gateway-cert", required_argument, NULL, 5 },
        { "site-cert", required_argument, NULL, 6 },
        { "timeout-ms", required_argument, NULL, 7 },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    const char *v [8] = { NULL };
    int rc = cli_options (argc, argv, spec, usage, v);
    if (rc)
        return rc < 0? CLI_OK: rc;
    const char *cmd = "ingest grant";
    if (cli_need (cmd, "--file", v [1]))
        return CLI_USAGE;
    if (v [4])
        return s_grant_remote (v);
    if (v [5] || v [6] || v [7]) {
        cli_error ("%s: --gateway-cert, --site-cert and --timeout-ms need --endpoint", cmd);
        return CLI_USAGE;
    }
    int64_t now = 0;
    if (cli_need (cmd, "--store", v [0]) || cli_ingest_time ("--now", v [2], &now))
        return CLI_USAGE;
    ingest_site_files_t site = { .store = v [0], .audit = v [3] };
    ingest_grant_reason_t reason;
    char detail [UTIL_ERROR_MAX];
    if (ingest_provision_grant (&site, v [1], now, &reason, detail, sizeof detail)) {
        cli_error ("%s: %s", cmd, util_last_error ());
        return CLI_FAIL;
    }
    return s_decision (reason, detail);
}

int
cli_ingest_select (int argc, char **argv)
{
    static const char usage [] =
        "usage: cohort ingest select --store DB --site Organization/ID --purpose CODE\n"
        "         [--study ResearchStudy/ID] [--time DATETIME]\n"
        "  Prints, as JSON, the patients and the number of records usable for this\n"
        "  site, study and purpose (v3-ActReason code, e.g. HRESCH) at TIME (now).\n";
    static const struct option spec [] = {
        { "store", required_argument, NULL, 0 }, { "site", required_argument, NULL, 1 },
        { "purpose", required_argument, NULL, 2 }, { "study", required_argument, NULL, 3 },
        { "time", required_argument, NULL, 4 },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    const char *v [5] = { NULL };
    int rc = cli_options (argc, argv, spec, usage, v);
    if (rc)
        return rc < 0? CLI_OK: rc;
    const char *cmd = "ingest select";
    ingest_consent_query_t q = { NULL, v [1], v [3], v [2], 0, NULL };
    if (cli_need (cmd, "--store", v [0]) || cli_need (cmd, "--site", v [1])
    ||  cli_need (cmd, "--purpose", v [2]) || cli_ingest_time ("--time", v [4], &q.time_ms))
        return CLI_USAGE;
    ingest_selection_t sel;
    if (ingest_provision_select (v [0], &q, &sel)) {
        cli_error ("%s: %s", cmd, util_last_error ());
        return CLI_FAIL;
    }
    json_t *list = json_array ();
    for (size_t i = 0; list && i < sel.n_patients; i++)
        if (json_array_append_new (list, json_string (sel.patients [i]))) {
            json_decref (list);
            list = NULL;
        }
    json_t *out = list? json_pack ("{s:o, s:I}", "patients", list,
                                   "records", (json_int_t) sel.n_records): NULL;
    char *text = out? json_dumps (out, JSON_INDENT (2) | JSON_PRESERVE_ORDER): NULL;
    rc = text? CLI_OK: CLI_FAIL;
    if (text)
        puts (text);
    else
        cli_error ("%s: out of memory", cmd);
    free (text);
    json_decref (out);
    ingest_selection_clear (&sel);
    return rc;
}
