/*  models/modelfile.c - the model JSON: writer and strict parser. */
#include "modelfile.h"
#include "models.h"
#include "models_internal.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/file.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_FORMAT "cohort-model"

model_file_t *
model_file_new (void)
{
    return util_calloc (1, sizeof (model_file_t));
}

void
model_file_destroy (model_file_t **mf_p)
{
    if (!mf_p || !*mf_p)
        return;
    model_file_t *self = *mf_p;
    free (self->label);
    free (self->positive);
    free (self->negative);
    model_schema_destroy (&self->schema);
    gsl_vector *vectors [] = { self->impute, self->mean, self->std, self->w };
    for (size_t k = 0; k < sizeof vectors / sizeof vectors [0]; k++)
        if (vectors [k])
            gsl_vector_free (vectors [k]);
    model_mlp_destroy (&self->mlp);
    free (self->privacy);
    free (self);
    *mf_p = NULL;
}

void
model_file_original_scale (const model_file_t *mf, gsl_vector *coef, double *intercept)
{
    size_t p = mf->schema->n_cols;
    double b = gsl_vector_get (mf->w, p);
    for (size_t c = 0; c < p; c++) {
        double k = gsl_vector_get (mf->w, c) / gsl_vector_get (mf->std, c);
        gsl_vector_set (coef, c, k);
        b -= k * gsl_vector_get (mf->mean, c);
    }
    *intercept = b;
}

//  --------------------------------------------------------------------------
//  Writing

//  The writer's helpers. A maker returns a new value, or NULL with the
//  reason recorded and *ok cleared; once *ok is clear every helper does
//  nothing, so the first reason is the one kept and one check at the end
//  covers every step. s_set and s_push take the value's reference whether
//  or not they can store it.
static json_t *
s_made (json_t *j, const char *what, bool *ok)
{
    if (!j) {
        util_error (UTIL_ENOMEM, "model: out of memory writing %s", what);
        *ok = false;
    }
    return j;
}

static json_t *
s_obj (const char *what, bool *ok)
{
    return *ok? s_made (json_object (), what, ok): NULL;
}

static json_t *
s_arr (const char *what, bool *ok)
{
    return *ok? s_made (json_array (), what, ok): NULL;
}

static json_t *
s_str (const char *s, const char *what, bool *ok)
{
    if (!*ok)
        return NULL;
    if (!s) {
        util_error (UTIL_EINPUT, "model: %s is missing", what);
        *ok = false;
        return NULL;
    }
    json_t *j = json_string (s);
    if (!j) {
        //  json_string refuses text that is not UTF-8 (a CSV header need
        //  not be); the unchecked form fails only when memory runs out.
        json_t *raw = json_string_nocheck (s);
        if (raw)
            util_error (UTIL_EINPUT, "model: %s is not UTF-8 text", what);
        else
            util_error (UTIL_ENOMEM, "model: out of memory writing %s", what);
        json_decref (raw);
        *ok = false;
    }
    return j;
}

static json_t *
s_str_or_null (const char *s, const char *what, bool *ok)
{
    return s? s_str (s, what, ok): *ok? s_made (json_null (), what, ok): NULL;
}

static json_t *
s_real (double x, const char *what, bool *ok)
{
    if (!*ok)
        return NULL;
    //  json_real refuses NaN and infinities: a diverged model is named.
    if (!isfinite (x)) {
        util_error (UTIL_EINPUT, "model: %s is not a finite number", what);
        *ok = false;
        return NULL;
    }
    return s_made (json_real (x), what, ok);
}

static json_t *
s_int (json_int_t x, const char *what, bool *ok)
{
    return *ok? s_made (json_integer (x), what, ok): NULL;
}

static void
s_set (json_t *obj, const char *key, json_t *value, bool *ok)
{
    if (!*ok || !obj) {
        json_decref (value);
        return;
    }
    //  Keys are constants or column names already written as strings.
    if (json_object_set_new (obj, key, value)) {
        util_error (UTIL_ENOMEM, "model: out of memory writing '%s'", key);
        *ok = false;
    }
}

