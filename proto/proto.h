/*  proto/proto.h - errors shared by the proto/ module.

    Every proto_ function that can fail returns -1 (or NULL) and leaves one
    line describing what went wrong, readable with proto_last_error() (per
    thread, valid until the next failing proto_ call on that thread).
*/
#ifndef PROTO_PROTO_H
#define PROTO_PROTO_H

#define PROTO_WUR __attribute__((warn_unused_result))

/*  The last error message on this thread ("" if none). Borrowed. */
const char *proto_last_error (void);

/*  Records a printf-style message as this thread's last error; returns -1. */
int proto_error (const char *fmt, ...) __attribute__((format (printf, 1, 2)));

#endif
