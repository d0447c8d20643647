"""Timing and reporting helpers shared by the benchmark scripts.

The protocol implemented here is the one of ``bench_transfer_lasso.py``:

1. *Calibrate*: run a solver at each tolerance of a ladder (loosest first) of
   its **own** ``tol`` parameter and score the returned coefficients with a
   measure common to every solver (sktransfer's relative duality gap). The
   loosest setting whose output reaches the target is kept. A half-decade
   refinement between the last failing and the first passing decade removes
   most of the ladder's quantisation, identically for every solver.
2. *Time*: after an untimed warm-up run of the kept setting (so that JIT
   compilation and first-touch effects are excluded), the median of several
   timed runs; the solvers of one problem are timed round-robin so that
   changes of machine load hit them alike.

Nothing here knows about a particular solver: a solver is a callable
``run(tol) -> result`` and a scorer ``gap_of(result) -> float``.
"""

import gc
import math
import os
import platform
import statistics
import sys
import time
import traceback
from dataclasses import dataclass, field

#: Decade ladder of tolerances, loosest first.
DECADE_LADDER = tuple(10.0 ** -k for k in range(2, 15))


@dataclass
class Measurement:
    """Calibration and timing of one solver on one problem."""

    problem: str
    solver: str
    tol: float = math.nan
    time: float = math.nan
    times: list = field(default_factory=list)
    gap: float = math.nan
    reached: bool = False
    note: str = ""
    result: object = None
    run: object = None          # run(tol) -> output
    gap_of: object = None       # gap_of(output) -> float
    target: float = 1e-6
    calib_run_s: float = math.nan  # duration of the untimed run at ``tol``

    @property
    def calibrated(self):
        return math.isfinite(self.tol) and self.run is not None

    @property
    def ok(self):
        """Whether the solver reached the target and was timed."""
        return self.reached and math.isfinite(self.time)

    def fail(self, exc):
        self.note = f"error: {type(exc).__name__}: {exc}".splitlines()[0][:120]
        self.tol = math.nan
        traceback.print_exc(file=sys.stderr)


def median_time(fn, repeats):
    """Median wall time of ``repeats`` calls of ``fn`` (and the last output)."""
    times = []
    out = None
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, out


def n_repeats(run_s, repeats=5, slow_repeats=3, slow_seconds=1.0):
    """Timed repetitions for a run of ``run_s`` seconds.

    ``slow_repeats`` above ``slow_seconds``; ``repeats`` otherwise, raised to
    9 for runs under 0.2 s, whose medians suffer most from a loaded machine.
    """
    if run_s > slow_seconds:
        return slow_repeats
    if run_s < 0.2:
        return max(repeats, 9)
    return repeats


def calibrate(problem, solver, run, gap_of, target=1e-6, ladder=DECADE_LADDER,
              budget_s=240.0, refine=True, start=None):
    """Find the loosest ``tol`` with ``gap_of(run(tol)) <= target`` (untimed).

    Parameters
    ----------
    problem, solver : str
        Labels for the report.
    run : callable
        ``run(tol)`` solves the problem and returns the solver's output.
    gap_of : callable
        ``gap_of(output)`` is the common score (relative duality gap; the
        largest one along a path).
    target : float
        Score to reach.
    ladder : sequence of float
        Tolerances to try, loosest first.
    budget_s : float
        The search stops (reporting a failure) once it has spent this long.
    refine : bool
        Also try the geometric midpoint between the last failing and the first
        passing ladder value.
    start : float, default=None
        Optional ladder value to start from (e.g. the tolerance found for
        another entry point of the same library, with the same ``tol``
        semantics). From there the search walks looser while the target is
        met, or tighter until it is met: the same answer as the scan from the
        loose end whenever the score is monotone in ``tol``, in fewer runs.

    Returns
    -------
    Measurement
        With ``tol`` set (NaN and a note on failure), not yet timed. The kept
        setting has been run untimed, after at least one earlier run of the
        solver in this process: that run is the warm-up, so compilation never
        falls in the timed runs.
    """
    m = Measurement(problem, solver, run=run, gap_of=gap_of, target=target)
    chosen = None
    chosen_run_s = math.nan
    previous = None
    best_gap = math.inf
    last_tol = None
    t_start = time.perf_counter()
    ladder = list(ladder)

    def attempt(tol):
        t0 = time.perf_counter()
        gap = gap_of(run(tol))
        return gap, time.perf_counter() - t0

    try:
        i0 = 0
        if start is not None:
            i0 = min(range(len(ladder)), key=lambda i: abs(math.log(ladder[i] / start)))
            gap, elapsed = attempt(ladder[i0])
            last_tol = ladder[i0]
            best_gap = min(best_gap, gap)
            if gap <= target:
                chosen, chosen_run_s = ladder[i0], elapsed
                for i in range(i0 - 1, -1, -1):  # walk looser while passing
                    gap, elapsed = attempt(ladder[i])
                    last_tol = ladder[i]
                    if gap > target:
                        previous = ladder[i]
                        break
                    chosen, chosen_run_s = ladder[i], elapsed
            else:
                previous = ladder[i0]
            i0 += 1
        for tol in ladder[i0:] if chosen is None else ():
            gap, elapsed = attempt(tol)
            last_tol = tol
            best_gap = min(best_gap, gap)
            if gap <= target:
                chosen, chosen_run_s = tol, elapsed
                break
            previous = tol
            if time.perf_counter() - t_start > budget_s:
                m.note = (f"calibration budget ({budget_s:.0f} s) exhausted "
                          f"at tol={tol:.0e}")
                break
        if chosen is None:
            m.gap = best_gap
            if not m.note:
                m.note = (f"never reached gap <= {target:.0e} "
                          f"(tightest tol tried {last_tol:.0e})")
            return m
        if refine and previous is not None:
            mid = math.sqrt(previous * chosen)
            gap, elapsed = attempt(mid)
            if gap <= target:
                chosen, chosen_run_s = mid, elapsed
        m.tol, m.calib_run_s = chosen, chosen_run_s
    except Exception as exc:  # a crashing peer must not kill the whole report
        m.fail(exc)
    return m


