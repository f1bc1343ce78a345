/*  proto/proto.h - shared by the proto/ module.

    Every proto_ function that can fail returns -1 (or NULL) and leaves one
    line describing what went wrong, in the error slot
    (util/error.h).
*/
#ifndef PROTO_PROTO_H
#define PROTO_PROTO_H

#define PROTO_WUR __attribute__((warn_unused_result))

#endif
