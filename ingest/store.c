/*  ingest/store.c - the ingest store: device registry, group-committed
    sealed records and persisted replay marks (ingest/store.h). */
#include "store.h"
#include "util/alloc.h"
#include "util/codec.h"
#include "util/sqlite.h"
#include "fhir.h"
#include "replay.h"
#include "ingest_internal.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_NONCE 12
#define S_NONCE_POOL 256           //  nonces drawn per RAND_bytes call
#define S_PATIENT_MAX 80
#define S_SEALED_SECRET (S_NONCE + INGEST_SECRET_LEN + INGEST_TAG_LEN)
#define S_AAD_MAX 256               //  the longest associated data below
//  What the associated data of sealed records and device secrets binds
//  (meta 'seal_version'): 1, the device and place only; 2, the patient
//  too (and a record's code and time). A store without the row is at 1.
#define S_SEAL_VERSION 2
static const char s_check_text [] = "cohort-ingest-storage-key-check";

typedef struct {
    char id [INGEST_DEVICE_ID_MAX + 1];
    char patient [S_PATIENT_MAX + 1];
    char *identifiers [INGEST_STORE_IDENTIFIERS_MAX];  //  "system|value", owned
    size_t n_identifiers;
    uint32_t epoch;
    int64_t expires_ms;
    bool revoked;
    uint8_t secret [INGEST_SECRET_LEN];
    ingest_replay_t window;
    ingest_replay_t saved;                //  window before the current batch
    bool touched;                       //  accepted a frame in this batch
} device_t;

struct _ingest_store_t {
    sqlite3 *db;
    char *path;
    uint8_t key [INGEST_STORAGE_KEY_LEN];
    audit_log_t *audit;
    device_t *devices;                  //  all enrolled devices
    size_t ndevices, cap;
    uint32_t *index;                    //  1 + a device's place, by its id's hash; 0 empty
    size_t index_cap;                   //  a power of 2
    uint64_t counts [INGEST_REASON_COUNT];
    sqlite3_stmt *insert;
    sqlite3_stmt *mark;
    EVP_CIPHER *gcm;                    //  fetched once: no implicit fetch per record
    EVP_CIPHER_CTX *ctx;
    EVP_CIPHER_CTX *seal_ctx;           //  keyed once with the storage key
    uint8_t nonces [S_NONCE * S_NONCE_POOL];    //  fresh random nonces, drawn in bulk
    size_t nonces_left;
    uint8_t *payload;                   //  INGEST_PAYLOAD_MAX scratch
    uint8_t *sealed;                    //  sealed record scratch
};

static const char s_schema [] =
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS devices (id TEXT PRIMARY KEY, patient TEXT NOT NULL,"
    " epoch INTEGER NOT NULL, expires_ms INTEGER NOT NULL, revoked INTEGER NOT NULL,"
    " secret BLOB NOT NULL, mark INTEGER, identifiers TEXT);"
    "CREATE TABLE IF NOT EXISTS records (id INTEGER PRIMARY KEY, device TEXT NOT NULL,"
    " epoch INTEGER NOT NULL, seq INTEGER NOT NULL, patient TEXT NOT NULL, loinc TEXT NOT NULL,"
    " effective_ms INTEGER NOT NULL, received_ms INTEGER NOT NULL, sealed BLOB NOT NULL,"
    " censored INTEGER NOT NULL DEFAULT 0, UNIQUE (device, epoch, seq));";

static int
s_sql_error (ingest_store_t *self, const char *what)
{
    return util_sqlite_fail (self->db, self->path, what);
}

static int
s_prepare (ingest_store_t *self, const char *sql, sqlite3_stmt **st)
{
    return sqlite3_prepare_v2 (self->db, sql, -1, st, NULL) == SQLITE_OK? 0
         : s_sql_error (self, "preparing a statement");
}

static int
s_exec (ingest_store_t *self, const char *sql)
{
    return util_sqlite_exec (self->db, self->path, sql);
}

//  AES-256-GCM under the storage key: out = nonce || ciphertext || tag.
//  `aad` binds the sealed value to its place.
static int
s_seal (ingest_store_t *self, uint8_t *out, const uint8_t *in, size_t len,
        const void *aad, size_t aad_len)
{
    //  The key schedule is done once (ingest_store_open); only the nonce
    //  changes. Nonces are drawn S_NONCE_POOL at a time and used once (a
    //  store handle, like its SQLite connection, never crosses a fork).
    if (self->nonces_left == 0) {
        if (RAND_bytes (self->nonces, sizeof self->nonces) != 1)
            return util_error (UTIL_EFAIL, "%s: no random nonce for sealing", self->path);
        self->nonces_left = S_NONCE_POOL;
    }
    self->nonces_left--;
    uint8_t *nonce = self->nonces + self->nonces_left * S_NONCE;
    memcpy (out, nonce, S_NONCE);
    OPENSSL_cleanse (nonce, S_NONCE);
    EVP_CIPHER_CTX *ctx = self->seal_ctx;
    int n = 0, fin = 0;
    int ok = EVP_EncryptInit_ex2 (ctx, NULL, NULL, out, NULL) == 1
          && EVP_EncryptUpdate (ctx, NULL, &n, aad, (int) aad_len) == 1
          && EVP_EncryptUpdate (ctx, out + S_NONCE, &n, in, (int) len) == 1
          && EVP_EncryptFinal_ex (ctx, out + S_NONCE + n, &fin) == 1
          && EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_AEAD_GET_TAG, INGEST_TAG_LEN,
                                  out + S_NONCE + len) == 1;
    return ok? 0: util_error (UTIL_EFAIL, "%s: sealing under the storage key failed", self->path);
}

static int
s_unseal (ingest_store_t *self, uint8_t *out, const uint8_t *in, size_t len,
          const void *aad, size_t aad_len)
{
    if (len < S_NONCE + INGEST_TAG_LEN)
        return util_error (UTIL_EINPUT, "%s: sealed value is too short", self->path);
    size_t clen = len - S_NONCE - INGEST_TAG_LEN;
    EVP_CIPHER_CTX *ctx = self->ctx;
    int n = 0, fin = 0;
    int ok = EVP_DecryptInit_ex2 (ctx, self->gcm, self->key, in, NULL) == 1
          && EVP_DecryptUpdate (ctx, NULL, &n, aad, (int) aad_len) == 1
          && EVP_DecryptUpdate (ctx, out, &n, in + S_NONCE, (int) clen) == 1
          && EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_AEAD_SET_TAG, INGEST_TAG_LEN,
                                  (void *) (in + S_NONCE + clen)) == 1
          && EVP_DecryptFinal_ex (ctx, out + n, &fin) == 1;
    if (!ok) {
        OPENSSL_cleanse (out, clen);
        return util_error (UTIL_EFAIL, "%s: a sealed value does not open under this storage key",
                           self->path);
    }
    return 0;
}

