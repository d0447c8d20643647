"""Study files: a simulation study described in TOML.

A study file names its data-generating mechanisms and methods from the
registry (:mod:`sktransfer.simulation._registry`) and fixes the metrics,
repetitions and seed::

    [study]
    title = "Trans-Lasso design"        # optional
    n_reps = 20                          # required, >= 1
    seed = 0                             # >= 0; omitted: fresh entropy
    metrics = ["l2_error", "tpr", "fpr", {name = "bias", coef = 0}]
    on_error = "raise"                   # or "record"

    [[dgm]]                              # one or more
    name = "trans_lasso_regression"      # a key of DGMS
    label = "Li-Cai-Li"                  # optional, the name in tables
    params = {n_features = 200, n_test = 200}   # fixed arguments
    grid = {n_informative = [0, 2, 5]}          # varied arguments (arrays)

    [[method]]                           # one or more
    name = "lasso"                       # a key of METHODS
    label = "Lasso"                      # optional
    params = {cv = 5}                    # the factory's parameters

    [plot]                               # optional
    x = "n_informative"                  # a DGM parameter
    metrics = ["l2_error"]               # default: every metric

    [output]                             # optional
    format = "parquet"                   # or "csv"; default: parquet
                                         # when pyarrow is installed

Every error — TOML syntax, an unknown table or key, an unknown DGM, method
or metric name, a value of the wrong type, a bad parameter, a metric that
the DGM's data cannot serve (checked on one data set drawn at every grid
point) — raises
:class:`StudyFileError`, whose message names the file, the line and the
dotted key (``method[2].params.alpha``; ``[[dgm]]`` and ``[[method]]``
tables count from 0).
"""

import bisect
import copy
import inspect
import numbers
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._metrics import METRICS
from ._registry import METHODS, StudyParameterError, get_dgm, get_method
from ._study import DEFAULT_METRICS, Study

FORMATS = ("parquet", "csv")

_SCHEMA = {
    "study": {"title", "n_reps", "seed", "metrics", "on_error"},
    "dgm": {"name", "label", "params", "grid"},
    "method": {"name", "label", "params"},
    "plot": {"x", "metrics"},
    "output": {"format"},
}


class StudyFileError(ValueError):
    """An invalid study file.

    The message reads ``FILE, line N: KEY: what is wrong``.

    Attributes
    ----------
    path : str
        The study file.
    key : str or None
        The dotted key to blame (``"method[2].params.alpha"``), if any.
    line : int or None
        Its line (from 1), if known.
    reason : str
        What is wrong.
    """

    def __init__(self, path, key, line, reason):
        self.path, self.key, self.line, self.reason = str(path), key, line, reason
        where = self.path if line is None else f"{self.path}, line {line}"
        super().__init__(f"{where}: {key}: {reason}" if key else f"{where}: {reason}")


@dataclass(frozen=True)
class StudySpec:
    """A study file, read: the :class:`Study` and the output options.

    Attributes
    ----------
    study : Study
        The study, ready to :meth:`~Study.run`.
    path : str
        The file it was read from.
    text : str
        The file's text.
    title : str or None
        ``study.title``.
    plot_x : str or None
        ``plot.x``: the grid parameter on the plots' horizontal axis
        (``None``: the first varying parameter).
    plot_metrics : tuple of str
        The metrics to plot, one figure each.
    output_format : {"parquet", "csv"} or None
        ``output.format``; ``None`` when the file does not say.
    """

    study: Study
    path: str
    text: str = field(repr=False)
    title: str | None
    plot_x: str | None
    plot_metrics: tuple
    output_format: str | None


