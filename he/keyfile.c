/*  he/keyfile.c - strict text key files; see keyfile.h and docs/key-files.md. */
#include "keyfile.h"
#include "he_internal.h"
#include "util/alloc.h"
#include "util/file.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINE_MAX_CHARS  8192
#define FIELDS_MAX      (8 + HE_PARTIES_MAX)

typedef enum { F_HEX, F_UINT } field_type_t;

typedef struct {
    const char *origin;
    const char *p, *end;        //  cursor and end of the text
    int line;                   //  number of the line last read
} reader_t;

//  Reads the next line that is not a comment; *line/*len point into the
//  buffer (without '\n'). Returns 1 on a line, 0 at end, -1 on error.
static int
s_next_line (reader_t *r, const char **line, size_t *len)
{
    while (r->p < r->end) {
        const char *nl = memchr (r->p, '\n', (size_t) (r->end - r->p));
        r->line++;
        if (!nl)
            return util_error (UTIL_EINPUT, "%s:%d: last line has no newline (truncated file?)",
                               r->origin, r->line);
        const char *start = r->p;
        r->p = nl + 1;
        size_t n = (size_t) (nl - start);
        if (n > LINE_MAX_CHARS)
            return util_error (UTIL_ELIMIT, "%s:%d: line longer than %d characters", r->origin, r->line,
                               LINE_MAX_CHARS);
        if (memchr (start, '\r', n))
            return util_error (UTIL_EINPUT, "%s:%d: carriage return (file edited on Windows?)",
                               r->origin, r->line);
        if (memchr (start, '\0', n))
            return util_error (UTIL_EINPUT, "%s:%d: NUL byte in line", r->origin, r->line);
        if (n > 0 && start [0] == '#')
            continue;
        *line = start;
        *len = n;
        return 1;
    }
    return 0;
}

static int
s_expect_header (reader_t *r, const char *kind)
{
    const char *line;
    size_t len;
    int got = s_next_line (r, &line, &len);
    if (got < 0)
        return -1;
    if (got == 0)
        return util_error (UTIL_EINPUT, "%s: empty file: expected \"cohort-paillier-%s v1\"", r->origin, kind);
    char want [64];
    int wl = snprintf (want, sizeof want, "cohort-paillier-%s ", kind);
    if (len < (size_t) wl || memcmp (line, want, (size_t) wl) != 0)
        return util_error (UTIL_EINPUT, "%s:%d: not a Cohort Paillier %s key file (expected a line "
                           "\"cohort-paillier-%s v1\")", r->origin, r->line, kind, kind);
    if (len != (size_t) wl + 2 || memcmp (line + wl, "v1", 2) != 0)
        return util_error (UTIL_EINPUT, "%s:%d: unsupported version \"%.*s\" (this build reads v1)",
                           r->origin, r->line, (int) (len - (size_t) wl), line + wl);
    return 0;
}

//  Reads "name value" for the expected name into a hex mpz or an unsigned.
static int
s_field (reader_t *r, const char *name, field_type_t type, mpz_t hex, unsigned *num)
{
    const char *line;
    size_t len;
    int got = s_next_line (r, &line, &len);
    if (got < 0)
        return -1;
    if (got == 0)
        return util_error (UTIL_EFAIL, "%s: file ends before field '%s'", r->origin, name);
    size_t nl = strlen (name);
    if (len < nl + 2 || memcmp (line, name, nl) != 0 || line [nl] != ' ') {
        const char *sp = memchr (line, ' ', len);
        int shown = sp? (int) (sp - line): (int) (len > 40? 40: len);
        return util_error (UTIL_EINPUT, "%s:%d: expected field '%s', found '%.*s'", r->origin, r->line,
                           name, shown, line);
    }
    const char *v = line + nl + 1;
    size_t vl = len - nl - 1;
    const char *digits = type == F_HEX? "0123456789abcdefABCDEF": "0123456789";
    for (size_t i = 0; i < vl; i++)
        if (!strchr (digits, v [i]) || v [i] == '\0')
            return util_error (UTIL_EINPUT, "%s:%d: field '%s': invalid %s digit '%c' at column %zu",
                               r->origin, r->line, name, type == F_HEX? "hex": "decimal",
                               v [i], nl + 2 + i);
    if (type == F_UINT) {
        if (vl > 6)
            return util_error (UTIL_ELIMIT, "%s:%d: field '%s': number too large", r->origin, r->line, name);
        unsigned x = 0;
        for (size_t i = 0; i < vl; i++)
            x = x * 10 + (unsigned) (v [i] - '0');
        *num = x;
        return 0;
    }
    char *copy = util_strndup (v, vl);
    if (!copy)
        return util_error_context ("%s:%d: field '%s'", r->origin, r->line, name);
    int rc = mpz_set_str (hex, copy, 16);
    OPENSSL_cleanse (copy, vl);
    free (copy);
    if (rc)
        return util_error (UTIL_EINPUT, "%s:%d: field '%s': not a hex number", r->origin, r->line, name);
    return 0;
}

