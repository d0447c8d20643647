"""Benchmark the simulation-study engine: parallel throughput and overhead.

Run with ``make bench`` or ``.venv/bin/python benchmarks/bench_simulation.py``
(``--quick`` shrinks the studies and the repeats for a smoke run;
``--profile`` adds a cProfile of the engine-overhead study). This is a
script, not a test: it prints plain-text tables and a PASS/FAIL summary of the
performance targets, all computed from measurements taken in this run.

Protocol:

* **throughput**: one fixed, realistic study (:func:`Study.run` end to end):
  :func:`sktransfer.datasets.make_trans_lasso_regression` with ``p = 200``,
  ``n_target = n_source = 100``, 5 sources, ``s = 5``, ``h = 2`` on the grid
  ``n_informative`` in {0, 3, 5}; three methods at fixed penalties (no CV):
  a target-only and a pooled scikit-learn ``Lasso`` and a two-step Transfer
  Lasso (a Lasso on the source rows gives ``source_coef`` for
  :class:`~sktransfer.linear_model.TransferLasso` on the target rows);
  metrics ``l2_error``, ``l1_error``, ``tpr``, ``fpr``, ``fit_time``. It is
  run with ``n_jobs=1`` (sequential, in this process), ``n_jobs=2`` (loky)
  and under ``joblib.parallel_config(backend="dask")`` on a loopback
  :class:`distributed.LocalCluster` of 2 single-threaded worker processes
  (:func:`sktransfer.simulation.dask_client`), with the default
  ``chunk_size="auto"``;
* **worker start-up is excluded** from the timed runs and reported on its
  own: the loky pool is started by an untimed first run of a small version
  of the study plus a warm-up task on each worker (imports, Numba cache
  loads, the first fits), and stays up (an idle loky pool uses no CPU). An
  idle dask cluster does use CPU (scheduler and worker event loops), so the
  cluster is started for the dask run of each round, warmed the same way
  (``client.run`` on every worker, then the small study), timed, and
  closed. The three modes are timed round-robin (so that a change of
  machine load hits them alike); each reported time is the median over the
  rounds. The CPU seconds of this process and its descendants (workers,
  dask processes) are recorded with each run, to tell work added by
  parallelism from CPU time the study did not get on a loaded machine;
* the dask cluster is started by ``sktransfer.simulation.dask_client`` with
  its default ``batch_settings=True`` (workers without dask's
  ``MALLOC_TRIM_THRESHOLD_``, which switches off glibc's dynamic mmap
  threshold so that every array of 128 KiB or more is mmapped afresh and
  page-faulted in; profiler off; slower housekeeping ticks). An
  informational fourth mode starts it with dask's defaults
  (``batch_settings=False``) to show what they cost;
* ``reps/s`` = repetitions (data sets, each fitted by the 3 methods) per
  second of wall time; ``speed-up`` = reps/s / reps/s of ``n_jobs=1``;
  ``parallel efficiency`` = speed-up / 2;
* the result tables of all modes (``StudyResult.to_frame()``, every column
  except the non-reproducible ``fit_time``) must be identical;
* **engine overhead**: a DGM that returns a constant 4 x 3 data set and a
  method (a callable) that returns a constant ``{"coef": ...}``, with the
  ``l2_error`` metric, ``n_jobs=1``; overhead per repetition = wall time of
  ``Study.run`` / repetitions (seeding, the per-fit bookkeeping, the tables,
  the final result: everything but real work). Then the same study writing a
  CSV and a Parquet checkpoint (a fresh file per run); their per-repetition
  cost is the difference to the run without a checkpoint.

Targets (from the issue): parallel efficiency at 2 workers >= 0.85 (loky;
the dask cluster is held to the same bar), engine overhead < 1 ms per
repetition.
"""

import argparse
import cProfile
import gc
import io
import math
import os
import pstats
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from _common import (  # noqa: E402
    load_string,
    machine_string,
    print_table,
    print_targets,
    versions,
)
from joblib import Parallel, delayed, parallel_config  # noqa: E402
from sklearn.linear_model import Lasso  # noqa: E402

from sktransfer.datasets import make_trans_lasso_regression  # noqa: E402
from sktransfer.linear_model import TransferLasso  # noqa: E402
from sktransfer.simulation import DGM, Method, Study, dask_client  # noqa: E402
from sktransfer.simulation._study import _balanced_chunks  # noqa: E402

TARGET_EFFICIENCY = 0.85
TARGET_OVERHEAD_S = 1e-3
N_WORKERS = 2

SIZES = {
    # n_reps per cell of the throughput study (3 cells), its timed repeats;
    # repetitions of the overhead study and its repeats.
    "full": dict(n_reps=320, repeats=5, null_reps=20000, null_repeats=3),
    "quick": dict(n_reps=40, repeats=2, null_reps=2000, null_repeats=2),
}

