/*  ingest/grants.c - consent grants held by the site and cohort selection
    (ingest/grants.h). */
#include "grants.h"
#include "util/alloc.h"
#include "util/codec.h"
#include "util/sqlite.h"
#include "ingest_internal.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_AUTHORITIES_MAX 256

struct _ingest_grants_t {
    sqlite3 *db;
    char *path;
    audit_log_t *audit;
    audit_verifier_t *keys [S_AUTHORITIES_MAX];
    size_t nkeys;
};

static const char s_schema [] =
    "CREATE TABLE IF NOT EXISTS authorities (key TEXT PRIMARY KEY);"
    "CREATE TABLE IF NOT EXISTS grants (id TEXT PRIMARY KEY, date_ms INTEGER NOT NULL,"
    " patient TEXT NOT NULL, status TEXT NOT NULL, envelope BLOB NOT NULL);";

static int
s_sql_error (ingest_grants_t *self, const char *what)
{
    return util_sqlite_fail (self->db, self->path, what);
}

static void
s_free_keys (ingest_grants_t *self)
{
    for (size_t i = 0; i < self->nkeys; i++)
        audit_verifier_destroy (&self->keys [i]);
    self->nkeys = 0;
}

static int
s_load_keys (ingest_grants_t *self)
{
    sqlite3_stmt *st = NULL;
    s_free_keys (self);
    if (sqlite3_prepare_v2 (self->db, "SELECT key FROM authorities", -1, &st, NULL) != SQLITE_OK)
        return s_sql_error (self, "reading authorities");
    int step, rc = 0;
    while ((step = sqlite3_step (st)) == SQLITE_ROW && rc == 0) {
        const char *text = (const char *) sqlite3_column_text (st, 0);
        if (self->nkeys == S_AUTHORITIES_MAX) {
            rc = util_error (UTIL_ELIMIT, "%s: more than %d enrolled authorities", self->path,
                             S_AUTHORITIES_MAX);
            break;
        }
        audit_verifier_t *key = text? audit_verifier_parse (text, strlen (text)): NULL;
        if (!key) {
            //  Out of memory keeps its code; anything else is damage.
            rc = !text? util_error (UTIL_EINPUT, "%s: an enrolled authority has no key",
                                    self->path)
               : util_error_context ("%s: an enrolled authority key%s", self->path,
                                     util_last_code () == UTIL_ENOMEM? "": " is damaged");
        }
        else
            self->keys [self->nkeys++] = key;
    }
    sqlite3_finalize (st);
    if (rc == 0 && step != SQLITE_DONE)
        rc = s_sql_error (self, "reading authorities");
    return rc;
}

ingest_grants_t *
ingest_grants_open (const char *path, audit_log_t *audit)
{
    ingest_grants_t *self = util_calloc (1, sizeof *self);
    if (!self || !(self->path = util_strdup (path))) {
        util_error_context ("%s", path);
        ingest_grants_destroy (&self);
        return NULL;
    }
    self->audit = audit;
    if (util_sqlite_open (&self->db, path, true)
    ||  util_sqlite_exec (self->db, path, s_schema)
    ||  s_load_keys (self))
        ingest_grants_destroy (&self);
    return self;
}

void
ingest_grants_destroy (ingest_grants_t **self_p)
{
    if (self_p && *self_p) {
        ingest_grants_t *self = *self_p;
        s_free_keys (self);
        sqlite3_close (self->db);
        free (self->path);
        free (self);
        *self_p = NULL;
    }
}

//  Appends one entry (kind, JSON detail built from `detail`, consumed) to
//  the audit log, if there is one. Returns 0 or -1.
static int
s_audit (ingest_grants_t *self, const char *kind, json_t *detail)
{
    char *text = detail? json_dumps (detail, JSON_COMPACT | JSON_PRESERVE_ORDER): NULL;
    json_decref (detail);
    int rc = 0;
    if (!text)
        rc = util_error (UTIL_ENOMEM, "%s: out of memory (the audit entry %s)", self->path, kind);
    else
    if (self->audit) {
        audit_entry_t e = { 0, kind, "site:grants", text };
        if (audit_log_append (self->audit, &e, NULL))
            rc = util_error_context ("%s: audit log", self->path);
    }
    free (text);
    return rc;
}

