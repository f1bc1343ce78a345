"""python3 -m cohort.example: a logistic regression over a consortium,
printed as a tidy table with its privacy cost (the Python side of R's
example(cohort_glm)). With $COHORT_ANALYST (and $COHORT_DATASET) it asks
that consortium; without, it starts a local one (cohort.LocalConsortium:
$COHORT_BIN, $COHORT_DATA) and stops it after."""

import os

import cohort


def main():
    formula = "diabetes ~ glucose + mass + age"
    if os.environ.get("COHORT_ANALYST"):
        analyst = cohort.Analyst()
        print(cohort.glm(analyst, formula, family="binomial", epsilon=1))
        print(cohort.budget(analyst))
        return
    with cohort.local_consortium() as analyst:
        print(cohort.glm(analyst, formula, family="binomial", epsilon=1))
        print(cohort.budget(analyst))


if __name__ == "__main__":
    main()
