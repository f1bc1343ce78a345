/*  audit/checkpoint.h - signed tree heads in the C2SP signed-note format.

    A checkpoint (C2SP tlog-checkpoint) is the text

        <origin>\n
        <tree size, decimal>\n
        <base64 of the 32-byte tree head MTH>\n

    optionally followed by non-empty extension lines (any UTF-8 text), which
    are covered by the signature but otherwise ignored. The origin is 1..255
    printable ASCII characters without a space at either end, stricter than
    tlog-checkpoint's "non-empty": it is a Cohort log's origin. It travels
    as a signed note (C2SP signed-note, audit/note.h): the text, one blank
    line, then one or more lines

        \u2014 <key name> <base64(key id || Ed25519 signature)>\n

    ("\u2014" is the em dash, UTF-8 e2 80 94). The signature covers the text
    including its final newline. Signatures by other keys (a witness's
    cosignature, keys with UTF-8 names) are checked for form and otherwise
    ignored, as the signed-note spec requires.

    Contents
        audit_checkpoint_t          origin, tree size and tree head
        audit_checkpoint_origin_ok  is an origin line valid?
        audit_checkpoint_sign       a checkpoint as a signed note
        audit_checkpoint_open       a note's signature checked, then parsed

    A checkpoint is a plain value; the note text audit_checkpoint_sign
    returns is the caller's (free); keys are borrowed. Errors are -1 / NULL
    with the reason in the error slot (util/error.h).
*/
#ifndef AUDIT_CHECKPOINT_H
#define AUDIT_CHECKPOINT_H

#include "audit.h"
#include "key.h"
#include "merkle.h"
#include "note.h"

#define AUDIT_ORIGIN_MAX     255    //  bytes in the origin line

typedef struct {
    char origin [AUDIT_ORIGIN_MAX + 1];
    uint64_t size;
    audit_hash_t root;
} audit_checkpoint_t;

/*  Is `origin` a valid origin line: 1..AUDIT_ORIGIN_MAX printable ASCII
    characters, not starting or ending with a space? */
int audit_checkpoint_origin_ok (const char *origin);

/*  Signs the checkpoint with `signer` and returns the whole note text (the
    caller frees it), or NULL if the origin is invalid or signing fails. */
char *audit_checkpoint_sign (const audit_checkpoint_t *cp,
                             const audit_signer_t *signer);

/*  Opens the note `text[0:len]` with audit_note_open against the one key
    `verifier` (a valid signature by it; every signature line well formed;
    lines by other keys ignored), and fills `out` from its checkpoint text. Returns 0, or -1 naming the first thing
    that is wrong (line number and field); `out` is untouched on failure. */
int audit_checkpoint_open (audit_checkpoint_t *out, const char *text, size_t len,
                           const audit_verifier_t *verifier) AUDIT_WUR;

#endif
