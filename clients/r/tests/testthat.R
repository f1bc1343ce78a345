library(testthat)
library(cohort)

test_check("cohort")