static void
s_push (json_t *array, json_t *value, const char *what, bool *ok)
{
    if (!*ok || !array) {
        json_decref (value);
        return;
    }
    if (json_array_append_new (array, value)) {
        util_error (UTIL_ENOMEM, "model: out of memory writing %s", what);
        *ok = false;
    }
}

//  The n numbers as an array; `what` names it ("preprocessing.mean").
static json_t *
s_vec (const gsl_vector *v, size_t n, const char *what, bool *ok)
{
    json_t *a = s_arr (what, ok);
    for (size_t k = 0; *ok && k < n; k++) {
        //  The element is named only when it is refused: this runs for
        //  every parameter of a model.
        double x = gsl_vector_get (v, k);
        char where [96] = "";
        if (!isfinite (x))
            snprintf (where, sizeof where, "%s[%zu]", what, k);
        s_push (a, s_real (x, *where? where: what, ok), what, ok);
    }
    if (!*ok) {
        json_decref (a);
        return NULL;
    }
    return a;
}

static void
s_write_logistic (json_t *root, const model_file_t *mf, bool *ok)
{
    const model_schema_t *schema = mf->schema;
    size_t p = schema->n_cols;
    gsl_vector *coef = *ok? model_vector_new (p, false): NULL;
    if (!coef) {
        if (*ok)
            util_error_context ("model: original-scale coefficients");
        *ok = false;
        return;
    }
    double b0 = 0;
    model_file_original_scale (mf, coef, &b0);
    json_t *named = s_obj ("logistic.original_scale.coefficients", ok);
    for (size_t c = 0; *ok && c < p; c++) {
        char where [300];
        snprintf (where, sizeof where, "logistic.original_scale.coefficients.%.200s",
                  schema->col_names [c]);
        s_set (named, schema->col_names [c], s_real (gsl_vector_get (coef, c), where, ok), ok);
    }
    gsl_vector_free (coef);
    json_t *original = s_obj ("logistic.original_scale", ok);
    s_set (original, "intercept", s_real (b0, "logistic.original_scale.intercept", ok), ok);
    s_set (original, "coefficients", named, ok);
    json_t *logistic = s_obj ("logistic", ok);
    s_set (logistic, "intercept", s_real (gsl_vector_get (mf->w, p), "logistic.intercept", ok), ok);
    s_set (logistic, "coefficients", s_vec (mf->w, p, "logistic.coefficients", ok), ok);
    s_set (logistic, "original_scale", original, ok);
    s_set (root, "logistic", logistic, ok);
}

static void
s_write_mlp (json_t *root, const model_file_t *mf, bool *ok)
{
    json_t *hidden = s_arr ("mlp.hidden", ok);
    for (size_t k = 0; *ok && k < model_mlp_n_hidden (mf->mlp); k++)
        s_push (hidden, s_int ((json_int_t) model_mlp_hidden (mf->mlp, k), "mlp.hidden", ok),
                "mlp.hidden", ok);
    const gsl_vector *params = model_mlp_params (mf->mlp);
    json_t *mlp = s_obj ("mlp", ok);
    s_set (mlp, "activation", s_str (model_mlp_activation (mf->mlp) == MODEL_ACT_RELU?
                                     "relu": "tanh", "mlp.activation", ok), ok);
    s_set (mlp, "hidden", hidden, ok);
    s_set (mlp, "parameters", s_vec (params, params->size, "mlp.parameters", ok), ok);
    s_set (root, "mlp", mlp, ok);
}

//  training.privacy: the mechanism, then the charge and the plan.
static json_t *
s_privacy (const model_privacy_t *pv, bool *ok)
{
    json_t *j = s_obj ("training.privacy", ok);
    s_set (j, "mechanism", s_str ("dp-sgd", "training.privacy.mechanism", ok), ok);
    s_set (j, "epsilon", s_real (pv->epsilon, "training.privacy.epsilon", ok), ok);
    s_set (j, "delta", s_real (pv->delta, "training.privacy.delta", ok), ok);
    s_set (j, "noise_multiplier", s_real (pv->noise_multiplier,
                                          "training.privacy.noise_multiplier", ok), ok);
    s_set (j, "sampling_rate", s_real (pv->sampling_rate, "training.privacy.sampling_rate", ok),
           ok);
    s_set (j, "steps", s_int ((json_int_t) pv->steps, "training.privacy.steps", ok), ok);
    s_set (j, "clip", s_real (pv->clip, "training.privacy.clip", ok), ok);
    return j;
}

