/*  tests/e2e/e2e_query.c - queries over a real consortium (coordinator and
    three sites on loopback, CURVE, a 2-of-3 test key), on the
    breast-cancer data split across the sites and its data dictionary.

    Scenarios (argv[1]):
      off            privacy off: summary, histogram, crosstab, quantiles and
                     correlation equal what the same post-processing gives
                     on the pooled rows (to 1e-9); stamped NOT PRIVATE
      dp             DP at epsilon 1: the query completes with intervals,
                     each site's ledger is charged what the report says, the
                     same query asked again costs again, and no record count
                     travels in an acceptance
      study_bounds   a learning study whose features are in the dictionary,
                     scaled by its bounds: no statistics round, and the model
                     file says so
      km             Kaplan-Meier on the sites' lung data: privacy off equals
                     the pooled rows, DP completes with bands
      fit            coxph() on the lung data equals R's (privacy off), with
                     each site's contributing records in the report; glm(
                     family=binomial) the pooled fit; DP coxph() takes its
                     planned rounds, the ledgers are charged as reported, and
                     no per-site count is in its report
      subset         a site's min_subset rule declines a where= that selects
                     too few of its records (noisy count), charged to its ledger
      refusals       refused before anything reaches a site, and no ledger
                     charged: an unknown column in where=, a crosstab over
                     too many levels, privacy off when the consortium does
                     not allow it, glm(family=binomial) of an outcome not
                     within [0, 1], coxph() of an unknown column; a site
                     whose budget cannot pay declines with the reason
    Exit 0 on success; on failure (or with E2E_KEEP set) the consortium
    directory is kept.
*/
#include "consortium.h"
#include "coordinator/client.h"
#include "coordinator/fit.h"
#include "coordinator/query.h"
#include "dp/ledger.h"
#include "models/records.h"
#include "proto/release.h"
#include "util/error.h"
#include "he/he.h"

#include <czmq.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK E2E_CHECK

static e2e_t s_c;


//  Runs one query; *report gets its report whatever happened. 0 when it
//  completed, else -1 with the reason in the error slot.
static int
s_query_on (e2e_t *c, const char *dataset, const char *expr, bool off, double epsilon,
            json_t **report)
{
    coord_client_t *client = coord_client_new (e2e_path (c, "analyst.cfg"));
    if (!client)
        return -1;
    coord_query_request_t req = { .expr = expr, .dataset = dataset, .epsilon = epsilon,
                                  .delta = 1e-5, .off = off, .min_sites = 2 };
    char *id = NULL;
    int rc = coord_client_query (client, &req, 120, &id, report);
    free (id);
    coord_client_destroy (&client);
    return rc;
}

static int
s_query (e2e_t *c, const char *expr, bool off, double epsilon, json_t **report)
{
    return s_query_on (c, "breast_cancer", expr, off, epsilon, report);
}

//  The results the same post-processing gives on the pooled rows of a
//  dataset (data/pooled.csv: breast cancer; data/pooled-lung.csv).
static json_t *
s_pooled_of (e2e_t *c, const char *pooled, const char *expr)
{
    model_dict_t *dict = NULL;
    model_csv_t *csv = NULL;
    model_records_t *rec = NULL;
    proto_query_t *q = NULL;
    int64_t *sum = NULL;
    json_t *results = NULL;
    coord_fit_t *fit = NULL;
    proto_release_t r;
    char data [512];
    snprintf (data, sizeof data, "%s", e2e_path (c, pooled));
    if (!(dict = model_dict_load (e2e_path (c, "dictionary.csv")))
    ||  model_csv_load (&csv, data, 0)
    ||  !(rec = model_records_read (csv, dict, NULL, 0, PROTO_RELEASE_RECORDS_MAX))
    ||  !(q = proto_query_parse (expr)) || proto_query_check (q, dict, 0)
    ||  proto_release_make (&r, q, true, 0, 0, 2)
    ||  !(sum = calloc (r.dim, sizeof *sum))) {
        fprintf (stderr, "e2e: pooled %s: %s\n", expr, util_last_error ());
        goto done;
    }
    coord_query_options_t options = { .dataset = "pooled" };
    if (proto_fit_is (&r)) {
        //  An iterative fit: its rounds on the pooled rows.
        if (!(fit = coord_fit_new (&r)))
            goto done;
        int rc = 0;
        while (rc == 0) {
            size_t n;
            const double *params = coord_fit_params (fit, &n);
            proto_fit_round_t round = proto_fit_round (&r, coord_fit_kind (fit), n);
            memset (sum, 0, r.dim * sizeof *sum);
            for (size_t i = 0; i < rec->rows; i++)
                if (proto_fit_add (&r, round, rec->values + i * rec->vars, params, n, sum) < 0)
                    goto done;
            rc = coord_fit_step (fit, sum, 3);
        }
        options.fit = fit;
    }
    else
        for (size_t i = 0; i < rec->rows; i++)
            (void) proto_release_add (&r, rec->values + i * rec->vars, sum);
    results = coord_query_results (&r, sum, 3, &options);
done:
    coord_fit_destroy (&fit);
    free (sum);
    proto_query_destroy (&q);
    model_records_destroy (&rec);
    model_csv_destroy (&csv);
    model_dict_destroy (&dict);
    return results;
}

