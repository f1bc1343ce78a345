/*  audit/key.h - Ed25519 signing and verifier keys for checkpoints.

    Keys follow the text form of Go's signed-note keys (golang.org/x/mod/
    sumdb/note, the C2SP signed-note ecosystem):

        verifier key  <name>+<keyid>+<base64(0x01 || public key)>
        signer key    PRIVATE+KEY+<name>+<keyid>+<base64(0x01 || private key)>

    name is 1..AUDIT_KEY_NAME_MAX printable ASCII characters without space
    or '+'; 0x01 is the Ed25519 algorithm byte; the public and private keys
    are the 32-byte RFC 8032 values; keyid is 8 lower-case hex digits, the
    first 4 bytes of SHA-256(name || "\n" || 0x01 || public key). A key file
    holds exactly one such line ending in "\n" and nothing else. A signer
    key file must not be readable by group or others (mode 0600).

    Contents
        audit_signer_t              a signer key (secret)
        audit_signer_generate       a new one from the CSPRNG
        audit_signer_parse, audit_signer_load   one from text or a file
        audit_signer_save           to a new file, mode 0600
        audit_signer_text           its key line (secret)
        audit_signer_verifier_text  its verifier's key line
        audit_key_text_free         wipes and frees a signer key line
        audit_signer_name, audit_signer_keyid   its name and key id
        audit_signer_sign           an Ed25519 signature
        audit_signer_destroy        wipes and frees
        audit_verifier_t            a verifier key (public)
        audit_verifier_parse, audit_verifier_load   one from text or a file
        audit_verifier_text         its key line
        audit_verifier_name, audit_verifier_keyid   its name and key id
        audit_verifier_verify       checks a signature
        audit_verifier_destroy      frees

    Keys are the caller's (audit_signer_destroy, which wipes, and
    audit_verifier_destroy; NULL-safe), and so are key lines: a signer key
    line is freed with audit_key_text_free, which wipes it, every other line
    with free(). A signer key's file text and decoded bytes are wiped once
    parsed. Names and key ids are borrowed from their key. Errors are -1 /
    NULL with the reason in the error slot (util/error.h).
*/
#ifndef AUDIT_KEY_H
#define AUDIT_KEY_H

#include "audit.h"

#define AUDIT_KEY_NAME_MAX   64
#define AUDIT_KEY_ID_LEN      4
#define AUDIT_ED25519_LEN    32
#define AUDIT_SIGNATURE_LEN  64
#define AUDIT_KEY_TEXT_MAX  256      //  longest key line, newline excluded

typedef struct _audit_signer_t audit_signer_t;
typedef struct _audit_verifier_t audit_verifier_t;

/*  A new Ed25519 key named `name`, from OpenSSL's CSPRNG. Returns the key,
    or NULL if the name is invalid or generation fails. */
audit_signer_t *audit_signer_generate (const char *name);

/*  Parses a signer key line (no newline). Returns the key or NULL. */
audit_signer_t *audit_signer_parse (const char *text, size_t len);

/*  Reads a signer key file (format above, mode 0600 or stricter). Returns
    the key, or NULL naming the file and what is wrong with it. */
audit_signer_t *audit_signer_load (const char *path);

/*  Writes the signer key line to a new file created with mode 0600; an
    existing file is never overwritten. Returns 0 or -1. */
int audit_signer_save (const audit_signer_t *self, const char *path) AUDIT_WUR;

/*  The signer key line, or its verifier key line (no newline); the caller
    frees the first with audit_key_text_free, the second with free(). NULL
    on out of memory. */
char *audit_signer_text (const audit_signer_t *self);
char *audit_signer_verifier_text (const audit_signer_t *self);

/*  Wipes and frees a signer key line. NULL-safe. */
void audit_key_text_free (char *text);

/*  The key's name and 4-byte key id. Borrowed. */
const char *audit_signer_name (const audit_signer_t *self);
const uint8_t *audit_signer_keyid (const audit_signer_t *self);

/*  Signs msg[0:len] (Ed25519, RFC 8032 s.5.1.6) into sig. Returns 0 or -1. */
int audit_signer_sign (const audit_signer_t *self,
                       uint8_t sig [AUDIT_SIGNATURE_LEN],
                       const void *msg, size_t len) AUDIT_WUR;

/*  Wipes and frees the key, sets *self_p to NULL. NULL-safe. */
void audit_signer_destroy (audit_signer_t **self_p);

/*  Parses a verifier key line (no newline). Returns the key or NULL. */
audit_verifier_t *audit_verifier_parse (const char *text, size_t len);

/*  Reads a verifier key file. Returns the key, or NULL naming the file. */
audit_verifier_t *audit_verifier_load (const char *path);

/*  The verifier key line (caller frees). NULL on out of memory. */
char *audit_verifier_text (const audit_verifier_t *self);

const char *audit_verifier_name (const audit_verifier_t *self);
const uint8_t *audit_verifier_keyid (const audit_verifier_t *self);

/*  Returns 0 if sig is a valid Ed25519 signature of msg[0:len] by this key
    (RFC 8032 s.5.1.7), -1 otherwise. */
int audit_verifier_verify (const audit_verifier_t *self,
                           const uint8_t sig [AUDIT_SIGNATURE_LEN],
                           const void *msg, size_t len) AUDIT_WUR;

/*  Frees the key, sets *self_p to NULL. NULL-safe. */
void audit_verifier_destroy (audit_verifier_t **self_p);

#endif