static int
s_expect_end (reader_t *r)
{
    const char *line;
    size_t len;
    int got = s_next_line (r, &line, &len);
    if (got < 0)
        return -1;
    if (got > 0)
        return util_error (UTIL_EINPUT, "%s:%d: unexpected data after the last field", r->origin, r->line);
    return 0;
}

static int
s_check_bits (reader_t *r, unsigned bits, const mpz_t n)
{
    if (mpz_sizeinbase (n, 2) != bits)
        return util_error (UTIL_EFAIL, "%s: 'bits' says %u but n has %zu bits", r->origin, bits,
                           mpz_sizeinbase (n, 2));
    return 0;
}

//  Prefixes the reason a key constructor failed with the file's name: an
//  inconsistent key, unless memory ran out (that says nothing of the key).
static void
s_not_built (const char *origin, const char *what)
{
    if (util_last_code () == UTIL_ENOMEM)
        util_error_context ("%s", origin);
    else
        util_error_context ("%s: inconsistent %s", origin, what);
}

he_pubkey_t *
he_keyfile_parse_public (const char *text, size_t len, const char *origin)
{
    reader_t r = { origin, text, text + len, 0 };
    unsigned bits = 0;
    mpz_t n, hs;
    mpz_inits (n, hs, NULL);
    he_pubkey_t *pk = NULL;
    if (s_expect_header (&r, "public") == 0
    &&  s_field (&r, "bits", F_UINT, NULL, &bits) == 0
    &&  s_field (&r, "n", F_HEX, n, NULL) == 0
    &&  s_field (&r, "hs", F_HEX, hs, NULL) == 0
    &&  s_expect_end (&r) == 0
    &&  s_check_bits (&r, bits, n) == 0) {
        pk = he_pubkey_new (n, hs);
        if (!pk)
            s_not_built (origin, "public key");
    }
    mpz_clears (n, hs, NULL);
    return pk;
}

he_seckey_t *
he_keyfile_parse_secret (const char *text, size_t len, const char *origin)
{
    reader_t r = { origin, text, text + len, 0 };
    unsigned bits = 0;
    mpz_t p, q, hs, n;
    mpz_inits (p, q, hs, n, NULL);
    he_seckey_t *sk = NULL;
    if (s_expect_header (&r, "secret") == 0
    &&  s_field (&r, "bits", F_UINT, NULL, &bits) == 0
    &&  s_field (&r, "p", F_HEX, p, NULL) == 0
    &&  s_field (&r, "q", F_HEX, q, NULL) == 0
    &&  s_field (&r, "hs", F_HEX, hs, NULL) == 0
    &&  s_expect_end (&r) == 0) {
        mpz_mul (n, p, q);
        if (s_check_bits (&r, bits, n) == 0) {
            sk = he_seckey_new (p, q, hs);
            if (!sk)
                s_not_built (origin, "secret key");
        }
    }
    mpz_clears (p, q, hs, n, NULL);     //  wiped by the allocator
    return sk;
}

