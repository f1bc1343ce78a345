/*  sim/demo.h - `cohort demo`: a consortium of three hospitals on this
    machine, in one call.

    Contents
        sim_demo_t      where to work, where the bundled datasets are, the
                        key size, where progress lines go
        sim_demo_run    deals the keys and certificates, splits the bundled
                        datasets across the hospitals, starts a coordinator
                        and three site processes, runs a DP logistic
                        regression and a DP MLP, then three DP queries on the
                        Pima data (a summary, a crosstab and a logistic
                        regression table, docs/queries.md),
                        writes their reports, and
                        prints what a person wants to see

    The demo is the bundled breast cancer data (fixed 70/30 train/test
    split, then each side across the sites with skewed label proportions)
    and the Pima diabetes data as a second dataset of every site; each study
    is at epsilon 1, delta 1e-5 per record. The options and the streams are
    borrowed; everything the demo makes is in its folder. Errors are -1 with
    one line in the error slot (util/error.h).
*/
#ifndef SIM_DEMO_H
#define SIM_DEMO_H

#include <stdio.h>

typedef struct {
    const char *out;                //  the demo's folder (replaced)
    const char *datasets;           //  holds breast_cancer_wisconsin.csv, pima_diabetes.csv
    unsigned bits;                  //  Paillier modulus bits
    FILE *progress;                 //  study progress lines (NULL: none)
} sim_demo_t;

/*  Runs the demo, printing its story on `out`. Returns 0 when both studies
    completed, else -1. */
int sim_demo_run (const sim_demo_t *demo, FILE *out);

#endif
