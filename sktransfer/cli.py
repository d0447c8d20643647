"""The ``sktransfer`` command.

``sktransfer demo`` runs small simulation studies and writes their tables
and figures into a directory. Each study is one small set of functions
(``run_*``, ``summarize_*``, ``format_*``, ``plot_*``) so that later
studies plug into :func:`_cmd_demo` the same way.
"""

import argparse
import os
import sys
import tempfile
import warnings
from dataclasses import asdict, dataclass

import numpy as np

# Method labels, in table and legend order.
LASSO_REFIT = "Lasso (refit)"
LASSO_POOLED = "Lasso (pooled)"
TRANSFER_LASSO = "Transfer Lasso"
METHODS = (LASSO_REFIT, LASSO_POOLED, TRANSFER_LASSO)

_TABLE_FILE = "concept_drift_table.txt"
_RESULTS_FILE = "concept_drift_results.csv"
_FIGURE_FILE = "concept_drift_error.png"


# ---------------------------------------------------------------------------
# Study: concept drift (in the spirit of Takada & Fujisawa, 2020)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ConceptDriftConfig:
    """Sizes and tuning of the concept-drift study.

    The data are :func:`sktransfer.datasets.make_concept_drift`; every
    estimator is a :class:`~sktransfer.linear_model.TransferLassoCV` with
    the same ``alpha`` grid (``n_alphas`` values from the exact
    ``alpha_max`` down to ``eps · alpha_max``) and the same shuffled
    ``cv``-fold split, so the methods differ only in what they fit on and
    in the source estimate.

    ``eps=1e-2`` is glmnet's path length for ``n < p`` (20 values: a ratio
    of 1.27 between neighbours); ``tol=1e-3`` (on the
    relative duality gap) changes the estimates far less than their
    statistical error and makes the demo a quarter faster. The Transfer Lasso
    chooses ``l1_ratio`` from ``transfer_l1_ratios``; ``1.0`` is there so
    that it can fall back to the Lasso. In pilot runs of this design the
    paper's grid ``(0, 0.25, 0.5, 0.75, 1)`` and ``(0.25, 0.5, 1)`` gave the
    same estimation error as ``(0.5, 1)`` (within Monte-Carlo error) at
    2.5 and 1.4 times the cost, so the demo uses the smaller grid.
    """

    n_reps: int = 5
    n_periods: int = 10
    n_samples_per_period: int = 50
    n_features: int = 200
    n_informative: int = 10
    n_drift: int = 2
    drift_scale: float = 0.5
    noise: float = 1.0
    n_test: int = 500
    n_alphas: int = 20
    eps: float = 1e-2
    cv: int = 5
    tol: float = 1e-3
    transfer_l1_ratios: tuple = (0.5, 1.0)