FIXED = dict(n_target=100, n_source=100, n_sources=5, n_features=200, n_nonzero=5,
             h=2)
GRID = {"n_informative": [0, 3, 5]}
METRICS = ["l2_error", "l1_error", "tpr", "fpr", "fit_time"]


# -- the throughput study ----------------------------------------------------------

def transfer_two_step(data, rng):
    """Source Lasso -> ``source_coef`` -> TransferLasso on the target rows."""
    source = np.asarray(data["sample_domain"]) > 0
    X, y = data["X"], data["y"]
    source_coef = Lasso(alpha=0.05).fit(X[source], y[source]).coef_
    return TransferLasso(alpha=0.1, l1_ratio=0.5, source_coef=source_coef).fit(
        X[~source], y[~source])


def make_study(n_reps):
    dgm = DGM(make_trans_lasso_regression, grid=GRID, params=FIXED)
    methods = {
        "Lasso (target)": Method(Lasso(alpha=0.1), rows="target"),
        "Lasso (pooled)": Method(Lasso(alpha=0.05), rows="all"),
        "TransferLasso (two-step)": Method(transfer_two_step),
    }
    return Study(dgm, methods, metrics=METRICS, n_reps=n_reps, random_state=0)


def warm_worker(sleep_s=0.0):
    """Import, load the Numba caches and fit once in a worker; return its pid."""
    data = make_trans_lasso_regression(**FIXED, n_informative=3, random_state=0)
    transfer_two_step(data, None)
    time.sleep(sleep_s)  # keep this worker busy so that the next task goes elsewhere
    return os.getpid()


def reproducible_frame(result):
    """``to_frame()`` without the non-reproducible metric columns."""
    dropped = [m.name for m in result.metrics if not m.reproducible]
    return result.to_frame().drop(columns=dropped), dropped


# -- the engine-overhead study -----------------------------------------------------

_NULL_DATA = {"X": np.zeros((4, 3)), "y": np.zeros(4), "coef": np.zeros(3)}
_NULL_OUTPUT = {"coef": np.zeros(3)}


def null_dgm(rng):
    """A DGM that does nothing: a constant tiny data set."""
    return _NULL_DATA


def null_method(data, rng):
    """A method that does nothing: constant coefficients."""
    return _NULL_OUTPUT


def null_study(n_reps):
    return Study(DGM(null_dgm), Method(null_method), metrics=["l2_error"],
                 n_reps=n_reps, random_state=0)


# -- timing ---------------------------------------------------------------------------

def timed(fn):
    gc.collect()
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def cpu_snapshot():
    """CPU seconds (user + system) of this process and all its descendants.

    The loky workers, the dask nanny and worker processes are descendants;
    the dask scheduler runs in this process. ``None`` without psutil.
    """
    try:
        import psutil
    except ImportError:
        return None
    me = psutil.Process()
    out = {}
    for proc in [me, *me.children(recursive=True)]:
        try:
            t = proc.cpu_times()
            out[proc.pid] = t.user + t.system
        except psutil.Error:
            pass
    return out


def cpu_used(before, after):
    if before is None or after is None:
        return math.nan
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


def timed_cpu(fn):
    """Wall seconds, CPU seconds of the study's processes, and the output."""
    before = cpu_snapshot()
    t, out = timed(fn)
    return t, cpu_used(before, cpu_snapshot()), out


DASK_DEFAULTS = "2 workers, dask defaults (info)"


