/*  libFuzzer target for audit/key.c and the base64 codec of audit/audit.c:
    key lines and base64 text. Nothing may crash; whatever parses must print
    back to exactly the input (one canonical form per key and value). */
#include "audit/key.h"
#include "util/error.h"
#include "audit/audit_internal.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    const char *text = (const char *) data;
    audit_verifier_t *v = audit_verifier_parse (text, size);
    if (v) {
        char *back = audit_verifier_text (v);
        if (!back || strlen (back) != size || memcmp (back, text, size) != 0)
            abort ();
        free (back);
        audit_verifier_destroy (&v);
    }
    audit_signer_t *s = audit_signer_parse (text, size);
    if (s) {
        char *back = audit_signer_text (s);
        if (!back || strlen (back) != size || memcmp (back, text, size) != 0)
            abort ();
        audit_key_text_free (back);
        audit_signer_destroy (&s);
    }
    uint8_t raw [4096];
    size_t n = 0;
    if (size <= 4 * sizeof raw / 3 && util_b64_decode (raw, sizeof raw, &n, text, size) == 0) {
        char *back = malloc (UTIL_B64_LEN (n));
        if (!back)
            abort ();
        util_b64_encode (back, raw, n);
        if (strlen (back) != size || memcmp (back, text, size) != 0)
            abort ();
        free (back);
    }
    return 0;
}
