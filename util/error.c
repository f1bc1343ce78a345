/*  util/error.c - the per-thread error slot. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local util_error_saved_t s_slot;

//  Formats into a scratch buffer first: the arguments may be the slot's own
//  text (util_error (c, "x: %s", util_last_error ())), and vsnprintf may not
//  write over its own input.
static void
s_set (util_code_t code, const char *fmt, va_list ap)
{
    char scratch [UTIL_ERROR_MAX];
    if (vsnprintf (scratch, sizeof scratch, fmt, ap) < 0)
        snprintf (scratch, sizeof scratch, "(unformattable message: %s)", fmt);
    memcpy (s_slot.text, scratch, sizeof scratch);
    s_slot.code = (unsigned) code < UTIL_CODE_COUNT && code != UTIL_OK? code: UTIL_EFAIL;
}

int
util_error (util_code_t code, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    s_set (code, fmt, ap);
    va_end (ap);
    return -1;
}

int
util_verror (util_code_t code, const char *fmt, va_list ap)
{
    s_set (code, fmt, ap);
    return -1;
}

void *
util_error_null (util_code_t code, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    s_set (code, fmt, ap);
    va_end (ap);
    return NULL;
}

int
util_error_context (const char *fmt, ...)
{
    char previous [UTIL_ERROR_MAX];
    memcpy (previous, s_slot.text, sizeof previous);
    util_code_t code = s_slot.code;
    va_list ap;
    va_start (ap, fmt);
    s_set (code, fmt, ap);
    va_end (ap);
    //  Append ": <previous>", cut to fit (by hand: the truncation is meant,
    //  and snprintf would warn about it).
    size_t at = strnlen (s_slot.text, sizeof s_slot.text - 1);
    if (previous [0] && at + 3 < sizeof s_slot.text) {
        size_t room = sizeof s_slot.text - at - 3;
        size_t take = strnlen (previous, sizeof previous - 1);
        if (take > room)
            take = room;
        memcpy (s_slot.text + at, ": ", 2);
        memcpy (s_slot.text + at + 2, previous, take);
        s_slot.text [at + 2 + take] = '\0';
    }
    return -1;
}

const char *
util_last_error (void)
{
    return s_slot.text;
}

util_code_t
util_last_code (void)
{
    return s_slot.code;
}

const char *
util_code_name (util_code_t code)
{
    static const char *names [UTIL_CODE_COUNT] = {
        [UTIL_OK]       = "ok",
        [UTIL_EFAIL]    = "failed",
        [UTIL_ENOMEM]   = "out of memory",
        [UTIL_EIO]      = "i/o",
        [UTIL_EINPUT]   = "bad input",
        [UTIL_ELIMIT]   = "over a limit",
        [UTIL_ECRYPTO]  = "crypto",
        [UTIL_EREFUSED] = "refused",
    };
    return (unsigned) code < UTIL_CODE_COUNT? names [code]: "unknown";
}

char *
util_error_copy (char *buf, size_t size)
{
    if (size) {
        size_t n = strnlen (s_slot.text, size - 1);
        memcpy (buf, s_slot.text, n);
        buf [n] = '\0';
    }
    return buf;
}

void
util_error_save (util_error_saved_t *saved)
{
    *saved = s_slot;
}

int
util_error_restore (const util_error_saved_t *saved)
{
    s_slot = *saved;
    return -1;
}

void
util_error_clear (void)
{
    s_slot.code = UTIL_OK;
    s_slot.text [0] = '\0';
}
