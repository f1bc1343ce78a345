"""A throwaway consortium on this machine, for examples and tests: the
files of `cohort simulate --prepare-only` (keys, certificates, configs,
the data split across the sites), then a real `cohort coordinator` and
real `cohort site` processes, stopped on exit."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

from ._cli import CohortError, cohort_bin, error_line, run


def _default_data(binary):
    """$COHORT_DATA, else the Pima data of the source tree the binary was
    built in (build/cli/cohort -> datasets/)."""
    if os.environ.get("COHORT_DATA"):
        return os.environ["COHORT_DATA"]
    here = os.path.dirname(os.path.realpath(binary))
    for up in ("../..", "../../.."):
        path = os.path.normpath(os.path.join(here, up, "datasets", "pima_diabetes.csv"))
        if os.path.exists(path):
            return path
    raise CohortError("cohort: error: no data for a local consortium (set COHORT_DATA to a "
                      "CSV with its _dictionary.csv beside it)")


class LocalConsortium:
    """`sites` sites (2-of-n key of `bits` bits: test keys) holding `data`
    (default: the Pima data) as dataset ``data``, each granting
    `epsilon_budget` on it. ``start()`` returns an :class:`~cohort.Analyst`;
    ``stop()`` ends every process and removes the directory (unless
    ``keep``)."""

    def __init__(self, sites=3, data=None, epsilon_budget=20.0, bits=512, binary=None,
                 keep=False, wait_s=30.0):
        self.binary = cohort_bin(binary)
        self.sites = sites
        self.data = data or _default_data(self.binary)
        self.epsilon_budget = float(epsilon_budget)
        self.bits = bits
        self.keep = keep
        self.wait_s = wait_s
        self.dir = None
        self.procs = []

    def start(self):
        from . import Analyst
        self.dir = tempfile.mkdtemp(prefix="cohort-local-")
        try:
            # Each simulated site grants twice the simulated query's epsilon.
            run(self.binary, ["simulate", "--prepare-only", "--query", "count()",
                              "--data", self.data, "--sites", self.sites,
                              "--bits", self.bits, "--insecure-test-key",
                              "--epsilon", repr(self.epsilon_budget / 2), "--out", self.dir])
            os.makedirs(os.path.join(self.dir, "logs"), exist_ok=True)
            self._spawn("coordinator", os.path.join(self.dir, "coordinator.cfg"))
            for i in range(1, self.sites + 1):
                self._spawn("site", os.path.join(self.dir, "sites", "site-%d.cfg" % i))
            analyst = Analyst(os.path.join(self.dir, "analyst.cfg"), dataset="data",
                              cohort_bin=self.binary)
            self._wait_joined(analyst)
            return analyst
        except BaseException:
            self.stop()
            raise

    def _spawn(self, role, config):
        name = os.path.splitext(os.path.basename(config))[0]
        log = open(os.path.join(self.dir, "logs", name + ".log"), "w")
        try:
            proc = subprocess.Popen([self.binary, role, "--config", config], stdout=log,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        finally:
            log.close()
        self.procs.append((name, proc))

    def _wait_joined(self, analyst):
        # Every site has joined once each has reported its budget.
        until = time.monotonic() + self.wait_s
        while True:
            for name, proc in self.procs:
                if proc.poll() is not None:
                    raise CohortError("cohort: error: local consortium: %s exited (%d): %s"
                                      % (name, proc.returncode, self._last_log_line(name)))
            try:
                answer = json.loads(run(self.binary, ["budget", "--json", "--analyst",
                                                      analyst.config], timeout=30))
                if len({row["site"] for row in answer["budget"]}) == self.sites:
                    return
            except CohortError:
                pass
            if time.monotonic() > until:
                raise CohortError("cohort: error: local consortium: the sites did not join "
                                  "within %.0f s (logs in %s)" % (self.wait_s, self.dir))
            time.sleep(0.1)

    def _last_log_line(self, name):
        try:
            with open(os.path.join(self.dir, "logs", name + ".log")) as f:
                return error_line(f.read())
        except OSError:
            return "(no log)"

    def stop(self):
        for _, proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for _, proc in self.procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs = []
        if self.dir and not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def local_consortium(**options):
    """``with cohort.local_consortium() as analyst: ...``: a
    :class:`LocalConsortium` for the block (same options)."""
    consortium = LocalConsortium(**options)
    analyst = consortium.start()
    try:
        yield analyst
    finally:
        consortium.stop()