static json_t *
s_pooled (e2e_t *c, const char *expr)
{
    return s_pooled_of (c, "data/pooled.csv", expr);
}

static double s_ledger_of (e2e_t *c, unsigned i, const char *dataset);

//  Every number in `got` equals the one in `want` to 1e-9 relative,
//  recursively (strings and booleans equal).
static bool
s_same (const json_t *got, const json_t *want, const char *where)
{
    if (json_is_number (want)) {
        double a = json_number_value (got), b = json_number_value (want);
        if (json_is_number (got) && fabs (a - b) <= 1e-9 * fmax (1, fabs (b)))
            return true;
        fprintf (stderr, "e2e: %s: %.17g, pooled %.17g\n", where, a, b);
        return false;
    }
    if (json_is_array (want)) {
        if (!json_is_array (got) || json_array_size (got) != json_array_size (want)) {
            fprintf (stderr, "e2e: %s: arrays differ in length\n", where);
            return false;
        }
        for (size_t i = 0; i < json_array_size (want); i++)
            if (!s_same (json_array_get (got, i), json_array_get (want, i), where))
                return false;
        return true;
    }
    if (json_is_object (want)) {
        const char *key;
        json_t *value;
        json_object_foreach ((json_t *) want, key, value) {
            char at [256];
            snprintf (at, sizeof at, "%s.%s", where, key);
            if (!s_same (json_object_get (got, key), value, at))
                return false;
        }
        return true;
    }
    if (json_equal ((json_t *) got, (json_t *) want))
        return true;
    fprintf (stderr, "e2e: %s differs\n", where);
    return false;
}

//  ---------------------------------------------------------------------

static int
s_off (e2e_t *c)
{
    if (e2e_start_all (c))
        return -1;
    const char *queries [] = {
        "summary(mean_radius, worst_area, by=malignant)",
        "histogram(mean_radius, breaks=5:30:1, where=mean_texture > 15)",
        "crosstab(malignant, cut(mean_radius, c(0, 10, 15, 20, 40)))",
        "quantiles(mean_area, 0.1, 0.5, 0.9)",
        "correlation(mean_radius, mean_texture, mean_area^2)",
        "count(by=cut(worst_concavity, c(0, 0.2, 0.5, 2)))",
        "glm(mean_radius ~ mean_texture + worst_area + malignant, family=gaussian)",
    };
    for (size_t i = 0; i < sizeof queries / sizeof queries [0]; i++) {
        json_t *report = NULL, *pooled = s_pooled (c, queries [i]);
        CHECK (pooled, "pooled %s", queries [i]);
        CHECK (s_query (c, queries [i], true, 0, &report) == 0, "%s: %s", queries [i],
               util_last_error ());
        CHECK (json_is_true (json_object_get (json_object_get (report, "privacy"), "not_private")),
               "%s: not stamped NOT PRIVATE", queries [i]);
        CHECK (json_array_size (json_object_get (report, "results")) > 0, "%s: no results",
               queries [i]);
        CHECK (s_same (json_object_get (report, "results"), json_object_get (pooled, "results"),
                       queries [i]), "%s: federated and pooled results differ", queries [i]);
        CHECK (s_same (json_object_get (report, "left_out"), json_object_get (pooled, "left_out"),
                       queries [i]), "%s: left-out counts differ", queries [i]);
        json_decref (report);
        json_decref (pooled);
    }
    return 0;
}

