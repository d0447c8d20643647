"""A study on a dask cluster (loopback LocalCluster) equals the single-process run;
dask_client's install hint and argument checks."""

import builtins
import os
import sys

import numpy as np
import pandas as pd
import pytest
from joblib import parallel_config

from sktransfer.simulation import DGM, Metric, Study, dask_client

COEF = np.array([2.0, 0.0, -1.0, 0.0])


def dgm(rng, n_obs=15):
    X = rng.standard_normal((n_obs, COEF.size))
    return {"X": X, "y": X @ COEF + rng.standard_normal(n_obs), "coef": COEF,
            "X_test": X[:5], "y_test": X[:5] @ COEF}


def ridge(data, rng):
    X, y = data["X"], data["y"]
    coef = np.linalg.solve(X.T @ X + np.eye(X.shape[1]), X.T @ y)
    coef[np.abs(coef) < 0.2] = 0.0
    return {"coef": coef, "y_pred": data["X_test"] @ coef}


def noisy(data, rng):
    """Uses the method's own generator: its seed must travel to the workers."""
    coef = ridge(data, rng)["coef"] + 0.1 * rng.standard_normal(COEF.size)
    return {"coef": coef, "y_pred": data["X_test"] @ coef}


def study():
    return Study(DGM(dgm, grid={"n_obs": [10, 20]}), {"ridge": ridge, "noisy": noisy},
                 metrics=["l2_error", "l1_error", "tpr", "fpr", "prediction_error",
                          "fit_time"], n_reps=8, random_state=7)


class ProcessId(Metric):
    """Where the repetition ran (not reproducible, by design)."""

    name = "pid"
    reproducible = False

    def evaluate(self, output, data):
        return float(os.getpid())


def stable(result):
    return result.to_frame().drop(columns="fit_time")


def test_dask_client_rejects_a_non_string_address():
    pytest.importorskip("distributed")
    with pytest.raises(TypeError, match="address must be a string"):
        dask_client(address=8786)
    with pytest.raises(TypeError, match="batch_settings must be a bool"):
        dask_client(batch_settings="yes")


def test_dask_client_without_distributed_gives_the_install_hint(monkeypatch):
    real_import = builtins.__import__

    def failing_import(name, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "distributed", raising=False)
    monkeypatch.setattr(builtins, "__import__", failing_import)
    with pytest.raises(ImportError, match=r"pip install 'sktransfer\[dist\]'"):
        dask_client()
    with pytest.raises(ImportError, match="dask"):
        dask_client("tcp://127.0.0.1:8786")


def test_study_on_a_local_dask_cluster_equals_the_single_process_run(tmp_path):
    pytest.importorskip("distributed")
    reference = study().run(n_jobs=1, progress=False)
    environ = dict(os.environ)
    # A loopback cluster of two single-threaded worker processes, started by
    # the helper; a second client connects to it by address.
    with dask_client(n_workers=2, processes=True, host="127.0.0.1",
                     dashboard_address=":0") as local:
        # batch settings: no MALLOC_TRIM_THRESHOLD_ on the workers, profiler
        # off; the nanny's pre-spawn variables do not stay in this process
        worker_env = local.run(lambda: (
            os.environ.get("MALLOC_TRIM_THRESHOLD_"),
            os.environ.get("NUMBA_NUM_THREADS"),
            __import__("dask").config.get("distributed.worker.profile.enabled")))
        assert list(worker_env.values()) == [(None, "1", False)] * 2
        assert dict(os.environ) == environ
        info = local.scheduler_info()
        assert len(info["workers"]) == 2
        assert all(w["nthreads"] == 1 for w in info["workers"].values())
        address = local.scheduler.address
        assert address.startswith("tcp://127.0.0.1:")
        with dask_client(address) as client:
            assert client.scheduler.address == address
            with parallel_config(backend="dask"):
                on_dask = study().run(progress=False, chunk_size=3)
                checkpointed = study().run(progress=False,
                                           checkpoint=tmp_path / "study.parquet")
                where = Study(dgm, ridge, metrics=[ProcessId()], n_reps=8,
                              random_state=0).run(progress=False, chunk_size=1)
    pids = set(where.to_frame()["pid"].astype(int))
    assert os.getpid() not in pids and 1 <= len(pids) <= 2  # ran on the workers
    pd.testing.assert_frame_equal(stable(on_dask), stable(reference))
    pd.testing.assert_frame_equal(stable(checkpointed), stable(reference))
    assert len(list((tmp_path / "study.parquet").glob("part-*.parquet"))) > 1