//  Appends a string and its terminating 0 to the AAD at *at.
static void
s_aad_text (uint8_t *aad, size_t *at, const char *text)
{
    size_t len = strlen (text) + 1;
    memcpy (aad + *at, text, len);
    *at += len;
}

//  Appends `bytes` big-endian bytes of v.
static void
s_aad_int (uint8_t *aad, size_t *at, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        aad [(*at)++] = (uint8_t) (v >> (8 * (bytes - 1 - i)));
}

//  AAD of a device's sealed secret. Version 1: "device" || id || epoch;
//  version 2: "device2" || id || 0 || patient || 0 || epoch, so that a
//  secret moved to another patient's device row does not open.
static size_t
s_device_aad (uint8_t aad [S_AAD_MAX], int version, const char *id, const char *patient,
              uint32_t epoch)
{
    size_t at = 0;
    if (version < 2) {
        memcpy (aad, "device", 6);
        memcpy (aad + 6, id, strlen (id));
        at = 6 + strlen (id);
    }
    else {
        s_aad_text (aad, &at, "device2");
        s_aad_text (aad, &at, id);
        s_aad_text (aad, &at, patient);
    }
    s_aad_int (aad, &at, epoch, 4);
    return at;
}

//  Where a record sits: its row's clear columns, which its AAD binds.
typedef struct {
    const char *device, *patient, *loinc;
    uint32_t epoch;
    uint64_t seq;
    int64_t effective_ms;
} s_place_t;

//  AAD of a record. Version 1: "record" || device || 0 || epoch ||
//  sequence; version 2: "record2" || device || 0 || patient || 0 || loinc
//  || 0 || epoch || sequence || effective time, so that a sealed record
//  moved to another patient's row (or given another code or time) does
//  not open.
static size_t
s_record_aad (uint8_t aad [S_AAD_MAX], int version, const s_place_t *p)
{
    size_t at = 0;
    s_aad_text (aad, &at, version < 2? "record": "record2");
    if (version < 2)
        at--;       //  version 1 has no 0 after its label
    s_aad_text (aad, &at, p->device);
    if (version >= 2) {
        s_aad_text (aad, &at, p->patient);
        s_aad_text (aad, &at, p->loinc);
    }
    s_aad_int (aad, &at, p->epoch, 4);
    s_aad_int (aad, &at, p->seq, 8);
    if (version >= 2)
        s_aad_int (aad, &at, (uint64_t) p->effective_ms, 8);
    return at;
}

//  FNV-1a of a device id: where it sits in the index (the id is public).
static uint32_t
s_hash (const char *id)
{
    uint32_t h = 2166136261u;
    for (; *id; id++)
        h = (h ^ (uint8_t) *id) * 16777619u;
    return h;
}

static device_t *
s_find (ingest_store_t *self, const char *id)
{
    //  Every frame looks its device up: an open-addressed index (linear
    //  probing), at most half full, instead of a scan of the registry.
    if (!self->index)
        return NULL;
    size_t mask = self->index_cap - 1;
    for (size_t at = s_hash (id) & mask; self->index [at]; at = (at + 1) & mask) {
        device_t *d = &self->devices [self->index [at] - 1];
        if (strcmp (d->id, id) == 0)
            return d;
    }
    return NULL;
}

//  Puts devices [i] into the index, which has room.
static void
s_index_put (ingest_store_t *self, size_t i)
{
    size_t mask = self->index_cap - 1;
    size_t at = s_hash (self->devices [i].id) & mask;
    while (self->index [at])
        at = (at + 1) & mask;
    self->index [at] = (uint32_t) i + 1;
}

//  A new zeroed device named `id` (valid, not in the registry) at the end
//  of the registry, or NULL (UTIL_ENOMEM).
static device_t *
s_add (ingest_store_t *self, const char *id)
{
    if (self->ndevices == self->cap) {
        //  Not realloc: the old array holds device secrets, and is wiped
        //  before it is freed.
        size_t cap = self->cap? 2 * self->cap: 16;
        device_t *grown = util_calloc (cap, sizeof *grown);
        if (!grown)
            return util_error_null (UTIL_ENOMEM, "%s: out of memory (%zu devices)", self->path,
                                    cap);
        if (self->devices) {
            memcpy (grown, self->devices, self->ndevices * sizeof *grown);
            util_cleanse (self->devices, self->cap * sizeof *self->devices);
            free (self->devices);
        }
        self->devices = grown;
        self->cap = cap;
    }
    if (2 * (self->ndevices + 1) > self->index_cap) {
        //  Kept at most half full; rebuilt at twice the size (a registry
        //  of n devices holds fewer than UINT32_MAX: each is a row).
        size_t cap = self->index_cap? 2 * self->index_cap: 64;
        uint32_t *index = util_calloc (cap, sizeof *index);
        if (!index)
            return util_error_null (UTIL_ENOMEM, "%s: out of memory (an index of %zu devices)",
                                    self->path, cap);
        free (self->index);
        self->index = index;
        self->index_cap = cap;
        for (size_t i = 0; i < self->ndevices; i++)
            s_index_put (self, i);
    }
    device_t *d = &self->devices [self->ndevices++];
    memset (d, 0, sizeof *d);
    snprintf (d->id, sizeof d->id, "%s", id);
    s_index_put (self, self->ndevices - 1);
    return d;
}

static void
s_free_identifiers (device_t *d)
{
    for (size_t i = 0; i < d->n_identifiers; i++)
        free (d->identifiers [i]);
    memset (d->identifiers, 0, sizeof d->identifiers);
    d->n_identifiers = 0;
}

//  One identifier "system|value" (the length already checked): a system
//  of printable ASCII without '|' or space, then a value of printable
//  ASCII. True if it is well formed.
static bool
s_identifier_ok (const char *text)
{
    const char *bar = strchr (text, '|');
    if (!bar || bar == text || !bar [1])
        return false;
    for (const char *c = text; *c; c++)
        if (*c < 0x20 || *c > 0x7e || (c < bar && *c == ' '))
            return false;
    return true;
}

//  The checks of ingest_store_enroll on n identifiers: the count first,
//  then each one's length (before reading further), its form, and
//  duplicates. Messages name an identifier by position, not by value.
static int
s_identifiers_check (const char *const *ids, size_t n)
{
    if (n > INGEST_STORE_IDENTIFIERS_MAX)
        return util_error (UTIL_ELIMIT, "a patient has at most %d identifiers, not %zu",
                           INGEST_STORE_IDENTIFIERS_MAX, n);
    if (n && !ids)
        return util_error (UTIL_EINPUT, "identifiers: %zu announced, none given", n);
    for (size_t i = 0; i < n; i++) {
        if (!ids [i] || strnlen (ids [i], INGEST_STORE_IDENTIFIER_LEN + 1)
                        > INGEST_STORE_IDENTIFIER_LEN)
            return util_error (UTIL_ELIMIT, "identifier %zu: missing, or longer than %d bytes",
                               i + 1, INGEST_STORE_IDENTIFIER_LEN);
        if (!s_identifier_ok (ids [i]))
            return util_error (UTIL_EINPUT, "identifier %zu must be system|value: a system "
                               "without spaces and a value, both printable ASCII", i + 1);
        for (size_t k = 0; k < i; k++)
            if (strcmp (ids [k], ids [i]) == 0)
                return util_error (UTIL_EINPUT, "identifier %zu repeats identifier %zu", i + 1,
                                   k + 1);
    }
    return 0;
}

