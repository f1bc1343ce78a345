/*  util/util.h - what every room shares. Include the header you need:

        util/error.h    one way to fail: a code and one message line per
                        thread (util_error, util_last_error, util_last_code,
                        util_error_context, util_error_copy)
        util/alloc.h    checked allocation that fails cleanly with
                        UTIL_ENOMEM (util_malloc, util_calloc, util_strdup,
                        util_asprintf) and checked size arithmetic
        util/file.h     a whole file read into memory under a cap
                        (util_file_read), or written durably and
                        atomically (util_file_write)
        util/actor.h    a czmq actor's start-up answer, its failure's reason
                        and code carried across threads
        util/config.h   ZPL config files, bounded (util_config_read), and
                        paths relative to them (util_config_path)
        util/codec.h    lower-case hex, canonical base64 and base32
                        (RFC 4648)
        util/totp.h     one-time passwords: HOTP (RFC 4226), TOTP
                        (RFC 6238), otpauth:// URIs
        util/sqlite.h   a durable SQLite open: WAL, synchronous = FULL,
                        a busy timeout (util_sqlite_open, util_sqlite_exec)
        util/metrics.h  counters, gauges and histograms in the Prometheus
                        text format (util_metrics_counter, util_metric_add,
                        util_metrics_render)
        util/metrics_server.h   the metrics listener over HTTP
                        (libmicrohttpd), loopback unless allowed
        util/log.h      structured logs: czmq's log lines as JSON objects
                        (util_log_config, util_log_json)

    util/ includes no other room of Cohort. Every function that can fail
    returns -1 (or NULL) and leaves the reason in the error slot
    (util/error.h); a returned `char *` or buffer belongs to the caller.
*/
#ifndef UTIL_UTIL_H
#define UTIL_UTIL_H

#include "util/actor.h"
#include "util/alloc.h"
#include "util/codec.h"
#include "util/config.h"
#include "util/error.h"
#include "util/file.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/metrics_server.h"
#include "util/sqlite.h"
#include "util/totp.h"

#endif
