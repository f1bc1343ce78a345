/*  sim/simulate.c - one study on a throwaway local consortium. */
#include "simulate.h"
#include "consortium.h"
#include "launch.h"
#include "coordinator/client.h"
#include "coordinator/render.h"
#include "he/paillier.h"
#include "he/threshold.h"
#include "models/csv.h"
#include "models/modelfile.h"
#include "proto/plan.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/file.h"

#include <czmq.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_PATH_MAX 4096

void
sim_options_defaults (sim_options_t *o)
{
    memset (o, 0, sizeof *o);
    //  The study's own defaults, so that both stay one set.
    sim_study_t s;
    sim_study_defaults (&s);
    o->missing = s.missing;
    o->model = s.model;
    o->optimizer = s.optimizer;
    o->steps = s.steps;
    o->sampling_rate = s.sampling_rate;
    //  Adam's step for the schedules the accountant chooses (about 100
    //  steps of quarter batches at epsilon ~ 1): 0.05 did best among 0.02,
    //  0.05, 0.1 and 0.2 on breast cancer and Pima (`cohort bench learning`,
    //  docs/privacy.md s.7).
    o->learning_rate = 0.05;
    //  Features scaled to [-1, 1] by the dictionary put most per-example
    //  gradients above 1. A clip well below them clips nearly every
    //  gradient, so each sampled record pulls with the same weight and the
    //  noise (proportional to the clip) shrinks with it; Adam is blind to
    //  the common scale. 0.1 beat 0.5 and 1 on breast cancer and Pima
    //  (epsilon 1; central DP-SGD, 100 runs per setting on the bench's
    //  hold-out and 40 on each of four others: docs/privacy.md s.7); below
    //  it the fixed point's rounding (sqrt(d)/2 units of 2^-12) counts.
    o->clip = 0.1;
    o->epsilon = s.epsilon;
    o->delta = s.delta;
    o->unit = s.unit;
    o->local_epochs = s.local_epochs;
    o->local_learning_rate = s.local_learning_rate;
    o->local_batch = s.local_batch;
    //  One evaluation, after the last step (sim_options_t).
    o->eval_every = 0;
    o->split = SIM_SPLIT_IID;
    o->bits = HE_BITS_DEFAULT;
    o->seed = 1;
    o->timeout_s = 1800;
    o->round_timeout_ms = 30000;
}

//  With a query and no dictionary: <data's stem>_dictionary.csv beside the
//  data, when there is one (the bundled datasets have theirs).
static char s_dictionary_found [S_PATH_MAX];

