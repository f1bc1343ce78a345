/*  util/alloc.c - checked allocation. */
#include "alloc.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local long s_fail_after = -1;

void
util_alloc_fail_after (long n)
{
    s_fail_after = n;
}

//  True when the fault injector says this allocation fails.
static bool
s_injected (void)
{
    if (s_fail_after < 0)
        return false;
    if (s_fail_after == 0)
        return true;
    s_fail_after--;
    return false;
}

bool
util_alloc_fault (void)
{
    if (!s_injected ())
        return false;
    util_error (UTIL_ENOMEM, "out of memory (injected)");
    return true;
}

int
util_size_mul (size_t *out, size_t a, size_t b)
{
    if (__builtin_mul_overflow (a, b, out))
        return util_error (UTIL_ELIMIT, "size %zu x %zu does not fit in memory", a, b);
    return 0;
}

void *
util_malloc (size_t size)
{
    void *p = s_injected ()? NULL: malloc (size? size: 1);
    if (!p)
        return util_error_null (UTIL_ENOMEM, "out of memory (%zu bytes)", size);
    return p;
}

void *
util_calloc (size_t n, size_t size)
{
    size_t total;
    if (util_size_mul (&total, n, size))
        return NULL;
    void *p = s_injected ()? NULL: calloc (total? n: 1, total? size: 1);
    if (!p)
        return util_error_null (UTIL_ENOMEM, "out of memory (%zu x %zu bytes)", n, size);
    return p;
}

void *
util_realloc_array (void *p, size_t n, size_t size)
{
    size_t total;
    if (util_size_mul (&total, n, size))
        return NULL;
    void *q = s_injected ()? NULL: realloc (p, total? total: 1);
    if (!q)
        return util_error_null (UTIL_ENOMEM, "out of memory (%zu bytes)", total);
    return q;
}

char *
util_strdup (const char *s)
{
    char *p = s_injected ()? NULL: strdup (s);
    if (!p)
        return util_error_null (UTIL_ENOMEM, "out of memory (a string of %zu bytes)",
                                strlen (s) + 1);
    return p;
}

char *
util_strndup (const char *s, size_t n)
{
    char *p = s_injected ()? NULL: strndup (s, n);
    if (!p)
        return util_error_null (UTIL_ENOMEM, "out of memory (a string of %zu bytes)", n + 1);
    return p;
}

char *
util_asprintf (const char *fmt, ...)
{
    char *p = NULL;
    if (s_injected ())
        return util_error_null (UTIL_ENOMEM, "out of memory (formatting '%s')", fmt);
    va_list ap;
    va_start (ap, fmt);
    int n = vasprintf (&p, fmt, ap);
    va_end (ap);
    if (n < 0)
        return util_error_null (UTIL_ENOMEM, "out of memory (formatting '%s')", fmt);
    return p;
}

void
util_cleanse (void *p, size_t len)
{
    if (p && len)
        OPENSSL_cleanse (p, len);
}
