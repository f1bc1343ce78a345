/*  ingest/contrib.c - per-patient contribution records (ingest/contrib.h). */
#include "contrib.h"
#include "grants.h"
#include "util/alloc.h"
#include "util/codec.h"
#include "util/sqlite.h"
#include "ingest_internal.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_FHIR_ID_MAX 64

static const char s_schema [] =
    "CREATE TABLE IF NOT EXISTS contrib_uses (id TEXT PRIMARY KEY,"
    " kind TEXT NOT NULL CHECK (kind IN ('study', 'query')), name TEXT NOT NULL,"
    " analyst TEXT, dataset TEXT NOT NULL, purpose TEXT NOT NULL, study_ref TEXT,"
    " accepted_ms INTEGER NOT NULL, last_round INTEGER NOT NULL DEFAULT 0,"
    " ended_ms INTEGER, status TEXT NOT NULL DEFAULT 'accepted', detail TEXT);"
    "CREATE TABLE IF NOT EXISTS contrib_patients (study TEXT NOT NULL REFERENCES"
    " contrib_uses (id), patient TEXT NOT NULL, grant_id TEXT NOT NULL,"
    " granted_ms INTEGER NOT NULL, PRIMARY KEY (study, patient, grant_id));"
    "CREATE INDEX IF NOT EXISTS contrib_by_patient ON contrib_patients (patient);";

//  Appends one entry (detail consumed) to `audit`, if there is one. 0 or -1.
static int
s_audit (audit_log_t *audit, const char *kind, const char *actor, json_t *detail)
{
    char *text = detail? json_dumps (detail, JSON_COMPACT | JSON_PRESERVE_ORDER): NULL;
    json_decref (detail);
    int rc = 0;
    if (!text)
        rc = util_error (UTIL_ENOMEM, "out of memory (the audit entry %s)", kind);
    else
    if (audit) {
        audit_entry_t e = { 0, kind, actor, text };
        if (audit_log_append (audit, &e, NULL))
            rc = util_error_context ("audit log");
    }
    free (text);
    return rc;
}

//  The first pair of `patient` in uses (sorted by patient), or n.
static size_t
s_first (const ingest_grant_use_t *uses, size_t n, const char *patient)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp (uses [mid].patient, patient) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && strcmp (uses [lo].patient, patient) == 0? lo: n;
}

//  Marks in used[] the pairs of every patient named in the patient column
//  of the tables, the way ingest_cohort_rows reads that column.
static int
s_mark (const ingest_cohort_source_t *src, const model_csv_t *const *csvs, size_t n_csvs,
        const ingest_grant_use_t *uses, size_t n, bool *used)
{
    char ref [300];
    for (size_t t = 0; t < n_csvs; t++) {
        long col = model_csv_find (csvs [t], src->patient_column);
        if (col < 0)
            return util_error (UTIL_EREFUSED, "contributions: dataset %s has no patient "
                               "column '%s'", src->name, src->patient_column);
        size_t rows = model_csv_rows (csvs [t]);
        for (size_t i = 0; i < rows; i++) {
            const char *cell = model_csv_cell (csvs [t], i, (size_t) col);
            snprintf (ref, sizeof ref, "%s%s", strncmp (cell, "Patient/", 8)? "Patient/": "",
                      cell);
            for (size_t k = s_first (uses, n, ref); k < n && !strcmp (uses [k].patient, ref);
                 k++)
                used [k] = true;
        }
    }
    return 0;
}

