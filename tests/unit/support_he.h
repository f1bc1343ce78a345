/*  tests/unit/support_he.h - threshold Paillier keys for tests: releasing
    a key set made by he_threshold_keygen, and writing a key file from its
    text. Header-only (static inline) because it needs cohort_he, which
    only the tests that include it link; include after cmocka.h. */
#ifndef TESTS_UNIT_SUPPORT_HE_H
#define TESTS_UNIT_SUPPORT_HE_H

#include <stdlib.h>
#include <sys/types.h>

#include "he/keyfile.h"
#include "he/threshold.h"
#include "support_dir.h"

//  Destroys what he_threshold_keygen made: the n shares and their array,
//  the verification key and the public key. Each pointer is NULL
//  afterwards; NULL ones are skipped, so it is safe to call twice.
static inline void
support_he_keys_destroy (he_pubkey_t **pk, he_verify_t **vk, he_share_t ***shares, unsigned n)
{
    if (*shares) {
        for (unsigned i = 0; i < n; i++)
            he_share_destroy (&(*shares) [i]);
        free (*shares);
        *shares = NULL;
    }
    he_verify_destroy (vk);
    he_pubkey_destroy (pk);
}

//  Writes a key file's text (from he_keyfile_format_*; consumed: freed
//  here) to dir/name with mode, replacing any file there. A NULL text or
//  a write that fails fails the test.
static inline void
support_he_key_write (const char *dir, const char *name, char *text, unsigned mode)
{
    char path [512];
    assert_non_null (text);
    assert_int_equal (he_keyfile_write (support_path (path, sizeof path, dir, name), text, mode, 1),
                      0);
    free (text);
}

#endif
