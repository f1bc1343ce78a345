/*  cli/cmd_ingest.c - `cohort ingest`: provisioning for authenticated
    ingest at a site. This file dispatches and holds the storage key and
    device enrollment and revocation; cli/cmd_ingest_grant.c holds consent
    authorities, signed grants and cohort selection. The work is done by
    ingest/provision.h; these files parse and print. */
#include "cli.h"
#include "cmd.h"
#include "cmd_ingest.h"
#include "ingest/check.h"
#include "ingest/fhirtime.h"
#include "ingest/provision.h"
#include "site/config.h"
#include "util/error.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int
cli_ingest_time (const char *option, const char *text, int64_t *ms)
{
    if (!text) {
        struct timespec ts;
        clock_gettime (CLOCK_REALTIME, &ts);
        *ms = (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        return 0;
    }
    if (ingest_fhirtime_instant (text, ms)) {
        cli_error ("%s: '%s' is not a date and time like 2027-01-01T00:00:00Z", option, text);
        return -1;
    }
    return 0;
}

static int
s_storage_keygen (int argc, char **argv)
{
    static const char usage [] =
        "usage: cohort ingest storage-keygen --out FILE\n"
        "  Creates the site storage key (256 bits from the CSPRNG) that seals device\n"
        "  secrets and records at rest: one line of 64 hex digits, mode 0600, never\n"
        "  overwritten. Back it up: the store cannot be opened without it.\n";
    const char *out = NULL;
    const cli_opt_t table [] = { CLI_STRING ("out", &out), CLI_END };
    int rc = cli_parse (argc, argv, table, usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    if (cli_need ("ingest storage-keygen", "--out", out))
        return CLI_USAGE;
    if (ingest_provision_storage_key (out)) {
        cli_error ("ingest storage-keygen: %s", util_last_error ());
        return CLI_FAIL;
    }
    return CLI_OK;
}

static int
s_enroll_device (int argc, char **argv)
{
    static const char usage [] =
        "usage: cohort ingest enroll-device (--site-config site.cfg | --store DB\n"
        "         --storage-key FILE [--audit LOG]) --device-id ID --patient Patient/REF\n"
        "         [--identifier SYSTEM|VALUE]... (--secret-out FILE | --provision-dir DIR)\n"
        "         [--expires DATETIME]\n"
        "  Enrolls a device for one patient and writes its new 256-bit secret, once,\n"
        "  for provisioning the device. Re-enrolling a revoked device starts a new\n"
        "  key epoch.\n"
        "  --identifier S|V    one of the patient's identifiers (repeat, at most 8):\n"
        "                      the device's Observations may name the patient by it,\n"
        "                      e.g. urn:ietf:rfc:3986|urn:uuid:<uuid> for urn:uuid:\n"
        "                      subjects, or an MRN system|value\n"
        "  --site-config FILE  take the store, storage key and audit log from the\n"
        "                      ingest section of site.cfg\n"
        "  --secret-out FILE   the secret alone: 64 hex digits, mode 0600\n"
        "  --provision-dir DIR DIR/ID.device (JSON, mode 0600): device id, patient,\n"
        "                      key epoch, aead and secret, as cohort device-sim reads\n"
        "  --expires DATETIME  e.g. 2027-06-30T00:00:00Z (default: no expiry)\n"
        "  --audit LOG         an existing audit log that records the enrollment\n";
    ingest_site_files_t site = { NULL, NULL, NULL, NULL };
    ingest_enrollment_t device = { .device_id = NULL };
    cli_strings_t identifiers = { .n = 0 };
    const char *config = NULL, *expires = NULL;
    const cli_opt_t table [] = {
        CLI_STRING ("store", &site.store), CLI_STRING ("storage-key", &site.storage_key),
        CLI_STRING ("device-id", &device.device_id), CLI_STRING ("patient", &device.patient),
        CLI_STRINGS ("identifier", &identifiers, INGEST_STORE_IDENTIFIERS_MAX),
        CLI_STRING ("secret-out", &device.secret_out), CLI_STRING ("expires", &expires),
        CLI_STRING ("audit", &site.audit), CLI_STRING ("site-config", &config),
        CLI_STRING ("provision-dir", &device.provision_dir),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    const char *cmd = "ingest enroll-device";
    if (config && (site.store || site.storage_key || site.audit)) {
        cli_error ("%s: --site-config names the store, storage key and audit log: give it "
                   "without --store, --storage-key and --audit", cmd);
        return CLI_USAGE;
    }
    if (!device.secret_out == !device.provision_dir) {
        cli_error ("%s: give one of --secret-out and --provision-dir", cmd);
        return CLI_USAGE;
    }
    if ((!config && (cli_need (cmd, "--store", site.store)
                     || cli_need (cmd, "--storage-key", site.storage_key)))
    ||  cli_need (cmd, "--device-id", device.device_id)
    ||  cli_need (cmd, "--patient", device.patient)
    ||  (expires && cli_ingest_time ("--expires", expires, &device.expires_ms)))
        return CLI_USAGE;
    device.identifiers = identifiers.items;
    device.n_identifiers = identifiers.n;
    site_config_t *cfg = config? site_config_load (config): NULL;
    if (cfg && cfg->ingest)
        site = (ingest_site_files_t) { cfg->ingest->store, cfg->ingest->storage_key,
                                       cfg->ingest->audit, cfg->ingest->audit_origin };
    uint32_t epoch = 0;
    char *written = NULL;
    rc = CLI_FAIL;
    if (config && !cfg)
        cli_error ("%s: %s", cmd, util_last_error ());
    else
    if (cfg && !cfg->ingest)
        cli_error ("%s: %s: no ingest section (site/ingest: store, storage_key, audit)", cmd,
                   config);
    else
    if (ingest_provision_enroll_device (&site, &device, &epoch, &written))
        cli_error ("%s: %s", cmd, util_last_error ());
    else {
        printf ("enrolled %s for %s (%zu identifier%s), key epoch %u; secret in %s\n",
                device.device_id, device.patient, device.n_identifiers,
                device.n_identifiers == 1? "": "s", epoch, written);
        rc = CLI_OK;
    }
    free (written);
    site_config_destroy (&cfg);
    return rc;
}

static int
s_revoke_device (int argc, char **argv)
{
    static const char usage [] =
        "usage: cohort ingest revoke-device --store DB --storage-key FILE --device-id ID\n"
        "         [--audit LOG]\n"
        "  Revokes the device: every later frame from it is rejected (revoked_device).\n";
    ingest_site_files_t site = { NULL, NULL, NULL, NULL };
    const char *device = NULL;
    const cli_opt_t table [] = {
        CLI_STRING ("store", &site.store), CLI_STRING ("storage-key", &site.storage_key),
        CLI_STRING ("device-id", &device), CLI_STRING ("audit", &site.audit),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    const char *cmd = "ingest revoke-device";
    if (cli_need (cmd, "--store", site.store) || cli_need (cmd, "--storage-key", site.storage_key)
    ||  cli_need (cmd, "--device-id", device))
        return CLI_USAGE;
    if (ingest_provision_revoke_device (&site, device)) {
        cli_error ("%s: %s", cmd, util_last_error ());
        return CLI_FAIL;
    }
    printf ("revoked %s\n", device);
    return CLI_OK;
}

#define S_CHECK_FILES 256

//  One verdict: a text line, or one JSON object per line.
static int
s_check_print (const char *file, const ingest_check_result_t *v, bool json)
{
    if (!json) {
        printf ("%s: %s (%s)%s%s\n", file, v->accepted? "accepted": "refused",
                v->resource [0]? v->resource: "unknown", v->reason [0]? ": ": "", v->reason);
        return 0;
    }
    json_t *o = json_pack ("{s:s, s:s, s:s, s:s}", "file", file,
                           "resource", v->resource [0]? v->resource: "unknown",
                           "verdict", v->accepted? "accepted": "refused", "reason", v->reason);
    char *text = o? json_dumps (o, JSON_COMPACT | JSON_PRESERVE_ORDER): NULL;
    json_decref (o);
    if (!text)
        return util_error (UTIL_EINPUT, "the verdict cannot be printed as JSON (is the file "
                           "name UTF-8?)");
    puts (text);
    free (text);
    return 0;
}

static int
s_check (int argc, char **argv)
{
    static const char usage [] =
        "usage: cohort ingest check FILE... [--patient REF] [--json]\n"
        "  Runs the site's validators on FHIR Observation, Consent or Bundle JSON\n"
        "  files, storing nothing, and prints each file's verdict: accepted, or\n"
        "  refused with the reason (docs/ingest.md). An Observation whose value has\n"
        "  a comparator is accepted with the reason censored_value.\n"
        "  --patient REF  the enrolled patient the subjects must name: comma-separated\n"
        "                 Patient/<id> and system|value identifiers (without it,\n"
        "                 subjects are checked for form only)\n"
        "  --json         one object per file: {\"file\", \"resource\", \"verdict\",\n"
        "                 \"reason\"}\n"
        "  Exit status: 0 every file accepted, 1 any refused, 2 usage error.\n";
    const char *patient = NULL;
    bool json = false;
    const char *files [S_CHECK_FILES];
    const cli_opt_t table [] = {
        CLI_STRING ("patient", &patient), CLI_FLAG ("json", &json), CLI_END
    };
    int rc = cli_parse_args (argc, argv, table, usage, files, 1, S_CHECK_FILES);
    if (rc)
        return rc < 0? CLI_OK: rc;
    ingest_check_patient_t who;
    if (patient && ingest_check_patient_parse (&who, patient)) {
        cli_error ("ingest check: %s", util_last_error ());
        return CLI_USAGE;
    }
    rc = CLI_OK;
    for (size_t i = 0; i < S_CHECK_FILES && files [i]; i++) {
        ingest_check_result_t v;
        if (ingest_check_file (files [i], patient? &who: NULL, &v)
        ||  s_check_print (files [i], &v, json)) {
            cli_error ("ingest check: %s: %s", files [i], util_last_error ());
            return CLI_FAIL;
        }
        if (!v.accepted)
            rc = CLI_FAIL;
    }
    return rc;
}

static const cli_command_t s_ingest [] = {
    { "storage-keygen",   "create the site storage key", s_storage_keygen },
    { "enroll-device",    "enroll a device and write its secret", s_enroll_device },
    { "revoke-device",    "revoke a device", s_revoke_device },
    { "enroll-authority", "enroll a consent authority's verifier key", cli_ingest_enroll_authority },
    { "sign-grant",       "sign a FHIR Consent as an authority", cli_ingest_sign_grant },
    { "grant",            "take a signed consent grant", cli_ingest_grant },
    { "select",           "show the patients and records usable for a use", cli_ingest_select },
    { "check",            "check FHIR files with the site's validators, storing nothing", s_check },
    { "contributions",    "which studies used a patient's records, under which grant",
      cli_ingest_contributions },
    { NULL, NULL, NULL }
};

int
cli_cmd_ingest (int argc, char **argv)
{
    return cli_dispatch ("cohort ingest", s_ingest, argc, argv);
}
