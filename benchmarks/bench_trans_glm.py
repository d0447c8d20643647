"""Benchmark Trans-GLM (auto detection) against a target-only scikit-learn Lasso.

Run with ``make bench`` or ``.venv/bin/python benchmarks/bench_trans_glm.py``
(``--quick`` shrinks the problems and the repetitions for a smoke run). This
is a script, not a test: it prints plain-text tables and a PASS/FAIL summary
of the performance target, all computed from measurements taken in this run.

Protocol:

* data: :func:`sktransfer.datasets.make_glm_transfer` with its defaults
  (``p = 500``, ``K = 5`` sources, ``n_target = 200``, ``n_source = 100``,
  ``h = 5``, ``s = 5``), gaussian and binomial, with all 5 or 3 of the 5
  sources transferable; one fresh data set (seed) per repetition, the same
  data set for every method of a repetition;
* methods, each with its defaults unless stated:

  - ``TransGLM auto``: :class:`~sktransfer.linear_model.TransGLMRegressor`
    or :class:`~sktransfer.linear_model.TransGLMClassifier` with
    ``transfer_sources="auto"`` (detection: 3 target folds x (K + 1) fits,
    each with its own 10-fold CV of the penalty; then the two CV-tuned final
    fits), timed with ``n_jobs=1`` and with ``n_jobs=2``;
  - ``TransGLM target-only`` (info): ``transfer_sources=None``, the debiasing
    step alone on the target (10-fold CV, ``lambda_min``);
  - the scikit-learn peer on the target rows: ``LassoCV(cv=10)`` (gaussian)
    or ``LogisticRegressionCV(Cs=20, l1_ratios=(1.0,), solver="liblinear",
    cv=10, scoring="neg_log_loss")`` (binomial; ``saga`` is ~20x slower
    here);

* timing: one untimed warm-up fit of every method first (Numba compilation
  and first-touch effects excluded); then in each repetition the methods are
  run round-robin on the same data, each fit timed once with
  ``time.perf_counter()``; the reported time is the median over repetitions.
  BLAS is limited to one thread (threadpoolctl) for every method, so that
  ``n_jobs=2`` is the only parallelism;
* accuracy: the median over repetitions of ``||β̂ - β||₂`` against the
  simulator's true target coefficients (intercepts excluded); for auto
  detection also the fraction of repetitions whose selected set equals the
  true transferable set;
* ``ratio = method time / peer time`` (the peer of the same family and
  design): below 1 means the method is faster. Trans-GLM does far more work
  than the peer (it uses the sources and detects them), so the ratio prices
  the transfer rather than comparing like with like.

Target: "a full auto-detection fit, including all its cross-validation, in
under 1 s on 2 cores", checked on the median ``n_jobs=2`` time of each design.
"""

import argparse
import gc
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from _common import (  # noqa: E402
    fmt_time,
    load_string,
    machine_string,
    print_table,
    print_targets,
    versions,
)
from sklearn.linear_model import LassoCV, LogisticRegressionCV  # noqa: E402

from sktransfer.datasets import make_glm_transfer  # noqa: E402
from sktransfer.linear_model import (  # noqa: E402
    TransGLMClassifier,
    TransGLMRegressor,
)

TARGET_SECONDS = 1.0

SIZES = {
    "full": dict(n_features=500, n_reps=10),
    "quick": dict(n_features=200, n_reps=3),
}


def trans_glm(family, **params):
    if family == "binomial":
        return TransGLMClassifier(**params)
    return TransGLMRegressor(family=family, **params)


def peer(family, seed):
    if family == "gaussian":
        return LassoCV(cv=10, random_state=seed)
    return LogisticRegressionCV(Cs=20, l1_ratios=(1.0,), solver="liblinear", cv=10,
                                scoring="neg_log_loss", max_iter=1000,
                                use_legacy_attributes=False, random_state=seed)


METHODS = ("TransGLM auto n_jobs=1", "TransGLM auto n_jobs=2",
           "TransGLM target-only (info)", "sklearn peer")


def run_method(name, family, data, seed):
    """Fit ``name`` on ``data``; return (seconds, coef, selected or None)."""
    if name.startswith("sklearn"):
        rows = data.sample_domain < 0
        est = peer(family, seed)
        gc.collect()
        t0 = time.perf_counter()
        est.fit(data.X[rows], data.y[rows])
        elapsed = time.perf_counter() - t0
        return elapsed, np.ravel(est.coef_), None
    if "target-only" in name:
        est = trans_glm(family, transfer_sources=None, random_state=seed)
    else:
        n_jobs = 2 if name.endswith("n_jobs=2") else 1
        est = trans_glm(family, transfer_sources="auto", n_jobs=n_jobs,
                        random_state=seed)
    gc.collect()
    t0 = time.perf_counter()
    est.fit(data.X, data.y, sample_domain=data.sample_domain)
    elapsed = time.perf_counter() - t0
    selected = None
    if est.source_losses_ is not None:
        selected = est.selected_sources_.tolist()
    return elapsed, est.coef_, selected


