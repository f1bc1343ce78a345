/*  util/log.c - czmq's log lines as JSON objects. */
#include "util/log.h"
#include "util/alloc.h"
#include "util/error.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

//  The most one line's JSON takes: each byte escaped as \u00XX (6), the
//  component likewise, and the fixed keys, date and level.
#define S_JSON_MAX ((UTIL_LOG_LINE_MAX + UTIL_LOG_COMPONENT_MAX) * 6 + 128)

int
util_log_config (util_log_format_t *format, const char *path, zconfig_t *section,
                 const char *name)
{
    const char *text = zconfig_get (section, "log_format", "text");
    *format = UTIL_LOG_TEXT;
    if (!strcmp (text, "json"))
        *format = UTIL_LOG_JSON;
    else
    if (strcmp (text, "text"))
        return util_error (UTIL_EINPUT, "%s: %s/log_format: '%s' is neither 'text' nor 'json'",
                           path, name, text);
    return 0;
}

//  Appends `s` (len bytes) to out as the inside of a JSON string: ", \ and
//  control characters escaped, well-formed UTF-8 kept, any other byte
//  U+FFFD. out has room for 6 bytes per input byte.
static size_t
s_escape (char *out, const char *s, size_t len)
{
    static const char hex [] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *) s;
    size_t o = 0, i = 0;
    while (i < len) {
        unsigned c = u [i];
        if (c == '"' || c == '\\') {
            out [o++] = '\\';
            out [o++] = (char) c;
            i++;
        }
        else
        if (c < 0x20 || c == 0x7f) {
            const char *named = c == '\n'? "\\n": c == '\r'? "\\r": c == '\t'? "\\t": NULL;
            if (named) {
                memcpy (out + o, named, 2);
                o += 2;
            }
            else {
                memcpy (out + o, "\\u00", 4);
                out [o + 4] = hex [c >> 4];
                out [o + 5] = hex [c & 15];
                o += 6;
            }
            i++;
        }
        else
        if (c < 0x80)
            out [o++] = (char) c, i++;
        else {
            //  One UTF-8 sequence, checked (no overlong, no surrogate,
            //  at most U+10FFFF), copied whole; else one U+FFFD per byte.
            size_t more = (c & 0xE0) == 0xC0? 1: (c & 0xF0) == 0xE0? 2: (c & 0xF8) == 0xF0? 3: 0;
            unsigned cp = more == 1? c & 0x1F: more == 2? c & 0x0F: c & 0x07;
            bool ok = more && len - i > more;
            for (size_t k = 1; ok && k <= more; k++) {
                ok = (u [i + k] & 0xC0) == 0x80;
                cp = cp << 6 | (u [i + k] & 0x3F);
            }
            unsigned min = more == 1? 0x80: more == 2? 0x800: 0x10000;
            if (ok && cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF)) {
                memcpy (out + o, u + i, more + 1);
                o += more + 1;
                i += more + 1;
            }
            else {
                memcpy (out + o, "\\ufffd", 6);
                o += 6;
                i++;
            }
        }
    }
    return o;
}

static bool
s_digits (const char *s, const char *pattern)
{
    //  pattern: 'd' a digit, anything else itself.
    for (; *pattern; s++, pattern++)
        if (*pattern == 'd'? !(*s >= '0' && *s <= '9'): *s != *pattern)
            return false;
    return true;
}

