#  clients/r/R/cohort.R - the analyst's client of a Cohort consortium.
#  Every function runs the `cohort` binary with --json (or reads the tidy
#  CSV it writes with --out): nothing here speaks the wire protocol.

#' The analyst: who asks, and where
#'
#' Holds the options every `cohort query` needs. The analyst configuration
#' names the coordinator's endpoint and public certificate and the analyst's
#' own certificate (docs/simulate.md).
#'
#' @param config analyst.cfg; default `$COHORT_ANALYST`, else `analyst.cfg`.
#' @param dataset the dataset queries go to unless they name one (`data =`);
#'   default `$COHORT_DATASET`.
#' @param cohort_bin the `cohort` binary; default `$COHORT_BIN`, else
#'   `cohort` on the PATH.
#' @param min_sites sites that must answer (default: the command's, 2).
#' @param timeout seconds a query may take (default: the command's, 600).
#' @param totp where the analyst's TOTP code comes from when the coordinator
#'   asks for one (docs/analysts.md): a function returning the current code,
#'   called before each command (a code is good for one command only), or a
#'   code as a string. Default: none here; `$COHORT_TOTP` reaches the command
#'   as it is, and on a terminal the command asks.
#' @return An object of class `cohort_analyst`.
#' @examples
#' a <- cohort_analyst("consortium/analyst.cfg", dataset = "pima")
#' a
#' @export
cohort_analyst <- function(config = Sys.getenv("COHORT_ANALYST", "analyst.cfg"),
                           dataset = Sys.getenv("COHORT_DATASET", ""),
                           cohort_bin = Sys.getenv("COHORT_BIN", "cohort"),
                           min_sites = NULL, timeout = NULL, totp = NULL) {
    structure(list(config = config, dataset = if (nzchar(dataset)) dataset else NULL,
                   cohort_bin = cohort_bin, min_sites = min_sites, timeout = timeout,
                   totp = totp, local = NULL),
              class = "cohort_analyst")
}

#' @export
print.cohort_analyst <- function(x, ...) {
    cat("<cohort analyst> ", x$config, if (!is.null(x$dataset)) paste0(", dataset ", x$dataset),
        if (!is.null(x$local)) paste0(" (local consortium in ", x$local$dir, ")"), "\n", sep = "")
    invisible(x)
}

#  The error the command gave: an R error of class cohort_error whose
#  message is the command's own line.
cohort_error <- function(message) {
    structure(class = c("cohort_error", "error", "condition"),
              list(message = message, call = NULL))
}

cohort_error_line <- function(lines) {
    lines <- lines[nzchar(trimws(lines))]
    hit <- grep("^cohort: error:", lines, value = TRUE)
    if (length(hit)) hit[1] else if (length(lines)) lines[length(lines)]
    else "cohort: error: (no message)"
}

#  Runs `cohort args...`: its stdout as one string, or a cohort_error.
cohort_run <- function(analyst, args) {
    bin <- analyst$cohort_bin
    if (!nzchar(Sys.which(bin)) && !file.exists(bin))
        stop(cohort_error(sprintf("cohort: error: cannot run %s (set COHORT_BIN)", bin)))
    out <- tempfile("cohort-out-")
    err <- tempfile("cohort-err-")
    on.exit(unlink(c(out, err)))
    status <- suppressWarnings(system2(bin, shQuote(as.character(args)), stdout = out,
                                       stderr = err))
    if (!identical(as.integer(status), 0L))
        stop(cohort_error(cohort_error_line(readLines(err, warn = FALSE))))
    paste(readLines(out, warn = FALSE), collapse = "\n")
}

#  `--totp CODE` when the analyst has a code source (a function is asked
#  for each command), else nothing.
cohort_totp_args <- function(analyst) {
    code <- if (is.function(analyst$totp)) analyst$totp() else analyst$totp
    if (is.null(code) || !nzchar(code)) character(0) else c("--totp", as.character(code))
}

