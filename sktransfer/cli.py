"""The ``sktransfer`` command.

``sktransfer simulate STUDY.toml`` runs a simulation study described in a
study file (see :mod:`sktransfer.simulation._toml`) and writes its results,
a Markdown summary and one PNG per plotted metric. ``sktransfer demo`` is
``simulate`` on the study file shipped with the package
(``sktransfer/simulation/studies/demo.toml``). Every error ends the command
with a one-line message on standard error and a non-zero exit status: 2 for
bad arguments or an invalid study file, 1 for a failure while running, 130
when interrupted.
"""

import argparse
import os
import re
import sys
import tempfile
import warnings
from pathlib import Path

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

#: The demo study inside the package (``sktransfer demo`` runs it).
DEMO_STUDY = "demo.toml"

# ``sktransfer demo --quick``: the demo study shrunk to a few seconds (for
# tests of the command; the numbers it prints mean little).
_QUICK = {
    "study": {"n_reps": 2},
    "dgm": {"params": {"n_target": 40, "n_source": 40, "n_features": 30,
                       "n_nonzero": 3, "n_test": 50}},
    "method": {"params": {"cv": 3}},
}


class CommandError(Exception):
    """A failure to report as one line, with an exit status."""

    def __init__(self, message, status=EXIT_FAILURE):
        super().__init__(message)
        self.status = status


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
        self.directory = str(directory)
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


def _have_pyarrow():
    from importlib.util import find_spec

    return find_spec("pyarrow") is not None


def _figure_name(metric):
    """A file name for the plot of ``metric`` (``bias[0]`` → ``bias_0.png``)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", metric).strip("_") + ".png"


# ---------------------------------------------------------------------------
# Running a study file
# ---------------------------------------------------------------------------


def _results_format(spec):
    """``"parquet"`` or ``"csv"``: the file's choice, else parquet with pyarrow."""
    if spec.output_format == "csv":
        return "csv"
    if _have_pyarrow():
        return "parquet"
    if spec.output_format == "parquet":
        raise CommandError(
            f"{spec.path}: output.format = 'parquet' needs pyarrow: pip install "
            "pyarrow (or sktransfer[dist]), or set format = 'csv'."
        )
    return "csv"


def _run_study(study, *, n_jobs, backend, scheduler, checkpoint, progress):
    """``study.run`` on the loky or dask backend; warnings as one-liners."""
    from joblib import parallel_config

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if backend == "dask":
            from .simulation import dask_client

            try:
                if scheduler is not None:
                    client = dask_client(scheduler)
                else:
                    client = dask_client(
                        n_workers=n_jobs if n_jobs > 0 else None,
                        dashboard_address=None)
            except ImportError as exc:
                raise CommandError(str(exc)) from None
            with client, parallel_config(backend="dask"):
                result = study.run(n_jobs=n_jobs, progress=progress,
                                   checkpoint=checkpoint)
        else:
            with parallel_config(backend="loky"):
                result = study.run(n_jobs=n_jobs, progress=progress,
                                   checkpoint=checkpoint)
    seen = set()
    for w in caught:
        text = f"{w.category.__name__}: {w.message}".replace("\n", " ")
        if issubclass(w.category, UserWarning) and text not in seen:
            seen.add(text)
            print(f"sktransfer: warning: {text}", file=sys.stderr)
    return result


def _write_outputs(out, spec, result, fmt, *, copy_study=True):
    """Write results, summary.md, the plots (and the study file) into ``out``.

    Everything is staged under temporary names and moved into place only
    when all of it is written, so a failure leaves earlier outputs intact.
    Returns the paths written.
    """
    _use_agg()
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    outputs = _AtomicOutputs(out)
    frame = result.to_frame()
    summary = result.summary()
    figures = [(metric, _figure_name(metric)) for metric in spec.plot_metrics]
    try:
        if fmt == "parquet":
            outputs.stage("results.parquet",
                          lambda path: frame.to_parquet(path, index=False))
        else:
            outputs.stage("results.csv", lambda path: frame.to_csv(path, index=False))
        lines = [f"# {spec.title or 'Simulation study'}", "",
                 f"Study file: `{spec.path}`", "", summary.to_markdown()]
        lines += [f"![{metric}]({name})" for metric, name in figures]
        outputs.stage("summary.md", _write_text("\n".join(lines) + "\n"))
        for metric, name in figures:
            fig = result.plot(metric, x=spec.plot_x)
            try:
                outputs.stage(name, lambda path, fig=fig: fig.savefig(
                    path, format="png", dpi=120))
            finally:
                plt.close(fig)
        if copy_study:
            outputs.stage("study.toml", _write_text(spec.text))
        return outputs.commit()
    except BaseException:
        outputs.discard()
        raise