def run_concept_drift(config, seed=0, n_jobs=1):
    """Run the concept-drift study; return a tidy ``pandas.DataFrame``.

    In each repetition a fresh :func:`~sktransfer.datasets.make_concept_drift`
    sequence is drawn. In every period ``t`` three estimates of
    :math:`\\beta^{(t)}` are fitted:

    * ``Lasso (refit)``: the Lasso on period ``t``'s rows only
      (``TransferLassoCV(l1_ratio=1.0)``);
    * ``Lasso (pooled)``: the Lasso on the rows of periods ``0..t`` pooled;
    * ``Transfer Lasso``: ``TransferLassoCV`` on period ``t``'s rows with
      ``source_coef`` the previous period's Transfer Lasso estimate and
      ``l1_ratio`` chosen from ``config.transfer_l1_ratios``; in period 0
      there is no source and it is the refit Lasso.

    Parameters
    ----------
    config : ConceptDriftConfig
        Sizes and tuning.
    seed : int, default=0
        Seed of :class:`numpy.random.SeedSequence`; repetition ``r`` uses its
        ``r``-th spawned child, so results do not depend on ``n_jobs``.
    n_jobs : int, default=1
        Repetitions run in parallel with :class:`joblib.Parallel`.

    Returns
    -------
    results : pandas.DataFrame
        One row per (repetition, period, method) with columns ``rep``,
        ``period``, ``method``, ``l2_error`` (:math:`\\|\\hat\\beta -
        \\beta^{(t)}\\|_2`), ``tpr`` and ``fpr`` (support recovery: share of
        the true support, and of the true zeros, that the estimate has
        non-zero), ``test_mse`` (mean squared prediction error on
        ``config.n_test`` fresh rows of period ``t``; the noise floor is
        ``noise**2``) and ``l1_ratio`` (the selected one).
    """
    import pandas as pd
    from joblib import Parallel, delayed

    children = np.random.SeedSequence(seed).spawn(config.n_reps)
    if n_jobs is not None and n_jobs != 1:
        # Compile (or load) the kernels here first, so that the workers
        # load them from Numba's on-disk cache instead of all compiling.
        _warm_kernels()
    rows = Parallel(n_jobs=n_jobs)(
        delayed(_concept_drift_rep)(config, rep, child)
        for rep, child in enumerate(children)
    )
    return pd.DataFrame([row for rep_rows in rows for row in rep_rows])


def _warm_kernels():
    """Run a tiny dense float64 fit: compiles the solver kernels once."""
    from .linear_model import TransferLasso

    rng = np.random.default_rng(0)
    X = rng.standard_normal((10, 3))
    TransferLasso(alpha=0.01, source_coef=np.ones(3)).fit(X, X[:, 0])


def _concept_drift_rep(config, rep, seed_seq):
    """One repetition of the concept-drift study: a list of result rows."""
    from sklearn.model_selection import KFold

    from .datasets import make_concept_drift
    from .linear_model import TransferLassoCV

    data_seed, test_seed, cv_seed = seed_seq.spawn(3)
    data = make_concept_drift(
        n_periods=config.n_periods,
        n_samples_per_period=config.n_samples_per_period,
        n_features=config.n_features,
        n_informative=config.n_informative,
        n_drift=config.n_drift,
        drift_scale=config.drift_scale,
        noise=config.noise,
        random_state=np.random.default_rng(data_seed),
    )
    test_rng = np.random.default_rng(test_seed)
    cv = KFold(config.cv, shuffle=True,
               random_state=int(cv_seed.generate_state(1)[0]))

    def lasso_cv(l1_ratio=1.0, source_coef=None):
        return TransferLassoCV(
            l1_ratio=l1_ratio, source_coef=source_coef,
            n_alphas=config.n_alphas, eps=config.eps, cv=cv, tol=config.tol,
        )

    rows = []
    previous = None
    for t in range(config.n_periods):
        now, so_far = data.period == t, data.period <= t
        X, y = data.X[now], data.y[now]
        refit = lasso_cv().fit(X, y)
        if t == 0:
            pooled = transfer = refit
        else:
            pooled = lasso_cv().fit(data.X[so_far], data.y[so_far])
            transfer = lasso_cv(config.transfer_l1_ratios, previous).fit(X, y)
        previous = transfer.coef_

        beta = data.coefs[t]
        X_test = test_rng.standard_normal((config.n_test, config.n_features))
        y_test = X_test @ beta + config.noise * test_rng.standard_normal(
            config.n_test
        )
        for method, est in zip(METHODS, (refit, pooled, transfer)):
            rows.append(dict(
                rep=rep, period=t, method=method,
                l2_error=float(np.linalg.norm(est.coef_ - beta)),
                **_support_rates(est.coef_, beta),
                test_mse=float(np.mean((est.predict(X_test) - y_test) ** 2)),
                l1_ratio=float(est.l1_ratio_),
            ))
    return rows


def _support_rates(coef, beta):
    """True- and false-positive rates of ``coef != 0`` for ``beta != 0``."""
    found, true = coef != 0, beta != 0
    tpr = found[true].mean() if true.any() else np.nan
    fpr = found[~true].mean() if (~true).any() else np.nan
    return dict(tpr=float(tpr), fpr=float(fpr))


