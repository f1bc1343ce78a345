/*  libFuzzer target for audit/checkpoint.c: audit_checkpoint_open() on
    arbitrary notes. It must never crash, and whatever it accepts must carry
    a valid origin and re-sign to a note that opens to the same values. */
#include "audit/checkpoint.h"

#include <stdlib.h>
#include <string.h>

#define SK "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define VK "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    static audit_verifier_t *verifier;
    static audit_signer_t *signer;
    if (!verifier) {
        verifier = audit_verifier_parse (VK, strlen (VK));
        signer = audit_signer_parse (SK, strlen (SK));
        if (!verifier || !signer)
            abort ();
    }
    audit_checkpoint_t cp;
    if (audit_checkpoint_open (&cp, (const char *) data, size, verifier) != 0)
        return 0;
    if (!audit_checkpoint_origin_ok (cp.origin))
        abort ();
    char *note = audit_checkpoint_sign (&cp, signer);
    audit_checkpoint_t again;
    if (!note || audit_checkpoint_open (&again, note, strlen (note), verifier) != 0
    ||  strcmp (again.origin, cp.origin) != 0 || again.size != cp.size
    ||  memcmp (again.root, cp.root, AUDIT_HASH_LEN) != 0)
        abort ();
    free (note);
    return 0;
}
