/*  audit/note.h - opening C2SP signed notes (c2sp.org/signed-note).

    A signed note is a text ending in a newline, one blank line, then one or
    more signature lines

        \u2014 <key name> <base64(4-byte key id || signature)>\n

    ("\u2014" is the em dash, UTF-8 e2 80 94). The text is separated from the
    signatures by the note's last blank line, and the signature covers the
    text including its final newline. What the spec requires, and this
    module checks:

      - the whole note is valid UTF-8 without control characters (below
        U+0020) other than newline;
      - every signature line has the form above: a key name that is not
        empty and holds no Unicode space (White_Space) and no '+', and
        canonical base64 of at least 5 bytes;
      - a line whose key name and key id are those of a known key must
        verify (Ed25519, RFC 8032 s.5.1.7, 64 bytes), or the whole note is
        refused; a repeated line is verified again (Go's note.Open skips
        it);
      - lines of unknown keys are ignored: a key that shares only the name
        or only the id with a known key is unknown (the spec's "MUST ignore
        signatures from unknown keys");
      - at least one known key's signature verifies.

    A note is at most AUDIT_NOTE_MAX bytes and carries at most
    AUDIT_NOTE_SIGS_MAX signature lines (the spec's floor, known and unknown
    alike); two known keys with the same name and key id make a note that
    either signed ambiguous, and it is refused.

    Contents
        AUDIT_NOTE_MAX, AUDIT_NOTE_SIGS_MAX, AUDIT_NOTE_KEYS_MAX
                                                the limits
        audit_note_open                         checks a note against known keys
        audit_note_open_max                     ... with the caller's size limit
        audit_note_sign                         a text as a note signed by one key

    Keys are borrowed; audit_note_open allocates nothing, and the note
    audit_note_sign returns is the caller's (free). Errors are -1 with the reason
    in the error slot (util/error.h): one line naming the note line and what
    is wrong with it.
*/
#ifndef AUDIT_NOTE_H
#define AUDIT_NOTE_H

#include "audit.h"
#include "key.h"

#include <stdbool.h>

#define AUDIT_NOTE_MAX      8192    //  bytes in a whole note
#define AUDIT_NOTE_SIGS_MAX   16    //  signature lines in a note
#define AUDIT_NOTE_KEYS_MAX   16    //  known keys to check a note against

/*  Opens note[0:len] against the known keys keys[0:nkeys] (nkeys at most
    AUDIT_NOTE_KEYS_MAX; it may be 0: the note is then checked for form and
    refused as unsigned). On success
    *text_len is the length of the note text, which starts at `note` and
    ends with its newline, and, when `verified` is not NULL, verified[i]
    (nkeys entries) says whether keys[i]'s signature verified. Returns 0 if
    the note is well formed, no known key's signature fails and at least
    one verifies; -1 otherwise, with *text_len and verified untouched. */
int audit_note_open (size_t *text_len, bool *verified, const char *note, size_t len,
                     const audit_verifier_t *const *keys, size_t nkeys) AUDIT_WUR;

/*  The same with a caller's size limit instead of AUDIT_NOTE_MAX (a long
    list, such as a consortium's revocations). The text is only read. */
int audit_note_open_max (size_t max, size_t *text_len, bool *verified, const char *note,
                         size_t len, const audit_verifier_t *const *keys, size_t nkeys) AUDIT_WUR;

/*  Signs `text[0:len]` with `signer` and returns the note (text, blank line,
    signature line; the caller frees it), or NULL if the text is empty, does
    not end in a newline, has an empty line or a byte that is not printable
    ASCII (UTIL_EINPUT naming the line), or signing fails. Cohort signs only
    printable ASCII texts (role certificates, revocation lists). */
char *audit_note_sign (const char *text, size_t len, const audit_signer_t *signer);

#endif
