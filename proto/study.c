/*  proto/study.c - strict parsing of study.cfg. */
#include "study.h"
#include "query.h"
#include "plan.h"
#include "util/alloc.h"
#include "util/error.h"

#include <czmq.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *s_keys [] = {
    "name", "dataset", "label", "features", "categorical", "missing", "model", "hidden",
    "optimizer", "learning_rate", "l2", "steps", "sampling_rate", "clip", "min_sites",
    "eval_every", "local_epochs", "local_learning_rate", "local_batch", "scale", "privacy",
    "id", "purpose", NULL
};
static const char *s_privacy_keys [] = { "unit", "epsilon", "delta", "off", "eval_share", NULL };
static const char *s_query_keys [] = { "name", "dataset", "expr", "min_sites", "privacy", "id",
                                       "purpose", NULL };
static const char *s_query_privacy_keys [] = { "epsilon", "delta", "off", NULL };

static int
s_known (const char *name, const char **keys)
{
    for (int i = 0; keys [i]; i++)
        if (!strcmp (name, keys [i]))
            return 1;
    return 0;
}

static const char *
s_get (zconfig_t *root, const char *path)
{
    zconfig_t *item = zconfig_locate (root, path);
    return item? zconfig_value (item): NULL;
}

static int
s_number (const char *origin, zconfig_t *root, const char *path, double lo, double hi,
          int required, double fallback, double *out)
{
    const char *text = s_get (root, path);
    if (!text || !*text) {
        if (required)
            return util_error (UTIL_EINPUT, "%s: %s: missing", origin, path);
        *out = fallback;
        return 0;
    }
    char *end;
    errno = 0;
    double v = strtod (text, &end);
    if (errno || end == text || *end || !isfinite (v) || v < lo || v > hi)
        return util_error (UTIL_EINPUT, "%s: %s: '%s' is not a number in [%g, %g]", origin, path, text, lo, hi);
    *out = v;
    return 0;
}

static int
s_name (const char *origin, zconfig_t *root, const char *path, char **out)
{
    const char *text = s_get (root, path);
    if (!text || !*text)
        return util_error (UTIL_EINPUT, "%s: %s: missing", origin, path);
    if (strlen (text) > 128)
        return util_error (UTIL_ELIMIT, "%s: %s: longer than 128 characters", origin, path);
    if (!(*out = util_strdup (text)))
        return util_error_context ("%s: %s", origin, path);
    return 0;
}

//  Splits "a,b,c" (spaces around items ignored); an empty item is an error.
static int
s_list (const char *origin, const char *path, const char *text, char ***items, size_t *count)
{
    *items = NULL;
    *count = 0;
    size_t n = 1;
    for (const char *p = text; *p; p++)
        n += *p == ',';
    if (n > 4096)
        return util_error (UTIL_ELIMIT, "%s: %s: more than 4096 items", origin, path);
    char *copy = util_strdup (text), *save = NULL;
    char **list = copy? util_calloc (n, sizeof *list): NULL;
    if (!list) {
        free (copy);
        return util_error_context ("%s: %s", origin, path);
    }
    size_t k = 0;
    int rc = 0;
    for (char *tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        size_t len = strlen (tok);
        while (len && tok [len - 1] == ' ')
            tok [--len] = 0;
        if (!len || len > 128) {
            rc = util_error (UTIL_ELIMIT, "%s: %s: item %zu is empty or too long", origin, path, k + 1);
            break;
        }
        if (!(list [k] = util_strdup (tok))) {
            rc = util_error_context ("%s: %s", origin, path);
            break;
        }
        k++;
    }
    if (!rc && (k == 0 || k != n))
        rc = util_error (UTIL_EINPUT, "%s: %s: empty item in '%s'", origin, path, text);
    free (copy);
    if (rc) {
        for (size_t i = 0; i < k; i++)
            free (list [i]);
        free (list);
        return -1;
    }
    *items = list;
    *count = k;
    return 0;
}

static int
s_choice (const char *origin, zconfig_t *root, const char *path, const char *a,
          const char *b, int *out)
{
    const char *text = s_get (root, path);
    if (!text || !*text || !strcmp (text, a))
        *out = 0;
    else
    if (!strcmp (text, b))
        *out = 1;
    else
        return util_error (UTIL_EINPUT, "%s: %s: '%s' is neither '%s' nor '%s'", origin, path, text, a, b);
    return 0;
}