int
ingest_grants_enroll_authority (ingest_grants_t *self, const char *verifier_key)
{
    audit_verifier_t *key = verifier_key? audit_verifier_parse (verifier_key,
                                                                strlen (verifier_key)): NULL;
    if (!key)
        return util_error_context ("authority key");
    char *text = audit_verifier_text (key);
    audit_verifier_destroy (&key);
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (!text) {
        util_error (UTIL_ENOMEM, "%s: out of memory (an authority key)", self->path);
        goto done;
    }
    if (sqlite3_prepare_v2 (self->db, "INSERT INTO authorities VALUES (?)", -1, &st,
                            NULL) != SQLITE_OK) {
        s_sql_error (self, "enrolling an authority");
        goto done;
    }
    sqlite3_bind_text (st, 1, text, -1, SQLITE_STATIC);
    if (sqlite3_step (st) != SQLITE_DONE) {
        util_error (UTIL_EIO, "%s: authority already enrolled or cannot be stored: %s", self->path,
                    sqlite3_errmsg (self->db));
        goto done;
    }
    rc = s_load_keys (self) || s_audit (self, "authority.enroll",
                                        json_pack ("{s:s}", "key", text))? -1: 0;
done:
    sqlite3_finalize (st);
    free (text);
    return rc;
}

//  The stored version of consent `id`: sets *date_ms, *patient (caller
//  frees) and *active (its status is active) and returns 1, or returns 0
//  if there is none, -1 on error.
static int
s_stored (ingest_grants_t *self, const char *id, int64_t *date_ms, char **patient, bool *active)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2 (self->db, "SELECT date_ms, patient, status = 'active' FROM grants"
                            " WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
        return s_sql_error (self, "reading grants");
    sqlite3_bind_text (st, 1, id, -1, SQLITE_STATIC);
    int step = sqlite3_step (st), rc = 0;
    if (step == SQLITE_ROW) {
        *date_ms = sqlite3_column_int64 (st, 0);
        *active = sqlite3_column_int (st, 2) != 0;
        //  patient is NOT NULL: no text is out of memory.
        const char *p = (const char *) sqlite3_column_text (st, 1);
        rc = !p? util_error (UTIL_ENOMEM, "%s: out of memory reading grants", self->path)
           : (*patient = util_strdup (p))? 1: -1;
    }
    else
    if (step != SQLITE_DONE)
        rc = s_sql_error (self, "reading grants");
    sqlite3_finalize (st);
    return rc;
}

//  Decides and (if accepted) stores a grant inside the caller's
//  transaction; *c gets the opened consent when there is one.
static ingest_grant_reason_t
s_add (ingest_grants_t *self, const char *envelope, size_t len, int64_t now_ms,
       ingest_consent_t **out)
{
    ingest_consent_t *c = NULL;
    const audit_verifier_t *const *keys = (const audit_verifier_t *const *) self->keys;
    ingest_grant_reason_t r = ingest_grant_open (&c, envelope, len, keys, self->nkeys);
    *out = c;
    if (r != INGEST_GRANT_OK)
        return r;
    int64_t held_ms = 0;
    char *held_patient = NULL;
    bool held_active = false;
    sqlite3_stmt *st = NULL;
    int held = s_stored (self, ingest_consent_id (c), &held_ms, &held_patient, &held_active);
    bool active = strcmp (ingest_consent_status (c), "active") == 0;
    r = INGEST_GRANT_MALFORMED;
    if (held < 0)
        goto done;
    //  Versions are ordered by their dateTime, not by when they arrive: a
    //  revocation held stops every version dated at or before it, even
    //  one that arrives after it.
    if (held && ingest_consent_time (c) <= held_ms) {
        util_error (UTIL_EREFUSED, "grant %s: a version dated at or after this one is already "
                    "held%s", ingest_consent_id (c),
                    held_active? "": " (a revocation: the consent stays revoked)");
        r = INGEST_GRANT_SUPERSEDED;
        goto done;
    }
    if (held && strcmp (held_patient, ingest_consent_patient (c)) != 0) {
        util_error (UTIL_EREFUSED, "grant %s: a new version cannot change the patient", ingest_consent_id (c));
        goto done;
    }
    if (active && (r = ingest_consent_in_force (c, now_ms)) != INGEST_GRANT_OK)
        goto done;
    //  A revocation of a version not (yet) held is kept all the same,
    //  under the consent's id: the grant it revokes may arrive later.
    r = INGEST_GRANT_MALFORMED;
    if (sqlite3_prepare_v2 (self->db, "INSERT OR REPLACE INTO grants VALUES (?, ?, ?, ?, ?)",
                            -1, &st, NULL) != SQLITE_OK) {
        s_sql_error (self, "storing a grant");
        goto done;
    }
    sqlite3_bind_text (st, 1, ingest_consent_id (c), -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 2, ingest_consent_time (c));
    sqlite3_bind_text (st, 3, ingest_consent_patient (c), -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 4, ingest_consent_status (c), -1, SQLITE_STATIC);
    sqlite3_bind_blob (st, 5, envelope, (int) len, SQLITE_STATIC);
    if (sqlite3_step (st) != SQLITE_DONE)
        s_sql_error (self, "storing a grant");
    else
        r = INGEST_GRANT_OK;
done:
    sqlite3_finalize (st);
    free (held_patient);
    return r;
}

