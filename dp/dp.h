/*  dp/dp.h - shared by the dp/ module.

    Every dp_ function that can fail returns -1 (or NULL) and leaves one line
    describing what went wrong, in the error slot
    (util/error.h).
*/
#ifndef DP_DP_H
#define DP_DP_H

#define DP_WUR __attribute__((warn_unused_result))

#endif