char *
model_file_to_json (const model_file_t *mf)
{
    const model_schema_t *schema = mf->schema;
    bool ok = true;
    json_t *root = s_obj ("the model", &ok);
    s_set (root, "format", s_str (S_FORMAT, "format", &ok), &ok);
    s_set (root, "version", s_int (MODEL_FILE_VERSION, "version", &ok), &ok);
    s_set (root, "type", s_str (mf->type == MODEL_TYPE_LOGISTIC? "logistic": "mlp", "type", &ok),
           &ok);
    json_t *label = s_obj ("label", &ok);
    s_set (label, "column", s_str (mf->label, "label.column", &ok), &ok);
    s_set (label, "positive", s_str_or_null (mf->positive, "label.positive", &ok), &ok);
    s_set (label, "negative", s_str_or_null (mf->negative, "label.negative", &ok), &ok);
    s_set (root, "label", label, &ok);
    json_t *features = s_arr ("features", &ok), *columns = s_arr ("columns", &ok);
    for (size_t k = 0; ok && k < schema->n_features; k++) {
        const model_feature_t *f = &schema->features [k];
        char where [64];
        snprintf (where, sizeof where, "features[%zu]", k);
        json_t *entry = s_obj (where, &ok);
        snprintf (where, sizeof where, "features[%zu].name", k);
        s_set (entry, "name", s_str (f->name, where, &ok), &ok);
        if (f->n_levels) {
            snprintf (where, sizeof where, "features[%zu].levels", k);
            json_t *levels = s_arr (where, &ok);
            for (size_t l = 0; ok && l < f->n_levels; l++) {
                snprintf (where, sizeof where, "features[%zu].levels[%zu]", k, l);
                s_push (levels, s_str (f->levels [l], where, &ok), where, &ok);
            }
            s_set (entry, "levels", levels, &ok);
        }
        s_push (features, entry, "features", &ok);
    }
    for (size_t c = 0; ok && c < schema->n_cols; c++) {
        char where [64];
        snprintf (where, sizeof where, "columns[%zu]", c);
        s_push (columns, s_str (schema->col_names [c], where, &ok), where, &ok);
    }
    s_set (root, "features", features, &ok);
    s_set (root, "columns", columns, &ok);
    json_t *pre = s_obj ("preprocessing", &ok);
    s_set (pre, "missing", s_str (mf->missing == MODEL_MISSING_IMPUTE? "impute": "drop",
                                  "preprocessing.missing", &ok), &ok);
    s_set (pre, "impute", mf->impute? s_vec (mf->impute, mf->impute->size, "preprocessing.impute", &ok)
                                    : s_str_or_null (NULL, "preprocessing.impute", &ok), &ok);
    s_set (pre, "mean", s_vec (mf->mean, mf->mean->size, "preprocessing.mean", &ok), &ok);
    s_set (pre, "std", s_vec (mf->std, mf->std->size, "preprocessing.std", &ok), &ok);
    if (mf->clip > 0)
        s_set (pre, "clip", s_real (mf->clip, "preprocessing.clip", &ok), &ok);
    s_set (root, "preprocessing", pre, &ok);
    json_t *training = s_obj ("training", &ok);
    s_set (training, "l2", s_real (mf->l2, "training.l2", &ok), &ok);
    s_set (training, "rows", s_int ((json_int_t) mf->train_rows, "training.rows", &ok), &ok);
    if (mf->privacy)
        s_set (training, "privacy", s_privacy (mf->privacy, &ok), &ok);
    s_set (root, "training", training, &ok);
    if (mf->type == MODEL_TYPE_LOGISTIC)
        s_write_logistic (root, mf, &ok);
    else
        s_write_mlp (root, mf, &ok);
    char *text = ok? json_dumps (root, JSON_INDENT (2) | JSON_PRESERVE_ORDER
                                       | JSON_REAL_PRECISION (17)): NULL;
    json_decref (root);
    if (ok && !text)
        util_error (UTIL_ENOMEM, "model: out of memory writing the JSON text");
    return text;
}

