/*  libFuzzer target for ingest/consent.c: the input is tried both as a signed
    grant envelope (with one enrolled authority) and as a bare Consent.
    Nothing may crash or leak; whatever parses must answer a decision. */
#include "ingest/consent.h"

#include <stdlib.h>
#include <string.h>

#define VK "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    static audit_verifier_t *authority;
    if (!authority && !(authority = audit_verifier_parse (VK, strlen (VK))))
        abort ();
    const audit_verifier_t *keys [] = { authority };
    ingest_consent_t *c = NULL;
    ingest_grant_reason_t r = ingest_grant_open (&c, (const char *) data, size, keys, 1);
    if ((r == INGEST_GRANT_OK) != (c != NULL))
        abort ();
    ingest_consent_destroy (&c);
    r = ingest_consent_parse (&c, (const char *) data, size);
    if ((r == INGEST_GRANT_OK) != (c != NULL))
        abort ();
    if (c) {
        ingest_consent_query_t q = { .patient = ingest_consent_patient (c),
                                     .site = "Organization/hospital-a",
                                     .study = "ResearchStudy/sepsis-1", .purpose = "HRESCH",
                                     .time_ms = ingest_consent_time (c), .loinc = "2339-0" };
        r = ingest_consent_decide (c, &q);
        if (r != INGEST_GRANT_OK && r != INGEST_GRANT_INACTIVE && r != INGEST_GRANT_NOT_YET_VALID
        &&  r != INGEST_GRANT_EXPIRED && r != INGEST_GRANT_DENIED)
            abort ();
        //  A consent that permits a use does not deny it.
        if (r == INGEST_GRANT_OK && ingest_consent_denies (c, &q))
            abort ();
        q.loinc = NULL;
        if (ingest_consent_decide (c, &q) == INGEST_GRANT_OK && ingest_consent_denies (c, &q))
            abort ();
        ingest_consent_destroy (&c);
    }
    return 0;
}
