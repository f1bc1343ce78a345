/*  ingest/consent_decide.c - whether a parsed Consent permits a use: the
    period and status (ingest_consent_in_force), then R4's reading of the
    provisions (ingest_consent_decide, ingest/consent.h; the table is in
    docs/ingest.md). */
#include "consent_internal.h"
#include "fhir.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool
s_in (const char *s, const ingest_consent_list_t *list)
{
    for (size_t i = 0; s && i < list->n; i++)
        if (strcmp (s, list->items [i]) == 0)
            return true;
    return false;
}

static bool
s_holds (const ingest_consent_period_t *p, int64_t t)
{
    return (!p->has_start || t >= p->start) && (!p->has_end || t < p->end);
}

ingest_grant_reason_t
ingest_consent_in_force (const ingest_consent_t *c, int64_t time_ms)
{
    const ingest_consent_period_t *p = &c->root.period;
    if (strcmp (c->status, "active") != 0)
        return ingest_consent_fail (INGEST_GRANT_INACTIVE, "consent %s: status is %s", c->id,
                                    c->status);
    if (p->has_start && time_ms < p->start)
        return ingest_consent_fail (INGEST_GRANT_NOT_YET_VALID, "consent %s: not valid yet", c->id);
    if (p->has_end && time_ms >= p->end)
        return ingest_consent_fail (INGEST_GRANT_EXPIRED, "consent %s: expired", c->id);
    return INGEST_GRANT_OK;
}

//  Whether a rule's conditions hold for a use: certainly not, perhaps
//  (the use is the patient's data as a whole, or the record lacks what
//  the condition looks at), or certainly.
typedef enum { S_NO, S_MAYBE, S_YES } s_match_t;

//  Does the record's LOINC code fall under the rule's codes? A panel
//  (85354-9) holds its components: a deny naming any of its codes covers
//  it; a permit covers it if it names the panel, or every component.
static bool
s_code_match (const ingest_consent_rule_t *r, const char *loinc)
{
    if (s_in (loinc, &r->codes))
        return true;
    const char *const *parts = ingest_fhir_components (loinc);
    bool all = parts != NULL, any = false;
    for (size_t i = 0; parts && parts [i]; i++) {
        bool in = s_in (parts [i], &r->codes);
        all &= in;
        any |= in;
    }
    return r->permit? all: any;
}

//  Combines one condition into *m, keeping the first that decided in *why.
static void
s_cond (s_match_t *m, const char **why, s_match_t cond, const char *what)
{
    if (cond < *m) {
        if (*m == S_YES || cond == S_NO)
            *why = what;
        *m = cond;
    }
}

//  `named`: the rules above this one name actors (bit 0) and purposes
//  (bit 1), which a nested rule that names none inherits.
//  `broad`: read a permit that names no actor or purpose as covering any
//  (as open_research does), to find the scope a consent's denies have.
static s_match_t
s_match (const ingest_consent_rule_t *r, const ingest_consent_query_t *q, int named,
         bool broad, const char **why)
{
    bool item = q->loinc != NULL;
    s_match_t m = S_YES;
    *why = NULL;
    if (r->period.given)
        s_cond (&m, why, s_holds (&r->period, q->time_ms)? S_YES: S_NO,
                "the time of use is outside its period");
    //  A permit that names no actor (or no purpose) covers any study the
    //  site runs for research only when the site is configured so.
    if (r->actors.given)
        s_cond (&m, why, s_in (q->site, &r->actors) || s_in (q->study, &r->actors)? S_YES: S_NO,
                "neither the site nor the study is among its actors");
    else
    if (r->permit && !q->open_research && !broad && !(named & 1))
        s_cond (&m, why, S_NO, "it names no actor, and this site does not read that as any of "
                "its research studies (open_research)");
    if (r->purposes.given)
        s_cond (&m, why, s_in (q->purpose, &r->purposes)? S_YES: S_NO,
                "the purpose is not among its purposes");
    else
    if (r->permit && !q->open_research && !broad && !(named & 2))
        s_cond (&m, why, S_NO, "it names no purpose, and this site does not read that as any "
                "research purpose (open_research)");
    if (r->actions.given)
        s_cond (&m, why, s_in (q->action? q->action: "use", &r->actions)? S_YES: S_NO,
                "the action is not among its actions");
    //  The records held carry no security label (fhir.h refuses labelled
    //  Observations); the data as a whole is unknown.
    if (r->labels.given)
        s_cond (&m, why, item? S_NO: S_MAYBE, "securityLabel");
    if (r->classes.given)
        s_cond (&m, why, !item? S_MAYBE: s_in ("Observation", &r->classes)? S_YES: S_NO,
                "class does not include Observation");
    if (r->codes.given)
        s_cond (&m, why, !item? S_MAYBE: s_code_match (r, q->loinc)? S_YES: S_NO,
                "the item's LOINC code is not among its codes");
    if (r->data_period.given)
        s_cond (&m, why, !item || !q->has_data_time? S_MAYBE
                       : s_holds (&r->data_period, q->data_time_ms)? S_YES: S_NO,
                "the record's time is outside its dataPeriod");
    if (r->data.given)
        s_cond (&m, why, !item || !q->resource? S_MAYBE: s_in (q->resource, &r->data)? S_YES: S_NO,
                "the record is not among its data");
    return m;
}

