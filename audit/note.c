/*  audit/note.c - C2SP signed notes: the envelope around a signed text. */
#include "note.h"
#include "audit_internal.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_DASH "\xe2\x80\x94 "        //  em dash and a space
#define S_DASH_LEN 4
#define S_SIG_B64_MAX 1024          //  base64 of an unknown key's signature

//  Is s[0:len] well-formed UTF-8 (RFC 3629: no overlong forms, no
//  surrogates, nothing above U+10FFFF)?
static bool
s_utf8_ok (const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = s [i];
        size_t n;
        unsigned min;
        unsigned cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        else
        if ((c & 0xe0) == 0xc0) { n = 1; min = 0x80; cp = c & 0x1f; }
        else
        if ((c & 0xf0) == 0xe0) { n = 2; min = 0x800; cp = c & 0x0f; }
        else
        if ((c & 0xf8) == 0xf0) { n = 3; min = 0x10000; cp = c & 0x07; }
        else
            return false;
        if (len - i - 1 < n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s [i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s [i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

//  Checks the text: 1.. lines of printable ASCII, none empty, ending in a
//  newline. Returns 0 or -1 naming the line.
static int
s_text_ok (const char *text, size_t len)
{
    if (len == 0 || text [len - 1] != '\n')
        return util_error (UTIL_EINPUT, "note: text must be non-empty and end with a newline");
    size_t lineno = 1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) text [i];
        if (c == '\n') {
            if (i == 0 || text [i - 1] == '\n')
                return util_error (UTIL_EINPUT, "note line %zu: empty line in the text", lineno);
            lineno++;
        }
        else
        if (c < 0x20 || c > 0x7e)
            return util_error (UTIL_EINPUT, "note line %zu: byte 0x%02x is not printable ASCII",
                               lineno, c);
    }
    return 0;
}

char *
audit_note_sign (const char *text, size_t len, const audit_signer_t *signer)
{
    if (!text || s_text_ok (text, len))
        return NULL;
    uint8_t sig [AUDIT_KEY_ID_LEN + AUDIT_SIGNATURE_LEN];
    memcpy (sig, audit_signer_keyid (signer), AUDIT_KEY_ID_LEN);
    if (audit_signer_sign (signer, sig + AUDIT_KEY_ID_LEN, text, len))
        return NULL;
    char sig64 [UTIL_B64_LEN (sizeof sig)];
    util_b64_encode (sig64, sig, sizeof sig);
    //  text, blank line, dash, name, space, signature, newline, NUL
    size_t cap = len + 1 + S_DASH_LEN + strlen (audit_signer_name (signer)) + 1
               + strlen (sig64) + 2;
    char *note = util_malloc (cap);
    if (!note) {
        util_error_context ("signing a note");
        return NULL;
    }
    memcpy (note, text, len);
    snprintf (note + len, cap - len, "\n%s%s %s\n", S_DASH, audit_signer_name (signer), sig64);
    return note;
}

//  Checks one signature line (without its newline): "— <name> <base64>".
//  Sets *ours if it is by `verifier` (name and key id) and verifies.
//  Returns 0, or -1 if the line is malformed or is by `verifier` and does
//  not verify. Lines by other keys are checked for form only.
static int
s_signature_line (const char *line, size_t len, size_t lineno,
                  const char *text, size_t text_len,
                  const audit_verifier_t *verifier, bool *ours)
{
    if (len < S_DASH_LEN || memcmp (line, S_DASH, S_DASH_LEN) != 0)
        return util_error (UTIL_EINPUT, "note line %zu: signature line must start with an em dash and a space",
                           lineno);
    const char *name = line + S_DASH_LEN;
    const char *end = line + len;
    if (!s_utf8_ok ((const unsigned char *) name, (size_t) (end - name)))
        return util_error (UTIL_EINPUT, "note line %zu: signature line is not UTF-8", lineno);
    const char *space = memchr (name, ' ', (size_t) (end - name));
    if (!space || space == name)
        return util_error (UTIL_EINPUT, "note line %zu: signature line needs '<name> <signature>'", lineno);
    size_t nlen = (size_t) (space - name);
    //  A key name has no space, '+' or control character; it may be UTF-8.
    for (size_t i = 0; i < nlen; i++) {
        unsigned char c = (unsigned char) name [i];
        if (c < 0x21 || c == 0x7f || c == '+')
            return util_error (UTIL_EINPUT, "note line %zu: invalid character in key name", lineno);
    }
    size_t b64len = (size_t) (end - space - 1);
    if (b64len > S_SIG_B64_MAX)
        return util_error (UTIL_ELIMIT, "note line %zu: signature is longer than %d characters",
                           lineno, S_SIG_B64_MAX);
    uint8_t sig [S_SIG_B64_MAX];
    size_t slen = 0;
    if (util_b64_decode (sig, sizeof sig, &slen, space + 1, b64len))
        return util_error (UTIL_EINPUT, "note line %zu: signature is not base64", lineno);
    if (slen < AUDIT_KEY_ID_LEN + 1)
        return util_error (UTIL_EINPUT, "note line %zu: signature is too short", lineno);
    const char *vname = audit_verifier_name (verifier);
    if (nlen != strlen (vname) || memcmp (name, vname, nlen) != 0
    ||  memcmp (sig, audit_verifier_keyid (verifier), AUDIT_KEY_ID_LEN) != 0)
        return 0;           //  another key's: ignored (signed-note rules)
    if (slen != AUDIT_KEY_ID_LEN + AUDIT_SIGNATURE_LEN)
        return util_error (UTIL_EINPUT, "note line %zu: Ed25519 signature must be %d bytes",
                           lineno, AUDIT_SIGNATURE_LEN);
    if (audit_verifier_verify (verifier, sig + AUDIT_KEY_ID_LEN, text, text_len))
        return util_error (UTIL_ECRYPTO, "note line %zu: signature by key '%s' does not verify",
                           lineno, vname);
    *ours = true;
    return 0;
}

int
audit_note_open (const char *note, size_t len, size_t max,
                 const audit_verifier_t *verifier, size_t *text_len)
{
    if (!verifier)
        return util_error (UTIL_EINPUT, "note: no verifier key to check the signature with");
    if (max == 0)
        max = AUDIT_NOTE_MAX;
    if (!note || len == 0 || len > max)
        return util_error (UTIL_ELIMIT, "note: size %zu is not within 1..%zu bytes", len, max);
    if (note [len - 1] != '\n')
        return util_error (UTIL_EINPUT, "note: must end with a newline");
    //  The text ends at the last blank line; what follows are signatures.
    size_t split = 0;
    for (size_t i = len - 1; i > 0; i--)
        if (note [i - 1] == '\n' && note [i] == '\n') {
            split = i;
            break;
        }
    if (split == 0)
        return util_error (UTIL_EINPUT, "note: no blank line before the signatures");
    if (s_text_ok (note, split))
        return -1;
    size_t lineno = 1;
    for (size_t i = 0; i < split; i++)
        if (note [i] == '\n')
            lineno++;
    //  lineno is now the blank line's number.
    bool ours = false;
    size_t nsigs = 0;
    const char *line = note + split + 1;
    const char *end = note + len;
    while (line < end) {
        const char *nl = memchr (line, '\n', (size_t) (end - line));
        lineno++;
        if (++nsigs > AUDIT_NOTE_SIGS_MAX)
            return util_error (UTIL_ELIMIT, "note: more than %d signatures", AUDIT_NOTE_SIGS_MAX);
        if (s_signature_line (line, (size_t) (nl - line), lineno, note, split, verifier, &ours))
            return -1;
        line = nl + 1;
    }
    if (nsigs == 0)
        return util_error (UTIL_EINPUT, "note: no signature lines");
    if (!ours)
        return util_error (UTIL_ECRYPTO, "note: no signature by key '%s'", audit_verifier_name (verifier));
    *text_len = split;
    return 0;
}
