/*  cli/cmd_device_sim.c - `cohort device-sim`: a gateway streaming sealed
    vital-sign Observations for devices enrolled at a site, with optional
    injected replays, bad tags and bad FHIR, and the site's answers counted
    per reason. The run is sim/device.h's; this file parses and prints. */
#include "cli.h"
#include "cmd.h"
#include "sim/device.h"
#include "util/error.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

static const char s_usage [] =
    "usage: cohort device-sim --gateway-cert FILE --site ENDPOINT --site-cert FILE\n"
    "         --provision-dir DIR --devices N --rate R --duration S\n"
    "         [--inject-replays K] [--inject-bad-tags K] [--inject-bad-fhir K]\n"
    "         [--batch B] [--window W] [--timeout-ms T] [--seed X]\n"
    "         [--acked-log FILE] [--json]\n"
    "Streams sealed FHIR R4 vital-sign Observations (heart rate 8867-4, SpO2\n"
    "2708-6/59408-5, body temperature 8310-5, blood pressure 85354-9, glucose\n"
    "2339-0) for N devices enrolled at a site, as one gateway, and prints the\n"
    "site's answers counted per reason.\n"
    "  --gateway-cert FILE   the gateway's secret certificate (allowlisted at the site)\n"
    "  --site ENDPOINT       the site's ingest endpoint, e.g. tcp://10.0.0.5:7700\n"
    "  --site-cert FILE      the site's public certificate\n"
    "  --provision-dir DIR   *.device files from cohort ingest enroll-device\n"
    "                        --provision-dir; the first N by name are used\n"
    "  --devices N           devices to simulate\n"
    "  --rate R              readings per second per device\n"
    "  --duration S          seconds to stream (N * R * S readings)\n"
    "  --inject-replays K    K copies of readings already sent (answer: replay)\n"
    "  --inject-bad-tags K   K readings with a corrupted AEAD tag (bad_tag)\n"
    "  --inject-bad-fhir K   K sealed payloads that are no Observation (bad_fhir)\n"
    "  --batch B             frames per request (default 64)\n"
    "  --window W            requests in flight (default 8)\n"
    "  --timeout-ms T        give up when the site has not answered for T ms\n"
    "                        (default 10000; exit 1, and the frames not answered\n"
    "                        were not acknowledged: send them again)\n"
    "  --seed X              seed of the simulated values (default 1; a simulation\n"
    "                        generator, never used for keys or nonces)\n"
    "  --acked-log FILE      append \"<device id> <sequence>\" for every frame the\n"
    "                        site accepted, a line each, synced to disk before\n"
    "                        the next answer is read (created 0600 if need be)\n"
    "  --json                one JSON object on stdout\n";

