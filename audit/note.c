/*  audit/note.c - C2SP signed notes: form, known and unknown signatures. */
#include "note.h"
#include "audit_internal.h"

#include <stdio.h>
#include <string.h>

#define S_DASH "\xe2\x80\x94 "        //  em dash and a space
#define S_DASH_LEN 4

//  Decodes the UTF-8 sequence at p[0:n] into *cp and returns its length, or
//  0 if it is not one (RFC 3629 s.4: no overlong forms, no surrogates,
//  nothing above U+10FFFF).
static size_t
s_utf8 (const uint8_t *p, size_t n, uint32_t *cp)
{
    uint8_t c = p [0];
    size_t len;
    uint8_t lo = 0x80, hi = 0xbf;       //  the second byte's range
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        *cp = c & 0x1f;
    }
    else
    if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        *cp = c & 0x0f;
        if (c == 0xe0)
            lo = 0xa0;
        if (c == 0xed)
            hi = 0x9f;
    }
    else
    if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        *cp = c & 0x07;
        if (c == 0xf0)
            lo = 0x90;
        if (c == 0xf4)
            hi = 0x8f;
    }
    else
        return 0;
    if (n < len || p [1] < lo || p [1] > hi)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p [i] & 0xc0) != 0x80)
            return 0;
        *cp = *cp << 6 | (p [i] & 0x3f);
    }
    return len;
}

//  Unicode White_Space (what Go's unicode.IsSpace and the spec's "Unicode
//  spaces" mean).
static bool
s_space (uint32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 || cp == 0xa0
        || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028
        || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

//  The whole note: valid UTF-8, no control character but newline.
static int
s_check_text (const char *note, size_t len)
{
    const uint8_t *p = (const uint8_t *) note;
    size_t lineno = 1;
    for (size_t i = 0; i < len; ) {
        uint32_t cp = 0;
        size_t n = s_utf8 (p + i, len - i, &cp);
        if (n == 0)
            return util_error (UTIL_EINPUT, "note line %zu: byte 0x%02x is not valid UTF-8",
                               lineno, p [i]);
        if (cp == '\n')
            lineno++;
        else
        if (cp < 0x20)
            return util_error (UTIL_EINPUT, "note line %zu: control character 0x%02x", lineno,
                               (unsigned) cp);
        i += n;
    }
    return 0;
}

//  A key name: not empty, no Unicode space, no '+' (the text is already
//  known to be valid UTF-8).
static bool
s_name_ok (const char *name, size_t len)
{
    const uint8_t *p = (const uint8_t *) name;
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; ) {
        uint32_t cp = 0;
        size_t n = s_utf8 (p + i, len - i, &cp);
        if (n == 0 || cp == '+' || s_space (cp))
            return false;
        i += n;
    }
    return true;
}

//  One signature line (without its newline) against the known keys. Sets
//  verified[k] when known key k's signature verifies. Returns 0 (a good or
//  an ignored line) or -1.
static int
s_signature_line (const char *line, size_t len, size_t lineno, const char *text,
                  size_t text_len, const audit_verifier_t *const *keys, size_t nkeys,
                  bool *verified)
{
    if (len < S_DASH_LEN || memcmp (line, S_DASH, S_DASH_LEN) != 0)
        return util_error (UTIL_EINPUT, "note line %zu: signature line must start with an em dash and a space",
                           lineno);
    const char *name = line + S_DASH_LEN;
    const char *end = line + len;
    const char *space = memchr (name, ' ', (size_t) (end - name));
    if (!space || space == name || space + 1 == end)
        return util_error (UTIL_EINPUT, "note line %zu: signature line needs '<name> <signature>'", lineno);
    size_t nlen = (size_t) (space - name);
    if (!s_name_ok (name, nlen))
        return util_error (UTIL_EINPUT, "note line %zu: invalid key name (a Unicode space or '+')", lineno);
    uint8_t sig [AUDIT_NOTE_MAX];
    size_t slen = 0;
    if (util_b64_decode (sig, sizeof sig, &slen, space + 1, (size_t) (end - space - 1)))
        return util_error (UTIL_EINPUT, "note line %zu: signature is not base64", lineno);
    if (slen < AUDIT_KEY_ID_LEN + 1)
        return util_error (UTIL_EINPUT, "note line %zu: signature is too short", lineno);
    //  The key is the pair (name, key id); a line that matches no known
    //  pair is a signature by an unknown key, which the spec says to ignore.
    size_t match = nkeys;
    for (size_t k = 0; k < nkeys; k++) {
        const char *kname = audit_verifier_name (keys [k]);
        if (nlen != strlen (kname) || memcmp (name, kname, nlen) != 0
        ||  memcmp (sig, audit_verifier_keyid (keys [k]), AUDIT_KEY_ID_LEN) != 0)
            continue;
        if (match != nkeys)
            return util_error (UTIL_EINPUT, "note line %zu: key '%s' is known twice (ambiguous)",
                               lineno, kname);
        match = k;
    }
    //  The spec: a known key's signature MUST be verified, every time it
    //  appears (Go's note.Open skips a repeat; checking it costs at most
    //  AUDIT_NOTE_SIGS_MAX verifications).
    if (match == nkeys)
        return 0;
    const char *kname = audit_verifier_name (keys [match]);
    if (slen != AUDIT_KEY_ID_LEN + AUDIT_SIGNATURE_LEN)
        return util_error (UTIL_EINPUT, "note line %zu: Ed25519 signature by key '%s' must be %d bytes",
                           lineno, kname, AUDIT_SIGNATURE_LEN);
    if (audit_verifier_verify (keys [match], sig + AUDIT_KEY_ID_LEN, text, text_len))
        return util_error (UTIL_ECRYPTO, "note line %zu: signature by key '%s' does not verify",
                           lineno, kname);
    verified [match] = true;
    return 0;
}