def fixed(problem, solver, run, gap_of, tol, target=1e-6, note=""):
    """An entry timed at a given ``tol`` (after one untimed warm-up run).

    For informational rows that share another row's ``tol`` semantics (e.g.
    the bare solver behind an estimator): no calibration of their own.
    """
    m = Measurement(problem, solver, run=run, gap_of=gap_of, target=target,
                    note=note)
    if not math.isfinite(tol):
        m.note = (note + " (reference has no tolerance)").strip()
        return m
    try:
        t0 = time.perf_counter()
        run(tol)  # warm-up
        m.tol, m.calib_run_s = tol, time.perf_counter() - t0
    except Exception as exc:
        m.fail(exc)
    return m


def time_interleaved(ms, repeats=5, slow_repeats=3, slow_seconds=1.0):
    """Time the calibrated entries of ``ms`` round-robin; fill in the results.

    Round ``r`` runs every entry that still needs a repetition once, in turn,
    so that a change of machine load during the measurement affects all
    solvers of a problem alike. Each entry gets :func:`n_repeats` runs (at
    least 3); its time is their median and its gap is scored on the output
    of its last timed run.
    """
    todo = {id(m): n_repeats(m.calib_run_s, repeats, slow_repeats, slow_seconds)
            for m in ms if m.calibrated}
    for r in range(max(todo.values(), default=0)):
        for m in ms:
            if todo.get(id(m), 0) <= r:
                continue
            try:
                gc.collect()
                t0 = time.perf_counter()
                out = m.run(m.tol)
                m.times.append(time.perf_counter() - t0)
                m.result = out
            except Exception as exc:
                m.fail(exc)
                todo[id(m)] = 0
    for m in ms:
        if not m.calibrated or not m.times:
            continue
        m.time = statistics.median(m.times)
        try:
            m.gap = m.gap_of(m.result)
        except Exception as exc:
            m.fail(exc)
            continue
        m.reached = m.gap <= m.target
        if not m.reached and not m.note:
            m.note = "timed run's gap above target (differs from calibration)"
    return ms


# -- reporting ------------------------------------------------------------------

def fmt_float(x, spec=".2e"):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, float) and math.isinf(x):
        return "inf"
    return format(x, spec)


def fmt_time(t):
    if t is None or not math.isfinite(t):
        return "-"
    return f"{t:.4f}" if t < 10 else f"{t:.2f}"


def print_table(headers, rows, title=None, file=None):
    """Plain-text table with left-aligned text and right-aligned numbers."""
    file = file or sys.stdout
    rows = [[str(c) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    if title:
        print(title, file=file)
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    print(line, file=file)
    print("-" * len(line), file=file)
    for row in rows:
        cells = []
        for i, (cell, w) in enumerate(zip(row, widths)):
            numeric = cell[:1].isdigit() or cell[:1] in "-." and cell[1:2].isdigit()
            cells.append(cell.rjust(w) if numeric else cell.ljust(w))
        print("  ".join(cells).rstrip(), file=file)
    print(file=file, flush=True)


def load_string():
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unavailable"
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"


def versions(modules):
    """``name version`` for each importable module name."""
    out = [f"python {platform.python_version()} ({platform.python_implementation()})"]
    for name in modules:
        try:
            mod = __import__(name)
            out.append(f"{name} {getattr(mod, '__version__', '?')}")
        except Exception as exc:  # pragma: no cover - report, don't fail
            out.append(f"{name} unavailable ({type(exc).__name__})")
    return out


def machine_string():
    cpu = platform.processor() or platform.machine()
    model = ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"{platform.system()} {platform.release()}, {model or cpu}, "
            f"{os.cpu_count()} logical CPUs")


def print_targets(targets, t_start):
    """The closing table of a benchmark: each target, PASS/FAIL, load, wall time.

    ``targets`` holds ``(name, measured, ok)`` triples; ``t_start`` is the
    benchmark's ``time.perf_counter()`` at start.
    """
    print_table(["target", "measured", "result"],
                [[name, value, "PASS" if ok else "FAIL"]
                 for name, value, ok in targets])
    n_pass = sum(ok for _, _, ok in targets)
    print(f"{n_pass}/{len(targets)} targets passed")
    print(f"load average at end: {load_string()}")
    print(f"total wall time: {time.perf_counter() - t_start:.0f} s")
