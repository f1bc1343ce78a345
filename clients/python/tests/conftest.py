"""One local consortium for the whole session (cohort.LocalConsortium:
$COHORT_BIN, $COHORT_DATA): three sites on loopback, 512-bit test keys,
each granting epsilon 20 on the Pima data (dataset `data`)."""

import os

import pytest

import cohort


@pytest.fixture(scope="session")
def consortium():
    local = cohort.LocalConsortium(sites=3, epsilon_budget=20,
                                   keep=bool(os.environ.get("COHORT_KEEP")))
    analyst = local.start()
    yield local, analyst
    local.stop()


@pytest.fixture
def analyst(consortium):
    return consortium[1]
