"""The ``sktransfer`` command line, study files and the method registry."""

import os
import sys
import tomllib

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LassoCV

import sktransfer
from sktransfer import cli
from sktransfer.datasets import make_trans_lasso_regression
from sktransfer.linear_model import (
    TransferLassoCV,
    TransGLMClassifier,
    TransGLMRegressor,
    TransLasso,
)
from sktransfer.simulation import DGM, Method, Study
from sktransfer.simulation._registry import (
    DGMS,
    METHODS,
    StudyParameterError,
    get_dgm,
    get_method,
)
from sktransfer.simulation._toml import (
    KeyLocator,
    StudyFileError,
    format_key,
    load_study,
    parse_study,
)

TINY = """\
[study]
title = "tiny"
n_reps = 2
seed = 7
metrics = ["l2_error", "prediction_error", "fit_time"]

[[dgm]]
name = "trans_lasso_regression"
params = { n_target = 30, n_source = 30, n_sources = 2, n_features = 15, \
n_nonzero = 3, h = 2, n_test = 20 }
grid = { n_informative = [0, 2] }

[[method]]
name = "lasso"
params = { cv = 3 }

[[method]]
name = "pooled_lasso"
params = { cv = 3 }

[[method]]
name = "trans_lasso"
params = { cv = 3 }

[plot]
x = "n_informative"
metrics = ["l2_error"]
"""
TINY_PARAMS = dict(n_target=30, n_source=30, n_sources=2, n_features=15,
                   n_nonzero=3, h=2, n_test=20)
REPRODUCIBLE = ["dgm", "n_informative", "method", "rep", "l2_error",
                "prediction_error", "error", "n_warnings"]
METHOD_LABELS = ["Lasso (target)", "Lasso (pooled)", "Trans-Lasso"]


def tiny_study_in_python(n_reps=2):
    """The study of TINY, built from the classes (not from the registry)."""
    dgm = DGM(make_trans_lasso_regression, grid={"n_informative": [0, 2]},
              name="trans_lasso_regression", params=TINY_PARAMS)
    methods = {"Lasso (target)": Method(LassoCV(cv=3), rows="target"),
               "Lasso (pooled)": Method(LassoCV(cv=3), rows="all"),
               "Trans-Lasso": TransLasso(cv=3)}
    return Study(dgm, methods, metrics=["l2_error", "prediction_error", "fit_time"],
                 n_reps=n_reps, random_state=7)


@pytest.fixture(scope="module")
def expected():
    """The tidy table of TINY run in Python (fit times left out)."""
    frame = tiny_study_in_python().run(n_jobs=1, progress=False).to_frame()
    return frame[REPRODUCIBLE]


