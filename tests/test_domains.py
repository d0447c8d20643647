"""stack_domains, check_sample_domain and TargetKFold."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.model_selection import KFold

from sktransfer.model_selection import TargetKFold
from sktransfer.utils import check_sample_domain, stack_domains

RNG = np.random.default_rng(0)
XT, YT = RNG.standard_normal((5, 3)), RNG.standard_normal(5)
XS1, YS1 = RNG.standard_normal((4, 3)), RNG.standard_normal(4)
XS2, YS2 = RNG.standard_normal((2, 3)), RNG.standard_normal(2)


# --------------------------------------------------------------------------
# stack_domains
# --------------------------------------------------------------------------


def test_stack_domains_labels_and_order():
    X, y, domain = stack_domains((XT, YT), [(XS1, YS1), (XS2, YS2)])
    np.testing.assert_array_equal(X, np.vstack([XT, XS1, XS2]))
    np.testing.assert_array_equal(y, np.concatenate([YT, YS1, YS2]))
    np.testing.assert_array_equal(domain, [-1] * 5 + [1] * 4 + [2] * 2)
    assert np.issubdtype(domain.dtype, np.integer)
    # the labels follow the convention check_sample_domain accepts
    np.testing.assert_array_equal(check_sample_domain(domain, X.shape[0]), domain)


def test_stack_domains_without_sources():
    X, y, domain = stack_domains((XT, YT))
    np.testing.assert_array_equal(X, XT)
    np.testing.assert_array_equal(domain, -np.ones(5))
    X, y, domain = stack_domains((XT, YT), [])
    np.testing.assert_array_equal(domain, -np.ones(5))


def test_stack_domains_accepts_lists():
    X, y, domain = stack_domains((XT.tolist(), YT.tolist()), [(XS1.tolist(), YS1)])
    np.testing.assert_array_equal(X, np.vstack([XT, XS1]))


@pytest.mark.parametrize("which", ["target", "source", "both"])
def test_stack_domains_sparse_input_gives_sparse_output(which):
    target = (sp.csr_matrix(XT) if which != "source" else XT, YT)
    source = (sp.csc_matrix(XS1) if which != "target" else XS1, YS1)
    X, y, domain = stack_domains(target, [source])
    assert sp.issparse(X)
    np.testing.assert_array_equal(X.toarray(), np.vstack([XT, XS1]))
    np.testing.assert_array_equal(domain, [-1] * 5 + [1] * 4)


def test_stack_domains_dense_input_gives_dense_output():
    X, _, _ = stack_domains((XT, YT), [(XS1, YS1)])
    assert isinstance(X, np.ndarray)


def test_stack_domains_feature_mismatch():
    with pytest.raises(ValueError, match="features"):
        stack_domains((XT, YT), [(XS1[:, :2], YS1)])
    with pytest.raises(ValueError, match="features"):
        stack_domains((XT, YT), [(XS1, YS1), (np.ones((2, 4)), np.ones(2))])
    with pytest.raises(ValueError, match="features"):
        stack_domains((sp.csr_matrix(XT), YT), [(XS1[:, :2], YS1)])


@pytest.mark.parametrize("target, sources, error, match", [
    ((XT, YT[:3]), [], ValueError, r"target.*rows"),
    ((XT, YT), [(XS1, YS1[:2])], ValueError, r"sources\[0\].*rows"),
    ((XT[0], YT), [], ValueError, r"target.*2-d"),
    ((XT, YT[:, None]), [], ValueError, r"target.*1-d"),
    ((XT,), [], TypeError, r"target"),
    (XT, [], TypeError, r"target"),
    ((XT, YT), (XS1, YS1), TypeError, r"sources"),
    ((XT, YT), [XS1], TypeError, r"sources\[0\]"),
])
def test_stack_domains_bad_input(target, sources, error, match):
    with pytest.raises(error, match=match):
        stack_domains(target, sources)


def test_stack_domains_roundtrip_with_transfer_lasso():
    from sktransfer.linear_model import TransferLasso

    X, y, domain = stack_domains((XT, YT), [(XS1, YS1), (XS2, YS2)])
    model = TransferLasso(alpha=0.1, source_coef=np.zeros(3)).fit(
        X, y, sample_domain=domain
    )
    ref = TransferLasso(alpha=0.1, source_coef=np.zeros(3)).fit(XT, YT)
    np.testing.assert_array_equal(model.coef_, ref.coef_)


# --------------------------------------------------------------------------
# check_sample_domain
# --------------------------------------------------------------------------


def test_check_sample_domain_none_is_all_target():
    domain = check_sample_domain(None, 4)
    np.testing.assert_array_equal(domain, [-1, -1, -1, -1])


def test_check_sample_domain_accepts_integer_valued_labels():
    np.testing.assert_array_equal(check_sample_domain([-1, 2, 3], 3), [-1, 2, 3])
    np.testing.assert_array_equal(check_sample_domain(np.array([-2.0, 1.0]), 2),
                                  [-2, 1])
    out = check_sample_domain(np.array([-1, 1], dtype=np.int8), 2)
    assert out.dtype == np.int64


@pytest.mark.parametrize("domain, n, error, match", [
    ([-1, 1], 3, ValueError, r"2 entries.*3 rows"),
    ([1, 1, 2], 3, ValueError, r"no target"),
    ([-1, 0, 1], 3, ValueError, r"contains 0"),
    ([-1.5, 1.0], 2, ValueError, r"integer"),
    ([np.nan, -1.0], 2, ValueError, r"integer"),
    ([np.inf, -1.0], 2, ValueError, r"integer"),
    (["a", "b"], 2, TypeError, r"integers"),
    ([[-1], [1]], 2, ValueError, r"1-d"),
    (sp.csr_matrix(np.array([[-1, 1]])), 2, TypeError, r"sample_domain"),
])
def test_check_sample_domain_bad_input(domain, n, error, match):
    with pytest.raises(error, match=match):
        check_sample_domain(domain, n)


def test_check_sample_domain_require_target_false():
    np.testing.assert_array_equal(
        check_sample_domain([1, 2], 2, require_target=False), [1, 2]
    )


# --------------------------------------------------------------------------
# TargetKFold
# --------------------------------------------------------------------------


def _domain(seed=0, n_target=13, n_source=9):
    rng = np.random.default_rng(seed)
    domain = np.r_[-np.ones(n_target, dtype=int), rng.integers(1, 4, n_source)]
    return rng.permutation(domain)  # target and source rows interleaved


@pytest.mark.parametrize("n_splits", [2, 3, 5])
@pytest.mark.parametrize("shuffle", [False, True])
def test_target_kfold_splits_target_rows_only(n_splits, shuffle):
    domain = _domain()
    X = np.zeros((domain.size, 2))
    target, source = np.flatnonzero(domain < 0), np.flatnonzero(domain > 0)
    cv = TargetKFold(n_splits, shuffle=shuffle, random_state=0 if shuffle else None)
    splits = list(cv.split(X, sample_domain=domain))
    assert len(splits) == n_splits == cv.get_n_splits()
    tested = np.concatenate([test for _, test in splits])
    # test rows are target rows, each target row tested exactly once
    np.testing.assert_array_equal(np.sort(tested), target)
    for train, test in splits:
        assert np.all(domain[test] < 0)
        # every source row is in every training split
        assert np.all(np.isin(source, train))
        # train and test partition all rows
        np.testing.assert_array_equal(np.sort(np.r_[train, test]),
                                      np.arange(domain.size))
        assert np.all(np.diff(train) > 0)
    # fold sizes as balanced as KFold's
    sizes = sorted(len(test) for _, test in splits)
    assert sizes[-1] - sizes[0] <= 1


def test_target_kfold_matches_kfold_on_target_rows():
    domain = _domain(1)
    target = np.flatnonzero(domain < 0)
    X = np.zeros((domain.size, 1))
    ours = list(TargetKFold(4).split(X, sample_domain=domain))
    ref = list(KFold(4).split(target))
    for (_, test), (_, ref_test) in zip(ours, ref):
        np.testing.assert_array_equal(test, target[ref_test])


def test_target_kfold_without_domain_is_kfold():
    X = np.zeros((10, 2))
    for (train, test), (ref_train, ref_test) in zip(
        TargetKFold(3).split(X), KFold(3).split(X)
    ):
        np.testing.assert_array_equal(train, ref_train)
        np.testing.assert_array_equal(test, ref_test)


def test_target_kfold_shuffle_is_seeded():
    domain = _domain(2)
    X = np.zeros((domain.size, 1))
    a = [t for _, t in TargetKFold(3, shuffle=True, random_state=1).split(
        X, sample_domain=domain)]
    b = [t for _, t in TargetKFold(3, shuffle=True, random_state=1).split(
        X, sample_domain=domain)]
    unshuffled = [t for _, t in TargetKFold(3).split(X, sample_domain=domain)]
    for ta, tb in zip(a, b):
        np.testing.assert_array_equal(ta, tb)
    assert any(not np.array_equal(ta, tu) for ta, tu in zip(a, unshuffled))


def test_target_kfold_too_few_target_rows():
    domain = np.r_[-1, -1, 1, 1, 1, 1]
    with pytest.raises(ValueError, match=r"2 target rows.*n_splits=3"):
        list(TargetKFold(3).split(np.zeros((6, 1)), sample_domain=domain))


@pytest.mark.parametrize("kwargs, error, match", [
    ({"n_splits": 1}, ValueError, r"n_splits"),
    ({"n_splits": 2.0}, TypeError, r"n_splits"),
    ({"n_splits": True}, TypeError, r"n_splits"),
    ({"n_splits": 3, "shuffle": "yes"}, TypeError, r"shuffle"),
])
def test_target_kfold_bad_params(kwargs, error, match):
    with pytest.raises(error, match=match):
        TargetKFold(**kwargs)


def test_target_kfold_bad_domain():
    with pytest.raises(ValueError, match="sample_domain"):
        list(TargetKFold(2).split(np.zeros((4, 1)), sample_domain=[-1, 1]))
    with pytest.raises(ValueError, match="no target"):
        list(TargetKFold(2).split(np.zeros((2, 1)), sample_domain=[1, 1]))


def test_target_kfold_requests_sample_domain():
    routing = TargetKFold().get_metadata_routing()
    assert routing.split.requests["sample_domain"] is True
