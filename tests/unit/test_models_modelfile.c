/*  Unit tests for models/modelfile.c: round trips of both model types, the
    original-scale coefficients, and every refusal of the strict parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/logistic.h"
#include "util/error.h"
#include "models/modelfile.h"
#include "models/pipeline.h"
#include "alloc_walk.h"

static const char *s_csv_text =
    "age,sex,bp,y\n"
    "50,m,120,yes\n61,f,135,no\n70,f,140,yes\n45,m,130,no\n"
    "52,f,118,no\n66,m,150,yes\n39,m,110,no\n58,f,,yes\n";

static model_file_t *
s_train (model_type_t type)
{
    model_csv_t *csv = NULL;
    assert_int_equal (model_csv_parse (&csv, "m.csv", s_csv_text, strlen (s_csv_text), 0), 0);
    const char *cat [] = { "sex" };
    model_load_spec_t spec = { .label = "y", .positive = "yes", .negative = "no",
                               .categorical = cat, .n_categorical = 1 };
    model_dataset_t *ds = NULL;
    assert_int_equal (model_dataset_load (&ds, csv, &spec, NULL), 0);
    model_train_opts_t opts;
    model_train_defaults (&opts, type);
    opts.missing = MODEL_MISSING_IMPUTE;
    opts.epochs = 3;
    opts.hidden [0] = 3;
    opts.hidden [1] = 2;
    opts.n_hidden = 2;
    opts.activation = MODEL_ACT_TANH;
    model_file_t *mf = model_train (ds, &spec, &opts, NULL);
    assert_non_null (mf);
    model_dataset_destroy (&ds);
    model_csv_destroy (&csv);
    return mf;
}

static model_file_t *
s_reparse (const char *text)
{
    return model_file_parse ("m.json", text, strlen (text));
}

static void
test_round_trip_logistic (void **state)
{
    (void) state;
    model_file_t *mf = s_train (MODEL_TYPE_LOGISTIC);
    char *text = model_file_to_json (mf);
    assert_non_null (text);
    model_file_t *back = s_reparse (text);
    assert_non_null (back);
    assert_int_equal (back->type, MODEL_TYPE_LOGISTIC);
    assert_string_equal (back->label, "y");
    assert_string_equal (back->positive, "yes");
    assert_int_equal (back->missing, MODEL_MISSING_IMPUTE);
    assert_int_equal (back->schema->n_cols, 4);
    assert_int_equal (back->train_rows, 8);
    assert_true (back->l2 == 1);
    assert_memory_equal (back->w->data, mf->w->data, 5 * sizeof (double));
    assert_memory_equal (back->impute->data, mf->impute->data, 4 * sizeof (double));
    assert_memory_equal (back->std->data, mf->std->data, 4 * sizeof (double));
    char *again = model_file_to_json (back);
    assert_string_equal (text, again);
    //  The original-scale model gives the same probability on raw values.
    json_t *root = json_loads (text, 0, NULL);
    json_t *orig = json_object_get (json_object_get (root, "logistic"), "original_scale");
    double raw [] = { 57, 0, 1, 125 };   //  age, sex=f, sex=m, bp
    double z = json_real_value (json_object_get (orig, "intercept"));
    json_t *named = json_object_get (orig, "coefficients");
    const char *cols [] = { "age", "sex=f", "sex=m", "bp" };
    gsl_vector *w = gsl_vector_alloc (5);
    gsl_matrix *X = gsl_matrix_alloc (1, 4);
    for (size_t c = 0; c < 4; c++) {
        z += raw [c] * json_real_value (json_object_get (named, cols [c]));
        gsl_matrix_set (X, 0, c, (raw [c] - gsl_vector_get (mf->mean, c)) / gsl_vector_get (mf->std, c));
    }
    gsl_vector *p = gsl_vector_alloc (1);
    model_lr_predict (p, mf->w, X);
    assert_true (fabs (gsl_vector_get (p, 0) - model_sigmoid (z)) < 1e-12);
    gsl_vector_free (p);
    gsl_vector_free (w);
    gsl_matrix_free (X);
    json_decref (root);
    free (text);
    free (again);
    model_file_destroy (&back);
    model_file_destroy (&mf);
    assert_null (mf);
    model_file_destroy (&mf);
}

//  preprocessing.clip: written only when set, read back, and applied when
//  scoring: a value far outside the training range scores like the clip.
static void
test_clip (void **state)
{
    (void) state;
    model_file_t *mf = s_train (MODEL_TYPE_LOGISTIC);
    char *plain = model_file_to_json (mf);
    assert_null (strstr (plain, "\"clip\""));
    mf->clip = 1.5;
    char *text = model_file_to_json (mf);
    assert_non_null (strstr (text, "\"clip\""));
    model_file_t *back = s_reparse (text);
    assert_non_null (back);
    assert_true (back->clip == 1.5);
    const char *rows =
        "age,sex,bp\n"
        "1000,m,120\n"     //  age far above the range: z clamped to 1.5
        "0,m,120\n";       //  and far below: clamped to -1.5
    model_csv_t *csv = NULL;
    assert_int_equal (model_csv_parse (&csv, "r.csv", rows, strlen (rows), 0), 0);
    model_dataset_t *ds = NULL;
    assert_int_equal (model_load_for (&ds, csv, back, false), 0);
    gsl_vector *scores = gsl_vector_alloc (2);
    char *why [2] = { NULL, NULL };
    assert_int_equal (model_score (back, ds, "r.csv", scores, why), 2);
    //  The expected scores from the clamped standardised rows.
    gsl_matrix *X = gsl_matrix_alloc (2, 4);
    double raw [2][4] = { { 1000, 0, 1, 120 }, { 0, 0, 1, 120 } };
    for (size_t i = 0; i < 2; i++)
        for (size_t c = 0; c < 4; c++) {
            double z = (raw [i][c] - gsl_vector_get (back->mean, c)) / gsl_vector_get (back->std, c);
            gsl_matrix_set (X, i, c, fmin (fmax (z, -1.5), 1.5));
        }
    assert_true (gsl_matrix_get (X, 0, 0) == 1.5 && gsl_matrix_get (X, 1, 0) == -1.5);
    gsl_vector *want = gsl_vector_alloc (2);
    model_lr_predict (want, back->w, X);
    for (size_t i = 0; i < 2; i++)
        assert_true (fabs (gsl_vector_get (scores, i) - gsl_vector_get (want, i)) < 1e-12);
    //  Without the clip the first row scores differently.
    back->clip = 0;
    gsl_vector *unclipped = gsl_vector_alloc (2);
    assert_int_equal (model_score (back, ds, "r.csv", unclipped, why), 2);
    assert_true (fabs (gsl_vector_get (unclipped, 0) - gsl_vector_get (want, 0)) > 1e-6);
    gsl_vector_free (unclipped);
    gsl_vector_free (want);
    gsl_vector_free (scores);
    gsl_matrix_free (X);
    model_dataset_destroy (&ds);
    model_csv_destroy (&csv);
    model_file_destroy (&back);
    free (text);
    free (plain);
    model_file_destroy (&mf);
}

static void
test_round_trip_mlp_and_files (void **state)
{
    (void) state;
    model_file_t *mf = s_train (MODEL_TYPE_MLP);
    char path [] = "/tmp/cohort-modelfile-XXXXXX";
    int fd = mkstemp (path);
    assert_true (fd >= 0);
    close (fd);
    assert_int_equal (model_file_save (mf, path), 0);
    model_file_t *back = model_file_load (path);
    assert_non_null (back);
    assert_int_equal (back->type, MODEL_TYPE_MLP);
    assert_int_equal (model_mlp_n_hidden (back->mlp), 2);
    assert_int_equal (model_mlp_hidden (back->mlp, 0), 3);
    assert_int_equal (model_mlp_activation (back->mlp), MODEL_ACT_TANH);
    gsl_vector *a = model_mlp_params (mf->mlp), *b = model_mlp_params (back->mlp);
    assert_memory_equal (a->data, b->data, a->size * sizeof (double));
    unlink (path);
    model_file_destroy (&back);
    assert_null (model_file_load (path));
    assert_non_null (strstr (util_last_error (), "cannot open"));
    assert_null (model_file_load ("/tmp"));
    assert_non_null (strstr (util_last_error (), "not a regular file"));
    assert_int_equal (model_file_save (mf, "/nonexistent/dir/m.json"), -1);
    assert_non_null (strstr (util_last_error (), "/nonexistent/dir/m.json: cannot create"));
    model_file_destroy (&mf);
}

//  The node at `path` in root: keys joined by dots, "name[k]" for element k
//  of an array ("features[1]", "preprocessing.std"). NULL if absent.
static json_t *
s_at (json_t *root, const char *path)
{
    char buf [128];
    snprintf (buf, sizeof buf, "%s", path);
    json_t *node = root;
    for (char *tok = strtok (buf, "."); tok && node; tok = strtok (NULL, ".")) {
        char *br = strchr (tok, '[');
        if (br) {
            *br = '\0';
            node = json_object_get (node, tok);
            node = json_array_get (node, (size_t) atoi (br + 1));
        }
        else
            node = json_object_get (node, tok);
    }
    return node;
}

//  One edit of a valid model's JSON and the exact error it must cause.
typedef struct {
    const char *parent;     //  object or array holding the key
    const char *key;        //  key to set or delete; "[k]" for an array slot
    const char *value;      //  JSON text, or NULL to delete
    const char *message;
} s_edit_t;

//  The privacy record a DP-SGD model carries (sim/dpsgd.h).
static const model_privacy_t s_privacy = {
    .epsilon = 0.99, .delta = 1e-5, .noise_multiplier = 8.25, .sampling_rate = 0.2,
    .steps = 100, .clip = 1
};

static void
s_check_edits (model_type_t type, bool privacy, const s_edit_t *edits, size_t n)
{
    model_file_t *mf = s_train (type);
    if (privacy) {
        mf->privacy = malloc (sizeof *mf->privacy);
        assert_non_null (mf->privacy);
        *mf->privacy = s_privacy;
    }
    char *text = model_file_to_json (mf);
    for (size_t k = 0; k < n; k++) {
        json_t *root = json_loads (text, 0, NULL);
        json_t *parent = edits [k].parent? s_at (root, edits [k].parent): root;
        assert_non_null (parent);
        json_t *value = edits [k].value? json_loads (edits [k].value, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL): NULL;
        if (edits [k].key [0] == '[') {
            size_t slot = (size_t) atoi (edits [k].key + 1);
            if (value)
                json_array_set_new (parent, slot, value);
            else
                json_array_remove (parent, slot);
        }
        else
        if (value)
            json_object_set_new (parent, edits [k].key, value);
        else
            json_object_del (parent, edits [k].key);
        char *edited = json_dumps (root, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION (17));
        model_file_t *bad = s_reparse (edited);
        if (bad || strcmp (util_last_error (), edits [k].message) != 0)
            fail_msg ("edit %zu (%s): got '%s'", k, edits [k].message,
                      bad? "accepted": util_last_error ());
        free (edited);
        json_decref (root);
    }
    free (text);
    model_file_destroy (&mf);
}

static void
test_refusals_logistic (void **state)
{
    (void) state;
    static const s_edit_t edits [] = {
        { NULL, "extra", "1", "m.json: (root): unknown key 'extra'" },
        { NULL, "format", NULL, "m.json: (root): missing key 'format'" },
        { NULL, "format", "\"other\"", "m.json: format: must be \"cohort-model\"" },
        { NULL, "version", "2", "m.json: version: unsupported version (this build reads version 1)" },
        { NULL, "version", "\"1\"", "m.json: version: unsupported version (this build reads version 1)" },
        { NULL, "type", "\"tree\"", "m.json: type: must be \"logistic\" or \"mlp\"" },
        { NULL, "type", "\"\"", "m.json: type: must be a non-empty string" },
        { NULL, "type", "\"mlp\"", "m.json: (root): an mlp model has an \"mlp\" block and no \"logistic\" block" },
        { NULL, "mlp", "{}", "m.json: (root): a logistic model has a \"logistic\" block and no \"mlp\" block" },
        { NULL, "label", "[]", "m.json: label: must be an object" },
        { "label", "column", "3", "m.json: label.column: must be a non-empty string" },
        { "label", "positive", "null", "m.json: label: positive and negative must both be null or both strings" },
        { "label", "negative", "\"yes\"", "m.json: label: positive and negative are the same" },
        { NULL, "features", "[]", "m.json: features: must be an array of 1 to 4096 features" },
        { "features[0]", "kind", "1", "m.json: features[0]: unknown key 'kind'" },
        { "features[0]", "name", NULL, "m.json: features[0]: missing key 'name'" },
        { "features[1]", "name", "\"age\"", "m.json: features[1]: feature 'age' listed twice" },
        { "features[1]", "levels", "[]", "m.json: features[1].levels: must be an array of 1 to 256 strings" },
        { "features[1]", "levels", "[\"f\", 2]", "m.json: features[1].levels: must be a non-empty string" },
        { "features[1]", "levels", "[\"f\", \"f\"]", "m.json: features[1]: feature 'sex': level 'f' is empty or repeated" },
        { "columns", "[1]", "\"sex=x\"", "m.json: columns[1]: must be 'sex=f'" },
        { "columns", "[3]", NULL, "m.json: columns: must list every encoded column of the features" },
        { "preprocessing", "missing", "\"zero\"", "m.json: preprocessing.missing: must be \"drop\" or \"impute\"" },
        { "preprocessing", "missing", "\"drop\"", "m.json: preprocessing.impute: must be null when missing is drop" },
        { "preprocessing", "impute", "null", "m.json: preprocessing.impute: must be an array of 4 numbers" },
        { "preprocessing", "mean", "[1, 2, 3]", "m.json: preprocessing.mean: must be an array of 4 numbers" },
        { "preprocessing.mean", "[2]", "\"x\"", "m.json: preprocessing.mean[2]: must be a finite number" },
        { "preprocessing.std", "[0]", "0", "m.json: preprocessing.std[0]: must be a positive number" },
        { "preprocessing.std", "[3]", "-1.5", "m.json: preprocessing.std[3]: must be a positive number" },
        { "preprocessing", "scale", "1", "m.json: preprocessing: unknown key 'scale'" },
        { "preprocessing", "clip", "0", "m.json: preprocessing.clip: must be a positive number or null" },
        { "preprocessing", "clip", "-4", "m.json: preprocessing.clip: must be a positive number or null" },
        { "preprocessing", "clip", "\"4\"", "m.json: preprocessing.clip: must be a positive number or null" },
        { "training", "l2", "-1", "m.json: training.l2: must not be negative" },
        { "training", "rows", "0", "m.json: training.rows: must be a positive integer" },
        { "training", "rows", NULL, "m.json: training: missing key 'rows'" },
        { "logistic", "intercept", "null", "m.json: logistic.intercept: must be a finite number" },
        { "logistic", "coefficients", "[1]", "m.json: logistic.coefficients: must be an array of 4 numbers" },
        { "logistic.original_scale", "intercept", "1e6", "m.json: logistic.original_scale.intercept: disagrees with the standardised model" },
        { "logistic.original_scale.coefficients", "bp", "5", "m.json: logistic.original_scale.coefficients.bp: disagrees with the standardised model" },
        { "logistic.original_scale.coefficients", "bp", NULL, "m.json: logistic.original_scale.coefficients: must name every encoded column once" },
        { "logistic.original_scale.coefficients", "bp", "\"x\"", "m.json: logistic.original_scale.coefficients.bp: must be a finite number" },
        { "logistic", "original_scale", NULL, "m.json: logistic: missing key 'original_scale'" },
    };
    s_check_edits (MODEL_TYPE_LOGISTIC, false, edits, sizeof edits / sizeof edits [0]);
}

static void
test_refusals_mlp (void **state)
{
    (void) state;
    static const s_edit_t edits [] = {
        { "mlp", "activation", "\"sigmoid\"", "m.json: mlp.activation: must be \"relu\" or \"tanh\"" },
        { "mlp", "hidden", "[]", "m.json: mlp.hidden: must be an array of 1 to 3 layer widths" },
        { "mlp", "hidden", "[1, 1, 1, 1]", "m.json: mlp.hidden: must be an array of 1 to 3 layer widths" },
        { "mlp", "hidden", "[0]", "m.json: mlp.hidden: widths must be integers in [1, 4096]" },
        { "mlp", "hidden", "[4097]", "m.json: mlp.hidden: widths must be integers in [1, 4096]" },
        { "mlp", "hidden", "[2.5]", "m.json: mlp.hidden: widths must be integers in [1, 4096]" },
        { "mlp", "hidden", "[4096, 4096, 4096]", "m.json: mlp.hidden: too many parameters" },
        { "mlp", "hidden", "[3]", "m.json: mlp.parameters: must be an array of 19 numbers" },
        { "mlp.parameters", "[0]", "true", "m.json: mlp.parameters[0]: must be a finite number" },
        { "mlp", "weights", "[]", "m.json: mlp: unknown key 'weights'" },
    };
    s_check_edits (MODEL_TYPE_MLP, false, edits, sizeof edits / sizeof edits [0]);
}

//  training.privacy: written, read back the same, and every bad value
//  refused with its path.
static void
test_privacy (void **state)
{
    (void) state;
    model_file_t *mf = s_train (MODEL_TYPE_LOGISTIC);
    mf->privacy = malloc (sizeof *mf->privacy);
    assert_non_null (mf->privacy);
    *mf->privacy = s_privacy;
    char *text = model_file_to_json (mf);
    assert_non_null (text);
    assert_non_null (strstr (text, "\"mechanism\": \"dp-sgd\""));
    model_file_t *back = s_reparse (text);
    assert_non_null (back);
    assert_non_null (back->privacy);
    assert_memory_equal (back->privacy, &s_privacy, sizeof s_privacy);
    free (text);
    model_file_destroy (&back);
    //  Without a record the file has none, and reads back without one.
    free (mf->privacy);
    mf->privacy = NULL;
    text = model_file_to_json (mf);
    assert_null (strstr (text, "privacy"));
    back = s_reparse (text);
    assert_non_null (back);
    assert_null (back->privacy);
    free (text);
    model_file_destroy (&back);
    model_file_destroy (&mf);
    static const s_edit_t edits [] = {
        { "training", "privacy", "1", "m.json: training.privacy: must be an object" },
        { "training.privacy", "extra", "1", "m.json: training.privacy: unknown key 'extra'" },
        { "training.privacy", "clip", NULL, "m.json: training.privacy: missing key 'clip'" },
        { "training.privacy", "mechanism", "\"dp-fedavg\"", "m.json: training.privacy.mechanism: must be \"dp-sgd\"" },
        { "training.privacy", "mechanism", "3", "m.json: training.privacy.mechanism: must be a non-empty string" },
        { "training.privacy", "epsilon", "0", "m.json: training.privacy.epsilon: must be a positive number" },
        { "training.privacy", "epsilon", "\"1\"", "m.json: training.privacy.epsilon: must be a finite number" },
        { "training.privacy", "delta", "0", "m.json: training.privacy.delta: must be in (0, 1)" },
        { "training.privacy", "delta", "1", "m.json: training.privacy.delta: must be in (0, 1)" },
        { "training.privacy", "noise_multiplier", "-2", "m.json: training.privacy.noise_multiplier: must be a positive number" },
        { "training.privacy", "sampling_rate", "0", "m.json: training.privacy.sampling_rate: must be in (0, 1]" },
        { "training.privacy", "sampling_rate", "1.5", "m.json: training.privacy.sampling_rate: must be in (0, 1]" },
        { "training.privacy", "steps", "0", "m.json: training.privacy.steps: must be a positive integer" },
        { "training.privacy", "steps", "2.5", "m.json: training.privacy.steps: must be a positive integer" },
        { "training.privacy", "clip", "0", "m.json: training.privacy.clip: must be a positive number" },
    };
    s_check_edits (MODEL_TYPE_LOGISTIC, true, edits, sizeof edits / sizeof edits [0]);
}

static void
test_syntax_and_size (void **state)
{
    (void) state;
    assert_null (s_reparse ("{\"format\": }"));
    assert_string_equal (util_last_error (), "m.json:1:12: unexpected token near '}'");
    assert_null (s_reparse ("{\"a\": 1, \"a\": 2}"));
    assert_non_null (strstr (util_last_error (), "duplicate object key"));
    //  jansson refuses NUL inside strings (we never pass JSON_ALLOW_NUL).
    assert_null (s_reparse ("{\"format\": \"a\\u0000\"}"));
    assert_non_null (strstr (util_last_error (), "m.json:1:"));
    assert_non_null (strstr (util_last_error (), "is not allowed"));
    assert_null (s_reparse ("[1]"));
    assert_string_equal (util_last_error (), "m.json: (root): must be an object");
    assert_null (s_reparse (""));
    assert_null (model_file_parse ("m.json", "{}", MODEL_FILE_MAX_BYTES + 1));
    assert_non_null (strstr (util_last_error (), "over the limit"));
}

//  The writer refuses what JSON cannot hold, naming it, instead of leaving
//  the key out: a non-finite number, a name that is not UTF-8.
static void
test_writer_refusals (void **state)
{
    (void) state;
    model_file_t *mf = s_train (MODEL_TYPE_LOGISTIC);
    double l2 = mf->l2;
    mf->l2 = NAN;
    assert_null (model_file_to_json (mf));
    assert_int_equal (util_last_code (), UTIL_EINPUT);
    assert_string_equal (util_last_error (), "model: training.l2 is not a finite number");
    mf->l2 = l2;
    gsl_vector_set (mf->w, 1, INFINITY);
    assert_null (model_file_to_json (mf));
    assert_non_null (strstr (util_last_error (), "logistic.original_scale.coefficients."));
    gsl_vector_set (mf->w, 1, 0.5);
    char *saved = mf->label;
    mf->label = "\xff\xfe";
    assert_null (model_file_to_json (mf));
    assert_int_equal (util_last_code (), UTIL_EINPUT);
    assert_string_equal (util_last_error (), "model: label.column is not UTF-8 text");
    mf->label = saved;
    char *text = model_file_to_json (mf);
    assert_non_null (text);
    free (text);
    model_file_destroy (&mf);
}

//  Allocation failures: the model, its label texts, its schema, and the
//  file's buffer; training (the copies it keeps) as well.
static bool
s_parse_walk (void *text)
{
    model_file_t *mf = s_reparse (text);
    bool ok = mf != NULL;
    model_file_destroy (&mf);
    return ok;
}

static bool
s_load_walk (void *path)
{
    model_file_t *mf = model_file_load (path);
    bool ok = mf != NULL;
    model_file_destroy (&mf);
    return ok;
}

typedef struct {
    model_dataset_t *ds;
    model_load_spec_t spec;
    model_train_opts_t opts;
} s_train_t;

static bool
s_train_walk (void *arg)
{
    s_train_t *t = arg;
    model_file_t *mf = model_train (t->ds, &t->spec, &t->opts, NULL);
    bool ok = mf != NULL;
    model_file_destroy (&mf);
    return ok;
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    for (int type = 0; type < 2; type++) {
        model_file_t *mf = s_train (type? MODEL_TYPE_MLP: MODEL_TYPE_LOGISTIC);
        char *text = model_file_to_json (mf);
        assert_non_null (text);
        //  model, label, positive, negative, then the schema's features.
        assert_true (alloc_walk (s_parse_walk, text) >= 8);
        if (type == 0) {
            char path [] = "/tmp/cohort-modelfile-XXXXXX";
            int fd = mkstemp (path);
            assert_true (fd >= 0);
            close (fd);
            assert_int_equal (model_file_save (mf, path), 0);
            assert_true (alloc_walk (s_load_walk, path) >= 9);
            unlink (path);
        }
        free (text);
        model_file_destroy (&mf);
    }
    model_csv_t *csv = NULL;
    assert_int_equal (model_csv_parse (&csv, "m.csv", s_csv_text, strlen (s_csv_text), 0), 0);
    const char *cat [] = { "sex" };
    s_train_t t = { NULL, { .label = "y", .positive = "yes", .negative = "no",
                            .categorical = cat, .n_categorical = 1 }, { 0 } };
    assert_int_equal (model_dataset_load (&t.ds, csv, &t.spec, NULL), 0);
    model_train_defaults (&t.opts, MODEL_TYPE_LOGISTIC);
    t.opts.missing = MODEL_MISSING_IMPUTE;
    assert_true (alloc_walk (s_train_walk, &t) >= 10);
    model_train_defaults (&t.opts, MODEL_TYPE_MLP);
    t.opts.missing = MODEL_MISSING_IMPUTE;
    t.opts.epochs = 2;
    t.opts.hidden [0] = 3;
    assert_true (alloc_walk (s_train_walk, &t) >= 11);
    model_dataset_destroy (&t.ds);
    model_csv_destroy (&csv);
}

int
main (void)
{
    model_init ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_round_trip_logistic),
        cmocka_unit_test (test_round_trip_mlp_and_files),
        cmocka_unit_test (test_clip),
        cmocka_unit_test (test_refusals_logistic),
        cmocka_unit_test (test_refusals_mlp),
        cmocka_unit_test (test_privacy),
        cmocka_unit_test (test_syntax_and_size),
        cmocka_unit_test (test_writer_refusals),
        cmocka_unit_test (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
