/*  coordinator/coord.h - the coordinator module's shared basics: errors.

    Every coord_ function that can fail returns -1 (or NULL) and leaves one
    line describing what went wrong, readable with coord_last_error() (per
    thread, valid until the next failing coord_ call on that thread).
*/
#ifndef COORD_COORD_H
#define COORD_COORD_H

/*  The last error message on this thread ("" if none). Borrowed. */
const char *coord_last_error (void);

/*  Records a printf-style message as this thread's last error; returns -1. */
int coord_error (const char *fmt, ...) __attribute__((format (printf, 1, 2)));

#endif