//  The epsilon a site's ledger has spent on the dataset.
static double
s_ledger_of (e2e_t *c, unsigned i, const char *dataset)
{
    char rel [64];
    snprintf (rel, sizeof rel, "sites/%s.ledger.db", c->names [i]);
    dp_ledger_t *ledger = dp_ledger_open (e2e_path (c, rel));
    double spent = -1;
    if (!ledger || dp_ledger_epsilon_spent (ledger, "all-studies", dataset, &spent))
        spent = -1;
    dp_ledger_destroy (&ledger);
    return spent;
}

static double
s_ledger (e2e_t *c, unsigned i)
{
    return s_ledger_of (c, i, "breast_cancer");
}

static int
s_dp (e2e_t *c)
{
    if (e2e_start_all (c))
        return -1;
    const char *expr = "summary(mean_radius, by=malignant)";
    json_t *report = NULL;
    CHECK (s_query (c, expr, false, 1, &report) == 0, "%s: %s", expr, util_last_error ());
    json_t *privacy = json_object_get (report, "privacy");
    CHECK (!json_is_true (json_object_get (privacy, "not_private")), "DP stamped not private");
    double spent = json_number_value (json_object_get (json_object_get (report, "job"),
                                                       "epsilon_spent"));
    CHECK (spent > 0.5 && spent <= 1, "epsilon spent %g", spent);
    size_t with_ci = 0, i;
    json_t *item;
    json_array_foreach (json_object_get (report, "results"), i, item)
        with_ci += json_object_get (item, "ci95") != NULL;
    CHECK (with_ci > 0, "no result carries a 95%% interval");
    for (unsigned s = 0; s < c->sites; s++) {
        double ledger = s_ledger (c, s);
        CHECK (fabs (ledger - spent) < 1e-9 * fmax (1, spent), "site %s ledger %g, report %g",
               c->names [s], ledger, spent);
    }
    json_decref (report);
    //  The same query again costs again.
    CHECK (s_query (c, expr, false, 1, &report) == 0, "again: %s", util_last_error ());
    json_decref (report);
    for (unsigned s = 0; s < c->sites; s++)
        CHECK (s_ledger (c, s) > 1.2 * spent, "site %s: the second query was not charged",
               c->names [s]);
    //  No site's log shows a count sent: acceptances carry none (the
    //  coordinator's journal holds the offers and answers it saw).
    CHECK (!e2e_wait_log (c, "coordinator", "N = ", 100), "a record count in the coordinator log");
    return 0;
}

static int
s_refusals (e2e_t *c)
{
    c->budget [2] = 0.3;
    c->allow_privacy_off = false;
    if (e2e_write_coordinator (c) || e2e_start_all (c))
        return -1;
    json_t *report = NULL;
    //  Refused by the coordinator: nothing offered. Iterative fits are
    //  checked as every query is, before their first round: a binomial
    //  outcome that is not within [0, 1], a column the lung dictionary
    //  does not have.
    const struct { const char *dataset, *expr, *needle; bool off; } refused [] = {
        { "breast_cancer", "mean(mean_radius, where=cholesterol > 3)",
          "unknown column 'cholesterol'", false },
        { "breast_cancer", "crosstab(cut(mean_radius, 0:40:0.5))", "more levels than", false },
        { "breast_cancer", "count()", "does not allow queries with privacy off", true },
        { "breast_cancer", "mean(nonsense(", "query:", false },
        { "breast_cancer", "glm(mean_radius ~ mean_texture + mean_smoothness, family=binomial)",
          "glm(family=binomial) needs an outcome within [0, 1]; mean_radius ranges over "
          "[0, 40]", false },
        { "lung", "coxph(Surv(time, status) ~ age + tumour_size, grid=30)",
          "unknown column 'tumour_size'", false },
    };
    for (size_t k = 0; k < sizeof refused / sizeof refused [0]; k++) {
        int rc = s_query_on (c, refused [k].dataset, refused [k].expr, refused [k].off, 1,
                             &report);
        CHECK (rc == -1 && strstr (util_last_error (), refused [k].needle),
               "%s: %s", refused [k].expr, rc? util_last_error (): "accepted");
        CHECK (report == NULL, "%s: launched", refused [k].expr);
    }
    CHECK (!e2e_wait_log (c, "site-a", "accepted query", 200)
        && !e2e_wait_log (c, "site-a", "declined", 10), "a refused query reached a site");
    //  No ledger was charged (one that was never charged has no budget set
    //  yet: -1).
    for (unsigned s = 0; s < c->sites; s++)
        for (int k = 0; k < 2; k++) {
            const char *dataset = k? "lung": "breast_cancer";
            double spent = s_ledger_of (c, s, dataset);
            CHECK (spent <= 0, "site %s: a refused query charged %g to %s", c->names [s], spent,
                   dataset);
        }
    //  Site c cannot afford epsilon 1: it declines with the reason, and
    //  the two others answer.
    CHECK (s_query (c, "mean(mean_radius)", false, 1, &report) == 0, "%s", util_last_error ());
    json_t *declined = json_object_get (json_object_get (report, "job"), "declined");
    CHECK (json_array_size (declined) == 1, "%zu declined", json_array_size (declined));
    const char *who = json_string_value (json_object_get (json_array_get (declined, 0), "site"));
    const char *why = json_string_value (json_object_get (json_array_get (declined, 0), "reason"));
    CHECK (who && !strcmp (who, "site-c"), "declined: %s", who? who: "?");
    CHECK (why && !strncmp (why, "budget: the query would bring", 29), "reason: %s",
           why? why: "?");
    json_decref (report);
    //  The ledgers read above are the ones a query charges.
    for (unsigned s = 0; s < 2; s++)
        CHECK (s_ledger (c, s) > 0, "site %s: the answered query was not charged",
               c->names [s]);
    return 0;
}

