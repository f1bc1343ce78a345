"""The Python client against a real local consortium: tables, their
privacy, the budget, and the CLI's one-line message for what is refused."""

import math
import re
import subprocess
import sys
import os

import pandas as pd
import pytest

import cohort


def cli_error(analyst, *args):
    """What the CLI itself prints on stderr for the same request."""
    done = subprocess.run([analyst.cohort_bin] + list(args), capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("cohort: error:")]
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_query_summary_is_a_frame_with_its_privacy(analyst):
    result = cohort.query(analyst, "summary(glucose, by=diabetes)", epsilon=0.5)
    assert isinstance(result, pd.DataFrame)
    assert list(result.columns) == ["statistic", "column", "group", "level", "value",
                                    "ci95_low", "ci95_high", "suppressed"]
    means = result[result.statistic == "mean"]
    assert sorted(means.group) == ["0", "1"]
    for _, row in means.iterrows():
        if not row.suppressed:
            assert row.ci95_low <= row.value <= row.ci95_high
    assert result.attrs["epsilon"] == pytest.approx(0.5, rel=1e-6)
    assert result.attrs["delta"] == pytest.approx(1e-5)
    assert result.attrs["not_private"] is False
    assert result.attrs["dataset"] == "data"
    assert "privacy: epsilon 0.5, delta 1e-05" in repr(result)


def test_query_crosstab_levels(analyst):
    result = cohort.query(analyst, "crosstab(diabetes, cut(age, c(-Inf, 30, 50, Inf)))",
                          epsilon=0.3)
    cells = result[result.statistic == "crosstab"]
    assert list(cells.level) == ["0|(-Inf,30]", "0|(30,50]", "0|(50,Inf]",
                                 "1|(-Inf,30]", "1|(30,50]", "1|(50,Inf]"]


def test_glm_binomial_is_tidy(analyst):
    fit = cohort.glm(analyst, "diabetes ~ glucose + mass + age", family="binomial", epsilon=1)
    assert list(fit.columns) == ["term", "estimate", "std_error", "statistic", "p_value",
                                 "conf_low", "conf_high"]
    assert list(fit.term) == ["(Intercept)", "glucose", "mass", "age"]
    assert fit.attrs["statistic_kind"] == "z"
    for _, row in fit.iterrows():
        assert row.conf_low < row.estimate < row.conf_high
        assert row.statistic == pytest.approx(row.estimate / row.std_error, rel=1e-9)
    assert fit.attrs["glance"]["iterations"] == 3
    assert fit.attrs["epsilon"] == pytest.approx(1, rel=1e-6)
    assert "epsilon 1," in repr(fit)


def test_glm_gaussian_t(analyst):
    fit = cohort.glm(analyst, "glucose ~ mass + factor(diabetes)", epsilon=1)
    assert list(fit.term) == ["(Intercept)", "mass", "factor(diabetes)1"]
    assert fit.attrs["statistic_kind"] == "t"


def test_km_frame(analyst):
    curve = cohort.km(analyst, "Surv(age, diabetes) ~ 1", grid=[20, 40, 60, 80], epsilon=0.5)
    assert list(curve.columns) == ["group", "time", "survival", "std_error", "conf_low",
                                   "conf_high", "n_risk", "suppressed"]
    assert list(curve.time) == [20, 40, 60, 80]
    assert set(curve.group) == {"all"}
    assert curve.attrs["median"] and curve.attrs["median"][0]["group"] == "all"
    shown = curve[~curve.suppressed]
    assert ((shown.survival >= 0) & (shown.survival <= 1)).all()


def test_budget_follows_the_ledgers(analyst):
    before = cohort.budget(analyst, dataset="data")
    assert sorted(before.site) == ["site-1", "site-2", "site-3"]
    assert (before.epsilon_budget == 20).all()
    assert (before.epsilon_left == before.epsilon_budget - before.epsilon_spent).all()
    cohort.query(analyst, "mean(mass)", epsilon=0.7)
    after = cohort.budget(analyst)
    assert set(after.dataset) == {"data"}
    gained = after.set_index("site").epsilon_spent - before.set_index("site").epsilon_spent
    # Every site answered and charged its ledger (RDP composition makes the
    # step at the budget's delta smaller than 0.7, never nothing).
    assert (gained > 0.05).all() and (gained <= 0.7 + 1e-9).all()
    assert after.attrs["silent"] == []
    assert "asking costs no privacy" in repr(after)


