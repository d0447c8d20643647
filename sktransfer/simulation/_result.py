"""What a simulation study returns: the per-repetition table and its aggregates."""

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

_ID_COLUMNS = ["dgm", "method", "rep"]


@dataclass(frozen=True, eq=False)
class StudyResult:
    """Results of :meth:`Study.run`: one row per (cell, method, repetition).

    Attributes
    ----------
    raw : pandas.DataFrame
        The per-repetition rows as stored in a checkpoint (cell and method
        indices, parameters as JSON text, metric columns, ``error``,
        ``n_warnings``).
    cells : tuple of (str, dict)
        The DGM name and parameters of each cell, in study order.
    methods : tuple of str
        Method names, in study order.
    metrics : tuple of Metric
        The performance measures (their :meth:`~Metric.aggregate` gives the
        summary's estimates and Monte-Carlo standard errors).
    n_reps : int
        Repetitions per cell.
    entropy : int
        The root seed's entropy; ``Study(..., random_state=entropy)``
        reproduces the results.
    """

    raw: pd.DataFrame
    cells: tuple
    methods: tuple
    metrics: tuple
    n_reps: int
    entropy: int

    @classmethod
    def from_raw(cls, raw, study, entropy):
        cells = tuple((study.dgms[i].name, dict(p)) for i, p in study.cells)
        return cls(raw=raw, cells=cells, methods=tuple(m.name for m in study.methods),
                   metrics=tuple(study.metrics), n_reps=study.n_reps, entropy=entropy)

    @property
    def metric_names(self):
        return [m.name for m in self.metrics]

    @property
    def param_names(self):
        """Parameter names over all cells, in order of first appearance."""
        names = []
        for _, params in self.cells:
            names.extend(k for k in params if k not in names)
        return names

    @property
    def varying_params(self):
        """Parameters whose value differs between cells (or is absent in some)."""
        out = []
        for name in self.param_names:
            values = {json.dumps(p.get(name, "<absent>"), sort_keys=True, default=repr)
                      for _, p in self.cells}
            if len(values) > 1:
                out.append(name)
        return out

    def _param_frame(self, names):
        # One row per cell even when there are no parameters (from_records
        # would give zero rows then).
        return pd.DataFrame({k: [params.get(k, None) for _, params in self.cells]
                             for k in names}, index=range(len(self.cells)))

    def to_frame(self):
        """Tidy table: one row per (dgm, parameters, method, repetition).

        Columns: ``dgm``, one column per DGM parameter, ``method``, ``rep``,
        one column per metric, ``error`` (empty when the fit succeeded) and
        ``n_warnings`` (warnings the fit raised).
        """
        params = self._param_frame(self.param_names)
        cell_params = params.iloc[self.raw["cell"].to_numpy()].reset_index(drop=True)
        raw = self.raw.reset_index(drop=True)
        frame = pd.concat([raw[["dgm"]], cell_params,
                           raw[["method", "rep"] + self.metric_names
                               + ["error", "n_warnings"]]], axis=1)
        return frame

    def aggregate(self):
        """Long table of aggregates: one row per (cell, method, metric).

        Columns: ``dgm``, the parameters, ``method``, ``metric``,
        ``estimate``, ``mcse`` (Monte-Carlo standard error), ``n`` (the
        repetitions that entered: failed fits and metrics, and values that
        are NaN or infinite, are left out; :meth:`Study.run` warns about
        each kind).
        """
        rows = []
        for (cell, method_index), group in self.raw.groupby(
                ["cell", "method_index"], sort=True):
            for metric in self.metrics:
                values = group[metric.name].to_numpy(dtype=float)
                values = values[np.isfinite(values)]
                estimate, mcse = metric.aggregate(values)
                rows.append({"cell": cell, "method": self.methods[method_index],
                             "metric": metric.name, "estimate": estimate,
                             "mcse": mcse, "n": values.size})
        agg = pd.DataFrame.from_records(rows)
        params = self._param_frame(self.param_names)
        cell_params = params.iloc[agg["cell"].to_numpy()].reset_index(drop=True)
        dgm = pd.Series([self.cells[c][0] for c in agg["cell"]], name="dgm")
        return pd.concat([dgm, cell_params, agg.drop(columns="cell")], axis=1)

    def summary(self, digits=3):
        """Aggregates with their Monte-Carlo s.e., as text, HTML, Markdown, LaTeX.

        Parameters
        ----------
        digits : int, default=3
            Significant digits of the estimates (two for the s.e.).

        Returns
        -------
        StudySummary
        """
        from ._summary import StudySummary

        return StudySummary.from_result(self, digits)

    def to_latex(self, digits=3):
        """The summary table as a LaTeX ``tabular`` (booktabs rules)."""
        return self.summary(digits).to_latex()

    def plot(self, metric, x=None, *, n_se=1.96, ax=None):
        """Plot one metric's estimates with Monte-Carlo error bars.

        Parameters
        ----------
        metric : str
            A metric name of the study.
        x : str, default=None
            Grid parameter on the horizontal axis (one line per method);
            by default the first varying parameter. Other varying
            parameters (and DGMs) get one panel each. With no varying
            parameter the methods are the horizontal axis.
        n_se : float, default=1.96
            Error bars are ``estimate ± n_se · MCSE`` (1.96: a 95%
            Monte-Carlo interval).
        ax : matplotlib Axes, default=None
            Draw here (only when there is a single panel).

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        if metric not in self.metric_names:
            raise ValueError(
                f"metric must be one of {self.metric_names}, got {metric!r}."
            )
        varying = self.varying_params
        if x is None and varying:
            x = varying[0]
        if x is not None and x not in self.param_names:
            raise ValueError(
                f"x must be a DGM parameter {self.param_names}, got {x!r}."
            )
        agg = self.aggregate()
        agg = agg[agg["metric"] == metric]
        facets = ["dgm"] + [p for p in varying if p != x]
        keys = agg[facets].astype(str).agg(" | ".join, axis=1) if len(facets) > 1 else \
            agg["dgm"].astype(str)
        panels = list(dict.fromkeys(keys))
        if ax is not None:
            if len(panels) > 1:
                raise ValueError(f"ax: the plot has {len(panels)} panels, not one.")
            fig, axes = ax.figure, [ax]
        else:
            ncols = min(3, len(panels))
            nrows = -(-len(panels) // ncols)
            fig, grid = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.4 * nrows),
                                     squeeze=False)
            axes = grid.ravel()
            for extra in axes[len(panels):]:
                extra.set_visible(False)
        for panel, axis in zip(panels, axes):
            sub = agg[keys == panel]
            for offset, method in enumerate(self.methods):
                rows = sub[sub["method"] == method]
                if rows.empty:
                    continue
                if x is not None:
                    rows = rows.sort_values(x, key=_sort_key)
                yerr = n_se * rows["mcse"].fillna(0).to_numpy()
                if x is None:
                    axis.errorbar([offset], rows["estimate"], yerr=yerr, fmt="o",
                                  capsize=3, label=method)
                    continue
                xs = rows[x].to_numpy()
                if not all(isinstance(v, int | float | np.number) for v in xs):
                    xs = rows[x].astype(str).to_numpy()
                axis.errorbar(xs, rows["estimate"], yerr=yerr, marker="o", capsize=3,
                              label=method)
            if x is None:
                axis.set_xticks(range(len(self.methods)), self.methods, rotation=30,
                                ha="right")
            else:
                axis.set_xlabel(x)
            axis.set_ylabel(metric)
            axis.set_title(panel, fontsize="medium")
            axis.grid(alpha=0.3)
        axes[0].legend(fontsize="small")
        fig.tight_layout()
        return fig

    def __repr__(self):
        return (f"StudyResult({len(self.cells)} cells × {len(self.methods)} methods × "
                f"{self.n_reps} reps, metrics={self.metric_names})")


def _sort_key(series):
    try:
        return pd.to_numeric(series)
    except (TypeError, ValueError):
        return series.astype(str)
