"""The summary table of a simulation study, as text, HTML, Markdown and LaTeX."""

import html
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True, eq=False)
class StudySummary:
    """Aggregated performance with Monte-Carlo standard errors.

    Each entry reads ``estimate (MCSE)``. Rows are (DGM, varying
    parameters, method); columns are metrics. Parameters that are the same
    in every cell are listed once above the table.

    Attributes
    ----------
    table : pandas.DataFrame
        The aggregates in long form (see :meth:`StudyResult.aggregate`).
    fixed : dict
        Parameters with one value in every cell.
    varying : list of str
        Parameters that take several values.
    n_reps : int
        Repetitions per cell.
    entropy : int
        Root seed.
    digits : int
        Significant digits of the estimates.
    """

    table: pd.DataFrame
    fixed: dict
    varying: list
    metrics: list
    methods: list
    n_reps: int
    entropy: int
    digits: int = 3

    @classmethod
    def from_result(cls, result, digits=3):
        if isinstance(digits, bool) or not isinstance(digits, int):
            raise TypeError(f"digits must be an int, got {digits!r}.")
        if digits < 1:
            raise ValueError(f"digits must be >= 1, got {digits!r}.")
        varying = result.varying_params
        first = result.cells[0][1]
        fixed = {k: first[k] for k in result.param_names
                 if k not in varying and k in first}
        return cls(table=result.aggregate(), fixed=fixed, varying=varying,
                   metrics=result.metric_names, methods=list(result.methods),
                   n_reps=result.n_reps, entropy=result.entropy, digits=digits)

    def to_frame(self):
        """The wide table of ``estimate (MCSE)`` strings (rows × metrics)."""
        # The aggregate table holds the metrics of each (cell, method) in
        # consecutive rows, in metric order. Reshaping it (rather than
        # pivoting on the parameters) keeps one row per (cell, method) when a
        # parameter is absent in some cells (NaN keys).
        index = ["dgm"] + self.varying + ["method"]
        k = len(self.metrics)
        table = self.table
        entries = [_entry(e, s, self.digits)
                   for e, s in zip(table["estimate"], table["mcse"])]
        keys = table[index].iloc[::k].reset_index(drop=True).map(_label)
        wide = pd.DataFrame(np.reshape(np.array(entries, dtype=object), (-1, k)),
                            columns=self.metrics)
        n = table["n"].to_numpy().reshape(-1, k).min(axis=1)
        if (n < self.n_reps).any():
            wide["n"] = n.astype(int)
        wide.index = pd.MultiIndex.from_frame(keys)
        return wide

    def _header_lines(self):
        lines = [f"Simulation study: {self.n_reps} repetitions per cell, "
                 f"seed entropy {self.entropy}",
                 "entries: estimate (Monte-Carlo standard error)"]
        if self.fixed:
            lines.append("fixed: " + ", ".join(f"{k}={v!r}" for k, v in
                                               self.fixed.items()))
        return lines

    def as_text(self):
        """Plain-text table."""
        body = self.to_frame().reset_index().to_string(index=False)
        return "\n".join(self._header_lines() + ["", body])

    def as_html(self):
        """HTML table (what notebooks show)."""
        head = "".join(f"<p>{html.escape(line)}</p>" for line in self._header_lines())
        return head + self.to_frame().to_html()

    def to_markdown(self):
        """A GitHub-flavoured Markdown table with the header lines above it."""
        frame = self.to_frame().reset_index()
        cols = list(map(str, frame.columns))
        lines = ["| " + " | ".join(_md(c) for c in cols) + " |",
                 "|" + "|".join("---" for _ in cols) + "|"]
        for row in frame.itertuples(index=False):
            lines.append("| " + " | ".join(_md(str(v)) for v in row) + " |")
        return "\n".join([*(f"{line}  " for line in self._header_lines()), "",
                          *lines, ""])

    def to_latex(self):
        """A LaTeX ``tabular`` with booktabs rules (``\\usepackage{booktabs}``)."""
        frame = self.to_frame().reset_index()
        cols = list(map(str, frame.columns))
        n_left = len(cols) - len(self.metrics) - (1 if "n" in cols else 0)
        spec = "l" * n_left + "r" * (len(cols) - n_left)
        lines = [f"\\begin{{tabular}}{{{spec}}}", "\\toprule",
                 " & ".join(_tex(c) for c in cols) + " \\\\", "\\midrule"]
        for row in frame.itertuples(index=False):
            lines.append(" & ".join(_tex(str(v)) for v in row) + " \\\\")
        lines += ["\\bottomrule", "\\end{tabular}", ""]
        return "\n".join(lines)

    def __str__(self):
        return self.as_text()

    def _repr_html_(self):
        return self.as_html()


def _label(value):
    """An index label: grid values such as lists are unhashable, so as text."""
    try:
        hash(value)
    except TypeError:
        return str(value)
    return value


def _entry(estimate, mcse, digits):
    if not math.isfinite(estimate):
        return "n/a"
    text = f"{estimate:.{digits}g}"
    if math.isfinite(mcse):
        text += f" ({mcse:.2g})"
    return text


def _md(text):
    return text.replace("|", "\\|")


_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
        "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}"}


def _tex(text):
    return "".join(_TEX.get(ch, ch) for ch in text)
