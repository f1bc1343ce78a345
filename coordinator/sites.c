/*  coordinator/sites.c - the sites a coordinator knows. */
#include "sites.h"

#include <string.h>

int
coord_sites_slot (const coord_sites_t *self, zframe_t *identity)
{
    for (unsigned i = 0; i < self->n; i++)
        if (self->site [i].identity && zframe_eq (self->site [i].identity, identity))
            return (int) i;
    return -1;
}

//  <allowlist>/<name>.pub holds `user_id`. A name that could leave the
//  directory never matches.
static bool
s_name_matches_key (const char *allowlist, const char *name, const char *user_id)
{
    if (!*name)
        return false;
    for (const char *c = name; *c; c++)
        if (*c == '/' || (*c == '.' && c == name))
            return false;
    char path [1024];
    if (snprintf (path, sizeof path, "%s/%s.pub", allowlist, name) >= (int) sizeof path)
        return false;
    zcert_t *cert = zcert_load (path);
    bool same = cert && !strcmp (zcert_public_txt (cert), user_id);
    zcert_destroy (&cert);
    return same;
}

int
coord_sites_hello (coord_sites_t *self, const char *allowlist, const char *name,
                   unsigned index, const char *user_id, zframe_t *identity, const char **why,
                   bool *fresh, int64_t now, int64_t live_ms, bool *duplicate)
{
    if (fresh)
        *fresh = false;
    if (duplicate)
        *duplicate = false;
    if (!s_name_matches_key (allowlist, name, user_id)) {
        *why = "hello: the site name does not match the certificate it connected with";
        return -1;
    }
    unsigned i;
    for (i = 0; i < self->n; i++)
        if (!strcmp (self->site [i].name, name))
            break;
    for (unsigned k = 0; k < self->n; k++)
        if (k != i && self->site [k].index == index) {
            *why = "hello: that share index belongs to another site";
            return -1;
        }
    if (i == self->n && self->n == COORD_SLOTS) {
        *why = "hello: too many sites";
        return -1;
    }
    //  The periodic hello of a connection already known changes nothing.
    if (i < self->n && zframe_eq (self->site [i].identity, identity)) {
        self->site [i].index = index;
        self->site [i].last_seen = now;
        return (int) i;
    }
    if (i < self->n && live_ms > 0 && self->site [i].identity
    &&  now - self->site [i].last_seen < live_ms) {
        *why = "hello: this site is connected already (a second process with its certificate?): "
               "refused while its connection is alive";
        if (duplicate)
            *duplicate = true;
        return -1;
    }
    zframe_t *copy = zframe_dup (identity);
    if (!copy) {
        *why = "hello: the coordinator is out of memory";
        return -1;
    }
    if (i == self->n) {
        self->n++;
        snprintf (self->site [i].name, sizeof self->site [i].name, "%s", name);
    }
    self->site [i].index = index;
    zframe_destroy (&self->site [i].identity);
    self->site [i].identity = copy;
    self->site [i].last_seen = now;
    if (fresh)
        *fresh = true;
    return (int) i;
}

void
coord_sites_seen (coord_sites_t *self, int slot, int64_t now)
{
    if (slot >= 0 && (unsigned) slot < self->n)
        self->site [slot].last_seen = now;
}

coord_set_t
coord_sites_live (const coord_sites_t *self, int64_t now, int64_t live_ms)
{
    coord_set_t live = { { 0 } };
    for (unsigned i = 0; i < self->n; i++)
        if (self->site [i].identity && now - self->site [i].last_seen < live_ms)
            coord_set_add (&live, i);
    return live;
}

void
coord_sites_clear (coord_sites_t *self)
{
    for (unsigned i = 0; i < self->n; i++)
        zframe_destroy (&self->site [i].identity);
}
