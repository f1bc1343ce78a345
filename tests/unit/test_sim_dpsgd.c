/*  Unit tests for sim/dpsgd.c: the plan meets the target with noise the
    sampler takes, every bad option is refused by name, loading follows the
    dictionary, and training on the breast cancer data gives a useful,
    reproducible model whose file carries the scaling and the privacy
    record. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/dpsgd.h"
#include "dp/clip.h"
#include "dp/rational.h"
#include "models/csv.h"
#include "models/logistic.h"
#include "models/metrics.h"
#include "models/models.h"
#include "util/error.h"

#define S_BREAST COHORT_SOURCE_DIR "/datasets/breast_cancer_wisconsin.csv"
#define S_BREAST_DICT COHORT_SOURCE_DIR "/datasets/breast_cancer_wisconsin_dictionary.csv"

static void
test_plan (void **state)
{
    (void) state;
    sim_dpsgd_options_t o;
    sim_dpsgd_defaults (&o);
    sim_dpsgd_plan_t p;
    assert_int_equal (sim_dpsgd_plan (&p, &o, 31), 0);
    //  The accountant's answer meets the target and is close to it.
    assert_true (p.epsilon <= o.epsilon && p.epsilon > 0.99 * o.epsilon);
    assert_true (p.noise_multiplier > 1 && p.noise_multiplier < 100);
    assert_true (p.order >= 2 && p.order <= 256 && p.order == floor (p.order));
    assert_true (p.frac_bits >= 1 && p.frac_bits <= SIM_DPSGD_FRAC_BITS_MAX);
    assert_true (p.sensitivity == dp_clip_sensitivity (o.clip, p.frac_bits, 31));
    //  The variance is at least (z Delta)^2, within the sampler's range,
    //  and the grid is the finest that keeps it there.
    double want = p.noise_multiplier * p.sensitivity * p.noise_multiplier * p.sensitivity;
    assert_true ((double) p.sigma2 >= want && (double) p.sigma2 < want + 2);
    assert_true (p.sigma2 <= DP_RATIONAL_MAX);
    if (p.frac_bits < SIM_DPSGD_FRAC_BITS_MAX) {
        double finer = p.noise_multiplier * dp_clip_sensitivity (o.clip, p.frac_bits + 1, 31);
        assert_true (finer * finer > (double) DP_RATIONAL_MAX);
    }
    //  More epsilon, less noise.
    sim_dpsgd_plan_t loose;
    o.epsilon = 4;
    assert_int_equal (sim_dpsgd_plan (&loose, &o, 31), 0);
    assert_true (loose.noise_multiplier < p.noise_multiplier);
    //  A clip so large that no grid keeps the variance within 2^40.
    sim_dpsgd_defaults (&o);
    o.clip = 1e6;
    assert_int_equal (sim_dpsgd_plan (&p, &o, 31), -1);
    assert_non_null (strstr (util_last_error (), "beyond the exact sampler's range"));
}

static void
test_bad_options (void **state)
{
    (void) state;
    struct {
        const char *field;
        double value;
        const char *names;
    } cases [] = {
        { "epsilon", 0, "epsilon" }, { "epsilon", NAN, "epsilon" },
        { "epsilon", INFINITY, "epsilon" }, { "delta", 0, "delta" }, { "delta", 1, "delta" },
        { "clip", 0, "clip" }, { "clip", -1, "clip" }, { "q", 0, "sampling rate" },
        { "q", 1.5, "sampling rate" }, { "steps", 0, "steps" },
        { "steps", SIM_DPSGD_STEPS_MAX + 1.0, "steps" }, { "lr", 0, "learning rate" },
        { "l2", -1, "l2" }, { "l2", NAN, "l2" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases [0]; k++) {
        sim_dpsgd_options_t o;
        sim_dpsgd_defaults (&o);
        const char *f = cases [k].field;
        double v = cases [k].value;
        if (!strcmp (f, "epsilon")) o.epsilon = v;
        if (!strcmp (f, "delta")) o.delta = v;
        if (!strcmp (f, "clip")) o.clip = v;
        if (!strcmp (f, "q")) o.sampling_rate = v;
        if (!strcmp (f, "steps")) o.steps = (uint64_t) v;
        if (!strcmp (f, "lr")) o.lr = v;
        if (!strcmp (f, "l2")) o.l2 = v;
        sim_dpsgd_plan_t p;
        assert_int_equal (sim_dpsgd_plan (&p, &o, 5), -1);
        if (strncmp (util_last_error (), cases [k].names, strlen (cases [k].names)) != 0)
            fail_msg ("case %zu: '%s'", k, util_last_error ());
    }
    sim_dpsgd_options_t o;
    sim_dpsgd_defaults (&o);
    sim_dpsgd_plan_t p;
    assert_int_equal (sim_dpsgd_plan (&p, &o, 1), -1);
    assert_string_equal (util_last_error (), "parameters 1: must be in [2, 4097]");
}

static const char s_dict [] =
    "name,type,min,max,levels,unit,description\n"
    "age,integer,0,100,,years,\n"
    "bp,numeric,50,250,,mm Hg,\n"
    "sex,categorical,,,m|f,,\n"
    "y,binary,0,1,,,\n";

static const char s_data [] =
    "age,sex,bp,y\n"
    "50,m,120,1\n61,f,135,0\n70,f,,1\n45,x,130,0\n150,m,300,1\n";

static void
test_load (void **state)
{
    (void) state;
    model_csv_t *csv = NULL;
    model_dict_t *dict = model_dict_parse ("d.csv", s_dict, strlen (s_dict));
    assert_non_null (dict);
    assert_int_equal (model_csv_parse (&csv, "t.csv", s_data, strlen (s_data), 0), 0);
    model_dataset_t *ds = NULL;
    model_load_spec_t spec = { .label = "y" };
    assert_int_equal (sim_dpsgd_load (&ds, csv, &spec, dict), 0);
    //  Every column but the label; sex one-hot by the dictionary's levels,
    //  the unknown level "x" a row problem.
    assert_int_equal (ds->schema->n_cols, 4);
    assert_string_equal (ds->schema->col_names [1], "sex=f");
    assert_null (ds->problem [0]);
    assert_non_null (ds->problem [3]);
    sim_dpsgd_options_t o;
    sim_dpsgd_defaults (&o);
    o.steps = 3;
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("t", 1);
    sim_dpsgd_plan_t plan;
    size_t dropped = 0;
    //  Drop: the gap and the problem row go.
    model_file_t *mf = sim_dpsgd_train (ds, &spec, dict, &o, rng, &plan, &dropped);
    assert_non_null (mf);
    assert_int_equal (dropped, 2);
    assert_int_equal (mf->train_rows, 3);
    assert_true (mf->clip == 1);
    //  age: [0, 100] -> mean 50, std 50; one-hot 0, 1.
    assert_true (gsl_vector_get (mf->mean, 0) == 50 && gsl_vector_get (mf->std, 0) == 50);
    assert_true (gsl_vector_get (mf->mean, 1) == 0 && gsl_vector_get (mf->std, 1) == 1);
    assert_true (gsl_vector_get (mf->mean, 3) == 150 && gsl_vector_get (mf->std, 3) == 100);
    assert_non_null (mf->privacy);
    assert_true (mf->privacy->epsilon == plan.epsilon && mf->privacy->steps == 3);
    assert_true (mf->privacy->noise_multiplier == plan.noise_multiplier);
    assert_null (mf->impute);
    model_file_destroy (&mf);
    //  Impute: the gap takes the middle of bp's bounds; the problem row
    //  still goes.
    o.missing = MODEL_MISSING_IMPUTE;
    mf = sim_dpsgd_train (ds, &spec, dict, &o, rng, NULL, &dropped);
    assert_non_null (mf);
    assert_int_equal (dropped, 1);
    assert_int_equal (mf->train_rows, 4);
    assert_true (gsl_vector_get (mf->impute, 3) == 150);
    model_file_destroy (&mf);
    model_dataset_destroy (&ds);
    //  Refused: a feature the dictionary lacks, a categorical list, no
    //  feature, no label.
    const char *const names [] = { "age", "weight" };
    model_load_spec_t bad = { .label = "y", .features = names, .n_features = 2 };
    assert_int_equal (sim_dpsgd_load (&ds, csv, &bad, dict), -1);
    assert_string_equal (util_last_error (), "t.csv: feature weight is not in the data "
                         "dictionary (its public bounds scale it)");
    const char *const cats [] = { "sex" };
    model_load_spec_t cat = { .label = "y", .categorical = cats, .n_categorical = 1 };
    assert_int_equal (sim_dpsgd_load (&ds, csv, &cat, dict), -1);
    assert_non_null (strstr (util_last_error (), "the data dictionary says which"));
    model_load_spec_t none = { .label = "y", .features = names, .n_features = 0 };
    assert_int_equal (sim_dpsgd_load (&ds, csv, &none, dict), -1);
    assert_string_equal (util_last_error (), "t.csv: no feature besides the label");
    model_load_spec_t nolabel = { 0 };
    assert_int_equal (sim_dpsgd_load (&ds, csv, &nolabel, dict), -1);
    assert_null (ds);
    dp_rng_destroy (&rng);
    model_csv_destroy (&csv);
    model_dict_destroy (&dict);
}

//  Trains on the whole breast cancer data with a seeded stream. Returns the
//  model (caller frees); *auc its AUC on the same rows.
static model_file_t *
s_breast (const sim_dpsgd_options_t *o, const char *seed, double *auc)
{
    model_csv_t *csv = NULL;
    model_dict_t *dict = model_dict_load (S_BREAST_DICT);
    assert_non_null (dict);
    assert_int_equal (model_csv_load (&csv, S_BREAST, 0), 0);
    model_dataset_t *ds = NULL;
    model_load_spec_t spec = { .label = "malignant" };
    assert_int_equal (sim_dpsgd_load (&ds, csv, &spec, dict), 0);
    dp_rng_t *rng = dp_rng_new_seeded_for_tests (seed, strlen (seed));
    model_file_t *mf = sim_dpsgd_train (ds, &spec, dict, o, rng, NULL, NULL);
    assert_non_null (mf);
    //  Score the rows as the model file says: scaled, clamped to [-1, 1].
    size_t n = ds->n, p = ds->schema->n_cols;
    gsl_matrix *Z = gsl_matrix_alloc (n, p);
    gsl_vector *s = gsl_vector_alloc (n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++) {
            double z = (gsl_matrix_get (ds->X, i, j) - gsl_vector_get (mf->mean, j))
                       / gsl_vector_get (mf->std, j);
            gsl_matrix_set (Z, i, j, fmax (-1, fmin (1, z)));
        }
    model_lr_predict (s, mf->w, Z);
    *auc = model_auc (s->data, ds->y->data, n);
    gsl_matrix_free (Z);
    gsl_vector_free (s);
    dp_rng_destroy (&rng);
    model_dataset_destroy (&ds);
    model_csv_destroy (&csv);
    model_dict_destroy (&dict);
    return mf;
}

static void
test_train_breast (void **state)
{
    (void) state;
    model_init ();
    sim_dpsgd_options_t o;
    sim_dpsgd_defaults (&o);
    double auc_a, auc_b, auc_c;
    model_file_t *a = s_breast (&o, "a", &auc_a);
    model_file_t *b = s_breast (&o, "a", &auc_b);
    model_file_t *c = s_breast (&o, "c", &auc_c);
    //  At epsilon 1 the model still ranks the data well (non-private: 0.995).
    assert_true (auc_a > 0.95 && auc_c > 0.95);
    //  The same stream gives the same model; another stream, other noise.
    assert_true (gsl_vector_equal (a->w, b->w));
    assert_false (gsl_vector_equal (a->w, c->w));
    assert_int_equal (a->train_rows, 569);
    assert_true (a->privacy->delta == 1e-5 && a->privacy->sampling_rate == 0.2);
    //  The record survives the file.
    char *text = model_file_to_json (a);
    model_file_t *back = model_file_parse ("m.json", text, strlen (text));
    assert_non_null (back);
    assert_memory_equal (back->privacy, a->privacy, sizeof *a->privacy);
    free (text);
    model_file_destroy (&back);
    model_file_destroy (&a);
    model_file_destroy (&b);
    model_file_destroy (&c);
    //  Noise is what privacy costs: with almost none (epsilon 100) the model
    //  is close to the non-private ranking.
    o.epsilon = 100;
    model_file_t *loose = s_breast (&o, "a", &auc_a);
    assert_true (auc_a > 0.98);
    assert_true (loose->privacy->noise_multiplier < 1);
    model_file_destroy (&loose);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_plan),
        cmocka_unit_test (test_bad_options),
        cmocka_unit_test (test_load),
        cmocka_unit_test (test_train_breast),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
