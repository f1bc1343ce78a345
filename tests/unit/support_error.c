/*  tests/unit/support_error.c - checks on refusals (support_error.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/error.h"
#include "support_error.h"

void
support_expect_refused (bool refused, const char *what, const char *needle)
{
    if (!refused)
        fail_msg ("accepted: %s", what);
    if (!strstr (util_last_error (), needle))
        fail_msg ("%s: error '%s' lacks '%s'", what, util_last_error (), needle);
}
