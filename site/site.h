/*  site/site.h - the site module's shared basics: errors.

    Every site_ function that can fail returns -1 (or NULL) and leaves one
    line describing what went wrong, readable with site_last_error() (per
    thread, valid until the next failing site_ call on that thread).
*/
#ifndef SITE_SITE_H
#define SITE_SITE_H

/*  The last error message on this thread ("" if none). Borrowed. */
const char *site_last_error (void);

/*  Records a printf-style message as this thread's last error; returns -1. */
int site_error (const char *fmt, ...) __attribute__((format (printf, 1, 2)));

#endif
