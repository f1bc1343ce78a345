/*  site/fedavg.h - a site's local training for DP-FedAvg (privacy unit =
    site; McMahan, Ramage, Talwar and Zhang, "Learning Differentially
    Private Recurrent Language Models", ICLR 2018, Algorithm 1, the
    per-site update): from the round's global parameters w, E epochs of
    minibatch SGD over the site's standardised training rows, each epoch in
    a fresh random order, returning delta = w_local - w. The caller clips
    delta to C (site/train.c) and the worker adds the noise share
    (site/worker.c); nothing here is private on its own.
    Local objective: the study's summed objective restricted to the site
    and divided by its row count n,
        (1/n) sum_i logloss_i + (l2 / (2n)) ||weights||^2
    (intercept and biases unpenalised, as models/ does); a minibatch B
    steps along  mean_{i in B} grad_i + (l2 / n) w_penalised.

    Contents
        site_fedavg_delta       E local epochs from w, returning the delta

    Every array, the rows and the stream are the caller's; nothing is kept.
    Errors are -1 with the reason in the error slot (util/error.h).
*/
#ifndef SITE_FEDAVG_H
#define SITE_FEDAVG_H

#include "dp/random.h"
#include "proto/study.h"

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

/*  Writes delta[0 .. n_params) for the study's model (logistic regression
    or MLP over Z's columns; n_params = proto_plan_params) trained from
    w[0 .. n_params) on the rows of Z (n x p, standardised) with labels y,
    using study->local_epochs, local_learning_rate, local_batch and l2. The
    row order of each epoch is a uniform shuffle drawn from rng. With no
    rows, delta is zero. 0, or -1 with the reason if the rng fails, the
    model cannot be built or training diverges (a non-finite parameter). */
int site_fedavg_delta (double *delta, const proto_study_t *study, size_t n_params,
                       const gsl_matrix *Z, const gsl_vector *y, const double *w,
                       dp_rng_t *rng);

#endif
