/*  libFuzzer target for site/frame.c: site_frame_parse() and, when a frame
    parses, site_frame_open() with a fixed device secret. Nothing may crash;
    a frame that parses must re-seal to the same header bytes. */
#include "site/frame.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    static uint8_t secret [SITE_SECRET_LEN];
    for (int i = 0; i < SITE_SECRET_LEN; i++)
        secret [i] = (uint8_t) i;
    site_frame_t f;
    site_reason_t r = site_frame_parse (&f, data, size);
    if (r != SITE_OK) {
        if (r != SITE_MALFORMED_FRAME && r != SITE_TOO_LARGE)
            abort ();
        return 0;
    }
    static uint8_t plain [SITE_PAYLOAD_MAX], again [SITE_FRAME_MAX];
    size_t plen = 0, alen = 0;
    r = site_frame_open (plain, sizeof plain, &plen, &f, secret);
    if (r != SITE_OK && r != SITE_BAD_TAG)
        abort ();
    //  Sealing the same header (with any payload) gives the same AAD bytes.
    if (site_frame_seal (again, sizeof again, &alen, &f.header, plain, f.ciphertext_len, secret)
    ||  alen != size || memcmp (again, data, f.aad_len) != 0)
        abort ();
    //  And a frame sealed here always opens to its payload.
    site_frame_t g;
    if (site_frame_parse (&g, again, alen) != SITE_OK
    ||  site_frame_open (plain, sizeof plain, &plen, &g, secret) != SITE_OK
    ||  plen != f.ciphertext_len)
        abort ();
    return 0;
}