#: The list of the files the command wrote into an output directory.
MANIFEST = ".sktransfer-outputs.json"
_MANIFEST_TAG = "sktransfer-outputs"
# The names _write_outputs can write: a manifest never deletes anything else.
_OUTPUT_NAME = re.compile(r"results\.(parquet|csv)|summary\.md|study\.toml|"
                          r"[A-Za-z0-9_.-]+\.png")


def _remove_stale_outputs(out, paths):
    """Delete the outputs of an earlier run that this run did not rewrite.

    Only files listed in ``out``'s manifest (written by an earlier run of
    the command) are deleted; the manifest is then rewritten to list
    ``paths``, the files just written. Returns the paths deleted.
    """
    import json

    manifest = Path(out) / MANIFEST
    try:
        stored = json.loads(manifest.read_text(encoding="utf-8"))
        listed = stored["files"] if stored.get("format") == _MANIFEST_TAG else []
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        listed = []  # none, or not ours: delete nothing
    written = {Path(p).name for p in paths}
    removed = []
    for name in listed if isinstance(listed, list) else ():
        if (not isinstance(name, str) or name in written
                or _OUTPUT_NAME.fullmatch(name) is None):
            continue
        stale = Path(out) / name
        if stale.is_file() or stale.is_symlink():
            stale.unlink()
            removed.append(stale)
    outputs = _AtomicOutputs(out)
    try:
        outputs.stage(MANIFEST, _write_text(json.dumps(
            {"format": _MANIFEST_TAG, "files": sorted(written)}, indent=1) + "\n"))
        outputs.commit()
    except BaseException:
        outputs.discard()
        raise
    return removed


def _use_agg():
    """Draw off-screen, unless this process already chose a backend."""
    if "matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND"):
        import matplotlib

        matplotlib.use("Agg")


def _simulate(spec, out, fmt, *, n_jobs, backend="loky", scheduler=None,
              checkpoint=None, quiet=False, copy_study=True):
    """Run ``spec``, print its summary and write the outputs into ``out``.

    ``fmt`` is the results' format (:func:`_results_format`).
    """
    say = print if not quiet else (lambda *a, **k: None)
    study = spec.study
    say(f"running {study!r}", flush=True)
    try:
        result = _run_study(study, n_jobs=n_jobs, backend=backend,
                            scheduler=scheduler, checkpoint=checkpoint,
                            progress=not quiet)
    except KeyboardInterrupt:
        hint = (f"; rerun the same command to resume from {checkpoint}"
                if checkpoint is not None else "")
        raise CommandError(f"interrupted{hint}.", EXIT_INTERRUPTED) from None
    except RuntimeError as exc:
        if "on_error" not in str(exc):
            raise
        raise CommandError(_failure_message(str(exc))) from None
    paths = _write_outputs(out, spec, result, fmt, copy_study=copy_study)
    stale = _remove_stale_outputs(out, paths)
    say()
    if spec.title:
        say(spec.title)
    say(result.summary().as_text())
    say()
    for path in paths:
        print(f"wrote {path}")
    for path in stale:
        say(f"removed {path} (an output of an earlier run)")
    return result


# What the engine appends to a failure for Python users (``Study(...,
# on_error="record")``); a study file sets it differently.
_PYTHON_HINT = re.compile(r"\s*Pass on_error=.*\Z", re.DOTALL)


def _failure_message(message):
    """The one-line message for a study stopped by a failure.

    The engine's hint for Python users is dropped; a failing fit of a
    method (not a failing DGM) gets the study file's ``on_error`` hint
    instead. The message ends with exactly one period.
    """
    text = _PYTHON_HINT.sub("", message).rstrip().rstrip(".") + "."
    if text.startswith("method "):
        text += (' To record failing fits and go on, set on_error = "record" '
                 "under [study].")
    return text