he_share_t *
he_keyfile_parse_share (const char *text, size_t len, const char *origin)
{
    reader_t r = { origin, text, text + len, 0 };
    unsigned bits = 0, parties = 0, threshold = 0, index = 0;
    mpz_t n, v, vi, s;
    mpz_inits (n, v, vi, s, NULL);
    he_share_t *share = NULL;
    if (s_expect_header (&r, "share") == 0
    &&  s_field (&r, "bits", F_UINT, NULL, &bits) == 0
    &&  s_field (&r, "parties", F_UINT, NULL, &parties) == 0
    &&  s_field (&r, "threshold", F_UINT, NULL, &threshold) == 0
    &&  s_field (&r, "index", F_UINT, NULL, &index) == 0
    &&  s_field (&r, "n", F_HEX, n, NULL) == 0
    &&  s_field (&r, "v", F_HEX, v, NULL) == 0
    &&  s_field (&r, "vi", F_HEX, vi, NULL) == 0
    &&  s_field (&r, "share", F_HEX, s, NULL) == 0
    &&  s_expect_end (&r) == 0
    &&  s_check_bits (&r, bits, n) == 0) {
        share = he_share_new (n, parties, threshold, index, s, v, vi);
        if (!share)
            s_not_built (origin, "key share");
    }
    mpz_clears (n, v, vi, s, NULL);
    return share;
}

he_verify_t *
he_keyfile_parse_verify (const char *text, size_t len, const char *origin)
{
    reader_t r = { origin, text, text + len, 0 };
    unsigned bits = 0, parties = 0, threshold = 0;
    mpz_t n, v, vks [HE_PARTIES_MAX];
    mpz_inits (n, v, NULL);
    unsigned read = 0;
    he_verify_t *vk = NULL;
    int ok = s_expect_header (&r, "verify") == 0
          && s_field (&r, "bits", F_UINT, NULL, &bits) == 0
          && s_field (&r, "parties", F_UINT, NULL, &parties) == 0
          && s_field (&r, "threshold", F_UINT, NULL, &threshold) == 0
          && s_field (&r, "n", F_HEX, n, NULL) == 0
          && s_field (&r, "v", F_HEX, v, NULL) == 0;
    if (ok && (parties < 1 || parties > HE_PARTIES_MAX)) {
        util_error (UTIL_EINPUT, "%s: %u parties; need 1..%d", origin, parties, HE_PARTIES_MAX);
        ok = 0;
    }
    for (; ok && read < parties; read++) {
        char name [16];
        snprintf (name, sizeof name, "vk%u", read + 1);
        mpz_init (vks [read]);
        ok = s_field (&r, name, F_HEX, vks [read], NULL) == 0;
    }
    if (ok && s_expect_end (&r) == 0 && s_check_bits (&r, bits, n) == 0) {
        vk = he_verify_new (n, parties, threshold, v, (const mpz_t *) vks);
        if (!vk)
            s_not_built (origin, "verification keys");
    }
    for (unsigned i = 0; i < read; i++)
        mpz_clear (vks [i]);
    mpz_clears (n, v, NULL);
    return vk;
}

//  Secret and share files must be private (0600): one that group or others
//  may read is refused, as the site's storage key is.
#define LOADER(kind, type, flags)                                           \
    type *                                                                  \
    he_keyfile_load_##kind (const char *path)                               \
    {                                                                       \
        size_t len = 0;                                                     \
        char *text = NULL;                                                  \
        if (util_file_read (path, HE_KEYFILE_MAX, (flags), &text, &len))   \
            return NULL;                                                    \
        type *obj = he_keyfile_parse_##kind (text, len, path);              \
        OPENSSL_cleanse (text, len);                                        \
        free (text);                                                        \
        return obj;                                                         \
    }
LOADER (public, he_pubkey_t, 0)
LOADER (secret, he_seckey_t, UTIL_FILE_SECRET | UTIL_FILE_PRIVATE)
LOADER (share, he_share_t, UTIL_FILE_SECRET | UTIL_FILE_PRIVATE)
LOADER (verify, he_verify_t, 0)

//  A growable text buffer for the formatters. The first failure is
//  recorded in the error slot and every later call does nothing.
typedef struct {
    char *s;
    size_t len, cap;
    int failed;
} text_t;

static void
s_printf (text_t *t, const char *fmt, ...)
{
    if (t->failed)
        return;
    va_list ap;
    va_start (ap, fmt);
    int n = vsnprintf (NULL, 0, fmt, ap);
    va_end (ap);
    if (n < 0) {
        t->failed = 1;
        util_error (UTIL_EFAIL, "cannot format a key file line");
        return;
    }
    if (t->len + (size_t) n + 1 > t->cap) {
        //  Key files are at most a few kilobytes: the sizes cannot wrap.
        size_t cap = (t->len + (size_t) n + 1) * 2;
        char *s = util_malloc (cap);
        if (!s) {
            t->failed = 1;
            return;
        }
        if (t->s) {
            memcpy (s, t->s, t->len);
            OPENSSL_cleanse (t->s, t->cap);
            free (t->s);
        }
        t->s = s;
        t->cap = cap;
    }
    va_start (ap, fmt);
    vsnprintf (t->s + t->len, t->cap - t->len, fmt, ap);
    va_end (ap);
    t->len += (size_t) n;
}

