"""Study checkpoints: resume from CSV and Parquet, cut and corrupt writes, refusing
another study's checkpoint, more repetitions, a killed worker, a killed main process.

Repetitions are identified by the first response of their data set (``y0``,
unique with probability one): the counted method appends ``y0`` to a log file
each time it fits (worker processes included), so a test knows exactly which
repetitions a resumed run computed.
"""

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from joblib.externals.loky.process_executor import TerminatedWorkerError

from sktransfer.simulation import DGM, Method, Metric, Study

COEF = np.array([1.0, 0.0, -1.0])
N_OBS = [12, 16]
TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
POSIX = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def dgm(rng, n_obs=12):
    X = rng.standard_normal((n_obs, COEF.size))
    return {"X": X, "y": X @ COEF + rng.standard_normal(n_obs), "coef": COEF}


def ols(data, rng):
    return {"coef": np.linalg.lstsq(data["X"], data["y"], rcond=None)[0]}


# The test runner's pid, inherited by loky workers through the environment.
OWNER = int(os.environ.setdefault("SKTRANSFER_TEST_OWNER_PID", str(os.getpid())))
# Seconds each Counted fit sleeps (the killed child process sets it).
DELAY = 0.0


class Counted:
    """Least squares that logs ``y0`` of each data set it fits to ``log``.

    ``kill_at``: the ``y0`` at which it SIGKILLs its own (worker) process,
    once: only while ``marker`` does not exist (it creates it first), and
    never in the process that built it (the test runner).
    """

    def __init__(self, log, kill_at=None, marker=None):
        # Only what defines the method is an attribute: a checkpoint's
        # fingerprint describes a callable object by its attributes.
        self.log = str(log)
        self.kill_at = kill_at
        self.marker = None if marker is None else str(marker)

    def __call__(self, data, rng):
        y0 = float(data["y"][0])
        if (self.kill_at is not None and y0 == self.kill_at
                and os.getpid() != OWNER and not os.path.exists(self.marker)):
            open(self.marker, "x").close()
            time.sleep(1.0)  # let the chunks that finished reach the checkpoint
            os.kill(os.getpid(), signal.SIGKILL)
        with open(self.log, "a") as fh:
            fh.write(f"{y0!r}\n")
        if DELAY:
            time.sleep(DELAY)
        return ols(data, rng)


class FirstY(Metric):
    name = "y0"

    def evaluate(self, output, data):
        return float(data["y"][0])


def make_study(log, n_reps=6, **counted):
    return Study(DGM(dgm, grid={"n_obs": N_OBS}),
                 {"counted": Method(Counted(log, **counted)), "ols": ols},
                 metrics=["l2_error", "fpr", FirstY(), "fit_time"], n_reps=n_reps,
                 random_state=11)


def stable(result):
    return result.to_frame().drop(columns="fit_time")


def logged(log, skip=0):
    """The y0 values logged after the first ``skip`` lines."""
    if not Path(log).exists():
        return []
    return [float(line) for line in Path(log).read_text().splitlines()[skip:]]


def on_disk(path):
    """Rows of the checkpoint that a reader can trust (whole lines / whole parts)."""
    path = Path(path)
    empty = pd.DataFrame(columns=["cell", "rep", "method_index", "y0"])
    if path.suffix == ".csv":
        text = path.read_text() if path.exists() else ""
        text = text[:text.rfind("\n") + 1]
        return pd.read_csv(io.StringIO(text)) if text else empty
    parts = sorted(path.glob("part-*.parquet"))
    if not parts:
        return empty
    return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)


def complete_units(path):
    """(cell, rep) pairs with both method rows on disk."""
    frame = on_disk(path)
    if frame.empty:
        return set()
    counts = frame.groupby(["cell", "rep"])["method_index"].nunique()
    return set(counts[counts == 2].index)


