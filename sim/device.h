/*  sim/device.h - simulated bedside devices behind one gateway: N enrolled
    devices stream sealed FHIR R4 vital-sign Observations to a site's
    ingest endpoint (ingest/gateway.h), with faults injected on purpose,
    and the site's answers are counted per reason. `cohort device-sim`
    runs it; docs/ingest.md describes the run.

    Contents
        sim_device_t            one device: its provisioning and its state
        sim_devices_load        the first n *.device files of a directory
        sim_devices_destroy     wipes and frees them
        sim_device_reading      the device's next reading, as FHIR JSON
        sim_device_seal         the same, sealed into a frame
        sim_devices_config_t    what to run: site, devices, rate, faults
        sim_devices_check       is the configuration within its limits?
        sim_devices_run         streams it and counts the answers
        sim_devices_result_t    what was sent and how the site answered

    With an acked log (sim_devices_config_t.acked_log) the run appends one
    line "<device id> <sequence>\n" (sequence in decimal) for every frame
    the site answered accepted, and fsyncs the file before it reads the
    next answer: a line there is a record the site acknowledged as
    committed, so a test can check the site's store against it after a
    crash. Only complete lines (ending in a newline) count.

    Readings take turns through heart rate (LOINC 8867-4, /min), SpO2
    (2708-6 and 59408-5, %), body temperature (8310-5, Cel), glucose
    (2339-0, mg/dL) and the blood-pressure panel (85354-9 with 8480-6 and
    8462-4, mm[Hg]), each drawn uniformly within a plausible range.

    The values come from GSL's mt19937 seeded with the configuration's seed:
    simulated readings, reproducible per seed, and not a secret. This
    generator is never used for keys or nonces: the device secrets come
    from the provisioning files (made with OpenSSL's CSPRNG by `cohort
    ingest enroll-device`) and each frame's key and nonce are derived from
    them by ingest_frame_seal (HKDF).

    A provisioning file (ingest/provision.h has the format) is untrusted
    input: every field is checked, and a bad one is named with the file.

    The devices array is the caller's (sim_devices_destroy wipes the device
    secrets and frees it); the configuration's strings are borrowed, and
    sim_devices_run wipes the devices it loads. Errors are -1 / NULL with the
    reason in the error slot (util/error.h).
*/
#ifndef SIM_DEVICE_H
#define SIM_DEVICE_H

#include "ingest/frame.h"
#include "ingest/store.h"
#include "util/error.h"

#include <gsl/gsl_rng.h>
#include <stdbool.h>

#define SIM_DEVICES_MAX     100000      //  devices in one run
#define SIM_DEVICE_PATIENT_MAX  127     //  bytes of "Patient/<id>"
#define SIM_FRAME_CAP         1024      //  bytes of one sealed reading
#define SIM_INJECT_MAX     1000000      //  faults of one kind in one run
#define SIM_WINDOW_MAX        1024      //  requests in flight
#define SIM_RATE_MIN          1e-3      //  readings per second per device
#define SIM_RATE_MAX           1e6
#define SIM_DURATION_MIN      1e-3      //  seconds
#define SIM_DURATION_MAX     86400
#define SIM_TIMEOUT_MIN_MS     100
#define SIM_TIMEOUT_MAX_MS 3600000

/*  One simulated device. Plain value; sim_devices_destroy wipes it. */
typedef struct {
    char id [INGEST_DEVICE_ID_MAX + 1];
    char patient [SIM_DEVICE_PATIENT_MAX + 1];
    uint32_t epoch;                     //  key epoch of its enrollment
    uint8_t aead;                       //  INGEST_AEAD_*
    uint8_t secret [INGEST_SECRET_LEN];
    uint64_t sequence;                  //  of the last frame sealed
    unsigned next_vital;                //  which vital sign comes next
} sim_device_t;

/*  Loads the first n (1..SIM_DEVICES_MAX) files named *.device in `dir`,
    by name, into a new array of n devices (free it with
    sim_devices_destroy), each with sequence 0. NULL if the directory
    cannot be read, holds fewer than n such files, or a file is not valid
    (naming the file and the field: device_id, patient, epoch, aead,
    secret). */
sim_device_t *sim_devices_load (const char *dir, size_t n);