def load_study(path, *, overrides=None):
    """Read a study file.

    Parameters
    ----------
    path : str or Path
        The TOML file.
    overrides : dict, default=None
        Values merged over the file's before it is checked: tables merge key
        by key, and a table given for an array of tables (``dgm``,
        ``method``) is merged into each of them. (``sktransfer demo`` uses
        this to shrink its study.)

    Returns
    -------
    StudySpec

    Raises
    ------
    StudyFileError
        For an unreadable or invalid file, naming the key and its line.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StudyFileError(path, None, None,
                             f"cannot read the study file ({exc}).") from None
    return parse_study(text, path, overrides=overrides)


def parse_study(text, path="<string>", *, overrides=None):
    """Parse the text of a study file (see :func:`load_study`).

    Parameters
    ----------
    text : str
        TOML text.
    path : str or Path, default="<string>"
        The name used in error messages.
    overrides : dict, default=None
        See :func:`load_study`.

    Returns
    -------
    StudySpec
    """
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(text, path, exc) from None
    if overrides:
        document = _merge(document, overrides)
    return _Reader(path, KeyLocator(text)).read(document, text)


# ---------------------------------------------------------------------------
# Reading the document
# ---------------------------------------------------------------------------


class _Reader:
    def __init__(self, path, locator):
        self.path = path
        self.locator = locator

    def error(self, key, reason):
        return StudyFileError(self.path, format_key(key), self.locator.line(key),
                              reason)

    # -- generic checks ------------------------------------------------------

    def table(self, value, key, allowed=None):
        """``value``, checked to be a table whose keys are all ``allowed``."""
        if not isinstance(value, dict):
            raise self.error(key, f"must be a table, got {_kind(value)}.")
        for name in value if allowed is not None else ():
            if name not in allowed:
                raise self.error(
                    (*key, name),
                    f"unknown key; {format_key(key) or 'the top level'} takes "
                    f"{', '.join(sorted(allowed))}.")
        return value

    def array_of_tables(self, document, name):
        value = document.get(name)
        if value is None:
            raise self.error((), f"the file has no [[{name}]] table; at least one "
                                 "is required.")
        if not isinstance(value, list):
            raise self.error((name,), f"must be an array of tables: write "
                                      f"[[{name}]], not [{name}].")
        return value

    def required(self, table, key, name):
        if name not in table:
            raise self.error(key, f"missing required key {name!r}.")
        return table[name]

    def integer(self, value, key, minimum):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"must be an integer, got {_kind(value)}.")
        if value < minimum:
            raise self.error(key, f"must be >= {minimum}, got {value}.")
        return value

    def string(self, value, key, choices=None):
        if not isinstance(value, str) or not value:
            raise self.error(key, f"must be a non-empty string, got {_kind(value)}.")
        if choices is not None and value not in choices:
            raise self.error(key, f"must be one of {', '.join(map(repr, choices))}, "
                                  f"got {value!r}.")
        return value

    def string_list(self, value, key):
        if not isinstance(value, list):
            raise self.error(key, f"must be an array of strings, got {_kind(value)}.")
        return [self.string(v, (*key, i)) for i, v in enumerate(value)]

    # -- the document --------------------------------------------------------

    def read(self, document, text):
        self.table(document, (), set(_SCHEMA))
        study = self.table(self.required(document, (), "study"), ("study",),
                           _SCHEMA["study"])
        title = None
        if "title" in study:
            title = self.string(study["title"], ("study", "title"))
        n_reps = self.integer(self.required(study, ("study",), "n_reps"),
                              ("study", "n_reps"), 1)
        seed = None
        if "seed" in study:
            seed = self.integer(study["seed"], ("study", "seed"), 0)
        on_error = self.string(study.get("on_error", "raise"), ("study", "on_error"),
                               ("raise", "record"))
        metrics = self.metrics(study.get("metrics", list(DEFAULT_METRICS)))
        dgms = self.dgms(self.array_of_tables(document, "dgm"), metrics)
        methods = self.methods(self.array_of_tables(document, "method"))
        try:
            built = Study(dgms, methods, metrics=metrics, n_reps=n_reps,
                          random_state=seed, on_error=on_error)
        except (TypeError, ValueError) as exc:
            raise self.error(self._study_key(str(exc), metrics), str(exc)) from None
        plot_x, plot_metrics = self.plot(document.get("plot", {}), built)
        output_format = None
        if "output" in document:
            output = self.table(document["output"], ("output",), _SCHEMA["output"])
            if "format" in output:
                output_format = self.string(output["format"], ("output", "format"),
                                            FORMATS)
        return StudySpec(study=built, path=str(self.path), text=text, title=title,
                         plot_x=plot_x, plot_metrics=tuple(plot_metrics),
                         output_format=output_format)

    @staticmethod
    def _study_key(message, metrics):
        """The key to blame for an error of :class:`Study` itself."""
        match = re.search(r"metric '([^']+)'", message)
        names = [m.name for m in metrics]
        if match and match.group(1) in names:
            return ("study", "metrics", names.index(match.group(1)))
        return ("study", "metrics") if "metric" in message else ("study",)

    def metrics(self, value):
        key = ("study", "metrics")
        if not isinstance(value, list) or not value:
            raise self.error(key, "must be a non-empty array of metric names or "
                                  f"tables, got {_kind(value)}.")
        metrics, names = [], {}
        for i, item in enumerate(value):
            item_key = (*key, i)
            if isinstance(item, dict):
                name = self.string(self.required(item, item_key, "name"),
                                   (*item_key, "name"))
                params = {k: v for k, v in item.items() if k != "name"}
                name_key = (*item_key, "name")
            else:
                name = self.string(item, item_key)
                params, name_key = {}, item_key
            if name not in METRICS:
                raise self.error(name_key, f"unknown metric {name!r}; known: "
                                           f"{', '.join(sorted(METRICS))}.")
            cls = METRICS[name]
            accepted = set(inspect.signature(cls).parameters)
            for param in params:
                if param not in accepted:
                    raise self.error(
                        (*item_key, param),
                        f"metric {name!r} has no parameter {param!r}; it takes "
                        f"{', '.join(sorted(accepted)) or 'none'}.")
            try:
                metric = cls(**params)
            except (TypeError, ValueError) as exc:
                blamed = _blame(str(exc), params)
                raise self.error(item_key if blamed is None else (*item_key, blamed),
                                 f"metric {name!r}: {exc}") from None
            if metric.name in names:
                first = format_key((*key, names[metric.name]))
                raise self.error(item_key, f"metric {metric.name!r} is listed "
                                           f"twice (also {first}).")
            names[metric.name] = i
            metrics.append(metric)
        return metrics

    def dgms(self, tables, metrics):
        dgms, labels = [], {}
        for i, table in enumerate(tables):
            key = ("dgm", i)
            self.table(table, key, _SCHEMA["dgm"])
            name = self.string(self.required(table, key, "name"), (*key, "name"))
            label = name
            if "label" in table:
                label = self.string(table["label"], (*key, "label"))
            params = self.table(table.get("params", {}), (*key, "params"))
            grid = self.table(table.get("grid", {}), (*key, "grid"))
            for param, values in grid.items():
                if not isinstance(values, list) or not values:
                    raise self.error(
                        (*key, "grid", param),
                        "grid values must be non-empty arrays (put a fixed value "
                        f"in params), got {_kind(values)}.")
            try:
                dgm = get_dgm(name, params, grid, label=label)
            except StudyParameterError as exc:
                raise self.error(self._param_key(key, exc.param, params, grid,
                                                 "name"), str(exc)) from None
            except (TypeError, ValueError) as exc:
                raise self.error((*key, "grid"), str(exc)) from None
            self.check_sample(dgm, key, params, grid, metrics)
            self.unique(labels, label, key, table, "DGM")
            dgms.append(dgm)
        return dgms

    def check_sample(self, dgm, key, params, grid, metrics):
        """Draw one data set at every grid point, so bad values fail now.

        Each data set is also shown to every metric (``Metric.check_data``),
        so that a metric the data cannot serve (``prediction_error`` without
        ``n_test``, ``bias`` of a coefficient out of range) fails now too.
        """
        for point in dgm.points():
            where = ", ".join(f"{k}={point[k]!r}" for k in grid)
            at = f" at {where}" if where else ""
            try:
                data = dgm.sample(np.random.default_rng(0), point)
            except Exception as exc:  # any failure of the simulator
                blamed = _blame(str(exc), grid) or _blame(str(exc), params)
                reason = f"DGM {dgm.name!r}{at}: {type(exc).__name__}: {exc}"
                if blamed is None:
                    raise self.error(key, reason) from None
                section = "grid" if blamed in grid else "params"
                raise self.error((*key, section, blamed), reason) from None
            for i, metric in enumerate(metrics):
                try:
                    metric.check_data(data)
                except ValueError as exc:
                    raise self.error(
                        ("study", "metrics", i),
                        f"with DGM {dgm.name!r} ({format_key(key)}){at}: {exc}",
                    ) from None

    def methods(self, tables):
        methods, labels = [], {}
        for i, table in enumerate(tables):
            key = ("method", i)
            self.table(table, key, _SCHEMA["method"])
            name = self.string(self.required(table, key, "name"), (*key, "name"))
            if name not in METHODS:
                raise self.error((*key, "name"), f"unknown method {name!r}; known: "
                                                 f"{', '.join(sorted(METHODS))}.")
            label = None
            if "label" in table:
                label = self.string(table["label"], (*key, "label"))
            params = self.table(table.get("params", {}), (*key, "params"))
            try:
                method = get_method(name, params, label=label)
            except (TypeError, ValueError) as exc:
                param = getattr(exc, "param", None)
                raise self.error(self._param_key(key, param, params, {}, None),
                                 str(exc)) from None
            self.unique(labels, method.name, key, table, "method")
            methods.append(method)
        return methods

    def _param_key(self, key, param, params, grid, fallback):
        if param is not None and param in grid:
            return (*key, "grid", param)
        if param is not None and param in params:
            return (*key, "params", param)
        if param is None and fallback is not None:
            return (*key, fallback)
        return (*key, "params") if params else key

    def unique(self, seen, label, key, table, what):
        if label in seen:
            where = (*key, "label") if "label" in table else key
            raise self.error(where, f"two {what}s are named {label!r} (also "
                                    f"{format_key(seen[label])}); give them "
                                    "distinct labels.")
        seen[label] = key

    def plot(self, value, study):
        plot = self.table(value, ("plot",), _SCHEMA["plot"])
        names = [m.name for m in study.metrics]
        x = None
        if "x" in plot:
            x = self.string(plot["x"], ("plot", "x"))
            params = {k for _, point in study.cells for k in point}
            if x not in params:
                raise self.error(("plot", "x"), f"{x!r} is not a DGM parameter; "
                                                f"use one of {sorted(params)}.")
        metrics = names
        if "metrics" in plot:
            metrics = self.string_list(plot["metrics"], ("plot", "metrics"))
            for i, metric in enumerate(metrics):
                if metric not in names:
                    raise self.error(("plot", "metrics", i),
                                     f"{metric!r} is not a metric of the study "
                                     f"({', '.join(names)}).")
        return x, metrics


def _blame(message, keys):
    """The first of ``keys`` named as a whole word in ``message``, if any."""
    for key in keys:
        if re.search(rf"(?<![\w.]){re.escape(key)}(?!\w)", message):
            return key
    return None


def _kind(value):
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, numbers.Integral):
        return f"an integer ({value})"
    if isinstance(value, numbers.Real):
        return f"a float ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    return f"{type(value).__name__} ({value})"


def _merge(document, overrides):
    out = copy.deepcopy(document)
    for key, value in overrides.items():
        current = out.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            out[key] = _merge(current, value)
        elif isinstance(value, dict) and isinstance(current, list):
            out[key] = [_merge(t, value) if isinstance(t, dict) else t
                        for t in current]
        else:
            out[key] = copy.deepcopy(value)
    return out


def format_key(path):
    """``("method", 2, "params", "alpha")`` as ``"method[2].params.alpha"``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            bare = re.fullmatch(r"[A-Za-z0-9_-]+", part) is not None
            name = part if bare else '"' + part.replace('"', '\\"') + '"'
            text += ("." if text else "") + name
    return text


