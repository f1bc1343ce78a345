/*  libFuzzer target: the four key-file parsers on arbitrary text. The first
    byte picks the parser so one corpus covers all of them. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "he/keyfile.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready)
        ready = he_init () == 0;
    if (size < 1)
        return 0;
    const char *text = (const char *) data + 1;
    size_t len = size - 1;
    switch (data [0] % 4) {
        case 0: {
            he_pubkey_t *pk = he_keyfile_parse_public (text, len, "fuzz");
            he_pubkey_destroy (&pk);
            break;
        }
        case 1: {
            he_seckey_t *sk = he_keyfile_parse_secret (text, len, "fuzz");
            he_seckey_destroy (&sk);
            break;
        }
        case 2: {
            he_share_t *sh = he_keyfile_parse_share (text, len, "fuzz");
            he_share_destroy (&sh);
            break;
        }
        default: {
            he_verify_t *vk = he_keyfile_parse_verify (text, len, "fuzz");
            he_verify_destroy (&vk);
            break;
        }
    }
    return 0;
}