//  The local-training keys of DP-FedAvg: meaningful (and accepted) only
//  with privacy/unit = site, so a record-level study cannot carry a
//  setting that silently does nothing.
static int
s_local (const char *origin, zconfig_t *root, proto_study_t *s)
{
    static const char *keys [] = { "local_epochs", "local_learning_rate", "local_batch" };
    if (s->unit == PROTO_UNIT_RECORD) {
        for (int i = 0; i < 3; i++) {
            char path [64];
            snprintf (path, sizeof path, "study/%s", keys [i]);
            if (zconfig_locate (root, path))
                return util_error (UTIL_EINPUT, "%s: %s: only for privacy/unit = site (record-level "
                                   "training has no local epochs)", origin, path);
        }
        return 0;
    }
    double epochs, batch;
    if (s_number (origin, root, "study/local_epochs", 1, PROTO_LOCAL_EPOCHS_MAX, 0, 1, &epochs)
    ||  s_number (origin, root, "study/local_learning_rate", 1e-9, 100, 0, 0.1,
                  &s->local_learning_rate)
    ||  s_number (origin, root, "study/local_batch", 1, PROTO_LOCAL_BATCH_MAX, 0, 32, &batch))
        return -1;
    if (epochs != floor (epochs))
        return util_error (UTIL_EINPUT, "%s: study/local_epochs: not a whole number", origin);
    if (batch != floor (batch))
        return util_error (UTIL_EINPUT, "%s: study/local_batch: not a whole number", origin);
    s->local_epochs = (unsigned) epochs;
    s->local_batch = (size_t) batch;
    return 0;
}

//  Unknown keys in a section are refused, naming the first.
static int
s_keys_known (const char *origin, zconfig_t *root, const char *path, const char **keys)
{
    zconfig_t *section = zconfig_locate (root, path);
    for (zconfig_t *c = section? zconfig_child (section): NULL; c; c = zconfig_next (c))
        if (!s_known (zconfig_name (c), keys))
            return util_error (UTIL_EINPUT, "%s: %s/%s: unknown key", origin, path,
                               zconfig_name (c));
    return 0;
}

//  privacy/off, epsilon and delta under `section`.
static int
s_privacy (const char *origin, zconfig_t *root, const char *section, proto_study_t *s)
{
    char path [64];
    snprintf (path, sizeof path, "%s/privacy/off", section);
    const char *off = s_get (root, path);
    if (off && *off && strcmp (off, "true") && strcmp (off, "false"))
        return util_error (UTIL_EINPUT, "%s: %s: '%s' is neither 'true' nor 'false'", origin,
                           path, off);
    s->privacy_off = off && !strcmp (off, "true");
    char eps [64], delta [64];
    snprintf (eps, sizeof eps, "%s/privacy/epsilon", section);
    snprintf (delta, sizeof delta, "%s/privacy/delta", section);
    if (s_number (origin, root, eps, 1e-6, 1e4, !s->privacy_off, 0, &s->epsilon)
    ||  s_number (origin, root, delta, 1e-300, PROTO_DELTA_MAX, !s->privacy_off, 0, &s->delta))
        return -1;
    return 0;
}

//  The healthcare-research purposes of use a study may declare
//  (v3-ActReason: HRESCH, the default, first, and the codes under it).
static const char *s_purposes [] = {
    PROTO_STUDY_PURPOSE_DEFAULT, "BIORCH", "CLINTRCH", "CLINTRCHNPC", "CLINTRCHPC",
    "PRECLINTRCH", "DSRCH", "POARCH", "TRANSRCH", NULL
};

//  section/id and section/purpose: what the patients' consents must name
//  for the study to use their data (ingest/cohort.h). id, if given, is a
//  FHIR id (1..64 of [A-Za-z0-9.-]); purpose is one of s_purposes
//  (default PROTO_STUDY_PURPOSE_DEFAULT).
static int
s_consent_use (const char *origin, zconfig_t *root, const char *section, proto_study_t *s)
{
    char path [32];
    snprintf (path, sizeof path, "%s/id", section);
    const char *id = s_get (root, path);
    if (id && *id) {
        size_t len = strlen (id);
        if (len > 64 || strspn (id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                    "0123456789.-") != len)
            return util_error (UTIL_EINPUT, "%s: %s: a study id is 1..64 of [A-Za-z0-9.-] (the "
                               "ResearchStudy id its consents name)", origin, path);
        if (!(s->id = util_strdup (id)))
            return util_error_context ("%s: %s", origin, path);
    }
    snprintf (path, sizeof path, "%s/purpose", section);
    const char *purpose = s_get (root, path);
    s->purpose = s_purposes [0];
    if (!purpose || !*purpose)
        return 0;
    for (size_t i = 0; s_purposes [i]; i++)
        if (strcmp (purpose, s_purposes [i]) == 0) {
            s->purpose = s_purposes [i];
            return 0;
        }
    return util_error (UTIL_EINPUT, "%s: %s: '%s' is not a v3-ActReason healthcare-research "
                       "code (HRESCH, BIORCH, CLINTRCH, CLINTRCHNPC, CLINTRCHPC, PRECLINTRCH, "
                       "DSRCH, POARCH, TRANSRCH)", origin, path, purpose);
}