_METRICS = (
    ("l2_error", "l2 error"),
    ("tpr", "TPR"),
    ("fpr", "FPR"),
    ("test_mse", "test MSE"),
)


def summarize_concept_drift(results):
    """Mean and Monte-Carlo standard error of each metric, per method.

    Each repetition's metrics are first averaged over periods ``1, 2, ...``
    (period 0 is the same Lasso fit for every method); the mean and the
    standard error (``std / sqrt(n_reps)``) are then taken across
    repetitions, which are independent. ``diff_l2_error`` is the paired
    difference of ``l2_error`` against ``Lasso (refit)``.

    Returns
    -------
    summary : pandas.DataFrame
        Indexed by method, with columns ``<metric>`` and ``<metric>_se``.
    """
    import pandas as pd

    later = results[results["period"] > 0]
    if later.empty:  # a single period: report it
        later = results
    metrics = [name for name, _ in _METRICS]
    per_rep = later.groupby(["method", "rep"])[metrics].mean()
    baseline = per_rep.loc[LASSO_REFIT, "l2_error"]
    per_rep["diff_l2_error"] = (
        per_rep["l2_error"] - baseline.reindex(
            per_rep.index.get_level_values("rep")).to_numpy()
    )
    grouped = per_rep.groupby(level="method")
    n_reps = grouped.size()
    mean = grouped.mean()
    se = grouped.std(ddof=1).div(np.sqrt(n_reps), axis=0)
    summary = pd.concat([mean, se.add_suffix("_se")], axis=1)
    summary["n_reps"] = n_reps
    return summary.reindex([m for m in METHODS if m in summary.index])


def format_concept_drift(results, config):
    """The study's summary as a plain-text table with a short header.

    The table is :func:`summarize_concept_drift` of ``results``; a last line
    counts the ``l1_ratio`` values the Transfer Lasso selected.
    """
    summary = summarize_concept_drift(results)
    n_reps = int(summary["n_reps"].iloc[0])
    if config.n_periods > 1:
        periods = f"periods 1-{config.n_periods - 1}"
        note = " (period 0 is left out: all three are the same Lasso fit there)"
    else:
        periods, note = "period 0", ""
    lines = [
        "Concept drift: Lasso refit per period vs pooled Lasso vs Transfer "
        "Lasso",
        f"  {config.n_periods} periods x {config.n_samples_per_period} "
        f"samples, p={config.n_features}, {config.n_informative} non-zeros, "
        f"{config.n_drift} coordinates drift per period "
        f"(drift_scale={config.drift_scale:g}), noise sd={config.noise:g}",
        f"  mean over {periods} and {n_reps} repetitions +/- Monte-Carlo "
        f"s.e.{note}",
        f"  test MSE on {config.n_test} fresh rows per period (noise floor "
        f"{config.noise**2:g}); l2 vs refit: paired difference in l2 error",
        "",
    ]
    header = ["method", *(label for _, label in _METRICS), "l2 vs refit"]
    body = []
    for method, row in summary.iterrows():
        cells = [method]
        for name, _ in _METRICS:
            digits = 3 if name in ("tpr", "fpr") else 2
            cells.append(f"{row[name]:.{digits}f} +/- {row[name + '_se']:.{digits}f}")
        if method == LASSO_REFIT:
            cells.append("-")
        else:
            cells.append(
                f"{row['diff_l2_error']:+.2f} +/- {row['diff_l2_error_se']:.2f}"
            )
        body.append(cells)
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

    def fmt(cells):
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    lines += [fmt(header), fmt(["-" * w for w in widths])]
    lines += [fmt(cells) for cells in body]
    chosen = results.loc[
        (results["method"] == TRANSFER_LASSO) & (results["period"] > 0),
        "l1_ratio",
    ].value_counts().sort_index()
    if len(chosen):
        counts = ", ".join(f"{ratio:g} in {n}" for ratio, n in chosen.items())
        lines += ["", f"Transfer Lasso l1_ratio chosen by CV from "
                      f"{tuple(config.transfer_l1_ratios)}: {counts} of "
                      f"{chosen.sum()} fits"]
    return "\n".join(lines) + "\n"


