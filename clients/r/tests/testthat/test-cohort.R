#  The R client against a real local consortium (cohort_local_consortium:
#  $COHORT_BIN, $COHORT_DATA): three sites, 512-bit test keys, each granting
#  epsilon 20 on the Pima data (dataset `data`).

a <- cohort_local_consortium(sites = 3, epsilon_budget = 20)
withr::defer(cohort_stop(a), teardown_env())

#  What the CLI itself prints on stderr for the same request.
cli_error <- function(...) {
    err <- tempfile()
    status <- suppressWarnings(system2(a$cohort_bin, shQuote(c(...)), stdout = FALSE,
                                       stderr = err))
    expect_equal(status, 1L)
    lines <- grep("^cohort: error:", readLines(err), value = TRUE)
    expect_length(lines, 1L)
    lines
}

caught <- function(expr) tryCatch({ expr; NULL }, cohort_error = function(e) e)

test_that("a query is a data frame that carries and prints its privacy", {
    s <- cohort_query(a, "summary(glucose, by = diabetes)", epsilon = 0.5)
    expect_s3_class(s, "data.frame")
    expect_named(s, c("statistic", "column", "group", "level", "value", "ci95_low",
                      "ci95_high", "suppressed"))
    means <- s[s$statistic == "mean", ]
    expect_setequal(means$group, c("0", "1"))
    ok <- !means$suppressed
    expect_true(all(means$ci95_low[ok] <= means$value[ok] & means$value[ok] <= means$ci95_high[ok]))
    expect_equal(attr(s, "epsilon"), 0.5, tolerance = 1e-6)
    expect_equal(attr(s, "delta"), 1e-5)
    expect_false(attr(s, "not_private"))
    expect_output(print(s), "privacy: epsilon 0.5, delta 1e-05")
})

test_that("cohort_glm takes an R formula and returns broom's tidy columns", {
    fit <- cohort_glm(a, diabetes ~ glucose + mass + factor(pregnant > 0), family = binomial) |>
        caught()
    #  A comparison is not a term of the query language: the CLI's message.
    expect_s3_class(fit, "cohort_error")
    fit <- cohort_glm(a, diabetes ~ glucose + mass + age, family = binomial, epsilon = 1)
    expect_named(fit, c("term", "estimate", "std.error", "statistic", "p.value", "conf.low",
                        "conf.high"))
    expect_equal(fit$term, c("(Intercept)", "glucose", "mass", "age"))
    expect_equal(attr(fit, "statistic_kind"), "z")
    expect_equal(fit$statistic, fit$estimate / fit$std.error, tolerance = 1e-9)
    expect_true(all(fit$conf.low < fit$estimate & fit$estimate < fit$conf.high))
    expect_equal(attr(fit, "glance")$iterations, 3)
    expect_equal(attr(fit, "epsilon"), 1, tolerance = 1e-6)
    expect_output(print(fit), "privacy: epsilon 1, delta 1e-05")
    g <- cohort_glm(a, glucose ~ mass + factor(diabetes), family = "gaussian")
    expect_equal(g$term, c("(Intercept)", "mass", "factor(diabetes)1"))
    expect_equal(attr(g, "statistic_kind"), "t")
    expect_false(anyNA(g$statistic))
})

test_that("a non-canonical link is refused before anything runs", {
    e <- caught(cohort_glm(a, diabetes ~ glucose, family = binomial(link = "probit")))
    expect_match(conditionMessage(e), "probit.*canonical link")
})

test_that("cohort_km returns the curve and plots it", {
    km <- cohort_km(a, survival::Surv(age, diabetes) ~ 1, grid = c(20, 40, 60, 80),
                    epsilon = 0.5) |> caught()
    #  The formula is deparsed as written: survival::Surv is not the language's.
    expect_s3_class(km, "cohort_error")
    km <- cohort_km(a, Surv(age, diabetes) ~ 1, grid = c(20, 40, 60, 80), epsilon = 0.5)
    expect_s3_class(km, "cohort_km")
    expect_named(km, c("group", "time", "survival", "std.error", "conf.low", "conf.high",
                       "n.risk", "suppressed"))
    expect_equal(km$time, c(20, 40, 60, 80))
    expect_equal(unique(km$group), "all")
    shown <- km[!km$suppressed, ]
    expect_true(all(shown$survival >= 0 & shown$survival <= 1))
    expect_equal(attr(km, "median")$group, "all")
    png(f <- tempfile(fileext = ".png"))
    plot(km)
    dev.off()
    expect_gt(file.size(f), 0)
})