cohort_query_json <- function(analyst, expr, epsilon, delta, privacy, data, out = NULL) {
    dataset <- if (!is.null(data)) data else analyst$dataset
    if (is.null(dataset))
        stop(cohort_error(paste("cohort: error: query: --dataset is required",
                                "(give data = or set it on the analyst)")))
    args <- c("query", expr, "--dataset", dataset, "--analyst", analyst$config, "--json",
              cohort_totp_args(analyst))
    args <- c(args, if (isTRUE(privacy))
                        c("--epsilon", format(epsilon, digits = 17),
                          "--delta", format(delta, digits = 17))
                    else c("--privacy", "off"))
    if (!is.null(analyst$min_sites)) args <- c(args, "--min-sites", analyst$min_sites)
    if (!is.null(analyst$timeout)) args <- c(args, "--timeout", analyst$timeout)
    if (!is.null(out)) args <- c(args, "--out", out)
    jsonlite::fromJSON(cohort_run(analyst, args), simplifyVector = FALSE)
}

#  The privacy attributes every result carries.
cohort_privacy <- function(x, report) {
    p <- report$privacy
    attr(x, "epsilon") <- if (is.null(p$epsilon)) NA_real_ else p$epsilon
    attr(x, "delta") <- if (is.null(p$delta)) NA_real_ else p$delta
    attr(x, "not_private") <- isTRUE(p$not_private)
    attr(x, "target_epsilon") <- p$target_epsilon
    attr(x, "query") <- report$query
    attr(x, "dataset") <- report$dataset
    attr(x, "job") <- report$job$id
    attr(x, "notes") <- unlist(report$notes)
    x
}

num <- function(v) if (is.null(v)) NA_real_ else as.numeric(v)

#' @export
print.cohort_result <- function(x, ...) {
    y <- x
    class(y) <- "data.frame"
    print(y, ...)
    eps <- attr(x, "epsilon")
    if (isTRUE(attr(x, "not_private")))
        cat("NOT PRIVATE: privacy off, exact figures (development only)\n")
    else if (!is.null(eps))
        cat(sprintf("privacy: epsilon %.4g, delta %.3g, charged to every answering site's ledger (dataset %s)\n",
                    eps, attr(x, "delta"), format(attr(x, "dataset"))))
    invisible(x)
}

#' Any statistical query, as a data frame
#'
#' Runs one query of docs/queries.md (`summary(glucose, by=diabetes)`,
#' `crosstab(a, b)`, `quantiles(x, 0.5)`, ...) and returns its tidy table:
#' one row per statistic, group and level, with the 95% interval for the DP
#' noise and whether the figure is suppressed.
#'
#' @param analyst a [cohort_analyst()].
#' @param expr the query, as text.
#' @param epsilon,delta the privacy budget of the whole query.
#' @param privacy `FALSE` for exact figures, stamped NOT PRIVATE (only where
#'   the consortium allows it).
#' @param data the dataset, if not the analyst's.
#' @return A data frame (class `cohort_result`) with columns `statistic`,
#'   `column`, `group`, `level`, `value`, `ci95_low`, `ci95_high`,
#'   `suppressed`, and attributes `epsilon`, `delta` and `not_private` (what
#'   the sites' ledgers were charged), printed under the table.
#' @examples
#' \dontrun{
#' cohort_query(a, "summary(glucose, mass, by = diabetes)", epsilon = 0.5)
#' }
#' @export
cohort_query <- function(analyst, expr, epsilon = 1, delta = 1e-5, privacy = TRUE,
                         data = NULL) {
    out <- tempfile("cohort-query-")
    dir.create(out)
    on.exit(unlink(out, recursive = TRUE))
    report <- cohort_query_json(analyst, expr, epsilon, delta, privacy, data, out)
    lines <- readLines(file.path(out, "report.csv"), warn = FALSE)
    blank <- which(!nzchar(lines))
    if (length(blank)) lines <- lines[seq_len(blank[1] - 1)]
    if (length(lines) && startsWith(lines[1], "term,"))
        return(cohort_tidy(report))
    df <- utils::read.csv(text = paste(lines, collapse = "\n"), na.strings = "",
                          stringsAsFactors = FALSE,
                          colClasses = c(statistic = "character", column = "character",
                                         group = "character", level = "character",
                                         value = "numeric", ci95_low = "numeric",
                                         ci95_high = "numeric", suppressed = "character"))
    df$suppressed <- df$suppressed == "true"
    df <- cohort_privacy(df, report)
    class(df) <- c("cohort_result", "data.frame")
    df
}