int
sim_check (sim_options_t *o)
{
    if (!o->data || (!o->label && !o->query) || !o->sites || !o->out)
        return util_error (UTIL_EINPUT, "simulate: the data, the label (or a query), the number "
                           "of sites and the output folder are required");
    if (o->query && !o->label && o->split == SIM_SPLIT_LABEL_SKEW)
        return util_error (UTIL_EINPUT, "simulate: the label-skew split needs --label");
    if (!o->dictionary) {
        const char *dot = strrchr (o->data, '.');
        size_t stem = dot && !strchr (dot, '/')? (size_t) (dot - o->data): strlen (o->data);
        snprintf (s_dictionary_found, sizeof s_dictionary_found, "%.*s_dictionary.csv",
                  (int) stem, o->data);
        if (access (s_dictionary_found, R_OK) == 0)
            o->dictionary = s_dictionary_found;
        else
        if (o->query)
            return util_error (UTIL_EINPUT, "simulate: a query needs the data dictionary: give "
                               "--dictionary FILE (no %s)", s_dictionary_found);
    }
    if (o->eval_share != 0
    &&  !(o->eval_share >= PROTO_EVAL_SHARE_MIN && o->eval_share <= PROTO_EVAL_SHARE_MAX))
        return util_error (UTIL_EINPUT, "simulate: eval share %g is outside [%g, %g]",
                           o->eval_share, PROTO_EVAL_SHARE_MIN, PROTO_EVAL_SHARE_MAX);
    if (o->verify_threads > 64 || o->status_probes > SIM_STATUS_PROBES_MAX)
        return util_error (UTIL_EINPUT, "simulate: verify threads %u (0..64) or status probes "
                           "%u (0..%d) out of range", o->verify_threads, o->status_probes,
                           SIM_STATUS_PROBES_MAX);
    if (o->sites > SIM_SPLIT_SITES_MAX)
        return util_error (UTIL_ELIMIT, "simulate: %zu sites, at most %d", o->sites,
                           SIM_SPLIT_SITES_MAX);
    bool site = strcmp (o->unit, "site") == 0;
    if (!site && strcmp (o->unit, "record"))
        return util_error (UTIL_EINPUT, "simulate: unit '%s': expected record or site", o->unit);
    if (site && o->sampling_rate != 1)
        return util_error (UTIL_EINPUT, "simulate: the sampling rate must be 1 with unit site "
                           "(sites are not sampled)");
    //  A threshold of 1 would let any one site decrypt alone: a
    //  consortium has at least two sites (he/threshold.h).
    if (o->sites < HE_THRESHOLD_MIN)
        return util_error (UTIL_EINPUT, "simulate: %zu site: the threshold key needs at least %d "
                           "(threshold must be at least %d)", o->sites, HE_THRESHOLD_MIN,
                           HE_THRESHOLD_MIN);
    if (!o->threshold)
        o->threshold = HE_THRESHOLD_MIN;
    if (o->threshold < HE_THRESHOLD_MIN)
        return util_error (UTIL_EINPUT, "simulate: threshold must be at least %d (with %u, one "
                           "site could decrypt every other site's update alone)",
                           HE_THRESHOLD_MIN, o->threshold);
    if (o->threshold > o->sites)
        return util_error (UTIL_EINPUT, "simulate: threshold %u is more than the %zu sites",
                           o->threshold, o->sites);
    if (o->bits % 64 || o->bits > HE_BITS_MAX
    ||  (o->bits < HE_BITS_SECURE && !(o->insecure_test_key && o->bits >= HE_BITS_MIN)))
        return util_error (UTIL_EINPUT, "simulate: %u bits: use 2048, 3072 or 4096%s", o->bits,
                           o->bits < HE_BITS_SECURE? " (smaller keys are for tests only)": "");
    if (o->scale && !strcmp (o->scale, "bounds") && !o->dictionary)
        return util_error (UTIL_EINPUT, "simulate: scale bounds needs the data dictionary: give "
                           "--dictionary FILE");
    if (o->hidden && strcmp (o->model, "mlp"))
        return util_error (UTIL_EINPUT, "simulate: hidden layers need the mlp model");
    return 0;
}

//  The stem of a path ("datasets/breast.csv" -> "breast"), at most `size` - 1
//  characters, reduced to the characters a study name may hold.
static void
s_stem (char *out, size_t size, const char *path)
{
    const char *base = strrchr (path, '/');
    base = base? base + 1: path;
    size_t n = 0;
    for (const char *p = base; *p && *p != '.' && n + 1 < size; p++)
        out [n++] = (char) ((*p == ' ' || *p == '"' || (unsigned char) *p < 32)? '_': *p);
    out [n] = '\0';
    if (n == 0)
        snprintf (out, size, "data");
}

//  Checks the data file and the label column (if any) before anything is
//  written. With `columns`, *columns gets every column but the label,
//  comma-separated (a new string), and *rows the data rows.
static int
s_check_data (const char *path, const char *label, char **columns, size_t *rows)
{
    model_csv_t *csv = NULL;
    if (model_csv_load (&csv, path, 0))
        return -1;
    int rc = label && model_csv_find (csv, label) < 0
           ? util_error (UTIL_EINPUT, "%s:1:1: no label column '%s' in the header", path, label)
           : 0;
    if (!rc && columns) {
        size_t len = 1;
        for (size_t j = 0; j < model_csv_cols (csv); j++)
            len += strlen (model_csv_header (csv, j)) + 1;
        char *text = util_calloc (len, 1);
        for (size_t j = 0; text && j < model_csv_cols (csv); j++) {
            const char *name = model_csv_header (csv, j);
            if (label && !strcmp (name, label))
                continue;
            if (*text)
                strcat (text, ",");
            strcat (text, name);
        }
        *columns = text;
        *rows = model_csv_rows (csv);
        if (!text)
            rc = util_error_context ("%s: the feature list", path);
    }
    model_csv_destroy (&csv);
    return rc;
}

