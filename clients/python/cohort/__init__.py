"""cohort: the analyst's client of a Cohort consortium, in Python.

Every function runs the `cohort` binary (``$COHORT_BIN``, or ``cohort`` on
PATH) with ``--json`` and returns a table: a pandas DataFrame when pandas
imports, else a list of dicts (:class:`Rows`). Each result carries its
privacy cost in ``.attrs`` (``epsilon``, ``delta``, ``not_private``) and
prints it under the table, so a DP figure is never shown without its cost.
A refusal or failure of the command raises :class:`CohortError` with the
command's one-line message.

    >>> import cohort
    >>> a = cohort.Analyst("consortium/analyst.cfg", dataset="pima")
    >>> cohort.glm(a, "diabetes ~ glucose + mass", family="binomial")
    >>> cohort.budget(a)

docs/analysts.md has the same analysis in R, Python and the CLI.
"""

import csv
import io
import json
import math
import os
import shutil
import tempfile

from ._cli import CohortError, cohort_bin, run
from ._local import LocalConsortium, local_consortium

try:
    import pandas as _pd
except ImportError:             # pragma: no cover - exercised by a subprocess test
    _pd = None

__all__ = ["Analyst", "CohortError", "LocalConsortium", "Rows", "budget", "glm", "km",
           "local_consortium", "query"]


class Analyst:
    """Who asks, and where: the options every ``cohort query`` needs.

    config     analyst.cfg (the coordinator's endpoint and public certificate,
               the analyst's own certificate); default ``$COHORT_ANALYST``,
               else ``analyst.cfg``
    dataset    the dataset queries go to unless they name one; default
               ``$COHORT_DATASET``
    cohort_bin the binary; default ``$COHORT_BIN``, else ``cohort`` on PATH
    min_sites  sites that must answer (default: the command's, 2)
    timeout    seconds a query may take (default: the command's, 600)
    totp       where the analyst's TOTP code comes from when the coordinator
               asks for one (docs/analysts.md): a function returning the
               current code, called before each command (a code is good for
               one command only), or a code as a string, for the next command
               only. Default: none here; ``$COHORT_TOTP`` reaches the command
               as it is, and on a terminal the command asks.
    """

    def __init__(self, config=None, dataset=None, cohort_bin=None, min_sites=None,
                 timeout=None, totp=None):
        self.config = config or os.environ.get("COHORT_ANALYST") or "analyst.cfg"
        self.dataset = dataset or os.environ.get("COHORT_DATASET")
        self.cohort_bin = cohort_bin
        self.min_sites = min_sites
        self.timeout = timeout
        self.totp = totp

    def __repr__(self):
        return "Analyst(config=%r, dataset=%r)" % (self.config, self.dataset)

    def _bin(self):
        return cohort_bin(self.cohort_bin)

    def _totp_args(self):
        """``--totp CODE`` for the next command, or nothing; a string code
        is used once."""
        code = self.totp() if callable(self.totp) else self.totp
        if not callable(self.totp):
            self.totp = None
        return ["--totp", str(code)] if code else []

    def _query(self, expr, epsilon, delta, privacy, dataset, out=None):
        dataset = dataset or self.dataset
        if not dataset:
            raise CohortError("cohort: error: query: --dataset is required (give dataset= "
                              "or set it on the Analyst)")
        args = ["query", expr, "--dataset", dataset, "--analyst", self.config, "--json"]
        args += self._totp_args()
        if privacy:
            args += ["--epsilon", repr(float(epsilon)), "--delta", repr(float(delta))]
        else:
            args += ["--privacy", "off"]
        if self.min_sites is not None:
            args += ["--min-sites", int(self.min_sites)]
        if self.timeout is not None:
            args += ["--timeout", float(self.timeout)]
        if out:
            args += ["--out", out]
        # The command's own deadline, with room to answer.
        wait = (self.timeout or 600) + 30
        return json.loads(run(self._bin(), args, timeout=wait))


#  ---------------------------------------------------------------------
#  Results: a table and its privacy

def _privacy_attrs(report):
    privacy = report.get("privacy") or {}
    job = report.get("job") or {}
    return {
        "epsilon": privacy.get("epsilon"),
        "delta": privacy.get("delta"),
        "not_private": bool(privacy.get("not_private")),
        "target_epsilon": privacy.get("target_epsilon"),
        "query": report.get("query"),
        "dataset": report.get("dataset"),
        "job": job.get("id"),
        "sites": job.get("sites"),
        "notes": report.get("notes") or [],
    }