#  broom's tidy() columns from a model's report.
cohort_tidy <- function(report) {
    rows <- Filter(function(r) identical(r$statistic, "coefficient"), report$results)
    other <- Filter(function(r) !identical(r$statistic, "coefficient") && "value" %in% names(r),
                    report$results)
    kind <- if (length(rows) && "t" %in% names(rows[[1]])) "t" else "z"
    col <- function(name) vapply(rows, function(r) num(r[[name]]), numeric(1))
    df <- data.frame(term = vapply(rows, function(r) r$term, character(1)),
                     estimate = col("estimate"), std.error = col("std_error"),
                     statistic = col(kind), p.value = col("p_value"),
                     conf.low = col("conf_low"), conf.high = col("conf_high"),
                     stringsAsFactors = FALSE)
    df <- cohort_privacy(df, report)
    attr(df, "glance") <- stats::setNames(lapply(other, function(r) num(r[["value"]])),
                                          vapply(other, function(r) r$statistic, character(1)))
    attr(df, "statistic_kind") <- kind
    class(df) <- c("cohort_result", "data.frame")
    df
}

cohort_family <- function(family) {
    if (is.character(family)) return(family)
    if (is.function(family)) family <- family()
    if (!inherits(family, "family"))
        stop(cohort_error("cohort: error: family: give gaussian, binomial or poisson"))
    canonical <- c(gaussian = "identity", binomial = "logit", poisson = "log")
    if (!identical(unname(canonical[family$family]), family$link))
        stop(cohort_error(sprintf("cohort: error: family: %s(link = \"%s\") is not available (the canonical link only)",
                                  family$family, family$link)))
    family$family
}

cohort_formula <- function(formula) {
    if (!inherits(formula, "formula"))
        stop(cohort_error("cohort: error: formula: give an R formula, e.g. y ~ a + factor(b)"))
    paste(trimws(deparse(formula, width.cutoff = 500L)), collapse = " ")
}

#' A generalised linear model over the consortium, as broom's tidy table
#'
#' Fits `glm(formula, family)` on every site's records through the secure
#' sum (docs/analyses.md): gaussian in one release, binomial and poisson
#' iteratively. The formula is R's: terms joined by `+`, `factor(x)`,
#' `log(x)`, `x^2`, `cut(x, c(...))`, `offset(log(t))`.
#'
#' @param analyst a [cohort_analyst()].
#' @param formula an R formula, e.g. `low ~ age + factor(race)`.
#' @param family `gaussian`, `binomial` or `poisson` (the function, a family
#'   object with its canonical link, or a name).
#' @param data the dataset, if not the analyst's.
#' @param weights prior weights: a column name (binomial and poisson).
#' @param iterations the fit's rounds (1 to 25).
#' @param where a condition selecting records, as text (`"age >= 50"`).
#' @param epsilon,delta,privacy as for [cohort_query()].
#' @return A data frame (class `cohort_result`) with broom's columns `term`,
#'   `estimate`, `std.error`, `statistic` (t for gaussian, z otherwise),
#'   `p.value`, `conf.low`, `conf.high`; attributes `epsilon`, `delta`,
#'   `not_private`, and `glance` (n, df_residual, deviance, aic, ... as the
#'   report gives them; under DP the deviances are not given).
#' @examples
#' # Against the consortium $COHORT_ANALYST names, or a local one this
#' # example starts (it needs $COHORT_BIN or cohort on the PATH).
#' a <- if (nzchar(Sys.getenv("COHORT_ANALYST"))) cohort_analyst() else
#'     cohort_local_consortium()
#' fit <- cohort_glm(a, diabetes ~ glucose + mass + age, family = binomial,
#'                   epsilon = 1)
#' fit
#' cohort_budget(a)
#' cohort_stop(a)
#' @importFrom stats gaussian
#' @export
cohort_glm <- function(analyst, formula, family = gaussian, data = NULL, weights = NULL,
                       iterations = NULL, where = NULL, epsilon = 1, delta = 1e-5,
                       privacy = TRUE) {
    expr <- sprintf("glm(%s, family=%s", cohort_formula(formula), cohort_family(family))
    w <- substitute(weights)
    if (!is.null(w))
        expr <- paste0(expr, ", weights=", if (is.character(w)) w else deparse(w))
    if (!is.null(iterations)) expr <- paste0(expr, ", iterations=", as.integer(iterations))
    if (!is.null(where)) expr <- paste0(expr, ", where=", where)
    expr <- paste0(expr, ")")
    cohort_tidy(cohort_query_json(analyst, expr, epsilon, delta, privacy, data))
}

