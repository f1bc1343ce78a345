/*  site/worker.h - the site worker: `cohort site --config site.cfg`.

    At start it loads its config, its key share (checked against the public
    key and its configured index), the public key (with the fixed-base
    table for fast encryption, built once) and its privacy ledger, then
    connects out to the coordinator over CURVE and says hello.
    On a study offer it checks the dataset, the study's label and features,
    and its ledger for the WHOLE planned schedule (statistics, training and
    evaluation); it accepts (declaring its features and training-record
    count) or declines with the reason. In each round it computes its
    vector (site/train.h), charges its ledger, adds its discrete Gaussian
    noise share, encrypts and sends. It answers a decrypt request only for
    the round it contributed to, once, with its partial decryptions and one
    batched proof for them (its nonce prepared ahead, off the request path).

    Contents
        site_worker_t           a running site
        site_worker_new         loads everything and connects
        site_worker_run         serves until told to stop (draining the round
                                in flight), re-reading its config on request
        site_worker_reload      re-reads site.cfg (what can change running)
        site_worker_destroy     disconnects and frees

    The worker is the caller's (site_worker_destroy, NULL-safe) and owns
    everything it loaded: destroying it wipes the key share, the prepared
    proof nonce and the noise stream. A round's noised vector is wiped on
    every path: only its encryption leaves. Errors are -1 / NULL with the
    reason in the error slot (util/error.h).
*/
#ifndef SITE_WORKER_H
#define SITE_WORKER_H

#include <signal.h>
#include <stdbool.h>

//  How long a stopping worker waits for the decryption request of a round
//  it contributed to (below the 5 s a launcher gives a SIGTERM: the
//  coordinator usually asks within a second of the last update).
#define SITE_DRAIN_MS 3000

typedef struct _site_worker_t site_worker_t;

/*  Loads everything and connects. NULL with the reason in
    util_last_error (). */
site_worker_t *site_worker_new (const char *config_path);
void site_worker_destroy (site_worker_t **self_p);

/*  Serves until *stop becomes true (checked between messages) or the
    process is interrupted (SIGINT, SIGTERM: czmq's zsys_interrupted).
    Then it drains: a message being handled is finished (a round's ledger
    charge is durable before its update leaves), new offers are declined
    and new rounds refused ("the site is stopping"), and when this site has
    sent an update whose aggregate it has not decrypted yet it waits up to
    SITE_DRAIN_MS for that decryption request and answers it. One log line
    says how it stopped: no round in flight, the round finished, or the
    round abandoned (its charge stands; the coordinator's deadline passes
    without this share). When `reload` is not NULL and *reload is non-zero
    (a SIGHUP handler sets it), the worker clears it and calls
    site_worker_reload between messages, logging a refusal in one line.
    Returns 0, or -1 on a fatal error. */
int site_worker_run (site_worker_t *self, volatile bool *stop, volatile sig_atomic_t *reload);

/*  Reads the worker's site.cfg again and takes it on if site_config_reload
    allows it, the dataset of the study in progress is still registered,
    and no dataset the ledger holds a budget for would get another budget
    (a budget never changes once used). The next hello carries the budgets.
    Returns 0, or -1 with the one-line reason (the running config stays). */
int site_worker_reload (site_worker_t *self);

#endif