def bench_design(family, n_transferable, cfg):
    """Repetitions of one (family, n_transferable) design: per-method records."""
    records = {name: dict(times=[], errors=[], hits=[]) for name in METHODS}
    for rep in range(cfg["n_reps"]):
        seed = 1000 * n_transferable + rep
        data = make_glm_transfer(family, n_features=cfg["n_features"],
                                 n_transferable=n_transferable, random_state=seed)
        truth = (np.flatnonzero(data.transferable) + 1).tolist()
        for name in METHODS:  # round-robin on the same data set
            elapsed, coef, selected = run_method(name, family, data, seed)
            rec = records[name]
            rec["times"].append(elapsed)
            rec["errors"].append(float(np.linalg.norm(coef - data.coef)))
            if selected is not None:
                rec["hits"].append(selected == truth)
    return records


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="p = 200 and 3 repetitions: a smoke run")
    args = parser.parse_args(argv)
    cfg = SIZES["quick" if args.quick else "full"]
    warnings.simplefilter("ignore")  # peers' convergence warnings at small alphas

    t_start = time.perf_counter()
    print("sktransfer Trans-GLM benchmark" + (" [--quick]" if args.quick else ""))
    print(f"machine: {machine_string()}")
    print(f"load average at start: {load_string()}")
    print("versions: " + ", ".join(versions(
        ["sktransfer", "numpy", "scipy", "sklearn", "numba", "threadpoolctl"])))
    print(f"data: make_glm_transfer defaults, p={cfg['n_features']}, K=5, "
          f"n_target=200, n_source=100, h=5; {cfg['n_reps']} repetitions per "
          f"design (one data set each)")
    print("time = median over repetitions of one timed fit (after a warm-up); "
          "BLAS limited to 1 thread;\nerror = median ||coef - beta||_2; "
          "ratio = method time / sklearn peer time (< 1: faster)\n")

    targets = []
    with threadpool_limits(limits=1):
        for family in ("gaussian", "binomial"):  # warm-up: compile, first touch
            data = make_glm_transfer(family, n_features=cfg["n_features"],
                                     random_state=12345)
            for name in METHODS:
                run_method(name, family, data, 0)
        rows = []
        for family in ("gaussian", "binomial"):
            peer_name = "LassoCV" if family == "gaussian" else (
                "LogisticRegressionCV l1 liblinear")
            for n_transferable in (5, 3):
                records = bench_design(family, n_transferable, cfg)
                med = {name: statistics.median(rec["times"])
                       for name, rec in records.items()}
                t_peer = med["sklearn peer"]
                for name in METHODS:
                    rec = records[name]
                    label = f"sklearn {peer_name}" if name == "sklearn peer" else name
                    hits = (f"{np.mean(rec['hits']):.2f}" if rec["hits"] else "")
                    rows.append([family, f"{n_transferable}/5", label,
                                 fmt_time(med[name]),
                                 f"{statistics.median(rec['errors']):.4f}",
                                 f"{med[name] / t_peer:.2f}", hits])
                speedup = med["TransGLM auto n_jobs=1"] / med["TransGLM auto n_jobs=2"]
                rows.append([family, f"{n_transferable}/5",
                             "  (n_jobs=1 / n_jobs=2 time)", f"{speedup:.2f}x",
                             "", "", ""])
                t2 = med["TransGLM auto n_jobs=2"]
                targets.append((f"{family}, {n_transferable}/5 transferable: auto "
                                f"fit (n_jobs=2) < {TARGET_SECONDS:g} s",
                                f"{t2:.3f} s", t2 < TARGET_SECONDS))
                print(f"  done: {family}, {n_transferable}/5 transferable "
                      f"({time.perf_counter() - t_start:.0f} s elapsed, load "
                      f"{load_string()})", flush=True)
        print()
        print_table(["family", "transferable", "method", "median fit [s]",
                     "median l2 error", "ratio vs peer", "exact detection"], rows)

    print("Targets")
    print_targets(targets, t_start)
    return 0


if __name__ == "__main__":
    sys.exit(main())
