/*  libFuzzer target for ingest/jsontree.c: the allocation-free scanner
    held to jansson. Whatever the scanner takes, jansson (with
    JSON_REJECT_DUPLICATES, as ingest/fhir.c reads) must take too, and the
    two trees must be equal: types, names, strings, numbers bit for bit,
    order. Anything else aborts. */
#include "ingest/jsontree.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    ingest_jsontree_t scanned, loaded;
    const ingest_json_t *a = NULL, *b = NULL;
    bool taken = ingest_jsontree_scan (&scanned, (const char *) data, size, &a) == 0;
    json_t *doc = json_loadb ((const char *) data, size, JSON_REJECT_DUPLICATES, NULL);
    if (taken) {
        if (!doc || ingest_jsontree_from (&loaded, doc, &b) || !ingest_json_equal (a, b))
            abort ();
        ingest_jsontree_release (&loaded);
    }
    ingest_jsontree_release (&scanned);
    json_decref (doc);
    return 0;
}
