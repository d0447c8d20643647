"""Checkpoint files of simulation studies: results stream to disk by chunk.

A checkpoint is a table of finished repetitions plus a metadata file beside
it (``<path>.meta.json``) that identifies the study. Two formats:

* ``*.csv``: one file; each chunk is appended with a single write and
  ``fsync``. A line cut short by a killed process is dropped on resume.
* ``*.parquet``: a directory (a Parquet dataset); each chunk is one part
  file written under a temporary name and renamed, so a part is either
  whole or absent. Needs ``pyarrow``.

A repetition's rows (one per method) are written together; on resume a
repetition counts as done only when all its method rows are present.
"""

import json
import os
import uuid
from pathlib import Path

import pandas as pd

FORMAT_TAG = "sktransfer-study-checkpoint"
# Floats must read back bit-exact. pandas 3 parses them so by default and
# deprecates float_precision (a warning, an error under the test settings).
_ROUND_TRIP = ({} if int(pd.__version__.split(".")[0]) >= 3
               else {"float_precision": "round_trip"})
FORMAT_VERSION = 1
KEY_COLUMNS = ["cell", "rep", "method_index", "dgm", "params", "method"]
TAIL_COLUMNS = ["error", "n_warnings"]


def checkpoint_format(path):
    """``"csv"`` or ``"parquet"`` from the path's suffix."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise ValueError(
        f"checkpoint must end in .csv or .parquet, got {str(path)!r}."
    )


def _require_pyarrow():
    try:
        import pyarrow  # noqa: F401
    except ImportError:  # pragma: no cover - pyarrow is in the test extra
        raise ImportError(
            "Parquet checkpoints need pyarrow: pip install pyarrow "
            "(or sktransfer[dist]); or use a .csv checkpoint."
        ) from None


class Checkpoint:
    """The on-disk table of one study's finished repetitions.

    Parameters
    ----------
    path : str or Path
        ``*.csv`` file or ``*.parquet`` directory.
    meta : dict
        The study's identity: ``entropy``, ``fingerprint`` and the metric
        column names. An existing checkpoint with another fingerprint is
        refused. ``entropy=None`` (a study without a seed) takes the stored
        entropy of an existing checkpoint.
    new_entropy : int, default=None
        The entropy of a new checkpoint when ``meta["entropy"]`` is None.
    """

    def __init__(self, path, meta, new_entropy=None):
        self.path = Path(path)
        self.format = checkpoint_format(self.path)
        if self.format == "parquet":
            _require_pyarrow()
        self.meta_path = Path(str(self.path) + ".meta.json")
        self.metric_columns = list(meta["metrics"])
        self.columns = KEY_COLUMNS + self.metric_columns + TAIL_COLUMNS
        self._open(meta, new_entropy)

    # -- metadata ----------------------------------------------------------

    def _open(self, meta, new_entropy):
        data_exists = self.path.exists()
        if self.meta_path.exists():
            try:
                stored = json.loads(self.meta_path.read_text())
            except (OSError, ValueError) as exc:
                raise ValueError(
                    f"checkpoint metadata {str(self.meta_path)!r} is unreadable: "
                    f"{exc}"
                ) from None
            if stored.get("format") != FORMAT_TAG:
                raise ValueError(
                    f"{str(self.meta_path)!r} is not a sktransfer study checkpoint."
                )
            if meta.get("entropy") is None:
                meta["entropy"] = stored["entropy"]
            mismatched = [key for key in ("entropy", "fingerprint", "metrics")
                          if stored.get(key) != meta[key]]
            if mismatched:
                raise ValueError(
                    f"checkpoint {str(self.path)!r} was written by a different "
                    f"study (its {' and '.join(mismatched)} "
                    f"{'differs' if len(mismatched) == 1 else 'differ'}); use another "
                    "checkpoint path or delete this one and its .meta.json."
                )
        elif data_exists:
            raise ValueError(
                f"checkpoint {str(self.path)!r} exists without its metadata file "
                f"{str(self.meta_path)!r}; refusing to mix results into it."
            )
        else:
            if meta.get("entropy") is None:
                meta["entropy"] = new_entropy
            if meta.get("entropy") is None:
                raise ValueError("a new checkpoint needs the study's entropy.")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write_text(
                self.meta_path,
                json.dumps({"format": FORMAT_TAG, "version": FORMAT_VERSION, **meta},
                           indent=1),
            )
        self.entropy = meta["entropy"]
        if self.format == "csv" and self.path.exists():
            _drop_partial_last_line(self.path)

    # -- reading -----------------------------------------------------------

    def read(self):
        """All rows on disk (duplicates of a repetition: the last kept)."""
        if self.format == "csv":
            frame = self._read_csv()
        else:
            frame = self._read_parquet()
        if frame is None or frame.empty:
            return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in self.columns})
        frame = frame.drop_duplicates(["cell", "rep", "method_index"], keep="last")
        frame["error"] = frame["error"].fillna("").astype(str)
        return frame[self.columns].reset_index(drop=True)

    def _read_csv(self):
        if not self.path.exists() or self.path.stat().st_size == 0:
            return None
        # Text columns stay text: a method named "1" must not come back as 1.
        frame = pd.read_csv(self.path, keep_default_na=False, na_values={
                                c: ["", "nan", "NaN"] for c in self.metric_columns},
                            dtype={c: str for c in self.columns if _dtype(c) is str},
                            **_ROUND_TRIP)
        missing = set(self.columns) - set(frame.columns)
        if missing:
            raise ValueError(
                f"checkpoint {str(self.path)!r} lacks columns {sorted(missing)}."
            )
        return frame

    def _read_parquet(self):
        if not self.path.exists():
            return None
        parts = sorted(self.path.glob("part-*.parquet"))
        if not parts:
            return None
        return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)

    # -- writing -----------------------------------------------------------

    def append(self, frame):
        """Write the rows of one finished chunk, all or nothing."""
        frame = frame[self.columns]
        if self.format == "csv":
            header = not self.path.exists() or self.path.stat().st_size == 0
            text = frame.to_csv(index=False, header=header, lineterminator="\n")
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            self.path.mkdir(parents=True, exist_ok=True)
            table = pa.Table.from_pandas(frame, schema=self._schema(),
                                         preserve_index=False)
            name = f"part-{uuid.uuid4().hex}.parquet"
            tmp = self.path / f".{name}.tmp"
            pq.write_table(table, tmp)
            os.replace(tmp, self.path / name)

    def _schema(self):
        import pyarrow as pa

        kinds = {"int64": pa.int64(), "float64": pa.float64(), str: pa.string()}
        return pa.schema([(c, kinds[_dtype(c)]) for c in self.columns])

def _dtype(column):
    if column in ("cell", "rep", "method_index", "n_warnings"):
        return "int64"
    if column in ("dgm", "params", "method", "error"):
        return str  # pandas' default string dtype (object before pandas 3)
    return "float64"


def _drop_partial_last_line(path):
    """Truncate a CSV after its last newline (a write cut by a killed process)."""
    size = path.stat().st_size
    if size == 0:
        return
    with open(path, "rb+") as fh:
        fh.seek(max(0, size - 1))
        if fh.read(1) == b"\n":
            return
        block = 1 << 16
        end = size
        while end > 0:
            start = max(0, end - block)
            fh.seek(start)
            chunk = fh.read(end - start)
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                fh.truncate(start + cut + 1)
                return
            end = start
        fh.truncate(0)


def _atomic_write_text(path, text):
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