def _cmd_simulate(args):
    from .simulation._toml import load_study

    if args.scheduler is not None and args.backend != "dask":
        raise CommandError("--scheduler needs --backend dask.", EXIT_USAGE)
    spec = load_study(args.study)
    fmt = _results_format(spec)  # before anything is deleted or run
    out = Path(args.out) if args.out is not None else Path(
        f"{Path(args.study).stem}_output")
    checkpoint = (Path(args.checkpoint) if args.checkpoint is not None
                  else out / f"checkpoint.{fmt}")
    if args.restart:
        _remove_checkpoint(checkpoint)
    try:
        _simulate(spec, out, fmt, n_jobs=args.n_jobs, backend=args.backend,
                  scheduler=args.scheduler, checkpoint=checkpoint, quiet=args.quiet)
    except ValueError as exc:
        if "checkpoint" in str(exc) and "different study" in str(exc):
            raise CommandError(f"{str(exc).rstrip('.')} (or pass --restart)."
                               ) from None
        raise
    return 0


def _remove_checkpoint(path):
    """Delete a checkpoint (CSV file or Parquet directory) and its metadata.

    Only a checkpoint is deleted: ``path`` (if it exists) must come with the
    metadata file ``PATH.meta.json`` that the engine writes, tagged as a
    study checkpoint; anything else is refused and left alone.
    """
    import json
    import shutil

    from .simulation._checkpoint import FORMAT_TAG

    meta = Path(str(path) + ".meta.json")
    if not path.exists() and not meta.exists():
        return
    try:
        tagged = json.loads(meta.read_text(encoding="utf-8")).get("format")
    except (OSError, ValueError, AttributeError):
        tagged = None
    if tagged != FORMAT_TAG:
        raise CommandError(
            f"--restart: {path} is not a study checkpoint (no {meta.name} "
            "written by sktransfer); not deleting it.", EXIT_USAGE)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    meta.unlink()


def demo_study_path():
    """The path of the demo study file shipped in the package."""
    from importlib.resources import files

    return files("sktransfer.simulation").joinpath("studies", DEMO_STUDY)


