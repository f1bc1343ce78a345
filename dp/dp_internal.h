/*  dp/dp_internal.h - private to dp/: error reporting. */
#ifndef DP_INTERNAL_H
#define DP_INTERNAL_H

#include "dp.h"

/*  Records a printf-style message as this thread's last error. Returns -1 so
    that `return dp_error ("...")` reads naturally. */
int dp_error (const char *fmt, ...) __attribute__((format (printf, 1, 2)));

#endif
