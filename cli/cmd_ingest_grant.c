/*  cli/cmd_ingest_grant.c - `cohort ingest enroll-authority | sign-grant |
    grant | select`: consent authorities, signed grants (taken locally or
    delivered to a site's endpoint) and the cohort a use may select. The
    work is done by ingest/provision.h; this file parses and prints. */
#include "cli.h"
#include "cmd_ingest.h"
#include "ingest/provision.h"
#include "util/error.h"

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
    ingest_site_files_t site = { NULL, NULL, NULL, NULL };
    const char *keyfile = NULL;
    const cli_opt_t table [] = {
        CLI_STRING ("store", &site.store), CLI_STRING ("key", &keyfile),
        CLI_STRING ("audit", &site.audit),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    const char *cmd = "ingest enroll-authority";
    if (cli_need (cmd, "--store", site.store) || cli_need (cmd, "--key", keyfile))
        return CLI_USAGE;
    char *key = ingest_provision_enroll_authority (&site, keyfile);
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
    const char *key = NULL, *file = NULL, *out = NULL;
    const cli_opt_t table [] = {
        CLI_STRING ("key", &key), CLI_STRING ("file", &file), CLI_STRING ("out", &out),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    const char *cmd = "ingest sign-grant";
    if (cli_need (cmd, "--key", key) || cli_need (cmd, "--file", file)
    ||  cli_need (cmd, "--out", out))
        return CLI_USAGE;
    if (ingest_provision_sign_grant (key, file, out)) {
        cli_error ("%s: %s", cmd, util_last_error ());
        return CLI_FAIL;
    }
    return CLI_OK;
}

//  `ingest grant`'s options.
typedef struct {
    ingest_site_files_t site;
    const char *file, *now, *endpoint, *gateway_cert, *site_cert;
    unsigned timeout_ms;
    bool timeout_given;
} s_grant_t;

//  Sends the grant in `file` through a site's ingest endpoint as a gateway.
static int
s_grant_remote (const s_grant_t *g)
{
    const char *cmd = "ingest grant";
    if (g->site.store || g->now || g->site.audit) {
        cli_error ("%s: --endpoint excludes --store, --now and --audit (the site decides)", cmd);
        return CLI_USAGE;
    }
    if (cli_need (cmd, "--gateway-cert", g->gateway_cert)
    ||  cli_need (cmd, "--site-cert", g->site_cert))
        return CLI_USAGE;
    ingest_grant_reason_t reason;
    char detail [1024];
    if (ingest_provision_grant_remote (g->endpoint, g->gateway_cert, g->site_cert, g->file,
                                       (int) g->timeout_ms, &reason, detail, sizeof detail)) {
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
    s_grant_t g = { .timeout_ms = 10000 };
    const cli_opt_t table [] = {
        CLI_STRING ("store", &g.site.store), CLI_STRING ("file", &g.file),
        CLI_STRING ("now", &g.now), CLI_STRING ("audit", &g.site.audit),
        CLI_STRING ("endpoint", &g.endpoint), CLI_STRING ("gateway-cert", &g.gateway_cert),
        CLI_STRING ("site-cert", &g.site_cert),
        { "timeout-ms", CLI_OPT_UINT, &g.timeout_ms, 1, 3600000, NULL, &g.timeout_given },
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    const char *cmd = "ingest grant";
    if (cli_need (cmd, "--file", g.file))
        return CLI_USAGE;
    if (g.endpoint)
        return s_grant_remote (&g);
    if (g.gateway_cert || g.site_cert || g.timeout_given) {
        cli_error ("%s: --gateway-cert, --site-cert and --timeout-ms need --endpoint", cmd);
        return CLI_USAGE;
    }
    int64_t now = 0;
    if (cli_need (cmd, "--store", g.site.store) || cli_ingest_time ("--now", g.now, &now))
        return CLI_USAGE;
    ingest_grant_reason_t reason;
    char detail [UTIL_ERROR_MAX];
    if (ingest_provision_grant (&g.site, g.file, now, &reason, detail, sizeof detail)) {
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
        "         [--study ResearchStudy/ID] [--time DATETIME] [--open-research]\n"
        "  Prints, as JSON, the patients and the number of records usable for this\n"
        "  site, study and purpose (v3-ActReason code, e.g. HRESCH) at TIME (now),\n"
        "  and the number of records left out as censored (censored_value: a\n"
        "  value with a comparator).\n"
        "  --open-research  a research consent naming no study (or no purpose)\n"
        "                   covers this one, as with ingest/open_research = true\n";
    const char *store = NULL, *time = NULL;
    ingest_consent_query_t q = { .patient = NULL };
    const cli_opt_t table [] = {
        CLI_STRING ("store", &store), CLI_STRING ("site", &q.site),
        CLI_STRING ("purpose", &q.purpose), CLI_STRING ("study", &q.study),
        CLI_STRING ("time", &time), CLI_FLAG ("open-research", &q.open_research),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    const char *cmd = "ingest select";
    if (cli_need (cmd, "--store", store) || cli_need (cmd, "--site", q.site)
    ||  cli_need (cmd, "--purpose", q.purpose) || cli_ingest_time ("--time", time, &q.time_ms))
        return CLI_USAGE;
    ingest_selection_t sel;
    if (ingest_provision_select (store, &q, &sel)) {
        cli_error ("%s: %s", cmd, util_last_error ());
        return CLI_FAIL;
    }
    json_t *list = json_array ();
    for (size_t i = 0; list && i < sel.n_patients; i++)
        if (json_array_append_new (list, json_string (sel.patients [i]))) {
            json_decref (list);
            list = NULL;
        }
    json_t *out = list? json_pack ("{s:o, s:I, s:I}", "patients", list,
                                   "records", (json_int_t) sel.n_records, "censored_value",
                                   (json_int_t) sel.n_censored): NULL;
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
