/*  cli/cmd_ingest_contrib.c - `cohort ingest contributions`: which studies
    and queries used a patient's records at this site, when, under which
    grant, and whether that grant has since been revoked (the patient's
    right of access). The work is done by ingest/contrib.h; this file
    parses and prints. */
#include "cli.h"
#include "cmd_ingest.h"
#include "ingest/contrib.h"
#include "site/config.h"
#include "util/error.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

//  ms since the Unix epoch as 2026-12-07T16:40:12Z.
static const char *
s_time (char out [32], int64_t ms)
{
    time_t t = (time_t) (ms / 1000);
    struct tm tm;
    if (!gmtime_r (&t, &tm) || !strftime (out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf (out, 32, "%lld ms", (long long) ms);
    return out;
}

static void
s_print_text (const ingest_contrib_list_t *list)
{
    char a [32], b [32];
    if (!list->n) {
        printf ("no study or query used %s's records at this site\n", list->patient);
        return;
    }
    printf ("%s: %zu use%s of their records at this site\n", list->patient, list->n,
            list->n == 1? "": "s");
    for (size_t i = 0; i < list->n; i++) {
        const ingest_contrib_t *u = &list->uses [i];
        printf ("\n%s  %s %s \"%s\"\n", s_time (a, u->accepted_ms), u->kind, u->id, u->name);
        printf ("    analyst %s, dataset %s, purpose %s%s%s\n", u->analyst? u->analyst: "unknown",
                u->dataset, u->purpose, u->study_ref? ", for ": "",
                u->study_ref? u->study_ref: "");
        for (size_t k = 0; k < u->n_grants; k++) {
            const ingest_contrib_grant_t *g = &u->grants [k];
            printf ("    under grant %s (granted %s): %s%s\n", g->id, s_time (a, g->granted_ms),
                    g->revoked? "revoked ": g->held? "in force": "no longer held at this site",
                    g->revoked? s_time (b, g->revoked_ms): "");
        }
        if (u->ended_ms)
            printf ("    %s %s after round %u%s%s\n", u->status, s_time (a, u->ended_ms),
                    u->last_round, u->detail? ": ": "", u->detail? u->detail: "");
        else
            printf ("    not ended yet\n");
    }
}

//  The list as one JSON object (see the usage). NULL: out of memory.
static json_t *
s_json (const ingest_contrib_list_t *list)
{
    char a [32];
    json_t *uses = json_array ();
    json_t *out = uses? json_pack ("{s:s, s:o}", "patient", list->patient, "uses", uses): NULL;
    for (size_t i = 0; out && i < list->n; i++) {
        const ingest_contrib_t *u = &list->uses [i];
        json_t *grants = json_array ();
        for (size_t k = 0; grants && k < u->n_grants; k++) {
            const ingest_contrib_grant_t *g = &u->grants [k];
            json_t *o = json_pack ("{s:s, s:s, s:b, s:b}", "id", g->id,
                                   "granted", s_time (a, g->granted_ms), "held", g->held,
                                   "revoked", g->revoked);
            if (!o || json_object_set_new (o, "revoked_at", g->revoked
                                           ? json_string (s_time (a, g->revoked_ms))
                                           : json_null ())
            ||  json_array_append_new (grants, o)) {
                json_decref (grants);
                grants = NULL;
            }
        }
        json_t *o = grants? json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:o}",
                                       "id", u->id, "kind", u->kind, "name", u->name,
                                       "accepted", s_time (a, u->accepted_ms),
                                       "dataset", u->dataset, "purpose", u->purpose,
                                       "status", u->status, "analyst",
                                       u->analyst? u->analyst: "",
                                       "last_round", (json_int_t) u->last_round,
                                       "grants", grants): NULL;
        if (!o
        ||  json_object_set_new (o, "study_ref", u->study_ref? json_string (u->study_ref)
                                                             : json_null ())
        ||  json_object_set_new (o, "ended", u->ended_ms? json_string (s_time (a, u->ended_ms))
                                                        : json_null ())
        ||  json_object_set_new (o, "detail", u->detail? json_string (u->detail): json_null ())
        ||  (!u->analyst && json_object_set_new (o, "analyst", json_null ()))
        ||  json_array_append_new (uses, o)) {
            json_decref (out);
            out = NULL;
        }
    }
    return out;
}

