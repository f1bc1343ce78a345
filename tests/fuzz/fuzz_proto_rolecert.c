/*  libFuzzer target for proto/rolecert.c: role certificates and revocation
    lists. The input is opened as a whole note (the signed-note envelope),
    and, so that the parsers behind the signature are reached, also signed
    with the admin key as the text of a note and opened again: as a role
    certificate and as a revocation list. Nothing may crash, and whatever
    opens must hold valid fields and re-issue to a note that opens to the
    same values. */
#include "proto/rolecert.h"
#include "proto/plan.h"
#include "audit/note.h"

#include <stdlib.h>
#include <string.h>

#define SK "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define VK "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
s_cert (const char *text, size_t len, const audit_signer_t *signer, const audit_verifier_t *verifier)
{
    proto_rolecert_t *cert = proto_rolecert_open (text, len, verifier, 0);
    if (!cert)
        return;
    if (cert->role < PROTO_ROLE_SITE || cert->role > PROTO_ROLE_ADMIN || !cert->signer
    ||  (cert->role == PROTO_ROLE_SITE) != (cert->index != 0)
    ||  cert->index > PROTO_MAX_PARTIES || strlen (cert->curve) != 40)
        abort ();
    char *again = proto_rolecert_issue (cert, signer);
    proto_rolecert_t *back = again? proto_rolecert_open (again, strlen (again), verifier, 0): NULL;
    if (!back || back->role != cert->role || back->index != cert->index
    ||  back->serial != cert->serial || back->not_after != cert->not_after
    ||  strcmp (back->name, cert->name) != 0 || strcmp (back->consortium, cert->consortium) != 0
    ||  strcmp (back->curve, cert->curve) != 0)
        abort ();
    proto_rolecert_destroy (&back);
    proto_rolecert_destroy (&cert);
    free (again);
}

static void
s_revocations (const char *text, size_t len, const audit_signer_t *signer,
               const audit_verifier_t *verifier)
{
    proto_revocations_t *list = proto_revocations_open (text, len, verifier);
    if (!list)
        return;
    size_t n = proto_revocations_count (list);
    uint64_t *serials = calloc (n + 1, sizeof *serials);
    char **names = calloc (n + 1, sizeof *names);
    if (!serials || !names)
        abort ();
    for (size_t i = 0; i < n; i++) {
        serials [i] = proto_revocations_serial (list, i);
        names [i] = (char *) proto_revocations_name (list, i);
        if (!proto_revocations_has (list, serials [i]))
            abort ();
    }
    char *again = proto_revocations_issue (proto_revocations_consortium (list), serials, names, n, signer);
    proto_revocations_t *back = again? proto_revocations_open (again, strlen (again), verifier): NULL;
    if (!back || proto_revocations_count (back) != n)
        abort ();
    for (size_t i = 0; i < n; i++)
        if (proto_revocations_serial (back, i) != serials [i]
        ||  strcmp (proto_revocations_name (back, i), names [i]) != 0)
            abort ();
    proto_revocations_destroy (&back);
    proto_revocations_destroy (&list);
    free (again);
    free (serials);
    free (names);
}

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
    const char *text = (const char *) data;
    s_cert (text, size, signer, verifier);
    s_revocations (text, size, signer, verifier);
    //  The input as the signed text: the parsers behind the signature.
    char *note = audit_note_sign (text, size, signer);
    if (note) {
        s_cert (note, strlen (note), signer, verifier);
        s_revocations (note, strlen (note), signer, verifier);
        free (note);
    }
    return 0;
}