//  Writes the use and its pairs inside the caller's transaction.
static int
s_insert (sqlite3 *db, const char *path, const ingest_contrib_use_t *use,
          const ingest_cohort_source_t *src, const ingest_consent_query_t *q,
          const ingest_grant_use_t *uses, size_t n, const bool *used)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    const proto_study_t *s = use->study;
    if (sqlite3_prepare_v2 (db, "INSERT INTO contrib_uses (id, kind, name, analyst, dataset,"
                            " purpose, study_ref, accepted_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                            " ON CONFLICT (id) DO NOTHING", -1, &st, NULL) != SQLITE_OK) {
        util_sqlite_fail (db, path, "recording a use");
        goto done;
    }
    sqlite3_bind_text (st, 1, use->id, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 2, s->query? "query": "study", -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 3, s->query? s->query: s->name? s->name: "", -1, SQLITE_STATIC);
    if (use->analyst)
        sqlite3_bind_text (st, 4, use->analyst, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 5, src->name, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 6, q->purpose, -1, SQLITE_STATIC);
    if (q->study)
        sqlite3_bind_text (st, 7, q->study, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (st, 8, use->time_ms);
    if (sqlite3_step (st) != SQLITE_DONE) {
        util_sqlite_fail (db, path, "recording a use");
        goto done;
    }
    sqlite3_finalize (st);
    if (sqlite3_prepare_v2 (db, "INSERT OR IGNORE INTO contrib_patients VALUES (?, ?, ?, ?)",
                            -1, &st, NULL) != SQLITE_OK) {
        util_sqlite_fail (db, path, "recording a use");
        goto done;
    }
    for (size_t k = 0; k < n; k++) {
        if (!used [k])
            continue;
        sqlite3_reset (st);
        sqlite3_bind_text (st, 1, use->id, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 2, uses [k].patient, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 3, uses [k].grant, -1, SQLITE_STATIC);
        sqlite3_bind_int64 (st, 4, uses [k].granted_ms);
        if (sqlite3_step (st) != SQLITE_DONE) {
            util_sqlite_fail (db, path, "recording a use");
            goto done;
        }
    }
    rc = 0;
done:
    sqlite3_finalize (st);
    return rc;
}

int
ingest_contrib_record (const ingest_cohort_source_t *src, const ingest_contrib_use_t *use,
                       const model_csv_t *const *csvs, size_t n_csvs, audit_log_t *audit)
{
    if (!src->patient_column)
        return 0;
    if (!use->id || !*use->id || !use->study || !src->grant_store)
        return util_error (UTIL_EINPUT, "contributions: the use's id, study and the grant "
                           "store are required");
    char ref [100];
    ingest_consent_query_t q;
    ingest_cohort_use (&q, ref, sizeof ref, src, use->study, use->time_ms);
    ingest_grants_t *grants = ingest_grants_open (src->grant_store, NULL);
    ingest_grant_use_t *uses = NULL;
    size_t n = 0;
    bool *used = NULL;
    sqlite3 *db = NULL;
    int rc = -1;
    if (!grants || ingest_grants_select_grants (grants, &q, &uses, &n)) {
        util_error_context ("contributions");
        goto done;
    }
    ingest_grants_destroy (&grants);
    if (!(used = util_calloc (n + 1, sizeof *used))
    ||  s_mark (src, csvs, n_csvs, uses, n, used))
        goto done;
    size_t patients = 0, pairs = 0;
    for (size_t k = 0; k < n; k++)
        if (used [k]) {
            pairs++;
            patients += k == 0 || !used [k - 1] || strcmp (uses [k - 1].patient, uses [k].patient);
        }
    if (util_sqlite_open (&db, src->grant_store, false)
    ||  util_sqlite_exec (db, src->grant_store, s_schema))
        goto done;
    if (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        util_sqlite_fail (db, src->grant_store, "starting a transaction");
        goto done;
    }
    //  Committed only once its audit entry is (the audit log commits first).
    char actor [AUDIT_ACTOR_MAX];
    snprintf (actor, sizeof actor, "site:%s", src->grant_site && !strncmp (src->grant_site,
              "Organization/", 13)? src->grant_site + 13: "?");
    if (s_insert (db, src->grant_store, use, src, &q, uses, n, used)
    ||  s_audit (audit, "contributions.record", actor,
                 json_pack ("{s:s, s:s, s:s, s:I, s:I}", "study", use->id,
                            "kind", use->study->query? "query": "study",
                            "dataset", src->name, "patients", (json_int_t) patients,
                            "grants", (json_int_t) pairs))) {
        util_error_saved_t saved;
        util_error_save (&saved);
        sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
        util_error_restore (&saved);
        goto done;
    }
    if (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        util_sqlite_fail (db, src->grant_store, "committing a use");
        sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
        goto done;
    }
    rc = 0;
done:
    sqlite3_close (db);
    free (used);
    ingest_grant_uses_free (uses, n);
    ingest_grants_destroy (&grants);
    return rc;
}

int
ingest_contrib_end (const char *store, const char *id, uint32_t last_round, bool ok,
                    const char *detail, int64_t now_ms)
{
    if (!store || !id)
        return util_error (UTIL_EINPUT, "contributions: the store and the use's id are required");
    char kept [INGEST_CONTRIB_DETAIL_MAX + 1];
    snprintf (kept, sizeof kept, "%s", detail? detail: "");
    util_printable (kept);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (util_sqlite_open (&db, store, false) || util_sqlite_exec (db, store, s_schema))
        goto done;
    if (sqlite3_prepare_v2 (db, "UPDATE contrib_uses SET last_round = ?, ended_ms = ?,"
                            " status = ?, detail = ? WHERE id = ?", -1, &st, NULL) != SQLITE_OK) {
        util_sqlite_fail (db, store, "recording an end");
        goto done;
    }
    sqlite3_bind_int64 (st, 1, last_round);
    sqlite3_bind_int64 (st, 2, now_ms);
    sqlite3_bind_text (st, 3, ok? "completed": "stopped", -1, SQLITE_STATIC);
    if (*kept)
        sqlite3_bind_text (st, 4, kept, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 5, id, -1, SQLITE_STATIC);
    if (sqlite3_step (st) != SQLITE_DONE) {
        util_sqlite_fail (db, store, "recording an end");
        goto done;
    }
    rc = 0;
done:
    sqlite3_finalize (st);
    sqlite3_close (db);
    return rc;
}

int
ingest_contrib_patient (char *out, size_t cap, const char *text)
{
    if (!text)
        return util_error (UTIL_EINPUT, "patient: none given");
    const char *id = strncmp (text, "Patient/", 8)? text: text + 8;
    size_t len = strlen (id);
    bool ok = len >= 1 && len <= S_FHIR_ID_MAX;
    for (size_t i = 0; ok && i < len; i++)
        ok = (id [i] >= 'A' && id [i] <= 'Z') || (id [i] >= 'a' && id [i] <= 'z')
          || (id [i] >= '0' && id [i] <= '9') || id [i] == '-' || id [i] == '.';
    if (!ok) {
        //  The text is an operator's input, not data: it may be echoed,
        //  made printable and cut.
        char shown [S_FHIR_ID_MAX + 2];
        snprintf (shown, sizeof shown, "%s", text);
        util_printable (shown);
        return util_error (UTIL_EINPUT, "patient '%s%s': not Patient/<id> with a FHIR id "
                           "(1..%d of A-Z a-z 0-9 - .)", shown,
                           strlen (text) >= sizeof shown? "...": "", S_FHIR_ID_MAX);
    }
    if ((size_t) snprintf (out, cap, "Patient/%s", id) >= cap)
        return util_error (UTIL_ELIMIT, "patient: the reference does not fit");
    return 0;
}

void
ingest_contrib_list_clear (ingest_contrib_list_t *self)
{
    if (!self)
        return;
    for (size_t i = 0; i < self->n; i++) {
        ingest_contrib_t *u = &self->uses [i];
        free (u->id);
        free (u->kind);
        free (u->name);
        free (u->dataset);
        free (u->purpose);
        free (u->analyst);
        free (u->study_ref);
        free (u->status);
        free (u->detail);
        for (size_t k = 0; k < u->n_grants; k++)
            free (u->grants [k].id);
        free (u->grants);
    }
    free (self->uses);
    memset (self, 0, sizeof *self);
}

//  A copy of column i's text (NULL for SQL NULL). 0, or -1 out of memory.
static int
s_text (sqlite3_stmt *st, int i, char **out)
{
    const char *text = (const char *) sqlite3_column_text (st, i);
    *out = NULL;
    if (!text && sqlite3_column_type (st, i) != SQLITE_NULL)
        return util_error (UTIL_ENOMEM, "out of memory reading contributions");
    return text && !(*out = util_strdup (text))? -1: 0;
}

//  Does the store have table `name`? 1, 0, or -1.
static int
s_has_table (sqlite3 *db, const char *path, const char *name)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2 (db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                            -1, &st, NULL) != SQLITE_OK)
        return util_sqlite_fail (db, path, "reading the schema");
    sqlite3_bind_text (st, 1, name, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    sqlite3_finalize (st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return util_sqlite_fail (db, path, "reading the schema");
    return step == SQLITE_ROW;
}

//  One result row into the list: a new use when its id differs from the
//  last one's, and its grant. 0 or -1.
static int
s_row (sqlite3_stmt *st, ingest_contrib_list_t *out, size_t *cap)
{
    const char *id = (const char *) sqlite3_column_text (st, 0);
    if (!id)
        return util_error (UTIL_ENOMEM, "out of memory reading contributions");
    if (!out->n || strcmp (out->uses [out->n - 1].id, id)) {
        if (out->n == *cap) {
            size_t more = *cap? 2 * *cap: 8;
            ingest_contrib_t *grown = util_realloc_array (out->uses, more, sizeof *grown);
            if (!grown)
                return -1;
            out->uses = grown;
            *cap = more;
        }
        ingest_contrib_t *u = &out->uses [out->n++];
        memset (u, 0, sizeof *u);
        if (s_text (st, 0, &u->id) || s_text (st, 1, &u->kind) || s_text (st, 2, &u->name)
        ||  s_text (st, 3, &u->analyst) || s_text (st, 4, &u->dataset)
        ||  s_text (st, 5, &u->purpose) || s_text (st, 6, &u->study_ref)
        ||  s_text (st, 7, &u->status) || s_text (st, 8, &u->detail))
            return -1;
        u->accepted_ms = sqlite3_column_int64 (st, 9);
        u->ended_ms = sqlite3_column_int64 (st, 10);
        u->last_round = (uint32_t) sqlite3_column_int64 (st, 11);
    }
    ingest_contrib_t *u = &out->uses [out->n - 1];
    //  A use has few grants: one more at a time.
    ingest_contrib_grant_t *grown = util_realloc_array (u->grants, u->n_grants + 1,
                                                        sizeof *grown);
    if (!grown)
        return -1;
    u->grants = grown;
    ingest_contrib_grant_t *g = &u->grants [u->n_grants];
    memset (g, 0, sizeof *g);
    if (s_text (st, 12, &g->id))
        return -1;
    u->n_grants++;
    g->granted_ms = sqlite3_column_int64 (st, 13);
    g->held = sqlite3_column_type (st, 14) != SQLITE_NULL;
    const char *status = (const char *) sqlite3_column_text (st, 14);
    g->revoked = g->held && status && strcmp (status, "active") != 0;
    g->revoked_ms = g->revoked? sqlite3_column_int64 (st, 15): 0;
    return 0;
}

//  The uses recorded for `patient` in the open store, oldest first.
static int
s_read (sqlite3 *db, const char *path, const char *patient, ingest_contrib_list_t *out)
{
    int has = s_has_table (db, path, "grants");
    if (has <= 0)
        return has < 0? -1: util_error (UTIL_EINPUT, "%s: not an ingest store (no grants "
                                        "table)", path);
    if ((has = s_has_table (db, path, "contrib_uses")) <= 0)
        return has;             //  no use recorded yet: none
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2 (db, "SELECT u.id, u.kind, u.name, u.analyst, u.dataset, u.purpose,"
                            " u.study_ref, u.status, u.detail, u.accepted_ms,"
                            " coalesce (u.ended_ms, 0), u.last_round, p.grant_id, p.granted_ms,"
                            " g.status, g.date_ms FROM contrib_patients p"
                            " JOIN contrib_uses u ON u.id = p.study"
                            " LEFT JOIN grants g ON g.id = p.grant_id WHERE p.patient = ?"
                            " ORDER BY u.accepted_ms, u.id, p.grant_id", -1, &st, NULL)
        != SQLITE_OK)
        return util_sqlite_fail (db, path, "reading contributions");
    sqlite3_bind_text (st, 1, patient, -1, SQLITE_STATIC);
    size_t cap = 0;
    int step, rc = 0;
    while (rc == 0 && (step = sqlite3_step (st)) == SQLITE_ROW)
        rc = s_row (st, out, &cap);
    if (rc == 0 && step != SQLITE_DONE)
        rc = util_sqlite_fail (db, path, "reading contributions");
    sqlite3_finalize (st);
    return rc;
}

