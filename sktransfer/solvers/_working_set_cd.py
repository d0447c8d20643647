"""Working-set coordinate descent with Anderson acceleration."""

from dataclasses import dataclass

import numpy as np
import scipy.linalg

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

    Once a working-set solve leaves every coordinate on the same *piece* of
    the penalty (no coordinate reached or left a kink), the objective
    restricted to those pieces is a quadratic in the off-kink coordinates
    (the kink ones held fixed) and its exact minimiser is one Newton step:
    a Cholesky solve with ``X_A^T X_A / n`` (dense designs; the factor is
    kept and extended when coordinates join). The step is cut at the first
    kink it would cross and kept only if it lowers the objective, and it is
    taken only when its estimated cost (Gram matrix and factorisation, in
    epoch units) is below the estimated cost of reaching ``tol`` by more
    coordinate-descent epochs at the rate just observed. At tight
    tolerances on supports of hundreds of correlated coordinates this
    replaces the slow linear tail of (accelerated) coordinate descent.

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
    newton : bool, default=True
        Allow the restricted Newton steps described above (dense designs).
    """

    def __init__(self, max_iter=50, max_epochs=50_000, tol=1e-4, p0=10,
                 anderson_k=5, newton=True):
        self.max_iter = max_iter
        self.max_epochs = max_epochs
        self.tol = tol
        self.p0 = p0
        self.anderson_k = anderson_k
        self.newton = newton

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
        newton = (_RestrictedNewton(datafit)
                  if self.newton and not datafit.sparse else None)
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
            previous_crit, best_crit = best_crit, min(best_crit, crit)
            if stalled >= MAX_STALLED_ITERATIONS:
                return self._result(datafit, w, it, n_epochs, crit, opt, False)
            ws = self._working_set(w, c, kkt, free)
            tol_in = self._inner_tolerance(datafit, ws, kkt)
            if datafit.sparse:
                rho, scalars = state
                n_epochs += inner_solve_sparse(
                    datafit.X_data, datafit.X_indices, datafit.X_indptr,
                    datafit.X_offset, float(datafit.n_samples), w, rho, scalars,
                    datafit.lipschitz, a, b, c, l2, ws, inv_n, self.max_epochs,
                    tol_in, self.anderson_k,
                )
            else:
                if newton is not None:
                    w_ws, c_ws = w[ws], c[ws]
                    was_off = (w_ws != 0) & (w_ws != c_ws)
                    pieces = _pieces(w_ws[was_off], c_ws[was_off])
                epochs = inner_solve_dense(
                    datafit.X, w, state, datafit.lipschitz, a, b, c, l2, ws,
                    inv_n, self.max_epochs, tol_in, self.anderson_k,
                )
                n_epochs += epochs
                # Settled: every coordinate that was off the kinks is still
                # on its piece (coordinates may have left a kink and joined).
                if (newton is not None and epochs < self.max_epochs
                        and np.array_equal(
                            pieces, _pieces(w[ws][was_off], c_ws[was_off]))):
                    # Cost of the tail, in epochs: this outer iteration (its
                    # epochs and a full gradient, about p/m epochs of memory
                    # traffic) per decade the criterion fell in the last
                    # one, times the decades left. Newton must cost at most
                    # half of it (a step on a wrong pattern is wasted).
                    w_ws = w[ws]
                    active = ws[(w_ws != 0) & (w_ws != c_ws)]
                    fell = (np.log10(previous_crit / crit)
                            if previous_crit > crit else 0.0)
                    per_iteration = epochs + free.size / ws.size
                    remaining = (per_iteration / min(max(fell, 0.25), 2.0)
                                 * np.log10(max(crit / self.tol, 1.0)))
                    if 2 * newton.cost(active, l2) < remaining:
                        newton.step(w, state, a, b, c, l2, active)
        opt = optimality(datafit, penalty, w, state=state,
                         coefficients=coefficients)
        crit = opt.relative_gap
        if not np.isfinite(opt.dual):
            crit = opt.kkt.max(initial=0.0) / (kkt_scale or _kkt_scale(datafit))
        return self._result(
            datafit, w, self.max_iter, n_epochs, crit, opt, crit <= self.tol
        )

    @staticmethod
    def _inner_tolerance(datafit, ws, kkt):
        """KKT tolerance of a working-set solve: a fraction of the worst violation.

        Each outer iteration pays a full gradient. On a sparse design whose
        working set holds under a tenth of the non-zeros, an epoch costs a
        small fraction of that, so the working set is solved ten times more
        accurately (fewer outer iterations; measured 20% faster on the
        10000x20000 benchmark at lambda_max/20, and slower on a large
        working set at lambda_max/100, hence the tenth).
        """
        fraction = 0.3
        if datafit.sparse:
            indptr = datafit.X_indptr
            ws_nnz = int(np.sum(indptr[ws + 1] - indptr[ws]))
            if 10 * ws_nnz < indptr[-1]:
                fraction = 0.03
        return fraction * kkt.max(initial=0.0)

    def _working_set(self, w, c, kkt, free):
        off_kink = (w != 0) & (w != c)
        n_off = int(np.count_nonzero(off_kink))
        # Take in at once every coordinate violating its KKT condition by
        # more than a tenth of the worst, and let the set grow to four times
        # the off-kink coordinates: fewer outer iterations (each costs a full
        # gradient) when the support is large (7 -> 6 on the sparse
        # 10000x20000 benchmark at lambda_max/20; unchanged elsewhere).
        n_strong = int(np.count_nonzero(kkt[free] > 0.1 * kkt.max(initial=0.0)))
        size = min(free.size, max(self.p0, 4 * n_off, n_strong))
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


def _pieces(w, c):
    """Which piece of the two-kink penalty each coordinate is on (a code)."""
    return np.sign(w) + 3 * np.sign(w - c)


class _RestrictedNewton:
    """Newton steps on the off-kink coordinates, dense quadratic datafit.

    Keeps the Cholesky factor ``L`` of ``H = X_A^T X_A / n + diag(l2_A)`` for
    the last set ``A`` (in factor order) with a float64 copy of ``X_A``; a
    later superset of ``A`` extends the factor by a block row instead of
    refactorising (``X_A`` lives in a buffer with spare columns).
    """

    #: Cost model, in coordinate-descent epochs over ``A`` (one epoch reads
    #: ``X_A`` twice at memory speed), measured with single-threaded
    #: OpenBLAS: a Gram product runs ~5x faster per multiply-add, a
    #: factorisation about as fast; plus a fixed overhead (copies, solves,
    #: Python) of a few epochs and ~3e5 multiply-adds.
    OVERHEAD_EPOCHS = 2.0
    OVERHEAD_FLOPS = 3e5

    def __init__(self, datafit):
        self.X = datafit.X
        self.n = datafit.n_samples
        self.cols = np.empty(0, dtype=np.intp)
        self._XA = None  # (n, capacity) buffer, first m columns used
        self.L = None    # (m, m), Fortran order (LAPACK takes it as is)

    @property
    def XA(self):
        return self._XA[:, : self.cols.size]

    #: Factored coordinates that left the active set are kept in the factor
    #: and pinned (their step held at 0) while there are at most this many,
    #: or this share of the factor; beyond, the factor is rebuilt.
    MAX_PINNED = 16
    MAX_PINNED_SHARE = 0.05

    def _new_columns(self, active):
        """Columns of ``active`` outside the factor, or None to refactorise."""
        if self.L is None:
            return None
        inside = np.isin(active, self.cols, assume_unique=True)
        n_pinned = self.cols.size - np.count_nonzero(inside)
        if n_pinned > max(self.MAX_PINNED, self.MAX_PINNED_SHARE * self.cols.size):
            return None  # many factored coordinates left: start afresh
        return active[~inside]

    def cost(self, active, l2):
        m = active.size
        if m == 0 or (m > self.n and not np.all(l2[active] > 0)) or m > 4000:
            return np.inf
        new = self._new_columns(active)
        if new is None:
            flops = m * m * self.n / 5 + m**3 / 6
        else:
            k = new.size
            m = self.cols.size + k
            flops = k * m * self.n / 5 + k * m * m / 2 + k**3 / 6
            # a pair of triangular solves per pinned coordinate
            n_pinned = m - active.size
            flops += 2 * n_pinned * m * m
        flops += self.OVERHEAD_FLOPS
        return flops / (2.0 * active.size * self.n) + self.OVERHEAD_EPOCHS

    def _reserve(self, size):
        """Room for ``size`` columns in the ``X_A`` buffer, keeping ``X_A``."""
        if self._XA is not None and self._XA.shape[1] >= size:
            return
        XA = np.empty((self.n, max(size + size // 4, 16)), order="F")
        if self._XA is not None:
            XA[:, : self.cols.size] = self.XA
        self._XA = XA

    def _factor(self, active, l2):
        new = self._new_columns(active)
        if new is not None and new.size == 0:
            return True
        n = self.n
        if new is None:
            self.L = None
            self.cols = np.empty(0, dtype=np.intp)
            self._reserve(active.size)
            m = active.size
            XA = self._XA[:, :m]
            # Rows of the C-ordered X^T: a contiguous gather (X is Fortran).
            XA[:] = self.X.T[active].T
            H = XA.T @ XA
            H /= n
            H[np.diag_indices_from(H)] += l2[active]
            self.L = np.asfortranarray(
                scipy.linalg.cholesky(H, lower=True, check_finite=False))
            self.cols = active.copy()
            return True
        m, k = self.cols.size, new.size
        Xn = np.asfortranarray(self.X[:, new], dtype=np.float64)
        H12 = self.XA.T @ Xn / n
        H22 = Xn.T @ Xn / n
        H22[np.diag_indices_from(H22)] += l2[new]
        L12 = scipy.linalg.solve_triangular(self.L, H12, lower=True,
                                            check_finite=False)
        L22 = scipy.linalg.cholesky(H22 - L12.T @ L12, lower=True,
                                    check_finite=False)
        L = np.zeros((m + k, m + k), order="F")
        L[:m, :m] = self.L
        L[m:, :m] = L12.T
        L[m:, m:] = L22
        self._reserve(m + k)
        self._XA[:, m:m + k] = Xn
        self.L = L
        self.cols = np.concatenate([self.cols, new])
        return True

    def step(self, w, r, a, b, c, l2, active):
        """Move ``w[active]`` (and ``r``) towards the restricted minimiser.

        Returns the step length taken (1: the restricted problem is solved),
        or 0 when no step was taken.
        """
        try:
            with np.errstate(all="ignore"):
                self._factor(active, l2)
        except (np.linalg.LinAlgError, ValueError):
            self.L = None
            self.cols = np.empty(0, dtype=np.intp)
            return 0.0
        A = self.cols
        n = self.n
        wA, aA, bA, cA, l2A = w[A], a[A], b[A], c[A], l2[A]
        pinned = np.flatnonzero(~np.isin(A, active, assume_unique=True))
        with np.errstate(all="ignore"):
            grad = (-(self.XA.T @ r) / n + aA * np.sign(wA)
                    + bA * np.sign(wA - cA) + l2A * wA)
            grad[pinned] = 0.0
            d = -scipy.linalg.cho_solve((self.L, True), grad, check_finite=False)
            if pinned.size:
                # Hold the pinned coordinates (factored, no longer active):
                # minimise over d with d_R = 0 by a Lagrange correction,
                # d = H^{-1}(-g + E_R mu), mu chosen so that d_R = 0.
                E = np.zeros((A.size, pinned.size))
                E[pinned, np.arange(pinned.size)] = 1.0
                Z = scipy.linalg.cho_solve((self.L, True), E, check_finite=False)
                d -= Z @ np.linalg.solve(Z[pinned], d[pinned])
                d[pinned] = 0.0
            # Longest step keeping every coordinate on its closed piece.
            t = 1.0
            for kink in (0.0, cA):
                ratio = (kink - wA) / d
                ahead = ratio[(ratio > 0) & (ratio < t)]
                if ahead.size:
                    t = ahead.min()
            new = wA + t * d
        if not np.all(np.isfinite(new)):
            return 0.0
        # Coordinates the cut step brings onto a kink land exactly on it.
        if t < 1.0:
            hit0 = np.abs(new) <= 1e-12 * np.abs(wA) + 1e-300
            hitc = np.abs(new - cA) <= 1e-12 * np.abs(wA - cA) + 1e-300
            new[hit0] = 0.0
            new[hitc & ~hit0] = cA[hitc & ~hit0]
        r_new = r - self.XA @ (new - wA)

        def objective(res, v):
            return (0.5 * (res @ res) / n + aA @ np.abs(v) + bA @ np.abs(v - cA)
                    + 0.5 * l2A @ (v * v))

        if not objective(r_new, new) < objective(r, wA):
            return 0.0
        w[A] = new
        r[:] = r_new
        return t


def _kkt_scale(datafit):
    """``||X̃^T ỹ / n||_∞``: makes the KKT fallback criterion scale-free."""
    zero = np.zeros(datafit.X_offset.shape[0])
    scale = np.abs(datafit.gradient(datafit.init_state(zero))).max(initial=0.0)
    return scale if scale > 0 else 1.0
