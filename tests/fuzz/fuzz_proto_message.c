/*  libFuzzer target for proto/message.c: the envelope decoder and validator
    must refuse or accept any input without crashing or leaking. */
#include <stddef.h>
#include <stdint.h>

#include "proto/message.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    proto_msg_t *msg = proto_decode (data, size);
    if (msg) {
        uint8_t *buf;
        size_t len;
        //  A message that decoded must re-encode.
        if (proto_encode (msg, &buf, &len))
            __builtin_trap ();
        free (buf);
    }
    proto_free (&msg);
    return 0;
}
