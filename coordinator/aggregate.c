/*  coordinator/aggregate.c - homomorphic sum, verified partials, combine. */
#include "aggregate.h"
#include "util/alloc.h"
#include "util/error.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  One party's partials, decoded and waiting for their proof's check.
typedef struct {
    unsigned index;
    int tag;
    uint32_t round;
    char study_id [PROTO_ID_MAX + 1];
    mpz_t *ci;                      //  ncts partials
    he_proof_t *pf;                 //  one proof
    size_t np;
    //  Set by the worker that checked it.
    int rc, code;
    char reason [UTIL_ERROR_MAX];
} s_pending_t;

struct _coord_agg_t {
    const he_pubkey_t *pk;
    const he_verify_t *vk;
    const he_codec_t *codec;
    size_t count, ncts;
    mpz_t *acc;                     //  the running product, Enc(0) = 1 to start
    unsigned contributors;
    unsigned parties;               //  the key's: every array below has this many
    unsigned *indices;              //  of the verified partials, in order
    mpz_t **partials;               //  verified, per party
    unsigned valid;
    unsigned char *seen;            //  [parties + 1]: indices that answered (valid or not)
    s_pending_t *pending;           //  queued, not verified yet
    unsigned n_pending;
    //  The signed updates kept for the decryption request.
    Cohort__Contribution *kept;
    Cohort__Contribution **kept_p;
    size_t n_kept;
};

static void
s_arrays_free (coord_agg_t *self)
{
    free (self->indices);
    free (self->partials);
    free (self->seen);
    free (self->pending);
    free (self->kept);
    free (self->kept_p);
}

static void
s_pending_clear (s_pending_t *p, size_t ncts)
{
    he_vector_free (&p->ci, ncts);
    he_proofs_free (&p->pf, p->np);
    p->np = 0;
}

coord_agg_t *
coord_agg_new (const he_pubkey_t *pk, const he_verify_t *vk, const he_codec_t *codec,
               size_t count)
{
    coord_agg_t *self = util_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->pk = pk;
    self->vk = vk;
    self->codec = codec;
    self->count = count;
    //  Sized by the key's parties (at most HE_PARTIES_MAX): each party
    //  answers at most once a round.
    unsigned l = self->parties = he_verify_parties (vk);
    size_t ncts = he_codec_plaintexts (codec, count);
    self->acc = util_calloc (ncts, sizeof (mpz_t));
    self->indices = util_calloc (l, sizeof *self->indices);
    self->partials = util_calloc (l, sizeof *self->partials);
    self->seen = util_calloc ((size_t) l + 1, sizeof *self->seen);
    self->pending = util_calloc (l, sizeof *self->pending);
    self->kept = util_calloc (l, sizeof *self->kept);
    self->kept_p = util_calloc (l, sizeof *self->kept_p);
    if (!self->acc || !self->indices || !self->partials || !self->seen || !self->pending
    ||  !self->kept || !self->kept_p) {
        free (self->acc);
        s_arrays_free (self);
        free (self);
        return NULL;
    }
    self->ncts = ncts;
    for (size_t i = 0; i < self->ncts; i++)
        mpz_init_set_ui (self->acc [i], 1);
    return self;
}

void
coord_agg_destroy (coord_agg_t **self_p)
{
    if (self_p && *self_p) {
        coord_agg_t *self = *self_p;
        for (size_t i = 0; i < self->ncts; i++)
            mpz_clear (self->acc [i]);
        free (self->acc);
        for (unsigned k = 0; k < self->valid; k++)
            he_vector_free (&self->partials [k], self->ncts);
        for (size_t k = 0; k < self->n_kept; k++) {
            free (self->kept [k].ciphertexts.data);
            free (self->kept [k].signature.data);
            free (self->kept [k].role_cert);
        }
        for (unsigned k = 0; k < self->n_pending; k++)
            s_pending_clear (&self->pending [k], self->ncts);
        s_arrays_free (self);
        free (self);
        *self_p = NULL;
    }
}

int
coord_agg_add (coord_agg_t *self, const uint8_t *buf, size_t len)
{
    mpz_t *cts = NULL;
    size_t n = 0;
    if (he_vector_deserialize (&cts, &n, self->pk, buf, len, self->ncts))
        return util_error_context ("update");
    if (n != self->ncts) {
        he_vector_free (&cts, n);
        return util_error (UTIL_EINPUT, "update: %zu ciphertexts, expected %zu", n, self->ncts);
    }
    he_vector_accumulate (self->acc, self->pk, cts, n);
    he_vector_free (&cts, n);
    self->contributors++;
    return 0;
}