//  The number of features in a comma-separated list.
static size_t
s_count (const char *list)
{
    size_t n = 1;
    for (const char *p = list; *p; p++)
        n += *p == ',';
    return n;
}

//  The query of the simulation into DIR/query.cfg.
static int
s_write_query (const sim_options_t *o, const char *dataset)
{
    coord_query_request_t r = {
        .expr = o->query, .dataset = dataset, .name = "simulation", .epsilon = o->epsilon,
        .delta = o->delta, .off = o->privacy_off, .min_sites = o->threshold
    };
    char *text = coord_query_definition (&r), path [S_PATH_MAX];
    if (!text)
        return -1;
    snprintf (path, sizeof path, "%s/query.cfg", o->out);
    int rc = util_file_write (path, text, strlen (text), 0644, UTIL_FILE_REPLACE);
    free (text);
    return rc;
}

//  The study of the simulation as study.cfg text into DIR/study.cfg.
static int
s_write_study (const sim_options_t *o, const char *dataset)
{
    if (o->query)
        return s_write_query (o, dataset);
    char name [128], stem [64], path [S_PATH_MAX];
    s_stem (stem, sizeof stem, o->data);
    snprintf (name, sizeof name, "%s-%s", stem, o->model);
    sim_study_t s;
    sim_study_defaults (&s);
    s.name = name;
    s.dataset = dataset;
    s.label = o->label;
    s.features = o->features;
    s.categorical = o->categorical;
    s.missing = o->missing;
    s.scale = o->scale;
    s.model = o->model;
    s.hidden = o->hidden;
    s.optimizer = o->optimizer;
    s.learning_rate = o->learning_rate;
    s.steps = o->steps;
    s.sampling_rate = o->sampling_rate;
    s.clip = o->clip;
    s.min_sites = o->threshold;
    s.eval_every = o->eval_every;
    s.epsilon = o->epsilon;
    s.delta = o->delta;
    s.privacy_off = o->privacy_off;
    s.unit = o->unit;
    s.local_epochs = o->local_epochs;
    s.local_learning_rate = o->local_learning_rate;
    s.local_batch = o->local_batch;
    s.eval_share = o->eval_share;
    snprintf (path, sizeof path, "%s/study.cfg", o->out);
    FILE *f = fopen (path, "w");
    if (!f)
        return util_error (UTIL_EIO, "cannot create %s: %s", path, strerror (errno));
    int bad = sim_study_format (&s, f);
    if (fclose (f) || bad)
        return bad? util_error_context ("%s", path)
                  : util_error (UTIL_EIO, "cannot write %s", path);
    return 0;
}

