/*  util/log.h - structured logs, opt-in: every log line of the process as
    one JSON object,

        {"ts":"2025-01-31T12:00:00.123Z","level":"info","component":"site",
         "msg":"site hospital-a: accepted study ..."}

    The daemons log through czmq (zsys_info, zsys_warning, zsys_error,
    ...), which writes "<L>: <date> <text>" lines to a stream
    (zsys_set_logstream). util_log_json gives czmq a stream of its own
    (fopencookie) that turns each such line into a JSON object on stdout,
    so no call site changes: ts is UTC with milliseconds, taken when the
    line is written; level is czmq's letter spelled out (error, warning,
    notice, info, debug); component is the daemon's ("coordinator",
    "site"); msg is the text as the text format shows it. A message that
    holds a newline gives one object per line, each with its level.
    Strings are escaped as RFC 8259 says; bytes that are not UTF-8 become
    U+FFFD, so every line parses.

    The config key, in the coordinator section of coordinator.cfg and the
    site section of site.cfg:

        log_format = text                   optional: text (default, as
                                            czmq writes it) or json

    Contents
        util_log_format_t       text or json
        util_log_config         reads log_format from a config section
        util_log_json           switches this process's zsys log to JSON
        util_log_json_line      one zsys line as a JSON object (the caller's)

    The format is the process's: util_log_json is called once, from the
    daemon's start-up, after zsys_init and before its other threads log;
    czmq keeps the stream until the process exits. Errors are -1 / NULL
    with the reason in the error slot (util/error.h).
*/
#ifndef UTIL_LOG_H
#define UTIL_LOG_H

#include "util/error.h"

#include <czmq.h>
#include <stdint.h>

#define UTIL_LOG_LINE_MAX 4096      //  bytes of one line taken; longer ones are cut
#define UTIL_LOG_COMPONENT_MAX 64   //  bytes of the component name kept

typedef enum {
    UTIL_LOG_TEXT,                  //  czmq's own lines
    UTIL_LOG_JSON                   //  one JSON object per line
} util_log_format_t;

/*  Reads `log_format` from `section` (named `name` in messages) of the
    config at `path`: *format is UTIL_LOG_TEXT when absent. 0, or -1 with
    "<path>: <name>/log_format: '<value>' is neither 'text' nor 'json'". */
int util_log_config (util_log_format_t *format, const char *path, zconfig_t *section,
                     const char *name) UTIL_WUR;

/*  From now on every zsys log line of this process goes to stdout as one
    JSON object naming `component`. Calling it again changes the
    component. 0, or -1 (UTIL_ENOMEM) with the text format left as it was. */
int util_log_json (const char *component) UTIL_WUR;

/*  The JSON object (no newline) for one line as czmq writes it ("I: 25-01-31
    12:00:00 text", optionally with "(ident) " before the date), with ts
    from `now_ms` (milliseconds since the epoch). A line that is not in
    czmq's form (the rest of a message that held a newline) takes its
    level from `level` ("info" when NULL) and is the msg as it stands.
    *level_out (may be NULL) gets the level used (static). NULL with
    UTIL_ENOMEM. */
char *util_log_json_line (const char *line, size_t len, const char *component, int64_t now_ms,
                          const char *level, const char **level_out);

#endif