int
model_file_save (const model_file_t *mf, const char *path)
{
    char *text = model_file_to_json (mf);
    if (!text)
        return -1;
    //  The text ends with a newline, for people and tools reading the file.
    size_t len = strlen (text);
    char *line = util_realloc_array (text, len + 2, 1);
    if (!line) {
        free (text);
        return util_error_context ("%s: writing", path);
    }
    line [len] = '\n';
    line [len + 1] = '\0';
    int rc = util_file_write (path, line, len + 1, 0644, UTIL_FILE_REPLACE);
    free (line);
    return rc;
}

//  --------------------------------------------------------------------------
//  Strict parsing. Every helper records "name: path: reason" and returns -1.

typedef struct {
    const char *name;
} s_ctx_t;

static int
s_bad (s_ctx_t *ctx, const char *path, const char *reason)
{
    return util_error (UTIL_EINPUT, "%s: %s: %s", ctx->name, path, reason);
}

//  Refuses keys outside `allowed` (NULL-terminated) and requires those
//  marked with a leading '!'.
static int
s_keys (s_ctx_t *ctx, const char *path, json_t *obj, const char *const *allowed)
{
    if (!json_is_object (obj))
        return s_bad (ctx, path, "must be an object");
    const char *key;
    json_t *value;
    json_object_foreach (obj, key, value) {
        int known = 0;
        for (const char *const *a = allowed; *a && !known; a++)
            known = strcmp (*a + (**a == '!'), key) == 0;
        if (!known) {
            char msg [160];
            snprintf (msg, sizeof msg, "unknown key '%.100s'", key);
            return s_bad (ctx, path, msg);
        }
    }
    for (const char *const *a = allowed; *a; a++)
        if (**a == '!' && !json_object_get (obj, *a + 1)) {
            char msg [160];
            snprintf (msg, sizeof msg, "missing key '%s'", *a + 1);
            return s_bad (ctx, path, msg);
        }
    return 0;
}

static int
s_number (s_ctx_t *ctx, const char *path, json_t *j, double *out)
{
    if (!json_is_number (j) || !isfinite (json_number_value (j)))
        return s_bad (ctx, path, "must be a finite number");
    *out = json_number_value (j);
    return 0;
}

static const char *
s_string (s_ctx_t *ctx, const char *path, json_t *j)
{
    //  Strings cannot hold NUL: json_loadb is not given JSON_ALLOW_NUL.
    if (!json_is_string (j) || json_string_length (j) == 0) {
        s_bad (ctx, path, "must be a non-empty string");
        return NULL;
    }
    return json_string_value (j);
}

//  A new vector of exactly n finite numbers (positive ones if `positive`).
static gsl_vector *
s_vector (s_ctx_t *ctx, const char *path, json_t *j, size_t n, int positive)
{
    if (!json_is_array (j) || json_array_size (j) != n) {
        char msg [96];
        snprintf (msg, sizeof msg, "must be an array of %zu numbers", n);
        s_bad (ctx, path, msg);
        return NULL;
    }
    gsl_vector *v = model_vector_new (n, false);
    if (!v) {
        util_error_context ("%s: %s", ctx->name, path);
        return NULL;
    }
    for (size_t k = 0; k < n; k++) {
        double x = 0;               //  set by s_number (zeroed for -O3's flow analysis)
        char where [96];
        snprintf (where, sizeof where, "%s[%zu]", path, k);
        if (s_number (ctx, where, json_array_get (j, k), &x)
        ||  (positive && !(x > 0) && s_bad (ctx, where, "must be a positive number"))) {
            gsl_vector_free (v);
            return NULL;
        }
        gsl_vector_set (v, k, x);
    }
    return v;
}