def plot_concept_drift(results, config):
    """Estimation error against period, per method, with Monte-Carlo s.e. bars.

    Returns a :class:`matplotlib.figure.Figure` drawn on an Agg canvas; the
    global matplotlib backend is left alone and nothing is shown.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    stats = results.groupby(["method", "period"])["l2_error"].agg(
        ["mean", "std", "count"]
    )
    fig = Figure(figsize=(7, 4.5), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    offsets = np.linspace(-0.12, 0.12, len(METHODS))
    for offset, method in zip(offsets, METHODS):
        s = stats.loc[method]
        se = s["std"].fillna(0.0) / np.sqrt(s["count"])
        ax.errorbar(s.index + offset, s["mean"], yerr=se, marker="o",
                    capsize=3, label=method)
    ax.set_xlabel("period")
    ax.set_ylabel(r"estimation error $\|\hat\beta - \beta^{(t)}\|_2$")
    ax.set_title(
        f"Concept drift: {config.n_drift} of {config.n_features} coefficients "
        f"change per period\n(n={config.n_samples_per_period} per period, "
        f"mean \u00b1 Monte-Carlo s.e. over {config.n_reps} repetitions)",
        fontsize=10,
    )
    ax.set_xticks(range(config.n_periods))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


# ---------------------------------------------------------------------------
# Output helpers
# ---------------------------------------------------------------------------


class _AtomicOutputs:
    """Stage files next to their targets, then move them all into place.

    Each file is written to a temporary file in the target directory;
    :meth:`commit` renames every staged file over its target with
    :func:`os.replace` (atomic on POSIX). If anything fails before
    :meth:`commit`, the temporary files are removed and existing outputs
    are left untouched.
    """

    def __init__(self, directory):
        self.directory = directory
        self._staged = []

    def stage(self, name, write):
        """Stage ``name``; ``write(path)`` writes the content to ``path``."""
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp",
                                   dir=self.directory)
        os.close(fd)
        self._staged.append((tmp, os.path.join(self.directory, name)))
        # mkstemp creates the file private (0600); give it the permissions
        # a plain open() would have.
        os.chmod(tmp, 0o666 & ~_umask())
        write(tmp)

    def commit(self):
        """Move every staged file into place; return the final paths."""
        paths = []
        for tmp, final in self._staged:
            os.replace(tmp, final)
            paths.append(final)
        self._staged = []
        return paths

    def discard(self):
        """Remove the staged temporary files."""
        for tmp, _ in self._staged:
            try:
                os.remove(tmp)
            except FileNotFoundError:
                pass
        self._staged = []


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_text(text):
    def write(path):
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    return write


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def _int_at_least(minimum):
    """An argparse ``type`` accepting integers ``>= minimum``."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected an integer, got {text!r}"
            ) from None
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"expected an integer >= {minimum}, got {value}"
            )
        return value

    return parse