//  Parses the options into cfg and *json. Returns CLI_OK, -1 after --help,
//  or CLI_USAGE after naming the problem.
static int
s_parse (int argc, char **argv, sim_devices_config_t *cfg, bool *json)
{
    *cfg = (sim_devices_config_t) { .batch = 64, .window = 8, .timeout_ms = 10000,
                                    .seed = 1 };
    bool given [3] = { false, false, false };
    const cli_opt_t table [] = {
        CLI_STRING ("gateway-cert", &cfg->gateway_cert), CLI_STRING ("site", &cfg->endpoint),
        CLI_STRING ("site-cert", &cfg->site_cert),
        CLI_STRING ("provision-dir", &cfg->provision_dir),
        CLI_STRING ("acked-log", &cfg->acked_log),
        { "devices", CLI_OPT_LONG, &cfg->devices, 1, SIM_DEVICES_MAX, NULL, &given [0] },
        { "rate", CLI_OPT_DOUBLE, &cfg->rate, SIM_RATE_MIN, SIM_RATE_MAX, NULL, &given [1] },
        { "duration", CLI_OPT_DOUBLE, &cfg->duration, SIM_DURATION_MIN, SIM_DURATION_MAX, NULL,
          &given [2] },
        { "inject-replays", CLI_OPT_LONG, &cfg->inject [SIM_INJECT_REPLAY], 0, SIM_INJECT_MAX,
          NULL, NULL },
        { "inject-bad-tags", CLI_OPT_LONG, &cfg->inject [SIM_INJECT_BAD_TAG], 0, SIM_INJECT_MAX,
          NULL, NULL },
        { "inject-bad-fhir", CLI_OPT_LONG, &cfg->inject [SIM_INJECT_BAD_FHIR], 0,
          SIM_INJECT_MAX, NULL, NULL },
        { "batch", CLI_OPT_LONG, &cfg->batch, 1, INGEST_BATCH_MAX, NULL, NULL },
        { "window", CLI_OPT_LONG, &cfg->window, 1, SIM_WINDOW_MAX, NULL, NULL },
        { "timeout-ms", CLI_OPT_LONG, &cfg->timeout_ms, SIM_TIMEOUT_MIN_MS, SIM_TIMEOUT_MAX_MS,
          NULL, NULL },
        { "seed", CLI_OPT_U64, &cfg->seed, 0, 0x7fffffffL, NULL, NULL },
        CLI_FLAG ("json", json),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, s_usage);
    if (rc)
        return rc;
    const char *cmd = "device-sim";
    const char *missing = !cfg->gateway_cert? "--gateway-cert": !cfg->endpoint? "--site"
        : !cfg->site_cert? "--site-cert": !cfg->provision_dir? "--provision-dir"
        : !given [0]? "--devices": !given [1]? "--rate": !given [2]? "--duration": NULL;
    if (missing) {
        cli_error ("%s: %s is required (see --help)", cmd, missing);
        return CLI_USAGE;
    }
    //  What is left to check combines options (replays need readings).
    if (sim_devices_check (cfg)) {
        cli_error ("%s: %s", cmd, util_last_error ());
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int
s_print_json (const sim_devices_config_t *cfg, const sim_devices_result_t *r)
{
    json_t *answers = json_object ();
    int bad = !answers;
    for (int i = 0; i < INGEST_REASON_COUNT; i++)
        bad |= json_object_set_new (answers, ingest_reason_name ((ingest_reason_t) i),
                                    json_integer ((json_int_t) r->answers [i]));
    bad |= json_object_set_new (answers, "not_committed",
                                json_integer ((json_int_t) r->not_committed));
    json_t *j = bad? NULL: json_pack (
        "{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:O}",
        "endpoint", cfg->endpoint, "devices", (json_int_t) cfg->devices,
        "frames_sent", (json_int_t) r->frames_sent, "readings", (json_int_t) r->readings,
        "injected_replays", (json_int_t) r->injected [SIM_INJECT_REPLAY],
        "injected_bad_tags", (json_int_t) r->injected [SIM_INJECT_BAD_TAG],
        "injected_bad_fhir", (json_int_t) r->injected [SIM_INJECT_BAD_FHIR],
        "seconds", r->seconds, "answers", answers);
    char *text = j? json_dumps (j, JSON_INDENT (2) | JSON_PRESERVE_ORDER): NULL;
    if (text)
        puts (text);
    else
        cli_error ("device-sim: out of memory");
    free (text);
    json_decref (j);
    json_decref (answers);
    return text? 0: -1;
}

static void
s_print_text (const sim_devices_config_t *cfg, const sim_devices_result_t *r)
{
    printf ("sent %ld frames for %ld devices to %s in %.2f s: %ld readings, %ld replays, "
            "%ld bad tags, %ld bad FHIR injected\n", r->frames_sent, cfg->devices,
            cfg->endpoint, r->seconds, r->readings, r->injected [SIM_INJECT_REPLAY],
            r->injected [SIM_INJECT_BAD_TAG], r->injected [SIM_INJECT_BAD_FHIR]);
    printf ("site answers (%ld):\n", r->answered);
    for (int i = 0; i < INGEST_REASON_COUNT; i++)
        printf ("  %-17s %llu\n", ingest_reason_name ((ingest_reason_t) i),
                (unsigned long long) r->answers [i]);
    if (r->not_committed)
        printf ("  %-17s %llu\n", "not committed", (unsigned long long) r->not_committed);
}

int
cli_cmd_device_sim (int argc, char **argv)
{
    sim_devices_config_t cfg;
    bool json = false;
    int rc = s_parse (argc, argv, &cfg, &json);
    if (rc)
        return rc < 0? CLI_OK: rc;
    sim_devices_result_t result;
    if (sim_devices_run (&cfg, &result)) {
        cli_error ("device-sim: %s", util_last_error ());
        return CLI_FAIL;
    }
    if (json && s_print_json (&cfg, &result))
        return CLI_FAIL;
    if (!json)
        s_print_text (&cfg, &result);
    if (result.not_committed) {
        cli_error ("device-sim: the site could not commit %llu frames",
                   (unsigned long long) result.not_committed);
        return CLI_FAIL;
    }
    return CLI_OK;
}