def write_study(tmp_path, text=TINY, name="tiny.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def run_cli(argv, capsys):
    status = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def read_results(out):
    if (out / "results.parquet").exists():
        return pd.read_parquet(out / "results.parquet")
    return pd.read_csv(out / "results.csv", keep_default_na=False,
                       na_values={"l2_error": ["nan"]})


# ---------------------------------------------------------------------------
# version and help
# ---------------------------------------------------------------------------


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"sktransfer {sktransfer.__version__}"


@pytest.mark.parametrize("argv", [["--help"], ["demo", "--help"],
                                  ["simulate", "--help"]])
def test_help_exits_zero(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: sktransfer")
    if argv[0] == "simulate":
        assert "--backend" in out and "--scheduler" in out and "--out" in out
    if argv[0] == "demo":
        assert "--quick" not in out


@pytest.mark.parametrize("argv", [
    [], ["simulate"], ["simulate", "x.toml", "--n-jobs", "0"],
    ["simulate", "x.toml", "--backend", "ray"], ["demo", "--n-reps", "1"],
    ["demo", "--n-jobs", "two"], ["demo", "--bogus"],
])
def test_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    assert "usage: sktransfer" in capsys.readouterr().err


def test_scheduler_needs_dask_backend(tmp_path, capsys):
    path = write_study(tmp_path)
    status, _, err = run_cli(["simulate", path, "--scheduler", "tcp://x:1"], capsys)
    assert status == 2
    assert err == "sktransfer simulate: error: --scheduler needs --backend dask.\n"


def test_missing_study_file_is_one_line(tmp_path, capsys):
    status, _, err = run_cli(["simulate", tmp_path / "nope.toml"], capsys)
    assert status == 2
    assert err.count("\n") == 1 and "nope.toml" in err and "cannot read" in err


# ---------------------------------------------------------------------------
# simulate
# ---------------------------------------------------------------------------


def test_simulate_writes_outputs_equal_to_python_study(tmp_path, capsys, expected):
    path = write_study(tmp_path)
    out = tmp_path / "out"
    status, printed, err = run_cli(["simulate", path, "--n-jobs", "1", "--out", out],
                                   capsys)
    assert status == 0, err
    fmt = "parquet" if cli._have_pyarrow() else "csv"
    names = {f"results.{fmt}", "summary.md", "l2_error.png", "study.toml",
             f"checkpoint.{fmt}", f"checkpoint.{fmt}.meta.json", cli.MANIFEST}
    assert set(os.listdir(out)) == names  # no temporary files left
    for name in names - {f"checkpoint.{fmt}", f"checkpoint.{fmt}.meta.json",
                         cli.MANIFEST}:
        assert f"wrote {out / name}" in printed
    assert (out / "l2_error.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "study.toml").read_text() == TINY
    summary = (out / "summary.md").read_text()
    assert summary.startswith("# tiny\n")
    for label in METHOD_LABELS:
        assert label in summary and label in printed
    assert "![l2_error](l2_error.png)" in summary
    results = read_results(out)
    assert len(results) == 2 * 2 * 3
    pd.testing.assert_frame_equal(results[REPRODUCIBLE], expected,
                                  check_dtype=False)


def test_simulate_csv_and_default_out_dir(tmp_path, capsys, monkeypatch, expected):
    path = write_study(tmp_path, TINY + '\n[output]\nformat = "csv"\n',
                       name="my_study.toml")
    monkeypatch.chdir(tmp_path)
    status, _, err = run_cli(["simulate", path, "--n-jobs", "1", "--quiet"], capsys)
    assert status == 0, err
    out = tmp_path / "my_study_output"
    assert (out / "results.csv").is_file() and (out / "checkpoint.csv").is_file()
    assert not (out / "results.parquet").exists()
    results = read_results(out)
    pd.testing.assert_frame_equal(results[REPRODUCIBLE], expected,
                                  check_dtype=False)


def test_simulate_resumes_from_checkpoint(tmp_path, capsys, expected):
    out = tmp_path / "out"
    one_rep = write_study(tmp_path, TINY.replace("n_reps = 2", "n_reps = 1"))
    assert run_cli(["simulate", one_rep, "--n-jobs", "1", "--out", out], capsys)[0] == 0
    first = read_results(out)
    path = write_study(tmp_path)  # the same study with two repetitions
    assert run_cli(["simulate", path, "--n-jobs", "1", "--out", out], capsys)[0] == 0
    second = read_results(out)
    # repetition 0 came from the checkpoint: even its fit times are unchanged
    kept = second[second["rep"] == 0].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, first, check_dtype=False)
    pd.testing.assert_frame_equal(second[REPRODUCIBLE], expected,
                                  check_dtype=False)
    # a third run computes nothing new
    assert run_cli(["simulate", path, "--n-jobs", "1", "--out", out], capsys)[0] == 0
    pd.testing.assert_frame_equal(read_results(out), second)


def test_checkpoint_of_another_study_and_restart(tmp_path, capsys):
    out = tmp_path / "out"
    path = write_study(tmp_path, TINY.replace("n_reps = 2", "n_reps = 1"))
    assert run_cli(["simulate", path, "--n-jobs", "1", "--out", out], capsys)[0] == 0
    before = read_results(out)
    other = write_study(tmp_path, TINY.replace("n_reps = 2", "n_reps = 1")
                        .replace("seed = 7", "seed = 8"), name="other.toml")
    status, _, err = run_cli(["simulate", other, "--n-jobs", "1", "--out", out],
                             capsys)
    assert status == 1
    assert err.count("\n") == 1 and "different study" in err and "--restart" in err
    assert err.endswith(".meta.json (or pass --restart).\n")
    pd.testing.assert_frame_equal(read_results(out), before)
    status, _, err = run_cli(["simulate", other, "--n-jobs", "1", "--out", out,
                              "--restart"], capsys)
    assert status == 0, err
    assert not read_results(out)["l2_error"].equals(before["l2_error"])


def test_restart_deletes_only_a_checkpoint(tmp_path, capsys):
    path = write_study(tmp_path, TINY.replace("n_reps = 2", "n_reps = 1"))
    out = tmp_path / "out"
    mine = tmp_path / "results.csv"  # a user's file, not a checkpoint
    mine.write_text("a,b\n1,2\n")
    status, _, err = run_cli(["simulate", path, "--out", out, "--checkpoint", mine,
                              "--restart"], capsys)
    assert status == 2
    assert err.count("\n") == 1 and "not a study checkpoint" in err
    assert mine.read_text() == "a,b\n1,2\n" and not out.exists()
    # a .meta.json that is not the engine's does not make it one either
    meta = tmp_path / "results.csv.meta.json"
    meta.write_text('{"format": "something else"}')
    status, _, err = run_cli(["simulate", path, "--out", out, "--checkpoint", mine,
                              "--restart"], capsys)
    assert status == 2 and "not a study checkpoint" in err
    assert mine.read_text() == "a,b\n1,2\n" and meta.exists()
    # a CSV checkpoint written by the command is deleted and rewritten
    checkpoint = tmp_path / "ck.csv"
    argv = ["simulate", path, "--n-jobs", "1", "--out", out, "--checkpoint",
            checkpoint, "--quiet"]
    assert run_cli(argv, capsys)[0] == 0
    first = pd.read_csv(checkpoint)
    checkpoint.write_text(checkpoint.read_text() + "garbage\n")
    status, _, err = run_cli([*argv, "--restart"], capsys)
    assert status == 0, err
    assert checkpoint.read_text().count("garbage") == 0
    assert len(pd.read_csv(checkpoint)) == len(first)


def test_rerun_removes_only_its_own_stale_outputs(tmp_path, capsys, monkeypatch):
    pytest.importorskip("pyarrow")
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.png").write_bytes(b"mine")  # never written by the command
    csv = TINY.replace("n_reps = 2", "n_reps = 1").replace(
        'metrics = ["l2_error"]\n',
        'metrics = ["l2_error", "prediction_error"]\n[output]\nformat = "csv"\n')
    path = write_study(tmp_path, csv)
    assert run_cli(["simulate", path, "--n-jobs", "1", "--out", out], capsys)[0] == 0
    assert (out / "results.csv").is_file() and (out / "prediction_error.png").is_file()
    # the same study in Parquet, plotting one metric, computed once
    calls = []
    have_pyarrow = cli._have_pyarrow
    monkeypatch.setattr(cli, "_have_pyarrow",
                        lambda: calls.append(1) or have_pyarrow())
    path = write_study(tmp_path, TINY.replace("n_reps = 2", "n_reps = 1"))
    status, printed, err = run_cli(["simulate", path, "--n-jobs", "1", "--out", out],
                                   capsys)
    assert status == 0, err
    assert len(calls) == 1  # the format is chosen once
    assert f"removed {out / 'results.csv'}" in printed
    names = set(os.listdir(out))
    assert "results.csv" not in names and "prediction_error.png" not in names
    assert {"results.parquet", "l2_error.png", "summary.md", "study.toml",
            "notes.png"} <= names
    assert (out / "notes.png").read_bytes() == b"mine"
    # the old checkpoint is left alone (--restart or a new --out clear it)
    assert "checkpoint.csv" in names


def test_stale_outputs_only_from_the_manifest(tmp_path):
    import json

    for name in ("a.png", "data.csv", "summary.md", "results.csv"):
        (tmp_path / name).write_text(name)
    (tmp_path.parent / "x.png").write_text("outside")
    (tmp_path / cli.MANIFEST).write_text(json.dumps({
        "format": "sktransfer-outputs",
        "files": ["a.png", "data.csv", "../x.png", "summary.md", "results.csv", 3]}))
    removed = cli._remove_stale_outputs(tmp_path, [tmp_path / "summary.md",
                                                   tmp_path / "results.parquet"])
    assert sorted(p.name for p in removed) == ["a.png", "results.csv"]
    assert sorted(os.listdir(tmp_path)) == [cli.MANIFEST, "data.csv", "summary.md"]
    assert (tmp_path.parent / "x.png").exists()
    stored = json.loads((tmp_path / cli.MANIFEST).read_text())
    assert stored["files"] == ["results.parquet", "summary.md"]
    # a manifest that is not the command's deletes nothing
    (tmp_path / cli.MANIFEST).write_text('{"files": ["data.csv"]}')
    assert cli._remove_stale_outputs(tmp_path, []) == []
    assert (tmp_path / "data.csv").exists()


def test_failure_keeps_previous_output(tmp_path, capsys, monkeypatch):
    path = write_study(tmp_path, TINY.replace("n_reps = 2", "n_reps = 1"))
    out = tmp_path / "out"
    assert run_cli(["simulate", path, "--n-jobs", "1", "--out", out], capsys)[0] == 0
    before = {name: (out / name).read_bytes() for name in os.listdir(out)
              if not name.startswith("checkpoint")}

    from matplotlib.figure import Figure

    def broken_savefig(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken_savefig)
    status, _, err = run_cli(["simulate", path, "--n-jobs", "1", "--out", out],
                             capsys)
    assert status == 1
    assert err == "sktransfer simulate: error: disk full\n"
    names = set(os.listdir(out))
    assert not [n for n in names if n.endswith(".tmp")]
    for name, content in before.items():
        assert (out / name).read_bytes() == content
    with pytest.raises(OSError, match="disk full"):
        cli.main(["--traceback", "simulate", str(path), "--n-jobs", "1",
                  "--out", str(out)])


def test_failed_study_is_one_line(tmp_path, capsys):
    # A valid file whose fits fail: 31 folds of the 30 target rows.
    text = TINY.replace('name = "lasso"\nparams = { cv = 3 }',
                        'name = "lasso"\nparams = { cv = 31 }')
    path = write_study(tmp_path, text)
    status, _, err = run_cli(["simulate", path, "--n-jobs", "1", "--out",
                              tmp_path / "out"], capsys)
    assert status == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "'Lasso (target)'" in err and 'on_error = "record"' in err
    assert ".." not in err and err.endswith("[study].\n")
    assert "on_error='record'" not in err  # the Python API's hint


@pytest.mark.parametrize("cause", ["needs more rows.", "needs more rows"])
def test_failure_message_hint_only_for_fits(cause):
    hint = " Pass on_error='record' to Study to record failures and go on."
    fit = cli._failure_message(f"method 'Lasso' on DGM 'd' at {{}} (repetition 0) "
                               f"failed: ValueError: {cause}.{hint}")
    assert fit == ("method 'Lasso' on DGM 'd' at {} (repetition 0) failed: "
                   "ValueError: needs more rows. To record failing fits and go on, "
                   'set on_error = "record" under [study].')
    dgm = cli._failure_message(f"DGM 'd' at {{}} (repetition 0) failed: "
                               f"ValueError: {cause}.{hint}")
    assert dgm == "DGM 'd' at {} (repetition 0) failed: ValueError: needs more rows."


# ---------------------------------------------------------------------------
# dask
# ---------------------------------------------------------------------------


def test_simulate_on_dask_scheduler(tmp_path, capsys, expected):
    distributed = pytest.importorskip("distributed")
    path = write_study(tmp_path)
    out = tmp_path / "out"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                  processes=False, dashboard_address=":0") as cluster:
        status, _, err = run_cli(["simulate", path, "--backend", "dask",
                                  "--scheduler", cluster.scheduler_address,
                                  "--out", out, "--quiet"], capsys)
    assert status == 0, err
    pd.testing.assert_frame_equal(read_results(out)[REPRODUCIBLE], expected,
                                  check_dtype=False)


def test_simulate_on_local_dask_cluster(tmp_path, capsys, expected):
    pytest.importorskip("distributed")
    path = write_study(tmp_path)
    out = tmp_path / "out"
    status, _, err = run_cli(["simulate", path, "--backend", "dask", "--n-jobs", "2",
                              "--out", out, "--quiet"], capsys)
    assert status == 0, err
    pd.testing.assert_frame_equal(read_results(out)[REPRODUCIBLE], expected,
                                  check_dtype=False)


def test_missing_dask_gives_install_hint(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails
    path = write_study(tmp_path)
    status, _, err = run_cli(["simulate", path, "--backend", "dask",
                              "--out", tmp_path / "out"], capsys)
    assert status == 1
    assert err.count("\n") == 1 and "pip install" in err and "dask" in err


# ---------------------------------------------------------------------------
# demo
# ---------------------------------------------------------------------------


def test_demo_study_file_names_every_transfer_estimator():
    spec = load_study(cli.demo_study_path())
    estimators = {type(m.estimator) for m in spec.study.methods}
    assert {TransferLassoCV, TransLasso, TransGLMRegressor} <= estimators
    names = [m.name for m in spec.study.methods]
    assert names[:2] == ["Lasso (target)", "Lasso (pooled)"]
    rows = {m.name: m.rows for m in spec.study.methods}
    assert rows["Lasso (target)"] == "target" and rows["Lasso (pooled)"] == "all"
    assert {m.name for m in spec.study.metrics} >= {"l2_error", "tpr", "fpr",
                                                    "prediction_error", "fit_time"}
    assert len(spec.study.cells) >= 2 and spec.plot_x is not None


def test_demo_quick_writes_outputs(tmp_path, capsys):
    out = tmp_path / "nested" / "demo"
    status, printed, err = run_cli(["demo", "--quick", "--n-jobs", "1", "--out",
                                    out], capsys)
    assert status == 0, err
    spec = load_study(cli.demo_study_path())
    for method in spec.study.methods:
        assert method.name in printed
    assert "demo.toml" in printed
    results = read_results(out)
    assert set(results["method"]) == {m.name for m in spec.study.methods}
    assert (results["error"] == "").all()
    assert results["rep"].max() == 1  # --quick: two repetitions
    for metric in spec.plot_metrics:
        assert (out / cli._figure_name(metric)).is_file()
    assert (out / "summary.md").is_file()
    assert not (out / "study.toml").exists()  # the study run was not the file's


# ---------------------------------------------------------------------------
# invalid study files: key and line
# ---------------------------------------------------------------------------

_METHOD_1 = 'name = "pooled_lasso"\nparams = { cv = 3 }'
_METHOD_2 = 'name = "trans_lasso"\nparams = { cv = 3 }'
INVALID = [
    # (replace, with (the offending line marked "#!"), key, words in the message)
    ("n_reps = 2", "n_reps = = 2  #!", "study.n_reps", "invalid TOML"),
    ("n_reps = 2", 'n_reps = "two"  #!', "study.n_reps", "must be an integer"),
    ("seed = 7", "seed = -1  #!", "study.seed", ">= 0"),
    ('title = "tiny"', 'titel = "tiny"  #!', "study.titel", "unknown key"),
    ("[plot]", "[plott]  #!", "plott", "unknown key"),
    ("[study]\ntitle = \"tiny\"\nn_reps = 2", "[study]  #!\ntitle = \"tiny\"",
     "study", "missing required key 'n_reps'"),
    ('"prediction_error"', '"prediction_err"', "study.metrics[1]",
     "unknown metric"),
    ('metrics = ["l2_error", "prediction_error", "fit_time"]',
     'metrics = [\n  "l2_error",\n  { name = "bias", coef = "x" },  #!\n]',
     "study.metrics[1].coef", "coef must be an int"),
    ('name = "trans_lasso_regression"', 'name = "trans_lasso"  #!', "dgm[0].name",
     "unknown DGM"),
    ("grid = { n_informative = [0, 2] }", "grid = { n_informativ = [0, 2] }  #!",
     "dgm[0].grid.n_informativ", "has no parameter 'n_informativ'"),
    ("grid = { n_informative = [0, 2] }", "grid = { n_informative = 2 }  #!",
     "dgm[0].grid.n_informative", "non-empty arrays"),
    ("grid = { n_informative = [0, 2] }", "grid = { n_informative = [0, 3] }  #!",
     "dgm[0].grid.n_informative", "exceeds n_sources"),
    ("[[dgm]]", "[dgm]  #!", "dgm", "[[dgm]]"),
    (_METHOD_1, 'name = "pooled"  #!\nparams = { cv = 3 }', "method[1].name",
     "unknown method 'pooled'"),
    (_METHOD_1, 'name = "pooled_lasso"\nparams = { cv = 3, alpha = 0.1 }  #!',
     "method[1].params.alpha", "method 'pooled_lasso' (LassoCV) has no parameter "
                               "'alpha'"),
    (_METHOD_1, 'name = "pooled_lasso"\nparams = { family = "gamma" }  #!',
     "method[1].params.family", "family must be one of"),
    (_METHOD_1, 'name = "pooled_lasso"\nlabel = "Lasso (target)"  #!',
     "method[1].label", "two methods are named 'Lasso (target)'"),
    (_METHOD_2, 'name = "trans_lasso"\n[method.params]\nsources = "auto"\n'
                "cv = 1  #!", "method[2].params.cv", "'cv' parameter of TransLasso"),
    ('x = "n_informative"', 'x = "h_level"  #!', "plot.x", "not a DGM parameter"),
    ('metrics = ["l2_error", "prediction_error", "fit_time"]',
     'metrics = ["l2_error", "prediction_error", "fit_time",\n  "coverage"]  #!',
     "study.metrics[3]", "needs conf_int, which method 'Lasso (target)'"),
    ('metrics = ["l2_error"]', 'metrics = ["tpr"]  #!', "plot.metrics[0]",
     "not a metric of the study"),
    ('metrics = ["l2_error", "prediction_error", "fit_time"]',
     'metrics = ["l2_error", { name = "bias", coef = 15 }]  #!',
     "study.metrics[1]", "coef=15 is out of range for 15 coefficients"),
    ('metrics = ["l2_error"]\n',
     'metrics = ["l2_error"]\n[output]\nformat = "xlsx"  #!\n', "output.format",
     "'parquet', 'csv'"),
]


def _marked_line(text):
    lines = [i for i, line in enumerate(text.splitlines(), 1) if "#!" in line]
    return lines[0] if lines else None


@pytest.mark.parametrize("old, new, key, words", INVALID,
                         ids=[case[2] + "-" + str(i) for i, case in
                              enumerate(INVALID)])
def test_invalid_file_names_key_and_line(old, new, key, words, tmp_path, capsys):
    assert TINY.count(old) == 1
    text = TINY.replace(old, new)
    line = _marked_line(text) or next(  # unmarked: the line holding `new`
        i for i, s in enumerate(text.splitlines(), 1) if new in s)
    path = write_study(tmp_path, text)
    with pytest.raises(StudyFileError) as exc:
        load_study(path)
    assert (exc.value.key, exc.value.line) == (key, line)
    assert words in exc.value.reason
    out = tmp_path / "out"
    status, _, err = run_cli(["simulate", path, "--out", out], capsys)
    assert status == 2
    assert err.startswith(f"sktransfer simulate: error: {path}, line {line}: {key}: ")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_metric_without_its_data_is_a_file_error(tmp_path, capsys):
    # prediction_error needs the test rows of n_test: refused when the file
    # is read, naming the metric, not at run time.
    text = (TINY.replace(", n_test = 20", "")
            .replace('metrics = ["l2_error", "prediction_error", "fit_time"]',
                     'metrics = [\n  "l2_error",\n  "prediction_error",  #!\n]'))
    path = write_study(tmp_path, text)
    with pytest.raises(StudyFileError) as exc:
        load_study(path)
    assert (exc.value.key, exc.value.line) == ("study.metrics[1]", _marked_line(text))
    assert "X_test" in exc.value.reason and "dgm[0]" in exc.value.reason
    out = tmp_path / "out"
    status, _, err = run_cli(["simulate", path, "--out", out], capsys)
    assert status == 2 and err.count("\n") == 1 and not out.exists()


def test_missing_tables():
    with pytest.raises(StudyFileError, match="missing required key 'study'"):
        parse_study("[[dgm]]\nname = 'glm_transfer'\n")
    text = TINY[:TINY.index("[[method]]")]
    with pytest.raises(StudyFileError, match=r"no \[\[method\]\] table"):
        parse_study(text, "x.toml")


def test_overrides_merge_into_every_table():
    spec = parse_study(TINY, overrides={"study": {"n_reps": 3},
                                        "method": {"params": {"cv": 4}}})
    assert spec.study.n_reps == 3
    assert [m.estimator.cv for m in spec.study.methods] == [4, 4, 4]


# ---------------------------------------------------------------------------
# the line locator
# ---------------------------------------------------------------------------


def test_key_locator():
    text = """\
# comment [not.a.table]
a = "x = [1, 2] # not \\"a\\" comment"
b.c = 'C:\\x # y'  # a literal string, then a comment
"quoted key".d = 1
s = \"\"\"
multi = line
[not.a.table]
\"\"\"
arr = [
  1,  # one
  { e = 2, f = [3,
    4] },
]

[t.u]
v = 5

[[x]]
y = 6
[[x]]
y = 7
[x.z]
w = 8
[[x.q]]
r = 9
"""
    tomllib.loads(text)  # valid TOML
    lines = KeyLocator(text).lines
    assert lines[("a",)] == 2
    assert lines[("b",)] == lines[("b", "c")] == 3
    assert lines[("quoted key", "d")] == 4
    assert lines[("s",)] == 5
    assert ("not", "a", "table") not in lines and ("multi",) not in lines
    assert lines[("arr",)] == 9
    assert lines[("arr", 0)] == 10
    assert lines[("arr", 1)] == lines[("arr", 1, "e")] == 11
    assert lines[("arr", 1, "f", 1)] == 12
    assert lines[("t", "u")] == 15 and lines[("t", "u", "v")] == 16
    assert lines[("x", 0, "y")] == 19 and lines[("x", 1, "y")] == 21
    assert lines[("x", 1, "z", "w")] == 23
    assert lines[("x", 1, "q", 0, "r")] == 25
    locator = KeyLocator(text)
    assert locator.line(("x", 1, "z", "missing")) == 22
    assert locator.line(("nowhere",)) is None
    assert format_key(("x", 1, "quoted key", "d")) == 'x[1]."quoted key".d'


# ---------------------------------------------------------------------------
# the registry
# ---------------------------------------------------------------------------


def test_registry_names():
    assert set(DGMS) == {"trans_lasso_regression", "glm_transfer"}
    assert set(METHODS) == {"lasso", "pooled_lasso", "transfer_lasso",
                            "trans_lasso", "trans_glm"}


def test_registry_methods_by_family():
    method = get_method("lasso")
    assert isinstance(method.estimator, LassoCV) and method.rows == "target"
    method = get_method("pooled_lasso", {"family": "poisson", "cv": 4})
    est = method.estimator
    assert isinstance(est, TransGLMRegressor) and method.rows == "all"
    assert (est.family, est.transfer_sources, est.cv) == ("poisson", None, 4)
    est = get_method("lasso", {"family": "binomial"}).estimator
    assert isinstance(est, TransGLMClassifier) and est.transfer_sources is None
    method = get_method("trans_glm", {"family": "binomial", "transfer_sources": "all"},
                        label="Pooled-Trans-GLM")
    assert isinstance(method.estimator, TransGLMClassifier)
    assert method.estimator.transfer_sources == "all"
    assert method.name == "Pooled-Trans-GLM" and method.rows == "auto"
    method = get_method("transfer_lasso", {"n_alphas": 10})
    assert isinstance(method.estimator, TransferLassoCV)
    assert method.estimator.source_coef is None and method.rows == "auto"


@pytest.mark.parametrize("name, params, param", [
    ("lasso", {"transfer_sources": "all", "family": "poisson"}, "transfer_sources"),
    ("transfer_lasso", {"source_coef": [0.0]}, "source_coef"),
    ("trans_glm", {"family": "gamma"}, "family"),
    ("trans_lasso", {"alpha": 1.0}, "alpha"),
    ("trans_lasso", {"cv": 0}, "cv"),
    ("nope", {}, None),
])
def test_registry_bad_method_params(name, params, param):
    with pytest.raises(StudyParameterError) as exc:
        get_method(name, params)
    assert exc.value.param == param
    assert repr(name) in str(exc.value)
    if param is not None:
        assert repr(param) in str(exc.value) or param in str(exc.value)


def test_registry_dgm():
    dgm = get_dgm("glm_transfer", {"family": "poisson", "n_features": 10},
                  {"h": [1, 2]}, label="TF")
    assert dgm.name == "TF" and len(dgm.points()) == 2
    data = dgm.sample(np.random.default_rng(0), dgm.points()[0])
    assert data["X"].shape[1] == 10
    for bad in ({"random_state": 0}, {"n_feature": 3}):
        with pytest.raises(StudyParameterError) as exc:
            get_dgm("glm_transfer", bad)
        assert exc.value.param == next(iter(bad))