def _syntax_error(text, path, exc):
    message = str(exc)
    match = re.search(r"at line (\d+)", message)
    line = int(match.group(1)) if match else None
    key = None
    if line is not None:
        key = _key_at_line(text, line)
    reason = f"invalid TOML: {message}"
    return StudyFileError(path, key, line, reason)


_KEY_AT_START = re.compile(
    r"""\s*(\[\[?)?\s*((?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
    r"""(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'))*)\s*(=|\]\]?)?""")


def _key_at_line(text, line):
    """Best effort: the dotted key being defined on ``line`` (1-based)."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return None
    try:
        locator = KeyLocator("\n".join(lines[:line - 1]) + "\n")
    except Exception:  # the text before the error is not valid TOML either
        return None
    match = _KEY_AT_START.match(lines[line - 1])
    if match is None or (match.group(1) is None and match.group(3) != "="):
        return format_key(locator.table) or None
    parts = KeyLocator.split_key(match.group(2))
    if match.group(1):  # a table header
        return format_key(parts)
    return format_key((*locator.table, *parts))


# ---------------------------------------------------------------------------
# Line numbers of keys
# ---------------------------------------------------------------------------


class KeyLocator:
    """Line numbers of the keys of a TOML text.

    :mod:`tomllib` gives values without positions; this scanner walks the
    (already validated) text once and records the line on which each key,
    table header and array element starts, under its path: a tuple of keys
    and array indices (``("method", 1, "params", "alpha")``). Table headers
    ``[a.b]``, arrays of tables ``[[a]]``, dotted keys, inline tables and
    (multi-line) arrays are followed; strings of every kind are skipped.

    Parameters
    ----------
    text : str
        A valid TOML document.

    Attributes
    ----------
    lines : dict
        Path → line (from 1) where it is first defined.
    table : tuple
        The path of the last table header (where the text ends).
    """

    def __init__(self, text):
        self.text = text
        self.lines = {}
        self.table = ()
        self._newlines = [m.start() for m in re.finditer("\n", text)]
        self._i = 0
        self._scan()

    def line(self, path):
        """The line of ``path``, or of its nearest recorded ancestor; ``None``."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    @staticmethod
    def split_key(text):
        """The parts of a (dotted, possibly quoted) key."""
        scanner = KeyLocator("")
        scanner.text, scanner._i = text, 0
        return scanner._key()

    # -- scanning ------------------------------------------------------------

    def _line_at(self, index):
        return bisect.bisect_left(self._newlines, index) + 1

    def _peek(self, n=1):
        return self.text[self._i:self._i + n]

    def _more(self):
        """Raise at the end of the text (inside a value: not valid TOML)."""
        if self._i >= len(self.text):
            raise ValueError("unexpected end of the TOML text")

    def _skip_blank(self, newlines=True):
        text, n = self.text, len(self.text)
        while self._i < n:
            c = text[self._i]
            if c in " \t" or (newlines and c in "\r\n"):
                self._i += 1
            elif c == "#" and newlines:
                end = text.find("\n", self._i)
                self._i = n if end < 0 else end
            else:
                break

    def _scan(self):
        arrays = {}
        while True:
            self._skip_blank()
            if self._i >= len(self.text):
                return
            if self._peek() == "[":
                double = self._peek(2) == "[["
                line = self._line_at(self._i)
                self._i += 2 if double else 1
                self._skip_blank(newlines=False)
                parts = self._key()
                self._skip_blank(newlines=False)
                self._i += 2 if double else 1
                path = ()
                for part in parts[:-1]:
                    path += (part,)
                    if path in arrays:
                        path += (arrays[path] - 1,)
                path += (parts[-1],)
                if double:
                    arrays[path] = arrays.get(path, 0) + 1
                    self.lines.setdefault(path, line)
                    path += (arrays[path] - 1,)
                self.lines.setdefault(path, line)
                self.table = path
            else:
                self._keyval(self.table)
            self._skip_blank(newlines=False)
            if self._peek() == "#":
                self._skip_blank()

    def _keyval(self, prefix):
        line = self._line_at(self._i)
        path = prefix + tuple(self._key())
        for end in range(len(prefix) + 1, len(path) + 1):
            self.lines.setdefault(path[:end], line)
        self._skip_blank(newlines=False)
        self._i += 1  # "="
        self._skip_blank(newlines=False)
        self._value(path)

    def _key(self):
        parts = []
        while True:
            self._skip_blank(newlines=False)
            c = self._peek()
            if c == '"':
                start = self._i
                self._skip_basic_string()
                parts.append(tomllib.loads("k = " + self.text[start:self._i])["k"])
            elif c == "'":
                end = self.text.index("'", self._i + 1)
                parts.append(self.text[self._i + 1:end])
                self._i = end + 1
            else:
                match = re.compile(r"[A-Za-z0-9_-]+").match(self.text, self._i)
                if match is None:
                    raise ValueError(f"no key at offset {self._i}")
                parts.append(match.group())
                self._i = match.end()
            self._skip_blank(newlines=False)
            if self._peek() != ".":
                return parts
            self._i += 1

    def _value(self, path):
        c = self._peek()
        if c == "[":
            self._i += 1
            index = 0
            while True:
                self._skip_blank()
                self._more()
                if self._peek() == "]":
                    self._i += 1
                    return
                self.lines.setdefault((*path, index), self._line_at(self._i))
                self._value((*path, index))
                index += 1
                self._skip_blank()
                if self._peek() == ",":
                    self._i += 1
        elif c == "{":
            self._i += 1
            while True:
                self._skip_blank()
                self._more()
                if self._peek() == "}":
                    self._i += 1
                    return
                self._keyval(path)
                self._skip_blank()
                if self._peek() == ",":
                    self._i += 1
        elif self._peek(3) in ('"""', "'''"):
            quote = self._peek(3)
            self._i += 3
            while True:
                self._more()
                if quote == '"""' and self._peek() == "\\":
                    self._i += 2
                    continue
                if self._peek(3) == quote:
                    self._i += 3
                    while self._peek() == quote[0]:  # up to two quotes of content
                        self._i += 1
                    return
                self._i += 1
        elif c == '"':
            self._skip_basic_string()
        elif c == "'":
            self._i = self.text.index("'", self._i + 1) + 1
        else:
            match = re.compile(r"[^,\]}\n#]*").match(self.text, self._i)
            self._i = match.end()

    def _skip_basic_string(self):
        self._i += 1
        while True:
            self._more()
            c = self._peek()
            if c == "\\":
                self._i += 2
            elif c == '"':
                self._i += 1
                return
            else:
                self._i += 1
