/*  tests/unit/support_net.h - loopback ports in tests. Part of
    cohort_test_support; include after cmocka.h. */
#ifndef TESTS_UNIT_SUPPORT_NET_H
#define TESTS_UNIT_SUPPORT_NET_H

#include <stdbool.h>

//  True when a TCP socket can bind and listen on 127.0.0.1:port, that is
//  when nothing listens there any more (SO_REUSEADDR, so a port in
//  TIME_WAIT counts as free). The probe is closed again at once.
bool
    support_net_port_free (int port);

#endif