def _compile_kernels(study):
    """Fit every method of ``study`` once, here, on its first cell's data.

    The solvers' Numba kernels are compiled on first use and cached on disk;
    compiled once here, worker processes load them from the cache instead
    of each compiling them again (on a fresh install that is half a minute
    per process).
    """
    import numpy as np

    rng = np.random.default_rng(0)
    dgm_index, params = study.cells[0]
    data = study.dgms[dgm_index].sample(rng, params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for method in study.methods:
            method.fit(data, rng)


def _cmd_demo(args):
    from importlib.resources import as_file

    from .simulation._toml import load_study

    overrides = {}
    if args.quick:
        overrides.update(_QUICK)
    if args.n_reps is not None:
        overrides["study"] = {**overrides.get("study", {}), "n_reps": args.n_reps}
    with as_file(demo_study_path()) as path:
        spec = load_study(path, overrides=overrides or None)
        if not args.quiet:
            print(f"sktransfer demo: the study in {path} (copy it to start your "
                  "own: sktransfer simulate STUDY.toml)")
        if args.n_jobs != 1:
            _compile_kernels(load_study(path, overrides=_QUICK).study)
        # No checkpoint: every run of the demo computes afresh.
        _simulate(spec, Path(args.out), _results_format(spec), n_jobs=args.n_jobs,
                  quiet=args.quiet, copy_study=not overrides)
    return 0


_CONSTANT_OPTIONS = {"source": "c-source", "target": "c-target", "scale": "scale",
                     "source_weight": "source-weight"}


def _cmd_plan(args):
    """``sktransfer plan``: the sample-budget calculator."""
    from .planning import SampleBudgetPlanner

    constants = {key: value for key, value in (
        ("source", args.c_source), ("target", args.c_target),
        ("scale", args.scale), ("source_weight", args.source_weight))
        if value is not None}
    params = dict(rho=args.rho, beta_source=args.beta_source,
                  beta_target=args.beta_target, vc_dim=args.vc_dim,
                  gamma=args.gamma, smoothness=args.smoothness, margin=args.margin,
                  dim=args.dim)
    if args.plot is not None:
        if not args.plot.lower().endswith(".png"):
            raise CommandError(f"--plot must name a .png file, got {args.plot!r}",
                               EXIT_USAGE)
        folder = Path(args.plot).parent
        if not folder.is_dir() or not os.access(folder, os.W_OK):
            raise CommandError(f"--plot: cannot write into {str(folder)!r}",
                               EXIT_USAGE)
    try:
        planner = SampleBudgetPlanner(
            **params, cost_source=args.cost_source, cost_target=args.cost_target,
            model=args.model, constants=constants or None)
        plan = planner.plan(budget=args.budget, target_risk=args.target_risk)
    except (TypeError, ValueError) as exc:
        # the planner names its arguments; the command spells them as options
        message = re.sub(r"\b(rho|beta_source|beta_target|vc_dim|gamma|smoothness|"
                         r"margin|dim|cost_source|cost_target|budget|target_risk)\b",
                         lambda m: "--" + m.group(1).replace("_", "-"), str(exc))
        message = re.sub(r"constants\['(\w+)'\]",
                         lambda m: "--" + _CONSTANT_OPTIONS[m.group(1)], message)
        raise CommandError(message, EXIT_USAGE) from None
    print(plan.summary())
    if args.plot is not None:
        _use_agg()
        import matplotlib.pyplot as plt

        path = Path(args.plot)
        outputs = _AtomicOutputs(path.parent if str(path.parent) else ".")
        ax = plan.plot()
        try:
            outputs.stage(path.name, lambda target: ax.figure.savefig(
                target, format="png", dpi=120))
            outputs.commit()
        except BaseException:
            outputs.discard()
            raise
        finally:
            plt.close(ax.figure)
        print(f"wrote {path}")
    return 0


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


def _n_jobs(text):
    """An argparse ``type`` for ``--n-jobs``: -1 or an integer >= 1."""
    value = _int_at_least(-1)(text)
    if value == 0:
        raise argparse.ArgumentTypeError("expected -1 or an integer >= 1, got 0")
    return value


def _build_parser():
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="sktransfer",
        description="Statistical transfer learning in the scikit-learn style.",
    )
    parser.add_argument("--version", action="version",
                        version=f"sktransfer {__version__}")
    parser.add_argument("--traceback", action="store_true",
                        help="on an error, show the full Python traceback "
                             "instead of a one-line message")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    simulate = sub.add_parser(
        "simulate",
        help="run a simulation study described in a TOML file",
        description=(
            "Run the simulation study described in STUDY (a TOML file: "
            "[study] n_reps, seed, metrics; [[dgm]] name, params, grid; "
            "[[method]] name, params; optional [plot] and [output]) and write "
            "into DIR: results.parquet (or .csv), summary.md, one PNG per "
            "plotted metric and a copy of the study file. Finished repetitions "
            "stream to a checkpoint, so rerunning an interrupted command "
            "resumes it."
        ),
    )
    simulate.add_argument("study", metavar="STUDY", help="the study file (.toml)")
    simulate.add_argument("--out", metavar="DIR", default=None,
                          help="output directory (created if needed; default: "
                               "STUDY's name with '_output', in the current "
                               "directory)")
    simulate.add_argument("--n-jobs", type=_n_jobs, default=-1, metavar="N",
                          help="parallel workers (-1: all cores, or all dask "
                               "workers; default: %(default)s)")
    simulate.add_argument("--backend", choices=("loky", "dask"), default="loky",
                          help="joblib backend: local processes (loky) or a "
                               "dask cluster (default: %(default)s)")
    simulate.add_argument("--scheduler", metavar="ADDRESS", default=None,
                          help="dask scheduler to connect to (tcp://host:8786); "
                               "without it --backend dask starts a local "
                               "cluster of --n-jobs worker processes")
    simulate.add_argument("--checkpoint", metavar="PATH", default=None,
                          help="checkpoint (.csv file or .parquet directory) "
                               "that finished repetitions stream to (default: "
                               "DIR/checkpoint.parquet, or .csv without "
                               "pyarrow)")
    simulate.add_argument("--restart", action="store_true",
                          help="delete the checkpoint first (only a file or "
                               "directory with the checkpoint's .meta.json): "
                               "compute every repetition again")
    simulate.add_argument("--quiet", action="store_true",
                          help="print only the paths written")
    simulate.set_defaults(handler=_cmd_simulate)

    demo = sub.add_parser(
        "demo",
        help="run the demo study: Lasso vs transfer estimators on the "
             "Trans-Lasso design",
        description=(
            "Compare target-only Lasso, pooled Lasso and every transfer "
            "estimator of the package (Transfer Lasso, Trans-Lasso, Trans-GLM) "
            "on the simulation design of Li, Cai & Li (2022), as the number of "
            "informative sources grows. This is 'sktransfer simulate' on the "
            "study file shipped with the package (its path is printed; copy "
            "it to start your own). Prints the summary table and writes "
            "results, summary.md, PNG plots and the study file into --out."
        ),
    )
    demo.add_argument("--out", default="demo_output", metavar="DIR",
                      help="output directory (created if needed; default: "
                           "%(default)s)")
    demo.add_argument("--n-jobs", type=_n_jobs, default=2, metavar="N",
                      help="parallel worker processes (-1: all cores; "
                           "default: %(default)s)")
    demo.add_argument("--n-reps", type=_int_at_least(2), default=None,
                      metavar="N", help="repetitions per cell, at least 2 "
                                        "(default: the study file's)")
    demo.add_argument("--quiet", action="store_true",
                      help="print only the paths written")
    demo.add_argument("--quick", action="store_true", help=argparse.SUPPRESS)
    demo.set_defaults(handler=_cmd_demo)

    plan = sub.add_parser(
        "plan",
        help="how many source and target labels to buy (sample-budget planning)",
        description=(
            "Recommend how many source and target labels to buy for a budget "
            "(--budget) or to reach a target excess risk (--target-risk), under "
            "the minimax rates of Hanneke & Kpotufe (2019; --rho, --beta-source, "
            "--beta-target, --vc-dim) or of Kpotufe & Martinet (2021; --model "
            "covariate-shift with --gamma, --smoothness, --margin, --dim). "
            "Prints the allocation, the predicted risks of source-only, "
            "target-only and the optimal allocation, and the break-even budget. "
            "Predicted risks are orders of magnitude (the rates' constants "
            "default to 1)."
        ),
    )
    question = plan.add_mutually_exclusive_group(required=True)
    question.add_argument("--budget", type=float, metavar="B",
                          help="money to spend")
    question.add_argument("--target-risk", type=float, metavar="EPS",
                          help="predicted excess risk to reach at least cost")
    plan.add_argument("--model", choices=("hanneke-kpotufe", "covariate-shift"),
                      default="hanneke-kpotufe",
                      help="rate model (default: %(default)s)")
    plan.add_argument("--cost-source", type=float, default=1.0, metavar="C",
                      help="price of a source label (default: %(default)s)")
    plan.add_argument("--cost-target", type=float, default=1.0, metavar="C",
                      help="price of a target label (default: %(default)s)")
    hk = plan.add_argument_group("hanneke-kpotufe model")
    hk.add_argument("--rho", type=float, help="transfer exponent rho > 0")
    hk.add_argument("--beta-source", type=float,
                    help="source noise (Bernstein class) exponent in [0, 1]")
    hk.add_argument("--beta-target", type=float,
                    help="target noise (Bernstein class) exponent in [0, 1]")
    hk.add_argument("--vc-dim", type=float, help="VC dimension > 0")
    hk.add_argument("--c-source", type=float, metavar="C",
                    help="constant of the source term (default 1)")
    hk.add_argument("--c-target", type=float, metavar="C",
                    help="constant of the target term (default 1)")
    cs = plan.add_argument_group("covariate-shift model")
    cs.add_argument("--gamma", type=float, help="transfer exponent gamma >= 0")
    cs.add_argument("--smoothness", type=float, help="Hoelder exponent > 0")
    cs.add_argument("--margin", type=float, help="Tsybakov margin exponent >= 0")
    cs.add_argument("--dim", type=float, help="intrinsic dimension > 0")
    cs.add_argument("--scale", type=float, metavar="C",
                    help="constant of the rate (default 1)")
    cs.add_argument("--source-weight", type=float, metavar="W",
                    help="worth of source samples in target units (default 1)")
    plan.add_argument("--plot", metavar="FILE.png", default=None,
                      help="also draw risk against budget for each strategy")
    plan.set_defaults(handler=_cmd_plan)
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
        Exit status: 0 on success, 1 when running failed, 2 for bad
        arguments or an invalid study file, 130 when interrupted.
        (``--help``, ``--version`` and argument errors exit through
        :class:`SystemExit`, as argparse does.)
    """
    from .simulation._toml import StudyFileError

    args = _build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (CommandError, StudyFileError, Exception, KeyboardInterrupt) as exc:
        if args.traceback:
            raise
        if isinstance(exc, CommandError):
            status = exc.status
        elif isinstance(exc, StudyFileError):
            status = EXIT_USAGE
        elif isinstance(exc, KeyboardInterrupt):
            status = EXIT_INTERRUPTED
        else:
            status = EXIT_FAILURE
        message = str(exc) or type(exc).__name__
        if not isinstance(exc, CommandError | StudyFileError | ValueError |
                          OSError | ImportError | RuntimeError):
            message = f"{type(exc).__name__}: {message}"
        message = " ".join(message.split())
        print(f"sktransfer {args.command}: error: {message}", file=sys.stderr)
        return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
