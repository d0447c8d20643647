"""``sktransfer plan``: the sample-budget calculator on the command line."""

import pytest

from sktransfer import cli
from sktransfer.planning import SampleBudgetPlanner

ISSUE = ["plan", "--rho", "2", "--beta-source", "1", "--beta-target", "1",
         "--vc-dim", "10", "--cost-source", "1", "--cost-target", "20"]


def test_plan_budget_prints_allocation_alternatives_and_break_even(capsys):
    assert cli.main([*ISSUE, "--budget", "10000"]) == 0
    out = capsys.readouterr().out
    expected = SampleBudgetPlanner(rho=2, beta_source=1, beta_target=1, vc_dim=10,
                                   cost_source=1, cost_target=20).plan(budget=10000)
    assert out.strip() == str(expected.summary()).strip()
    for text in ("target-only", "source-only", "optimal", "break-even budget",
                 "0.03162", "0.02"):
        assert text in out


def test_plan_target_risk_solves_the_other_way(capsys):
    assert cli.main([*ISSUE, "--target-risk", "0.01"]) == 0
    out = capsys.readouterr().out
    assert "target risk:" in out and "20,000" in out  # 1000 target labels at 20


def test_plan_covariate_shift(capsys):
    argv = ["plan", "--model", "covariate-shift", "--gamma", "1", "--smoothness",
            "1", "--margin", "1", "--dim", "1", "--cost-target", "20",
            "--budget", "1e6", "--scale", "2"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "mixed" in out and "scale:" in out


def test_plan_writes_png_atomically(tmp_path, capsys):
    target = tmp_path / "plan.png"
    assert cli.main([*ISSUE, "--budget", "10000", "--plot", str(target)]) == 0
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.png"]
    assert f"wrote {target}" in capsys.readouterr().out


@pytest.mark.parametrize("extra, message", [
    (["--rho", "0", "--budget", "10"], "--rho must be finite and > 0"),
    (["--rho", "-1", "--budget", "10"], "--rho"),
    (["--beta-source", "1.5", "--budget", "10"], "--beta-source must be in [0.0, 1.0]"),
    (["--beta-target", "-0.5", "--budget", "10"], "--beta-target"),
    (["--cost-source", "0", "--budget", "10"], "--cost-source"),
    (["--cost-target", "-20", "--budget", "10"], "--cost-target"),
    (["--budget", "0"], "--budget"),
    (["--budget", "-5"], "--budget"),
    (["--target-risk", "0"], "--target-risk"),
    (["--budget", "nan"], "--budget"),
    (["--gamma", "1", "--budget", "10"], "gamma is a parameter of model="),
    (["--budget", "10", "--plot", "out.pdf"], "--plot must name a .png file"),
])
def test_plan_bad_values_exit_2_with_one_line(extra, message, capsys):
    base = {"--rho": "2", "--beta-source": "1", "--beta-target": "1",
            "--vc-dim": "10", "--cost-source": "1", "--cost-target": "20"}
    argv = ["plan"]
    for key, value in base.items():
        if key not in extra:
            argv += [key, value]
    assert cli.main(argv + extra) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("sktransfer plan: error:")
    assert message in err


@pytest.mark.parametrize("argv", [
    ISSUE,  # neither question
    [*ISSUE, "--budget", "10", "--target-risk", "0.1"],  # both
    [*ISSUE, "--budget", "ten"],
])
def test_plan_argument_errors(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2


@pytest.mark.parametrize("extra, message", [
    (["--c-source", "0", "--budget", "10"], "--c-source must be finite"),
    (["--target-risk", "1e-300"], "--target-risk=1e-300 needs more than"),
    (["--budget", "10", "--plot", "/nonexistent-dir/plan.png"], "--plot: cannot write"),
])
def test_plan_more_bad_values(extra, message, capsys):
    assert cli.main(ISSUE + extra) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