//  Kaplan-Meier on the lung data, the sites' second dataset: with privacy
//  off the federated curves, medians and log-rank test equal the pooled
//  rows'; under DP the query completes with bands.
static int
s_km (e2e_t *c)
{
    if (e2e_start_all (c))
        return -1;
    const char *expr = "km(Surv(time, status) ~ sex, grid=0:1020:30)";
    json_t *report = NULL, *pooled = s_pooled_of (c, "data/pooled-lung.csv", expr);
    CHECK (pooled, "pooled %s", expr);
    CHECK (s_query_on (c, "lung", expr, true, 0, &report) == 0, "%s: %s", expr,
           util_last_error ());
    CHECK (json_array_size (json_object_get (report, "results")) == 5, "%zu results",
           json_array_size (json_object_get (report, "results")));
    CHECK (s_same (json_object_get (report, "results"), json_object_get (pooled, "results"), expr),
           "federated and pooled km differ");
    json_decref (report);
    json_decref (pooled);
    CHECK (s_query_on (c, "lung", "km(Surv(time, status) ~ 1, grid=0:720:90)", false, 1,
                       &report) == 0, "DP km: %s", util_last_error ());
    json_t *curve = json_array_get (json_object_get (report, "results"), 0);
    CHECK (!strcmp (json_string_value (json_object_get (curve, "statistic")), "survival"),
           "first result");
    CHECK (json_array_size (json_object_get (curve, "conf_low")) == 9, "bands");
    json_decref (report);
    return 0;
}