//  A query definition: name, dataset, expr, min_sites and privacy.
static int
s_parse_query (const char *origin, zconfig_t *root, proto_study_t *s)
{
    if (s_keys_known (origin, root, "query", s_query_keys)
    ||  s_keys_known (origin, root, "query/privacy", s_query_privacy_keys))
        return -1;
    const char *name = s_get (root, "query/name");
    if (name && *name) {
        if (s_name (origin, root, "query/name", &s->name))
            return -1;
    }
    else
    if (!(s->name = util_strdup ("query")))
        return util_error_context ("%s", origin);
    if (s_name (origin, root, "query/dataset", &s->dataset))
        return -1;
    const char *expr = s_get (root, "query/expr");
    if (!expr || !*expr)
        return util_error (UTIL_EINPUT, "%s: query/expr: missing", origin);
    if (strlen (expr) > PROTO_QUERY_TEXT_MAX)
        return util_error (UTIL_ELIMIT, "%s: query/expr: longer than %d characters", origin,
                           PROTO_QUERY_TEXT_MAX);
    if (!(s->query = util_strdup (expr)))
        return util_error_context ("%s", origin);
    double v;
    if (s_number (origin, root, "query/min_sites", 1, PROTO_MAX_PARTIES, 1, 0, &v))
        return -1;
    if (v != floor (v))
        return util_error (UTIL_EINPUT, "%s: query/min_sites: not a whole number", origin);
    s->min_sites = (unsigned) v;
    s->steps = 0;
    s->sampling_rate = 1;
    if (s_consent_use (origin, root, "query", s))
        return -1;
    return s_privacy (origin, root, "query", s);
}

