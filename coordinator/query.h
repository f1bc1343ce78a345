/*  coordinator/query.h - a query's results from its released sum: the
    statistics, their 95% intervals for the DP noise, disclosure control,
    and the report in JSON (docs/report.md, "Query reports"), tidy CSV and
    HTML.

    Everything here is post-processing of one released vector (the sum
    over the contributing sites of proto_release_add's vectors, noise
    included): it costs no privacy. The JSON shape:

      {"query": TEXT, "dataset": NAME | null, "kind": "summary", ...,
       "by": by='s term | null,
       "privacy": {"epsilon", "delta", "target_epsilon", "unit": "record",
                   "neighbouring", "not_private": bool, "noise_sd": per
                   logical entry, "sites": contributors, "min_cell"},
       "left_out": {"value", "ci95", "suppressed"},
       "results": [ {"statistic": "count" | "mean" | "sd" | "var" | "quantile" |
                     "histogram" | "crosstab" | "correlation" | "chisq",
                     "column" | "columns", "group" (by='s level, when by=),
                     "value" | "values" (+ "breaks" | "levels" | "probs"),
                     "ci95": [lo, hi] (or one per value), "suppressed": bool
                     (or one per value), "note": its plain-language line,
                     ...}, ... ],
       "notes": [plain-language lines: what DP means for these figures]}

    Under privacy off there is no ci95 and nothing is suppressed, and every
    figure equals the pooled computation; "not_private" is true and epsilon
    and delta are null. A figure that cannot be computed (a variance of one
    record, a correlation of a constant) is null, with a note; the JSON
    never holds NaN or an infinity.

    The ci95 of a DP figure is for the noise only: it covers the exact value
    computed on the pooled records (what privacy off would print) with
    probability 95%. It is not a sampling interval. Counts: +-1.96 sd of
    the noise. Means: Fieller's interval for a ratio of two noisy sums
    (exact for Gaussian noise), within the public range. sd, var,
    correlations and chi-squared: a basic parametric bootstrap over the
    noise. Quantiles: the quantiles of the released tree at ranks 1.96
    standard deviations of the rank's noise either side. Draws come from
    GSL's generator seeded from the released vector, so a report is
    reproducible from its release. bench/bench_query.c measures the
    coverage (docs/report.md, "Query reports").

    Contents
        coord_query_options_t       disclosure control settings
        coord_query_results         the results JSON of a released sum
        coord_query_csv             the tidy CSV of a results JSON
        coord_query_html            the HTML report of a results JSON
        coord_query_tree_consistent a noisy quantile tree made consistent
        coord_query_tree_quantile   a quantile read from a tree

    The JSON, CSV and HTML returned are new (json_decref / free). Errors are
    NULL with the reason in the error slot (util/error.h).
*/
#ifndef COORD_QUERY_H
#define COORD_QUERY_H

#include "proto/release.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define COORD_QUERY_MIN_CELL_DEFAULT 5

typedef struct {
    unsigned min_cell;          //  noisy counts below this are suppressed (0: default 5)
    bool no_suppression;        //  show every figure whatever its count: for
                                //  coverage studies (bench/), never a report
    const char *dataset;        //  for the report (NULL: not stated)
    const struct _coord_fit_t *fit; //  an iterative fit's state (coordinator/fit.h):
                                //  required for glm(binomial|poisson) and coxph()
} coord_query_options_t;

/*  The results of `release` (its query checked against the dictionary)
    from the summed vector sum[0 .. release->dim - 1] (an iterative fit's:
    its last round's, coord_fit_last_dim, with options->fit) to which
    `contributors` (1..PROTO_MAX_PARTIES) sites added their noise. NULL with UTIL_EINPUT
    for a missing argument or a contributor count out of range, or
    UTIL_ENOMEM. */
json_t *coord_query_results (const proto_release_t *release, const int64_t *sum,
                             unsigned contributors, const coord_query_options_t *options);

/*  One row per statistic, group and level, with the header
    statistic,column,group,level,value,ci95_low,ci95_high,suppressed
    (RFC 4180: CRLF line ends, fields with a comma, quote or line break
    quoted, quotes doubled). Crosstab cells join their two columns and two
    levels with '|' (which no term or level holds); chi-squared adds the
    rows chisq, chisq_df and chisq_p_value. Empty cells for what a figure
    does not have. NULL with UTIL_EINPUT (with the JSON path) for a results
    object of the wrong shape, or UTIL_ENOMEM. */
char *coord_query_csv (const json_t *results);

/*  A self-contained HTML page (no script, no external resource) with SVG
    charts: histograms as bars with their intervals, quantiles as a box
    (whiskers at the outer requested quantiles), crosstabs and summaries as
    tables, suppressed cells marked; each figure with its epsilon, delta,
    noise scale and plain-language line; NOT PRIVATE stamped at the top
    when privacy was off. Every string from the results is escaped. Same
    errors as coord_query_csv. */
char *coord_query_html (const json_t *results);

/*  Makes the counts of one quantile tree (proto/release.h: B + B^2 + ... +
    B^h nodes, level by level) consistent in place, each parent the sum of
    its children, by least squares on nodes of equal noise variance: Hay,
    Rastogi, Miklau, Suciu, "Boosting the accuracy of differentially private
    histograms through consistency", VLDB 2010, Theorem 3 (weighted
    averaging bottom-up, then mean consistency top-down). The tree has no
    root node (the total is not released): each top-level node's subtree
    is solved on its own, which is the least-squares solution of the
    whole. */
void coord_query_tree_consistent (double *nodes);

/*  The p-quantile (0 <= p <= 1) of a consistent tree's counts, in [0, 1]
    of the term's public range: R's quantile type 7 with each record at the
    centre of its leaf, the k-th record found by descending from the top
    level to the leaf that holds rank k - 1/2, negative counts read as 0
    and each level's counts scaled to the share of its parent the rank
    falls in. With exact counts it is within half a leaf (range / 8192) of
    type 7 on the records. -1 when the tree holds no count. */
double coord_query_tree_quantile (const double *nodes, double p);

#endif