//  Copies n checked identifiers into d (which holds none). 0 or -1.
static int
s_set_identifiers (device_t *d, const char *const *ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!(d->identifiers [i] = util_strdup (ids [i]))) {
            s_free_identifiers (d);
            return -1;
        }
        d->n_identifiers = i + 1;
    }
    return 0;
}

//  The identifiers column: a JSON array of strings, or NULL (*text) for
//  none. 0 or -1 (out of memory).
static int
s_identifiers_text (const device_t *d, char **text)
{
    *text = NULL;
    if (d->n_identifiers == 0)
        return 0;
    json_t *list = json_array ();
    for (size_t i = 0; list && i < d->n_identifiers; i++)
        if (json_array_append_new (list, json_string (d->identifiers [i]))) {
            json_decref (list);
            list = NULL;
        }
    *text = list? json_dumps (list, JSON_COMPACT): NULL;
    json_decref (list);
    return *text? 0: util_error (UTIL_ENOMEM, "out of memory (device %s's identifiers)", d->id);
}

//  Reads a device row's identifiers column (NULL: none) into d. The text
//  is capped before it is parsed, the list before it is read.
static int
s_identifiers_load (ingest_store_t *self, device_t *d, const char *text, size_t len)
{
    if (!text)
        return 0;
    //  Printable ASCII escapes to at most two bytes a character.
    if (len > INGEST_STORE_IDENTIFIERS_MAX * (2 * INGEST_STORE_IDENTIFIER_LEN + 3) + 2)
        return util_error (UTIL_EFAIL, "%s: device %s: the identifiers are damaged", self->path,
                           d->id);
    json_error_t err;
    json_t *list = json_loadb (text, len, JSON_REJECT_DUPLICATES, &err);
    const char *ids [INGEST_STORE_IDENTIFIERS_MAX];
    size_t n = json_is_array (list)? json_array_size (list): 0;
    int rc = -1;
    if (!list && json_error_code (&err) == json_error_out_of_memory) {
        util_error (UTIL_ENOMEM, "%s: out of memory reading device %s", self->path, d->id);
        goto done;
    }
    if (!json_is_array (list) || n == 0 || n > INGEST_STORE_IDENTIFIERS_MAX) {
        util_error (UTIL_EFAIL, "%s: device %s: the identifiers are damaged", self->path, d->id);
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if (!(ids [i] = json_string_value (json_array_get (list, i)))) {
            util_error (UTIL_EFAIL, "%s: device %s: the identifiers are damaged", self->path,
                        d->id);
            goto done;
        }
    if (s_identifiers_check (ids, n)) {
        util_error_context ("%s: device %s (damaged)", self->path, d->id);
        goto done;
    }
    rc = s_set_identifiers (d, ids, n)? util_error_context ("%s", self->path): 0;
done:
    json_decref (list);
    return rc;
}

static int
s_load_devices (ingest_store_t *self)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2 (self->db, "SELECT id, patient, epoch, expires_ms, revoked, secret,"
                            " mark, identifiers FROM devices", -1, &st, NULL) != SQLITE_OK)
        return s_sql_error (self, "reading devices");
    int step;
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        const char *id = (const char *) sqlite3_column_text (st, 0);
        const char *patient = (const char *) sqlite3_column_text (st, 1);
        if (!id || !ingest_device_id_ok (id) || !patient || strlen (patient) > S_PATIENT_MAX
        ||  sqlite3_column_bytes (st, 5) != S_SEALED_SECRET) {
            util_error (UTIL_EFAIL, "%s: a device row is damaged", self->path);
            goto done;
        }
        device_t *d = s_add (self, id);
        if (!d)
            goto done;
        snprintf (d->patient, sizeof d->patient, "%s", patient);
        d->epoch = (uint32_t) sqlite3_column_int64 (st, 2);
        d->expires_ms = sqlite3_column_int64 (st, 3);
        d->revoked = sqlite3_column_int (st, 4) != 0;
        //  Loaded after s_migrate: every secret is at the current version.
        uint8_t aad [S_AAD_MAX];
        if (s_unseal (self, d->secret, sqlite3_column_blob (st, 5), S_SEALED_SECRET, aad,
                      s_device_aad (aad, S_SEAL_VERSION, d->id, d->patient, d->epoch))) {
            util_error (UTIL_EFAIL, "%s: device %s: its secret does not open: it was sealed for "
                        "another device row (patient or epoch changed) or under another key",
                        self->path, d->id);
            goto done;
        }
        if (sqlite3_column_type (st, 6) == SQLITE_NULL)
            ingest_replay_init (&d->window);
        else
            ingest_replay_restore (&d->window, (uint64_t) sqlite3_column_int64 (st, 6));
        const char *ids = NULL;
        if (sqlite3_column_type (st, 7) != SQLITE_NULL
        &&  !(ids = (const char *) sqlite3_column_text (st, 7))) {
            util_error (UTIL_ENOMEM, "%s: out of memory reading devices", self->path);
            goto done;
        }
        if (s_identifiers_load (self, d, ids, (size_t) sqlite3_column_bytes (st, 7)))
            goto done;
    }
    rc = step == SQLITE_DONE? 0: s_sql_error (self, "reading devices");
done:
    sqlite3_finalize (st);
    return rc;
}

//  True (1) if `table` has `column`, 0 if not, -1 on error.
static int
s_has_column (ingest_store_t *self, const char *table, const char *column)
{
    sqlite3_stmt *st = NULL;
    char sql [64];
    snprintf (sql, sizeof sql, "PRAGMA table_info (%s)", table);
    if (sqlite3_prepare_v2 (self->db, sql, -1, &st, NULL) != SQLITE_OK)
        return s_sql_error (self, "reading the schema");
    int found = 0, step = SQLITE_DONE;
    while (!found && (step = sqlite3_step (st)) == SQLITE_ROW) {
        const char *name = (const char *) sqlite3_column_text (st, 1);
        found = name && strcmp (name, column) == 0;
    }
    if (!found && step != SQLITE_DONE)
        found = s_sql_error (self, "reading the schema");
    sqlite3_finalize (st);
    return found;
}

