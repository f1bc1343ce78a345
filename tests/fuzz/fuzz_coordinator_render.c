/*  libFuzzer target for coord_render: any JSON (a report from a file or the
    network) renders in every format or is refused cleanly; HTML output
    never carries a raw "<script" from the input. */
#include "coordinator/render.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    json_t *report = json_loadb ((const char *) data, size, JSON_DECODE_ANY, NULL);
    if (!report)
        return 0;
    const char *formats [] = { "json", "csv", "html" };
    for (size_t f = 0; f < 3; f++) {
        char *out = NULL;
        size_t len = 0;
        FILE *m = open_memstream (&out, &len);
        if (!m)
            break;
        int rc = coord_render (report, formats [f], m);
        fclose (m);
        if (rc == 0 && f == 2 && memmem (out, len, "<script", 7))
            abort ();
        free (out);
    }
    json_decref (report);
    return 0;
}