//  With o->choose_schedule: the steps and sampling rate the accountant
//  favours (proto_plan_choose) for the study o describes, its listed
//  features (a categorical one counted once: only q and the steps are
//  taken, and every side then calibrates the noise to the real count) and
//  `rows` training records, into o. Logs the choice.
static int
s_choose (sim_options_t *o, size_t rows)
{
    if (!o->choose_schedule || o->query || o->privacy_off)
        return 0;
    sim_study_t s;
    sim_study_defaults (&s);
    s.name = "schedule";
    s.dataset = "data";
    s.label = o->label;
    s.model = o->model;
    s.hidden = o->hidden;
    s.steps = o->steps;
    s.sampling_rate = o->sampling_rate;
    s.clip = o->clip;
    s.min_sites = o->threshold;
    s.eval_every = o->eval_every;
    s.epsilon = o->epsilon;
    s.delta = o->delta;
    s.privacy_off = o->privacy_off;
    s.unit = o->unit;
    s.eval_share = o->eval_share;
    s.scale = o->scale;
    char *text = sim_study_text (&s);
    proto_study_t *study = text? proto_study_parse (text, "simulate"): NULL;
    free (text);
    if (!study)
        return util_error_context ("simulate: choosing the schedule");
    //  Read through the dictionary when there is one (the coordinator
    //  decides for good; this is the same rule for the listed features).
    proto_study_resolve_scale (study, o->dictionary && o->features);
    size_t p = o->features? s_count (o->features): 1;
    proto_plan_choice_t *choice = util_calloc (1, sizeof *choice);
    int rc = choice? proto_plan_choose (choice, study, p, o->threshold, rows): -1;
    if (rc == 0) {
        o->steps = (unsigned) choice->steps;
        o->sampling_rate = choice->q;
        const proto_plan_t *pl = &choice->plan;
        if (o->log)
            fprintf (o->log, "simulate: schedule chosen by the accountant for epsilon %g: q %g, "
                     "%u steps, noise multiplier %.3g (epsilon alone: statistics %.3g, "
                     "training %.3g, evaluation %.3g)\n", o->epsilon, o->sampling_rate,
                     o->steps, pl->noise_multiplier,
                     pl->part_epsilon [COHORT__ROUND_KIND__ROUND_KIND_STATS],
                     pl->part_epsilon [COHORT__ROUND_KIND__ROUND_KIND_TRAIN],
                     pl->part_epsilon [COHORT__ROUND_KIND__ROUND_KIND_EVAL]);
    }
    else
        util_error_context ("simulate: choosing the schedule");
    free (choice);
    proto_study_destroy (&study);
    return rc;
}

//  Splits `from` across the sites into DIR/data/<site><suffix>.csv.
static int
s_split (const sim_options_t *o, char *const *sites, const char *from, const char *suffix,
         uint64_t seed, size_t *counts)
{
    char **paths = util_calloc (o->sites, sizeof *paths);
    int rc = paths? 0: -1;
    for (size_t i = 0; i < o->sites && rc == 0; i++)
        if (!(paths [i] = util_asprintf ("%s/data/%s%s.csv", o->out, sites [i], suffix)))
            rc = -1;
    if (rc == 0)
        rc = sim_split_csv (from, o->label, o->split, o->sites, seed,
                            (const char *const *) paths, counts);
    for (size_t i = 0; paths && i < o->sites; i++)
        free (paths [i]);
    free (paths);
    return rc;
}

//  sim_prepare with the coordinator's metrics on `metrics` (NULL: none).
static int s_prepare (const sim_options_t *o, int port, const char *metrics, char ***sites_out);

int
sim_prepare (const sim_options_t *o, int port, char ***sites_out)
{
    return s_prepare (o, port, NULL, sites_out);
}