//  True if the Observation's value, or a component's, has a comparator.
//  -1 if the payload cannot be read (out of memory, or a record that was
//  JSON when it was taken is not: damage).
static int
s_has_comparator (const uint8_t *payload, size_t len)
{
    json_error_t err;
    json_t *root = json_loadb ((const char *) payload, len, 0, &err);
    if (!root)
        return json_error_code (&err) == json_error_out_of_memory
             ? util_error (UTIL_ENOMEM, "out of memory (reading a record's payload)")
             : util_error (UTIL_EFAIL, "a record's payload is not JSON");
    int found = json_object_get (json_object_get (root, "valueQuantity"), "comparator") != NULL;
    size_t i;
    json_t *c;
    json_array_foreach (json_object_get (root, "component"), i, c)
        found |= json_object_get (json_object_get (c, "valueQuantity"), "comparator") != NULL;
    json_decref (root);
    return found;
}

#define S_MIGRATE_STEP 256

//  The place of record `id` from a row whose columns 1..3 are device,
//  epoch, seq and 5..7 patient, loinc, effective_ms (device checked by
//  the caller). 0, or -1 naming the row.
static int
s_place (ingest_store_t *self, sqlite3_stmt *st, int64_t id, const char *device, s_place_t *p)
{
    p->device = device;
    p->epoch = (uint32_t) sqlite3_column_int64 (st, 2);
    p->seq = (uint64_t) sqlite3_column_int64 (st, 3);
    p->patient = (const char *) sqlite3_column_text (st, 5);
    p->loinc = (const char *) sqlite3_column_text (st, 6);
    p->effective_ms = sqlite3_column_int64 (st, 7);
    //  Both columns are NOT NULL: no text is out of memory.
    if (!p->patient || !p->loinc)
        return util_error (UTIL_ENOMEM, "%s: out of memory reading record %lld", self->path,
                           (long long) id);
    if (strlen (p->patient) > S_PATIENT_MAX || strlen (p->loinc) > 15)
        return util_error (UTIL_EFAIL, "%s: record %lld is damaged (its patient or code)",
                           self->path, (long long) id);
    return 0;
}

//  A store written before records had a censored flag: adds the column
//  and sets it for every record whose sealed payload has a comparator
//  (such readings were taken as exact values then). Runs inside the
//  open's transaction; a record that does not unseal fails the open.
static int
s_migrate_censored (ingest_store_t *self, int version)
{
    sqlite3_stmt *st = NULL, *up = NULL;
    int64_t last = 0, censored [S_MIGRATE_STEP];
    int rc = -1;
    if (s_exec (self, "ALTER TABLE records ADD COLUMN censored INTEGER NOT NULL DEFAULT 0")
    ||  s_prepare (self, "SELECT id, device, epoch, seq, sealed, patient, loinc, effective_ms"
                   " FROM records WHERE id > ? ORDER BY id LIMIT ?", &st)
    ||  s_prepare (self, "UPDATE records SET censored = 1 WHERE id = ?", &up))
        goto done;
    //  In steps: the rows are updated only after the step's reads are over.
    while (true) {
        size_t rows = 0, n = 0;
        int step;
        sqlite3_reset (st);
        sqlite3_bind_int64 (st, 1, last);
        sqlite3_bind_int (st, 2, S_MIGRATE_STEP);
        while ((step = sqlite3_step (st)) == SQLITE_ROW) {
            rows++;
            last = sqlite3_column_int64 (st, 0);
            const char *device = (const char *) sqlite3_column_text (st, 1);
            size_t slen = (size_t) sqlite3_column_bytes (st, 4);
            if (!device || !ingest_device_id_ok (device) || slen < S_NONCE + INGEST_TAG_LEN
            ||  slen - S_NONCE - INGEST_TAG_LEN > INGEST_PAYLOAD_MAX) {
                util_error (UTIL_EFAIL, "%s: record %lld is damaged: the store cannot be "
                            "migrated", self->path, (long long) last);
                goto done;
            }
            s_place_t place;
            uint8_t aad [S_AAD_MAX];
            if (s_place (self, st, last, device, &place)) {
                util_error_context ("the store cannot be migrated");
                goto done;
            }
            size_t alen = s_record_aad (aad, version, &place);
            if (s_unseal (self, self->payload, sqlite3_column_blob (st, 4), slen, aad, alen)) {
                util_error_context ("record %lld (the store cannot be migrated)",
                                    (long long) last);
                goto done;
            }
            int has = s_has_comparator (self->payload, slen - S_NONCE - INGEST_TAG_LEN);
            OPENSSL_cleanse (self->payload, slen - S_NONCE - INGEST_TAG_LEN);
            if (has < 0) {
                util_error_context ("%s: record %lld (the store cannot be migrated)", self->path,
                                    (long long) last);
                goto done;
            }
            if (has)
                censored [n++] = last;
        }
        if (step != SQLITE_DONE) {
            s_sql_error (self, "migrating records");
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            sqlite3_reset (up);
            sqlite3_bind_int64 (up, 1, censored [i]);
            if (sqlite3_step (up) != SQLITE_DONE) {
                s_sql_error (self, "migrating records");
                goto done;
            }
        }
        if (rows < S_MIGRATE_STEP)
            break;
    }
    rc = 0;
done:
    sqlite3_finalize (st);
    sqlite3_finalize (up);
    return rc;
}

//  The store's seal version (meta 'seal_version'; 1 when there is none)
//  into *version. 0 or -1.
static int
s_seal_version (ingest_store_t *self, int *version)
{
    sqlite3_stmt *st = NULL;
    if (s_prepare (self, "SELECT value FROM meta WHERE key = 'seal_version'", &st))
        return -1;
    int step = sqlite3_step (st), rc = 0;
    *version = 1;
    if (step == SQLITE_ROW) {
        sqlite3_int64 v = sqlite3_column_int64 (st, 0);
        if (sqlite3_column_type (st, 0) != SQLITE_INTEGER)
            rc = util_error (UTIL_EINPUT, "%s: the seal version is damaged", self->path);
        else
        if (v < 1 || v > S_SEAL_VERSION)
            rc = util_error (UTIL_EINPUT, "%s: seal version %lld is not one this build reads "
                             "(1..%d)", self->path, (long long) v, S_SEAL_VERSION);
        else
            *version = (int) v;
    }
    else
    if (step != SQLITE_DONE)
        rc = s_sql_error (self, "reading meta");
    sqlite3_finalize (st);
    return rc;
}

