/*  sim/split.c - seeded splits of a CSV dataset across simulated sites. */
#include "split.h"
#include "util/alloc.h"
#include "util/error.h"
#include "models/csv.h"
#include "models/models.h"

#include <errno.h>
#include <fcntl.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *s_kind_names [] = { "iid", "label-skew", "size-skew" };

int
sim_split_kind_parse (const char *name, sim_split_kind_t *kind)
{
    for (size_t k = 0; k < sizeof s_kind_names / sizeof s_kind_names [0]; k++)
        if (name && strcmp (name, s_kind_names [k]) == 0) {
            *kind = (sim_split_kind_t) k;
            return 0;
        }
    return util_error (UTIL_EINPUT, "split '%s': expected iid, label-skew or size-skew", name? name: "");
}

const char *
sim_split_kind_name (sim_split_kind_t kind)
{
    return (size_t) kind < sizeof s_kind_names / sizeof s_kind_names [0]?
           s_kind_names [kind]: "?";
}

//  Largest-remainder apportionment of `total` items by `weights` into
//  counts[0..n): exact integer total, each count within 1 of its quota.
static void
s_apportion (size_t *counts, size_t n, size_t total, const double *weights)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += weights [i];
    size_t given = 0;
    double rem [SIM_SPLIT_SITES_MAX];
    for (size_t i = 0; i < n; i++) {
        double quota = (double) total * weights [i] / sum;
        counts [i] = (size_t) floor (quota);
        rem [i] = quota - (double) counts [i];
        given += counts [i];
    }
    //  The rest, one each, to the largest remainders (lowest index first on
    //  ties, so the result does not depend on floating-point noise order).
    while (given < total) {
        size_t best = 0;
        for (size_t i = 1; i < n; i++)
            if (rem [i] > rem [best] + 1e-12)
                best = i;
        counts [best]++;
        rem [best] = -1;
        given++;
    }
}

//  The seeded generator of a split (Mersenne Twister: reproducible from
//  the seed, for simulated data only, never for secrets). NULL with
//  UTIL_ENOMEM.
static gsl_rng *
s_rng_new (uint64_t seed)
{
    gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
    if (!rng)
        return util_error_null (UTIL_ENOMEM, "out of memory (a random generator)");
    gsl_rng_set (rng, (unsigned long) seed);
    return rng;
}

//  Gives the `m` rows listed in `order` to the sites in proportion to
//  `weights` (counts: scratch of n_sites), in order: the first counts[0] to
//  site 0, and so on.
static void
s_assign (size_t *assignment, size_t *per_site, const size_t *order, size_t m,
          size_t *counts, const double *weights, size_t n_sites)
{
    s_apportion (counts, n_sites, m, weights);
    size_t r = 0;
    for (size_t i = 0; i < n_sites; i++)
        for (size_t k = 0; k < counts [i]; k++, r++) {
            assignment [order [r]] = i;
            per_site [i]++;
        }
}