def privacy_line(attrs):
    """The line under every result: what it cost, or that it is not private."""
    if "silent" in attrs:
        line = "each site's own ledger, as it last reported it; asking costs no privacy"
        if attrs["silent"]:
            line = "no budget reported by: %s\n%s" % (" ".join(attrs["silent"]), line)
        return line
    if "epsilon" not in attrs:
        return ""
    if attrs.get("not_private"):
        return "NOT PRIVATE: privacy off, exact figures (development only)"
    return ("privacy: epsilon %.4g, delta %.3g, charged to every answering site's ledger "
            "(dataset %s)" % (attrs["epsilon"] or 0, attrs["delta"] or 0, attrs.get("dataset")))


class Rows(list):
    """The result without pandas: a list of dicts, and ``attrs``."""

    def __init__(self, rows=(), attrs=None):
        super().__init__(rows)
        self.attrs = dict(attrs or {})

    def __repr__(self):
        keys = []
        for row in self:
            keys += [k for k in row if k not in keys]
        lines = ["  ".join(keys)]
        for row in self:
            lines.append("  ".join(_cell(row.get(k)) for k in keys))
        footer = privacy_line(self.attrs)
        return "\n".join(lines + ([footer] if footer else []))

    __str__ = __repr__


def _cell(value):
    if isinstance(value, float):
        return "%.6g" % value
    return "" if value is None else str(value)


if _pd is not None:
    class CohortFrame(_pd.DataFrame):
        """A DataFrame that prints its privacy cost under the table."""

        @property
        def _constructor(self):
            return CohortFrame

        def __repr__(self):
            footer = privacy_line(self.attrs)
            return super().__repr__() + ("\n" + footer if footer else "")

        def _repr_html_(self):
            html = super()._repr_html_()
            footer = privacy_line(self.attrs)
            return html + ("<p>%s</p>" % footer if footer and html else "")
else:                           # pragma: no cover
    CohortFrame = None


def _table(rows, columns, attrs):
    """A DataFrame (pandas) or Rows of `rows` (dicts) in `columns` order."""
    rows = [{c: row.get(c) for c in columns} for row in rows]
    if _pd is None:
        return Rows(rows, attrs)
    frame = CohortFrame(rows, columns=columns)
    frame.attrs.update(attrs)
    return frame


def _number(text):
    if text is None or text == "":
        return None
    try:
        return float(text)
    except ValueError:
        return None


#  ---------------------------------------------------------------------
#  The functions

_QUERY_COLUMNS = ["statistic", "column", "group", "level", "value", "ci95_low", "ci95_high",
                  "suppressed"]


def query(analyst, expr, epsilon=1.0, delta=1e-5, privacy=True, dataset=None):
    """Any query of docs/queries.md (``summary(glucose, by=diabetes)``,
    ``crosstab(a, b)``, ...): the report's tidy table, one row per
    statistic, group and level, with its 95% interval for the noise
    (``ci95_low``, ``ci95_high``) and whether it is suppressed. A model's
    query gives its coefficient table (better: :func:`glm`)."""
    out = tempfile.mkdtemp(prefix="cohort-query-")
    try:
        report = analyst._query(expr, epsilon, delta, privacy, dataset, out=out)
        with open(os.path.join(out, "report.csv"), newline="") as f:
            text = f.read()
    finally:
        shutil.rmtree(out, ignore_errors=True)
    # The first table of report.csv (a model's has a second after a blank line).
    first = text.split("\n\n")[0]
    rows = list(csv.DictReader(io.StringIO(first)))
    if rows and "term" in rows[0]:
        return _tidy(report)
    for row in rows:
        for key in ("value", "ci95_low", "ci95_high"):
            row[key] = _number(row.get(key))
        row["suppressed"] = row.get("suppressed") == "true"
        for key in ("column", "group", "level"):
            row[key] = row.get(key) or None
    return _table(rows, _QUERY_COLUMNS, _privacy_attrs(report))


_TIDY_COLUMNS = ["term", "estimate", "std_error", "statistic", "p_value", "conf_low",
                 "conf_high"]


def _tidy(report):
    coefficients, glance = [], {}
    kind = None
    for row in report.get("results", []):
        if row.get("statistic") == "coefficient":
            kind = kind or ("t" if "t" in row else "z")
            tidy = dict(row)
            tidy["statistic"] = row.get("t", row.get("z"))
            coefficients.append(tidy)
        elif "value" in row:
            glance[row["statistic"]] = row["value"]
    attrs = _privacy_attrs(report)
    attrs["glance"] = glance
    attrs["statistic_kind"] = kind
    return _table(coefficients, _TIDY_COLUMNS, attrs)


