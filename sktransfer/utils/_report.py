"""A statsmodels-style summary: a title, key/value lines, a table and notes.

Result objects of the calculators and diagnostics (planning, representation)
return :class:`Summary` from their ``summary()``; printing it gives the text
table and notebooks show its HTML form.
"""

import html
import math
import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


def format_value(value, digits=4):
    """A number as text: integers in full, reals to ``digits`` significant digits.

    ``inf`` reads ``"inf"``, ``None`` reads ``"-"``; other objects use ``str``.
    """
    if value is None:
        return "-"
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        value = float(value)
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:.{digits}g}"
    return str(value)


@dataclass(frozen=True, eq=False)
class Summary:
    """A printable summary of a result.

    Attributes
    ----------
    title : str
        First line.
    info : tuple of (str, object)
        Key/value lines under the title; values are formatted with
        :func:`format_value`.
    table : pandas.DataFrame or None
        The main table (numbers formatted with :func:`format_value`).
    notes : tuple of str
        Lines printed under the table.
    """

    title: str
    info: tuple = ()
    table: pd.DataFrame | None = None
    notes: tuple = field(default=())

    def _table_text(self):
        frame = self.table.map(format_value)
        frame.index = pd.Index([format_value(i) for i in frame.index],
                               name=frame.index.name)
        return frame.to_string()

    def as_text(self):
        """Plain text."""
        width = max([len(self.title)]
                    + [len(f"{k}: {format_value(v)}") for k, v in self.info])
        body = self._table_text() if self.table is not None else ""
        width = max([width] + [len(line) for line in body.splitlines()])
        lines = [self.title, "=" * width]
        key_width = max([len(k) for k, _ in self.info] + [0])
        lines += [f"{k + ':':<{key_width + 1}} {format_value(v)}" for k, v in self.info]
        if body:
            lines += ["-" * width, body]
        if self.notes:
            lines += ["-" * width, *self.notes]
        return "\n".join(lines)

    def as_html(self):
        """HTML (what notebooks show)."""
        parts = [f"<h4>{html.escape(self.title)}</h4>"]
        if self.info:
            rows = "".join(
                f"<tr><th>{html.escape(k)}</th><td>{html.escape(format_value(v))}</td></tr>"
                for k, v in self.info)
            parts.append(f"<table>{rows}</table>")
        if self.table is not None:
            parts.append(self.table.map(format_value).to_html())
        parts += [f"<p>{html.escape(note)}</p>" for note in self.notes]
        return "".join(parts)

    def __str__(self):
        return self.as_text()

    def _repr_html_(self):
        return self.as_html()