def section_throughput(cfg, targets):
    n_cells = len(GRID["n_informative"])
    n_reps = cfg["n_reps"]
    total = n_cells * n_reps
    study = make_study(n_reps)
    warm_study = make_study(8)
    print(f"Throughput: {study!r}, {total} repetitions per run (each: one data set "
          "fitted by 3 methods)")

    startup = {}

    def note(step, seconds):
        startup.setdefault(step, []).append(seconds)

    # Sequential warm-up in this process: Numba compilation / cache load.
    t, _ = timed(lambda: warm_study.run(n_jobs=1, progress=False))
    note("n_jobs=1: first run of the small study (this process)", t)
    # loky: the first call spawns the workers; then make sure each one is warm.
    # The pool stays up (idle, it uses no CPU) for the timed runs.
    t, _ = timed(lambda: warm_study.run(n_jobs=N_WORKERS, progress=False))
    note(f"loky: first run of the small study ({N_WORKERS} workers spawned)", t)
    pids = Parallel(n_jobs=N_WORKERS)(delayed(warm_worker)(0.5)
                                      for _ in range(2 * N_WORKERS))
    print(f"loky warm-up tasks ran on {len(set(pids))} distinct workers")

    idle = []

    def run_dask(batch_settings=True):
        # An idle LocalCluster keeps using CPU (scheduler and worker event
        # loops), so it is started for the dask run of each round and closed
        # after it rather than left running beside the other modes.
        t0 = time.perf_counter()
        with dask_client(n_workers=N_WORKERS, threads_per_worker=1,
                         batch_settings=batch_settings,
                         dashboard_address=None) as client:
            tag = "" if batch_settings else " (dask defaults)"
            note(f"dask{tag}: LocalCluster + Client start ({N_WORKERS} processes "
                 "x 1 thread)", time.perf_counter() - t0)
            t, _ = timed(lambda: client.run(warm_worker))
            note(f"dask{tag}: warm-up call on every worker (client.run)", t)
            with parallel_config(backend="dask"):
                t, _ = timed(lambda: warm_study.run(progress=False))
                note(f"dask{tag}: first run of the small study", t)
                if not idle:
                    before = cpu_snapshot()
                    time.sleep(2.0)
                    idle.append(cpu_used(before, cpu_snapshot()) / 2.0)
                return timed_cpu(lambda: study.run(progress=False))

    runs = {"1 worker (n_jobs=1)":
            lambda: timed_cpu(lambda: study.run(n_jobs=1, progress=False)),
            "2 workers, loky":
            lambda: timed_cpu(lambda: study.run(n_jobs=N_WORKERS, progress=False)),
            "2 workers, dask LocalCluster": run_dask,
            DASK_DEFAULTS: lambda: run_dask(batch_settings=False)}
    times = {name: [] for name in runs}
    cpus = {name: [] for name in runs}
    results = {}
    for r in range(cfg["repeats"]):  # round-robin
        for name, fn in runs.items():
            t, cpu, results[name] = fn()
            times[name].append(t)
            cpus[name].append(cpu)
        print(f"  round {r + 1}/{cfg['repeats']}: "
              + ", ".join(f"{name} {ts[-1]:.2f} s" for name, ts in times.items())
              + f" (load {load_string()})", flush=True)
    print()
    print("Start-up, excluded from the timed runs (small study: "
          f"{warm_study!r}); median over its occurrences")
    print_table(["step", "times", "wall [s]"],
                [[step, len(ts), f"{statistics.median(ts):.2f}"]
                 for step, ts in startup.items()])
    if idle and math.isfinite(idle[0]):
        print(f"an idle dask LocalCluster (scheduler in this process, {N_WORKERS} "
              f"workers) used {idle[0]:.3f} cores (CPU s per s)\n")

    # chunk_size="auto" as Study.run splits the work: the busier worker runs
    # the larger share of the chunks, a bound on the parallel efficiency.
    sizes = [len(c) for c in _balanced_chunks(list(range(total)), N_WORKERS)]
    busiest = sum(sorted(sizes, reverse=True)[::N_WORKERS])
    bound = (total / N_WORKERS) / busiest
    print(f"chunks at 2 workers: {len(sizes)} of {min(sizes)}-{max(sizes)} "
          f"repetitions; load balance alone bounds the parallel efficiency by "
          f"{bound:.3f}\n")

    base = total / statistics.median(times["1 worker (n_jobs=1)"])
    cpu_base = statistics.median(cpus["1 worker (n_jobs=1)"])
    rows, efficiency = [], {}
    for name, ts in times.items():
        med = statistics.median(ts)
        cpu = statistics.median(cpus[name])
        rate = total / med
        workers = 1 if name.startswith("1 ") else N_WORKERS
        speedup = rate / base
        eff = speedup / workers
        efficiency[name] = eff
        rows.append([name, f"{med:.2f}", " ".join(f"{t:.2f}" for t in ts),
                     f"{rate:.1f}", f"{speedup:.2f}", f"{eff:.2f}", f"{cpu:.2f}",
                     f"{cpu / med:.2f}", f"{cpu_base / cpu:.2f}"])
    print_table(["mode", "median wall [s]", "runs [s]", "reps/s", "speed-up",
                 "parallel efficiency", "CPU [s]", "cores busy",
                 "CPU(1) / CPU"], rows,
                title=f"Throughput ({total} repetitions per run, median of "
                      f"{cfg['repeats']})")
    print("CPU = user + system seconds of this process and all its descendants "
          "during a run (loky workers, dask nanny\nand worker processes; the dask "
          "scheduler runs in this process). cores busy = CPU / wall (at most 2).\n"
          "CPU(1) / CPU below 1 is extra work of a parallel run (IPC, pickling, "
          "scheduling); efficiency ~ (CPU(1) / CPU) x\n(cores busy / 2) / (cores busy "
          "of n_jobs=1): on a loaded machine a low 'cores busy' is CPU time the "
          "study did not get.\n")

    frames = {name: reproducible_frame(res) for name, res in results.items()}
    (ref_name, (ref, dropped)), *others = frames.items()
    same = all(frame.equals(ref) for _, (frame, _) in others)
    print(f"result tables identical across all modes: {'yes' if same else 'NO'}"
          f" ({ref.shape[0]} rows x {ref.shape[1]} columns compared exactly; "
          f"excluded: {', '.join(dropped) or 'none'})")
    summary = results[ref_name].summary()
    print("\nStudy summary (n_jobs=1 run):")
    print(summary)
    print()

    for name in ("2 workers, loky", "2 workers, dask LocalCluster"):
        eff = efficiency[name]
        targets.append((f"parallel efficiency at 2 workers, {name[11:]} >= "
                        f"{TARGET_EFFICIENCY:g}", f"{eff:.2f}",
                        eff >= TARGET_EFFICIENCY))
    targets.append(("result tables identical (n_jobs=1, loky, dask)",
                     "yes" if same else "no", same))