/*  Wipes and frees n devices, sets *devices_p NULL. NULL-safe. */
void sim_devices_destroy (sim_device_t **devices_p, size_t n);

/*  Writes the device's next reading (its next vital sign in turn, taken
    at now_ms, values drawn from rng) into out as an Observation, or, if
    `bad`, a payload that is valid JSON but no Observation (a Patient).
    Returns the length, or 0 if cap is too small (SIM_FRAME_CAP is
    enough). */
size_t sim_device_reading (char *out, size_t cap, sim_device_t *device, gsl_rng *rng,
                           int64_t now_ms, bool bad);

/*  Seals the device's next reading (sim_device_reading) into a frame with
    the next sequence number, into out (capacity cap, SIM_FRAME_CAP is
    enough), setting *len. Returns 0 or -1. */
int sim_device_seal (uint8_t *out, size_t cap, size_t *len, sim_device_t *device,
                     gsl_rng *rng, int64_t now_ms, bool bad_fhir) UTIL_WUR;

/*  Injected faults, spread evenly over the run. */
typedef enum {
    SIM_INJECT_REPLAY,          //  a copy of a reading already sent: replay
    SIM_INJECT_BAD_TAG,         //  a fresh reading, last tag byte changed: bad_tag
    SIM_INJECT_BAD_FHIR,        //  a sealed Patient, not an Observation: bad_fhir
    SIM_INJECT_COUNT
} sim_inject_t;

/*  A run: `devices` devices each send `rate` readings per second for
    `duration` seconds (devices * rate * duration readings, rounded), as
    one gateway, `batch` frames a request and up to `window` requests in
    flight. Sequence numbers start from the clock in microseconds, so a
    later run with the same devices never repeats one. */
typedef struct {
    const char *endpoint;       //  the site's ingest endpoint
    const char *gateway_cert;   //  the gateway's secret certificate (zcert)
    const char *site_cert;      //  the site's public certificate
    const char *provision_dir;  //  the first `devices` *.device files, by name
    long devices;               //  1..SIM_DEVICES_MAX
    double rate;                //  SIM_RATE_MIN..SIM_RATE_MAX
    double duration;            //  SIM_DURATION_MIN..SIM_DURATION_MAX
    long inject [SIM_INJECT_COUNT];  //  0..SIM_INJECT_MAX each
    long batch;                 //  1..INGEST_BATCH_MAX
    long window;                //  1..SIM_WINDOW_MAX
    long timeout_ms;            //  give up after this long without an answer
    uint64_t seed;              //  of the simulated values
    const char *acked_log;      //  NULL, or the file the accepted frames are
                                //  appended to (created 0600 if need be)
} sim_devices_config_t;

/*  What a run sent and how the site answered. */
typedef struct {
    long frames_sent;           //  frames in all requests
    long readings;              //  good readings among them
    long injected [SIM_INJECT_COUNT];
    long answered;              //  frames answered (frames_sent - answered:
                                //  sent and not acknowledged)
    double seconds;             //  wall time of the run
    uint64_t answers [INGEST_REASON_COUNT];     //  per reason (INGEST_OK: accepted)
    uint64_t not_committed;     //  frames the site could not commit
} sim_devices_result_t;

/*  Returns 0 if every field of cfg is given and within its limits, and
    replays are asked for only with readings to replay; else -1 naming
    the field. */
int sim_devices_check (const sim_devices_config_t *cfg) UTIL_WUR;

/*  Checks cfg, loads the devices and streams the run to the site until
    every frame is answered. Fills *result (also on failure, with what was
    done). Returns 0 once every frame was answered; the caller reads
    result->not_committed (frames the site must be sent again). Returns -1
    if the configuration or a provisioning file is invalid, the acked log
    cannot be opened, written or synced, the gateway cannot connect or
    send, the site does not answer within timeout_ms (for instance when
    this gateway is not in its allowlist, or the site stopped mid-run: the
    frames sent and not answered were then not acknowledged, and are not
    in the acked log), an answer does not match its request, or the
    process is interrupted (czmq's zsys_interrupted). Switches GSL's abort
    handler off (model_init). */
int sim_devices_run (const sim_devices_config_t *cfg, sim_devices_result_t *result) UTIL_WUR;

#endif
