/*  he/keyfile.h - Paillier key files: versioned, documented text
    (docs/key-files.md), parsed strictly.

    Every file is UTF-8 text with '\n' line ends: optional '#' comment lines,
    then a header line "cohort-paillier-<kind> v1", then one "name value"
    line per field, in a fixed order, values in lower- or upper-case hex
    (big numbers) or decimal (small counts). Unknown, missing, repeated or
    misordered fields, bad digits, trailing data, over-long lines and files
    over HE_KEYFILE_MAX bytes are refused with "<origin>:<line>: <reason>".
    Values are then checked for consistency (p q = n, sizes, units).

    kinds:  public  bits, n, hs
            secret  bits, p, q, hs
            share   bits, parties, threshold, index, n, v, vi, share
            verify  bits, parties, threshold, n, v, vk1 .. vk<parties>

    Secret and share files are written with mode 0600, and loading one that
    group or others may read is refused (UTIL_EREFUSED: "chmod 600 it").

    Contents
        HE_KEYFILE_MAX              the largest key file read
        he_keyfile_parse_<kind>     a key of each kind from text in memory
        he_keyfile_load_<kind>      the same from a file
        he_keyfile_format_<kind>    a key as the text of its file
        he_keyfile_write            text into a new file, atomically

    Keys returned are the caller's (he_pubkey_destroy, he_seckey_destroy,
    he_share_destroy, he_verify_destroy), and so is formatted text (free;
    wipe secret and share text with util_cleanse first). The loaders read
    the file as secret (util/file.h) and wipe its text once parsed; the
    parsers and formatters wipe what they copy. Errors are NULL / -1 with
    the reason in the error slot (util/error.h), "<origin>:<line>: ..." for
    a bad file.
*/
#ifndef HE_KEYFILE_H
#define HE_KEYFILE_H

#include "paillier.h"
#include "threshold.h"

#define HE_KEYFILE_MAX  (1 << 20)

/*  Parsers over a buffer; `origin` names it in errors (a path). */
he_pubkey_t *he_keyfile_parse_public (const char *text, size_t len, const char *origin);
he_seckey_t *he_keyfile_parse_secret (const char *text, size_t len, const char *origin);
he_share_t  *he_keyfile_parse_share  (const char *text, size_t len, const char *origin);
he_verify_t *he_keyfile_parse_verify (const char *text, size_t len, const char *origin);

/*  The same over a file. NULL on error (unreadable, too large, invalid). */
he_pubkey_t *he_keyfile_load_public (const char *path);
he_seckey_t *he_keyfile_load_secret (const char *path);
he_share_t  *he_keyfile_load_share  (const char *path);
he_verify_t *he_keyfile_load_verify (const char *path);

/*  Formatters: a new NUL-terminated string (caller frees; secret text
    should be wiped with util_cleanse before free). NULL on OOM. */
char *he_keyfile_format_public (const he_pubkey_t *pk);
char *he_keyfile_format_secret (const he_seckey_t *sk);
char *he_keyfile_format_share  (const he_share_t *share);
char *he_keyfile_format_verify (const he_verify_t *vk);

/*  Writes `text` to `path` atomically (temporary file, fsync, rename) with
    file mode `mode`. Refuses to replace an existing file unless
    `overwrite`. Returns 0 or -1. */
int he_keyfile_write (const char *path, const char *text, unsigned mode, int overwrite) HE_WUR;

#endif
