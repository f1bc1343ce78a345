/*  libFuzzer target for util/codec.h: any bytes either decode as strict
    base64 or hex and encode back to exactly the same text (one encoding a
    value), or fail cleanly with the output wiped. */
#include "util/codec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define S_CAP 256

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    const char *text = (const char *) data;
    uint8_t out [S_CAP];
    size_t n = 0;
    char back [UTIL_B64_LEN (S_CAP)];
    if (util_b64_decode (out, sizeof out, &n, text, size) == 0) {
        if (n > S_CAP)
            abort ();
        util_b64_encode (back, out, n);
        if (strlen (back) != size || memcmp (back, text, size))
            abort ();
    }
    else
        for (size_t i = 0; i < sizeof out; i++)
            if (out [i])
                abort ();
    //  Hex: the decoded length is fixed by the text, as a caller's would be.
    if (size % 2 == 0 && size / 2 <= S_CAP) {
        if (util_hex_decode (out, size / 2, text, size) == 0) {
            char hex [2 * S_CAP + 1];
            util_hex_encode (hex, out, size / 2);
            if (memcmp (hex, text, size))
                abort ();
        }
        else
            for (size_t i = 0; i < size / 2; i++)
                if (out [i])
                    abort ();
    }
    return 0;
}
