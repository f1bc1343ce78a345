/*  Unit tests for ingest/consent.c: Consent parsing (every field rule),
    signed grant envelopes (every rejection) and the permit/deny decision
    (every rule, both sides of each period bound, the root's and each
    nested deny's). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/consent.h"
#include "util/alloc.h"
#include "util/error.h"
#include "support_error.h"
#include "support_file.h"

#define T_START 1793527200000LL     //  2026-11-01T10:00:00Z
#define T_END   1798761600000LL     //  2027-01-01T00:00:00Z

//  A research consent for Patient/p-0042: permits Organization/hospital-a
//  and ResearchStudy/sepsis-1 for HRESCH, from T_START to T_END, except
//  blood glucose (2339-0) from 2026-12-01.
static const char *s_good =
    "{\"resourceType\":\"Consent\",\"id\":\"c-1\",\"status\":\"%s\","
    "\"scope\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/consentscope\","
    "\"code\":\"research\"}]},"
    "\"category\":[{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"57016-8\"}]}],"
    "\"patient\":{\"reference\":\"Patient/p-0042\"},\"dateTime\":\"2026-10-30T09:00:00Z\","
    "\"provision\":{\"type\":\"%s\","
    "\"period\":{\"start\":\"2026-11-01T10:00:00Z\",\"end\":\"2027-01-01T00:00:00Z\"},"
    "\"actor\":[{\"role\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/"
    "v3-ParticipationType\",\"code\":\"CST\"}]},\"reference\":{\"reference\":"
    "\"Organization/hospital-a\"}},{\"reference\":{\"reference\":\"ResearchStudy/sepsis-1\"}}],"
    "\"purpose\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActReason\","
    "\"code\":\"HRESCH\"}],"
    "\"provision\":[{\"type\":\"deny\",\"period\":{\"start\":\"2026-12-01T00:00:00Z\"},"
    "\"code\":[{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"2339-0\"}]}]}]}}";

static char *
s_consent (const char *status, const char *type)
{
    static char buf [4096];
    snprintf (buf, sizeof buf, s_good, status, type);
    return buf;
}

static ingest_consent_t *
s_parse_ok (const char *json)
{
    ingest_consent_t *c = NULL;
    if (ingest_consent_parse (&c, json, strlen (json)) != INGEST_GRANT_OK)
        fail_msg ("rejected: %s", util_last_error ());
    return c;
}

static ingest_consent_query_t
s_query (void)
{
    return (ingest_consent_query_t) { .patient = "Patient/p-0042",
                                      .site = "Organization/hospital-a",
                                      .study = "ResearchStudy/other", .purpose = "HRESCH",
                                      .time_ms = T_START + 1000 };
}

static void
test_parse_and_accessors (void **state)
{
    (void) state;
    ingest_consent_t *c = s_parse_ok (s_consent ("active", "permit"));
    assert_string_equal (ingest_consent_id (c), "c-1");
    assert_string_equal (ingest_consent_patient (c), "Patient/p-0042");
    assert_string_equal (ingest_consent_status (c), "active");
    assert_true (ingest_consent_time (c) == 1793350800000LL);
    ingest_consent_destroy (&c);
    ingest_consent_destroy (&c);
    assert_null (c);
}

static void
test_decide (void **state)
{
    (void) state;
    ingest_consent_t *c = s_parse_ok (s_consent ("active", "permit"));
    ingest_consent_query_t q = s_query ();
    assert_int_equal (ingest_consent_decide (c, &q), INGEST_GRANT_OK);
    //  Either actor suffices: the study alone.
    q.site = "Organization/hospital-b";
    q.study = "ResearchStudy/sepsis-1";
    assert_int_equal (ingest_consent_decide (c, &q), INGEST_GRANT_OK);
    q.study = "ResearchStudy/other";
    assert_int_equal (ingest_consent_decide (c, &q), INGEST_GRANT_DENIED);
    assert_non_null (strstr (util_last_error (), "actors"));
    q = s_query ();
    q.purpose = "TREAT";
    assert_int_equal (ingest_consent_decide (c, &q), INGEST_GRANT_DENIED);
    assert_non_null (strstr (util_last_error (), "purpose"));
    q = s_query ();
    q.patient = "Patient/p-0043";
    assert_int_equal (ingest_consent_decide (c, &q), INGEST_GRANT_DENIED);
    assert_non_null (strstr (util_last_error (), "another patient"));
    //  Period: from its start; the end includes the second it names (R4:
    //  "the end value includes any matching date/time"). Heart rate, an
    //  item no nested rule denies.
    q = s_query ();
    q.loinc = "8867-4";
    q.time_ms = T_START;
    assert_int_equal (ingest_consent_decide (c, &q), INGEST_GRANT_OK);
    q.time_ms = T_START - 1;
    assert_int_equal (ingest_consent_decide (c, &q), INGEST_GRANT_NOT_YET_VALID);
    q.time_ms = T_END + 999;
    assert_int_equal (ingest_consent_decide (c, &q), INGEST_GRANT_OK);
    q.time_ms = T_END + 1000;
    assert_int_equal (ingest_consent_decide (c, &q), INGEST_GRANT_EXPIRED);
    //  The nested deny: glucose only, and only from 2026-12-01.
    q = s_query ();
    q.loinc = "2339-0";
    assert_int_equal (ingest_consent_decide (c, &q), INGEST_GRANT_OK);
    q.time_ms = 1796083200000LL;        //  2026-12-01T00:00:00Z
    assert_int_equal (ingest_consent_decide (c, &q), INGEST_GRANT_DENIED);
    assert_non_null (strstr (util_last_error (), "LOINC"));
    q.loinc = "8867-4";
    assert_int_equal (ingest_consent_decide (c, &q), INGEST_GRANT_OK);
    //  The patient's data as a whole may hold glucose: denied while the
    //  nested deny holds, permitted before.
    q.loinc = NULL;
    assert_int_equal (ingest_consent_decide (c, &q), INGEST_GRANT_DENIED);
    assert_non_null (strstr (util_last_error (), "may cover"));
    q.time_ms = 1796083200000LL - 1;
    assert_int_equal (ingest_consent_decide (c, &q), INGEST_GRANT_OK);
    ingest_consent_destroy (&c);
    //  Not active, or a deny at the root.
    const char *statuses [] = { "inactive", "draft", "proposed", "rejected", "entered-in-error" };
    for (int i = 0; i < 5; i++) {
        c = s_parse_ok (s_consent (statuses [i], "permit"));
        q = s_query ();
        assert_int_equal (ingest_consent_decide (c, &q), INGEST_GRANT_INACTIVE);
        ingest_consent_destroy (&c);
    }
    c = s_parse_ok (s_consent ("active", "deny"));
    assert_int_equal (ingest_consent_decide (c, &q), INGEST_GRANT_DENIED);
    assert_non_null (strstr (util_last_error (), "deny"));
    ingest_consent_destroy (&c);
}

//  A decision with no patient, or with a patient reference that is not
//  exactly the consent's, is never a permit: for every query the consent
//  permits (either actor, any item, both ends of the period), the same
//  query for no patient or a near-miss patient is DENIED.
static void
test_decide_needs_the_patient (void **state)
{
    (void) state;
    ingest_consent_t *c = s_parse_ok (s_consent ("active", "permit"));
    const char *sites [] = { "Organization/hospital-a", "Organization/hospital-b" };
    const char *studies [] = { "ResearchStudy/other", "ResearchStudy/sepsis-1" };
    const char *items [] = { NULL, "8867-4", "2339-0" };
    const int64_t times [] = { T_START, T_START + 1000, T_END - 1 };
    const char *others [] = { NULL, "", "Patient/", "Patient/p-004", "Patient/p-00420",
                              "patient/p-0042", "Patient/p-0042 ", "Patient/p-0043" };
    size_t permitted = 0;
    for (size_t a = 0; a < 2; a++)
        for (size_t i = 0; i < 3; i++)
            for (size_t t = 0; t < 3; t++) {
                ingest_consent_query_t q = s_query ();
                q.site = sites [a];
                q.study = studies [a];
                q.loinc = items [i];
                q.time_ms = times [t];
                if (ingest_consent_decide (c, &q) != INGEST_GRANT_OK)
                    continue;
                permitted++;
                for (size_t o = 0; o < sizeof others / sizeof others [0]; o++) {
                    q.patient = others [o];
                    if (ingest_consent_decide (c, &q) != INGEST_GRANT_DENIED)
                        fail_msg ("patient %s%s%s: not denied", others [o]? "'": "",
                                  others [o]? others [o]: "NULL", others [o]? "'": "");
                    assert_non_null (strstr (util_last_error (), "another patient"));
                }
            }
    //  Every query but glucose, and the patient's data as a whole (which
    //  may hold glucose), after the nested deny starts was a permit.
    assert_int_equal (permitted, 2 * 3 * 3 - 4);
    ingest_consent_destroy (&c);
}

//  A decision with no purpose is never a permit: a consent names the
//  purposes it allows (1..INGEST_CONSENT_LIST_MAX, the parser requires
//  them), and a use for no stated purpose is none of them. For every query
//  each consent permits (either actor, any item, both ends of the period,
//  each listed purpose), on the consent with one purpose and on one with
//  two, the same query with no purpose is DENIED for its purpose.
static void
test_decide_needs_a_purpose (void **state)
{
    (void) state;
    char two [4096];
    support_text_replace (two, sizeof two, s_consent ("active", "permit"),
                          "\"code\":\"HRESCH\"}]",
                          "\"code\":\"HRESCH\"},{\"system\":\"http://terminology.hl7.org/"
                          "CodeSystem/v3-ActReason\",\"code\":\"CLINTRCH\"}]");
    const char *sites [] = { "Organization/hospital-a", "Organization/hospital-b" };
    const char *studies [] = { "ResearchStudy/other", "ResearchStudy/sepsis-1" };
    const char *items [] = { NULL, "8867-4", "2339-0" };
    const int64_t times [] = { T_START, T_START + 1000, T_END - 1 };
    const char *purposes [] = { "HRESCH", "CLINTRCH" };
    for (size_t v = 0; v < 2; v++) {
        ingest_consent_t *c = s_parse_ok (v? two: s_consent ("active", "permit"));
        size_t permitted = 0;
        for (size_t p = 0; p < 2; p++)
            for (size_t a = 0; a < 2; a++)
                for (size_t i = 0; i < 3; i++)
                    for (size_t t = 0; t < 3; t++) {
                        ingest_consent_query_t q = s_query ();
                        q.purpose = purposes [p];
                        q.site = sites [a];
                        q.study = studies [a];
                        q.loinc = items [i];
                        q.time_ms = times [t];
                        if (ingest_consent_decide (c, &q) != INGEST_GRANT_OK)
                            continue;
                        permitted++;
                        q.purpose = NULL;
                        if (ingest_consent_decide (c, &q) != INGEST_GRANT_DENIED)
                            fail_msg ("no purpose, %s, %s, item %s: not denied", q.site,
                                      q.study, q.loinc? q.loinc: "any");
                        assert_non_null (strstr (util_last_error (), "purpose"));
                    }
        //  Every query but glucose and the data as a whole after the
        //  nested deny starts was a permit, for each purpose the consent
        //  lists (CLINTRCH: the second consent only).
        assert_int_equal (permitted, (v + 1) * (2 * 3 * 3 - 4));
        ingest_consent_destroy (&c);
    }
}

//  Actors, purposes and LOINC codes match whole: a name that extends or
//  cuts a listed one is not that one.
static void
test_decide_matches_whole_names (void **state)
{
    (void) state;
    ingest_consent_t *c = s_parse_ok (s_consent ("active", "permit"));
    const char *sites [] = { "Organization/hospital-a2", "Organization/hospital-", "Organization/" };
    for (size_t i = 0; i < 3; i++) {
        ingest_consent_query_t q = s_query ();
        q.site = sites [i];
        assert_int_equal (ingest_consent_decide (c, &q), INGEST_GRANT_DENIED);
    }
    const char *studies [] = { "ResearchStudy/sepsis-10", "ResearchStudy/sepsis-" };
    for (size_t i = 0; i < 2; i++) {
        ingest_consent_query_t q = s_query ();
        q.site = "Organization/hospital-b";
        q.study = studies [i];
        assert_int_equal (ingest_consent_decide (c, &q), INGEST_GRANT_DENIED);
    }
    const char *purposes [] = { "HRESCHX", "HRESC", "" };
    for (size_t i = 0; i < 3; i++) {
        ingest_consent_query_t q = s_query ();
        q.purpose = purposes [i];
        assert_int_equal (ingest_consent_decide (c, &q), INGEST_GRANT_DENIED);
    }
    //  While glucose (2339-0) is denied, codes that extend or cut it are not.
    const char *codes [] = { "2339-01", "2339-", "2339" };
    for (size_t i = 0; i < 3; i++) {
        ingest_consent_query_t q = s_query ();
        q.time_ms = 1796083200000LL;        //  2026-12-01T00:00:00Z
        q.loinc = codes [i];
        assert_int_equal (ingest_consent_decide (c, &q), INGEST_GRANT_OK);
    }
    ingest_consent_destroy (&c);
}

#define D_START 1796083200000LL     //  2026-12-01T00:00:00Z
#define D_END   1797292800000LL     //  2026-12-15T00:00:00Z
#define H_END   1794700800000LL     //  2026-11-15T00:00:00Z

//  Nested denies with an end: glucose (2339-0) from D_START to D_END, and
//  in a second nested provision heart rate (8867-4) until H_END. Each
//  deny holds from its start to the end of the second its end names,
//  like the root period; the second provision counts as much as the
//  first. The patient's data as a whole may hold either code: denied
//  while either deny holds.
static void
test_decide_nested_deny_ends (void **state)
{
    (void) state;
    char step [4096], json [4096];
    support_text_replace (step, sizeof step, s_consent ("active", "permit"),
                          "\"period\":{\"start\":\"2026-12-01T00:00:00Z\"}",
                          "\"period\":{\"start\":\"2026-12-01T00:00:00Z\","
                          "\"end\":\"2026-12-15T00:00:00Z\"}");
    support_text_replace (json, sizeof json, step, "\"2339-0\"}]}]}",
                          "\"2339-0\"}]}]},{\"type\":\"deny\",\"period\":{\"end\":"
                          "\"2026-11-15T00:00:00Z\"},\"code\":[{\"coding\":[{\"system\":"
                          "\"http://loinc.org\",\"code\":\"8867-4\"}]}]}");
    ingest_consent_t *c = s_parse_ok (json);
    struct { const char *loinc; int64_t time_ms; ingest_grant_reason_t want; } cases [] = {
        { "2339-0", D_START - 1, INGEST_GRANT_OK },
        { "2339-0", D_START, INGEST_GRANT_DENIED },
        { "2339-0", D_END + 999, INGEST_GRANT_DENIED },
        { "2339-0", D_END + 1000, INGEST_GRANT_OK },
        { "2339-0", T_END - 1, INGEST_GRANT_OK },
        { "8867-4", T_START, INGEST_GRANT_DENIED },
        { "8867-4", H_END + 999, INGEST_GRANT_DENIED },
        { "8867-4", H_END + 1000, INGEST_GRANT_OK },
        { "8867-4", D_START, INGEST_GRANT_OK },
        //  Other items, and the patient as a whole, throughout.
        { "718-7", H_END - 1, INGEST_GRANT_OK },
        { "718-7", D_END - 1, INGEST_GRANT_OK },
        { NULL, H_END - 1, INGEST_GRANT_DENIED },
        { NULL, D_END - 1, INGEST_GRANT_DENIED },
        { NULL, H_END + 1000, INGEST_GRANT_OK },
        { NULL, D_END + 1000, INGEST_GRANT_OK },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        ingest_consent_query_t q = s_query ();
        q.loinc = cases [i].loinc;
        q.time_ms = cases [i].time_ms;
        ingest_grant_reason_t r = ingest_consent_decide (c, &q);
        if (r != cases [i].want)
            fail_msg ("case %zu (%s at %lld): %s, wanted %s", i,
                      cases [i].loinc? cases [i].loinc: "any item",
                      (long long) cases [i].time_ms, ingest_grant_reason_name (r),
                      ingest_grant_reason_name (cases [i].want));
        if (r == INGEST_GRANT_DENIED)
            assert_non_null (strstr (util_last_error (), "LOINC"));
    }
    ingest_consent_destroy (&c);
}

//  Replaces the first `from` in the good consent by `to` and expects
//  rejection with `why`.
static void
s_expect_malformed (const char *from, const char *to, const char *why)
{
    char *good = s_consent ("active", "permit");
    char json [4096];
    support_text_replace (json, sizeof json, good, from, to);
    ingest_consent_t *c = (ingest_consent_t *) 1;
    ingest_grant_reason_t r = ingest_consent_parse (&c, json, strlen (json));
    support_expect_refused (r == INGEST_GRANT_MALFORMED, json, why);
    assert_null (c);
}

static void
test_parse_rejects (void **state)
{
    (void) state;
    s_expect_malformed ("{\"resourceType\"", "[{\"resourceType\"", "line 1");
    s_expect_malformed ("\"Consent\"", "\"Observation\"", "resourceType");
    s_expect_malformed ("\"id\":\"c-1\"", "\"id\":\"c_1\"", "id must be");
    s_expect_malformed ("\"id\":\"c-1\"", "\"idx\":\"c-1\"", "element 'idx'");
    s_expect_malformed ("\"id\":\"c-1\"", "\"identifier\":[]", "id must be");
    s_expect_malformed ("\"status\":\"active\"", "\"status\":\"revoked\"", "status");
    s_expect_malformed ("\"code\":\"research\"", "\"code\":\"patient-privacy\"", "scope");
    s_expect_malformed ("consentscope", "consentscopes", "scope");
    s_expect_malformed ("\"Patient/p-0042\"", "\"Person/p-0042\"", "patient.reference");
    s_expect_malformed ("\"Patient/p-0042\"", "\"Patient/\"", "patient.reference");
    s_expect_malformed ("\"dateTime\":\"2026-10-30T09:00:00Z\"", "\"dateTime\":\"2026-10-30T09:00\"",
                        "dateTime");
    s_expect_malformed ("\"dateTime\":\"2026-10-30T09:00:00Z\"", "\"dateTime\":\"0000-10-30\"",
                        "dateTime");
    s_expect_malformed ("\"provision\":{", "\"provisions\":{", "element 'provisions'");
    s_expect_malformed ("\"provision\":{", "\"text\":{", "provision is missing");
    s_expect_malformed ("\"type\":\"permit\"", "\"type\":\"allow\"", "provision.type");
    s_expect_malformed ("\"start\":\"2026-11-01T10:00:00Z\"", "\"start\":\"2026-11-01T10:00:00\"",
                        "provision.period.start");
    s_expect_malformed ("\"end\":\"2027-01-01T00:00:00Z\"", "\"end\":5", "provision.period.end");
    s_expect_malformed ("\"end\":\"2027-01-01T00:00:00Z\"", "\"end\":\"2026-11-01T09:00:00Z\"",
                        "ends before it starts");
    s_expect_malformed ("\"period\":{\"start\":\"2026-11-01T10:00:00Z\",\"end\":\"2027-01-01T00:00:00Z\"}",
                        "\"period\":\"2026\"", "provision.period must be an object");
    s_expect_malformed ("\"Organization/hospital-a\"", "\"Organization/\"", "provision.actor[0]");
    s_expect_malformed ("\"Organization/hospital-a\"", "\"http://h/Organization/a\"",
                        "provision.actor[0]");
    s_expect_malformed ("\"code\":\"CST\"", "\"code\":\"AUT\"", "provision.actor[0] role");
    s_expect_malformed ("\"ResearchStudy/sepsis-1\"", "\"ResearchStudy/\"", "provision.actor[1]");
    s_expect_malformed ("\"actor\":[", "\"actors\":[", "provision has the element 'actors'");
    s_expect_malformed ("v3-ActReason", "v3-Other", "provision.purpose[0]");
    s_expect_malformed ("\"purpose\":[{", "\"purpose\":[],\"x\":[{", "element 'x'");
    s_expect_malformed ("\"purpose\":[{", "\"purpose\":[],\"code\":[{", "provision.purpose must be");
    s_expect_malformed ("{\"type\":\"deny\",", "{", "provision.provision[0].type is required");
    s_expect_malformed ("{\"type\":\"deny\"", "{\"type\":\"maybe\"", "provision.provision[0].type");
    s_expect_malformed ("{\"type\":\"deny\"", "{\"provision\":[],\"type\":\"deny\"",
                        "provision.provision[0].provision must be an array");
    s_expect_malformed ("\"system\":\"http://loinc.org\",\"code\":\"2339-0\"",
                        "\"system\":\"http://snomed.info/sct\",\"code\":\"2339-0\"",
                        "provision.provision[0].code[0]");
    //  Two LOINC codes in one concept: refused, lest a deny withhold only
    //  the first. The same code twice, or beside another system, is one.
    s_expect_malformed ("\"system\":\"http://loinc.org\",\"code\":\"2339-0\"}",
                        "\"system\":\"http://loinc.org\",\"code\":\"2339-0\"},"
                        "{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}",
                        "provision.provision[0].code[0] coding[1] is a second LOINC code");
    s_expect_malformed ("\"provision\":[{\"type\":\"deny\"",
                        "\"provision\":\"x\",\"_type\":[{\"type\":\"deny\"",
                        "provision.provision must be an array");
    //  Too large.
    char *big = malloc (INGEST_CONSENT_MAX + 2);
    memset (big, ' ', INGEST_CONSENT_MAX + 1);
    ingest_consent_t *c = NULL;
    assert_int_equal (ingest_consent_parse (&c, big, INGEST_CONSENT_MAX + 1), INGEST_GRANT_MALFORMED);
    assert_non_null (strstr (util_last_error (), "exceeds"));
    free (big);
    //  Many actors: 64 allowed, 65 not.
    char many [16384] = "";
    size_t at = 0;
    for (int i = 0; i < 65; i++)
        at += (size_t) snprintf (many + at, sizeof many - at,
                                 "%s{\"reference\":{\"reference\":\"Organization/h%d\"}}",
                                 i? ",": "", i);
    char *good = s_consent ("active", "permit"), json [32768];
    const char *a = strstr (good, "\"actor\":[") + 9, *b = strstr (good, "],\"purpose\"");
    snprintf (json, sizeof json, "%.*s%s%s", (int) (a - good), good, many, b);
    assert_int_equal (ingest_consent_parse (&c, json, strlen (json)), INGEST_GRANT_MALFORMED);
    assert_non_null (strstr (util_last_error (), "1..64"));
    *strrchr (many, ',') = '\0';
    snprintf (json, sizeof json, "%.*s%s%s", (int) (a - good), good, many, b);
    assert_int_equal (ingest_consent_parse (&c, json, strlen (json)), INGEST_GRANT_OK);
    ingest_consent_destroy (&c);
}

//  A research consent of Patient/p-0042 whose provision is `provision`
//  (JSON), with `extra` members spliced into the resource.
static const char *
s_with (const char *provision, const char *extra)
{
    static char buf [8192];
    snprintf (buf, sizeof buf,
              "{\"resourceType\":\"Consent\",\"id\":\"c-2\",\"status\":\"active\","
              "\"scope\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/"
              "consentscope\",\"code\":\"research\"}]},"
              "\"patient\":{\"reference\":\"Patient/p-0042\"},\"dateTime\":\"2026-10-30\"%s,"
              "\"provision\":%s}", extra, provision);
    return buf;
}

//  The permit of the hospital for research that every case below starts
//  from, with `more` members added to it.
static const char *
s_permit (const char *more)
{
    static char buf [4096];
    snprintf (buf, sizeof buf,
              "{\"type\":\"permit\",\"actor\":[{\"reference\":{\"reference\":"
              "\"Organization/hospital-a\"}}],\"purpose\":[{\"system\":\"http://terminology.hl7.org/"
              "CodeSystem/v3-ActReason\",\"code\":\"HRESCH\"}]%s}", more);
    return buf;
}

//  One record (or the data as a whole with loinc NULL) of the patient, used
//  by the hospital for research at T_START.
static ingest_grant_reason_t
s_ask (const ingest_consent_t *c, const char *loinc, int64_t data_ms, const char *resource,
       const char *action)
{
    ingest_consent_query_t q = { .patient = "Patient/p-0042", .site = "Organization/hospital-a",
                                 .study = "ResearchStudy/sepsis-1", .purpose = "HRESCH",
                                 .time_ms = T_START, .loinc = loinc, .action = action,
                                 .has_data_time = data_ms != 0, .data_time_ms = data_ms,
                                 .resource = resource };
    return ingest_consent_decide (c, &q);
}

#define OK     INGEST_GRANT_OK
#define DENIED INGEST_GRANT_DENIED
#define JAN15  1421280000000LL      //  2015-01-15T00:00:00Z
#define FEB15  1423958400000LL      //  2015-02-15T00:00:00Z
#define LOINC(c) "{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"" c "\"}]}"

//  A permit limited by code permits exactly those codes: glucose only
//  permits glucose, not heart rate, and not the data as a whole. A panel
//  is permitted when the panel, or each of its components, is named.
static void
test_restrict_code (void **state)
{
    (void) state;
    ingest_consent_t *c = s_parse_ok (s_with (s_permit (",\"code\":[" LOINC ("2339-0") "]"), ""));
    assert_int_equal (s_ask (c, "2339-0", 0, NULL, NULL), OK);
    assert_int_equal (s_ask (c, "8867-4", 0, NULL, NULL), DENIED);
    assert_non_null (strstr (util_last_error (), "LOINC code is not among its codes"));
    assert_int_equal (s_ask (c, NULL, 0, NULL, NULL), DENIED);
    assert_non_null (strstr (util_last_error (), "as a whole"));
    ingest_consent_destroy (&c);
    c = s_parse_ok (s_with (s_permit (",\"code\":[" LOINC ("8480-6") "," LOINC ("8462-4") "]"), ""));
    assert_int_equal (s_ask (c, "85354-9", 0, NULL, NULL), OK);
    ingest_consent_destroy (&c);
    c = s_parse_ok (s_with (s_permit (",\"code\":[" LOINC ("8480-6") "]"), ""));
    assert_int_equal (s_ask (c, "85354-9", 0, NULL, NULL), DENIED);
    ingest_consent_destroy (&c);
    //  A nested deny of the systolic component covers the panel.
    c = s_parse_ok (s_with (s_permit (",\"provision\":[{\"type\":\"deny\",\"code\":["
                                      LOINC ("8480-6") "]}]"), ""));
    assert_int_equal (s_ask (c, "85354-9", 0, NULL, NULL), DENIED);
    assert_int_equal (s_ask (c, "8867-4", 0, NULL, NULL), OK);
    ingest_consent_destroy (&c);
}

//  dataPeriod bounds the time the data was recorded, not the time of use;
//  a date-only end includes its whole day (read in UTC).
static void
test_restrict_data_period (void **state)
{
    (void) state;
    ingest_consent_t *c = s_parse_ok (s_with (s_permit (",\"dataPeriod\":{\"start\":\"2015-01\","
                                                        "\"end\":\"2015-01-31\"}"), ""));
    assert_int_equal (s_ask (c, "8867-4", JAN15, NULL, NULL), OK);
    assert_int_equal (s_ask (c, "8867-4", 1420070400000LL, NULL, NULL), OK);       //  01-01T00:00Z
    assert_int_equal (s_ask (c, "8867-4", 1420070400000LL - 1, NULL, NULL), DENIED);
    assert_int_equal (s_ask (c, "8867-4", 1422748800000LL - 1, NULL, NULL), OK);   //  01-31T23:59:59.999Z
    assert_int_equal (s_ask (c, "8867-4", 1422748800000LL, NULL, NULL), DENIED);   //  02-01
    assert_non_null (strstr (util_last_error (), "dataPeriod"));
    assert_int_equal (s_ask (c, "8867-4", FEB15, NULL, NULL), DENIED);
    //  A record whose time is not known, and the data as a whole: not
    //  permitted.
    assert_int_equal (s_ask (c, "8867-4", 0, NULL, NULL), DENIED);
    assert_int_equal (s_ask (c, NULL, 0, NULL, NULL), DENIED);
    ingest_consent_destroy (&c);
    //  As a nested deny: the data of February is withheld.
    c = s_parse_ok (s_with (s_permit (",\"provision\":[{\"type\":\"deny\",\"dataPeriod\":"
                                      "{\"start\":\"2015-02\",\"end\":\"2015-02\"}}]"), ""));
    assert_int_equal (s_ask (c, "8867-4", JAN15, NULL, NULL), OK);
    assert_int_equal (s_ask (c, "8867-4", FEB15, NULL, NULL), DENIED);
    assert_int_equal (s_ask (c, "8867-4", 0, NULL, NULL), DENIED);
    assert_int_equal (s_ask (c, NULL, 0, NULL, NULL), DENIED);
    ingest_consent_destroy (&c);
}

//  data: the named Observation instance only.
static void
test_restrict_data (void **state)
{
    (void) state;
    const char *data = ",\"data\":[{\"meaning\":\"instance\",\"reference\":{\"reference\":"
                       "\"Observation/hr-1\"}}]";
    ingest_consent_t *c = s_parse_ok (s_with (s_permit (data), ""));
    assert_int_equal (s_ask (c, "8867-4", JAN15, "Observation/hr-1", NULL), OK);
    assert_int_equal (s_ask (c, "8867-4", JAN15, "Observation/hr-2", NULL), DENIED);
    assert_non_null (strstr (util_last_error (), "data"));
    assert_int_equal (s_ask (c, "8867-4", JAN15, NULL, NULL), DENIED);
    assert_int_equal (s_ask (c, NULL, 0, NULL, NULL), DENIED);
    ingest_consent_destroy (&c);
    char deny [512];
    snprintf (deny, sizeof deny, ",\"provision\":[{\"type\":\"deny\"%s}]", data);
    c = s_parse_ok (s_with (s_permit (deny), ""));
    assert_int_equal (s_ask (c, "8867-4", JAN15, "Observation/hr-2", NULL), OK);
    assert_int_equal (s_ask (c, "8867-4", JAN15, "Observation/hr-1", NULL), DENIED);
    //  Not knowing which record it is, the deny may cover it.
    assert_int_equal (s_ask (c, "8867-4", JAN15, NULL, NULL), DENIED);
    ingest_consent_destroy (&c);
}

//  action: the use of the data is "use" unless the query says otherwise.
static void
test_restrict_action (void **state)
{
    (void) state;
    const char *use = ",\"action\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/"
                      "CodeSystem/consentaction\",\"code\":\"%s\"}]}]";
    char more [512];
    snprintf (more, sizeof more, use, "use");
    ingest_consent_t *c = s_parse_ok (s_with (s_permit (more), ""));
    assert_int_equal (s_ask (c, "8867-4", JAN15, NULL, NULL), OK);
    assert_int_equal (s_ask (c, NULL, 0, NULL, NULL), OK);
    assert_int_equal (s_ask (c, "8867-4", JAN15, NULL, "disclose"), DENIED);
    assert_non_null (strstr (util_last_error (), "action"));
    ingest_consent_destroy (&c);
    snprintf (more, sizeof more, use, "access");
    c = s_parse_ok (s_with (s_permit (more), ""));
    assert_int_equal (s_ask (c, "8867-4", JAN15, NULL, NULL), DENIED);
    assert_int_equal (s_ask (c, "8867-4", JAN15, NULL, "access"), OK);
    ingest_consent_destroy (&c);
}

//  class: resource types; the records are Observations.
static void
test_restrict_class (void **state)
{
    (void) state;
    const char *cls = ",\"class\":[{\"system\":\"http://hl7.org/fhir/resource-types\","
                      "\"code\":\"%s\"}]";
    char more [512];
    snprintf (more, sizeof more, cls, "Observation");
    ingest_consent_t *c = s_parse_ok (s_with (s_permit (more), ""));
    assert_int_equal (s_ask (c, "8867-4", JAN15, NULL, NULL), OK);
    assert_int_equal (s_ask (c, NULL, 0, NULL, NULL), DENIED);
    ingest_consent_destroy (&c);
    snprintf (more, sizeof more, cls, "MedicationRequest");
    c = s_parse_ok (s_with (s_permit (more), ""));
    assert_int_equal (s_ask (c, "8867-4", JAN15, NULL, NULL), DENIED);
    assert_non_null (strstr (util_last_error (), "class"));
    ingest_consent_destroy (&c);
    //  A deny of MedicationRequest leaves Observations permitted.
    char deny [768];
    snprintf (deny, sizeof deny, ",\"provision\":[{\"type\":\"deny\"%s}]", more);
    c = s_parse_ok (s_with (s_permit (deny), ""));
    assert_int_equal (s_ask (c, "8867-4", JAN15, NULL, NULL), OK);
    ingest_consent_destroy (&c);
}

//  securityLabel: the records carry none, so a permit limited to labelled
//  data permits no record, and a deny of labelled data denies none; the
//  data as a whole might carry one.
static void
test_restrict_security_label (void **state)
{
    (void) state;
    const char *label = ",\"securityLabel\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/"
                        "v3-ActCode\",\"code\":\"PSY\"}]";
    ingest_consent_t *c = s_parse_ok (s_with (s_permit (label), ""));
    assert_int_equal (s_ask (c, "8867-4", JAN15, NULL, NULL), DENIED);
    assert_non_null (strstr (util_last_error (), "securityLabel"));
    assert_int_equal (s_ask (c, NULL, 0, NULL, NULL), DENIED);
    ingest_consent_destroy (&c);
    char deny [512];
    snprintf (deny, sizeof deny, ",\"provision\":[{\"type\":\"deny\"%s}]", label);
    c = s_parse_ok (s_with (s_permit (deny), ""));
    assert_int_equal (s_ask (c, "8867-4", JAN15, NULL, NULL), OK);
    assert_int_equal (s_ask (c, NULL, 0, NULL, NULL), DENIED);
    ingest_consent_destroy (&c);
}

//  Nested rules at any depth: a deny under the permit, a permit under
//  that deny; the deepest rule that applies decides; among siblings that
//  apply, a deny wins. A root deny with a nested permit permits only that.
static void
test_nested_any_depth (void **state)
{
    (void) state;
    ingest_consent_t *c = s_parse_ok (s_with (s_permit (
        ",\"provision\":[{\"type\":\"deny\",\"code\":[" LOINC ("2339-0") "," LOINC ("8867-4") "],"
        "\"provision\":[{\"type\":\"permit\",\"code\":[" LOINC ("8867-4") "]}]}]"), ""));
    assert_int_equal (s_ask (c, "2339-0", JAN15, NULL, NULL), DENIED);
    assert_int_equal (s_ask (c, "8867-4", JAN15, NULL, NULL), OK);
    assert_int_equal (s_ask (c, "9279-1", JAN15, NULL, NULL), OK);
    assert_int_equal (s_ask (c, NULL, 0, NULL, NULL), DENIED);
    ingest_consent_destroy (&c);
    //  Siblings: a permit and a deny of the same code: deny.
    c = s_parse_ok (s_with (s_permit (
        ",\"provision\":[{\"type\":\"permit\",\"code\":[" LOINC ("8867-4") "]},"
        "{\"type\":\"deny\",\"code\":[" LOINC ("8867-4") "]}]"), ""));
    assert_int_equal (s_ask (c, "8867-4", JAN15, NULL, NULL), DENIED);
    ingest_consent_destroy (&c);
    //  A root deny (its actors and purposes named) with one nested permit.
    c = s_parse_ok (s_with (
        "{\"type\":\"deny\",\"actor\":[{\"reference\":{\"reference\":\"Organization/hospital-a\"}}],"
        "\"purpose\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActReason\","
        "\"code\":\"HRESCH\"}],\"provision\":[{\"type\":\"permit\",\"code\":[" LOINC ("9279-1") "]}]}",
        ""));
    assert_int_equal (s_ask (c, "9279-1", JAN15, NULL, NULL), OK);
    assert_int_equal (s_ask (c, "8867-4", JAN15, NULL, NULL), DENIED);
    assert_non_null (strstr (util_last_error (), "deny"));
    ingest_consent_destroy (&c);
    //  Eight levels deep is the limit.
    char deep [4096] = "", tail [256] = "";
    strcat (deep, s_permit (",\"provision\":["));
    deep [strlen (deep) - 1] = '\0';            //  the permit's closing brace comes last
    for (int i = 0; i < 7; i++) {
        strcat (deep, i < 6? "{\"type\":\"deny\",\"provision\":[": "{\"type\":\"deny\"}");
        strcat (tail, i < 6? "]}": "");
    }
    strcat (deep, tail);
    strcat (deep, "]}");
    ingest_consent_t *d = NULL;
    assert_int_equal (ingest_consent_parse (&d, s_with (deep, ""), strlen (s_with (deep, ""))),
                      INGEST_GRANT_OK);
    ingest_consent_destroy (&d);
    //  One level more is refused.
    char deeper [4096];
    support_text_replace (deeper, sizeof deeper, deep, "{\"type\":\"deny\"}",
                          "{\"type\":\"deny\",\"provision\":[{\"type\":\"deny\"}]}");
    const char *json = s_with (deeper, "");
    support_expect_refused (ingest_consent_parse (&d, json, strlen (json))
                            == INGEST_GRANT_MALFORMED, json, "more than 8 deep");
    assert_null (d);
}

//  A permit that names no actor or purpose: the study is any the site runs
//  for research only when the site is configured so.
static void
test_open_research (void **state)
{
    (void) state;
    ingest_consent_t *c = s_parse_ok (s_with ("{\"period\":{\"start\":\"2015-01-01\"}}", ""));
    ingest_consent_query_t q = { .patient = "Patient/p-0042", .site = "Organization/hospital-a",
                                 .study = "ResearchStudy/sepsis-1", .purpose = "HRESCH",
                                 .time_ms = T_START };
    assert_int_equal (ingest_consent_decide (c, &q), DENIED);
    assert_non_null (strstr (util_last_error (), "open_research"));
    q.open_research = true;
    assert_int_equal (ingest_consent_decide (c, &q), OK);
    q.loinc = "8867-4";
    assert_int_equal (ingest_consent_decide (c, &q), OK);
    ingest_consent_destroy (&c);
}

//  ingest_consent_denies: a deny rule that covers the use, as against the
//  base policy. A permit for one study with a nested deny of glucose
//  denies glucose for that study only; a root deny denies what it names;
//  a permit that names no actor (read broadly) withholds its denied code
//  from every study even where the site reads it as permitting nothing.
static void
test_denies (void **state)
{
    (void) state;
    ingest_consent_query_t q = { .patient = "Patient/p-0042", .site = "Organization/hospital-b",
                                 .study = "ResearchStudy/sepsis-1", .purpose = "HRESCH",
                                 .time_ms = T_START, .loinc = "2339-0" };
    const char *deny_glucose = ",\"provision\":[{\"type\":\"deny\",\"code\":[" LOINC ("2339-0")
                               "]}]";
    char study [1024];
    snprintf (study, sizeof study, "{\"type\":\"permit\",\"actor\":[{\"reference\":"
              "{\"reference\":\"ResearchStudy/sepsis-1\"}}],\"purpose\":[{\"system\":"
              "\"http://terminology.hl7.org/CodeSystem/v3-ActReason\",\"code\":\"HRESCH\"}]%s}",
              deny_glucose);
    ingest_consent_t *c = s_parse_ok (s_with (study, ""));
    assert_int_equal (ingest_consent_decide (c, &q), DENIED);
    assert_true (ingest_consent_denies (c, &q));
    q.loinc = "8867-4";
    assert_int_equal (ingest_consent_decide (c, &q), OK);
    assert_false (ingest_consent_denies (c, &q));
    //  The data as a whole may hold glucose: denied by the rule.
    q.loinc = NULL;
    assert_true (ingest_consent_denies (c, &q));
    //  Another study is outside the consent: not permitted, not denied.
    q.study = "ResearchStudy/other";
    q.loinc = "2339-0";
    assert_int_equal (ingest_consent_decide (c, &q), DENIED);
    assert_false (ingest_consent_denies (c, &q));
    //  Another patient, or out of force: nothing.
    q.study = "ResearchStudy/sepsis-1";
    q.patient = "Patient/p-1";
    assert_false (ingest_consent_denies (c, &q));
    q.patient = "Patient/p-0042";
    q.time_ms = 1000;
    ingest_consent_destroy (&c);
    c = s_parse_ok (s_with ("{\"type\":\"deny\",\"period\":{\"start\":\"2026-01-01\"}}",
                            ""));
    assert_false (ingest_consent_denies (c, &q));
    q.time_ms = T_START;
    assert_true (ingest_consent_denies (c, &q));
    ingest_consent_destroy (&c);
    //  A permit that names no actor: this site does not read it as
    //  permitting (no open_research), but its deny speaks for the patient.
    char broad [512];
    snprintf (broad, sizeof broad, "{\"type\":\"permit\"%s}", deny_glucose);
    c = s_parse_ok (s_with (broad, ""));
    assert_int_equal (ingest_consent_decide (c, &q), DENIED);
    assert_true (ingest_consent_denies (c, &q));
    q.loinc = "8867-4";
    assert_false (ingest_consent_denies (c, &q));
    ingest_consent_destroy (&c);
}

//  What the parser refuses: every unknown element, a modifierExtension
//  anywhere, implicitRules, a base policy other than opt-in, and each
//  element's values it cannot read.
static void
test_refuses_unknown (void **state)
{
    (void) state;
    const char *ext = "[{\"url\":\"http://example.org/x\",\"valueBoolean\":true}]";
    char more [512];
    struct { const char *provision, *extra, *why; } cases [] = {
        { "{\"type\":\"permit\",\"modifierExtension\":%s}", "", "provision.modifierExtension" },
        { "{\"type\":\"permit\",\"actor\":[{\"reference\":{\"reference\":\"Organization/h\"},"
          "\"modifierExtension\":%s}]}", "", "provision.actor[0].modifierExtension" },
        { "{\"type\":\"permit\",\"provision\":[{\"type\":\"deny\",\"modifierExtension\":%s}]}", "",
          "provision.provision[0].modifierExtension" },
        { "{\"type\":\"permit\"}", ",\"modifierExtension\":%s", "modifierExtension" },
        { "{\"type\":\"permit\"}", ",\"text\":{\"modifierExtension\":%s}", "text.modifierExtension" },
        { "{\"type\":\"permit\",\"documentType\":%s}", "", "element 'documentType'" },
        { "{\"type\":\"permit\",\"expression\":%s}", "", "element 'expression'" },
        { "{\"type\":\"permit\",\"actor\":[{\"reference\":{\"reference\":\"Organization/h\"},"
          "\"x\":%s}]}", "", "element 'x'" },
        { "{\"type\":\"permit\",\"period\":{\"start\":\"2015\",\"x\":%s}}", "", "element 'x'" },
        { "{\"type\":\"permit\"}", ",\"decision\":%s", "element 'decision'" },
        { "{\"type\":\"permit\"}", ",\"implicitRules\":\"http://x\",\"y\":%s", "element 'y'" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        char p [1024], e [512];
        snprintf (p, sizeof p, cases [i].provision, ext);
        snprintf (e, sizeof e, cases [i].extra, ext);
        const char *json = s_with (p, e);
        ingest_consent_t *c = (ingest_consent_t *) 1;
        support_expect_refused (ingest_consent_parse (&c, json, strlen (json))
                                == INGEST_GRANT_MALFORMED, json, cases [i].why);
        assert_null (c);
    }
    const struct { const char *provision, *extra, *why; } more_cases [] = {
        { "{\"type\":\"permit\"}", ",\"implicitRules\":\"http://x\"", "implicitRules" },
        { "{\"type\":\"permit\"}", ",\"policyRule\":{\"coding\":[{\"system\":\"http://"
          "terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"OPTOUT\"}]}", "policyRule" },
        { "{\"type\":\"permit\",\"data\":[{\"meaning\":\"related\",\"reference\":{\"reference\":"
          "\"Task/example3\"}}]}", "", "provision.data[0] meaning must be instance" },
        { "{\"type\":\"permit\",\"data\":[{\"meaning\":\"instance\",\"reference\":{\"reference\":"
          "\"Task/example3\"}}]}", "", "provision.data[0] reference" },
        { "{\"type\":\"permit\",\"class\":[{\"system\":\"urn:ietf:bcp:13\",\"code\":"
          "\"application/hl7-cda+xml\"}]}", "", "provision.class[0]" },
        { "{\"type\":\"permit\",\"action\":[{\"coding\":[{\"system\":\"http://x\",\"code\":"
          "\"use\"}]}]}", "", "provision.action[0]" },
        { "{\"type\":\"permit\",\"securityLabel\":[{\"code\":\"R\"}]}", "",
          "provision.securityLabel[0]" },
        { "{\"type\":\"permit\",\"code\":[{\"coding\":[{\"system\":\"http://snomed.info/sct\","
          "\"code\":\"1\"}]}]}", "", "provision.code[0]" },
        { "{\"type\":\"permit\",\"dataPeriod\":{\"start\":\"2015-13\"}}", "",
          "provision.dataPeriod.start" },
        { "{\"type\":\"permit\",\"code\":[]}", "", "provision.code must be" },
    };
    for (size_t i = 0; i < sizeof more_cases / sizeof more_cases [0]; i++) {
        (void) more;
        const char *json = s_with (more_cases [i].provision, more_cases [i].extra);
        ingest_consent_t *c = (ingest_consent_t *) 1;
        support_expect_refused (ingest_consent_parse (&c, json, strlen (json))
                                == INGEST_GRANT_MALFORMED, json, more_cases [i].why);
        assert_null (c);
    }
    //  Elements R4 defines, that do not change the decision, are read.
    const char *fine = s_with ("{\"id\":\"p\",\"extension\":[],\"_type\":{}}",
                               ",\"meta\":{},\"text\":{},\"identifier\":[],\"category\":[],"
                               "\"policyRule\":{\"coding\":[{\"system\":\"http://terminology.hl7."
                               "org/CodeSystem/v3-ActCode\",\"code\":\"OPTIN\"}]},"
                               "\"organization\":[],\"policy\":[],\"verification\":[]");
    ingest_consent_t *c = s_parse_ok (fine);
    ingest_consent_destroy (&c);
}

static void
test_grants (void **state)
{
    (void) state;
    audit_signer_t *authority = audit_signer_generate ("consent-authority-1");
    audit_signer_t *stranger = audit_signer_generate ("consent-authority-1");
    char *vtext = audit_signer_verifier_text (authority);
    audit_verifier_t *v = audit_verifier_parse (vtext, strlen (vtext));
    const audit_verifier_t *keys [] = { v };
    const char *json = s_consent ("active", "permit");
    char *env = ingest_grant_sign (json, strlen (json), authority);
    assert_non_null (env);
    ingest_consent_t *c = NULL;
    assert_int_equal (ingest_grant_open (&c, env, strlen (env), keys, 1), INGEST_GRANT_OK);
    assert_string_equal (ingest_consent_id (c), "c-1");
    ingest_consent_destroy (&c);
    //  No enrolled authorities, or a different key with the same name.
    assert_int_equal (ingest_grant_open (&c, env, strlen (env), keys, 0),
                      INGEST_GRANT_UNKNOWN_AUTHORITY);
    char *forged = ingest_grant_sign (json, strlen (json), stranger);
    assert_int_equal (ingest_grant_open (&c, forged, strlen (forged), keys, 1),
                      INGEST_GRANT_UNKNOWN_AUTHORITY);
    free (forged);

    //  Take the envelope apart to build the bad ones.
    json_t *e = json_loads (env, 0, NULL);
    const char *c64 = json_string_value (json_object_get (e, "consent"));
    const char *signer = json_string_value (json_object_get (e, "signer"));
    const char *s64 = json_string_value (json_object_get (e, "signature"));
    char buf [16384];
    //  Unsigned.
    snprintf (buf, sizeof buf, "{\"consent\":\"%s\"}", c64);
    assert_int_equal (ingest_grant_open (&c, buf, strlen (buf), keys, 1), INGEST_GRANT_UNSIGNED);
    //  The consent changed (re-encoded with one byte different): bad signature.
    char *changed = strdup (json);
    *strstr (changed, "HRESCH") = 'X';
    char c64b [8192];
    EVP_EncodeBlock ((unsigned char *) c64b, (const unsigned char *) changed, (int) strlen (changed));
    snprintf (buf, sizeof buf, "{\"consent\":\"%s\",\"signer\":\"%s\",\"signature\":\"%s\"}",
              c64b, signer, s64);
    assert_int_equal (ingest_grant_open (&c, buf, strlen (buf), keys, 1), INGEST_GRANT_BAD_SIGNATURE);
    free (changed);
    //  A signature over the bare consent (no domain prefix): bad signature.
    uint8_t sig [AUDIT_SIGNATURE_LEN];
    assert_int_equal (audit_signer_sign (authority, sig, json, strlen (json)), 0);
    char s64b [128];
    EVP_EncodeBlock ((unsigned char *) s64b, sig, AUDIT_SIGNATURE_LEN);
    snprintf (buf, sizeof buf, "{\"consent\":\"%s\",\"signer\":\"%s\",\"signature\":\"%s\"}",
              c64, signer, s64b);
    assert_int_equal (ingest_grant_open (&c, buf, strlen (buf), keys, 1), INGEST_GRANT_BAD_SIGNATURE);
    //  Malformed envelopes.
    const char *bad [] = {
        "not json", "[]", "{}",
        "{\"consent\":\"%%%%\",\"signer\":\"x\",\"signature\":\"x\"}",
        "{\"consent\":\"e30\",\"signer\":\"x\",\"signature\":\"x\"}",
        "{\"consent\":\"e31=\",\"signer\":\"x\",\"signature\":\"x\"}",
        "{\"consent\":\" e30=\",\"signer\":\"x\",\"signature\":\"x\"}",
        "{\"consent\":\"e30=\",\"signature\":\"AAAA\"}",
        "{\"consent\":\"e30=\",\"signer\":\"x\",\"signature\":\"AAAA\"}",
        "{\"consent\":\"e30=\",\"signer\":\"x\",\"signer\":\"y\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        ingest_grant_reason_t r = ingest_grant_open (&c, bad [i], strlen (bad [i]), keys, 1);
        if (r != INGEST_GRANT_MALFORMED)
            fail_msg ("envelope %zu: %s (%s)", i, ingest_grant_reason_name (r), util_last_error ());
        assert_null (c);
    }
    //  A valid signature over a malformed Consent.
    forged = ingest_grant_sign ("{}", 2, authority);
    assert_int_equal (ingest_grant_open (&c, forged, strlen (forged), keys, 1),
                      INGEST_GRANT_MALFORMED);
    free (forged);
    char *big = malloc (INGEST_GRANT_MAX + 2);
    memset (big, ' ', INGEST_GRANT_MAX + 1);
    assert_int_equal (ingest_grant_open (&c, big, INGEST_GRANT_MAX + 1, keys, 1), INGEST_GRANT_MALFORMED);
    assert_null (ingest_grant_sign (big, INGEST_CONSENT_MAX + 1, authority));
    free (big);
    json_decref (e);
    free (env);
    free (vtext);
    audit_verifier_destroy (&v);
    audit_signer_destroy (&authority);
    audit_signer_destroy (&stranger);
}

static void
test_reason_names (void **state)
{
    (void) state;
    const char *want [] = { "ok", "malformed", "unsigned", "unknown_authority", "bad_signature",
                            "inactive", "not_yet_valid", "expired", "denied", "superseded" };
    for (int i = 0; i < INGEST_GRANT_REASON_COUNT; i++)
        assert_string_equal (ingest_grant_reason_name ((ingest_grant_reason_t) i), want [i]);
    assert_string_equal (ingest_grant_reason_name (INGEST_GRANT_REASON_COUNT), "unknown");
}

//  Each allocation of a parse, a signing and an opening fails in turn:
//  MALFORMED (or NULL) with UTIL_ENOMEM, no consent returned and nothing
//  leaked (the sanitizer build checks), until the call succeeds.
static void
test_out_of_memory (void **state)
{
    (void) state;
    const char *json = s_consent ("active", "permit");
    ingest_consent_t *c = NULL;
    ingest_grant_reason_t r = INGEST_GRANT_MALFORMED;
    long n;
    for (n = 0; n < 100 && r != INGEST_GRANT_OK; n++) {
        util_alloc_fail_after (n);
        r = ingest_consent_parse (&c, json, strlen (json));
        util_alloc_fail_after (-1);
        if (r != INGEST_GRANT_OK) {
            assert_int_equal (r, INGEST_GRANT_MALFORMED);
            assert_int_equal (util_last_code (), UTIL_ENOMEM);
            assert_null (c);
        }
    }
    //  The consent, its id, status and patient, two actors, a purpose, a
    //  nested deny and its code.
    assert_true (n > 10);
    ingest_consent_query_t q = s_query ();
    assert_int_equal (ingest_consent_decide (c, &q), INGEST_GRANT_OK);
    ingest_consent_destroy (&c);

    audit_signer_t *authority = audit_signer_generate ("consent-authority-1");
    char *vtext = audit_signer_verifier_text (authority);
    audit_verifier_t *v = audit_verifier_parse (vtext, strlen (vtext));
    const audit_verifier_t *keys [] = { v };
    char *env = NULL;
    for (n = 0; n < 100 && !env; n++) {
        util_alloc_fail_after (n);
        env = ingest_grant_sign (json, strlen (json), authority);
        util_alloc_fail_after (-1);
        if (!env)
            assert_int_equal (util_last_code (), UTIL_ENOMEM);
    }
    assert_non_null (env);
    assert_true (n > 2);
    r = INGEST_GRANT_MALFORMED;
    for (n = 0; n < 100 && r != INGEST_GRANT_OK; n++) {
        util_alloc_fail_after (n);
        r = ingest_grant_open (&c, env, strlen (env), keys, 1);
        util_alloc_fail_after (-1);
        if (r != INGEST_GRANT_OK) {
            assert_int_equal (r, INGEST_GRANT_MALFORMED);
            assert_int_equal (util_last_code (), UTIL_ENOMEM);
            assert_null (c);
        }
    }
    //  The two base64 decodings and the signed message come first.
    assert_true (n > 13);
    assert_string_equal (ingest_consent_id (c), "c-1");
    ingest_consent_destroy (&c);
    free (env);
    free (vtext);
    audit_verifier_destroy (&v);
    audit_signer_destroy (&authority);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_parse_and_accessors),
        cmocka_unit_test (test_decide),
        cmocka_unit_test (test_decide_needs_the_patient),
        cmocka_unit_test (test_decide_needs_a_purpose),
        cmocka_unit_test (test_decide_matches_whole_names),
        cmocka_unit_test (test_decide_nested_deny_ends),
        cmocka_unit_test (test_parse_rejects),
        cmocka_unit_test (test_restrict_code),
        cmocka_unit_test (test_restrict_data_period),
        cmocka_unit_test (test_restrict_data),
        cmocka_unit_test (test_restrict_action),
        cmocka_unit_test (test_restrict_class),
        cmocka_unit_test (test_restrict_security_label),
        cmocka_unit_test (test_nested_any_depth),
        cmocka_unit_test (test_open_research),
        cmocka_unit_test (test_denies),
        cmocka_unit_test (test_refuses_unknown),
        cmocka_unit_test (test_grants),
        cmocka_unit_test (test_reason_names),
        cmocka_unit_test (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