cohort_grid <- function(grid) {
    if (is.character(grid)) return(grid)
    if (!is.numeric(grid) || !length(grid) || any(!is.finite(grid)))
        stop(cohort_error("cohort: error: grid: needs finite numbers"))
    paste0("c(", paste(format(grid, digits = 15, trim = TRUE), collapse = ", "), ")")
}

#' Kaplan-Meier curves over the consortium
#'
#' Releases, per group, the events and censorings on a public time grid
#' (docs/queries.md, "Survival curves"); the coordinator computes the
#' curves, their bands (sampling and noise) and the numbers at risk.
#'
#' @param analyst a [cohort_analyst()].
#' @param formula `Surv(time, status) ~ group` (`~ 1` for one curve).
#' @param grid the public grid: numbers, or text such as `"0:1020:30"`.
#' @param where,data,epsilon,delta,privacy as for [cohort_glm()].
#' @return A data frame (class `cohort_km`, `cohort_result`) with `group`,
#'   `time`, `survival`, `std.error`, `conf.low`, `conf.high` (log-log 95%
#'   band), `n.risk`, `suppressed`; attributes `median` (per group, with its
#'   interval), `logrank` and the privacy attributes. `plot()` draws it.
#' @examples
#' \dontrun{
#' curve <- cohort_km(a, Surv(time, status) ~ sex, grid = seq(0, 1020, 30),
#'                    data = "lung")
#' plot(curve)
#' }
#' @export
cohort_km <- function(analyst, formula, grid, where = NULL, data = NULL, epsilon = 1,
                      delta = 1e-5, privacy = TRUE) {
    expr <- sprintf("km(%s, grid=%s", cohort_formula(formula), cohort_grid(grid))
    if (!is.null(where)) expr <- paste0(expr, ", where=", where)
    report <- cohort_query_json(analyst, paste0(expr, ")"), epsilon, delta, privacy, data)
    curves <- Filter(function(r) identical(r$statistic, "survival"), report$results)
    part <- function(r) {
        n <- length(r$time)
        v <- function(name) vapply(seq_len(n), function(i) num(r[[name]][[i]]), numeric(1))
        s <- r$suppressed
        data.frame(group = rep(r$group, n), time = v("time"), survival = v("value"),
                   std.error = v("std_error"), conf.low = v("conf_low"),
                   conf.high = v("conf_high"), n.risk = v("n_risk"),
                   suppressed = if (is.list(s)) vapply(s, isTRUE, logical(1))
                                else rep(isTRUE(s), n),
                   stringsAsFactors = FALSE)
    }
    df <- do.call(rbind, lapply(curves, part))
    medians <- Filter(function(r) identical(r$statistic, "median_survival"), report$results)
    median <- data.frame(group = vapply(medians, function(r) r$group, character(1)),
                         median = vapply(medians, function(r) num(r[["value"]]), numeric(1)),
                         conf.low = vapply(medians, function(r) num(r[["conf_low"]]), numeric(1)),
                         conf.high = vapply(medians, function(r) num(r[["conf_high"]]), numeric(1)),
                         stringsAsFactors = FALSE)
    logrank <- Filter(function(r) identical(r$statistic, "logrank"), report$results)
    df <- cohort_privacy(df, report)
    attr(df, "median") <- median
    attr(df, "logrank") <- if (length(logrank))
        c(chisq = num(logrank[[1]][["chisq"]]), df = num(logrank[[1]][["df"]]),
          p.value = num(logrank[[1]][["p_value"]]))
    class(df) <- c("cohort_km", "cohort_result", "data.frame")
    df
}

