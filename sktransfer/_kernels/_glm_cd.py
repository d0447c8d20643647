"""Proximal Newton with coordinate descent for canonical-link GLMs.

One kernel serves the Gaussian, logistic and Poisson losses

.. math::

    F(β_0, β) = \\sum_i ω_i [ψ(η_i) - y_i η_i], \\qquad
    η = \\text{offset} + β_0 + Xβ,

(``ω_i`` are the row weights already divided by ``n``) with the two-kink
penalty ``Σ_j a_j|β_j| + b_j|β_j - c_j| + (l2_j/2)β_j^2`` of
:mod:`._prox`, along a decreasing sequence of penalty levels ``λ`` (the
penalty is ``λ`` times unit coefficients). It follows glmnet (Friedman,
Hastie & Tibshirani, 2010): at each level, a working set (non-zero
coordinates, the sequential strong rule of Tibshirani et al., 2012, and KKT
violators) is solved by proximal Newton steps, each of which minimises the
second-order model

.. math::

    \\tfrac12 \\sum_i h_i (Δη_i - u_i)^2 + \\text{penalty}, \\qquad
    h_i = ω_i ψ''(η_i), \\quad u_i = -ω_i(μ_i - y_i) / h_i,

by cyclic coordinate descent with the intercept as an unpenalised coordinate
(no centring, so sparse columns stay sparse). The weighted working residual
``r = -g - h ∘ Δη`` (``g`` the loss gradient in ``η``) is kept, never
``u`` itself, so tiny curvatures cause no overflow. A backtracking line
search on the true objective guards the step (the Gaussian step is exact).

The stopping rule is scale-free: the largest subdifferential distance over
all coordinates (and the intercept's gradient) divided by ``scale``, the
sup-norm of the gradient at the intercept-only model.

Dense designs are passed as a 2-D array with ``sparse=False``; CSC designs
as ``(data, indices, indptr)`` with ``sparse=True`` (the unused arguments
are empty arrays).
"""

import numpy as np
from numba import njit

from ._coordinate_descent import _dense_col_dot, _sparse_col_dot
from ._prox import coordinate_update, subdiff_distance_two_kink

GAUSSIAN = 0
BINOMIAL = 1
POISSON = 2

_EXP_CAP = 700.0


_FASTMATH = {"reassoc", "contract", "nsz"}


@njit(cache=True)
def _col_dot(X, data, indices, indptr, sparse, j, v):
    if sparse:
        return _sparse_col_dot(data, indices, indptr, j, v)
    return _dense_col_dot(X, j, v)


@njit(cache=True)
def _col_norm(X, data, indices, indptr, sparse, j):
    acc = 0.0
    if sparse:
        for k in range(indptr[j], indptr[j + 1]):
            acc += data[k] * data[k]
    else:
        for i in range(X.shape[0]):
            acc += X[i, j] * X[i, j]
    return np.sqrt(acc)


@njit(cache=True)
def _col_update(X, data, indices, indptr, sparse, j, delta, h, r, d_eta):
    """``d_eta += delta x_j`` and ``r -= delta h ∘ x_j``."""
    if sparse:
        for k in range(indptr[j], indptr[j + 1]):
            i = indices[k]
            step = delta * data[k]
            d_eta[i] += step
            r[i] -= h[i] * step
    else:
        for i in range(X.shape[0]):
            step = delta * X[i, j]
            d_eta[i] += step
            r[i] -= h[i] * step


@njit(cache=True, fastmath=_FASTMATH)
def _col_curvature(X, data, indices, indptr, sparse, j, h):
    acc = 0.0
    if sparse:
        for k in range(indptr[j], indptr[j + 1]):
            acc += h[indices[k]] * data[k] * data[k]
    else:
        for i in range(X.shape[0]):
            acc += h[i] * X[i, j] * X[i, j]
    return acc


@njit(cache=True)
def _softplus(t):
    if t > 0.0:
        return t + np.log1p(np.exp(-t))
    return np.log1p(np.exp(t))