int
ingest_grants_add (ingest_grants_t *self, const char *envelope, size_t len, int64_t now_ms,
                   ingest_grant_reason_t *reason)
{
    //  One transaction: the grant is stored only if its audit entry is
    //  written (the audit log commits first, durably).
    ingest_consent_t *c = NULL;
    if (sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return s_sql_error (self, "starting a transaction");
    ingest_grant_reason_t r = s_add (self, envelope, len, now_ms, &c);
    util_code_t code = r == INGEST_GRANT_OK? UTIL_OK: util_last_code ();
    if (code == UTIL_ENOMEM) {
        //  Not judged: nothing to audit, nothing stored.
        util_error_saved_t saved;
        util_error_save (&saved);
        ingest_consent_destroy (&c);
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
        return util_error_restore (&saved);
    }
    char why [512];
    snprintf (why, sizeof why, "%s", r == INGEST_GRANT_OK? "": util_last_error ());
    util_printable (why);
    //  The audit entry whole, or none (NULL: s_audit fails, out of memory).
    json_t *detail = json_pack ("{s:s}", "result", ingest_grant_reason_name (r));
    if (detail && c
    &&  (json_object_set_new (detail, "id", json_string (ingest_consent_id (c)))
     ||  json_object_set_new (detail, "patient", json_string (ingest_consent_patient (c)))
     ||  json_object_set_new (detail, "status", json_string (ingest_consent_status (c)))
     ||  json_object_set_new (detail, "date_ms", json_integer (ingest_consent_time (c))))) {
        json_decref (detail);
        detail = NULL;
    }
    if (detail && r != INGEST_GRANT_OK && json_object_set_new (detail, "why", json_string (why))) {
        json_decref (detail);
        detail = NULL;
    }
    ingest_consent_destroy (&c);
    if (s_audit (self, r == INGEST_GRANT_OK? "grant.accept": "grant.reject", detail)) {
        util_error_saved_t saved;
        util_error_save (&saved);
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
        return util_error_restore (&saved);
    }
    if (sqlite3_exec (self->db, r == INGEST_GRANT_OK? "COMMIT": "ROLLBACK", NULL, NULL, NULL)
        != SQLITE_OK) {
        s_sql_error (self, "committing a grant");
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    //  A rejection's detail (and its code) stays the last error for the caller.
    if (r != INGEST_GRANT_OK)
        util_error (code? code: UTIL_EFAIL, "%s", why);
    *reason = r;
    return 0;
}

//  By patient, then by id (ids are unique: the order is total).
static int
s_by_patient (const void *a, const void *b)
{
    const ingest_consent_t *x = *(ingest_consent_t *const *) a, *y = *(ingest_consent_t *const *) b;
    int c = strcmp (ingest_consent_patient (x), ingest_consent_patient (y));
    return c? c: strcmp (ingest_consent_id (x), ingest_consent_id (y));
}

//  Opens every held grant again (so that a grant whose authority is no
//  longer enrolled stops counting) into a new array sorted by patient.
static int
s_current (ingest_grants_t *self, ingest_consent_t ***out, size_t *n)
{
    sqlite3_stmt *st = NULL;
    ingest_consent_t **list = NULL;
    size_t count = 0, cap = 0;
    int rc = -1, step;
    const audit_verifier_t *const *keys = (const audit_verifier_t *const *) self->keys;
    if (sqlite3_prepare_v2 (self->db, "SELECT envelope FROM grants", -1, &st, NULL) != SQLITE_OK) {
        s_sql_error (self, "reading grants");
        goto done;
    }
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        ingest_consent_t *c = NULL;
        if (ingest_grant_open (&c, sqlite3_column_blob (st, 0),
                             (size_t) sqlite3_column_bytes (st, 0), keys, self->nkeys)
            != INGEST_GRANT_OK) {
            //  A grant that no longer opens stops counting; one that could
            //  not be opened for memory fails the selection, lest it be
            //  taken for a withdrawn consent.
            if (util_last_code () == UTIL_ENOMEM)
                goto done;
            continue;
        }
        if (count == cap) {
            size_t more = cap? 2 * cap: 16;
            ingest_consent_t **grown = util_realloc_array (list, more, sizeof *grown);
            if (!grown) {
                ingest_consent_destroy (&c);
                goto done;
            }
            list = grown;
            cap = more;
        }
        list [count++] = c;
    }
    if (step != SQLITE_DONE) {
        s_sql_error (self, "reading grants");
        goto done;
    }
    if (count)
        qsort (list, count, sizeof *list, s_by_patient);
    *out = list;
    *n = count;
    list = NULL;
    count = 0;
    rc = 0;
done:
    for (size_t i = 0; i < count; i++)
        ingest_consent_destroy (&list [i]);
    free (list);
    sqlite3_finalize (st);
    return rc;
}

static void
s_free_current (ingest_consent_t **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ingest_consent_destroy (&list [i]);
    free (list);
}

//  Does a grant of q->patient permit the use, and none of them deny it
//  (ingest_consent_denies)? `list` is sorted by patient.
static bool
s_permitted (ingest_consent_t **list, size_t n, const ingest_consent_query_t *q)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp (ingest_consent_patient (list [mid]), q->patient) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    bool permit = false;
    for (size_t i = lo; i < n && strcmp (ingest_consent_patient (list [i]), q->patient) == 0; i++)
        //  A grant that permits the use does not deny it.
        if (ingest_consent_decide (list [i], q) == INGEST_GRANT_OK)
            permit = true;
        else
        if (ingest_consent_denies (list [i], q))
            return false;
    return permit;
}

