/*  coordinator/roles.c - role certificates checked on every hello and request. */
#include "roles.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct _coord_roles_t {
    audit_verifier_t *admin;
    char *path;                     //  the revocation list (NULL: none)
    proto_revocations_t *list;      //  as last read (NULL: none, or unreadable)
    struct timespec mtime;          //  of the file last read
    off_t size;
    char why [UTIL_ERROR_MAX];      //  why the list does not open ("": it does)
};

//  Reads the revocation list again if its file changed since last time.
//  A list that does not open is kept as its reason: every check fails.
static void
s_refresh (coord_roles_t *self)
{
    struct stat st;
    if (stat (self->path, &st)) {
        snprintf (self->why, sizeof self->why, "%s: cannot stat the revocation list", self->path);
        proto_revocations_destroy (&self->list);
        memset (&self->mtime, 0, sizeof self->mtime);
        return;
    }
    if (self->list && st.st_mtim.tv_sec == self->mtime.tv_sec
    &&  st.st_mtim.tv_nsec == self->mtime.tv_nsec && st.st_size == self->size)
        return;
    if (!self->list && self->why [0] && st.st_mtim.tv_sec == self->mtime.tv_sec
    &&  st.st_mtim.tv_nsec == self->mtime.tv_nsec && st.st_size == self->size)
        return;         //  still the file that did not open
    self->mtime = st.st_mtim;
    self->size = st.st_size;
    proto_revocations_destroy (&self->list);
    char *text = NULL;
    size_t len = 0;
    if (util_file_read (self->path, PROTO_REVOCATIONS_MAX, 0, &text, &len) == 0)
        self->list = proto_revocations_open (text, len, self->admin);
    free (text);
    if (self->list)
        self->why [0] = '\0';
    else
        snprintf (self->why, sizeof self->why, "%s: %s", self->path, util_last_error ());
}

coord_roles_t *
coord_roles_new (const char *admin_key, const char *revocations)
{
    coord_roles_t *self = util_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->admin = audit_verifier_load (admin_key);
    if (!self->admin)
        goto fail;
    if (revocations) {
        if (!(self->path = util_strdup (revocations)))
            goto fail;
        s_refresh (self);
        if (!self->list) {
            util_error (UTIL_EINPUT, "%s", self->why);
            goto fail;
        }
    }
    return self;
fail:
    coord_roles_destroy (&self);
    return NULL;
}

void
coord_roles_destroy (coord_roles_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    coord_roles_t *self = *self_p;
    audit_verifier_destroy (&self->admin);
    proto_revocations_destroy (&self->list);
    free (self->path);
    free (self);
    *self_p = NULL;
}

proto_rolecert_t *
coord_roles_check (coord_roles_t *self, const char *text, const char *user_id)
{
    if (!text || !*text)
        return util_error_null (UTIL_EREFUSED, "role certificate: none presented");
    proto_rolecert_t *cert = proto_rolecert_open (text, strlen (text), self->admin,
                                                  (uint64_t) time (NULL));
    if (!cert) {
        char why [UTIL_ERROR_MAX];
        util_error_copy (why, sizeof why);
        return util_error_null (UTIL_EREFUSED, "%s", why);
    }
    //  The admin key is named after its consortium (sim/admin.h).
    if (strcmp (cert->consortium, audit_verifier_name (self->admin)) != 0) {
        util_error (UTIL_EREFUSED, "role certificate: '%s' is for consortium '%s', not '%s'",
                    cert->name, cert->consortium, audit_verifier_name (self->admin));
        goto refused;
    }
    if (!user_id || strcmp (cert->curve, user_id) != 0) {
        util_error (UTIL_EREFUSED, "role certificate: '%s' names another CURVE key than the "
                    "connection's", cert->name);
        goto refused;
    }
    if (self->path) {
        s_refresh (self);
        if (!self->list) {
            util_error (UTIL_EREFUSED, "role certificate: the revocation list does not open (%s)",
                        self->why);
            goto refused;
        }
        if (proto_revocations_has (self->list, cert->serial)) {
            util_error (UTIL_EREFUSED, "role certificate: '%s' (serial %llu) is revoked", cert->name,
                        (unsigned long long) cert->serial);
            goto refused;
        }
    }
    return cert;
refused:
    proto_rolecert_destroy (&cert);
    return NULL;
}

bool
coord_roles_may_read (proto_role_t role)
{
    return role == PROTO_ROLE_ANALYST || role == PROTO_ROLE_OBSERVER || role == PROTO_ROLE_ADMIN;
}