def _build_parser():
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="sktransfer",
        description="Statistical transfer learning in the scikit-learn style.",
    )
    parser.add_argument("--version", action="version",
                        version=f"sktransfer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    defaults = ConceptDriftConfig()
    demo = sub.add_parser(
        "demo",
        help="run the concept-drift simulation study and write its table and "
             "figure",
        description=(
            "Concept-drift study in the spirit of Takada & Fujisawa (2020): "
            "data arrive in periods, a few true coefficients change between "
            "periods, and each period's model is fitted on that period's "
            "small sample. Compares the Lasso refitted on each period, the "
            "Lasso on all periods so far, and the Transfer Lasso with the "
            "previous period's estimate as source. Prints a table and writes "
            f"{_TABLE_FILE}, {_RESULTS_FILE} and {_FIGURE_FILE} into --out."
        ),
    )
    demo.add_argument("--out", default="demo_output", metavar="DIR",
                      help="output directory (created if needed; default: "
                           "%(default)s)")
    demo.add_argument("--seed", type=_int_at_least(0), default=0,
                      help="seed of the Monte-Carlo repetitions (default: "
                           "%(default)s)")
    demo.add_argument("--quiet", action="store_true",
                      help="print only the paths written")
    demo.add_argument("--n-reps", type=_int_at_least(2),
                      default=defaults.n_reps,
                      help="Monte-Carlo repetitions, at least 2 (default: "
                           "%(default)s)")
    demo.add_argument("--n-periods", type=_int_at_least(1),
                      default=defaults.n_periods,
                      help="periods per repetition (default: %(default)s)")
    demo.add_argument("--n-samples", type=_int_at_least(10),
                      default=defaults.n_samples_per_period,
                      help="samples per period, at least 10 (default: "
                           "%(default)s)")
    demo.add_argument("--n-features", type=_int_at_least(2),
                      default=defaults.n_features,
                      help="number of features, at least 2 (default: "
                           "%(default)s)")
    demo.add_argument("--n-jobs", type=int, default=1,
                      help="repetitions run in parallel (joblib; default: "
                           "%(default)s)")
    return parser


def main(argv=None):
    """Entry point of the ``sktransfer`` command.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns
    -------
    status : int
        Exit status (0 on success).
    """
    args = _build_parser().parse_args(argv)
    if args.command == "demo":
        return _cmd_demo(args)
    raise AssertionError(f"unhandled command {args.command!r}")  # pragma: no cover


def _cmd_demo(args):
    """``sktransfer demo``: run every demo study, then write all outputs."""
    say = print if not args.quiet else (lambda *a, **k: None)
    os.makedirs(args.out, exist_ok=True)
    outputs = _AtomicOutputs(args.out)
    try:
        texts = [study(args, outputs, say) for study in _DEMO_STUDIES]
        paths = outputs.commit()
    except BaseException:
        outputs.discard()
        raise
    for text in texts:
        say()
        say(text)
    for path in paths:
        print(f"wrote {path}")
    return 0


def _demo_concept_drift(args, outputs, say):
    """The concept-drift study of ``sktransfer demo``.

    Runs the study, stages its table, tidy results and figure in
    ``outputs`` and returns the table to print.
    """
    defaults = ConceptDriftConfig()
    n_informative = min(defaults.n_informative, args.n_features // 2)
    config = ConceptDriftConfig(
        n_reps=args.n_reps,
        n_periods=args.n_periods,
        n_samples_per_period=args.n_samples,
        n_features=args.n_features,
        n_informative=n_informative,
        n_drift=min(defaults.n_drift, n_informative),
    )
    say(f"sktransfer demo: concept-drift study ({config.n_reps} repetitions "
        f"x {config.n_periods} periods)...", flush=True)
    with warnings.catch_warnings():
        # Show each solver warning once, not once per fit.
        warnings.simplefilter("once")
        results = run_concept_drift(config, seed=args.seed, n_jobs=args.n_jobs)
    table = format_concept_drift(results, config)
    settings = ", ".join(f"{k}={v}" for k, v in asdict(config).items())
    outputs.stage(_TABLE_FILE, _write_text(
        f"{table}\nseed={args.seed}; {settings}\n"
    ))
    outputs.stage(_RESULTS_FILE, lambda path: results.to_csv(path, index=False))
    fig = plot_concept_drift(results, config)
    outputs.stage(_FIGURE_FILE,
                  lambda path: fig.savefig(path, format="png", dpi=120))
    return table


# The studies ``sktransfer demo`` runs, in order: each takes (args, outputs,
# say), stages its files in ``outputs`` and returns the text to print.
_DEMO_STUDIES = (_demo_concept_drift,)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
