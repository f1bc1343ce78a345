/*  coordinator/totp.h - the second factor of analysts and admins: a TOTP
    code (RFC 6238, util/totp.h) on top of their CURVE key.

    coordinator.cfg names the store (`totp = totp.db`; absent: TOTP is off).
    It is an SQLite file of mode 0600, written by `cohort admin totp-enrol`
    and read by the coordinator: one row per enrolled identity, keyed by
    its name and by its CURVE public key (Z85, as the ZAP handler reports
    it), holding the TOTP secret, the last time step accepted (so that a
    restart does not reopen a used code's window) and the count of recent
    wrong codes with the end of any cooling-off.

    A client that presents a right code may name a session with it: 32
    random bytes of its own, as 64 lower-case hex digits. Until
    `totp_session_s` pass without use, the same key may present that
    session instead of a new code, so that one command (a query: launch,
    follow, report) needs one code. Sessions live in memory only: a
    restarted coordinator asks for a new code.

    Contents
        coord_totp_t            an open store
        coord_totp_policy_t     the rate limit and session lifetime
        coord_totp_open         opens (or creates) the store, checking its mode
        coord_totp_enrol        stores a secret for a name and key
        coord_totp_enrol_new    a new secret, stored as coordinator.cfg says,
                                and its otpauth:// URI
        coord_totp_check        a request's code or session, judged
        coord_totp_verdict_name the reason word of an audit entry
        coord_totp_destroy      closes, wiping the sessions

    The store is the caller's (coord_totp_destroy, NULL-safe). Errors are
    -1 / NULL with the reason in the error slot (util/error.h).
*/
#ifndef COORD_TOTP_H
#define COORD_TOTP_H

#include "util/totp.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct _coord_totp_t coord_totp_t;

#define COORD_TOTP_NAME_MAX      128     //  an enrolled name, bytes
#define COORD_TOTP_SESSION_HEX   64      //  a session: 32 bytes as hex
#define COORD_TOTP_SESSIONS      256     //  live sessions kept (the oldest goes)

typedef struct {
    unsigned max_failures;      //  wrong codes in a window before a cooling-off (default 5)
    unsigned cooloff_s;         //  the window and the cooling-off, seconds (default 300)
    unsigned session_s;         //  a session's life after its last use (default 900)
} coord_totp_policy_t;

/*  Opens the store at `path` (created, empty and mode 0600, when `create`
    and it is missing). A store that others than its owner may read or
    write (mode & 077) is refused: it holds every analyst's secret. NULL
    with "totp: <path>: <reason>". */
coord_totp_t *coord_totp_open (const char *path, bool create);
void coord_totp_destroy (coord_totp_t **self_p);

/*  Enrols `name` (1..COORD_TOTP_NAME_MAX printable ASCII characters, no
    space) with the CURVE public key `public_key` (40 Z85 characters) and
    the TOTP key `key`. An existing enrolment of the name or the key is
    replaced only when `replace` (its last step and failures are reset: the
    secret is new), else refused (UTIL_EREFUSED). 0 or -1. */
int coord_totp_enrol (coord_totp_t *self, const char *name, const char *public_key,
                      const util_totp_key_t *key, bool replace, int64_t now) UTIL_WUR;

/*  The enrolment as an administrator runs it (cohort admin totp-enrol):
    reads coordinator.cfg at `cfg_path` for its store (`totp`, which must
    be set) and its name (the URI's issuer), draws a new secret from the
    CSPRNG (UTIL_TOTP_SECRET_BYTES), enrols `name` with `public_key` as
    coord_totp_enrol does (creating the store, mode 0600, if missing), and
    returns the otpauth://totp/ URI for the analyst's authenticator (issuer
    the consortium's name, label `name`): a new string the caller wipes and
    frees. NULL with the reason. */
char *coord_totp_enrol_new (const char *cfg_path, const char *name, const char *public_key,
                            util_totp_hash_t hash, unsigned digits, bool replace);

typedef enum {
    COORD_TOTP_OK,              //  a fresh right code, or a live session
    COORD_TOTP_MISSING,         //  neither a code nor a live session
    COORD_TOTP_UNENROLLED,      //  the key is not enrolled
    COORD_TOTP_WRONG,           //  a wrong (or malformed) code
    COORD_TOTP_REPLAYED,        //  a right code of a step already used
    COORD_TOTP_LOCKED           //  refused unseen: in a cooling-off period
} coord_totp_verdict_t;

typedef struct {
    coord_totp_verdict_t verdict;
    char name [COORD_TOTP_NAME_MAX + 1];    //  the enrolled name ("" if none)
    bool locked_now;            //  this wrong code started a cooling-off
    int64_t locked_until;       //  its end (Unix time), when locked
} coord_totp_result_t;

/*  Judges a request from the CURVE key `public_key` that carries `code`
    and `session` (each "" or NULL when absent) at Unix time `now`:

    - not enrolled: UNENROLLED;
    - a code: in a cooling-off, LOCKED (the code is not checked); else the
      code is verified (util_totp_verify) against the stored last step:
      ACCEPTED stores the new last step durably before returning OK (and,
      with a session, opens it); REPLAYED; WRONG counts a failure, and the
      policy's max_failures-th wrong code inside cooloff_s starts a
      cooling-off (locked_now);
    - no code: OK for a live session of this key (its life is renewed),
      else MISSING.

    0 with *result set, or -1 (the store cannot be read or written: the
    request must be refused). */
int coord_totp_check (coord_totp_t *self, coord_totp_result_t *result, const char *public_key,
                      const char *code, const char *session, int64_t now,
                      const coord_totp_policy_t *policy) UTIL_WUR;

/*  "ok", "missing", "unenrolled", "wrong", "replayed", "locked". */
const char *coord_totp_verdict_name (coord_totp_verdict_t verdict);

#endif