static int
s_label (s_ctx_t *ctx, model_file_t *mf, json_t *j)
{
    static const char *const keys [] = { "!column", "!positive", "!negative", NULL };
    if (s_keys (ctx, "label", j, keys))
        return -1;
    const char *column = s_string (ctx, "label.column", json_object_get (j, "column"));
    if (!column)
        return -1;
    json_t *pos = json_object_get (j, "positive"), *neg = json_object_get (j, "negative");
    if (json_is_null (pos) != json_is_null (neg))
        return s_bad (ctx, "label", "positive and negative must both be null or both strings");
    if (!(mf->label = util_strdup (column)))
        return util_error_context ("%s: label.column", ctx->name);
    if (!json_is_null (pos)) {
        const char *p = s_string (ctx, "label.positive", pos);
        const char *n = p? s_string (ctx, "label.negative", neg): NULL;
        if (!n)
            return -1;
        if (strcmp (p, n) == 0)
            return s_bad (ctx, "label", "positive and negative are the same");
        if (!(mf->positive = util_strdup (p)) || !(mf->negative = util_strdup (n)))
            return util_error_context ("%s: label", ctx->name);
    }
    return 0;
}

static int
s_features (s_ctx_t *ctx, model_file_t *mf, json_t *features, json_t *columns)
{
    if (!json_is_array (features) || json_array_size (features) == 0
    ||  json_array_size (features) > MODEL_CSV_MAX_COLS)
        return s_bad (ctx, "features", "must be an array of 1 to 4096 features");
    mf->schema = model_schema_new ();
    if (!mf->schema)
        return -1;
    static const char *const keys [] = { "!name", "levels", NULL };
    const char *levels [MODEL_MAX_LEVELS];
    for (size_t k = 0; k < json_array_size (features); k++) {
        char path [64];
        snprintf (path, sizeof path, "features[%zu]", k);
        json_t *f = json_array_get (features, k);
        if (s_keys (ctx, path, f, keys))
            return -1;
        strcat (path, ".name");
        const char *name = s_string (ctx, path, json_object_get (f, "name"));
        if (!name)
            return -1;
        json_t *lv = json_object_get (f, "levels");
        size_t n_levels = lv? json_array_size (lv): 0;
        snprintf (path, sizeof path, "features[%zu].levels", k);
        if (lv && (!json_is_array (lv) || n_levels == 0 || n_levels > MODEL_MAX_LEVELS))
            return s_bad (ctx, path, "must be an array of 1 to 256 strings");
        for (size_t l = 0; l < n_levels; l++)
            if (!(levels [l] = s_string (ctx, path, json_array_get (lv, l))))
                return -1;
        if (model_schema_add (mf->schema, name, levels, n_levels))
            return util_error_context ("%s: features[%zu]", ctx->name, k);
    }
    if (!json_is_array (columns) || json_array_size (columns) != mf->schema->n_cols)
        return s_bad (ctx, "columns", "must list every encoded column of the features");
    for (size_t c = 0; c < mf->schema->n_cols; c++) {
        json_t *col = json_array_get (columns, c);
        if (!json_is_string (col) || strcmp (json_string_value (col), mf->schema->col_names [c])) {
            char path [64], msg [300];
            snprintf (path, sizeof path, "columns[%zu]", c);
            snprintf (msg, sizeof msg, "must be '%.200s'", mf->schema->col_names [c]);
            return s_bad (ctx, path, msg);
        }
    }
    return 0;
}

static int
s_preprocessing (s_ctx_t *ctx, model_file_t *mf, json_t *j)
{
    static const char *const keys [] = { "!missing", "!impute", "!mean", "!std", "clip", NULL };
    if (s_keys (ctx, "preprocessing", j, keys))
        return -1;
    size_t p = mf->schema->n_cols;
    const char *missing = s_string (ctx, "preprocessing.missing", json_object_get (j, "missing"));
    if (!missing)
        return -1;
    json_t *impute = json_object_get (j, "impute");
    if (strcmp (missing, "impute") == 0) {
        mf->missing = MODEL_MISSING_IMPUTE;
        if (!(mf->impute = s_vector (ctx, "preprocessing.impute", impute, p, 0)))
            return -1;
    }
    else
    if (strcmp (missing, "drop") == 0) {
        mf->missing = MODEL_MISSING_DROP;
        if (!json_is_null (impute))
            return s_bad (ctx, "preprocessing.impute", "must be null when missing is drop");
    }
    else
        return s_bad (ctx, "preprocessing.missing", "must be \"drop\" or \"impute\"");
    json_t *clip = json_object_get (j, "clip");
    if (clip && !json_is_null (clip)) {
        if (!json_is_number (clip) || !(json_number_value (clip) > 0)
        ||  !isfinite (json_number_value (clip)))
            return s_bad (ctx, "preprocessing.clip", "must be a positive number or null");
        mf->clip = json_number_value (clip);
    }
    mf->mean = s_vector (ctx, "preprocessing.mean", json_object_get (j, "mean"), p, 0);
    mf->std = mf->mean? s_vector (ctx, "preprocessing.std", json_object_get (j, "std"), p, 1)
                      : NULL;
    return mf->std? 0: -1;
}

