"""Monte-Carlo simulation studies in the ADEMP structure (Morris et al., 2019)."""

import functools
import hashlib
import json
import math
import numbers
import os
import threading
import warnings
from collections.abc import Mapping
from contextlib import contextmanager

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, effective_n_jobs

from ..utils._threads import single_thread
from ..utils._validation import check_int
from ._checkpoint import KEY_COLUMNS, TAIL_COLUMNS, Checkpoint, _dtype
from ._describe import describe_value
from ._dgm import as_dgm, check_data
from ._methods import _final_step, as_method
from ._metrics import get_metric
from ._result import StudyResult

# Columns of the per-repetition table and of the aggregate table
# (StudyResult.aggregate, StudySummary.to_frame): no parameter or metric may
# take these names.
RESERVED = {"dgm", "method", "rep", "cell", "method_index", "params", "error",
            "n_warnings", "metric", "estimate", "mcse", "n"}
DEFAULT_METRICS = ("l2_error", "l1_error", "tpr", "fpr", "fit_time")
_CHUNKS_PER_WORKER = 4
_MAX_CHUNK = 64


class Study:
    """A simulation study: data-generating mechanisms × methods × metrics.

    Every cell (a DGM at one point of its parameter grid) is simulated
    ``n_reps`` times; in each repetition one data set is drawn and every
    method is fitted to it (common random numbers, so methods are compared
    on the same data), and every metric is evaluated on every fit.

    Randomness follows DESIGN §6: repetition ``r`` of cell ``c`` uses the
    child ``SeedSequence(random_state).spawn(n_cells)[c].spawn(n_reps)[r]``
    (its spawn key is ``(c, r)``), whose first child draws the data and
    whose child ``1 + m`` seeds method ``m``. Results therefore do not
    depend on ``n_jobs``, the joblib backend or the order in which chunks
    finish, and adding repetitions or methods leaves the existing ones
    unchanged.

    Parameters
    ----------
    dgms : DGM, callable, or a list or dict of them
        Data-generating mechanisms (:class:`DGM`; a bare callable is a DGM
        with no grid). A dict maps names to DGMs.
    methods : estimator, callable, Method, or a list or dict of them
        Methods (:class:`Method`); a dict maps names to methods.
    metrics : list of str or Metric, default=None
        Performance measures (names: ``"l2_error"``, ``"l1_error"``,
        ``"prediction_error"``, ``"tpr"``, ``"fpr"``, ``"bias"``,
        ``"empirical_se"``, ``"rmse"``, ``"coverage"``,
        ``"interval_width"``, ``"fit_time"``). Default:
        ``["l2_error", "l1_error", "tpr", "fpr", "fit_time"]``.
    n_reps : int, default=100
        Repetitions per cell.
    random_state : int, SeedSequence or None, default=None
        Root of all randomness. ``None`` draws fresh entropy, which the
        result records (``StudyResult.entropy``) so the study can be rerun.
    on_error : {"raise", "record"}, default="raise"
        What an exception in a DGM, a fit or a metric does: stop the study
        (a ``RuntimeError`` naming the DGM, method and repetition), or
        record the message in the ``error`` column (metrics NaN), warn at
        the end and leave the repetition out of the aggregates. A DGM that
        returns no mapping with ``X`` and ``y`` raises ``TypeError`` or
        ``ValueError`` in either case.

    See Also
    --------
    StudyResult : What :meth:`run` returns.

    References
    ----------
    .. [1] T. P. Morris, I. R. White and M. J. Crowther. Using simulation
       studies to evaluate statistical methods. Statistics in Medicine
       38(11), 2019.

    Examples
    --------
    >>> from sklearn.linear_model import LassoCV
    >>> from sktransfer.datasets import make_trans_lasso_regression
    >>> from sktransfer.linear_model import TransLasso
    >>> from sktransfer.simulation import DGM, Method, Study
    >>> dgm = DGM(make_trans_lasso_regression, grid={"n_informative": [0, 2]},
    ...           params=dict(n_target=50, n_source=50, n_sources=2,
    ...                       n_features=30, n_nonzero=3, h=2))
    >>> study = Study(dgm, {"Lasso": Method(LassoCV(cv=3)), "Trans-Lasso":
    ...                     TransLasso(cv=3)}, metrics=["l2_error"], n_reps=2,
    ...               random_state=0)
    >>> result = study.run(progress=False)
    >>> result.to_frame().shape
    (8, 13)
    """

    def __init__(self, dgms, methods, metrics=None, n_reps=100, random_state=None,
                 *, on_error="raise"):
        self.dgms = _named(dgms, as_dgm, "dgms")
        self.methods = _named(methods, as_method, "methods")
        if metrics is None:
            metrics = DEFAULT_METRICS
        if isinstance(metrics, str) or not hasattr(metrics, "__iter__"):
            metrics = [metrics]
        self.metrics = [get_metric(m) for m in metrics]
        if not self.metrics:
            raise ValueError("metrics must name at least one metric.")
        names = [m.name for m in self.metrics]
        _check_unique(names, "metrics")
        clash = RESERVED.intersection(names)
        if clash:
            raise ValueError(f"metric names {sorted(clash)} are reserved columns.")
        self.n_reps = check_int(n_reps, "n_reps", 1)
        if random_state is not None and not isinstance(
                random_state, np.random.SeedSequence):
            random_state = check_int(random_state, "random_state", 0)
        self.random_state = random_state
        if on_error not in ("raise", "record"):
            raise ValueError(f"on_error must be 'raise' or 'record', got {on_error!r}.")
        self.on_error = on_error
        self.cells = [(dgm_index, point) for dgm_index, dgm in enumerate(self.dgms)
                      for point in dgm.points()]
        if not self.cells:
            raise ValueError("the DGMs' grids are empty: the study has no cells.")
        for _, point in self.cells:
            clash = RESERVED.union(names).intersection(point)
            if clash:
                raise ValueError(
                    f"DGM parameter names {sorted(clash)} clash with table columns."
                )
        for metric in self.metrics:
            for method in self.methods:
                # The final step of a Pipeline, as MethodOutput.conf_int reads it.
                final = _final_step(method.estimator) if method.is_estimator else None
                if "conf_int" in metric.needs and method.is_estimator and not hasattr(
                        final, "conf_int"):
                    raise ValueError(
                        f"metric {metric.name!r} needs conf_int, which method "
                        f"{method.name!r} ({type(final).__name__}) "
                        "does not have."
                    )

    # -- running -------------------------------------------------------------

    def run(self, n_jobs=None, progress=True, checkpoint=None, chunk_size="auto"):
        """Run every repetition of every cell; return a :class:`StudyResult`.

        Parameters
        ----------
        n_jobs : int, default=None
            Workers of :class:`joblib.Parallel` (``None``: the active
            :func:`joblib.parallel_config`, else 1; ``-1``: all cores). Any
            joblib backend works, e.g. a dask cluster through
            ``with joblib.parallel_config(backend="dask"):``. Inside each
            chunk BLAS and OpenMP are limited to one thread (threadpoolctl).
            sktransfer's Numba kernels are single-threaded; for methods with
            parallel Numba code, loky workers start with joblib's
            ``NUMBA_NUM_THREADS`` (cores // workers) and the local dask
            workers of :func:`dask_client` with one thread.
        progress : bool, default=True
            Show a progress bar (tqdm) when standard error is a terminal.
        checkpoint : str or Path, default=None
            A ``*.csv`` file or ``*.parquet`` directory to which finished
            chunks are appended as they arrive. If it already holds results
            of this study (same DGMs, methods, metrics and seed) only the
            missing repetitions are computed; the final table equals that of
            an uninterrupted run. A checkpoint of another study is refused.
            A study with ``random_state=None`` takes the seed stored in an
            existing checkpoint.
        chunk_size : int or "auto", default="auto"
            Repetitions per task; ``"auto"``: chunks of near-equal size, their
            number a multiple of the number of workers, at least four per
            worker and at most 64 repetitions each.

        Returns
        -------
        StudyResult
        """
        if n_jobs is not None:
            n_jobs = check_int(n_jobs, "n_jobs", None)
            if n_jobs == 0:
                raise ValueError("n_jobs must be a non-zero int or None, got 0.")
        if checkpoint is not None and not isinstance(checkpoint, str | os.PathLike):
            raise TypeError(
                "checkpoint must be a path (str or os.PathLike), got "
                f"{type(checkpoint).__name__}."
            )
        if chunk_size != "auto":
            chunk_size = check_int(chunk_size, "chunk_size", 1)
        if not isinstance(progress, bool | np.bool_):
            raise TypeError(f"progress must be a bool, got {progress!r}.")
        entropy = self._entropy()
        store, done_frame = None, None
        if checkpoint is not None:
            # Without a seed the study continues the checkpoint's own seed.
            meta = {"entropy": None if self.random_state is None else entropy,
                    "fingerprint": self.fingerprint(),
                    "metrics": [m.name for m in self.metrics]}
            store = Checkpoint(checkpoint, meta, new_entropy=entropy)
            entropy = store.entropy
            done_frame = self._complete_units(store.read())
        done = set()
        if done_frame is not None and not done_frame.empty:
            done = set(zip(done_frame["cell"], done_frame["rep"]))
        pending = [(c, r) for c in range(len(self.cells)) for r in range(self.n_reps)
                   if (c, r) not in done]
        frames = [] if done_frame is None or done_frame.empty else [done_frame]
        if pending:
            frames.extend(self._execute(pending, entropy, n_jobs, progress,
                                        chunk_size, store))
        raw = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        # One column order and dtypes whether rows were computed now or read
        # back from a checkpoint (CSV, Parquet, or an empty new one).
        raw = _normalise(raw, [m.name for m in self.metrics])
        raw = raw[raw["rep"] < self.n_reps]
        raw = raw.sort_values(["cell", "method_index", "rep"], kind="stable")
        result = StudyResult.from_raw(raw.reset_index(drop=True), self, entropy)
        failed = raw["error"] != ""
        if failed.any():
            warnings.warn(
                f"{int(failed.sum())} of {len(raw)} fits or their metrics failed; "
                "the failed values are NaN and left out of the aggregates (see the "
                "'error' column).", UserWarning, stacklevel=2,
            )
        values = raw.loc[~failed, [m.name for m in self.metrics]].to_numpy(float)
        n_bad = int(np.count_nonzero(~np.isfinite(values)))
        if n_bad:
            warnings.warn(
                f"{n_bad} metric values of successful fits are NaN or infinite; "
                "they are left out of the aggregates (see to_frame()).",
                UserWarning, stacklevel=2,
            )
        return result

    def _execute(self, pending, entropy, n_jobs, progress, chunk_size, store):
        n_workers = max(1, effective_n_jobs(n_jobs))
        if chunk_size == "auto":
            chunks = _balanced_chunks(pending, n_workers)
        else:
            chunks = [pending[i:i + chunk_size]
                      for i in range(0, len(pending), chunk_size)]
        spec = _Spec(self, entropy)
        bar = _progress_bar(len(pending), progress)
        frames = []
        # BLAS's thread count is process-wide and OpenBLAS ignores a restore
        # made from a worker thread: with the threading backend, the chunks'
        # own limits left BLAS at one thread after the study and let chunks
        # run with several while another restored. So the calling thread also
        # holds the limit, across all chunks, and restores it itself; worker
        # processes limit themselves in _run_chunk.
        try:
            with single_thread():
                parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
                for frame in parallel(delayed(_run_chunk)(spec, chunk)
                                      for chunk in chunks):
                    if store is not None:
                        store.append(frame)
                    frames.append(frame)
                    bar.update(frame["rep"].size // len(self.methods))
        finally:
            bar.close()
        return frames

    def _complete_units(self, frame):
        """Rows of repetitions whose every method row is on disk."""
        if frame.empty:
            return frame
        frame = frame[(frame["cell"] < len(self.cells))
                      & (frame["method_index"] < len(self.methods))]
        counts = frame.groupby(["cell", "rep"])["method_index"].transform("nunique")
        return frame[counts == len(self.methods)]

    def _entropy(self):
        if self.random_state is None:
            return int(np.random.SeedSequence().entropy)
        if isinstance(self.random_state, np.random.SeedSequence):
            return self.random_state.entropy
        return self.random_state

    def _spawn_key(self):
        """The root's spawn key: repetition keys extend it (empty for an int)."""
        if isinstance(self.random_state, np.random.SeedSequence):
            return tuple(self.random_state.spawn_key)
        return ()

    def fingerprint(self):
        """A hash of what determines the results (DGMs, cells, methods, metrics).

        ``n_reps`` is not part of it: a checkpoint can be extended with
        more repetitions.
        """
        description = {
            "dgms": [d.describe() for d in self.dgms],
            "cells": [[i, _stable_repr(p)] for i, p in self.cells],
            "methods": [m.describe() for m in self.methods],
            "metrics": [m.describe() for m in self.metrics],
            "spawn_key": list(self._spawn_key()),
            "on_error": self.on_error,
        }
        text = json.dumps(description, sort_keys=True, default=repr)
        return hashlib.sha256(text.encode()).hexdigest()

    def __repr__(self):
        return (f"Study({len(self.dgms)} DGMs, {len(self.cells)} cells, "
                f"{len(self.methods)} methods, {len(self.metrics)} metrics, "
                f"n_reps={self.n_reps})")


def _balanced_chunks(pending, n_workers):
    """Split ``pending`` into a multiple of ``n_workers`` chunks of near-equal size.

    At least ``_CHUNKS_PER_WORKER`` chunks per worker (so a slow chunk does
    not idle the others for long) and at most ``_MAX_CHUNK`` repetitions per
    chunk (so a checkpoint is written often); sizes differ by at most one, so
    every worker gets the same number of repetitions up to one chunk's worth.
    """
    n_chunks = max(_CHUNKS_PER_WORKER * n_workers,
                   math.ceil(len(pending) / _MAX_CHUNK))
    n_chunks = min(len(pending), math.ceil(n_chunks / n_workers) * n_workers)
    size, extra = divmod(len(pending), n_chunks)
    chunks, start = [], 0
    for i in range(n_chunks):
        stop = start + size + (i < extra)
        chunks.append(pending[start:stop])
        start = stop
    return chunks


class _Spec:
    """What a worker needs to run repetitions (pickled once per chunk)."""

    def __init__(self, study, entropy):
        self.dgms = study.dgms
        self.cells = study.cells
        self.methods = study.methods
        self.metrics = study.metrics
        self.on_error = study.on_error
        self.entropy = entropy
        self.spawn_key = study._spawn_key()


def _normalise(raw, metric_names):
    columns = KEY_COLUMNS + metric_names + TAIL_COLUMNS
    raw = raw[columns]
    return raw.astype({c: _dtype(c) for c in columns})


def _run_chunk(spec, chunk):
    """Run the repetitions ``chunk`` (a list of ``(cell, rep)``); a frame of rows."""
    rows = []
    with single_thread():
        for cell, rep in chunk:
            rows.extend(_run_unit(spec, cell, rep))
    frame = pd.DataFrame.from_records(rows)
    return frame


def _run_unit(spec, cell, rep):
    dgm_index, params = spec.cells[cell]
    dgm = spec.dgms[dgm_index]
    seed = np.random.SeedSequence(spec.entropy, spawn_key=spec.spawn_key + (cell, rep))
    children = seed.spawn(1 + len(spec.methods))
    base = {"cell": cell, "rep": rep, "dgm": dgm.name, "params": _stable_repr(params)}
    metric_names = [m.name for m in spec.metrics]
    try:
        data = dgm.draw(np.random.default_rng(children[0]), params)
    except Exception as exc:
        where = f"DGM {dgm.name!r} at {params} (repetition {rep})"
        message = _fail(spec, where, exc)
        return [_row(base, m, method, dict.fromkeys(metric_names, np.nan), message, 0)
                for m, method in enumerate(spec.methods)]
    # A DGM that returns no mapping with X and y is a bad argument of the
    # study, not a failed repetition: TypeError/ValueError whatever on_error.
    data = check_data(data, dgm.name)
    for metric in spec.metrics:  # a metric that cannot apply is a bad argument
        metric.check_data(data)
    rows = []
    for m, method in enumerate(spec.methods):
        values, messages, n_warn = dict.fromkeys(metric_names, np.nan), [], 0
        where = (f"method {method.name!r} on DGM {dgm.name!r} at {params} "
                 f"(repetition {rep})")
        with _counting_warnings() as caught:
            try:
                output = method.fit(data, np.random.default_rng(children[1 + m]))
            except Exception as exc:
                output = None
                messages.append(_fail(spec, where, exc))
            # each metric on its own: one that fails leaves the others
            for metric in spec.metrics if output is not None else ():
                try:
                    value = metric.evaluate(output, data)
                except Exception as exc:
                    messages.append(_fail(spec, f"metric {metric.name!r} of {where}",
                                          exc, prefix=f"{metric.name}: "))
                    continue
                values[metric.name] = _metric_value(value, metric)
        n_warn = caught[0]
        rows.append(_row(base, m, method, values, "; ".join(messages), n_warn))
    return rows


def _metric_value(value, metric):
    """A metric's per-repetition value as a float (a real scalar is required)."""
    item = np.asarray(value).item() if value is not None and np.ndim(value) == 0 \
        else value
    if isinstance(item, bool) or not isinstance(item, numbers.Real):
        raise TypeError(
            f"metric {metric.name!r} must return a real scalar per repetition, "
            f"got {type(value).__name__} {str(value)[:60]}."
        )
    return float(item)


_WARNINGS_LOCK = threading.Lock()
_warnings_hook = {"users": 0, "catcher": None}
_warnings_local = threading.local()


@contextmanager
def _counting_warnings():
    """Count (and silence) the warnings raised in this thread.

    ``warnings.catch_warnings`` swaps process-wide state and is not
    thread-safe: under the threading backend overlapping blocks credited
    warnings to the wrong fit and left a recording hook installed after the
    study, so later warnings vanished. Here one hook (filter ``"always"``)
    is installed while any thread counts, and each warning is credited to
    the thread that raised it; other threads' warnings are shown as usual.
    """
    counts = [0]
    with _WARNINGS_LOCK:
        if _warnings_hook["users"] == 0:
            show = warnings.showwarning
            catcher = warnings.catch_warnings()
            catcher.__enter__()
            warnings.simplefilter("always")
            warnings.showwarning = functools.partial(_count_warning, show)
            _warnings_hook["catcher"] = catcher
        _warnings_hook["users"] += 1
    outer = getattr(_warnings_local, "counts", None)
    _warnings_local.counts = counts
    try:
        yield counts
    finally:
        _warnings_local.counts = outer
        with _WARNINGS_LOCK:
            _warnings_hook["users"] -= 1
            if _warnings_hook["users"] == 0:
                _warnings_hook["catcher"].__exit__(None, None, None)
                _warnings_hook["catcher"] = None


def _count_warning(show, message, category, filename, lineno, file=None,
                   line=None):
    counts = getattr(_warnings_local, "counts", None)
    if counts is None:
        show(message, category, filename, lineno, file, line)
    else:
        counts[0] += 1


def _row(base, m, method, values, error, n_warnings):
    return {**base, "method_index": m, "method": method.name, **values,
            "error": error, "n_warnings": n_warnings}


def _fail(spec, where, exc, prefix=""):
    """Raise (``on_error="raise"``) or return the one-line message to record."""
    message = f"{type(exc).__name__}: {exc}".replace("\n", " ").replace("\r", " ")
    message = message.rstrip(". ")
    if spec.on_error == "raise":
        raise RuntimeError(
            f"{where} failed: {message}. Pass on_error='record' to Study to record "
            "failures and go on."
        ) from exc
    return prefix + message


def _progress_bar(total, progress):
    if not progress:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="rep", desc="study", disable=None, leave=False)


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


