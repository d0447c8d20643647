"""Working-set coordinate descent with Anderson acceleration."""

from dataclasses import dataclass

import numpy as np

from .._kernels import inner_solve_dense, inner_solve_sparse
from ._gap import optimality

#: Outer iterations in a row in which the primal objective decreased by less
#: than ``ROUNDING`` relative and the criterion did not improve by 10%, before
#: the solver stops unconverged: the tolerance is below what rounding allows.
MAX_STALLED_ITERATIONS = 5
ROUNDING = 8 * np.finfo(np.float64).eps


@dataclass(frozen=True)
class SolverResult:
    """Outcome of a solve.

    Attributes
    ----------
    coef : ndarray of shape (n_features,)
        Coefficients (float64).
    intercept : float
        Profiled-out intercept.
    n_iter : int
        Outer (working-set) iterations.
    n_epochs : int
        Coordinate-descent epochs over all working sets.
    stop_crit : float
        Achieved stopping criterion: the relative duality gap, or the
        relative KKT violation where no dual point is available.
    duality_gap : float
        Absolute duality gap ``P - D``.
    kkt_violation : float
        Largest per-coordinate subdifferential distance.
    converged : bool
        Whether ``stop_crit <= tol`` was reached.
    """

    coef: np.ndarray
    intercept: float
    n_iter: int
    n_epochs: int
    stop_crit: float
    duality_gap: float
    kkt_violation: float
    converged: bool


