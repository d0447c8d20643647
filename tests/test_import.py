"""Cold start: importing sktransfer is cheap and has no global side effects.

Each check runs in a fresh interpreter so that modules imported by the test
session (numba via the conftest warm-up, sklearn, ...) do not leak in.
"""

import json
import subprocess
import sys
import textwrap

import pytest

HEAVY = ("torch", "cupy", "dask", "numba")


def run_fresh(code):
    """Run ``code`` in a fresh interpreter and return its last stdout line as JSON."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_import_sktransfer_imports_no_heavy_module():
    loaded = run_fresh(f"""
        import json, sys
        import sktransfer
        heavy = {HEAVY!r}
        print(json.dumps(sorted(m for m in sys.modules
                                if m.split(".")[0] in heavy)))
    """)
    assert loaded == []


def test_import_sktransfer_compiles_nothing():
    # The top-level import leaves the kernels unimported; once they are
    # imported (through linear_model) no dispatcher has compiled anything.
    out = run_fresh("""
        import json, sys
        import sktransfer
        before = "sktransfer._kernels" in sys.modules
        import sktransfer.linear_model
        from numba.core.registry import CPUDispatcher
        import sktransfer._kernels as kernels
        compiled = {}
        for name, module in list(sys.modules.items()):
            if not name.startswith("sktransfer."):
                continue
            for attr, obj in vars(module).items():
                if isinstance(obj, CPUDispatcher) and obj.signatures:
                    compiled[f"{name}.{attr}"] = [str(s) for s in obj.signatures]
        n_dispatchers = sum(
            isinstance(o, CPUDispatcher) for o in vars(kernels).values()
        )
        print(json.dumps({"kernels_on_import": before, "compiled": compiled,
                          "n_dispatchers": n_dispatchers}))
    """)
    assert out["kernels_on_import"] is False
    assert out["n_dispatchers"] > 0  # the check looks at real dispatchers
    assert out["compiled"] == {}


def test_subpackages_import_no_gpu_or_cluster_module():
    loaded = run_fresh("""
        import json, sys
        import sktransfer
        for name in sktransfer.__all__:
            if name != "__version__":
                getattr(sktransfer, name)
        print(json.dumps(sorted(m for m in sys.modules
                                if m.split(".")[0] in ("torch", "cupy", "dask"))))
    """)
    assert loaded == []


def test_import_changes_no_sklearn_config():
    out = run_fresh("""
        import json
        import sklearn
        before = {k: repr(v) for k, v in sklearn.get_config().items()}
        import sktransfer
        for name in sktransfer.__all__:
            if name != "__version__":
                getattr(sktransfer, name)
        import sktransfer.linear_model, sktransfer.model_selection, sktransfer.utils
        after = {k: repr(v) for k, v in sklearn.get_config().items()}
        print(json.dumps({"before": before, "after": after}))
    """)
    assert out["before"] == out["after"]
    assert out["after"]["enable_metadata_routing"] == "False"


def test_lazy_attribute_access():
    import sktransfer

    assert sktransfer.linear_model.TransferLasso.__name__ == "TransferLasso"
    assert "linear_model" in dir(sktransfer)
    with pytest.raises(AttributeError, match="no_such_thing"):
        sktransfer.no_such_thing  # noqa: B018


def test_neural_without_torch_names_the_extra():
    # Simulate a machine without torch: the import machinery treats a None
    # entry in sys.modules as "not installed".
    out = run_fresh("""
        import json, sys
        sys.modules["torch"] = None
        import sktransfer  # the package itself never needs torch
        try:
            import sktransfer.neural
        except ImportError as exc:
            print(json.dumps(str(exc)))
        else:
            print(json.dumps(None))
    """)
    assert out is not None and "sktransfer[torch]" in out


def test_kernels_and_datasets_import_no_torch():
    loaded = run_fresh("""
        import json, sys
        import sktransfer._kernels, sktransfer.datasets
        print(json.dumps(sorted(m for m in sys.modules
                                if m.split(".")[0] in ("torch", "cupy"))))
    """)
    assert loaded == []