int
sim_split_assign (size_t *assignment, size_t rows, const size_t *labels, size_t n_labels,
                   size_t n_sites, sim_split_kind_t kind, uint64_t seed)
{
    if (n_sites < 1 || n_sites > SIM_SPLIT_SITES_MAX)
        return util_error (UTIL_EINPUT, "split: %zu sites, expected 1 to %d", n_sites, SIM_SPLIT_SITES_MAX);
    if (rows < n_sites)
        return util_error (UTIL_EINPUT, "split: %zu rows cannot give each of %zu sites a row", rows,
                           n_sites);
    if (kind == SIM_SPLIT_LABEL_SKEW && (!labels || n_labels == 0))
        return util_error (UTIL_EINPUT, "split: label-skew needs the label of every row");
    if ((size_t) kind >= sizeof s_kind_names / sizeof s_kind_names [0])
        return util_error (UTIL_EINPUT, "split: unknown kind %d", (int) kind);
    size_t *order = util_calloc (rows, sizeof *order);
    gsl_rng *rng = order? s_rng_new (seed): NULL;
    int rc = -1;
    if (!rng)
        goto cleanup;
    size_t counts [SIM_SPLIT_SITES_MAX], per_site [SIM_SPLIT_SITES_MAX] = { 0 };
    double weights [SIM_SPLIT_SITES_MAX] = { 0 };
    if (kind == SIM_SPLIT_LABEL_SKEW) {
        for (size_t r = 0; r < rows; r++)
            if (labels [r] >= n_labels) {
                util_error (UTIL_EFAIL, "split: row %zu has label index %zu of %zu", r, labels [r], n_labels);
                goto cleanup;
            }
        for (size_t c = 0; c < n_labels; c++) {
            size_t m = 0;
            for (size_t r = 0; r < rows; r++)
                if (labels [r] == c)
                    order [m++] = r;
            if (m == 0)
                continue;
            gsl_ran_shuffle (rng, order, m, sizeof *order);
            for (size_t i = 0; i < n_sites; i++)
                weights [i] = (double) (c % 2 == 0? i + 1: n_sites - i);
            s_assign (assignment, per_site, order, m, counts, weights, n_sites);
        }
    }
    else {
        for (size_t r = 0; r < rows; r++)
            order [r] = r;
        gsl_ran_shuffle (rng, order, rows, sizeof *order);
        if (kind == SIM_SPLIT_IID)
            for (size_t r = 0; r < rows; r++) {
                assignment [order [r]] = r % n_sites;
                per_site [r % n_sites]++;
            }
        else {
            for (size_t i = 0; i < n_sites; i++)
                weights [i] = (double) (i + 1);
            s_assign (assignment, per_site, order, rows, counts, weights, n_sites);
        }
    }
    for (size_t i = 0; i < n_sites; i++)
        if (per_site [i] == 0) {
            util_error (UTIL_EINPUT, "split: %s of %zu rows leaves site %zu of %zu empty",
                        s_kind_names [kind], rows, i + 1, n_sites);
            goto cleanup;
        }
    rc = 0;
cleanup:
    free (order);
    if (rng)
        gsl_rng_free (rng);
    return rc;
}

//  One RFC 4180 field: quoted when it holds a comma, quote, CR or LF, or
//  leading/trailing space (kept exactly that way).
static void
s_field (FILE *f, const char *text)
{
    size_t len = strlen (text);
    bool quote = strpbrk (text, ",\"\r\n") != NULL
              || (len && (text [0] == ' ' || text [len - 1] == ' '));
    if (!quote) {
        fputs (text, f);
        return;
    }
    fputc ('"', f);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            fputc ('"', f);
        fputc (*p, f);
    }
    fputc ('"', f);
}

static void
s_record (FILE *f, const model_csv_t *csv, long row)
{
    size_t cols = model_csv_cols (csv);
    for (size_t j = 0; j < cols; j++) {
        if (j)
            fputc (',', f);
        s_field (f, row < 0? model_csv_header (csv, j): model_csv_cell (csv, (size_t) row, j));
    }
    fputc ('\n', f);
}

//  Writes the header and the rows whose assignment is `which` to `path`.
static int
s_write (const char *path, const model_csv_t *csv, const size_t *assignment, size_t which)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0? fdopen (fd, "w"): NULL;
    if (!f) {
        if (fd >= 0)
            close (fd);
        return util_error (UTIL_EIO, "%s: cannot create: %s", path, strerror (errno));
    }
    s_record (f, csv, -1);
    size_t rows = model_csv_rows (csv);
    for (size_t r = 0; r < rows; r++)
        if (assignment [r] == which)
            s_record (f, csv, (long) r);
    int bad = ferror (f);
    if (fclose (f) || bad)
        return util_error (UTIL_EFAIL, "%s: write failed", path);
    return 0;
}

static int
s_textcmp (const void *a, const void *b)
{
    return strcmp (*(const char *const *) a, *(const char *const *) b);
}

//  Maps each row's label text to a class index (distinct values sorted by
//  byte order). *labels is new (caller frees). Missing labels are refused.
static int
s_labels (const model_csv_t *csv, const char *label, size_t **labels, size_t *n_labels)
{
    *labels = NULL;
    *n_labels = 0;
    long col = model_csv_find (csv, label);
    if (col < 0)
        return util_error (UTIL_EINPUT, "%s:1:1: no label column '%s' in the header",
                           model_csv_name (csv), label);
    size_t rows = model_csv_rows (csv);
    const char **values = util_calloc (rows, sizeof *values);
    size_t *out = values? util_calloc (rows, sizeof *out): NULL;
    if (!out) {
        free (values);
        return -1;
    }
    for (size_t r = 0; r < rows; r++) {
        const char *v = model_csv_cell (csv, r, (size_t) col);
        size_t len = strspn (v, " ");
        if (v [len] == '\0' || strcmp (v + len, "NA") == 0) {
            util_error (UTIL_EINPUT, "%s:%zu:%zu: missing label in column '%s'", model_csv_name (csv),
                        model_csv_line (csv, r, (size_t) col),
                        model_csv_column (csv, r, (size_t) col), label);
            free (values);
            free (out);
            return -1;
        }
        values [r] = v;
    }
    qsort (values, rows, sizeof *values, s_textcmp);
    size_t distinct = 0;
    for (size_t r = 0; r < rows; r++)
        if (distinct == 0 || strcmp (values [distinct - 1], values [r]))
            values [distinct++] = values [r];
    for (size_t r = 0; r < rows; r++) {
        const char *v = model_csv_cell (csv, r, (size_t) col);
        const char **hit = bsearch (&v, values, distinct, sizeof *values, s_textcmp);
        out [r] = (size_t) (hit - values);
    }
    free (values);
    *labels = out;
    *n_labels = distinct;
    return 0;
}