//  0 if the records table has its censored column; -1 naming what is
//  wrong otherwise (no records table, or a store not yet migrated).
static int
s_records_ready (ingest_grants_t *self)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2 (self->db, "SELECT name FROM pragma_table_info ('records')", -1, &st,
                            NULL) != SQLITE_OK)
        return s_sql_error (self, "reading the schema");
    int step, columns = 0, censored = 0;
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        const char *name = (const char *) sqlite3_column_text (st, 0);
        columns++;
        censored |= name && strcmp (name, "censored") == 0;
    }
    sqlite3_finalize (st);
    if (step != SQLITE_DONE)
        return s_sql_error (self, "reading the schema");
    if (columns == 0)
        return util_error (UTIL_EINPUT, "%s: no records table (is this an ingest store?)",
                           self->path);
    if (!censored)
        return util_error (UTIL_EINPUT, "%s: the records predate the censored flag: open the "
                           "store once with its storage key (cohort site, or cohort ingest "
                           "enroll-device) to migrate it", self->path);
    return 0;
}

int
ingest_grants_select_records (ingest_grants_t *self, const ingest_consent_query_t *q,
                              int64_t **ids, size_t *n, size_t *censored)
{
    ingest_consent_t **list = NULL;
    size_t nlist = 0, count = 0, cap = 0, ncensored = 0;
    int64_t *out = NULL;
    sqlite3_stmt *st = NULL;
    int rc = -1, step;
    if (s_records_ready (self) || s_current (self, &list, &nlist))
        return -1;
    if (sqlite3_prepare_v2 (self->db, "SELECT id, patient, loinc, effective_ms, censored"
                            " FROM records ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
        s_sql_error (self, "reading records");
        goto done;
    }
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        ingest_consent_query_t item = *q;
        item.patient = (const char *) sqlite3_column_text (st, 1);
        item.loinc = (const char *) sqlite3_column_text (st, 2);
        //  The record's time is known; its resource id is not kept in
        //  clear, so a rule limited to named data reads it as unknown.
        item.has_data_time = true;
        item.data_time_ms = sqlite3_column_int64 (st, 3);
        item.resource = NULL;
        //  Both columns are NOT NULL: no text is out of memory.
        if (!item.patient || !item.loinc) {
            util_error (UTIL_ENOMEM, "%s: out of memory reading records", self->path);
            goto done;
        }
        if (!s_permitted (list, nlist, &item))
            continue;
        //  A censored reading (a comparator: not an exact value) is
        //  counted, never selected.
        if (sqlite3_column_int (st, 4)) {
            ncensored++;
            continue;
        }
        if (count == cap) {
            size_t more = cap? 2 * cap: 256;
            int64_t *grown = util_realloc_array (out, more, sizeof *grown);
            if (!grown)
                goto done;
            out = grown;
            cap = more;
        }
        out [count++] = sqlite3_column_int64 (st, 0);
    }
    if (step != SQLITE_DONE) {
        s_sql_error (self, "reading records");
        goto done;
    }
    *ids = out;
    *n = count;
    if (censored)
        *censored = ncensored;
    out = NULL;
    rc = 0;
done:
    free (out);
    sqlite3_finalize (st);
    s_free_current (list, nlist);
    return rc;
}

