/*  proto/rolecert.h - the consortium's role certificates and revocation list.

    A consortium has one admin key (Ed25519, audit/key.h). The admin signs a
    role certificate for every identity that speaks to the coordinator: a
    C2SP signed note (audit/note.h) whose text is, one line each and in this
    order,

        cohort-role/v1
        consortium <name>
        role <site|analyst|observer|admin>
        name <name>
        index <i>                   sites only: 1..PROTO_MAX_PARTIES
        curve <40-character Z85 CURVE public key>
        signer <verifier key line of the identity's own Ed25519 key>
        serial <decimal, 0..2^64-1>
        not_after <unix seconds>

    signed by the admin key. Names (consortium and identity) are 1..
    AUDIT_KEY_NAME_MAX printable ASCII characters without space or '+'.
    Numbers are decimal without sign or leading zeros. The certificate binds
    the role, the name and (for a site) the share index to the CURVE key the
    identity connects with and to the Ed25519 key it signs with.

    The admin revokes certificates by serial in a revocation list, another
    signed note:

        cohort-revocations/v1
        consortium <name>
        issued <unix seconds>
        revoke <serial> <name>      zero or more, serials distinct

    Contents
        proto_role_t                site, analyst, observer, admin
        proto_role_name, proto_role_parse   a role's word and back
        proto_rolecert_t            a certificate's fields
        proto_rolecert_issue        the fields signed by the admin: note text
        proto_rolecert_open         a note checked and parsed
        proto_rolecert_destroy      frees
        proto_rolecert_read         an identity's certificate file, checked
                                    against its signing key (and the admin's)
        proto_revocations_t         a revocation list
        proto_revocations_issue     serials and names signed: note text
        proto_revocations_open      a list checked and parsed
        proto_revocations_has       is a serial revoked?
        proto_revocations_consortium, _issued, _count, _serial, _name
                                    what it holds
        proto_revocations_destroy   frees

    Certificates and lists are the caller's (their _destroy, NULL-safe, set
    the pointer NULL), and so is returned note text (free). A certificate
    owns its `signer` verifier. Keys passed in are borrowed. Errors are NULL
    with the reason in the error slot (util/error.h): "role certificate:
    <what>" or "revocation list: <what>", naming the line.
*/
#ifndef PROTO_ROLECERT_H
#define PROTO_ROLECERT_H

#include "proto.h"
#include "audit/key.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { PROTO_ROLE_SITE = 1, PROTO_ROLE_ANALYST, PROTO_ROLE_OBSERVER, PROTO_ROLE_ADMIN } proto_role_t;

typedef struct {
    proto_role_t role;
    char consortium [AUDIT_KEY_NAME_MAX + 1];
    char name [AUDIT_KEY_NAME_MAX + 1];
    uint32_t index;                 //  sites: 1..PROTO_MAX_PARTIES; others 0
    char curve [41];                //  z85 CURVE public key
    audit_verifier_t *signer;       //  the identity's Ed25519 key (owned)
    uint64_t serial, not_after;
} proto_rolecert_t;

#define PROTO_ROLECERT_MAX 2048     //  bytes of note text
#define PROTO_REVOCATIONS_MAX (1024 * 1024)     //  bytes of a revocation list
#define PROTO_REVOCATIONS_ENTRIES_MAX 10000     //  revoke lines in a list

/*  The role's word ("site", "analyst", "observer", "admin"), or "?" for a
    value outside the enum. Borrowed, static. */
const char *proto_role_name (proto_role_t role);

/*  Sets *role from its word (exact, lower case). Returns 0, or -1 with
    UTIL_EINPUT "unknown role '<text>'". */
int proto_role_parse (const char *text, proto_role_t *role) PROTO_WUR;

/*  Signs a certificate (fields from `cert`, its signer's verifier line
    included) with the admin key: note text (free) or NULL. Every field is
    checked as proto_rolecert_open checks it (but for not_after against a
    clock), so that what is issued opens. */
char *proto_rolecert_issue (const proto_rolecert_t *cert, const audit_signer_t *admin);

/*  Checks the admin's signature, then parses; NULL with "role certificate:
    <what>" on any fault: more than PROTO_ROLECERT_MAX bytes, no valid
    signature by `admin`, a line missing, repeated, out of order or
    unknown, an unknown role, a site without an index or another role with
    one, an index outside 1..PROTO_MAX_PARTIES, a CURVE key that is not 40
    characters of Z85, a signer key line that does not parse, a number that
    is not decimal, or now > not_after (expired). now: unix seconds. */
proto_rolecert_t *proto_rolecert_open (const char *text, size_t len, const audit_verifier_t *admin,
                                       uint64_t now);

/*  Frees the certificate and its signer key, sets *self_p NULL. NULL-safe. */
void proto_rolecert_destroy (proto_rolecert_t **self_p);

/*  Reads the certificate file `path` an identity presents (at most
    PROTO_ROLECERT_MAX bytes) and checks that its signer line is the
    verifier of `signer` (the identity's own signing key); with `admin`, also
    that it opens (proto_rolecert_open at `now`), and then sets *cert (when
    not NULL) to it. Returns the file's text (the caller frees it), or NULL
    with "<path>: <what>" (UTIL_EIO when it cannot be read). */
char *proto_rolecert_read (const char *path, const audit_signer_t *signer,
                           const audit_verifier_t *admin, uint64_t now, proto_rolecert_t **cert);

/*  Revocation list: a signed note `cohort-revocations/v1`, `consortium
    <name>`, `issued <unix s>`, then lines `revoke <serial> <name>`. */
typedef struct _proto_revocations_t proto_revocations_t;

/*  Checks the admin's signature, then parses (at most PROTO_REVOCATIONS_MAX
    bytes and PROTO_REVOCATIONS_ENTRIES_MAX revoke lines, serials distinct).
    NULL with "revocation list: <what>" on any fault. */
proto_revocations_t *proto_revocations_open (const char *text, size_t len, const audit_verifier_t *admin);

/*  Is `serial` on the list? (false for a NULL list.) */
bool proto_revocations_has (const proto_revocations_t *self, uint64_t serial);

/*  Signs a list of `n` revocations (serials[i], names[i]) for `consortium`,
    issued now (time (NULL)), with the admin key: note text (free) or NULL
    if a name is invalid, a serial repeats, or n is over the cap. */
char *proto_revocations_issue (const char *consortium, const uint64_t *serials, char *const *names, size_t n, const audit_signer_t *admin);

/*  What a list holds: its consortium, issue time, number of entries, and
    entry i's serial and name (i < count; names borrowed), in list order. */
const char *proto_revocations_consortium (const proto_revocations_t *self);
uint64_t proto_revocations_issued (const proto_revocations_t *self);
size_t proto_revocations_count (const proto_revocations_t *self);
uint64_t proto_revocations_serial (const proto_revocations_t *self, size_t i);
const char *proto_revocations_name (const proto_revocations_t *self, size_t i);

/*  Frees the list, sets *self_p NULL. NULL-safe. */
void proto_revocations_destroy (proto_revocations_t **self_p);

#endif
