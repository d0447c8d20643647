"""Result object of the desparsified (debiased) GLM lasso."""

import numbers
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

_COLUMNS = ("coef", "std err", "z", "P>|z|")


def _check_alpha(alpha, level):
    """``1 - level`` when ``alpha`` is None; else a validated float in (0, 1)."""
    if alpha is None:
        return 1.0 - level
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise TypeError(f"alpha must be a float in (0, 1), got {alpha!r}.")
    alpha = float(alpha)
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}.")
    return alpha


def _quantile_label(q):
    """``0.025`` -> ``'0.025'``; trailing zeros dropped, as statsmodels does."""
    return f"{q:.4f}".rstrip("0").rstrip(".")


@dataclass(frozen=True, eq=False, repr=False)
class DesparsifiedResult:
    r"""Coordinate-wise inference from the desparsified GLM lasso.

    Returned by :func:`sktransfer.inference.desparsified_glm`. All arrays
    are read-only. Intervals and p-values use the normal approximation
    ``(b̂_j - β_j) / se_j ≈ N(0, 1)``.

    Attributes
    ----------
    coef : ndarray of shape (n_features,)
        Debiased estimate ``b̂ = β̂ - Θ̂ ∇L_target(β̂)``.
    std_err : ndarray of shape (n_features,)
        Standard errors ``se_j = sqrt((Θ̂ Σ̂ Θ̂^T)_jj / n_target)``; NaN for a
        coordinate whose nodewise residual variance ``τ̂_j²`` vanished.
    z : ndarray of shape (n_features,)
        Wald statistics ``b̂_j / se_j`` for ``H0: β_j = 0``.
    pvalues : ndarray of shape (n_features,)
        Two-sided p-values ``2 Φ(-|z_j|)``.
    level : float
        Default confidence level of :meth:`conf_int`, :meth:`summary` and
        :meth:`to_frame` (their ``alpha=None`` means ``1 - level``).
    initial_coef : ndarray of shape (n_features,)
        The estimate ``β̂`` that was debiased.
    covariance : ndarray of shape (n_features, n_features)
        Estimated covariance ``Θ̂ Σ̂ Θ̂^T / n_target`` of ``b̂``.
    inverse_hessian : ndarray of shape (n_features, n_features)
        The nodewise approximate inverse ``Θ̂`` of the pooled Hessian (rows
        ``(e_j - γ̂_j)^T / τ̂_j²``).
    tau2 : ndarray of shape (n_features,)
        Nodewise residual variances ``τ̂_j²``.
    alpha_nodewise : ndarray of shape (n_features,)
        Nodewise penalty levels ``λ_j`` in standardised units.
    scale : float
        Dispersion ``φ̂`` used in ``Σ̂`` (estimated residual variance for
        ``"gaussian"``, 1 otherwise unless given).
    family : str
        ``"gaussian"``, ``"binomial"`` or ``"poisson"``.
    n_target : int
        Number of target rows (those of the gradient and of ``Σ̂``).
    n_pooled : int
        Number of pooled rows (those of the nodewise lassos).
    feature_names : tuple of str
        Row labels of the tables.
    """

    coef: np.ndarray
    std_err: np.ndarray
    z: np.ndarray
    pvalues: np.ndarray
    level: float
    initial_coef: np.ndarray
    covariance: np.ndarray
    inverse_hessian: np.ndarray
    tau2: np.ndarray
    alpha_nodewise: np.ndarray
    scale: float
    family: str
    n_target: int
    n_pooled: int
    feature_names: tuple

    def __post_init__(self):
        for name in ("coef", "std_err", "z", "pvalues", "initial_coef",
                     "covariance", "inverse_hessian", "tau2", "alpha_nodewise"):
            value = np.array(getattr(self, name), dtype=np.float64)
            value.setflags(write=False)
            object.__setattr__(self, name, value)
        object.__setattr__(self, "feature_names", tuple(self.feature_names))

    def __repr__(self):
        return (
            f"{type(self).__name__}(family={self.family!r}, "
            f"n_features={self.coef.shape[0]}, n_target={self.n_target}, "
            f"n_pooled={self.n_pooled}, level={self.level})"
        )

    # -- numbers ------------------------------------------------------------
    def conf_int(self, alpha=None):
        """Normal-quantile confidence intervals ``b̂_j ± z_{1-α/2} se_j``.

        Parameters
        ----------
        alpha : float in (0, 1), default=None
            One minus the confidence level; ``None`` means ``1 - level``
            (0.05 by default).

        Returns
        -------
        ndarray of shape (n_features, 2)
            Lower and upper limits.
        """
        alpha = _check_alpha(alpha, self.level)
        half = ndtri(1.0 - alpha / 2.0) * self.std_err
        return np.column_stack([self.coef - half, self.coef + half])

    def _names(self, feature_names):
        if feature_names is None:
            return list(self.feature_names)
        names = [str(name) for name in feature_names]
        if len(names) != self.coef.shape[0]:
            raise ValueError(
                f"feature_names must have {self.coef.shape[0]} entries, got "
                f"{len(names)}."
            )
        return names

    def _rows(self, alpha, feature_names):
        alpha = _check_alpha(alpha, self.level)
        names = self._names(feature_names)
        ci = self.conf_int(alpha)
        header = [*_COLUMNS, f"[{_quantile_label(alpha / 2)}",
                  f"{_quantile_label(1 - alpha / 2)}]"]
        values = np.column_stack([self.coef, self.std_err, self.z,
                                  self.pvalues, ci])
        return header, names, values

    def to_frame(self, alpha=None, feature_names=None):
        """Tidy table: one row per feature.

        Parameters
        ----------
        alpha : float in (0, 1), default=None
            One minus the confidence level of the intervals (``None``:
            ``1 - level``).
        feature_names : sequence of str, default=None
            Row labels (default: :attr:`feature_names`).

        Returns
        -------
        pandas.DataFrame
            Index ``feature``; columns ``coef``, ``std_err``, ``z``,
            ``pvalue``, ``ci_lower``, ``ci_upper`` and ``initial_coef``.
        """
        import pandas as pd

        alpha = _check_alpha(alpha, self.level)
        names = self._names(feature_names)
        ci = self.conf_int(alpha)
        frame = pd.DataFrame(
            {
                "coef": self.coef,
                "std_err": self.std_err,
                "z": self.z,
                "pvalue": self.pvalues,
                "ci_lower": ci[:, 0],
                "ci_upper": ci[:, 1],
                "initial_coef": self.initial_coef,
            },
            index=pd.Index(names, name="feature"),
        )
        frame.attrs["level"] = 1.0 - alpha
        frame.attrs["family"] = self.family
        return frame

    # -- tables -------------------------------------------------------------
    def _info(self):
        median_alpha = (float(np.median(self.alpha_nodewise))
                        if self.alpha_nodewise.size else float("nan"))
        left = [("Family:", self.family), ("Dispersion:", f"{self.scale:.4g}"),
                ("Nodewise alpha:", f"{median_alpha:.4g} (median)")]
        right = [("No. target rows:", str(self.n_target)),
                 ("No. pooled rows:", str(self.n_pooled)),
                 ("No. features:", str(self.coef.shape[0]))]
        return left, right

    def summary(self, alpha=None, feature_names=None):
        """Text table in the manner of statsmodels' ``summary()``.

        Parameters
        ----------
        alpha : float in (0, 1), default=None
            One minus the confidence level of the intervals (``None``:
            ``1 - level``).
        feature_names : sequence of str, default=None
            Row labels (default: :attr:`feature_names`).

        Returns
        -------
        str
            Header (family, dispersion, row counts) and one row per feature
            with ``coef``, ``std err``, ``z``, ``P>|z|`` and the interval.
        """
        header, names, values = self._rows(alpha, feature_names)
        name_width = max([len(n) for n in names] + [8])
        cell = 11
        width = name_width + cell * len(header)
        left, right = self._info()
        half = width // 2
        lines = ["Desparsified GLM lasso".center(width).rstrip(), "=" * width]
        for (lk, lv), (rk, rv) in zip(left, right):
            lhs = f"{lk:<16}{lv:>{half - 18}}"
            lines.append(f"{lhs:<{half}}{rk:<18}{rv:>{width - half - 18}}")
        lines.append("=" * width)
        lines.append(" " * name_width + "".join(f"{h:>{cell}}" for h in header))
        lines.append("-" * width)
        for name, row in zip(names, values):
            coef, se, z, pval, lo, hi = row
            cells = [f"{coef:.4f}", f"{se:.3f}", f"{z:.3f}", f"{pval:.3f}",
                     f"{lo:.3f}", f"{hi:.3f}"]
            lines.append(f"{name:<{name_width}}"
                         + "".join(f"{c:>{cell}}" for c in cells))
        lines.append("=" * width)
        lines.append(
            "Desparsified lasso (van de Geer et al., 2014) as in Trans-GLM "
            "inference"
        )
        lines.append("(Tian & Feng, 2023, Algorithm 3); normal-quantile "
                     "intervals.")
        return "\n".join(lines)

    def summary_html(self, alpha=None, feature_names=None):
        """The :meth:`summary` table as HTML (for notebooks).

        Parameters
        ----------
        alpha, feature_names
            As in :meth:`summary`.

        Returns
        -------
        str
        """
        from html import escape

        header, names, values = self._rows(alpha, feature_names)
        left, right = self._info()
        info = "".join(
            f"<tr><th>{escape(lk)}</th><td>{escape(lv)}</td>"
            f"<th>{escape(rk)}</th><td>{escape(rv)}</td></tr>"
            for (lk, lv), (rk, rv) in zip(left, right)
        )
        head = "".join(f"<th>{escape(h)}</th>" for h in header)
        body = "".join(
            f"<tr><th>{escape(name)}</th>"
            + "".join(f"<td>{v:.4f}</td>" if k == 0 else f"<td>{v:.3f}</td>"
                      for k, v in enumerate(row))
            + "</tr>"
            for name, row in zip(names, values)
        )
        return (
            '<table class="simpletable"><caption>Desparsified GLM lasso'
            f"</caption>{info}</table>"
            f'<table class="simpletable"><tr><th></th>{head}</tr>{body}</table>'
        )

    def _repr_html_(self):
        return self.summary_html()

    def plot(self, ax=None, alpha=None, feature_names=None, features=None):
        """Forest plot: debiased estimates with their confidence intervals.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on (a new figure by default).
        alpha : float in (0, 1), default=None
            One minus the confidence level (``None``: ``1 - level``).
        feature_names : sequence of str, default=None
            Labels (default: :attr:`feature_names`).
        features : array-like of int, default=None
            Indices of the features to draw (all by default).

        Returns
        -------
        matplotlib.axes.Axes
        """
        import matplotlib.pyplot as plt

        alpha = _check_alpha(alpha, self.level)
        names = np.asarray(self._names(feature_names), dtype=object)
        ci = self.conf_int(alpha)
        index = (np.arange(self.coef.shape[0]) if features is None
                 else np.asarray(features, dtype=np.intp))
        if ax is None:
            _, ax = plt.subplots(figsize=(6, max(2.0, 0.3 * index.size + 1)))
        ypos = np.arange(index.size)[::-1]
        ax.errorbar(self.coef[index], ypos,
                    xerr=[self.coef[index] - ci[index, 0],
                          ci[index, 1] - self.coef[index]],
                    fmt="o", capsize=3)
        ax.axvline(0.0, color="grey", lw=0.8, ls="--")
        ax.set_yticks(ypos)
        ax.set_yticklabels(names[index])
        ax.set_xlabel(f"debiased coefficient ({100 * (1 - alpha):g}% CI)")
        return ax