//  Re-seals every device secret from seal version `from` to
//  S_SEAL_VERSION (the caller's transaction). A secret that does not open
//  fails the migration, naming its device.
static int
s_reseal_devices (ingest_store_t *self, int from)
{
    sqlite3_stmt *st = NULL, *up = NULL;
    uint8_t secret [INGEST_SECRET_LEN], sealed [S_SEALED_SECRET], aad [S_AAD_MAX];
    char id [INGEST_DEVICE_ID_MAX + 1] = "";
    int rc = -1, step;
    if (s_prepare (self, "SELECT id, patient, epoch, secret FROM devices WHERE id > ?"
                   " ORDER BY id LIMIT 1", &st)
    ||  s_prepare (self, "UPDATE devices SET secret = ? WHERE id = ?", &up))
        goto done;
    //  One row at a time: each update runs with no read open on the table.
    while (sqlite3_reset (st), sqlite3_bind_text (st, 1, id, -1, SQLITE_TRANSIENT),
           (step = sqlite3_step (st)) == SQLITE_ROW) {
        const char *text = (const char *) sqlite3_column_text (st, 0);
        const char *patient = (const char *) sqlite3_column_text (st, 1);
        uint32_t epoch = (uint32_t) sqlite3_column_int64 (st, 2);
        if (!text || !ingest_device_id_ok (text) || !patient || strlen (patient) > S_PATIENT_MAX
        ||  sqlite3_column_bytes (st, 3) != S_SEALED_SECRET) {
            util_error (UTIL_EFAIL, "%s: a device row is damaged: the store cannot be migrated",
                        self->path);
            goto done;
        }
        snprintf (id, sizeof id, "%s", text);
        if (s_unseal (self, secret, sqlite3_column_blob (st, 3), S_SEALED_SECRET, aad,
                      s_device_aad (aad, from, id, patient, epoch))) {
            util_error (UTIL_EFAIL, "%s: device %s: its secret does not open (a damaged or "
                        "moved row): the store cannot be migrated", self->path, id);
            goto done;
        }
        int sealed_ok = s_seal (self, sealed, secret, INGEST_SECRET_LEN, aad,
                                s_device_aad (aad, S_SEAL_VERSION, id, patient, epoch));
        OPENSSL_cleanse (secret, sizeof secret);
        if (sealed_ok)
            goto done;
        sqlite3_reset (st);
        sqlite3_reset (up);
        sqlite3_bind_blob (up, 1, sealed, sizeof sealed, SQLITE_STATIC);
        sqlite3_bind_text (up, 2, id, -1, SQLITE_STATIC);
        if (sqlite3_step (up) != SQLITE_DONE) {
            s_sql_error (self, "migrating devices");
            goto done;
        }
    }
    rc = step == SQLITE_DONE? 0: s_sql_error (self, "migrating devices");
done:
    OPENSSL_cleanse (secret, sizeof secret);
    sqlite3_finalize (st);
    sqlite3_finalize (up);
    return rc;
}

//  Re-seals every record from seal version `from` to S_SEAL_VERSION (the
//  caller's transaction), one row at a time through the store's scratch
//  buffers. A record that does not open fails the migration, naming its
//  row.
static int
s_reseal_records (ingest_store_t *self, int from)
{
    sqlite3_stmt *st = NULL, *up = NULL;
    uint8_t aad [S_AAD_MAX];
    int64_t last = 0;
    int rc = -1, step;
    if (s_prepare (self, "SELECT id, device, epoch, seq, sealed, patient, loinc, effective_ms"
                   " FROM records WHERE id > ? ORDER BY id LIMIT 1", &st)
    ||  s_prepare (self, "UPDATE records SET sealed = ? WHERE id = ?", &up))
        goto done;
    while (sqlite3_reset (st), sqlite3_bind_int64 (st, 1, last),
           (step = sqlite3_step (st)) == SQLITE_ROW) {
        last = sqlite3_column_int64 (st, 0);
        const char *device = (const char *) sqlite3_column_text (st, 1);
        size_t slen = (size_t) sqlite3_column_bytes (st, 4);
        s_place_t place;
        if (!device || !ingest_device_id_ok (device) || slen < S_NONCE + INGEST_TAG_LEN
        ||  slen - S_NONCE - INGEST_TAG_LEN > INGEST_PAYLOAD_MAX) {
            util_error (UTIL_EFAIL, "%s: record %lld is damaged: the store cannot be migrated",
                        self->path, (long long) last);
            goto done;
        }
        if (s_place (self, st, last, device, &place)) {
            util_error_context ("the store cannot be migrated");
            goto done;
        }
        size_t plen = slen - S_NONCE - INGEST_TAG_LEN;
        if (s_unseal (self, self->payload, sqlite3_column_blob (st, 4), slen, aad,
                      s_record_aad (aad, from, &place))) {
            util_error (UTIL_EFAIL, "%s: record %lld does not open (a damaged or moved row): "
                        "the store cannot be migrated", self->path, (long long) last);
            goto done;
        }
        int sealed = s_seal (self, self->sealed, self->payload, plen, aad,
                             s_record_aad (aad, S_SEAL_VERSION, &place));
        OPENSSL_cleanse (self->payload, plen);
        //  The place's strings belong to the read: done with them.
        sqlite3_reset (st);
        if (sealed)
            goto done;
        sqlite3_reset (up);
        sqlite3_bind_blob (up, 1, self->sealed, (int) slen, SQLITE_STATIC);
        sqlite3_bind_int64 (up, 2, last);
        if (sqlite3_step (up) != SQLITE_DONE) {
            s_sql_error (self, "migrating records");
            goto done;
        }
    }
    rc = step == SQLITE_DONE? 0: s_sql_error (self, "migrating records");
done:
    sqlite3_finalize (st);
    sqlite3_finalize (up);
    return rc;
}

//  Brings a store written by an earlier version to this schema (the
//  caller's transaction): devices gain identifiers (none), records a
//  censored flag (read from each payload), and every sealed value is
//  sealed again at S_SEAL_VERSION (binding the patient) and the version
//  recorded. A new store only records the version.
static int
s_migrate (ingest_store_t *self)
{
    int version = 0;
    int has = s_has_column (self, "devices", "identifiers");
    if (has < 0 || (!has && s_exec (self, "ALTER TABLE devices ADD COLUMN identifiers TEXT")))
        return -1;
    if (s_seal_version (self, &version))
        return -1;
    has = s_has_column (self, "records", "censored");
    if (has < 0 || (!has && s_migrate_censored (self, version)))
        return -1;
    if (version == S_SEAL_VERSION)
        return 0;
    char sql [80];
    snprintf (sql, sizeof sql, "INSERT OR REPLACE INTO meta VALUES ('seal_version', %d)",
              S_SEAL_VERSION);
    return s_reseal_devices (self, version) || s_reseal_records (self, version)
        || s_exec (self, sql)? -1: 0;
}

//  A new store records a value sealed under its key; later opens must be
//  able to unseal it, so that a wrong key is refused at once.
static int
s_check_key (ingest_store_t *self)
{
    sqlite3_stmt *st = NULL;
    uint8_t sealed [S_NONCE + sizeof s_check_text + INGEST_TAG_LEN], plain [sizeof s_check_text];
    int rc = -1;
    if (sqlite3_prepare_v2 (self->db, "SELECT value FROM meta WHERE key = 'key_check'", -1,
                            &st, NULL) != SQLITE_OK)
        return s_sql_error (self, "reading meta");
    int step = sqlite3_step (st);
    if (step == SQLITE_ROW) {
        if (sqlite3_column_bytes (st, 0) != (int) sizeof sealed
        ||  s_unseal (self, plain, sqlite3_column_blob (st, 0), sizeof sealed, "meta", 4)
        ||  memcmp (plain, s_check_text, sizeof plain) != 0)
            util_error (UTIL_EINPUT, "%s: this is not the store's storage key", self->path);
        else
            rc = 0;
    }
    else
    if (step == SQLITE_DONE) {
        sqlite3_finalize (st);
        st = NULL;
        if (s_seal (self, sealed, (const uint8_t *) s_check_text, sizeof s_check_text, "meta", 4)
        ||  sqlite3_prepare_v2 (self->db, "INSERT INTO meta VALUES ('key_check', ?)", -1, &st,
                                NULL) != SQLITE_OK)
            goto done;
        sqlite3_bind_blob (st, 1, sealed, sizeof sealed, SQLITE_STATIC);
        rc = sqlite3_step (st) == SQLITE_DONE? 0: s_sql_error (self, "writing meta");
    }
    else
        s_sql_error (self, "reading meta");
done:
    sqlite3_finalize (st);
    return rc;
}