int
ingest_grants_select_patients (ingest_grants_t *self, const ingest_consent_query_t *q,
                             char ***patients, size_t *n)
{
    ingest_consent_t **list = NULL;
    size_t nlist = 0, count = 0;
    if (s_current (self, &list, &nlist))
        return -1;
    char **out = util_calloc (nlist + 1, sizeof *out);
    int rc = out? 0: -1;
    for (size_t i = 0; rc == 0 && i < nlist; i++) {
        const char *patient = ingest_consent_patient (list [i]);
        //  The list is sorted: a patient already decided is the one before.
        if (i && strcmp (ingest_consent_patient (list [i - 1]), patient) == 0)
            continue;
        ingest_consent_query_t item = *q;
        item.patient = patient;
        item.loinc = NULL;
        if (!s_permitted (list, nlist, &item))
            continue;
        if (!(out [count] = util_strdup (patient)))
            rc = -1;
        else
            count++;
    }
    if (rc) {
        for (size_t i = 0; i < count; i++)
            free (out [i]);
        free (out);
    }
    else {
        *patients = out;
        *n = count;
    }
    s_free_current (list, nlist);
    return rc;
}

void
ingest_grant_uses_free (ingest_grant_use_t *uses, size_t n)
{
    for (size_t i = 0; uses && i < n; i++) {
        free (uses [i].patient);
        free (uses [i].grant);
    }
    free (uses);
}

int
ingest_grants_select_grants (ingest_grants_t *self, const ingest_consent_query_t *q,
                             ingest_grant_use_t **uses, size_t *n)
{
    ingest_consent_t **list = NULL;
    size_t nlist = 0, count = 0;
    if (s_current (self, &list, &nlist))
        return -1;
    //  At most one pair per grant held.
    ingest_grant_use_t *out = util_calloc (nlist + 1, sizeof *out);
    int rc = out? 0: -1;
    for (size_t i = 0; rc == 0 && i < nlist; ) {
        const char *patient = ingest_consent_patient (list [i]);
        size_t end = i;
        while (end < nlist && strcmp (ingest_consent_patient (list [end]), patient) == 0)
            end++;
        ingest_consent_query_t item = *q;
        item.patient = patient;
        item.loinc = NULL;
        //  The grants of one patient are list[i .. end), sorted by id.
        if (s_permitted (list, nlist, &item))
            for (size_t k = i; rc == 0 && k < end; k++) {
                if (ingest_consent_decide (list [k], &item) != INGEST_GRANT_OK)
                    continue;
                ingest_grant_use_t *u = &out [count];
                u->granted_ms = ingest_consent_time (list [k]);
                if (!(u->patient = util_strdup (patient))
                ||  !(u->grant = util_strdup (ingest_consent_id (list [k])))) {
                    free (u->patient);
                    rc = -1;
                }
                else
                    count++;
            }
        i = end;
    }
    if (rc)
        ingest_grant_uses_free (out, count);
    else {
        *uses = out;
        *n = count;
    }
    s_free_current (list, nlist);
    return rc;
}