def y0_of(frame, units):
    """y0 of the given (cell, rep) units, from a to_frame() table."""
    rows = frame[frame["method"] == "counted"]
    cells = {n: c for c, n in enumerate(N_OBS)}
    keyed = {(cells[n], r): y
             for n, r, y in zip(rows["n_obs"], rows["rep"], rows["y0"])}
    return sorted(keyed[u] for u in units)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted run without a checkpoint."""
    log = tmp_path_factory.mktemp("reference") / "calls.log"
    result = make_study(log).run(n_jobs=1, progress=False)
    assert len(logged(log)) == 12
    return result


ALL_UNITS = {(c, r) for c in range(2) for r in range(6)}


# -- resume --------------------------------------------------------------------

def test_checkpoint_run_equals_plain_run_and_rerun_computes_nothing(
        tmp_path, reference):
    for name in ("study.csv", "study.parquet"):
        path, log = tmp_path / name, tmp_path / f"{name}.log"
        first = make_study(log).run(progress=False, checkpoint=path)
        pd.testing.assert_frame_equal(stable(first), stable(reference))
        assert complete_units(path) == ALL_UNITS
        meta = json.loads(Path(f"{path}.meta.json").read_text())
        assert meta["entropy"] == 11 and meta["metrics"][2] == "y0"
        again = make_study(log).run(progress=False, checkpoint=path)
        assert len(logged(log)) == 12  # nothing recomputed
        # Every column, fit_time included, comes back from disk exactly.
        pd.testing.assert_frame_equal(again.to_frame(), first.to_frame())


def test_resume_csv_after_a_cut_last_line(tmp_path, reference):
    path, log = tmp_path / "study.csv", tmp_path / "calls.log"
    make_study(log).run(progress=False, checkpoint=path, chunk_size=1)
    lines = path.read_text().splitlines(keepends=True)
    assert len(lines) == 1 + 2 * 12
    # Header, units 0 and 1 whole, unit 2's first row, half of its second row.
    path.write_text("".join(lines[:6]) + lines[6][: len(lines[6]) // 2])
    assert complete_units(path) == {(0, 0), (0, 1)}
    skip = len(logged(log))
    resumed = make_study(log).run(progress=False, checkpoint=path)
    pd.testing.assert_frame_equal(stable(resumed), stable(reference))
    missing = ALL_UNITS - {(0, 0), (0, 1)}
    assert sorted(logged(log, skip)) == y0_of(reference.to_frame(), missing)
    assert path.read_text().endswith("\n")
    assert complete_units(path) == ALL_UNITS


def test_resume_csv_with_a_corrupt_tail(tmp_path, reference):
    path, log = tmp_path / "study.csv", tmp_path / "calls.log"
    make_study(log, n_reps=2).run(progress=False, checkpoint=path)
    with open(path, "ab") as fh:
        fh.write(b"1,5,0,dgm,{\"n_obs\"\x00\x00\xff garbage")
    skip = len(logged(log))
    resumed = make_study(log).run(progress=False, checkpoint=path)
    pd.testing.assert_frame_equal(stable(resumed), stable(reference))
    missing = {(c, r) for c in range(2) for r in range(2, 6)}
    assert sorted(logged(log, skip)) == y0_of(reference.to_frame(), missing)
    assert b"garbage" not in path.read_bytes()


def test_resume_parquet_after_lost_parts_and_a_stray_temporary(tmp_path, reference):
    path, log = tmp_path / "study.parquet", tmp_path / "calls.log"
    make_study(log).run(progress=False, checkpoint=path, chunk_size=1)
    parts = sorted(path.glob("part-*.parquet"))
    assert len(parts) == 12
    for part in parts[::3]:
        part.unlink()
    # What a writer killed before its rename leaves behind.
    (path / ".part-0123.parquet.tmp").write_bytes(b"PAR1 half a file")
    kept = complete_units(path)
    assert len(kept) == 8
    skip = len(logged(log))
    resumed = make_study(log).run(progress=False, checkpoint=path)
    pd.testing.assert_frame_equal(stable(resumed), stable(reference))
    assert sorted(logged(log, skip)) == y0_of(reference.to_frame(), ALL_UNITS - kept)


def test_extending_and_shrinking_n_reps(tmp_path, reference):
    path, log = tmp_path / "study.csv", tmp_path / "calls.log"
    short = make_study(log, n_reps=3).run(progress=False, checkpoint=path)
    assert len(logged(log)) == 6
    longer = make_study(log).run(progress=False, checkpoint=path)
    pd.testing.assert_frame_equal(stable(longer), stable(reference))
    new = {(c, r) for c in range(2) for r in range(3, 6)}
    assert sorted(logged(log, 6)) == y0_of(reference.to_frame(), new)
    # Fewer repetitions than on disk: nothing computed, the first ones returned.
    fewer = make_study(log, n_reps=3).run(progress=False, checkpoint=path)
    assert len(logged(log)) == 12
    pd.testing.assert_frame_equal(fewer.to_frame(), short.to_frame())
    assert fewer.n_reps == 3 and len(fewer.to_frame()) == 2 * 2 * 3


def test_unseeded_study_continues_the_checkpoint_seed(tmp_path, reference):
    path, log = tmp_path / "study.csv", tmp_path / "calls.log"
    make_study(log, n_reps=2).run(progress=False, checkpoint=path)
    study = make_study(log)
    unseeded = Study(study.dgms, study.methods, study.metrics, n_reps=6,
                     random_state=None)
    resumed = unseeded.run(progress=False, checkpoint=path)
    assert resumed.entropy == 11
    pd.testing.assert_frame_equal(stable(resumed), stable(reference))
    assert len(logged(log)) == 12


# -- refusing what is not this study's -----------------------------------------

def _other(log, change):
    study = make_study(log)
    args = dict(dgms=study.dgms, methods=study.methods, metrics=study.metrics,
                n_reps=6, random_state=11)
    if change == "seed":
        args["random_state"] = 12
    elif change == "spawn_key":
        args["random_state"] = np.random.SeedSequence(11).spawn(1)[0]
    elif change == "method":
        args["methods"] = [*study.methods, Method(ols, name="ols2")]
    elif change == "estimator_params":
        from sklearn.linear_model import Ridge

        return (Study(study.dgms, {"ridge": Ridge(alpha=1.0)}, ["l2_error"],
                      n_reps=1, random_state=11),
                Study(study.dgms, {"ridge": Ridge(alpha=2.0)}, ["l2_error"],
                      n_reps=1, random_state=11))
    elif change == "metrics":
        args["metrics"] = ["l2_error", "fpr", FirstY()]
    elif change == "grid":
        args["dgms"] = DGM(dgm, grid={"n_obs": [12, 17]})
    elif change == "on_error":
        args["on_error"] = "record"
    return Study(**args)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("change", ["seed", "spawn_key", "method", "metrics", "grid",
                                    "on_error", "estimator_params"])
def test_refuses_a_checkpoint_of_another_study(tmp_path, change, suffix):
    path, log = tmp_path / f"study{suffix}", tmp_path / "calls.log"
    other = _other(log, change)
    if isinstance(other, tuple):
        mine, other = other
    else:
        mine = make_study(log, n_reps=1)
    mine.run(progress=False, checkpoint=path)
    before = _snapshot(tmp_path)
    with pytest.raises(ValueError, match="different study"):
        other.run(progress=False, checkpoint=path)
    assert _snapshot(tmp_path) == before  # nothing written over good output


def _snapshot(folder):
    return {str(p): p.read_bytes() for p in sorted(Path(folder).rglob("*"))
            if p.is_file() and p.suffix != ".log"}


def test_refuses_foreign_or_broken_checkpoint_files(tmp_path):
    study = make_study(tmp_path / "calls.log", n_reps=1)
    data = tmp_path / "orphan.csv"
    data.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="without its metadata"):
        study.run(progress=False, checkpoint=data)
    assert data.read_text() == "a,b\n1,2\n"
    broken = tmp_path / "broken.csv"
    Path(f"{broken}.meta.json").write_text("{not json")
    with pytest.raises(ValueError, match="unreadable"):
        study.run(progress=False, checkpoint=broken)
    foreign = tmp_path / "foreign.parquet"
    Path(f"{foreign}.meta.json").write_text(json.dumps({"format": "something"}))
    with pytest.raises(ValueError, match="not a sktransfer study checkpoint"):
        study.run(progress=False, checkpoint=foreign)
    assert not foreign.exists()
    # A CSV without the study's columns.
    ok = tmp_path / "ok.csv"
    study.run(progress=False, checkpoint=ok)
    ok.write_text("cell,rep\n0,0\n")
    with pytest.raises(ValueError, match="lacks columns"):
        study.run(progress=False, checkpoint=ok)


# -- killed processes ------------------------------------------------------------

@POSIX
def test_resume_after_a_killed_worker(tmp_path, reference):
    """A worker SIGKILLs itself at (cell 1, rep 2), the 9th of 12 one-repetition
    chunks on two loky workers: the run fails with TerminatedWorkerError, the
    chunks that finished are on disk, and the rerun computes only the rest."""
    path, log, marker = (tmp_path / "study.csv", tmp_path / "calls.log",
                         tmp_path / "killed")
    ref = reference.to_frame()
    target = y0_of(ref, {(1, 2)})[0]
    study = make_study(log, kill_at=target, marker=marker)
    with pytest.raises(TerminatedWorkerError):
        study.run(n_jobs=2, progress=False, checkpoint=path, chunk_size=1)
    assert marker.exists()
    done = complete_units(path)
    assert 0 < len(done) < 12 and (1, 2) not in done
    skip = len(logged(log))
    resumed = make_study(log, kill_at=target, marker=marker).run(
        n_jobs=1, progress=False, checkpoint=path)
    pd.testing.assert_frame_equal(stable(resumed), stable(reference))
    assert sorted(logged(log, skip)) == y0_of(ref, ALL_UNITS - done)


_CHILD = """
import sys
sys.path[:0] = [{tests!r}, {root!r}]
import test_simulation_checkpoint as t
t.DELAY = 0.2
t.make_study({log!r}, n_reps={n_reps}).run(
    n_jobs=1, progress=False, checkpoint={path!r}, chunk_size=1)
