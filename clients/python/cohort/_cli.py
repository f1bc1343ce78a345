"""Running the `cohort` binary: every figure comes from `cohort ... --json`
(or the tidy CSV it writes with --out); nothing here speaks the wire
protocol."""

import os
import shutil
import subprocess


class CohortError(Exception):
    """A refusal or failure of the `cohort` command: its one-line message
    (the line it printed on stderr, `cohort: error: ...`)."""


def cohort_bin(explicit=None):
    """The binary: `explicit`, else $COHORT_BIN, else `cohort` on PATH."""
    path = explicit or os.environ.get("COHORT_BIN") or shutil.which("cohort")
    if not path:
        raise CohortError("cohort: error: the cohort binary was not found "
                          "(set COHORT_BIN or put cohort on PATH)")
    return path


def error_line(stderr):
    """The CLI's one-line message: its `cohort: error:` line, else the last
    non-empty line of stderr."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("cohort: error:"):
            return line
    return lines[-1] if lines else "cohort: error: (no message)"


def run(binary, args, timeout=None):
    """Runs `binary args...`; its stdout, or CohortError with its message."""
    try:
        done = subprocess.run([binary] + [str(a) for a in args], capture_output=True,
                              text=True, timeout=timeout)
    except FileNotFoundError:
        raise CohortError("cohort: error: cannot run %s (set COHORT_BIN)" % binary) from None
    except subprocess.TimeoutExpired:
        raise CohortError("cohort: error: %s %s did not finish within %s s"
                          % (binary, args[0], timeout)) from None
    if done.returncode != 0:
        raise CohortError(error_line(done.stderr))
    return done.stdout