test_that("cohort_budget follows the sites' ledgers", {
    before <- cohort_budget(a, data = "data")
    expect_setequal(before$site, c("site-1", "site-2", "site-3"))
    expect_true(all(before$epsilon_budget == 20))
    expect_equal(before$epsilon_left, before$epsilon_budget - before$epsilon_spent)
    cohort_query(a, "mean(mass)", epsilon = 0.7)
    after <- cohort_budget(a)
    gained <- after$epsilon_spent[order(after$site)] - before$epsilon_spent[order(before$site)]
    expect_true(all(gained > 0.05 & gained <= 0.7 + 1e-9))
    expect_output(print(after), "asking costs no privacy")
    e <- caught(cohort_budget(a, data = "nope"))
    expect_s3_class(e, "cohort_error")
    expect_equal(conditionMessage(e), cli_error("budget", "--dataset", "nope", "--analyst",
                                                a$config))
})

test_that("a wrong formula gives the CLI's one-line message", {
    e <- caught(cohort_glm(a, diabetes ~ glucose * mass, family = binomial))
    expect_s3_class(e, "cohort_error")
    expected <- cli_error("query", "glm(diabetes ~ glucose * mass, family=binomial)",
                          "--dataset", "data", "--analyst", a$config, "--json")
    expect_equal(conditionMessage(e), expected)
    expect_match(expected, "unexpected '\\*'")
})

test_that("an unknown column gives the CLI's one-line message", {
    e <- caught(cohort_query(a, "summary(cholesterol)"))
    expect_s3_class(e, "cohort_error")
    expect_equal(conditionMessage(e), cli_error("query", "summary(cholesterol)", "--dataset",
                                                "data", "--analyst", a$config))
    expect_match(conditionMessage(e), "unknown column 'cholesterol'")
})

test_that("an unaffordable query gives the CLI's one-line message", {
    e <- caught(cohort_query(a, "summary(glucose)", epsilon = 50))
    expect_s3_class(e, "cohort_error")
    expected <- cli_error("query", "summary(glucose)", "--epsilon", "50", "--dataset", "data",
                          "--analyst", a$config)
    #  The same line but for the query's id (each attempt is a new query)
    #  and the order the sites' declines arrived in.
    strip <- function(x) sort(strsplit(sub("query \\S+ failed", "query ID failed", x), "; ")[[1]])
    expect_equal(strip(conditionMessage(e)), strip(expected))
    expect_match(expected, "declined: budget: the query would bring dataset data")
})

test_that("a missing binary is a cohort_error", {
    b <- cohort_analyst(a$config, dataset = "data", cohort_bin = "/nonexistent/cohort")
    e <- caught(cohort_budget(b))
    expect_match(conditionMessage(e), "cannot run /nonexistent/cohort")
})

test_that("the TOTP code goes to the command as --totp, a function asked each time", {
    expect_equal(cohort:::cohort_totp_args(cohort_analyst("x.cfg")), character(0))
    expect_equal(cohort:::cohort_totp_args(cohort_analyst("x.cfg", totp = "123456")),
                 c("--totp", "123456"))
    codes <- c("111111", "22222222")
    k <- 0
    b <- cohort_analyst("x.cfg", totp = function() { k <<- k + 1; codes[k] })
    expect_equal(cohort:::cohort_totp_args(b), c("--totp", "111111"))
    expect_equal(cohort:::cohort_totp_args(b), c("--totp", "22222222"))
    #  With TOTP off at the coordinator a code is not asked for, and ignored.
    c2 <- cohort_analyst(a$config, dataset = "data", cohort_bin = a$cohort_bin,
                         totp = "123456")
    expect_s3_class(cohort_budget(c2), "cohort_budget")
})