@njit(cache=True)
def loss_and_derivatives(family, eta, y, omega, grad, hess):
    """Loss ``Σ ω(ψ(η) - yη)``; fills ``grad = ω(μ - y)``, ``hess = ωψ''``.

    ``hess`` is floored at ``1e-10 ω`` so the Newton model stays strictly
    convex in every row.
    """
    loss = 0.0
    for i in range(eta.shape[0]):
        e = eta[i]
        if family == GAUSSIAN:
            mu = e
            var = 1.0
            psi = 0.5 * e * e
        elif family == BINOMIAL:
            mu = 0.5 * (1.0 + np.tanh(0.5 * e))
            var = mu * (1.0 - mu)
            psi = _softplus(e)
        else:
            mu = np.exp(min(e, _EXP_CAP))
            var = mu
            psi = mu
        loss += omega[i] * (psi - y[i] * e)
        grad[i] = omega[i] * (mu - y[i])
        hess[i] = omega[i] * max(var, 1e-10)
    return loss


@njit(cache=True)
def _loss(family, eta, y, omega):
    loss = 0.0
    for i in range(eta.shape[0]):
        e = eta[i]
        if family == GAUSSIAN:
            psi = 0.5 * e * e
        elif family == BINOMIAL:
            psi = _softplus(e)
        else:
            psi = np.exp(min(e, _EXP_CAP))
        loss += omega[i] * (psi - y[i] * e)
    return loss


@njit(cache=True)
def _newton_on_working_set(X, data, indices, indptr, sparse, y, omega, family,
                           lam, a, b, c, l2, fit_intercept, ws, coef, intercept,
                           eta, tol_abs, max_newton, max_epochs, grad, hess,
                           loss_box):
    """Proximal Newton on the coordinates ``ws``; returns (intercept, iters).

    On entry ``grad``, ``hess`` and ``loss_box[0]`` hold the derivatives and
    loss at ``eta``; on return ``coef``, ``eta``, ``grad``, ``hess`` and
    ``loss_box`` are updated. The Gaussian model is exact, so one converged
    step is returned without a second check (the caller checks everything).
    """
    n = eta.shape[0]
    n_ws = ws.shape[0]
    r = np.empty(n)
    d_eta = np.empty(n)
    curv = np.empty(n_ws)
    old = np.empty(n_ws)
    trial = np.empty(n)
    n_newton = 0
    loss = loss_box[0]
    for _ in range(max_newton):
        crit = 0.0
        g_sum = 0.0
        for i in range(n):
            g_sum += grad[i]
        if fit_intercept:
            crit = abs(g_sum)
        for jj in range(n_ws):
            j = ws[jj]
            gj = _col_dot(X, data, indices, indptr, sparse, j, grad)
            viol = subdiff_distance_two_kink(coef[j], gj, lam * a[j], lam * b[j],
                                             c[j], lam * l2[j])
            crit = max(crit, viol)
        if crit <= tol_abs:
            break
        n_newton += 1
        for i in range(n):
            r[i] = -grad[i]
            d_eta[i] = 0.0
        h_sum = 0.0
        for i in range(n):
            h_sum += hess[i]
        for jj in range(n_ws):
            j = ws[jj]
            curv[jj] = _col_curvature(X, data, indices, indptr, sparse, j, hess)
            old[jj] = coef[j]
        d_intercept = 0.0
        inner_tol = tol_abs if family == GAUSSIAN else max(0.1 * crit, 0.1 * tol_abs)
        # glmnet's cycling: after a pass over the whole working set, pass
        # over its non-zero coordinates only until they settle, then check
        # with a whole pass again.
        active_only = False
        for _epoch in range(max_epochs):
            inner_viol = 0.0
            if fit_intercept:
                r_sum = 0.0
                for i in range(n):
                    r_sum += r[i]
                inner_viol = abs(r_sum)
                step = r_sum / h_sum
                d_intercept += step
                for i in range(n):
                    d_eta[i] += step
                    r[i] -= hess[i] * step
            for jj in range(n_ws):
                j = ws[jj]
                if active_only and coef[j] == 0.0:
                    continue
                gj = -_col_dot(X, data, indices, indptr, sparse, j, r)
                aj = lam * a[j]
                bj = lam * b[j]
                l2j = lam * l2[j]
                inner_viol = max(inner_viol, subdiff_distance_two_kink(
                    coef[j], gj, aj, bj, c[j], l2j))
                new = coordinate_update(coef[j], gj, curv[jj], aj, bj, c[j], l2j)
                delta = new - coef[j]
                if delta != 0.0:
                    coef[j] = new
                    _col_update(X, data, indices, indptr, sparse, j, delta, hess,
                                r, d_eta)
            if inner_viol <= inner_tol:
                if not active_only:
                    break
                active_only = False
            else:
                active_only = True
        if family == GAUSSIAN:
            for i in range(n):
                eta[i] += d_eta[i]
            intercept += d_intercept
            loss = loss_and_derivatives(family, eta, y, omega, grad, hess)
            break
        # Backtracking on the true objective (restricted to ws: the rest of
        # the penalty does not move).
        pen_old = 0.0
        pen_new = 0.0
        for jj in range(n_ws):
            j = ws[jj]
            pen_old += lam * (a[j] * abs(old[jj]) + b[j] * abs(old[jj] - c[j])
                              + 0.5 * l2[j] * old[jj] * old[jj])
        objective = loss + pen_old
        t = 1.0
        accepted = False
        for _ in range(40):
            for i in range(n):
                trial[i] = eta[i] + t * d_eta[i]
            pen_new = 0.0
            for jj in range(n_ws):
                j = ws[jj]
                v = old[jj] + t * (coef[j] - old[jj])
                pen_new += lam * (a[j] * abs(v) + b[j] * abs(v - c[j])
                                  + 0.5 * l2[j] * v * v)
            new_loss = _loss(family, trial, y, omega)
            if new_loss + pen_new <= objective + 1e-12 * abs(objective):
                accepted = True
                break
            t *= 0.5
        if not accepted:
            for jj in range(n_ws):
                coef[ws[jj]] = old[jj]
            break
        for jj in range(n_ws):
            j = ws[jj]
            coef[j] = old[jj] + t * (coef[j] - old[jj])
        for i in range(n):
            eta[i] = trial[i]
        intercept += t * d_intercept
        loss = loss_and_derivatives(family, eta, y, omega, grad, hess)
    loss_box[0] = loss
    return intercept, n_newton


