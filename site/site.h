/*  site/site.h - the site worker room: `cohort site`.

    Every site_ function that can fail returns -1 (or NULL) and leaves one
    line describing what went wrong in the error slot (util/error.h).
*/
#ifndef SITE_SITE_H
#define SITE_SITE_H

#define SITE_WUR __attribute__((warn_unused_result))

#endif
