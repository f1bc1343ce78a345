/*  proto/proto.h - the protocol room: what the coordinator, the sites and
    the analysts say to each other, and over what. This header holds what
    the room's modules share; the modules:

        proto/message.h     the envelope on the wire: bounded decoding with
                            validation, sending and receiving
        proto/curve.h       CurveZMQ server and client sockets with an
                            allowlist
        proto/study.h       the study definition (study.cfg), parsed strictly
        proto/plan.h        a study's privacy plan, the same on every side

    Contents
        PROTO_WUR           marks a result the caller must check

    Every proto_ function that can fail returns -1 (or NULL) with the reason
    in the error slot (util/error.h).
*/
#ifndef PROTO_PROTO_H
#define PROTO_PROTO_H

#define PROTO_WUR __attribute__((warn_unused_result))

#endif