proto_study_t *
proto_study_parse (const char *text, const char *origin)
{
    zconfig_t *root = zconfig_str_load (text);
    bool query = root && zconfig_locate (root, "query") && !zconfig_locate (root, "study");
    if (!root || (!query && !zconfig_locate (root, "study"))) {
        zconfig_destroy (&root);
        util_error (UTIL_EINPUT, "%s: not a study or query definition (no 'study' or 'query' "
                    "section)", origin);
        return NULL;
    }
    //  zconfig (czmq) aborts the process when memory runs out, as GMP does;
    //  everything allocated here is checked.
    proto_study_t *s = util_calloc (1, sizeof *s);
    if (!s) {
        zconfig_destroy (&root);
        util_error_context ("%s", origin);
        return NULL;
    }
    int rc = -1, choice = 0;        //  choice: set by s_choice (zeroed for -O3)
    double v;
    if (query) {
        rc = s_parse_query (origin, root, s);
        goto done;
    }
    if (s_keys_known (origin, root, "study", s_keys)
    ||  s_keys_known (origin, root, "study/privacy", s_privacy_keys))
        goto done;
    if (s_name (origin, root, "study/name", &s->name)
    ||  s_name (origin, root, "study/dataset", &s->dataset)
    ||  s_name (origin, root, "study/label", &s->label)
    ||  s_consent_use (origin, root, "study", s))
        goto done;
    const char *features = s_get (root, "study/features");
    if (features && *features
    &&  s_list (origin, "study/features", features, &s->features, &s->n_features))
        goto done;
    const char *categorical = s_get (root, "study/categorical");
    if (categorical && *categorical) {
        util_error (UTIL_EINPUT, "%s: study/categorical: leave it empty: a federated study takes "
                    "its categorical columns and their levels from the consortium's data "
                    "dictionary (docs/dictionary.md)", origin);
        goto done;
    }
    if (s_choice (origin, root, "study/missing", "drop", "impute", &choice))
        goto done;
    s->impute = choice;
    const char *scale = s_get (root, "study/scale");
    if (!scale || !*scale || !strcmp (scale, "auto"))
        s->scale = PROTO_SCALE_AUTO;
    else
    if (!strcmp (scale, "statistics"))
        s->scale = PROTO_SCALE_STATISTICS;
    else
    if (!strcmp (scale, "bounds"))
        s->scale = PROTO_SCALE_BOUNDS;
    else {
        util_error (UTIL_EINPUT, "%s: study/scale: '%s' is not 'auto', 'statistics' or 'bounds'",
                    origin, scale);
        goto done;
    }
    s->bounds = s->scale == PROTO_SCALE_BOUNDS;
    if (s_choice (origin, root, "study/model", "logistic", "mlp", &choice))
        goto done;
    s->model = choice? PROTO_MODEL_MLP: PROTO_MODEL_LOGISTIC;
    if (s->model == PROTO_MODEL_MLP) {
        const char *hidden = s_get (root, "study/hidden");
        char **items = NULL;
        size_t n = 0;
        if (!hidden || !*hidden)
            hidden = "32";
        if (s_list (origin, "study/hidden", hidden, &items, &n))
            goto done;
        int bad = n > PROTO_HIDDEN_MAX;
        for (size_t i = 0; i < n; i++) {
            char *end;
            long w = strtol (items [i], &end, 10);
            if (*end || w < 1 || w > 4096)
                bad = 1;
            else
            if (i < PROTO_HIDDEN_MAX)
                s->hidden [i] = (size_t) w;
            free (items [i]);
        }
        free (items);
        if (bad) {
            util_error (UTIL_EINPUT, "%s: study/hidden: need 1..3 widths in 1..4096", origin);
            goto done;
        }
        s->n_hidden = n;
    }
    if (s_choice (origin, root, "study/optimizer", "adam", "sgd", &choice))
        goto done;
    s->optimizer = choice? PROTO_OPT_SGD: PROTO_OPT_ADAM;
    if (s_number (origin, root, "study/learning_rate", 1e-9, 100, 0, 0.05, &s->learning_rate)
    ||  s_number (origin, root, "study/l2", 0, 1e6, 0, 1, &s->l2)
    ||  s_number (origin, root, "study/steps", 1, PROTO_STUDY_STEPS_MAX, 1, 0, &v))
        goto done;
    s->steps = (uint64_t) v;
    if (v != floor (v)) {
        util_error (UTIL_EINPUT, "%s: study/steps: not a whole number", origin);
        goto done;
    }
    //  The unit decides what the sampling rate and the local keys mean.
    const char *unit = s_get (root, "study/privacy/unit");
    if (!unit || !*unit || !strcmp (unit, "record"))
        s->unit = PROTO_UNIT_RECORD;
    else
    if (!strcmp (unit, "site"))
        s->unit = PROTO_UNIT_SITE;
    else {
        util_error (UTIL_EINPUT, "%s: study/privacy/unit: '%s' is neither 'record' nor 'site'", origin, unit);
        goto done;
    }
    if (s_number (origin, root, "study/sampling_rate", 1e-9, 1, s->unit == PROTO_UNIT_RECORD, 1,
                  &s->sampling_rate))
        goto done;
    //  Site-level DP-FedAvg: every site contributes every round; no
    //  amplification by sampling sites is claimed (docs/privacy.md).
    if (s->unit == PROTO_UNIT_SITE && s->sampling_rate != 1) {
        util_error (UTIL_EINPUT, "%s: study/sampling_rate: must be 1 with privacy/unit = site (sites are "
                    "not sampled)", origin);
        goto done;
    }
    if (s_local (origin, root, s))
        goto done;
    if (s_number (origin, root, "study/clip", 1e-9, 1e6, 0, 1, &s->clip)
    ||  s_number (origin, root, "study/min_sites", 1, PROTO_MAX_PARTIES, 1, 0, &v))
        goto done;
    s->min_sites = (unsigned) v;
    if (s_number (origin, root, "study/eval_every", 0, PROTO_STUDY_STEPS_MAX, 0, 0, &v))
        goto done;
    s->eval_every = (uint64_t) v;
    if (s_privacy (origin, root, "study", s)
    ||  s_number (origin, root, "study/privacy/eval_share", PROTO_EVAL_SHARE_MIN,
                  PROTO_EVAL_SHARE_MAX, 0, PROTO_EVAL_SHARE_DEFAULT, &s->eval_share))
        goto done;
    rc = 0;
done:
    zconfig_destroy (&root);
    if (rc)
        proto_study_destroy (&s);
    return s;
}

void
proto_study_destroy (proto_study_t **self_p)
{
    if (self_p && *self_p) {
        proto_study_t *s = *self_p;
        free (s->name);
        free (s->dataset);
        free (s->label);
        free (s->query);
        free (s->id);
        for (size_t i = 0; i < s->n_features; i++)
            free (s->features [i]);
        free (s->features);
        free (s);
        *self_p = NULL;
    }
}

int
proto_study_eval_after (const proto_study_t *self, uint64_t step)
{
    if (step == self->steps)
        return 1;
    return self->eval_every && step % self->eval_every == 0;
}

uint64_t
proto_study_eval_rounds (const proto_study_t *self)
{
    uint64_t n = self->eval_every? self->steps / self->eval_every: 0;
    if (!self->eval_every || self->steps % self->eval_every)
        n++;
    return n;
}

void
proto_study_resolve_scale (proto_study_t *self, bool dictionary)
{
    if (self->scale == PROTO_SCALE_AUTO)
        self->bounds = dictionary && !self->privacy_off;
}