#' @export
plot.cohort_km <- function(x, xlab = "time", ylab = "survival", main = NULL, ...) {
    groups <- unique(x$group)
    shown <- x[!x$suppressed, , drop = FALSE]
    if (is.null(main))
        main <- if (isTRUE(attr(x, "not_private"))) "Kaplan-Meier (NOT PRIVATE)"
                else sprintf("Kaplan-Meier (epsilon %.3g, delta %.2g)", attr(x, "epsilon"),
                             attr(x, "delta"))
    graphics::plot(NA, xlim = range(c(0, x$time), na.rm = TRUE), ylim = c(0, 1), xlab = xlab,
                   ylab = ylab, main = main, ...)
    for (k in seq_along(groups)) {
        g <- shown[shown$group == groups[k], , drop = FALSE]
        graphics::lines(c(0, g$time), c(1, g$survival), type = "s", col = k, lwd = 2)
        graphics::lines(g$time, g$conf.low, type = "s", col = k, lty = 2)
        graphics::lines(g$time, g$conf.high, type = "s", col = k, lty = 2)
    }
    graphics::legend("bottomleft", legend = groups, col = seq_along(groups), lwd = 2, bty = "n")
    invisible(x)
}

#' The privacy budget spent and left, per dataset and site
#'
#' Asks the coordinator what each site's own ledger holds (`cohort
#' budget`): the budget it grants per dataset, the epsilon spent (its
#' accountant's total at the budget's delta) and what is left, as each site
#' last reported it (`age_s` seconds ago; sites report every 2 s and right
#' after a charge). Asking costs no privacy.
#'
#' @param analyst a [cohort_analyst()].
#' @param data only this dataset (an error when no site reported it).
#' @return A data frame (class `cohort_budget`) with `dataset`, `site`,
#'   `epsilon_budget`, `epsilon_spent`, `epsilon_left`, `delta`, `age_s`;
#'   attribute `silent`: connected sites that reported no budget.
#' @examples
#' \dontrun{
#' cohort_budget(a)
#' }
#' @export
cohort_budget <- function(analyst, data = NULL) {
    args <- c("budget", "--json", "--analyst", analyst$config, cohort_totp_args(analyst))
    if (!is.null(data)) args <- c(args, "--dataset", data)
    answer <- jsonlite::fromJSON(cohort_run(analyst, args), simplifyVector = FALSE)
    rows <- answer$budget
    col <- function(name) vapply(rows, function(r) num(r[[name]]), numeric(1))
    df <- data.frame(dataset = vapply(rows, function(r) r$dataset, character(1)),
                     site = vapply(rows, function(r) r$site, character(1)),
                     epsilon_budget = col("epsilon_budget"),
                     epsilon_spent = col("epsilon_spent"), epsilon_left = col("epsilon_left"),
                     delta = col("delta"), age_s = col("age_s"), stringsAsFactors = FALSE)
    attr(df, "silent") <- unlist(answer$silent)
    class(df) <- c("cohort_budget", "data.frame")
    df
}

#' @export
print.cohort_budget <- function(x, ...) {
    y <- x
    class(y) <- "data.frame"
    print(y, ...)
    if (length(attr(x, "silent")))
        cat("no budget reported by:", attr(x, "silent"), "\n")
    cat("each site's own ledger, as it last reported it; asking costs no privacy\n")
    invisible(x)
}
