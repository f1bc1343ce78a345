/*  libFuzzer target for ingest/frame.c: ingest_frame_parse() and, when a frame
    parses, ingest_frame_open() with a fixed device secret. Nothing may crash;
    a frame that parses must re-seal to the same header bytes. */
#include "ingest/frame.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    static uint8_t secret [INGEST_SECRET_LEN];
    for (int i = 0; i < INGEST_SECRET_LEN; i++)
        secret [i] = (uint8_t) i;
    ingest_frame_t f;
    ingest_reason_t r = ingest_frame_parse (&f, data, size);
    if (r != INGEST_OK) {
        if (r != INGEST_MALFORMED_FRAME && r != INGEST_TOO_LARGE)
            abort ();
        return 0;
    }
    static uint8_t plain [INGEST_PAYLOAD_MAX], again [INGEST_FRAME_MAX];
    size_t plen = 0, alen = 0;
    r = ingest_frame_open (plain, sizeof plain, &plen, &f, secret);
    if (r != INGEST_OK && r != INGEST_BAD_TAG)
        abort ();
    //  Sealing the same header (with any payload) gives the same AAD bytes.
    if (ingest_frame_seal (again, sizeof again, &alen, &f.header, plain, f.ciphertext_len, secret)
    ||  alen != size || memcmp (again, data, f.aad_len) != 0)
        abort ();
    //  And a frame sealed here always opens to its payload.
    ingest_frame_t g;
    if (ingest_frame_parse (&g, again, alen) != INGEST_OK
    ||  ingest_frame_open (plain, sizeof plain, &plen, &g, secret) != INGEST_OK
    ||  plen != f.ciphertext_len)
        abort ();
    return 0;
}
