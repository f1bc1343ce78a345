/*  audit/note.h - C2SP signed notes with any text: signing and opening.

    A signed note (C2SP signed-note; Go's golang.org/x/mod/sumdb/note) is

        <text, one or more lines, each ending in "\n">
        \n
        \u2014 <key name> <base64(key id || signature)>\n     (one or more)

    ("\u2014" is the em dash, UTF-8 e2 80 94). The signature covers the text
    including its final newline. This module handles the envelope for texts
    of printable ASCII lines (the texts Cohort signs: role certificates,
    revocation lists); what a text means is its caller's business
    (audit/checkpoint.h is one, proto/rolecert.h another).

    Opening follows the signed-note rules: every signature line must be well
    formed, and signatures by keys other than the one asked for (another
    algorithm, a cosigner, a key name in UTF-8) are ignored, not refused; the
    note opens when one of its signatures is by the verifier and verifies.

    Contents
        AUDIT_NOTE_MAX          bytes in a whole note, unless the caller says
        AUDIT_NOTE_SIGS_MAX     signature lines in a note
        audit_note_sign         a text as a note signed by one key
        audit_note_open         a note's form and signature checked; the
                                length of its text

    The note text audit_note_sign returns is the caller's (free); keys and
    texts are borrowed. Errors are -1 / NULL with the reason in the error
    slot (util/error.h), "note line N: what".
*/
#ifndef AUDIT_NOTE_H
#define AUDIT_NOTE_H

#include "audit.h"
#include "key.h"

#include <stddef.h>

//  The same values as audit/checkpoint.h (an identical redefinition).
#define AUDIT_NOTE_MAX      8192    //  bytes in a whole note
#define AUDIT_NOTE_SIGS_MAX   16    //  signature lines in a note

/*  Signs `text[0:len]` with `signer` and returns the note (text, blank line,
    signature line; the caller frees it), or NULL if the text is empty, does
    not end in a newline, has an empty line or a byte that is not printable
    ASCII (UTIL_EINPUT naming the line), or signing fails. */
char *audit_note_sign (const char *text, size_t len, const audit_signer_t *signer);

/*  Checks the note `note[0:len]`: at most `max` bytes (0 means
    AUDIT_NOTE_MAX), a text of printable ASCII lines without empty ones, a
    blank line, 1..AUDIT_NOTE_SIGS_MAX well-formed signature lines, and a
    signature by `verifier` that verifies (RFC 8032 s.5.1.7). On success
    sets *text_len to the length of the signed text (from the start of the
    note, its final newline included) and returns 0; else -1 naming the
    line and what is wrong, *text_len untouched. */
int audit_note_open (const char *note, size_t len, size_t max,
                     const audit_verifier_t *verifier, size_t *text_len) AUDIT_WUR;

#endif
