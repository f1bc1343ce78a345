/*  coordinator/aggregate.h - one round's encrypted aggregate: the
    homomorphic sum of the sites' packed ciphertext vectors, the partial
    decryptions of that sum with one batched proof per share (verified
    against the consortium's verification keys; a share whose proof fails
    is excluded),
    and the combination and unpacking of the plaintext sum.
    The coordinator only ever decrypts this aggregate, with t partial
    decryptions; it holds no share.

    Contents
        coord_agg_t                 one round's aggregate
        coord_agg_new               an empty aggregate of `count` values
        coord_agg_add               adds one site's serialised vector
        coord_agg_add_signed        ... and keeps it, signed, for the request
        coord_agg_contributions     the kept updates (the decrypt request's)
        coord_agg_contributors      vectors added
        coord_agg_serialize         the aggregate, for a decrypt request
        coord_agg_add_partial       checks and keeps one site's partials
        coord_agg_queue_partial     decodes one site's partials, to verify later
        coord_agg_pending           partials queued, not verified yet
        coord_agg_verify_pending    verifies the queued partials on a pool
        coord_agg_valid_partials    verified partials
        coord_agg_combine           the plaintext sums
        coord_agg_destroy           frees

    The aggregate is the caller's (coord_agg_destroy, NULL-safe); the keys
    and the codec are borrowed and must outlive it. coord_agg_serialize's
    buffer is the caller's (free). Errors are -1 / NULL with the reason in
    the error slot (util/error.h).
*/
#ifndef COORD_AGGREGATE_H
#define COORD_AGGREGATE_H

#include "he/codec.h"
#include "he/serial.h"
#include "he/threshold.h"
#include "proto/message.h"

#include <stdint.h>

typedef struct _coord_agg_t coord_agg_t;

/*  An empty aggregate of `count` values (packed per codec). Keys are
    borrowed and must outlive it. NULL (UTIL_ENOMEM) if out of memory. */
coord_agg_t *coord_agg_new (const he_pubkey_t *pk, const he_verify_t *vk,
                            const he_codec_t *codec, size_t count);
void coord_agg_destroy (coord_agg_t **self_p);

/*  Adds one site's serialised vector. Refuses (-1, with the reason in
    util_last_error ()) a malformed vector or one of the wrong length. */
int coord_agg_add (coord_agg_t *self, const uint8_t *buf, size_t len);

/*  Adds one site's serialised vector as coord_agg_add does, and keeps a
    copy of it with its signature (already checked by the caller) and the
    site's role certificate, for the decryption request
    (coord_agg_contributions; site/verify.h). A second vector from the same
    index is refused. 0 or -1. */
int coord_agg_add_signed (coord_agg_t *self, unsigned index, const uint8_t *buf, size_t len,
                          const uint8_t *sig, size_t sig_len, const char *role_cert);

/*  The kept contributions (borrowed, valid while the aggregate lives), in
    the order they were added; returns their number. */
size_t coord_agg_contributions (const coord_agg_t *self, Cohort__Contribution ***out);

/*  Vectors added so far. */
unsigned coord_agg_contributors (const coord_agg_t *self);

/*  The aggregate serialised for a decrypt request (new buffer). */
int coord_agg_serialize (coord_agg_t *self, uint8_t **out, size_t *len);

/*  Checks party `index`'s partial decryptions of the aggregate against its
    one batched proof (he_batch_verify, bound to study_id and round). 0 if
    it verifies (the partials are kept for combining), -1 (with the reason)
    otherwise: the share is excluded for the round. A second partial from
    the same index is refused. The same as coord_agg_queue_partial then
    coord_agg_verify_pending on this thread, for one partial. */
int coord_agg_add_partial (coord_agg_t *self, unsigned index, const char *study_id,
                           uint32_t round, const uint8_t *partials, size_t plen,
                           const uint8_t *proof, size_t prlen);

/*  Decodes party `index`'s partial decryptions of the aggregate and its one
    batched proof, checks their shape (one partial per ciphertext, one
    proof), and queues them for coord_agg_verify_pending; `tag` is the
    caller's (it is handed back if the proof fails). 0 if queued; -1 with
    the reason (UTIL_EINPUT or UTIL_ELIMIT: malformed, an index outside the
    key, a second answer from the same index), the share then being
    excluded for the round. Nothing is verified here. */
int coord_agg_queue_partial (coord_agg_t *self, unsigned index, int tag, const char *study_id,
                             uint32_t round, const uint8_t *partials, size_t plen,
                             const uint8_t *proof, size_t prlen);

/*  Partials queued and not verified yet. */
unsigned coord_agg_pending (const coord_agg_t *self);

/*  Called by coord_agg_verify_pending, on the caller's thread and in queue
    order, for each queued partial whose proof does not verify: its tag and
    index, the error code (UTIL_ECRYPTO for a wrong proof) and the reason
    (borrowed for the call). */
typedef void (coord_agg_failed_fn) (int tag, unsigned index, int code, const char *reason,
                                    void *arg);

/*  Verifies every queued partial (he_batch_verify, bound to the study id
    and round each was queued with) on up to `threads` threads (1..64; the
    caller's thread is one of them, and no more are started than there are
    partials), so that partials that arrive together are checked side by
    side. Those that verify are kept for combining in queue order, exactly
    as coord_agg_add_partial one after another would keep them; each one
    that fails is handed to `failed` (may be NULL) and excluded. The queue
    is empty afterwards. Returns how many verified in this call. A thread
    that cannot be started leaves its share of the work to the others. */
unsigned coord_agg_verify_pending (coord_agg_t *self, unsigned threads,
                                   coord_agg_failed_fn *failed, void *arg);

/*  Verified partials so far. */
unsigned coord_agg_valid_partials (const coord_agg_t *self);

/*  Combines the first t verified partials and unpacks the slot sums of the
    contributors' vectors into values[0 .. count). 0 or -1. */
int coord_agg_combine (coord_agg_t *self, int64_t *values);

#endif