static model_csv_t *
s_load (const char *in)
{
    model_csv_t *csv = NULL;
    if (model_csv_load (&csv, in, 0))
        return NULL;
    return csv;
}

int
sim_split_csv (const char *in, const char *label, sim_split_kind_t kind, size_t n_sites,
                uint64_t seed, const char *const *out_paths, size_t *counts)
{
    model_csv_t *csv = s_load (in);
    if (!csv)
        return -1;
    size_t rows = model_csv_rows (csv);
    size_t *labels = NULL, n_labels = 0;
    size_t *assignment = util_calloc (rows, sizeof *assignment);
    int rc = -1;
    if (!assignment)
        goto cleanup;
    if (kind == SIM_SPLIT_LABEL_SKEW) {
        if (!label) {
            util_error (UTIL_EINPUT, "%s: label-skew needs the label column", in);
            goto cleanup;
        }
        if (s_labels (csv, label, &labels, &n_labels))
            goto cleanup;
    }
    if (sim_split_assign (assignment, rows, labels, n_labels, n_sites, kind, seed)) {
        char why [512];
        snprintf (why, sizeof why, "%s", util_last_error ());
        util_error (UTIL_EFAIL, "%s: %s", in, why);
        goto cleanup;
    }
    for (size_t i = 0; i < n_sites; i++) {
        if (s_write (out_paths [i], csv, assignment, i))
            goto cleanup;
        if (counts) {
            counts [i] = 0;
            for (size_t r = 0; r < rows; r++)
                counts [i] += assignment [r] == i;
        }
    }
    rc = 0;
cleanup:
    free (assignment);
    free (labels);
    model_csv_destroy (&csv);
    return rc;
}

int
sim_split_holdout (const char *in, const char *label, double fraction, uint64_t seed,
                    const char *train_path, const char *test_path, size_t *n_train,
                    size_t *n_test)
{
    if (!(fraction > 0 && fraction < 1))
        return util_error (UTIL_EINPUT, "hold-out fraction %g is not in (0, 1)", fraction);
    model_csv_t *csv = s_load (in);
    if (!csv)
        return -1;
    size_t rows = model_csv_rows (csv);
    size_t *labels = NULL, n_labels = 0;
    size_t *assignment = util_calloc (rows, sizeof *assignment);
    size_t *order = assignment? util_calloc (rows, sizeof *order): NULL;
    gsl_rng *rng = order? s_rng_new (seed): NULL;
    int rc = -1;
    if (!rng)
        goto cleanup;
    if (s_labels (csv, label, &labels, &n_labels))
        goto cleanup;
    size_t test = 0;
    for (size_t c = 0; c < n_labels; c++) {
        size_t m = 0;
        for (size_t r = 0; r < rows; r++)
            if (labels [r] == c)
                order [m++] = r;
        gsl_ran_shuffle (rng, order, m, sizeof *order);
        size_t k = (size_t) llround (fraction * (double) m);
        for (size_t r = 0; r < m; r++)
            assignment [order [r]] = r < k;
        test += k;
    }
    if (test == 0 || test == rows) {
        util_error (UTIL_EINPUT, "%s: a hold-out of %g of %zu rows leaves an empty side", in, fraction, rows);
        goto cleanup;
    }
    if (s_write (train_path, csv, assignment, 0) || s_write (test_path, csv, assignment, 1))
        goto cleanup;
    if (n_train)
        *n_train = rows - test;
    if (n_test)
        *n_test = test;
    rc = 0;
cleanup:
    free (assignment);
    free (order);
    free (labels);
    if (rng)
        gsl_rng_free (rng);
    model_csv_destroy (&csv);
    return rc;
}