static int
s_prepare (const sim_options_t *o, int port, const char *metrics, char ***sites_out)
{
    *sites_out = NULL;
    char *columns = NULL;
    size_t rows = 0;
    if (s_check_data (o->data, o->label, &columns, &rows)
    ||  (o->test && s_check_data (o->test, o->label, NULL, NULL))) {
        free (columns);
        return -1;
    }
    //  A study read through the dictionary lists its features: by default
    //  every column but the label.
    const char *features = o->features? o->features
                          : o->dictionary && !o->query? columns: NULL;
    sim_options_t chosen = *o;
    chosen.features = features;
    if (s_choose (&chosen, rows)) {
        free (columns);
        return -1;
    }
    char **sites = util_calloc (o->sites + 1, sizeof *sites);
    if (!sites)
        return -1;
    for (size_t i = 0; i < o->sites; i++)
        if (!(sites [i] = util_asprintf ("site-%zu", i + 1))) {
            sim_consortium_free_sites (&sites);
            return -1;
        }
    char endpoint [64], path [S_PATH_MAX];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);
    sim_consortium_t c;
    sim_consortium_defaults (&c);
    c.out = o->out;
    c.sites = sites;
    c.n_sites = o->sites;
    c.threshold = o->threshold;
    c.bits = o->bits;
    c.force = true;
    c.name = "simulation";
    c.endpoint = endpoint;
    c.dataset = "data";
    c.test_files = o->test != NULL;
    c.allow_privacy_off = o->privacy_off;
    c.dictionary = o->query != NULL || o->dictionary != NULL;
    c.dictionary_path = o->dictionary;
    //  Each site grants exactly what one study plans to spend, with room to
    //  spare for rounding in the accountant; a real site sets its own.
    //  Under unit = site the ledgers are charged for one record's change,
    //  at most 4 times the study's RDP curve (proto_plan_ledger_curve), so
    //  below 4 epsilon.
    bool site = strcmp (o->unit, "site") == 0;
    c.budget_epsilon = o->site_budget > 0? o->site_budget
                     : o->privacy_off? 1: (site? 4: 2) * o->epsilon;
    c.budget_delta = o->privacy_off? 1e-5: 2 * o->delta;
    c.round_timeout_ms = o->round_timeout_ms;
    c.verify_threads = o->verify_threads;
    c.metrics = metrics;
    if (o->log)
        fprintf (o->log, "simulate: dealing a %u-of-%zu threshold key (%u bits) and "
                 "certificates...\n", o->threshold, o->sites, o->bits);
    size_t counts [SIM_SPLIT_SITES_MAX];
    int rc = -1;
    snprintf (path, sizeof path, "%s/data", o->out);
    if (sim_consortium_write (&c))
        goto done;
    if (mkdir (path, 0700) && errno != EEXIST) {
        util_error (UTIL_EIO, "cannot create %s: %s", path, strerror (errno));
        goto done;
    }
    if (s_split (o, sites, o->data, "", o->seed, counts))
        goto done;
    if (o->log) {
        fprintf (o->log, "simulate: %s split of %s:", sim_split_kind_name (o->split), o->data);
        for (size_t i = 0; i < o->sites; i++)
            fprintf (o->log, " %zu", counts [i]);
        fputs (" rows\n", o->log);
    }
    if ((o->test && s_split (o, sites, o->test, "-test", o->seed + 1, counts))
    ||  s_write_study (&chosen, c.dataset))
        goto done;
    *sites_out = sites;
    sites = NULL;
    rc = 0;
done:
    sim_consortium_free_sites (&sites);
    free (columns);
    return rc;
}

//  Writes the report as `format` to DIR/<name>; nothing is left on failure.
static int
s_write_report (const json_t *report, const char *dir, const char *name, const char *format)
{
    char path [S_PATH_MAX];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen (path, "w");
    if (!f)
        return util_error (UTIL_EIO, "cannot create %s: %s", path, strerror (errno));
    int rc = coord_render (report, format, f);
    if (rc)
        util_error_context ("%s", path);
    if (fclose (f) && rc == 0)
        rc = util_error (UTIL_EIO, "cannot write %s", path);
    if (rc)
        unlink (path);
    return rc;
}

int
sim_write_outputs (const json_t *report, const char *dir)
{
    if (json_object_get (report, "query"))
        return s_write_report (report, dir, "report.json", "json")
            || s_write_report (report, dir, "report.csv", "csv")
            || s_write_report (report, dir, "report.html", "html")? -1: 0;
    if (s_write_report (report, dir, "report.json", "json")
    ||  s_write_report (report, dir, "report.html", "html"))
        return -1;
    json_t *model = json_object_get (report, "model");
    char path [S_PATH_MAX];
    snprintf (path, sizeof path, "%s/model.json", dir);
    if (!json_is_object (model)) {
        //  An earlier run's model would read as this study's.
        if (remove (path) != 0 && errno != ENOENT)
            return util_error (UTIL_EIO, "the report holds no model, and the earlier %s cannot "
                               "be removed: %s", path, strerror (errno));
        return util_error (UTIL_EINPUT, "the report holds no model: %s/model.json not written",
                           dir);
    }
    //  Through the model-file parser, so that what is saved is a model
    //  `cohort predict` reads.
    char *text = json_dumps (model, JSON_COMPACT | JSON_REAL_PRECISION (17));
    if (!text)
        return util_error (UTIL_ENOMEM, "out of memory writing %s/model.json", dir);
    model_file_t *mf = model_file_parse ("report model", text, strlen (text));
    free (text);
    int rc = mf && model_file_save (mf, path) == 0? 0: -1;
    if (mf && rc)
        util_error_context ("%s", path);
    model_file_destroy (&mf);
    return rc;
}