int
coord_agg_add_signed (coord_agg_t *self, unsigned index, const uint8_t *buf, size_t len,
                      const uint8_t *sig, size_t sig_len, const char *role_cert)
{
    if (index < 1 || index > self->parties)
        return util_error (UTIL_EINPUT, "update: share index %u outside 1..%u", index,
                           self->parties);
    //  Distinct indices in 1..parties: the array cannot overflow.
    for (size_t k = 0; k < self->n_kept; k++)
        if (self->kept [k].index == index)
            return util_error (UTIL_EINPUT, "update: a second update from share %u", index);
    Cohort__Contribution *c = &self->kept [self->n_kept];
    cohort__contribution__init (c);
    c->index = index;
    c->ciphertexts.data = util_malloc (len? len: 1);
    c->signature.data = util_malloc (sig_len? sig_len: 1);
    c->role_cert = util_strdup (role_cert? role_cert: "");
    int rc = c->ciphertexts.data && c->signature.data && c->role_cert? 0
           : util_error_context ("update");
    if (!rc) {
        memcpy (c->ciphertexts.data, buf, len);
        c->ciphertexts.len = len;
        if (sig_len)
            memcpy (c->signature.data, sig, sig_len);
        c->signature.len = sig_len;
        rc = coord_agg_add (self, buf, len);
    }
    if (rc) {
        free (c->ciphertexts.data);
        free (c->signature.data);
        free (c->role_cert);
        cohort__contribution__init (c);
        return -1;
    }
    self->kept_p [self->n_kept] = c;
    self->n_kept++;
    return 0;
}

size_t
coord_agg_contributions (const coord_agg_t *self, Cohort__Contribution ***out)
{
    *out = (Cohort__Contribution **) self->kept_p;
    return self->n_kept;
}

unsigned
coord_agg_contributors (const coord_agg_t *self)
{
    return self->contributors;
}

int
coord_agg_serialize (coord_agg_t *self, uint8_t **out, size_t *len)
{
    if (he_vector_serialize (out, len, self->pk, self->acc, self->ncts))
        return util_error_context ("aggregate");
    return 0;
}

int
coord_agg_queue_partial (coord_agg_t *self, unsigned index, int tag, const char *study_id,
                         uint32_t round, const uint8_t *partials, size_t plen,
                         const uint8_t *proof, size_t prlen)
{
    if (index < 1 || index > self->parties)
        return util_error (UTIL_EINPUT, "partial: share index %u outside 1..%u", index,
                           self->parties);
    if (self->seen [index])
        return util_error (UTIL_EINPUT, "partial: a second answer from share %u", index);
    if (strlen (study_id) > PROTO_ID_MAX)
        return util_error (UTIL_EINPUT, "partial: study id longer than %d", PROTO_ID_MAX);
    self->seen [index] = 1;
    //  seen[] admits each index once: at most `parties` are ever queued.
    s_pending_t *p = &self->pending [self->n_pending];
    memset (p, 0, sizeof *p);
    size_t n = 0;
    if (he_vector_deserialize (&p->ci, &n, self->pk, partials, plen, self->ncts))
        return util_error_context ("partial from share %u", index);
    if (he_proofs_deserialize (&p->pf, &p->np, self->pk, proof, prlen, 1)) {
        he_vector_free (&p->ci, n);
        return util_error_context ("proof from share %u", index);
    }
    if (n != self->ncts || p->np != 1) {
        util_error (UTIL_EINPUT, "partial from share %u: %zu partials and %zu proofs for %zu "
                    "ciphertexts (one batched proof expected)", index, n, p->np, self->ncts);
        he_vector_free (&p->ci, n);
        he_proofs_free (&p->pf, p->np);
        return -1;
    }
    p->index = index;
    p->tag = tag;
    p->round = round;
    snprintf (p->study_id, sizeof p->study_id, "%s", study_id);
    self->n_pending++;
    return 0;
}

unsigned
coord_agg_pending (const coord_agg_t *self)
{
    return self->n_pending;
}

//  The pool's shared state: the queue and the next item to take.
typedef struct {
    coord_agg_t *agg;
    atomic_uint next;
} s_pool_t;