//  Whether a rule applies: a permit when its conditions certainly hold, a
//  deny when they may.
static bool
s_applies (const ingest_consent_rule_t *r, s_match_t m)
{
    return r->permit? m == S_YES: m != S_NO;
}

//  The decision of a rule that applies: its own type, unless a nested
//  rule that applies decides otherwise (a deny among them wins). On deny,
//  `why` (if still empty) says which rule decided.
static bool
s_eval (const ingest_consent_rule_t *r, const ingest_consent_query_t *q, int named,
        const char *path, char *why, size_t cap)
{
    bool any_deny = false, any_permit = false;
    named |= (r->actors.given? 1: 0) | (r->purposes.given? 2: 0);
    for (size_t i = 0; i < r->nchildren; i++) {
        const ingest_consent_rule_t *child = &r->children [i];
        const char *what;
        s_match_t m = s_match (child, q, named, false, &what);
        if (!s_applies (child, m))
            continue;
        char sub [INGEST_CONSENT_PATH_MAX];
        snprintf (sub, sizeof sub, "%s.provision[%zu]", path, i);
        if (s_eval (child, q, named, sub, why, cap))
            any_permit = true;
        else
            any_deny = true;
    }
    if (any_deny)
        return false;
    if (any_permit)
        return true;
    if (!r->permit && !why [0]) {
        const char *what;
        s_match_t m = s_match (r, q, named, false, &what);
        snprintf (why, cap, "%s, a deny, %s%s%s%s", path,
                  m == S_YES? "covers this use": "may cover the patient's data",
                  r->codes.given? " (by LOINC code)": "", m == S_MAYBE && what? ": ": "",
                  m == S_MAYBE && what? what: "");
    }
    return r->permit;
}

ingest_grant_reason_t
ingest_consent_decide (const ingest_consent_t *c, const ingest_consent_query_t *q)
{
    ingest_grant_reason_t r = ingest_consent_in_force (c, q->time_ms);
    if (r != INGEST_GRANT_OK)
        return r;
    char why [320] = "";
    if (!q->patient || strcmp (q->patient, c->patient) != 0)
        snprintf (why, sizeof why, "it is for another patient");
    else {
        const char *what;
        s_match_t m = s_match (&c->root, q, 0, false, &what);
        if (!s_applies (&c->root, m)) {
            //  Outside the root rule the opt-in base policy holds: deny.
            if (m == S_NO)
                snprintf (why, sizeof why, "provision: %s", what);
            else
                snprintf (why, sizeof why, "provision restricts the data (%s), so it cannot "
                          "permit the patient's data as a whole", what);
        }
        else
        if (s_eval (&c->root, q, 0, "provision", why, sizeof why))
            return INGEST_GRANT_OK;
        else
        if (!why [0])
            snprintf (why, sizeof why, "its provision is a deny");
    }
    return ingest_consent_fail (INGEST_GRANT_DENIED, "consent %s: denied: %s", c->id, why);
}

bool
ingest_consent_denies (const ingest_consent_t *c, const ingest_consent_query_t *q)
{
    if (ingest_consent_in_force (c, q->time_ms) != INGEST_GRANT_OK
    ||  !q->patient || strcmp (q->patient, c->patient) != 0)
        return false;
    //  The root read broadly: a consent whose permit names no study still
    //  speaks for the patient where it denies. Nested rules are read as
    //  ingest_consent_decide reads them, so a deny's permit exceptions
    //  count only where they would permit.
    const char *what;
    s_match_t m = s_match (&c->root, q, 0, true, &what);
    if (!s_applies (&c->root, m) && !(c->root.permit && m == S_MAYBE))
        return false;
    char why [320] = "";
    return !s_eval (&c->root, q, 0, "provision", why, sizeof why);
}
