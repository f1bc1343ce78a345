/*  tests/unit/support_device.h - provisioning files of simulated devices
    (DIR/<id>.device, the JSON that ingest/provision.h writes and
    sim/device.h reads) for the tests of their loader and of the command
    that runs it: a good secret member, and the files every reader must
    refuse. Part of cohort_test_support (data only). */
#ifndef TESTS_UNIT_SUPPORT_DEVICE_H
#define TESTS_UNIT_SUPPORT_DEVICE_H

#include <stddef.h>

//  A well-formed "secret" member (64 lower-case hex digits).
#define SUPPORT_DEVICE_SECRET \
    "\"secret\":\"4444444444444444444444444444444444444444444444444444444444444444\""

//  A device file (as a.device) that must be refused, and a text the
//  refusal names: the file and line, or the field that is wrong.
typedef struct {
    const char *text, *named;
} support_device_bad_t;

extern const support_device_bad_t support_device_bad [];
extern const size_t support_device_bad_count;

#endif