//  The hex SHA-256 of the domain string and the patient reference.
static int
s_patient_hash (char hex [65], const char *patient)
{
    static const char domain [] = "cohort-contrib-v1\n";
    uint8_t md [32];
    unsigned int len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
    int ok = ctx && EVP_DigestInit_ex (ctx, EVP_sha256 (), NULL) == 1
          && EVP_DigestUpdate (ctx, domain, sizeof domain - 1) == 1
          && EVP_DigestUpdate (ctx, patient, strlen (patient)) == 1
          && EVP_DigestFinal_ex (ctx, md, &len) == 1 && len == sizeof md;
    EVP_MD_CTX_free (ctx);
    if (!ok)
        return util_error (UTIL_ECRYPTO, "contributions: SHA-256 failed");
    util_hex_encode (hex, md, sizeof md);
    hex [64] = 0;
    return 0;
}

//  "operator:<name>": the given name, else the effective user's.
static int
s_actor (char *out, size_t cap, const char *operator_name)
{
    char uid [32];
    if (!operator_name) {
        struct passwd *pw = getpwuid (geteuid ());
        snprintf (uid, sizeof uid, "uid:%lu", (unsigned long) geteuid ());
        operator_name = pw && pw->pw_name && *pw->pw_name? pw->pw_name: uid;
    }
    if (!*operator_name || (size_t) snprintf (out, cap, "operator:%s", operator_name) >= cap)
        return util_error (UTIL_EINPUT, "contributions: the operator's name is empty or too "
                           "long");
    util_printable (out);
    return 0;
}

