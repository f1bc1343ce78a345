/*  site/state.h - the studies a site has accepted, kept durably, so that a
    site that restarts rejoins them from the next round instead of answering
    "not a study this site accepted" (issue 15; docs/protocol.md, "Sites
    that die and come back").

    One SQLite file (site.cfg `state`, default <ledger>.state) holds, per
    accepted study or query: its id, the offer as it came (the encoded
    envelope: the study text, the analyst's signature and certificate, the
    dictionary), the last round the site contributed to and how many rounds
    of each kind it has contributed (the plan's limits). A restarted site
    reads them back, checks each offer again as it did when it accepted (but
    for the signature's age and the replay window, which the first
    acceptance passed), rebuilds the study and goes on from the next round:
    nothing is charged twice, since the ledger was charged for each round
    the rows record and the site only contributes to later ones.

    Contents
        site_state_t            the open file
        site_state_open         opens (creates) it
        site_state_accept       records an accepted study
        site_state_round        records a contribution
        site_state_forget       the study ended, or was replaced
        site_state_current      the studies to rejoin, one by one
        site_state_destroy      closes

    Errors are -1 with the reason in the error slot ("<path>: ...").
*/
#ifndef SITE_STATE_H
#define SITE_STATE_H

#include <stddef.h>
#include <stdint.h>

#define SITE_STATE_KINDS 8          //  round kinds counted (at least PROTO_KINDS)
#define SITE_STATE_OFFER_MAX ((size_t) 4 << 20)     //  bytes of a kept offer

typedef struct _site_state_t site_state_t;

site_state_t *site_state_open (const char *path);
void site_state_destroy (site_state_t **self_p);

/*  Records study `id` as accepted, with its offer (len bytes, at most
    SITE_STATE_OFFER_MAX), at round 0, beside the others held (a site takes
    part in several at once); a study held under the same id is replaced.
    Durable when it returns 0. */
int site_state_accept (site_state_t *self, const char *id, const uint8_t *offer, size_t len);

/*  Records that the site contributed to `round` of study `id`, with its
    per-kind counts done[0 .. SITE_STATE_KINDS). Durable on return 0. */
int site_state_round (site_state_t *self, const char *id, uint32_t round, const uint64_t *done);

/*  Forgets study `id` (NULL: any). */
int site_state_forget (site_state_t *self, const char *id);

/*  The nth (from 0, in the order accepted) study held: 1 with its id (in
    id[size]), its offer (*offer, the caller frees), the last round and the
    counts; 0 when there is no nth; -1 on error (a row that does not read
    back is an error, not "none"). */
int site_state_current (site_state_t *self, unsigned nth, char *id, size_t size,
                        uint8_t **offer, size_t *len, uint32_t *round, uint64_t *done);

#endif