def test_budget_unknown_dataset(analyst):
    with pytest.raises(cohort.CohortError) as e:
        cohort.budget(analyst, dataset="nope")
    assert str(e.value) == cli_error(analyst, "budget", "--dataset", "nope", "--analyst",
                                     analyst.config)


def test_wrong_formula_is_the_cli_message(analyst):
    with pytest.raises(cohort.CohortError) as e:
        cohort.glm(analyst, "diabetes ~ glucose * mass", family="binomial")
    expected = cli_error(analyst, "query", "glm(diabetes ~ glucose * mass, family=binomial)",
                         "--dataset", "data", "--analyst", analyst.config, "--json")
    assert str(e.value) == expected
    assert "unexpected '*'" in expected


def test_unknown_column_is_the_cli_message(analyst):
    with pytest.raises(cohort.CohortError) as e:
        cohort.query(analyst, "summary(cholesterol)")
    assert str(e.value) == cli_error(analyst, "query", "summary(cholesterol)", "--dataset",
                                     "data", "--analyst", analyst.config)
    assert "unknown column 'cholesterol'" in str(e.value)


def test_unaffordable_query_is_the_cli_message(analyst):
    with pytest.raises(cohort.CohortError) as e:
        cohort.query(analyst, "summary(glucose)", epsilon=50)
    expected = cli_error(analyst, "query", "summary(glucose)", "--epsilon", "50", "--dataset", "data",
                         "--analyst", analyst.config)
    # The same line but for the query's id (each attempt is a new query)
    # and the order the sites' declines arrived in.
    def strip(text):
        return sorted(re.sub(r"query \S+ failed", "query ID failed", text).split("; "))
    assert strip(str(e.value)) == strip(expected)
    assert "declined: budget: the query would bring dataset data" in expected


def test_privacy_off_refused(analyst):
    with pytest.raises(cohort.CohortError) as e:
        cohort.query(analyst, "count()", privacy=False)
    assert "privacy" in str(e.value) and str(e.value).startswith("cohort: error:")


def test_no_binary():
    a = cohort.Analyst("analyst.cfg", dataset="data", cohort_bin="/nonexistent/cohort")
    with pytest.raises(cohort.CohortError) as e:
        cohort.budget(a)
    assert "cannot run /nonexistent/cohort" in str(e.value)


def test_without_pandas_rows(analyst, monkeypatch):
    monkeypatch.setattr(cohort, "_pd", None)
    rows = cohort.query(analyst, "summary(glucose)", epsilon=0.4)
    assert isinstance(rows, cohort.Rows) and isinstance(rows, list)
    assert [r["statistic"] for r in rows if r["statistic"] != "left_out"] == \
        ["count", "mean", "sd"]
    assert rows.attrs["epsilon"] == pytest.approx(0.4, rel=1e-6)
    assert "privacy: epsilon 0.4" in repr(rows)
    fit = cohort.glm(analyst, "diabetes ~ glucose", family="binomial", epsilon=0.5)
    assert [r["term"] for r in fit] == ["(Intercept)", "glucose"]
    assert set(fit[0]) == {"term", "estimate", "std_error", "statistic", "p_value",
                           "conf_low", "conf_high"}
    spent = cohort.budget(analyst)
    assert len(spent) == 3 and all(math.isfinite(r["epsilon_left"]) for r in spent)


def test_import_without_pandas(analyst):
    # A Python where pandas does not import at all.
    code = ("import sys; sys.modules['pandas'] = None\n"
            "import cohort\n"
            "a = cohort.Analyst(sys.argv[1], dataset='data', cohort_bin=sys.argv[2])\n"
            "r = cohort.query(a, 'count()', epsilon=0.2)\n"
            "print(type(r).__name__, r.attrs['not_private'])\n")
    done = subprocess.run([sys.executable, "-c", code, analyst.config, analyst.cohort_bin],
                          capture_output=True, text=True, env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Rows False"


def test_totp_code_sources():
    """A code string goes with the next command only; a function is asked
    for each command; without either, nothing is added (COHORT_TOTP reaches
    the command through the environment)."""
    a = cohort.Analyst(config="x.cfg", totp="123456")
    assert a._totp_args() == ["--totp", "123456"]
    assert a._totp_args() == []
    codes = iter(["111111", "22222222"])
    b = cohort.Analyst(config="x.cfg", totp=lambda: next(codes))
    assert b._totp_args() == ["--totp", "111111"]
    assert b._totp_args() == ["--totp", "22222222"]
    assert cohort.Analyst(config="x.cfg")._totp_args() == []