//  training.privacy: every key required, each value in its range.
static int
s_privacy_parse (s_ctx_t *ctx, model_file_t *mf, json_t *j)
{
    static const char *const keys [] = {
        "!mechanism", "!epsilon", "!delta", "!noise_multiplier", "!sampling_rate", "!steps",
        "!clip", NULL
    };
    model_privacy_t pv;
    if (s_keys (ctx, "training.privacy", j, keys))
        return -1;
    const char *mechanism = s_string (ctx, "training.privacy.mechanism",
                                      json_object_get (j, "mechanism"));
    if (!mechanism)
        return -1;
    if (strcmp (mechanism, "dp-sgd") != 0)
        return s_bad (ctx, "training.privacy.mechanism", "must be \"dp-sgd\"");
    if (s_number (ctx, "training.privacy.epsilon", json_object_get (j, "epsilon"), &pv.epsilon)
    ||  s_number (ctx, "training.privacy.delta", json_object_get (j, "delta"), &pv.delta)
    ||  s_number (ctx, "training.privacy.noise_multiplier",
                  json_object_get (j, "noise_multiplier"), &pv.noise_multiplier)
    ||  s_number (ctx, "training.privacy.sampling_rate", json_object_get (j, "sampling_rate"),
                  &pv.sampling_rate)
    ||  s_number (ctx, "training.privacy.clip", json_object_get (j, "clip"), &pv.clip))
        return -1;
    if (!(pv.epsilon > 0))
        return s_bad (ctx, "training.privacy.epsilon", "must be a positive number");
    if (!(pv.delta > 0 && pv.delta < 1))
        return s_bad (ctx, "training.privacy.delta", "must be in (0, 1)");
    if (!(pv.noise_multiplier > 0))
        return s_bad (ctx, "training.privacy.noise_multiplier", "must be a positive number");
    if (!(pv.sampling_rate > 0 && pv.sampling_rate <= 1))
        return s_bad (ctx, "training.privacy.sampling_rate", "must be in (0, 1]");
    if (!(pv.clip > 0))
        return s_bad (ctx, "training.privacy.clip", "must be a positive number");
    json_t *steps = json_object_get (j, "steps");
    if (!json_is_integer (steps) || json_integer_value (steps) < 1)
        return s_bad (ctx, "training.privacy.steps", "must be a positive integer");
    pv.steps = (uint64_t) json_integer_value (steps);
    if (!(mf->privacy = util_malloc (sizeof *mf->privacy)))
        return util_error_context ("%s: training.privacy", ctx->name);
    *mf->privacy = pv;
    return 0;
}

static int
s_training (s_ctx_t *ctx, model_file_t *mf, json_t *j)
{
    static const char *const keys [] = { "!l2", "!rows", "privacy", NULL };
    if (s_keys (ctx, "training", j, keys)
    ||  s_number (ctx, "training.l2", json_object_get (j, "l2"), &mf->l2))
        return -1;
    if (mf->l2 < 0)
        return s_bad (ctx, "training.l2", "must not be negative");
    json_t *rows = json_object_get (j, "rows");
    if (!json_is_integer (rows) || json_integer_value (rows) < 1)
        return s_bad (ctx, "training.rows", "must be a positive integer");
    mf->train_rows = (size_t) json_integer_value (rows);
    json_t *privacy = json_object_get (j, "privacy");
    return privacy? s_privacy_parse (ctx, mf, privacy): 0;
}