void
sim_summary (const json_t *report, FILE *out)
{
    if (json_object_get (report, "query")) {
        if (coord_render (report, "text", out))
            fprintf (out, "  (the results cannot be shown: %s)\n", util_last_error ());
        return;
    }
    json_t *study = json_object_get (report, "study");
    json_t *privacy = json_object_get (report, "privacy");
    json_t *final = json_object_get (report, "final_metrics");
    const char *status = json_string_value (json_object_get (study, "status"));
    const char *detail = json_string_value (json_object_get (study, "status_detail"));
    fprintf (out, "  status     %s%s%s\n", status? status: "?", detail && *detail? ": ": "",
             detail? detail: "");
    //  Why sites said no (a rerun in the same --out keeps their ledgers,
    //  so a spent budget is the usual reason).
    json_t *declined = json_object_get (study, "declined");
    for (size_t i = 0; i < json_array_size (declined); i++) {
        json_t *d = json_array_get (declined, i);
        const char *site = json_string_value (json_object_get (d, "site"));
        const char *reason = json_string_value (json_object_get (d, "reason"));
        fprintf (out, "  declined   %s: %s\n", site? site: "?", reason? reason: "?");
    }
    json_t *auc = json_object_get (final, "auc");
    bool private = json_is_true (json_object_get (privacy, "private"));
    json_t *lo = json_object_get (final, "auc_low_90"), *hi = json_object_get (final, "auc_high_90");
    if (json_is_number (auc))
        fprintf (out, "  test AUC   %.4f (accuracy %.4f, log-loss %.4f; %s)\n",
                 json_number_value (auc), json_number_value (json_object_get (final, "accuracy")),
                 json_number_value (json_object_get (final, "log_loss")),
                 private? "DP estimate": "from score histograms");
    if (json_is_number (auc) && json_is_number (lo) && json_is_number (hi))
        fprintf (out, "             90%% interval for the exact AUC %.3f to %.3f (DP noise and "
                 "binning)%s\n", json_number_value (lo), json_number_value (hi),
                 json_number_value (hi) - json_number_value (lo) > 0.9
                 ? ": uninformative, too few held-out rows for the evaluation's share" : "");
    else
    if (private && final && json_is_null (auc))
        fputs ("  test AUC   n/a (DP estimate: after the noise one label's score histogram is\n"
               "             empty; too few held-out rows for the evaluation's share of epsilon)\n",
               out);
    if (private) {
        const char *unit = json_string_value (json_object_get (privacy, "unit"));
        fprintf (out, "  privacy    epsilon %.3f of %.3g, delta %.3g (%s, noise multiplier %.3g, "
                      "q %.3g, %lld steps)\n",
                 json_number_value (json_object_get (privacy, "epsilon")),
                 json_number_value (json_object_get (privacy, "target_epsilon")),
                 json_number_value (json_object_get (privacy, "delta")), unit? unit: "?",
                 json_number_value (json_object_get (privacy, "noise_multiplier")),
                 json_number_value (json_object_get (privacy, "sampling_rate")),
                 (long long) json_integer_value (json_object_get (privacy, "steps")));
    }
    else
        fputs ("  privacy    NOT PRIVATE (privacy was off)\n", out);
    json_t *wall = json_object_get (study, "wall_s");
    if (json_is_number (wall))
        fprintf (out, "  wall time  %.1f s\n", json_number_value (wall));
}

