/*  coordinator/aggregate.c - homomorphic sum, verified partials, combine. */
#include "aggregate.h"
#include "util/alloc.h"
#include "util/error.h"

#include <stdlib.h>
#include <string.h>

struct _coord_agg_t {
    const he_pubkey_t *pk;
    const he_verify_t *vk;
    const he_codec_t *codec;
    size_t count, ncts;
    mpz_t *acc;                     //  the running product, Enc(0) = 1 to start
    unsigned contributors;
    unsigned indices [HE_PARTIES_MAX];
    mpz_t *partials [HE_PARTIES_MAX];   //  verified, per party
    unsigned valid;
    unsigned seen [HE_PARTIES_MAX + 1]; //  indices that answered (valid or not)
    //  The signed updates kept for the decryption request.
    Cohort__Contribution kept [HE_PARTIES_MAX];
    Cohort__Contribution *kept_p [HE_PARTIES_MAX];
    size_t n_kept;
};

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
    size_t ncts = he_codec_plaintexts (codec, count);
    self->acc = util_calloc (ncts, sizeof (mpz_t));
    if (!self->acc) {
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
    if (self->n_kept == HE_PARTIES_MAX)
        return util_error (UTIL_ELIMIT, "update: more than %d updates in a round", HE_PARTIES_MAX);
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
coord_agg_add_partial (coord_agg_t *self, unsigned index, const char *study_id, uint32_t round,
                       const uint8_t *partials, size_t plen, const uint8_t *proof,
                       size_t prlen)
{
    if (index < 1 || index > he_verify_parties (self->vk))
        return util_error (UTIL_EINPUT, "partial: share index %u outside 1..%u", index,
                           he_verify_parties (self->vk));
    if (self->seen [index])
        return util_error (UTIL_EINPUT, "partial: a second answer from share %u", index);
    self->seen [index] = 1;
    mpz_t *ci = NULL;
    he_proof_t *pf = NULL;
    size_t n = 0, np = 0;
    int rc = -1;
    if (he_vector_deserialize (&ci, &n, self->pk, partials, plen, self->ncts)) {
        util_error_context ("partial from share %u", index);
        goto done;
    }
    if (he_proofs_deserialize (&pf, &np, self->pk, proof, prlen, 1)) {
        util_error_context ("proof from share %u", index);
        goto done;
    }
    if (n != self->ncts || np != 1) {
        util_error (UTIL_EINPUT, "partial from share %u: %zu partials and %zu proofs for %zu ciphertexts "
                    "(one batched proof expected)", index, n, np, self->ncts);
        goto done;
    }
    if (he_batch_verify (self->vk, index, study_id, round, (const mpz_t *) self->acc,
                         (const mpz_t *) ci, n, &pf [0])) {
        util_error_context ("partial from share %u: batched proof does not verify", index);
        goto done;
    }
    self->indices [self->valid] = index;
    self->partials [self->valid++] = ci;
    ci = NULL;
    rc = 0;
done:
    he_vector_free (&ci, n);
    he_proofs_free (&pf, np);
    return rc;
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