def section_overhead(cfg, targets, profile):
    n_reps = cfg["null_reps"]
    repeats = cfg["null_repeats"]
    null_study(50).run(n_jobs=1, progress=False)  # warm-up
    tmp = Path(tempfile.mkdtemp(prefix="bench_simulation_"))
    counter = iter(range(10**6))
    parquet_dirs = []

    def run(kind):
        study = null_study(n_reps)
        checkpoint = None if kind is None else tmp / f"run{next(counter)}.{kind}"
        if kind == "parquet":
            parquet_dirs.append(checkpoint)
        return study.run(n_jobs=1, progress=False, checkpoint=checkpoint)

    times = {None: [], "csv": [], "parquet": []}
    for _ in range(repeats):  # round-robin
        for kind in times:
            t, _ = timed(lambda kind=kind: run(kind))
            times[kind].append(t)
    n_parts = len(list(parquet_dirs[-1].glob("part-*.parquet")))
    med = {kind: statistics.median(ts) for kind, ts in times.items()}
    base = med[None] / n_reps
    rows = [["no checkpoint", f"{med[None]:.2f}", f"{1e3 * base:.3f}", "-"]]
    for kind in ("csv", "parquet"):
        per = med[kind] / n_reps
        rows.append([f"{kind.upper()} checkpoint", f"{med[kind]:.2f}",
                     f"{1e3 * per:.3f}", f"{1e3 * (per - base):.3f}"])
    print_table(["engine overhead (n_jobs=1)", "median wall [s]", "per rep [ms]",
                 "checkpoint cost per rep [ms]"], rows,
                title=f"Engine overhead: a DGM and a method that do nothing, "
                      f"metric l2_error, {n_reps} repetitions, median of {repeats}; "
                      f"{n_parts} chunks written per checkpoint")
    for path in tmp.rglob("*"):
        if path.is_file():
            path.unlink()
    for path in sorted(tmp.rglob("*"), reverse=True):
        path.rmdir()
    tmp.rmdir()

    targets.append((f"engine overhead per repetition < {1e3 * TARGET_OVERHEAD_S:g} ms",
                    f"{1e3 * base:.3f} ms", base < TARGET_OVERHEAD_S))

    if profile:
        profiler = cProfile.Profile()
        study = null_study(n_reps)
        profiler.enable()
        study.run(n_jobs=1, progress=False)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats("tottime")
        stats.print_stats(20)
        print(f"cProfile of the overhead study ({n_reps} repetitions), top 20 by "
              "own time (profiling inflates the times):")
        print(out.getvalue())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small studies, 2 repeats: a smoke run")
    parser.add_argument("--profile", action="store_true",
                        help="also print a cProfile of the engine-overhead study")
    args = parser.parse_args(argv)
    cfg = SIZES["quick" if args.quick else "full"]
    warnings.simplefilter("ignore")

    t_start = time.perf_counter()
    print("sktransfer simulation-engine benchmark" + (" [--quick]" if args.quick
                                                      else ""))
    print(f"machine: {machine_string()}")
    print(f"load average at start: {load_string()}")
    print("versions: " + ", ".join(versions(
        ["sktransfer", "numpy", "sklearn", "numba", "pandas", "joblib", "dask",
         "distributed", "pyarrow"])))
    print("reps/s = repetitions per second of wall time (Study.run end to end); "
          "speed-up vs n_jobs=1;\nparallel efficiency = (reps/s with 2 workers) / "
          "(2 x reps/s with 1); worker start-up excluded (reported separately).\n")

    targets = []
    section_throughput(cfg, targets)
    section_overhead(cfg, targets, args.profile)

    print("Targets")
    print_targets(targets, t_start)
    return 0


if __name__ == "__main__":
    sys.exit(main())