static int
s_logistic (s_ctx_t *ctx, model_file_t *mf, json_t *j)
{
    static const char *const keys [] = { "!intercept", "!coefficients", "!original_scale", NULL };
    static const char *const okeys [] = { "!intercept", "!coefficients", NULL };
    size_t p = mf->schema->n_cols;
    double b = 0, b0 = 0;
    if (s_keys (ctx, "logistic", j, keys)
    ||  s_number (ctx, "logistic.intercept", json_object_get (j, "intercept"), &b))
        return -1;
    gsl_vector *coef = s_vector (ctx, "logistic.coefficients",
                                 json_object_get (j, "coefficients"), p, 0);
    if (!coef)
        return -1;
    mf->w = model_vector_new (p + 1, false);
    gsl_vector *orig = mf->w? model_vector_new (p, false): NULL;
    if (!orig) {
        gsl_vector_free (coef);
        return util_error_context ("%s: logistic", ctx->name);
    }
    for (size_t c = 0; c < p; c++)
        gsl_vector_set (mf->w, c, gsl_vector_get (coef, c));
    gsl_vector_set (mf->w, p, b);
    gsl_vector_free (coef);
    model_file_original_scale (mf, orig, &b0);
    //  The original-scale block is derived data; it must agree so that
    //  whoever applies it by hand gets the scores Cohort gets.
    int rc = -1;
    json_t *o = json_object_get (j, "original_scale");
    json_t *named = json_object_get (o, "coefficients");
    double v = 0;
    if (s_keys (ctx, "logistic.original_scale", o, okeys)
    ||  s_number (ctx, "logistic.original_scale.intercept", json_object_get (o, "intercept"), &v))
        goto done;
    //  `!(a <= b)` so that an overflowed (infinite) expectation fails too.
    if (!(fabs (v - b0) <= 1e-9 * (1 + fabs (b0)))) {
        s_bad (ctx, "logistic.original_scale.intercept", "disagrees with the standardised model");
        goto done;
    }
    if (!json_is_object (named) || json_object_size (named) != p) {
        s_bad (ctx, "logistic.original_scale.coefficients", "must name every encoded column once");
        goto done;
    }
    for (size_t c = 0; c < p; c++) {
        char path [300];
        snprintf (path, sizeof path, "logistic.original_scale.coefficients.%.200s",
                  mf->schema->col_names [c]);
        json_t *x = json_object_get (named, mf->schema->col_names [c]);
        if (!x) {
            s_bad (ctx, path, "missing");
            goto done;
        }
        double want = gsl_vector_get (orig, c);
        if (s_number (ctx, path, x, &v))
            goto done;
        if (!(fabs (v - want) <= 1e-9 * (1 + fabs (want)))) {
            s_bad (ctx, path, "disagrees with the standardised model");
            goto done;
        }
    }
    rc = 0;
done:
    gsl_vector_free (orig);
    return rc;
}

static int
s_mlp (s_ctx_t *ctx, model_file_t *mf, json_t *j)
{
    static const char *const keys [] = { "!activation", "!hidden", "!parameters", NULL };
    if (s_keys (ctx, "mlp", j, keys))
        return -1;
    const char *act = s_string (ctx, "mlp.activation", json_object_get (j, "activation"));
    if (!act)
        return -1;
    model_activation_t activation = MODEL_ACT_RELU;
    if (strcmp (act, "tanh") == 0)
        activation = MODEL_ACT_TANH;
    else
    if (strcmp (act, "relu") != 0)
        return s_bad (ctx, "mlp.activation", "must be \"relu\" or \"tanh\"");
    json_t *hidden = json_object_get (j, "hidden");
    size_t n_hidden = json_array_size (hidden);
    if (!json_is_array (hidden) || n_hidden < 1 || n_hidden > MODEL_MLP_MAX_HIDDEN)
        return s_bad (ctx, "mlp.hidden", "must be an array of 1 to 3 layer widths");
    size_t widths [MODEL_MLP_MAX_HIDDEN];
    //  Count parameters before allocating: every factor is bounded, so the
    //  products fit in 64 bits.
    size_t count = 0, prev = mf->schema->n_cols;
    for (size_t k = 0; k < n_hidden; k++) {
        json_t *w = json_array_get (hidden, k);
        if (!json_is_integer (w) || json_integer_value (w) < 1
        ||  json_integer_value (w) > MODEL_MLP_MAX_WIDTH)
            return s_bad (ctx, "mlp.hidden", "widths must be integers in [1, 4096]");
        widths [k] = (size_t) json_integer_value (w);
        count += widths [k] * (prev + 1);
        prev = widths [k];
    }
    count += prev + 1;
    if (count > MODEL_FILE_MAX_PARAMS)
        return s_bad (ctx, "mlp.hidden", "too many parameters");
    mf->mlp = model_mlp_new (mf->schema->n_cols, widths, n_hidden, activation);
    if (!mf->mlp)
        return util_error_context ("%s: mlp", ctx->name);
    gsl_vector *params = s_vector (ctx, "mlp.parameters", json_object_get (j, "parameters"),
                                   model_mlp_n_params (mf->mlp), 0);
    if (!params)
        return -1;
    gsl_vector_memcpy (model_mlp_params (mf->mlp), params);
    gsl_vector_free (params);
    return 0;
}

