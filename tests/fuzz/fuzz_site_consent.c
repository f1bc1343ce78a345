/*  libFuzzer target for site/consent.c: the input is tried both as a signed
    grant envelope (with one enrolled authority) and as a bare Consent.
    Nothing may crash or leak; whatever parses must answer a decision. */
#include "site/consent.h"

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
    site_consent_t *c = NULL;
    site_grant_reason_t r = site_grant_open (&c, (const char *) data, size, keys, 1);
    if ((r == SITE_GRANT_OK) != (c != NULL))
        abort ();
    site_consent_destroy (&c);
    r = site_consent_parse (&c, (const char *) data, size);
    if ((r == SITE_GRANT_OK) != (c != NULL))
        abort ();
    if (c) {
        site_consent_query_t q = { site_consent_patient (c), "Organization/hospital-a",
                                   "ResearchStudy/sepsis-1", "HRESCH", site_consent_time (c),
                                   "2339-0" };
        r = site_consent_decide (c, &q);
        if (r != SITE_GRANT_OK && r != SITE_GRANT_INACTIVE && r != SITE_GRANT_NOT_YET_VALID
        &&  r != SITE_GRANT_EXPIRED && r != SITE_GRANT_DENIED)
            abort ();
        site_consent_destroy (&c);
    }
    return 0;
}
