/*  audit/audit_internal.h - private to audit/: errors and small codecs. */
#ifndef AUDIT_INTERNAL_H
#define AUDIT_INTERNAL_H

#include "audit.h"

#include "log.h"
#include "merkle.h"

#include <stdbool.h>

/*  Records a printf-style message as this thread's last error. Returns -1 so
    that `return audit_error ("...")` reads naturally. */
int audit_error (const char *fmt, ...) __attribute__((format (printf, 1, 2)));

/*  Standard base64 (RFC 4648 s.4, with padding). audit_b64_encode writes
    4*ceil(len/3) characters plus a NUL into `out`, which must hold
    AUDIT_B64_LEN(len) bytes. */
#define AUDIT_B64_LEN(len) ((((len) + 2) / 3) * 4 + 1)
void audit_b64_encode (char *out, const uint8_t *data, size_t len);

/*  Decodes exactly `text_len` characters of strict padded base64 into `out`
    (capacity `cap`): no whitespace, no missing or extra padding, and unused
    trailing bits must be zero, so every value has exactly one encoding.
    Sets *out_len. Returns 0, or -1 if the text is not canonical base64 or
    does not fit. */
int audit_b64_decode (uint8_t *out, size_t cap, size_t *out_len,
                      const char *text, size_t text_len) AUDIT_WUR;

/*  Lower-case hex of `len` bytes into `out` (2*len + 1 bytes). */
void audit_hex_encode (char *out, const uint8_t *data, size_t len);

/*  The log file's format tag (meta key "format"). */
#define AUDIT_LOG_FORMAT "cohort-audit-log-1"

/*  Longest leaf data: index, time, three lengths and the three fields. */
#define AUDIT_ENTRY_ENCODED_MAX \
    (8 + 8 + 1 + AUDIT_KIND_MAX + 2 + AUDIT_ACTOR_MAX + 4 + AUDIT_DETAIL_MAX)

/*  Computes the leaf hash of an entry from its fields (audit/log.h gives
    the layout), using `buf` (AUDIT_ENTRY_ENCODED_MAX bytes) as scratch.
    Returns 0, or -1 if a field is longer than its limit. */
int audit_entry_leaf (audit_hash_t leaf, uint8_t *buf, uint64_t index,
                      int64_t time_ms, const char *kind, size_t kind_len,
                      const char *actor, size_t actor_len,
                      const char *detail, size_t detail_len);

/*  Reads the whole file at `path` into a new NUL-terminated buffer (the
    caller frees it). Fails, naming the file, if it cannot be read or holds
    more than `max` bytes. Returns 0 or -1. */
int audit_read_file (const char *path, size_t max, char **out, size_t *len);

#endif
