/*  audit/proof.c - proofs about the log as JSON text (audit/proof.h). */
#include "proof.h"
#include "util/codec.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>

//  Sets key to the base64 of the hash in obj; false if that fails.
static bool
s_set_hash (json_t *obj, const char *key, const audit_hash_t hash)
{
    char text [UTIL_B64_LEN (AUDIT_HASH_LEN)];
    util_b64_encode (text, hash, AUDIT_HASH_LEN);
    return json_object_set_new (obj, key, json_string (text)) == 0;
}

//  The proof object's common part: origin, tree size.
static json_t *
s_head (audit_log_t *log, uint64_t size)
{
    json_t *out = json_object ();
    if (out && json_object_set_new (out, "origin", json_string (audit_log_origin (log))) == 0
    &&  json_object_set_new (out, "tree_size", json_integer ((json_int_t) size)) == 0)
        return out;
    json_decref (out);
    return NULL;
}

//  Adds the root hash of the tree of `size` entries and the path under
//  `path_key`, and returns the object's text; NULL on failure. Consumes
//  out.
static char *
s_finish (json_t *out, audit_log_t *log, uint64_t size, const char *path_key,
          const audit_hash_t *path, size_t len)
{
    audit_hash_t root;
    json_t *list = NULL;
    char *text = NULL;
    if (audit_log_root_at (log, size, root))
        goto done;
    bool ok = s_set_hash (out, "root_hash", root) && (list = json_array ());
    for (size_t i = 0; ok && i < len; i++) {
        char hash [UTIL_B64_LEN (AUDIT_HASH_LEN)];
        util_b64_encode (hash, path [i], AUDIT_HASH_LEN);
        ok = json_array_append_new (list, json_string (hash)) == 0;
    }
    if (ok) {
        ok = json_object_set_new (out, path_key, list) == 0;
        list = NULL;                    //  taken by out, or freed by the call
    }
    if (ok)
        text = json_dumps (out, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
    if (!text)
        util_error (UTIL_ENOMEM, "out of memory");
done:
    json_decref (list);
    json_decref (out);
    return text;
}

char *
audit_proof_inclusion_json (audit_log_t *log, uint64_t index, uint64_t size)
{
    audit_hash_t path [AUDIT_PROOF_MAX], leaf;
    size_t len = 0;
    char *entry = NULL;
    char *text = NULL;
    if (audit_log_inclusion_proof (log, index, size, leaf, path, &len)
    ||  !(entry = audit_log_entry_json (log, index)))
        goto done;
    json_t *parsed = json_loads (entry, 0, NULL);
    json_t *out = s_head (log, size);
    bool ok = parsed && out
           && json_object_set_new (out, "index", json_integer ((json_int_t) index)) == 0
           && s_set_hash (out, "leaf_hash", leaf);
    if (ok)
        ok = json_object_set_new (out, "entry", parsed) == 0;  //  takes parsed either way
    else
        json_decref (parsed);
    if (!ok) {
        json_decref (out);
        util_error (UTIL_ENOMEM, "out of memory");
        goto done;
    }
    text = s_finish (out, log, size, "inclusion_path", path, len);
done:
    free (entry);
    return text;
}

char *
audit_proof_consistency_json (audit_log_t *log, uint64_t old_size, uint64_t size)
{
    audit_hash_t path [AUDIT_PROOF_MAX], old_root;
    size_t len = 0;
    if (audit_log_consistency_proof (log, old_size, size, path, &len)
    ||  audit_log_root_at (log, old_size, old_root))
        return NULL;
    json_t *out = s_head (log, size);
    if (!out
    ||  json_object_set_new (out, "old_size", json_integer ((json_int_t) old_size))
    ||  !s_set_hash (out, "old_root_hash", old_root)) {
        json_decref (out);
        return util_error_null (UTIL_ENOMEM, "out of memory");
    }
    return s_finish (out, log, size, "consistency_path", path, len);
}
