/*  tests/unit/support_file.c - whole files and texts for tests
    (support_file.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support_dir.h"
#include "support_file.h"

//  Writes all of data to fd; returns 0 or -1.
static int
s_write_all (int fd, const void *data, size_t len)
{
    const char *at = data;
    while (len > 0) {
        ssize_t n = write (fd, at, len);
        if (n <= 0)
            return -1;
        at += n;
        len -= (size_t) n;
    }
    return 0;
}

void
support_file_write_bytes (const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        fail_msg ("cannot create %s", path);
    int rc = s_write_all (fd, data, len);
    if (fchmod (fd, mode))
        rc = -1;
    if (close (fd))
        rc = -1;
    if (rc)
        fail_msg ("cannot write %s", path);
}

void
support_file_write (const char *path, const char *text, mode_t mode)
{
    support_file_write_bytes (path, text, strlen (text), mode);
}

void
support_file_put (const char *dir, const char *name, const char *text, mode_t mode)
{
    char path [512];
    support_file_write (support_path (path, sizeof path, dir, name), text, mode);
}

char *
support_file_read (const char *path, size_t *len)
{
    FILE *f = fopen (path, "rb");
    if (!f)
        fail_msg ("cannot open %s", path);
    char *text = NULL;
    size_t size = 0, used = 0;
    for (;;) {
        if (used + 1 >= size) {
            size = size? 2 * size: 4096;
            text = realloc (text, size);
            assert_non_null (text);
        }
        size_t n = fread (text + used, 1, size - used - 1, f);
        used += n;
        if (n == 0)
            break;
    }
    int bad = ferror (f);
    fclose (f);
    if (bad)
        fail_msg ("cannot read %s", path);
    text [used] = '\0';
    if (len)
        *len = used;
    return text;
}

void
support_file_temp (char *path, size_t size, const char *tag, const char *text)
{
    int n = snprintf (path, size, "/tmp/cohort-%s-XXXXXX", tag);
    assert_true (n > 0 && (size_t) n < size);
    int fd = mkstemp (path);
    if (fd < 0)
        fail_msg ("cannot make a temporary file %s", path);
    int rc = s_write_all (fd, text, strlen (text));
    if (close (fd) || rc)
        fail_msg ("cannot write %s", path);
}

char *
support_text_replace (char *out, size_t size, const char *text, const char *from,
                      const char *to)
{
    const char *at = strstr (text, from);
    if (!at)
        fail_msg ("'%s' is not in the text to change:\n%s", from, text);
    int n = snprintf (out, size, "%.*s%s%s", (int) (at - text), text, to, at + strlen (from));
    if (n < 0 || (size_t) n >= size)
        fail_msg ("the changed text does not fit in %zu bytes", size);
    return out;
}

//  The value of one hex digit, or -1.
static int
s_hex_digit (char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t
support_unhex (uint8_t *out, size_t cap, const char *hex)
{
    size_t len = strlen (hex);
    if (len % 2 || len / 2 > cap)
        fail_msg ("hex '%s': odd length, or more than %zu bytes", hex, cap);
    for (size_t i = 0; i < len / 2; i++) {
        int hi = s_hex_digit (hex [2 * i]), lo = s_hex_digit (hex [2 * i + 1]);
        if (hi < 0 || lo < 0)
            fail_msg ("hex '%s': not a hex digit at %zu", hex, 2 * i);
        out [i] = (uint8_t) (hi << 4 | lo);
    }
    return len / 2;
}

void
support_sql (const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        fail_msg ("%s: %s", path, db? sqlite3_errmsg (db): "cannot open");
    char *err = NULL;
    if (sqlite3_exec (db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg ("%s: %s: %s", path, sql, err);
    sqlite3_close (db);
}