class WorkingSetCD:
    """Working-set coordinate descent for the quadratic datafit.

    Each outer iteration computes the full gradient, the KKT violations
    (subdifferential distances) and the relative duality gap; it stops when
    the gap is at most ``tol``. Otherwise it grows a working set made of the
    coordinates off the kinks (``β_j ∉ {0, β̃_j}``) plus those with the
    largest KKT violations, of size ``max(p0, 2·|off-kink|, |strong|)`` with
    ``strong`` the coordinates violating by more than a tenth of the largest
    violation, and runs
    coordinate-descent epochs with Anderson extrapolation on it until its
    KKT violations fall below ``0.3×`` the current global violation (the
    strategy of celer and skglm: Massias et al. 2018; Bertrand et al. 2022).

    Parameters
    ----------
    max_iter : int, default=50
        Maximum number of outer (working-set) iterations.
    max_epochs : int, default=50_000
        Maximum number of epochs per working-set solve.
    tol : float, default=1e-4
        Tolerance on the relative duality gap ``(P - D)/P``.
    p0 : int, default=10
        Minimum working-set size.
    anderson_k : int, default=5
        Number of iterates combined by Anderson extrapolation (0 disables).
    """

    def __init__(self, max_iter=50, max_epochs=50_000, tol=1e-4, p0=10,
                 anderson_k=5):
        self.max_iter = max_iter
        self.max_epochs = max_epochs
        self.tol = tol
        self.p0 = p0
        self.anderson_k = anderson_k

    def solve(self, X, y, datafit, penalty, coef_init=None):
        """Initialise ``datafit`` on ``(X, y)`` and solve.

        See :meth:`solve_initialized` for the parameters and return value.
        """
        datafit.initialize(X, y)
        return self.solve_initialized(datafit, penalty, coef_init)

    def solve_initialized(self, datafit, penalty, coef_init=None):
        """Minimise ``datafit + penalty`` on the datafit's prepared design.

        Parameters
        ----------
        datafit : Quadratic
            An initialised datafit.
        penalty : object
            A two-kink penalty (:mod:`sktransfer.penalties`).
        coef_init : ndarray of shape (n_features,), default=None
            Starting point (a warm start). By default each coordinate starts
            at its large-``alpha`` limit: 0, or ``β̃_j`` where the transfer
            weight dominates.

        Returns
        -------
        SolverResult
        """
        n_features = datafit.X_offset.shape[0]
        coefficients = penalty.coefficients(n_features)
        a, b, c, l2 = coefficients
        if coef_init is None:
            w = np.where(b > a, c, 0.0)
        else:
            w = np.array(coef_init, dtype=np.float64)
        # A coordinate with no curvature only sees its penalty: park it at
        # the penalty's minimiser (0, or c_j where the transfer part wins).
        fixed = (datafit.lipschitz + l2) <= 0
        w[fixed] = np.where(b > a, c, 0.0)[fixed]
        free = np.flatnonzero(~fixed)
        state = datafit.init_state(w)
        inv_n = 1.0 / datafit.n_samples
        kkt_scale = None
        n_epochs = 0
        crit = np.inf
        previous_primal, best_crit, stalled = np.inf, np.inf, 0
        opt = None
        for it in range(1, self.max_iter + 1):
            opt = optimality(datafit, penalty, w, state=state,
                             coefficients=coefficients)
            kkt = opt.kkt
            kkt[fixed] = 0.0
            crit = opt.relative_gap
            if not np.isfinite(opt.dual):
                if kkt_scale is None:
                    kkt_scale = _kkt_scale(datafit)
                crit = kkt.max(initial=0.0) / kkt_scale
            if crit <= self.tol:
                return self._result(datafit, w, it, n_epochs, crit, opt, True)
            # Give up early when rounding halts progress: the primal objective
            # no longer decreases and the (non-monotone) criterion no longer
            # improves either.
            flat = previous_primal - opt.primal <= ROUNDING * abs(opt.primal)
            stalled = stalled + 1 if flat and crit >= 0.9 * best_crit else 0
            previous_primal = opt.primal
            best_crit = min(best_crit, crit)
            if stalled >= MAX_STALLED_ITERATIONS:
                return self._result(datafit, w, it, n_epochs, crit, opt, False)
            ws = self._working_set(w, c, kkt, free)
            tol_in = 0.3 * kkt.max(initial=0.0)
            if datafit.sparse:
                rho, scalars = state
                n_epochs += inner_solve_sparse(
                    datafit.X_data, datafit.X_indices, datafit.X_indptr,
                    datafit.X_offset, float(datafit.n_samples), w, rho, scalars,
                    datafit.lipschitz, a, b, c, l2, ws, inv_n, self.max_epochs,
                    tol_in, self.anderson_k,
                )
            else:
                n_epochs += inner_solve_dense(
                    datafit.X, w, state, datafit.lipschitz, a, b, c, l2, ws,
                    inv_n, self.max_epochs, tol_in, self.anderson_k,
                )
        opt = optimality(datafit, penalty, w, state=state,
                         coefficients=coefficients)
        crit = opt.relative_gap
        if not np.isfinite(opt.dual):
            crit = opt.kkt.max(initial=0.0) / (kkt_scale or _kkt_scale(datafit))
        return self._result(
            datafit, w, self.max_iter, n_epochs, crit, opt, crit <= self.tol
        )

    def _working_set(self, w, c, kkt, free):
        off_kink = (w != 0) & (w != c)
        n_off = int(np.count_nonzero(off_kink))
        # Take in at once every coordinate violating its KKT condition by
        # more than a tenth of the worst: fewer outer iterations (each costs
        # a full gradient) when the support is large.
        n_strong = int(np.count_nonzero(kkt[free] > 0.1 * kkt.max(initial=0.0)))
        size = min(free.size, max(self.p0, 2 * n_off, n_strong))
        scores = kkt[free].copy()
        scores[off_kink[free]] = np.inf
        candidates = np.flatnonzero(scores > 0)
        if candidates.size <= size:
            # Coordinates at a kink whose KKT condition holds need no update.
            return free[candidates]
        if size < free.size:
            top = np.argpartition(scores, free.size - size)[free.size - size:]
            return np.sort(free[top])
        return free

    @staticmethod
    def _result(datafit, w, n_iter, n_epochs, crit, opt, converged):
        return SolverResult(
            coef=w,
            intercept=datafit.intercept(w),
            n_iter=n_iter,
            n_epochs=n_epochs,
            stop_crit=float(crit),
            duality_gap=float(opt.gap),
            kkt_violation=float(opt.kkt.max(initial=0.0)),
            converged=bool(converged),
        )


def _kkt_scale(datafit):
    """``||X̃^T ỹ / n||_∞``: makes the KKT fallback criterion scale-free."""
    zero = np.zeros(datafit.X_offset.shape[0])
    scale = np.abs(datafit.gradient(datafit.init_state(zero))).max(initial=0.0)
    return scale if scale > 0 else 1.0
