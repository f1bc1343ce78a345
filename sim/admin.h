/*  sim/admin.h - the consortium admin's files: the admin key, each
    identity's signing key, role certificates and the revocation list
    (proto/rolecert.h has their formats). Used by `cohort keygen consortium`
    and `cohort admin grant | revoke | list`.

    A consortium's admin key is named after the consortium (an Ed25519 key,
    audit/key.h), so the consortium of a certificate it signs is its name.
    Files: the admin key (mode 0600) and its verifier key line (.pub), an
    identity's signing key (0600) and its .pub, a certificate NAME.role in
    a certificates folder, and the revocation list (a signed note).

    Contents
        SIM_ADMIN_DAYS          a certificate's default validity
        sim_admin_keypair       a new Ed25519 key into KEY (0600) and PUB
        sim_grant_t             what a certificate says and where it goes
        sim_admin_grant         issues a certificate into a file
        sim_admin_revoke        adds a certificate to the revocation list
        sim_admin_revocations_init  an empty revocation list
        sim_admin_list          the certificates of a folder and the list

    Keys passed in are borrowed; a key returned is the caller's. Files are
    written whole (util/file.h) and never replaced without `force` (the
    revocation list is replaced by design). Errors are -1 / NULL with one
    line naming the file in the error slot (util/error.h).
*/
#ifndef SIM_ADMIN_H
#define SIM_ADMIN_H

#include "audit/key.h"
#include "proto/rolecert.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_ADMIN_DAYS 365
#define SIM_ADMIN_WUR __attribute__((warn_unused_result))

/*  Generates an Ed25519 key named `name`, writes it to `key_path` (mode
    0600) and its verifier key line to `pub_path` (0644). Without `force`
    an existing file is refused. Returns the key (the caller destroys it)
    or NULL. */
audit_signer_t *sim_admin_keypair (const char *name, const char *key_path, const char *pub_path,
                                   bool force);

typedef struct {
    proto_role_t role;
    const char *name;               //  the identity's name
    unsigned index;                 //  a site's share index, else 0
    const char *curve;              //  its CURVE public key (Z85, 40 characters)
    const audit_verifier_t *signer; //  its Ed25519 key
    unsigned days;                  //  valid from now for this many days (0: SIM_ADMIN_DAYS)
    const char *out;                //  the certificate file (mode 0644)
    bool force;                     //  replace an existing file
} sim_grant_t;

/*  Issues the certificate (consortium: the admin key's name; serial: 63
    random bits from the CSPRNG) and writes it to g->out. Sets *serial when
    not NULL. Returns 0 or -1. */
int sim_admin_grant (const audit_signer_t *admin, const sim_grant_t *g, uint64_t *serial) SIM_ADMIN_WUR;

/*  Writes an empty revocation list of the admin's consortium to `path`
    (replacing one only with `force`). Returns 0 or -1. */
int sim_admin_revocations_init (const audit_signer_t *admin, const char *path, bool force) SIM_ADMIN_WUR;

/*  Revokes `who`: a serial (decimal digits) or a name, whose certificate
    is looked up in `certs_dir` (NAME.role, or the one with that serial).
    Reads the list at `list_path` (it must open with the admin's key; a
    missing file is an empty list), adds the entry and writes the list back
    signed and dated now. Revoking a serial already on the list is refused.
    Sets *serial and name[AUDIT_KEY_NAME_MAX + 1] to what was revoked.
    Returns 0 or -1. */
int sim_admin_revoke (const audit_signer_t *admin, const char *list_path, const char *certs_dir,
                      const char *who, uint64_t *serial, char *name) SIM_ADMIN_WUR;

/*  Prints, one line each, every certificate NAME.role in `certs_dir` (its
    role, name, index, serial, expiry and whether it is revoked or
    expired; a file that does not open with the admin's key is listed with
    its reason) and then the revocation list at `list_path` (NULL: none).
    Returns 0, or -1 if the folder or the list cannot be read. */
int sim_admin_list (const audit_verifier_t *admin, const char *certs_dir, const char *list_path,
                    FILE *out) SIM_ADMIN_WUR;

#endif
