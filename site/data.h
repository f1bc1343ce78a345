/*  site/data.h - a study's view of one registered dataset: the label and
    features the study names, the missing-value policy applied, and the
    held-out test rows (a test file, or a seeded stratified fraction).
    Loading failures are phrased as decline reasons ("missing features:
    a, b", "dataset: file.csv:3:7: ...").

    Contents
        site_data_t             training and test rows for one study
        site_data_load          loads a dataset for a study
        site_data_features      the encoded column names (borrowed)
        site_data_destroy       frees

    The data and both its datasets are the caller's (site_data_destroy,
    NULL-safe); the dataset entry and the study are borrowed.
*/
#ifndef SITE_DATA_H
#define SITE_DATA_H

#include "config.h"
#include "models/dataset.h"
#include "models/dictionary.h"
#include "proto/study.h"

typedef struct {
    model_dataset_t *train;
    model_dataset_t *test;          //  NULL when the site holds no test rows
    size_t p;                       //  encoded columns
} site_data_t;

/*  Loads ds for study. With the consortium's data dictionary (`dict`, for
    a study that came with it), each feature is read as the
    dictionary says: a categorical column one-hot over the dictionary's
    levels (a value that is not one of them is a problem row, dropped or
    left out like a missing one), a numeric column clamped to the
    dictionary's bounds (how many values moved stays at the site). 0, or -1
    with the decline reason in util_last_error (). */
int site_data_load (site_data_t **out, const site_dataset_t *ds, const proto_study_t *study,
                    const model_dict_t *dict);
void site_data_destroy (site_data_t **self_p);

/*  The encoded column names (borrowed). */
char **site_data_features (const site_data_t *self);

#endif