int
cli_ingest_contributions (int argc, char **argv)
{
    static const char usage [] =
        "usage: cohort ingest contributions --patient ID (--config site.cfg |\n"
        "         --store DB --audit LOG) [--json]\n"
        "  Lists, for one patient, each study and query that used their records at\n"
        "  this site (the patient's right of access; docs/operations.md): when it was\n"
        "  accepted, which study (id, name, kind, analyst), for which purpose, under\n"
        "  which consent grant (id, when granted), whether that grant has since been\n"
        "  revoked (and when), and the last round and end. Nothing leaves the site.\n"
        "  Every lookup is audited (contributions.read: the operator, a hash of the\n"
        "  patient reference, how many uses); without an audit log it is refused.\n"
        "  --patient ID   p-1 or Patient/p-1 (a FHIR id)\n"
        "  --config FILE  the site's site.cfg: its ingest store and audit log\n"
        "  --store DB     the ingest store, with --audit LOG (an existing audit log)\n"
        "  --json         one object: {\"patient\", \"uses\": [{\"id\", \"kind\", \"name\",\n"
        "                 \"accepted\", \"dataset\", \"purpose\", \"status\", \"analyst\",\n"
        "                 \"last_round\", \"grants\": [{\"id\", \"granted\", \"held\",\n"
        "                 \"revoked\", \"revoked_at\"}], \"study_ref\", \"ended\", \"detail\"}]}\n"
        "  A patient no study used gets an empty list (exit 0).\n";
    const char *patient = NULL, *config = NULL, *store = NULL, *audit = NULL;
    bool json = false;
    const cli_opt_t table [] = {
        CLI_STRING ("patient", &patient), CLI_STRING ("config", &config),
        CLI_STRING ("store", &store), CLI_STRING ("audit", &audit), CLI_FLAG ("json", &json),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    const char *cmd = "ingest contributions";
    char ref [80];
    if (cli_need (cmd, "--patient", patient))
        return CLI_USAGE;
    if (ingest_contrib_patient (ref, sizeof ref, patient)) {
        cli_error ("%s: --patient: %s", cmd, util_last_error ());
        return CLI_USAGE;
    }
    if (config && (store || audit)) {
        cli_error ("%s: --config names the store and the audit log: give it without --store "
                   "and --audit", cmd);
        return CLI_USAGE;
    }
    if (!config && (cli_need (cmd, "--config or --store", store)
                    || cli_need (cmd, "--audit (every lookup is audited)", audit)))
        return CLI_USAGE;
    site_config_t *cfg = config? site_config_load (config): NULL;
    const char *origin = NULL;
    if (cfg && cfg->ingest) {
        store = cfg->ingest->store;
        audit = cfg->audit;
        origin = cfg->audit_origin;
    }
    ingest_contrib_list_t list = { .n = 0 };
    rc = CLI_FAIL;
    if (config && !cfg)
        cli_error ("%s: %s", cmd, util_last_error ());
    else
    if (cfg && !cfg->ingest)
        cli_error ("%s: %s: no ingest section: the site holds no grants, so no use under "
                   "consent is recorded", cmd, config);
    else
    if (cfg && !audit)
        cli_error ("%s: %s: no audit log (site/ingest/audit): every lookup is audited", cmd,
                   config);
    else
    if (ingest_contrib_read (store, audit, origin, NULL, patient, &list))
        cli_error ("%s: %s", cmd, util_last_error ());
    else
    if (!json) {
        s_print_text (&list);
        rc = CLI_OK;
    }
    else {
        json_t *o = s_json (&list);
        char *text = o? json_dumps (o, JSON_INDENT (2) | JSON_PRESERVE_ORDER): NULL;
        if (text) {
            puts (text);
            rc = CLI_OK;
        }
        else
            cli_error ("%s: out of memory", cmd);
        free (text);
        json_decref (o);
    }
    ingest_contrib_list_clear (&list);
    site_config_destroy (&cfg);
    return rc;
}