int
audit_note_open (size_t *text_len, bool *verified, const char *note, size_t len,
                 const audit_verifier_t *const *keys, size_t nkeys)
{
    return audit_note_open_max (AUDIT_NOTE_MAX, text_len, verified, note, len, keys, nkeys);
}

int
audit_note_open_max (size_t max, size_t *text_len, bool *verified, const char *note, size_t len,
                     const audit_verifier_t *const *keys, size_t nkeys)
{
    if (nkeys > AUDIT_NOTE_KEYS_MAX)
        return util_error (UTIL_ELIMIT, "note: more than %d known keys", AUDIT_NOTE_KEYS_MAX);
    if (len == 0 || len > max)
        return util_error (UTIL_EINPUT, "note: size %zu is not within 1..%zu bytes", len, max);
    if (note [len - 1] != '\n')
        return util_error (UTIL_EINPUT, "note: must end with a newline");
    if (s_check_text (note, len))
        return -1;
    //  The text ends at the last blank line; what follows are signatures.
    size_t split = 0;
    for (size_t i = len - 1; i > 0; i--)
        if (note [i - 1] == '\n' && note [i] == '\n') {
            split = i;
            break;
        }
    if (split == 0)
        return util_error (UTIL_EINPUT, "note: no blank line before the signatures");
    size_t lineno = 1;
    for (size_t i = 0; i < split; i++)
        lineno += note [i] == '\n';
    bool seen [AUDIT_NOTE_KEYS_MAX] = { false };
    size_t nsigs = 0;
    const char *line = note + split + 1;
    const char *end = note + len;
    while (line < end) {
        const char *nl = memchr (line, '\n', (size_t) (end - line));
        lineno++;
        if (++nsigs > AUDIT_NOTE_SIGS_MAX)
            return util_error (UTIL_ELIMIT, "note: more than %d signatures", AUDIT_NOTE_SIGS_MAX);
        if (s_signature_line (line, (size_t) (nl - line), lineno, note, split, keys, nkeys, seen))
            return -1;
        line = nl + 1;
    }
    if (nsigs == 0)
        return util_error (UTIL_EINPUT, "note: no signature lines");
    size_t good = 0;
    for (size_t k = 0; k < nkeys; k++)
        good += seen [k];
    if (nkeys == 0)
        return util_error (UTIL_EINPUT, "note: no known key to check its %zu signatures with", nsigs);
    if (good == 0 && nkeys == 1)
        return util_error (UTIL_EINPUT, "note: no signature by key '%s'", audit_verifier_name (keys [0]));
    if (good == 0)
        return util_error (UTIL_EINPUT, "note: no signature by any of the %zu known keys", nkeys);
    *text_len = split;
    if (verified)
        memcpy (verified, seen, nkeys * sizeof *verified);
    return 0;
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