@njit(cache=True, nogil=True)
def glm_path(X, data, indices, indptr, sparse, y, omega, offset, family, lambdas,
             a, b, c, l2, fit_intercept, coef, intercept, row_state, col_state,
             state_ready, lam_prev, tol, scale, max_newton, max_epochs, max_rounds,
             loss_null, loss_saturated, dev_ratio_stop, coefs_out,
             intercepts_out, n_iter_out, crit_out):
    """Solve along ``lambdas`` (decreasing) with warm starts.

    ``coef`` (and the float ``intercept``) are the warm start. The state
    arrays carry a path from one call to the next: ``row_state`` holds the
    linear predictor ``η`` and a reference loss gradient ``g_ref`` (in
    ``η``), ``col_state`` the ``β``-gradient ``X^T g`` (exact where last
    computed), ``X^T g_ref`` and the column norms. They are (re)computed
    unless ``state_ready``; ``lam_prev`` is the level of the warm start
    (for the strong rule; NaN at the start of a path). Solutions are written
    to ``coefs_out[k]`` and ``intercepts_out[k]``, with Newton-step counts
    in ``n_iter_out`` and relative KKT violations in ``crit_out``.

    The KKT check over all coordinates skips a zero coordinate whose
    condition cannot fail: ``|x_j^T g - x_j^T g_ref| <= ||x_j|| ||g - g_ref||``,
    so if ``x_j^T g_ref`` lies inside the subdifferential interval with that
    margin to spare, so does ``x_j^T g`` (a safe test in the spirit of
    gap-safe screening, Fercoq, Gramfort & Salmon, 2015). The reference is
    refreshed when a quarter of the columns needed an exact product.
    The path stops early, copying its last solution to the remaining
    levels, once the explained fraction ``1 - (F - F_sat)/(F_null - F_sat)``
    reaches ``dev_ratio_stop`` (glmnet's rule against fitting noise to
    saturation; pass a value above 1 to disable). Returns the number of
    levels actually solved.
    """
    n = y.shape[0]
    p = coef.shape[0]
    n_lambdas = lambdas.shape[0]
    grad = np.empty(n)
    hess = np.empty(n)
    loss_box = np.empty(1)
    eta = row_state[0]
    ref_grad = row_state[1]
    full_grad = col_state[0]
    ref_full = col_state[1]
    col_norm = col_state[2]
    if not state_ready:
        for i in range(n):
            eta[i] = offset[i] + intercept
        for j in range(p):
            if coef[j] != 0.0:
                if sparse:
                    for k in range(indptr[j], indptr[j + 1]):
                        eta[indices[k]] += coef[j] * data[k]
                else:
                    for i in range(n):
                        eta[i] += coef[j] * X[i, j]
    loss_box[0] = loss_and_derivatives(family, eta, y, omega, grad, hess)
    if not state_ready:
        for j in range(p):
            full_grad[j] = _col_dot(X, data, indices, indptr, sparse, j, grad)
            ref_full[j] = full_grad[j]
            col_norm[j] = _col_norm(X, data, indices, indptr, sparse, j)
        for i in range(n):
            ref_grad[i] = grad[i]
    tol_abs = tol * scale
    in_ws = np.zeros(p, dtype=np.bool_)
    if not lam_prev > 0.0:  # NaN: no previous level
        lam_prev = lambdas[0]
    n_solved = 0
    for k in range(n_lambdas):
        lam = lambdas[k]
        # Sequential strong rule, written for the two-kink penalty: keep j if
        # it violates the KKT conditions at the level 2λ - λ_prev.
        lam_strong = max(2.0 * lam - lam_prev, 0.0)
        for j in range(p):
            if coef[j] != 0.0 or subdiff_distance_two_kink(
                    coef[j], full_grad[j], lam_strong * a[j], lam_strong * b[j],
                    c[j], lam_strong * l2[j]) > 0.0:
                in_ws[j] = True
        total_newton = 0
        crit = np.inf
        for _round in range(max_rounds):
            ws = np.flatnonzero(in_ws)
            intercept, n_newton = _newton_on_working_set(
                X, data, indices, indptr, sparse, y, omega, family, lam, a, b, c,
                l2, fit_intercept, ws, coef, intercept, eta, tol_abs, max_newton,
                max_epochs, grad, hess, loss_box)
            total_newton += n_newton
            # grad/hess hold the derivatives at the current eta: full check.
            crit = 0.0
            if fit_intercept:
                g_sum = 0.0
                for i in range(n):
                    g_sum += grad[i]
                crit = abs(g_sum)
            n_added = 0
            drift = 0.0
            for i in range(n):
                drift += (grad[i] - ref_grad[i]) ** 2
            drift = np.sqrt(drift)
            n_exact = 0
            for j in range(p):
                if coef[j] == 0.0:
                    if c[j] == 0.0:
                        centre = 0.0
                        half = lam * (a[j] + b[j])
                    else:
                        centre = -lam * b[j] * np.sign(c[j])
                        half = lam * a[j]
                    if abs(ref_full[j] + centre) + col_norm[j] * drift < half:
                        continue
                n_exact += 1
                full_grad[j] = _col_dot(X, data, indices, indptr, sparse, j, grad)
                viol = subdiff_distance_two_kink(coef[j], full_grad[j], lam * a[j],
                                                 lam * b[j], c[j], lam * l2[j])
                crit = max(crit, viol)
                if viol > tol_abs and not in_ws[j]:
                    in_ws[j] = True
                    n_added += 1
            if 4 * n_exact >= p:
                for j in range(p):
                    full_grad[j] = _col_dot(X, data, indices, indptr, sparse, j,
                                            grad)
                    ref_full[j] = full_grad[j]
                for i in range(n):
                    ref_grad[i] = grad[i]
            # Done when everything satisfies the KKT conditions; go on
            # while new violators entered or the working set still moves.
            if crit <= tol_abs or (n_added == 0 and n_newton == 0):
                break
        for j in range(p):
            coefs_out[k, j] = coef[j]
            if coef[j] == 0.0:
                in_ws[j] = False
        intercepts_out[k] = intercept
        n_iter_out[k] = total_newton
        crit_out[k] = crit / scale
        n_solved = k + 1
        lam_prev = lam
        if dev_ratio_stop <= 1.0 and loss_null > loss_saturated:
            fit = _loss(family, eta, y, omega)
            ratio = 1.0 - (fit - loss_saturated) / (loss_null - loss_saturated)
            if ratio >= dev_ratio_stop:
                for kk in range(k + 1, n_lambdas):
                    for j in range(p):
                        coefs_out[kk, j] = coef[j]
                    intercepts_out[kk] = intercept
                    n_iter_out[kk] = 0
                    crit_out[kk] = crit_out[k]
                break
    return n_solved
