/*  audit/audit_internal.h - private to audit/: the leaf encoding. */
#ifndef AUDIT_INTERNAL_H
#define AUDIT_INTERNAL_H

#include "audit.h"
#include "util/alloc.h"
#include "util/codec.h"
#include "util/error.h"
#include "util/file.h"

#include "log.h"
#include "merkle.h"

#include <stdbool.h>

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


#endif