def _named(objs, convert, what):
    """A list of named DGMs or methods from one object, a list or a dict."""
    if isinstance(objs, Mapping):
        items = [_rename(convert, obj, name) for name, obj in objs.items()]
    elif isinstance(objs, list | tuple):
        items = [convert(obj) for obj in objs]
    else:
        items = [convert(objs)]
    if not items:
        raise ValueError(f"{what} must not be empty.")
    _check_unique([item.name for item in items], what)
    return items


def _rename(convert, obj, name):
    if not isinstance(name, str) or not name:
        raise TypeError(f"names must be non-empty strings, got {name!r}.")
    return convert(obj).renamed(name)


def _check_unique(names, what):
    seen = set()
    for name in names:
        if name in seen:
            raise ValueError(
                f"{what} has two entries named {name!r}; give them distinct names "
                "(pass a dict)."
            )
        seen.add(name)


def _stable_repr(params):
    """Parameters as sorted-key JSON-like text, stable across processes."""
    def value(v):
        if isinstance(v, bool | np.bool_):
            return bool(v)
        if isinstance(v, numbers.Integral):
            return int(v)
        if isinstance(v, numbers.Real):
            return float(v)
        if v is None or isinstance(v, str):
            return v
        if isinstance(v, list | tuple | np.ndarray):
            return [value(x) for x in v]
        return describe_value(v)
    return json.dumps({k: value(v) for k, v in params.items()}, sort_keys=True)