int
ingest_contrib_read (const char *store, const char *audit, const char *origin,
                     const char *operator_name, const char *patient, ingest_contrib_list_t *out)
{
    memset (out, 0, sizeof *out);
    char actor [AUDIT_ACTOR_MAX], hash [65];
    if (!store || !audit)
        return util_error (UTIL_EINPUT, "contributions: the ingest store and the audit log are "
                           "required (every lookup is audited)");
    if (ingest_contrib_patient (out->patient, sizeof out->patient, patient)
    ||  s_actor (actor, sizeof actor, operator_name)
    ||  s_patient_hash (hash, out->patient))
        return -1;
    sqlite3 *db = NULL;
    audit_log_t *log = NULL;
    int rc = -1;
    //  The log first: a lookup that cannot be audited reads nothing.
    if (!(log = audit_log_open (audit, origin))
    ||  util_sqlite_open (&db, store, false)
    ||  s_read (db, store, out->patient, out))
        goto done;
    //  Shown only once audited.
    rc = s_audit (log, "contributions.read", actor,
                  json_pack ("{s:s, s:I}", "patient_sha256", hash, "uses", (json_int_t) out->n));
done:
    if (rc) {
        util_error_saved_t saved;
        util_error_save (&saved);
        char keep [sizeof out->patient];
        memcpy (keep, out->patient, sizeof keep);
        ingest_contrib_list_clear (out);
        memcpy (out->patient, keep, sizeof keep);
        util_error_restore (&saved);
    }
    sqlite3_close (db);
    audit_log_destroy (&log);
    return rc;
}