print("finished")
"""


def _n_written(path):
    """Repetitions written (cheap to poll): one per part, two lines per CSV unit."""
    path = Path(path)
    if path.suffix == ".csv":
        return (path.read_bytes().count(b"\n") - 1) // 2 if path.exists() else 0
    return len(list(path.glob("part-*.parquet"))) if path.exists() else 0


@POSIX
@pytest.mark.parametrize("name", ["study.csv", "study.parquet"])
def test_resume_after_the_main_process_is_killed(tmp_path, name):
    """Start the study in a subprocess, SIGKILL it once some repetitions are on
    disk, resume here: only the missing ones are computed, the table equals an
    uninterrupted run."""
    n_reps = 10
    path, log = tmp_path / name, tmp_path / "calls.log"
    code = _CHILD.format(tests=str(TESTS), root=str(ROOT), log=str(log),
                         n_reps=n_reps, path=str(path))
    child = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while _n_written(path) < 3:
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the child wrote no checkpoint"
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        out, err = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL and b"finished" not in out, err
    done = complete_units(path)
    total = {(c, r) for c in range(2) for r in range(n_reps)}
    assert 3 <= len(done) < len(total)
    skip = len(logged(log))
    resumed = make_study(log, n_reps=n_reps).run(progress=False, checkpoint=path)
    assert len(logged(log)) - skip == len(total) - len(done)
    uninterrupted = make_study(tmp_path / "other.log", n_reps=n_reps).run(
        progress=False)
    pd.testing.assert_frame_equal(stable(resumed), stable(uninterrupted))
    assert sorted(logged(log, skip)) == y0_of(uninterrupted.to_frame(), total - done)
