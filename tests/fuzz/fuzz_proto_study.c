/*  libFuzzer target for proto/study.c: the study definition arrives from an
    analyst over the network, so any text must be refused or accepted
    without crashing or leaking. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/study.h"
#include "fuzz_input.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *text = fuzz_input_text (data, size);
    if (!text)
        return 0;
    proto_study_t *study = proto_study_parse (text, "fuzz");
    proto_study_destroy (&study);
    free (text);
    return 0;
}
