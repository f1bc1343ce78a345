/*  site/site.h - errors shared by the site/ module (site_last_error(), per
    thread, like every other module). */
#ifndef SITE_SITE_H
#define SITE_SITE_H

const char *site_last_error (void);
int site_error (const char *fmt, ...) __attribute__((format (printf, 1, 2)));

#endif