//  Iterative fits. Privacy off: coxph() on the sites' lung data equals R's
//  coxph(ties = "breslow") on the grid-binned times, and glm(binomial) on
//  the breast-cancer data equals the same fit on the pooled rows. DP: a
//  coxph() takes exactly its planned rounds, each site's ledger is charged
//  what the report says, and every coefficient has an interval.
static int
s_fit (e2e_t *c)
{
    if (e2e_start_all (c))
        return -1;
    json_t *report = NULL, *golden = NULL, *pooled = NULL;
    const char *cox = "coxph(Surv(time, status) ~ age + sex + ph_ecog, grid=30)";
    CHECK (s_query_on (c, "lung", cox, true, 0, &report) == 0, "%s: %s", cox,
           util_last_error ());
    char path [512];
    snprintf (path, sizeof path, "%s/tests/fixtures/golden_r.json", c->source);
    json_error_t err;
    CHECK ((golden = json_load_file (path, 0, &err)), "%s: %s", path, err.text);
    json_t *want = json_object_get (json_object_get (json_object_get (json_object_get (
        golden, "survival"), "lung_cox_breslow_binned30"), "coefficients"), "sex");
    size_t i;
    json_t *row;
    bool seen = false;
    json_array_foreach (json_object_get (report, "results"), i, row) {
        const char *term = json_string_value (json_object_get (row, "term"));
        if (!term || strcmp (term, "sex"))
            continue;
        double est = json_number_value (json_object_get (row, "estimate"));
        double se = json_number_value (json_object_get (row, "std_error"));
        double w_est = json_number_value (json_object_get (want, "coef"));
        double w_se = json_number_value (json_object_get (want, "se"));
        CHECK (fabs (est - w_est) <= 1e-6 * fabs (w_est) && fabs (se - w_se) <= 1e-6 * w_se,
               "coxph sex: %.12g (se %.12g), R %.12g (%.12g)", est, se, w_est, w_se);
        seen = true;
    }
    CHECK (seen, "coxph: no coefficient for sex");
    //  Privacy off: each site's contributing records, summing to R's n.
    json_t *per = json_object_get (json_object_get (report, "job"), "site_records");
    json_int_t all = 0;
    const char *site;
    json_t *count;
    json_object_foreach (per, site, count)
        all += json_integer_value (count);
    CHECK (json_object_size (per) == 3 && all == 227, "site_records: %zu sites, %lld records",
           json_object_size (per), (long long) all);
    json_decref (report);
    json_decref (golden);
    const char *glm = "glm(malignant ~ mean_radius + mean_texture + mean_smoothness, "
                      "family=binomial)";
    CHECK ((pooled = s_pooled (c, glm)), "pooled %s", glm);
    CHECK (s_query (c, glm, true, 0, &report) == 0, "%s: %s", glm, util_last_error ());
    CHECK (s_same (json_object_get (report, "results"), json_object_get (pooled, "results"), glm),
           "federated and pooled glm differ");
    json_decref (report);
    json_decref (pooled);
    //  DP (228 patients: a coarse grid and epsilon 10, or the noise swamps
    //  the risk sets): exactly the planned rounds, charged as reported.
    const char *dp_cox = "coxph(Surv(time, status) ~ age + sex + ph_ecog, grid=180)";
    CHECK (s_query_on (c, "lung", dp_cox, false, 10, &report) == 0, "DP %s: %s", dp_cox,
           util_last_error ());
    json_t *job = json_object_get (report, "job");
    double spent = json_number_value (json_object_get (job, "epsilon_spent"));
    CHECK (spent > 5 && spent <= 10, "epsilon spent %g", spent);
    //  Every planned round ran: what was charged is the whole plan's.
    double planned = json_number_value (json_object_get (json_object_get (report, "privacy"),
                                                         "epsilon"));
    CHECK (fabs (spent - planned) < 1e-9, "epsilon spent %.12g, the %d rounds planned %.12g",
           spent, PROTO_FIT_DP_ROUNDS, planned);
    for (unsigned s = 0; s < c->sites; s++) {
        double ledger = s_ledger_of (c, s, "lung");
        CHECK (fabs (ledger - spent) < 1e-9 * fmax (1, spent), "site %s ledger %g, report %g",
               c->names [s], ledger, spent);
    }
    CHECK (!json_object_get (job, "site_records"), "DP: a report with per-site counts");
    size_t coefs = 0;
    json_array_foreach (json_object_get (report, "results"), i, row)
        coefs += json_object_get (row, "conf_low") != NULL;
    CHECK (coefs == 3, "%zu coefficients with an interval", coefs);
    json_decref (report);
    return 0;
}

//  A site's minimum-subset rule: a where= that selects too few of its
//  records (on a noisy count) is declined with the reason; a query without
//  where= is not affected; the check is charged to that site's ledger.
static int
s_subset (e2e_t *c)
{
    c->min_subset [2] = 100000;
    if (e2e_start_all (c))
        return -1;
    json_t *report = NULL;
    CHECK (s_query (c, "mean(mean_radius, where=mean_texture > 15)", false, 1, &report) == 0,
           "%s", util_last_error ());
    json_t *declined = json_object_get (json_object_get (report, "job"), "declined");
    CHECK (json_array_size (declined) == 1, "%zu declined", json_array_size (declined));
    const char *why = json_string_value (json_object_get (json_array_get (declined, 0), "reason"));
    CHECK (why && !strncmp (why, "policy: where= selects fewer records", 36), "reason: %s",
           why? why: "?");
    json_decref (report);
    double spent_a = s_ledger (c, 0), spent_c = s_ledger (c, 2);
    CHECK (spent_c > 0 && spent_c < spent_a, "ledgers: site-a %g, site-c %g (the check only)",
           spent_a, spent_c);
    CHECK (s_query (c, "mean(mean_radius)", false, 1, &report) == 0, "%s", util_last_error ());
    CHECK (json_array_size (json_object_get (json_object_get (report, "job"), "declined")) == 0,
           "a query without where= declined");
    json_decref (report);
    return 0;
}