//  Takes queued items until none is left; each is checked alone, so the
//  result does not depend on which thread took it. The error slot is per
//  thread: its reason is copied into the item.
static void *
s_worker (void *arg)
{
    s_pool_t *pool = arg;
    coord_agg_t *self = pool->agg;
    unsigned k;
    while ((k = atomic_fetch_add (&pool->next, 1)) < self->n_pending) {
        s_pending_t *p = &self->pending [k];
        p->rc = he_batch_verify (self->vk, p->index, p->study_id, p->round,
                                 (const mpz_t *) self->acc, (const mpz_t *) p->ci, self->ncts,
                                 &p->pf [0]);
        if (p->rc) {
            util_error_context ("partial from share %u: batched proof does not verify",
                                p->index);
            p->code = util_last_code ();
            snprintf (p->reason, sizeof p->reason, "%s", util_last_error ());
        }
    }
    return NULL;
}

unsigned
coord_agg_verify_pending (coord_agg_t *self, unsigned threads, coord_agg_failed_fn *failed,
                          void *arg)
{
    if (self->n_pending == 0)
        return 0;
    enum { THREADS_MAX = 64 };
    pthread_t thread [THREADS_MAX];
    s_pool_t pool = { .agg = self };
    atomic_init (&pool.next, 0);
    if (threads < 1)
        threads = 1;
    if (threads > THREADS_MAX)
        threads = THREADS_MAX;
    if (threads > self->n_pending)
        threads = self->n_pending;
    //  The caller's thread is one worker; the others are started here and
    //  a failed start just leaves more for the rest.
    unsigned started = 0;
    for (unsigned i = 1; i < threads; i++)
        if (pthread_create (&thread [started], NULL, s_worker, &pool) == 0)
            started++;
    s_worker (&pool);
    for (unsigned i = 0; i < started; i++)
        pthread_join (thread [i], NULL);
    //  Kept in queue order, as one check after another would keep them.
    unsigned verified = 0;
    for (unsigned k = 0; k < self->n_pending; k++) {
        s_pending_t *p = &self->pending [k];
        if (p->rc == 0) {
            self->indices [self->valid] = p->index;
            self->partials [self->valid++] = p->ci;
            p->ci = NULL;
            verified++;
        }
        else
        if (failed)
            failed (p->tag, p->index, p->code, p->reason, arg);
        s_pending_clear (p, self->ncts);
    }
    self->n_pending = 0;
    return verified;
}

//  Keeps the reason of add_partial's one failure.
typedef struct {
    int code;
    char reason [UTIL_ERROR_MAX];
} s_failure_t;

static void
s_keep_failure (int tag, unsigned index, int code, const char *reason, void *arg)
{
    (void) tag;
    (void) index;
    s_failure_t *f = arg;
    f->code = code;
    snprintf (f->reason, sizeof f->reason, "%s", reason);
}

int
coord_agg_add_partial (coord_agg_t *self, unsigned index, const char *study_id, uint32_t round,
                       const uint8_t *partials, size_t plen, const uint8_t *proof,
                       size_t prlen)
{
    if (coord_agg_queue_partial (self, index, 0, study_id, round, partials, plen, proof, prlen))
        return -1;
    s_failure_t f = { UTIL_EFAIL, "" };
    if (coord_agg_verify_pending (self, 1, s_keep_failure, &f) == 0)
        return util_error ((util_code_t) f.code, "%s", f.reason);
    return 0;
}

unsigned
coord_agg_valid_partials (const coord_agg_t *self)
{
    return self->valid;
}

int
coord_agg_combine (coord_agg_t *self, int64_t *values)
{
    unsigned t = he_verify_threshold (self->vk);
    if (self->valid < t)
        return util_error (UTIL_EINPUT, "combine: %u verified partial decryptions, %u needed", self->valid, t);
    if (self->contributors == 0)
        return util_error (UTIL_EINPUT, "combine: no contributions");
    mpz_t *plains = util_calloc (self->ncts, sizeof (mpz_t));
    mpz_t *column = plains? util_calloc (t, sizeof (mpz_t)): NULL;
    if (!column) {
        free (plains);
        return util_error_context ("combine");
    }
    int rc = 0;
    for (size_t i = 0; i < self->ncts; i++) {
        mpz_init (plains [i]);
        for (unsigned k = 0; k < t; k++)
            mpz_init_set (column [k], self->partials [k][i]);
        if (!rc && he_combine (plains [i], self->vk, self->indices, (const mpz_t *) column, t))
            rc = util_error_context ("combine: ciphertext %zu", i);
        for (unsigned k = 0; k < t; k++)
            mpz_clear (column [k]);
    }
    if (!rc && he_codec_decode (values, self->count, (const mpz_t *) plains, self->ncts,
                                self->contributors, self->codec))
        rc = util_error_context ("decode");
    for (size_t i = 0; i < self->ncts; i++)
        mpz_clear (plains [i]);
    free (plains);
    free (column);
    return rc;
}
