/*  libFuzzer target: the strict model-file parser. Whatever it accepts must
    serialise again and parse back. */
#include "models/modelfile.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    model_init ();
    model_file_t *mf = model_file_parse ("fuzz.json", (const char *) data, size);
    if (!mf)
        return 0;
    char *text = model_file_to_json (mf);
    if (text) {
        model_file_t *again = model_file_parse ("again.json", text, strlen (text));
        if (!again)
            abort ();
        model_file_destroy (&again);
        free (text);
    }
    model_file_destroy (&mf);
    return 0;
}