//  DIR/run.json: what the report does not hold about the run itself.
static int
s_write_run (const sim_options_t *o, int port, int metrics_port, double seconds, sim_fed_t *fed)
{
    char path [S_PATH_MAX];
    snprintf (path, sizeof path, "%s/run.json", o->out);
    json_t *run = json_pack ("{s:i,s:i,s:f,s:f,s:f}", "sites", (int) o->sites, "port", port,
                             "launch_to_report_s", seconds,
                             "coordinator_rss_mb", sim_fed_coordinator_rss_mb (fed),
                             "coordinator_cpu_s", sim_fed_coordinator_cpu_s (fed));
    //  With the sites still connected: the analyst's status requests, one
    //  after another through the real client.
    double p50, max;
    if (run && o->status_probes) {
        if (sim_fed_status_ms (fed, "", o->status_probes, &p50, &max)
        ||  json_object_set_new (run, "status_p50_ms", json_real (p50))
        ||  json_object_set_new (run, "status_max_ms", json_real (max))) {
            json_decref (run);
            return util_error_context ("%s: status requests", path);
        }
    }
    //  The training rounds' mean duration, as the coordinator timed them
    //  (coordinator/metrics.c).
    double sum, count;
    if (run && metrics_port > 0) {
        if (sim_fed_metric (metrics_port, "cohort_coordinator_round_duration_seconds_sum"
                            "{kind=\"train\"}", &sum)
        ||  sim_fed_metric (metrics_port, "cohort_coordinator_round_duration_seconds_count"
                            "{kind=\"train\"}", &count)
        ||  !(count > 0)
        ||  json_object_set_new (run, "train_round_ms", json_real (sum / count * 1e3))
        ||  json_object_set_new (run, "train_rounds", json_integer ((json_int_t) count))) {
            json_decref (run);
            return util_error_context ("%s: the coordinator's round durations", path);
        }
    }
    int rc = run && json_dump_file (run, path, JSON_INDENT (2) | JSON_PRESERVE_ORDER) == 0
           ? 0: util_error (UTIL_EIO, "cannot write %s", path);
    json_decref (run);
    return rc;
}

//  The study.cfg (or query.cfg) that sim_prepare wrote.
static char *
s_read_study (const char *dir, bool query)
{
    char path [S_PATH_MAX];
    snprintf (path, sizeof path, "%s/%s.cfg", dir, query? "query": "study");
    char *text = NULL;
    //  The same cap as the coordinator's for a study text.
    if (util_file_read (path, 65536, 0, &text, NULL))
        return NULL;
    return text;
}

int
sim_run (const sim_options_t *o, json_t **report)
{
    *report = NULL;
    if (mkdir (o->out, 0700) && errno != EEXIST)
        return util_error (UTIL_EIO, "cannot create %s: %s", o->out, strerror (errno));
    int port = sim_free_port ();
    int metrics_port = o->round_metrics? sim_free_port (): 0;
    char **sites = NULL, metrics [64];
    snprintf (metrics, sizeof metrics, "127.0.0.1:%d", metrics_port);
    if (port < 0 || metrics_port < 0
    ||  s_prepare (o, port, o->round_metrics? metrics: NULL, &sites))
        return -1;
    char *study = s_read_study (o->out, o->query != NULL);
    sim_fed_t *fed = NULL;
    int rc = -1;
    if (!study)
        goto done;
    if (o->log)
        fprintf (o->log, "simulate: starting a coordinator and %zu sites on "
                 "127.0.0.1:%d...\n", o->sites, port);
    fed = sim_fed_start (o->out, port, sites, o->sites);
    double t0 = (double) zclock_mono () / 1e3;
    if (!fed || sim_fed_run (fed, study, o->timeout_s, o->progress, report))
        goto done;
    if (s_write_run (o, port, metrics_port, (double) zclock_mono () / 1e3 - t0, fed)
    ||  sim_write_outputs (*report, o->out))
        goto done;
    const char *status = json_string_value (json_object_get (
        json_object_get (*report, o->query? "job": "study"), "status"));
    rc = status && strcmp (status, "completed") == 0
       ? 0: util_error (UTIL_EFAIL, "the %s %s", o->query? "query": "study",
                        status? status: "has no status");
done:
    ;
    util_error_saved_t why;
    util_error_save (&why);
    sim_fed_stop (&fed);
    if (rc)
        util_error_restore (&why);
    free (study);
    sim_consortium_free_sites (&sites);
    return rc;
}