static void
s_hexline (text_t *t, const char *name, const mpz_t x)
{
    if (t->failed)
        return;
    char *hex = he_mpz_to_hex (x);
    if (!hex) {
        t->failed = 1;
        return;
    }
    s_printf (t, "%s %s\n", name, hex);
    OPENSSL_cleanse (hex, strlen (hex));
    free (hex);
}

static char *
s_finish (text_t *t)
{
    if (t->failed) {
        if (t->s) {
            OPENSSL_cleanse (t->s, t->cap);
            free (t->s);
        }
        util_error_context ("formatting a key file");
        return NULL;
    }
    return t->s;
}

char *
he_keyfile_format_public (const he_pubkey_t *pk)
{
    text_t t = { 0 };
    s_printf (&t, "# Cohort Paillier public key (docs/key-files.md). Safe to share.\n"
                  "cohort-paillier-public v1\nbits %zu\n", he_pubkey_bits (pk));
    s_hexline (&t, "n", he_pubkey_n (pk));
    s_hexline (&t, "hs", he_pubkey_hs (pk));
    return s_finish (&t);
}

char *
he_keyfile_format_secret (const he_seckey_t *sk)
{
    text_t t = { 0 };
    const he_pubkey_t *pk = he_seckey_pubkey (sk);
    s_printf (&t, "# Cohort Paillier SECRET key (docs/key-files.md). Keep private.\n"
                  "cohort-paillier-secret v1\nbits %zu\n", he_pubkey_bits (pk));
    s_hexline (&t, "p", he_seckey_p (sk));
    s_hexline (&t, "q", he_seckey_q (sk));
    s_hexline (&t, "hs", he_pubkey_hs (pk));
    return s_finish (&t);
}

//  The lines that open both threshold files, after their comment: the
//  format tag, the key size and the threshold (docs/key-files.md).
static void
s_threshold_head (text_t *t, const char *tag, const mpz_t n, unsigned parties,
                  unsigned threshold)
{
    s_printf (t, "%s v1\nbits %zu\nparties %u\nthreshold %u\n", tag, mpz_sizeinbase (n, 2),
              parties, threshold);
}

char *
he_keyfile_format_share (const he_share_t *share)
{
    text_t t = { 0 };
    s_printf (&t, "# Cohort threshold key SHARE of party %u (docs/key-files.md).\n"
                  "# Secret: only this party's site may hold it.\n", he_share_index (share));
    s_threshold_head (&t, "cohort-paillier-share", he_share_n (share), he_share_parties (share),
                      he_share_threshold (share));
    s_printf (&t, "index %u\n", he_share_index (share));
    s_hexline (&t, "n", he_share_n (share));
    s_hexline (&t, "v", he_share_v (share));
    s_hexline (&t, "vi", he_share_vi (share));
    s_hexline (&t, "share", he_share_secret (share));
    return s_finish (&t);
}

char *
he_keyfile_format_verify (const he_verify_t *vk)
{
    text_t t = { 0 };
    s_printf (&t, "# Cohort threshold verification keys (docs/key-files.md). Public.\n");
    s_threshold_head (&t, "cohort-paillier-verify", he_verify_n (vk), he_verify_parties (vk),
                      he_verify_threshold (vk));
    s_hexline (&t, "n", he_verify_n (vk));
    s_hexline (&t, "v", he_verify_v (vk));
    for (unsigned i = 1; i <= he_verify_parties (vk); i++) {
        char name [16];
        snprintf (name, sizeof name, "vk%u", i);
        s_hexline (&t, name, he_verify_key (vk, i));
    }
    return s_finish (&t);
}

int
he_keyfile_write (const char *path, const char *text, unsigned mode, int overwrite)
{
    if (util_file_write (path, text, strlen (text), mode, overwrite? UTIL_FILE_REPLACE: 0))
        return util_last_code () == UTIL_EREFUSED
             ? util_error (UTIL_EREFUSED, "%s: already exists (refusing to overwrite a key file)",
                           path)
             : -1;
    return 0;
}
