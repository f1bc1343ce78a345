#  clients/r/R/local.R - a throwaway consortium on this machine, for
#  examples and tests: the files of `cohort simulate --prepare-only`, then
#  a real `cohort coordinator` and real `cohort site` processes.

cohort_default_data <- function(bin) {
    data <- Sys.getenv("COHORT_DATA", "")
    if (nzchar(data)) return(data)
    path <- Sys.which(bin)
    if (!nzchar(path)) path <- bin
    here <- dirname(normalizePath(path, mustWork = FALSE))
    for (up in c("../..", "../../..")) {
        candidate <- file.path(here, up, "datasets", "pima_diabetes.csv")
        if (file.exists(candidate)) return(normalizePath(candidate))
    }
    stop(cohort_error(paste("cohort: error: no data for a local consortium (set COHORT_DATA",
                            "to a CSV with its _dictionary.csv beside it)")))
}

#  Starts `cohort role --config config` in the background; its pid.
cohort_spawn <- function(bin, role, config, log) {
    cmd <- sprintf("%s %s --config %s > %s 2>&1 < /dev/null & echo $!", shQuote(bin), role,
                   shQuote(config), shQuote(log))
    as.integer(system2("sh", c("-c", shQuote(cmd)), stdout = TRUE))
}

cohort_alive <- function(pid) isTRUE(tools::pskill(pid, 0L))

#' A local consortium for examples and tests
#'
#' Deals a throwaway consortium into a temporary directory (`cohort simulate
#' --prepare-only`: test keys of `bits` bits, certificates, configs, the data
#' split across the sites as dataset `data`), starts a real coordinator and
#' `sites` real site processes on loopback, and waits until every site has
#' joined. [cohort_stop()] ends them.
#'
#' @param sites number of sites (2-of-n key).
#' @param data a CSV with its data dictionary beside it (`NAME_dictionary.csv`);
#'   default `$COHORT_DATA`, else the Pima data of the source tree the
#'   binary was built in.
#' @param epsilon_budget what each site grants on the dataset.
#' @param bits Paillier key size (test keys: 512 is fast and insecure).
#' @param cohort_bin the binary, as for [cohort_analyst()].
#' @param wait seconds to wait for the sites to join.
#' @return A [cohort_analyst()] of that consortium, dataset `data`.
#' @examples
#' \dontrun{
#' a <- cohort_local_consortium(sites = 3)
#' cohort_query(a, "summary(glucose)")
#' cohort_stop(a)
#' }
#' @export
cohort_local_consortium <- function(sites = 3, data = NULL, epsilon_budget = 20, bits = 512,
                                    cohort_bin = Sys.getenv("COHORT_BIN", "cohort"),
                                    wait = 30) {
    dir <- tempfile("cohort-local-")
    dir.create(file.path(dir, "logs"), recursive = TRUE)
    analyst <- cohort_analyst(file.path(dir, "analyst.cfg"), dataset = "data",
                              cohort_bin = cohort_bin)
    analyst$local <- list(dir = dir, pids = integer(0))
    ok <- FALSE
    on.exit(if (!ok) cohort_stop(analyst))
    if (is.null(data)) data <- cohort_default_data(cohort_bin)
    # Each simulated site grants twice the simulated query's epsilon.
    cohort_run(analyst, c("simulate", "--prepare-only", "--query", "count()", "--data", data,
                          "--sites", sites, "--bits", bits, "--insecure-test-key",
                          "--epsilon", epsilon_budget / 2, "--out", dir))
    configs <- c(coordinator = file.path(dir, "coordinator.cfg"),
                 stats::setNames(file.path(dir, "sites", sprintf("site-%d.cfg", seq_len(sites))),
                                 sprintf("site-%d", seq_len(sites))))
    for (name in names(configs)) {
        role <- if (name == "coordinator") "coordinator" else "site"
        pid <- cohort_spawn(cohort_bin, role, configs[[name]],
                            file.path(dir, "logs", paste0(name, ".log")))
        analyst$local$pids <- c(analyst$local$pids, stats::setNames(pid, name))
    }
    until <- Sys.time() + wait
    repeat {
        for (name in names(analyst$local$pids))
            if (!cohort_alive(analyst$local$pids[[name]])) {
                log <- readLines(file.path(dir, "logs", paste0(name, ".log")), warn = FALSE)
                stop(cohort_error(sprintf("cohort: error: local consortium: %s exited: %s",
                                          name, cohort_error_line(log))))
            }
        joined <- tryCatch(length(unique(cohort_budget(analyst)$site)),
                           cohort_error = function(e) 0L)
        if (joined == sites) break
        if (Sys.time() > until)
            stop(cohort_error(sprintf("cohort: error: local consortium: the sites did not join within %g s (logs in %s)",
                                      wait, dir)))
        Sys.sleep(0.1)
    }
    ok <- TRUE
    analyst
}

#' Stops a local consortium
#'
#' Ends the processes [cohort_local_consortium()] started (SIGTERM, then
#' SIGKILL after 5 s) and removes its directory. Does nothing for an analyst
#' of another consortium.
#'
#' @param analyst the analyst [cohort_local_consortium()] returned.
#' @return `NULL`, invisibly.
#' @export
cohort_stop <- function(analyst) {
    local <- analyst$local
    if (is.null(local)) return(invisible(NULL))
    pids <- local$pids
    for (pid in pids) tools::pskill(pid, tools::SIGTERM)
    until <- Sys.time() + 5
    while (any(vapply(pids, cohort_alive, logical(1))) && Sys.time() < until)
        Sys.sleep(0.05)
    for (pid in pids) if (cohort_alive(pid)) tools::pskill(pid, tools::SIGKILL)
    unlink(local$dir, recursive = TRUE)
    invisible(NULL)
}
