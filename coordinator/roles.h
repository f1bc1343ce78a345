/*  coordinator/roles.h - who may do what: the role certificates the
    coordinator checks (proto/rolecert.h).

    coordinator.cfg names the consortium admin's verifier key (admin_key)
    and, optionally, its revocation list (revocations). Every hello and
    every analyst request carries the sender's role certificate. It is
    accepted when it opens with the admin's key now (signature, fields,
    not expired), names the admin key's consortium (the key is named after
    it) and the CURVE key the connection authenticated with, and is not on
    the revocation list; then the role decides:

        site        joins as a site: only the name and share index it names
        analyst     launches studies and queries; reads status, reports, budgets
        observer    reads status, reports and budgets
        admin       reads status, reports and budgets

    The revocation list is read again whenever its file changes (mtime,
    size); a list that no longer opens with the admin's key refuses every
    certificate until it is fixed (fail closed), with its reason.

    Contents
        coord_roles_t           the admin's key and the revocation list
        coord_roles_new         loads them
        coord_roles_check       a presented certificate, checked
        coord_roles_may_read    may this role read status, reports, budgets?
        coord_roles_destroy     frees

    The object is the caller's (coord_roles_destroy, NULL-safe), and so is
    a checked certificate (proto_rolecert_destroy). Errors are NULL with the
    reason in the error slot (util/error.h): a refusal is UTIL_EREFUSED
    "role certificate: ...".
*/
#ifndef COORD_ROLES_H
#define COORD_ROLES_H

#include "proto/rolecert.h"

#include <stdbool.h>

typedef struct _coord_roles_t coord_roles_t;

/*  Loads the admin's verifier key (audit/key.h) from `admin_key` and, when
    `revocations` is not NULL, the revocation list from that file (it must
    exist and open with the admin's key). NULL naming the file. */
coord_roles_t *coord_roles_new (const char *admin_key, const char *revocations);

/*  Frees, sets *self_p NULL. NULL-safe. */
void coord_roles_destroy (coord_roles_t **self_p);

/*  Checks the certificate `text` presented on a connection whose CURVE
    public key is `user_id` (Z85): it opens with the admin's key at the
    current time, its curve is user_id, and its serial is not revoked (the
    list read again first if its file changed). Returns the certificate
    (the caller destroys it) or NULL with UTIL_EREFUSED and the reason. */
proto_rolecert_t *coord_roles_check (coord_roles_t *self, const char *text, const char *user_id);

/*  Analysts, observers and admins read status, reports and budgets. */
bool coord_roles_may_read (proto_role_t role);

#endif
