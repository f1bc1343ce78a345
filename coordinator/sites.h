/*  coordinator/sites.h - the sites a coordinator knows: name, share index
    and the ROUTER identity of their connection, by slot.

    A site becomes known by its hello. Its name must be that of the
    allowlisted certificate it connected with (<allowlist>/<name>.pub holds
    the same public key), its share index must not be another site's, and
    at most COORD_SLOTS sites are known. A site that reconnects keeps its
    slot and gets its new identity.

    Contents
        coord_site_t            one known site
        coord_sites_t           every known site, by slot
        coord_sites_slot        the slot of a connection
        coord_sites_hello       takes a site's hello
        coord_sites_seen        a site spoke
        coord_sites_live        the sites heard from lately
        coord_sites_clear       drops every identity

    The table is a plain value of the caller's that owns the identity frames
    it keeps (a copy of the one given to coord_sites_hello; the caller's
    frame stays the caller's); coord_sites_clear destroys them.
*/
#ifndef COORD_SITES_H
#define COORD_SITES_H

#include "state.h"
#include "proto/message.h"

#include <czmq.h>

typedef struct {
    char name [PROTO_NAME_MAX + 1];
    unsigned index;
    zframe_t *identity;
    int64_t last_seen;              //  zclock_mono () ms of its last message
} coord_site_t;

typedef struct {
    coord_site_t site [COORD_SLOTS];
    unsigned n;
} coord_sites_t;

/*  The slot of the site connected as `identity`, or -1. */
int coord_sites_slot (const coord_sites_t *self, zframe_t *identity);

/*  Handles a site's hello: the slot it has from now on, or -1 with *why
    set to the reason to send back (a static string). `user_id` is the
    CURVE public key (Z85) the connection authenticated with. *fresh (when
    not NULL) tells whether this is a new connection of the site: its first
    hello, or one from another identity (it reconnected); the periodic
    hellos of a connection already known are not.
    A hello from a new connection of a known site whose current connection
    spoke within live_ms before `now` (zclock_mono () ms) is a second
    process with the same certificate: it is refused (*duplicate set when
    not NULL), and the site keeps its connection. live_ms 0: no such check. */
int coord_sites_hello (coord_sites_t *self, const char *allowlist, const char *name,
                       unsigned index, const char *user_id, zframe_t *identity,
                       const char **why, bool *fresh, int64_t now, int64_t live_ms,
                       bool *duplicate);

/*  Records that slot's connection spoke at `now`. */
void coord_sites_seen (coord_sites_t *self, int slot, int64_t now);

/*  The slots whose connection spoke within live_ms before `now`. */
coord_set_t coord_sites_live (const coord_sites_t *self, int64_t now, int64_t live_ms);

/*  Drops every identity (the names stay). */
void coord_sites_clear (coord_sites_t *self);

#endif