def _formula_text(formula):
    text = " ".join(str(formula).split())
    if "~" not in text:
        raise CohortError("cohort: error: formula: '%s' has no '~'" % text)
    return text


def glm(analyst, formula, family="gaussian", weights=None, iterations=None, where=None,
        epsilon=1.0, delta=1e-5, privacy=True, dataset=None):
    """A generalised linear model (``"low ~ age + factor(race)"``;
    family gaussian, binomial or poisson; ``offset()`` in the formula,
    ``weights=`` a column): broom's tidy table, ``term, estimate,
    std_error, statistic, p_value, conf_low, conf_high`` (the statistic is
    t for gaussian, z otherwise: ``attrs["statistic_kind"]``); the model's
    other figures (n, df_residual, deviance, aic, ...) in
    ``attrs["glance"]``."""
    expr = "glm(%s, family=%s" % (_formula_text(formula), family)
    if weights is not None:
        expr += ", weights=%s" % weights
    if iterations is not None:
        expr += ", iterations=%d" % int(iterations)
    if where is not None:
        expr += ", where=%s" % where
    expr += ")"
    return _tidy(analyst._query(expr, epsilon, delta, privacy, dataset))


def _grid_text(grid):
    if isinstance(grid, str):
        return grid
    values = [float(g) for g in grid]
    if not values or not all(math.isfinite(v) for v in values):
        raise CohortError("cohort: error: grid: needs finite numbers")
    return "c(%s)" % ", ".join("%.15g" % v for v in values)


_KM_COLUMNS = ["group", "time", "survival", "std_error", "conf_low", "conf_high", "n_risk",
               "suppressed"]


def km(analyst, formula, grid, where=None, epsilon=1.0, delta=1e-5, privacy=True,
       dataset=None):
    """Kaplan-Meier curves (``"Surv(time, status) ~ sex"``, ``~ 1`` for one)
    on a public time grid (``"0:1020:30"`` or a list of times): one row per
    group and grid point with the survival, its standard error, the
    log-log 95% band (noise and sampling) and the number at risk. The
    medians are in ``attrs["median"]``, the log-rank test in
    ``attrs["logrank"]``."""
    expr = "km(%s, grid=%s" % (_formula_text(formula), _grid_text(grid))
    if where is not None:
        expr += ", where=%s" % where
    expr += ")"
    report = analyst._query(expr, epsilon, delta, privacy, dataset)
    rows, medians, logrank = [], [], None
    for r in report.get("results", []):
        if r.get("statistic") == "survival":
            suppressed = r.get("suppressed")
            for i, t in enumerate(r.get("time", [])):
                rows.append({
                    "group": r.get("group"), "time": t, "survival": r["value"][i],
                    "std_error": r["std_error"][i], "conf_low": r["conf_low"][i],
                    "conf_high": r["conf_high"][i], "n_risk": r["n_risk"][i],
                    "suppressed": suppressed[i] if isinstance(suppressed, list)
                                  else bool(suppressed)})
        elif r.get("statistic") == "median_survival":
            medians.append({k: r.get(k) for k in ("group", "value", "conf_low", "conf_high")})
        elif r.get("statistic") == "logrank":
            logrank = {k: r.get(k) for k in ("chisq", "df", "p_value")}
    attrs = _privacy_attrs(report)
    attrs["median"] = medians
    attrs["logrank"] = logrank
    return _table(rows, _KM_COLUMNS, attrs)


_BUDGET_COLUMNS = ["dataset", "site", "epsilon_budget", "epsilon_spent", "epsilon_left",
                   "delta", "age_s"]


def budget(analyst, dataset=None):
    """Per dataset and site, the epsilon budget the site grants, what its
    ledger has spent and what is left, as each site last reported it
    (``cohort budget``). Asking costs no privacy. Sites that reported no
    budget are in ``attrs["silent"]``."""
    args = ["budget", "--json", "--analyst", analyst.config] + analyst._totp_args()
    if dataset:
        args += ["--dataset", dataset]
    answer = json.loads(run(analyst._bin(), args, timeout=(analyst.timeout or 60) + 30))
    return _table(answer.get("budget", []), _BUDGET_COLUMNS,
                  {"silent": answer.get("silent", [])})
