/*  dp/dp.h - errors shared by the dp/ module.

    Every dp_ function that can fail returns -1 (or NULL) and leaves one line
    describing what went wrong, readable with dp_last_error(). The message is
    per thread and valid until the next failing dp_ call on that thread.
*/
#ifndef DP_DP_H
#define DP_DP_H

#define DP_WUR __attribute__((warn_unused_result))

/*  The last error message on this thread ("" if none). Borrowed. */
const char *dp_last_error (void);

#endif
