"""The ``sktransfer`` command line."""

import os

import numpy as np
import pandas as pd
import pytest

import sktransfer
from sktransfer import cli

TINY = ["--n-reps", "2", "--n-periods", "3", "--n-samples", "20",
        "--n-features", "12"]
OUTPUTS = ("concept_drift_table.txt", "concept_drift_results.csv",
           "concept_drift_error.png")


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert sktransfer.__version__ in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--help"], ["demo", "--help"]])
def test_help_exits_zero(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 0
    assert "usage: sktransfer" in capsys.readouterr().out


def test_no_command_is_an_error(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([])
    assert exc.value.code == 2


@pytest.mark.parametrize("bad", [
    ["--n-reps", "1"], ["--n-periods", "x"], ["--n-samples", "5"],
    ["--n-features", "1"], ["--seed", "-1"], ["--bogus"],
])
def test_bad_option_is_an_error(bad, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["demo", "--out", str(tmp_path), *bad])
    assert exc.value.code == 2
    assert not os.listdir(tmp_path)


def test_demo_writes_table_results_and_figure(tmp_path, capsys):
    out = tmp_path / "nested" / "demo"
    assert cli.main(["demo", "--out", str(out), "--seed", "3", *TINY]) == 0
    printed = capsys.readouterr().out
    for method in cli.METHODS:
        assert method in printed
    for name in OUTPUTS:
        path = out / name
        assert path.is_file() and path.stat().st_size > 0
        assert f"wrote {path}" in printed
    assert (out / OUTPUTS[2]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = (out / OUTPUTS[0]).read_text()
    for method in cli.METHODS:
        assert method in table
    results = pd.read_csv(out / OUTPUTS[1])
    assert len(results) == 2 * 3 * len(cli.METHODS)
    assert set(results["method"]) == set(cli.METHODS)
    assert results[["l2_error", "tpr", "fpr", "test_mse"]].notna().all().all()
    # period 0: every method is the same refit Lasso
    first = results[results["period"] == 0].groupby("rep")["l2_error"]
    assert np.all(first.nunique() == 1)
    # no temporary files are left behind, and the files are not private
    assert sorted(os.listdir(out)) == sorted(OUTPUTS)
    umask = os.umask(0)
    os.umask(umask)
    for name in OUTPUTS:
        assert (out / name).stat().st_mode & 0o777 == 0o666 & ~umask


def test_demo_is_reproducible_and_quiet(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    cli.main(["demo", "--out", str(a), "--quiet", *TINY])
    printed = capsys.readouterr().out
    assert "Lasso" not in printed
    assert printed.count("wrote ") == len(OUTPUTS)
    cli.main(["demo", "--out", str(b), "--quiet", *TINY])
    capsys.readouterr()
    assert (a / OUTPUTS[1]).read_text() == (b / OUTPUTS[1]).read_text()


def test_failure_keeps_previous_output(tmp_path, monkeypatch, capsys):
    cli.main(["demo", "--out", str(tmp_path), "--quiet", *TINY])
    before = {name: (tmp_path / name).read_bytes() for name in OUTPUTS}

    def broken_savefig(self, *args, **kwargs):
        raise RuntimeError("disk full")

    from matplotlib.figure import Figure

    monkeypatch.setattr(Figure, "savefig", broken_savefig)
    with pytest.raises(RuntimeError, match="disk full"):
        cli.main(["demo", "--out", str(tmp_path), "--quiet", "--seed", "9",
                  *TINY])
    assert sorted(os.listdir(tmp_path)) == sorted(OUTPUTS)
    for name in OUTPUTS:
        assert (tmp_path / name).read_bytes() == before[name]


def test_summary_standard_errors():
    rows = []
    for rep in range(4):
        for period in range(3):
            for k, method in enumerate(cli.METHODS):
                rows.append(dict(rep=rep, period=period, method=method,
                                 l2_error=float(k + rep), tpr=1.0, fpr=0.0,
                                 test_mse=1.0, l1_ratio=1.0))
    summary = cli.summarize_concept_drift(pd.DataFrame(rows))
    assert list(summary.index) == list(cli.METHODS)
    np.testing.assert_allclose(summary["l2_error"], [1.5, 2.5, 3.5])
    se = np.std([0, 1, 2, 3], ddof=1) / 2
    np.testing.assert_allclose(summary["l2_error_se"], se)
    # paired differences against the refit Lasso are exact: zero s.e.
    np.testing.assert_allclose(summary["diff_l2_error"], [0.0, 1.0, 2.0])
    np.testing.assert_allclose(summary["diff_l2_error_se"], 0.0, atol=1e-12)