model_file_t *
model_file_parse (const char *name, const char *data, size_t size)
{
    s_ctx_t ctx = { name? name: "<model>" };
    if (size > MODEL_FILE_MAX_BYTES)
        return util_error_null (UTIL_ELIMIT, "%s: %zu bytes, over the limit of %zu", ctx.name, size,
                                MODEL_FILE_MAX_BYTES);
    json_error_t jerr;
    json_t *root = json_loadb (data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return util_error_null (json_error_code (&jerr) == json_error_out_of_memory?
                                UTIL_ENOMEM: UTIL_EINPUT,
                                "%s:%d:%d: %s", ctx.name, jerr.line, jerr.column, jerr.text);
    model_file_t *mf = model_file_new ();
    static const char *const keys [] = {
        "!format", "!version", "!type", "!label", "!features", "!columns",
        "!preprocessing", "!training", "logistic", "mlp", NULL
    };
    int rc = -1;
    if (!mf || s_keys (&ctx, "(root)", root, keys))
        goto done;
    json_t *format = json_object_get (root, "format");
    if (!json_is_string (format) || strcmp (json_string_value (format), S_FORMAT) != 0) {
        s_bad (&ctx, "format", "must be \"" S_FORMAT "\"");
        goto done;
    }
    json_t *version = json_object_get (root, "version");
    if (!json_is_integer (version) || json_integer_value (version) != MODEL_FILE_VERSION) {
        s_bad (&ctx, "version", "unsupported version (this build reads version 1)");
        goto done;
    }
    const char *type = s_string (&ctx, "type", json_object_get (root, "type"));
    if (!type)
        goto done;
    const char *block = NULL;
    if (strcmp (type, "logistic") == 0)
        mf->type = MODEL_TYPE_LOGISTIC, block = "logistic";
    else
    if (strcmp (type, "mlp") == 0)
        mf->type = MODEL_TYPE_MLP, block = "mlp";
    else {
        s_bad (&ctx, "type", "must be \"logistic\" or \"mlp\"");
        goto done;
    }
    const char *other = mf->type == MODEL_TYPE_LOGISTIC? "mlp": "logistic";
    if (!json_object_get (root, block) || json_object_get (root, other)) {
        s_bad (&ctx, "(root)", mf->type == MODEL_TYPE_LOGISTIC?
               "a logistic model has a \"logistic\" block and no \"mlp\" block":
               "an mlp model has an \"mlp\" block and no \"logistic\" block");
        goto done;
    }
    if (s_label (&ctx, mf, json_object_get (root, "label"))
    ||  s_features (&ctx, mf, json_object_get (root, "features"), json_object_get (root, "columns"))
    ||  s_preprocessing (&ctx, mf, json_object_get (root, "preprocessing"))
    ||  s_training (&ctx, mf, json_object_get (root, "training")))
        goto done;
    if (mf->type == MODEL_TYPE_LOGISTIC? s_logistic (&ctx, mf, json_object_get (root, block))
                                       : s_mlp (&ctx, mf, json_object_get (root, block)))
        goto done;
    rc = 0;
done:
    json_decref (root);
    if (rc)
        model_file_destroy (&mf);
    return mf;
}

model_file_t *
model_file_load (const char *path)
{
    char *data = NULL;
    size_t size = 0;
    if (util_file_read (path, MODEL_FILE_MAX_BYTES, 0, &data, &size))
        return NULL;
    model_file_t *mf = model_file_parse (path, data, size);
    free (data);
    return mf;
}