ingest_store_t *
ingest_store_open (const char *path, const uint8_t storage_key [INGEST_STORAGE_KEY_LEN],
                  audit_log_t *audit)
{
    ingest_store_t *self = util_calloc (1, sizeof *self);
    if (!self || !(self->path = util_strdup (path))
    ||  !(self->payload = util_malloc (INGEST_PAYLOAD_MAX))
    ||  !(self->sealed = util_malloc (S_NONCE + INGEST_PAYLOAD_MAX + INGEST_TAG_LEN))) {
        util_error_context ("%s", path);
        ingest_store_destroy (&self);
        return NULL;
    }
    if (!(self->gcm = EVP_CIPHER_fetch (NULL, "AES-256-GCM", NULL))
    ||  !(self->ctx = EVP_CIPHER_CTX_new ())
    ||  !(self->seal_ctx = EVP_CIPHER_CTX_new ())) {
        util_error (UTIL_ENOMEM, "%s: out of memory (OpenSSL cipher contexts)", path);
        ingest_store_destroy (&self);
        return NULL;
    }
    if (EVP_EncryptInit_ex2 (self->seal_ctx, self->gcm, storage_key, NULL, NULL) != 1) {
        util_error (UTIL_ECRYPTO, "%s: OpenSSL cannot key AES-256-GCM", path);
        ingest_store_destroy (&self);
        return NULL;
    }
    memcpy (self->key, storage_key, INGEST_STORAGE_KEY_LEN);
    self->audit = audit;
    //  util_sqlite_open: WAL and synchronous = FULL, so a returned commit
    //  has reached stable storage.
    if (util_sqlite_open (&self->db, path, true)) {
        ingest_store_destroy (&self);
        return NULL;
    }
    if (s_exec (self, "BEGIN IMMEDIATE")
    ||  s_exec (self, s_schema)
    ||  s_check_key (self)
    ||  s_migrate (self)
    ||  s_exec (self, "COMMIT")
    ||  s_load_devices (self)
    ||  s_prepare (self, "INSERT INTO records (device, epoch, seq, patient, loinc,"
                   " effective_ms, received_ms, sealed, censored)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   &self->insert)
    ||  s_prepare (self, "UPDATE devices SET mark = ? WHERE id = ?", &self->mark)) {
        if (!sqlite3_get_autocommit (self->db))
            sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
        ingest_store_destroy (&self);
    }
    return self;
}

void
ingest_store_destroy (ingest_store_t **self_p)
{
    if (self_p && *self_p) {
        ingest_store_t *self = *self_p;
        sqlite3_finalize (self->insert);
        sqlite3_finalize (self->mark);
        sqlite3_close (self->db);
        EVP_CIPHER_CTX_free (self->ctx);
        EVP_CIPHER_CTX_free (self->seal_ctx);
        OPENSSL_cleanse (self->nonces, sizeof self->nonces);
        EVP_CIPHER_free (self->gcm);
        for (size_t i = 0; i < self->ndevices; i++)
            s_free_identifiers (&self->devices [i]);
        if (self->devices)
            OPENSSL_cleanse (self->devices, self->cap * sizeof *self->devices);
        free (self->devices);
        free (self->index);
        free (self->payload);
        free (self->sealed);
        free (self->path);
        OPENSSL_cleanse (self->key, sizeof self->key);
        free (self);
        *self_p = NULL;
    }
}

//  Appends entries to the audit log, if there is one.
static int
s_audit (ingest_store_t *self, const audit_entry_t *entries, size_t n)
{
    if (!self->audit || n == 0)
        return 0;
    if (audit_log_append_batch (self->audit, entries, n, NULL))
        return util_error_context ("%s: audit log", self->path);
    return 0;
}

static int
s_audit_device (ingest_store_t *self, const char *kind, const device_t *d)
{
    //  The identifiers are counted, not quoted: the log names the patient
    //  by reference only, as it always has.
    json_t *j = json_pack ("{s:s, s:s, s:I, s:I, s:I}", "device", d->id, "patient", d->patient,
                           "identifiers", (json_int_t) d->n_identifiers,
                           "epoch", (json_int_t) d->epoch, "expires_ms",
                           (json_int_t) d->expires_ms);
    char *detail = j? json_dumps (j, JSON_COMPACT | JSON_PRESERVE_ORDER): NULL;
    json_decref (j);
    if (!detail)
        return util_error (UTIL_ENOMEM, "%s: out of memory (the audit entry of %s)", self->path,
                           kind);
    audit_entry_t e = { 0, kind, "site:ingest", detail };
    int rc = s_audit (self, &e, 1);
    free (detail);
    return rc;
}

int
ingest_store_enroll (ingest_store_t *self, const char *device_id, const char *patient,
                     const char *const *identifiers, size_t n, int64_t expires_ms,
                     uint8_t secret [INGEST_SECRET_LEN], uint32_t *epoch)
{
    if (!ingest_device_id_ok (device_id))
        return util_error (UTIL_EINPUT, "device id must be 1..%d of [A-Za-z0-9._-]", INGEST_DEVICE_ID_MAX);
    size_t plen = patient? strlen (patient): 0;
    if (plen < 9 || plen > S_PATIENT_MAX || strncmp (patient, "Patient/", 8) != 0
    ||  strspn (patient + 8, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                             "0123456789.-") != plen - 8)
        return util_error (UTIL_EINPUT, "patient must be \"Patient/<id>\", the id 1..64 of [A-Za-z0-9.-]");
    if (expires_ms < 0)
        return util_error (UTIL_EINPUT, "expiry must not be negative");
    if (s_identifiers_check (identifiers, n))
        return -1;
    device_t *d = s_find (self, device_id);
    if (d && !d->revoked)
        return util_error (UTIL_EREFUSED, "device '%s' is already enrolled (revoke it first)", device_id);
    device_t fresh;
    memset (&fresh, 0, sizeof fresh);
    snprintf (fresh.id, sizeof fresh.id, "%s", device_id);
    snprintf (fresh.patient, sizeof fresh.patient, "%s", patient);
    fresh.epoch = d? d->epoch + 1: 1;
    fresh.expires_ms = expires_ms;
    ingest_replay_init (&fresh.window);
    uint8_t sealed [S_SEALED_SECRET], aad [S_AAD_MAX];
    sqlite3_stmt *st = NULL;
    char *ids = NULL;
    int rc = -1;
    if (s_set_identifiers (&fresh, identifiers, n) || s_identifiers_text (&fresh, &ids))
        goto done;
    if (RAND_bytes (fresh.secret, INGEST_SECRET_LEN) != 1) {
        util_error (UTIL_ECRYPTO, "OpenSSL RAND_bytes failed");
        goto done;
    }
    if (s_seal (self, sealed, fresh.secret, INGEST_SECRET_LEN, aad,
                s_device_aad (aad, S_SEAL_VERSION, fresh.id, fresh.patient, fresh.epoch)))
        goto done;
    //  One transaction: the enrollment stands only if its audit entry does.
    if (s_exec (self, "BEGIN IMMEDIATE"))
        goto done;
    if (sqlite3_prepare_v2 (self->db, "INSERT OR REPLACE INTO devices (id, patient, epoch,"
                            " expires_ms, revoked, secret, mark, identifiers)"
                            " VALUES (?, ?, ?, ?, 0, ?, NULL, ?)",
                            -1, &st, NULL) != SQLITE_OK) {
        s_sql_error (self, "enrolling");
        goto done;
    }
    sqlite3_bind_text (st, 1, fresh.id, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 2, fresh.patient, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 3, fresh.epoch);
    sqlite3_bind_int64 (st, 4, fresh.expires_ms);
    sqlite3_bind_blob (st, 5, sealed, sizeof sealed, SQLITE_STATIC);
    if (ids)
        sqlite3_bind_text (st, 6, ids, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null (st, 6);
    if (sqlite3_step (st) != SQLITE_DONE) {
        s_sql_error (self, "enrolling");
        goto done;
    }
    if (s_audit_device (self, "device.enroll", &fresh) || s_exec (self, "COMMIT"))
        goto done;
    if (!d && !(d = s_add (self, fresh.id)))
        goto done;
    //  The registry entry takes the new identifiers; the old ones go.
    s_free_identifiers (d);
    *d = fresh;
    memset (fresh.identifiers, 0, sizeof fresh.identifiers);
    fresh.n_identifiers = 0;
    memcpy (secret, fresh.secret, INGEST_SECRET_LEN);
    *epoch = fresh.epoch;
    rc = 0;
done:
    if (!sqlite3_get_autocommit (self->db))
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    s_free_identifiers (&fresh);
    OPENSSL_cleanse (&fresh, sizeof fresh);
    free (ids);
    sqlite3_finalize (st);
    return rc;
}

int
ingest_store_revoke (ingest_store_t *self, const char *device_id)
{
    device_t *d = device_id? s_find (self, device_id): NULL;
    if (!d)
        return util_error (UTIL_EINPUT, "device '%s' is not enrolled", device_id? device_id: "");
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (s_exec (self, "BEGIN IMMEDIATE"))
        return -1;
    if (sqlite3_prepare_v2 (self->db, "UPDATE devices SET revoked = 1 WHERE id = ?", -1, &st,
                            NULL) != SQLITE_OK) {
        s_sql_error (self, "revoking");
        goto done;
    }
    sqlite3_bind_text (st, 1, d->id, -1, SQLITE_STATIC);
    if (sqlite3_step (st) != SQLITE_DONE) {
        s_sql_error (self, "revoking");
        goto done;
    }
    if (s_audit_device (self, "device.revoke", d) || s_exec (self, "COMMIT"))
        goto done;
    d->revoked = true;
    rc = 0;
done:
    if (!sqlite3_get_autocommit (self->db))
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_finalize (st);
    return rc;
}

//  Decides one frame; on acceptance stores its record (inside the open
//  transaction) and moves the device's window. Returns the decision; sets
//  *failed if storing failed (the batch must then be rolled back).
static ingest_reason_t
s_decide (ingest_store_t *self, const uint8_t *buf, size_t len, int64_t now_ms,
          device_t **dev, bool *failed)
{
    ingest_frame_t f;
    *dev = NULL;
    ingest_reason_t r = ingest_frame_parse (&f, buf, len);
    if (r != INGEST_OK)
        return r;
    const ingest_frame_header_t *h = &f.header;
    device_t *d = s_find (self, h->device_id);
    if (!d || h->epoch > d->epoch)
        return ingest_reject (INGEST_UNKNOWN_DEVICE, "device '%s' epoch %u is not enrolled",
                              h->device_id, h->epoch);
    *dev = d;
    if (d->revoked || h->epoch < d->epoch)
        return ingest_reject (INGEST_REVOKED_DEVICE, "device '%s' epoch %u is revoked",
                              h->device_id, h->epoch);
    if (d->expires_ms && now_ms >= d->expires_ms)
        return ingest_reject (INGEST_REVOKED_DEVICE, "device '%s': enrollment expired",
                              h->device_id);
    if ((r = ingest_replay_check (&d->window, h->sequence)) != INGEST_OK)
        return r;
    size_t plen = 0;
    if ((r = ingest_frame_open (self->payload, INGEST_PAYLOAD_MAX, &plen, &f, d->secret)) != INGEST_OK) {
        //  The site's own failure decides nothing: the batch is not
        //  committed, and the gateway sends the frame again.
        if (ingest_undecided ()) {
            *failed = true;
            return INGEST_OK;
        }
        return r;
    }
    ingest_observation_t obs;
    ingest_patient_t who = { d->patient + 8, (const char *const *) d->identifiers,
                             d->n_identifiers };
    r = ingest_fhir_observation_for (&obs, (const char *) self->payload, plen, &who);
    if (r != INGEST_OK) {
        OPENSSL_cleanse (self->payload, plen);
        if (ingest_undecided ()) {
            *failed = true;
            return INGEST_OK;
        }
        return r;
    }
    uint8_t aad [S_AAD_MAX];
    s_place_t place = { d->id, d->patient, obs.loinc, d->epoch, h->sequence, obs.effective_ms };
    size_t alen = s_record_aad (aad, S_SEAL_VERSION, &place);
    int sealed = s_seal (self, self->sealed, self->payload, plen, aad, alen);
    OPENSSL_cleanse (self->payload, plen);
    sqlite3_stmt *st = self->insert;
    sqlite3_reset (st);
    sqlite3_bind_text (st, 1, d->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 2, d->epoch);
    sqlite3_bind_int64 (st, 3, (sqlite3_int64) h->sequence);
    sqlite3_bind_text (st, 4, d->patient, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 5, obs.loinc, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 6, obs.effective_ms);
    sqlite3_bind_int64 (st, 7, now_ms);
    sqlite3_bind_blob (st, 8, self->sealed, (int) (S_NONCE + plen + INGEST_TAG_LEN), SQLITE_STATIC);
    sqlite3_bind_int (st, 9, obs.censored);
    if (sealed || sqlite3_step (st) != SQLITE_DONE) {
        if (!sealed)
            s_sql_error (self, "storing a record");
        *failed = true;
        return INGEST_OK;
    }
    if (!d->touched) {
        d->saved = d->window;
        d->touched = true;
    }
    //  Cannot fail: the check above allowed this sequence number.
    if (ingest_replay_update (&d->window, h->sequence))
        *failed = true;
    return INGEST_OK;
}

//  The audit detail of a rejected frame; `why` is the decision's message.
static char *
s_reject_detail (ingest_reason_t r, const uint8_t *buf, size_t len, const char *why)
{
    ingest_frame_t f;
    char text [512];
    snprintf (text, sizeof text, "%s", why);
    util_printable (text);
    json_t *j = json_pack ("{s:s, s:s}", "reason", ingest_reason_name (r), "why", text);
    //  Only a frame that parses has a device and sequence to name.
    if (j && r != INGEST_MALFORMED_FRAME && r != INGEST_TOO_LARGE
    &&  ingest_frame_parse (&f, buf, len) == INGEST_OK
    &&  (json_object_set_new (j, "device", json_string (f.header.device_id))
     ||  json_object_set_new (j, "sequence", json_integer ((json_int_t) f.header.sequence)))) {
        json_decref (j);
        j = NULL;
    }
    char *out = j? json_dumps (j, JSON_COMPACT | JSON_PRESERVE_ORDER): NULL;
    json_decref (j);
    return out;
}

int
ingest_store_submit (ingest_store_t *self, const uint8_t *const *frames, const size_t *lens,
                    size_t n, int64_t now_ms, ingest_reason_t *reasons)
{
    if (n == 0 || n > INGEST_BATCH_MAX)
        return util_error (UTIL_EFAIL, "%s: a batch holds 1..%d frames, not %zu", self->path,
                           INGEST_BATCH_MAX, n);
    audit_entry_t *rejected = util_calloc (n, sizeof *rejected);
    size_t nrejected = 0;
    int rc = -1;
    bool failed = false;
    if (!rejected)
        return util_error_context ("%s", self->path);
    if (s_exec (self, "BEGIN IMMEDIATE"))
        goto done;
    for (size_t i = 0; i < n && !failed; i++) {
        device_t *d = NULL;
        reasons [i] = s_decide (self, frames [i], lens [i], now_ms, &d, &failed);
        if (reasons [i] == INGEST_OK || failed)
            continue;
        char *detail = s_reject_detail (reasons [i], frames [i], lens [i], util_last_error ());
        if (!detail) {
            util_error (UTIL_ENOMEM, "%s: out of memory (the audit entry of a rejection)",
                        self->path);
            failed = true;
            break;
        }
        rejected [nrejected++] = (audit_entry_t) { now_ms > 0? now_ms: 0, "ingest.reject",
                                                   "site:ingest", detail };
    }
    for (size_t k = 0; k < self->ndevices && !failed; k++) {
        device_t *d = &self->devices [k];
        if (!d->touched)
            continue;
        sqlite3_reset (self->mark);
        sqlite3_bind_int64 (self->mark, 1, (sqlite3_int64) d->window.top);
        sqlite3_bind_text (self->mark, 2, d->id, -1, SQLITE_STATIC);
        if (sqlite3_step (self->mark) != SQLITE_DONE) {
            s_sql_error (self, "storing a replay mark");
            failed = true;
        }
    }
    //  Rejections reach the audit log before the batch commits; if the
    //  commit then fails the gateway resends and the log shows both tries.
    if (failed || s_audit (self, rejected, nrejected) || s_exec (self, "COMMIT"))
        goto done;
    for (size_t i = 0; i < n; i++)
        self->counts [reasons [i]]++;
    rc = 0;
done:
    if (rc) {
        if (!sqlite3_get_autocommit (self->db))
            sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
        for (size_t k = 0; k < self->ndevices; k++)
            if (self->devices [k].touched)
                self->devices [k].window = self->devices [k].saved;
    }
    for (size_t k = 0; k < self->ndevices; k++)
        self->devices [k].touched = false;
    for (size_t i = 0; i < nrejected; i++)
        free ((char *) rejected [i].detail);
    free (rejected);
    return rc;
}

void
ingest_store_counts (const ingest_store_t *self, uint64_t counts [INGEST_REASON_COUNT])
{
    memcpy (counts, self->counts, sizeof self->counts);
}

uint64_t
ingest_store_record_count (ingest_store_t *self)
{
    sqlite3_stmt *st = NULL;
    uint64_t n = 0;
    if (sqlite3_prepare_v2 (self->db, "SELECT count(*) FROM records", -1, &st, NULL) == SQLITE_OK
    &&  sqlite3_step (st) == SQLITE_ROW)
        n = (uint64_t) sqlite3_column_int64 (st, 0);
    sqlite3_finalize (st);
    return n;
}

int
ingest_store_record_payload (ingest_store_t *self, const char *device_id, uint64_t sequence,
                            uint8_t *out, size_t cap, size_t *len)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (!ingest_device_id_ok (device_id))
        return util_error (UTIL_EINPUT, "%s: invalid device id", self->path);
    if (s_prepare (self, "SELECT id, device, epoch, seq, sealed, patient, loinc, effective_ms"
                   " FROM records WHERE device = ? AND seq = ? ORDER BY epoch DESC LIMIT 1", &st))
        return -1;
    sqlite3_bind_text (st, 1, device_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 2, (sqlite3_int64) sequence);
    if (sqlite3_step (st) != SQLITE_ROW) {
        util_error (UTIL_EFAIL, "%s: no record %s/%llu", self->path, device_id,
                    (unsigned long long) sequence);
        goto done;
    }
    int64_t id = sqlite3_column_int64 (st, 0);
    size_t slen = (size_t) sqlite3_column_bytes (st, 4);
    if (slen < S_NONCE + INGEST_TAG_LEN || slen - S_NONCE - INGEST_TAG_LEN > cap) {
        util_error (UTIL_ELIMIT, "%s: record %s/%llu is damaged or too large", self->path, device_id,
                    (unsigned long long) sequence);
        goto done;
    }
    s_place_t place;
    uint8_t aad [S_AAD_MAX];
    if (s_place (self, st, id, device_id, &place))
        goto done;
    //  The row's clear patient, code and time are bound: a record moved to
    //  another patient's row (or relabelled) does not open. The message
    //  names the row, never what it holds.
    if (s_unseal (self, out, sqlite3_column_blob (st, 4), slen, aad,
                  s_record_aad (aad, S_SEAL_VERSION, &place))) {
        util_error (UTIL_EFAIL, "%s: record %lld (%s/%llu) does not open: it was sealed for "
                    "another row (its patient, code or time was changed) or under another key",
                    self->path, (long long) id, device_id, (unsigned long long) sequence);
        goto done;
    }
    *len = slen - S_NONCE - INGEST_TAG_LEN;
    rc = 0;
done:
    sqlite3_finalize (st);
    return rc;
}