//  A learning study whose features are all in the dictionary is read
//  through it; with scale = bounds no statistics round runs.
static int
s_study_bounds (e2e_t *c)
{
    if (e2e_start_all (c))
        return -1;
    CHECK (e2e_write_study (c, "    features = mean_radius, mean_texture, worst_area, "
                            "worst_concave_points\n    scale = bounds\n", "sgd", 1, 4, 1, 2,
                            false, 2, 0) == 0, "study.cfg");
    coord_client_t *client = coord_client_new (e2e_path (c, "analyst.cfg"));
    CHECK (client, "analyst: %s", util_last_error ());
    FILE *f = fopen (e2e_path (c, "study.cfg"), "r");
    char text [4096];
    size_t n = f? fread (text, 1, sizeof text - 1, f): 0;
    if (f)
        fclose (f);
    text [n] = 0;
    char *id = NULL;
    json_t *status = NULL, *report = NULL;
    CHECK (coord_client_launch (client, text, &id) == 0, "launch: %s", util_last_error ());
    CHECK (coord_client_follow (client, id, 120, NULL, NULL, &status) == 0, "follow: %s",
           util_last_error ());
    CHECK (coord_client_report (client, id, &report) == 0, "report: %s", util_last_error ());
    const char *state = json_string_value (json_object_get (json_object_get (report, "study"),
                                                            "status"));
    CHECK (state && !strcmp (state, "completed"), "status %s", state? state: "?");
    size_t i;
    json_t *round;
    json_array_foreach (json_object_get (report, "rounds"), i, round)
        CHECK (strcmp (json_string_value (json_object_get (round, "kind")), "stats"),
               "a statistics round ran");
    //  The released model scales by the dictionary: mean_radius in [0, 40].
    json_t *model = json_object_get (report, "model");
    json_t *pre = json_object_get (model, "preprocessing");
    double mean0 = json_number_value (json_array_get (json_object_get (pre, "mean"), 0));
    double std0 = json_number_value (json_array_get (json_object_get (pre, "std"), 0));
    CHECK (mean0 == 20 && std0 == 20, "mean_radius scaled by %g, %g", mean0, std0);
    json_decref (status);
    json_decref (report);
    free (id);
    coord_client_destroy (&client);
    return 0;
}

int
main (int argc, char **argv)
{
    if (argc != 4) {
        fprintf (stderr, "usage: e2e_query SCENARIO COHORT SOURCE_DIR\n");
        return 2;
    }
    he_init ();
    zsys_init ();
    zsys_set_logstream (stderr);
    signal (SIGPIPE, SIG_IGN);
    const char *scenario = argv [1];
    struct {
        const char *name;
        int (*run) (e2e_t *);
    } scenarios [] = {
        { "off", s_off },
        { "dp", s_dp },
        { "refusals", s_refusals },
        { "study_bounds", s_study_bounds },
        { "subset", s_subset },
        { "km", s_km },
        { "fit", s_fit },
    };
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios [0]; i++) {
        if (strcmp (scenario, scenarios [i].name))
            continue;
        if (e2e_setup (&s_c, argv [2], argv [3], 3, 2, 512, 10000, false)) {
            fprintf (stderr, "e2e: set-up failed in %s\n", s_c.dir);
            return 1;
        }
        int rc = scenarios [i].run (&s_c);
        if (e2e_teardown (&s_c, rc != 0 || getenv ("E2E_KEEP")))
            rc = -1;
        fprintf (stderr, "e2e query %s: %s\n", scenario, rc? "FAILED": "passed");
        return rc? 1: 0;
    }
    fprintf (stderr, "e2e: unknown scenario '%s'\n", scenario);
    return 2;
}