//  Formats into out (S_JSON_MAX bytes); returns the length.
static size_t
s_format (char *out, const char *line, size_t len, const char *component, int64_t now_ms,
          const char *level, const char **level_out)
{
    if (len > UTIL_LOG_LINE_MAX)
        len = UTIL_LOG_LINE_MAX;
    //  "<L>: " ["(" ident ") "] "yy-mm-dd HH:MM:SS " text
    static const char *levels [][2] = {
        { "E", "error" }, { "W", "warning" }, { "N", "notice" }, { "I", "info" },
        { "D", "debug" }
    };
    const char *msg = line;
    size_t mlen = len;
    const char *lvl = level? level: "info";
    for (size_t k = 0; k < 5 && len >= 3; k++) {
        if (line [0] != levels [k][0][0] || line [1] != ':' || line [2] != ' ')
            continue;
        const char *at = line + 3, *end = line + len;
        if (at < end && *at == '(') {
            const char *close = memchr (at, ')', (size_t) (end - at));
            if (close && close + 1 < end && close [1] == ' ')
                at = close + 2;
        }
        //  NUL-free by construction: a line is text up to its newline.
        if (end - at >= 18 && s_digits (at, "dd-dd-dd dd:dd:dd ")) {
            lvl = levels [k][1];
            msg = at + 18;
            mlen = (size_t) (end - msg);
        }
        break;
    }
    if (level_out)
        *level_out = lvl;
    time_t secs = (time_t) (now_ms / 1000);
    struct tm tm;
    gmtime_r (&secs, &tm);
    char ts [40];
    strftime (ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    size_t o = (size_t) snprintf (out, S_JSON_MAX, "{\"ts\":\"%s.%03dZ\",\"level\":\"%s\","
                                  "\"component\":\"", ts, (int) (now_ms % 1000), lvl);
    size_t clen = strlen (component);
    o += s_escape (out + o, component, clen > UTIL_LOG_COMPONENT_MAX? UTIL_LOG_COMPONENT_MAX: clen);
    memcpy (out + o, "\",\"msg\":\"", 9);
    o += 9;
    o += s_escape (out + o, msg, mlen);
    memcpy (out + o, "\"}", 3);
    return o + 2;
}

char *
util_log_json_line (const char *line, size_t len, const char *component, int64_t now_ms,
                    const char *level, const char **level_out)
{
    char *out = util_malloc (S_JSON_MAX);
    if (out)
        s_format (out, line, len, component, now_ms, level, level_out);
    return out;
}

//  ---------------------------------------------------------------------
//  The stream czmq writes to

static struct {
    pthread_mutex_t lock;
    char component [UTIL_LOG_COMPONENT_MAX + 1];
    char line [UTIL_LOG_LINE_MAX];  //  a line not finished yet
    size_t len;
    const char *level;              //  the last line's, for continuations
    char json [S_JSON_MAX + 1];
    FILE *stream;                   //  the stream czmq holds (never closed)
} s_log = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void
s_emit (void)
{
    struct timeval tv;
    gettimeofday (&tv, NULL);
    int64_t now_ms = (int64_t) tv.tv_sec * 1000 + tv.tv_usec / 1000;
    size_t n = s_format (s_log.json, s_log.line, s_log.len, s_log.component, now_ms,
                         s_log.level, &s_log.level);
    s_log.json [n++] = '\n';
    //  stdout, where czmq's own lines went, flushed as czmq flushes them.
    fwrite (s_log.json, 1, n, stdout);
    fflush (stdout);
    s_log.len = 0;
}

//  fopencookie's write: czmq's bytes, gathered into lines.
static ssize_t
s_write (void *cookie, const char *buf, size_t size)
{
    (void) cookie;
    pthread_mutex_lock (&s_log.lock);
    for (size_t i = 0; i < size; i++) {
        if (buf [i] == '\n')
            s_emit ();
        else {
            if (s_log.len == sizeof s_log.line)
                s_emit ();              //  a line too long: cut here
            s_log.line [s_log.len++] = buf [i];
        }
    }
    pthread_mutex_unlock (&s_log.lock);
    return (ssize_t) size;
}

int
util_log_json (const char *component)
{
    pthread_mutex_lock (&s_log.lock);
    snprintf (s_log.component, sizeof s_log.component, "%s", component);
    if (!s_log.stream) {
        cookie_io_functions_t io = { .write = s_write };
        s_log.stream = fopencookie (NULL, "w", io);
        //  Line-buffered: czmq flushes each line anyway.
        if (s_log.stream)
            setvbuf (s_log.stream, NULL, _IOLBF, 0);
    }
    FILE *stream = s_log.stream;
    pthread_mutex_unlock (&s_log.lock);
    if (!stream)
        return util_error (UTIL_ENOMEM, "log: cannot make the JSON log stream");
    zsys_set_logstream (stream);
    return 0;
}
