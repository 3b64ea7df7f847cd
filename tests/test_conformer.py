"""ConformerNet (sktime_eeg.nn.conformer) and ConformerEEGClassifier."""

from __future__ import annotations

import copy
import pickle

import mne
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.utils.estimator_checks import parametrize_with_checks

from sktime_eeg.estimators import ConformerEEGClassifier
from sktime_eeg.nn import ConformerNet, SpatioTemporalStem, TemporalSpatialStem, fold

#: A small network that still learns the easy data in a few epochs.
TINY = dict(
    n_filters_time=6,
    n_filters=8,
    kernel_length=9,
    pool_length=20,
    pool_stride=10,
    d_model=8,
    n_heads=2,
    n_layers=1,
    dim_feedforward=16,
    dropout=0.25,
)
FAST = dict(**TINY, max_epochs=10, batch_size=10, lr=3e-3)

EXPECTED_FAILED_CHECKS = {
    "check_classifiers_train": (
        "toy blobs of 2 features x 1 time sample: 2 epochs of the tiny test network reach "
        "0.33-0.84 accuracy, not the 0.83 asked (it passes from ~30 epochs)"
    ),
}


def make_stem(kind, n_channels, n_filters=8, kernel_length=25, n_filters_time=6):
    if kind == "1d":
        return TemporalSpatialStem(n_channels, n_filters_time, n_filters, kernel_length)
    return SpatioTemporalStem(n_channels, n_filters, kernel_length)


# -- the network -----------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["1d", "2d"])
@pytest.mark.parametrize(
    "n_channels, n_times, n_tokens",
    [(1, 99, 1), (3, 250, 11), (22, 1000, 61), (64, 113, 1)],
)
def test_network_shapes_and_named_layers(kind, n_channels, n_times, n_tokens):
    torch.manual_seed(0)
    net = ConformerNet(
        make_stem(kind, n_channels),
        n_classes=3,
        n_times=n_times,
        d_model=12,
        n_heads=3,
        n_layers=2,
        dim_feedforward=24,
    )
    assert net.n_tokens == n_tokens
    n_conv = n_times - 25 + 1
    expected = {
        "stem": (5, 8, n_conv),
        "bnorm": (5, 8, n_conv),
        "activation": (5, 8, n_conv),
        "pool": (5, 8, n_tokens),
        "drop": (5, 8, n_tokens),
        "projection": (5, 12, n_tokens),
        "position": (5, n_tokens, 12),
        "encoder": (5, n_tokens, 12),
        "encoder.layers.1": (5, n_tokens, 12),
        "token_mean": (5, 12),
        "classifier": (5, 3),
    }
    seen = {}
    for name in expected:
        net.get_submodule(name).register_forward_hook(
            lambda module, inputs, output, name=name: seen.__setitem__(name, output.shape)
        )
    x = torch.randn(5, n_channels, n_times)
    logits = net(x)
    assert logits.shape == (5, 3)
    assert {name: tuple(shape) for name, shape in seen.items()} == expected
    net.eval()
    torch.testing.assert_close(net.features(x), net.token_mean(net.encoder(net.tokens(x))))
    torch.testing.assert_close(net(x), net.classifier(net.features(x)))


def test_network_is_trainable_end_to_end():
    torch.manual_seed(0)
    net = ConformerNet(make_stem("1d", 3), 2, 120, d_model=8, n_heads=2, n_layers=1)
    net(torch.randn(4, 3, 120)).sum().backward()
    for name, param in net.named_parameters():
        assert param.grad is not None and torch.isfinite(param.grad).all(), name
    assert net.position.weight.grad.abs().sum() > 0


def test_position_embedding_is_sized_from_the_token_count():
    net = ConformerNet(make_stem("2d", 3), 2, 1000, d_model=40, n_heads=4)
    assert net.position.weight.shape == (1, 61, 40)
    with pytest.raises(ValueError, match="Got 60 tokens but .* built for 61"):
        net.position(torch.zeros(2, 60, 40))


@pytest.mark.parametrize("kind", ["1d", "2d"])
def test_window_too_short_for_one_token(kind):
    with pytest.raises(ValueError, match=r"needs at least .* = 99 samples"):
        ConformerNet(make_stem(kind, 3), 2, 98)
    with pytest.raises(ValueError, match=r"= 29 samples"):
        ConformerNet(make_stem(kind, 3, kernel_length=10), 2, 28, pool_length=20)
    assert ConformerNet(make_stem(kind, 3), 2, 99).n_tokens == 1


def test_network_rejects_d_model_not_divisible_by_n_heads():
    with pytest.raises(ValueError, match="d_model=40 must be a multiple of n_heads=6"):
        ConformerNet(make_stem("2d", 3), 2, 200, d_model=40, n_heads=6)


@pytest.mark.parametrize("n_channels", [1, 3, 22])
def test_folding_the_network_stem_keeps_the_outputs(n_channels):
    torch.manual_seed(n_channels)
    net = ConformerNet(make_stem("1d", n_channels), 4, 300, d_model=16, n_heads=4, n_layers=2)
    # non-trivial batch-norm statistics, as after training
    net.bnorm.running_mean.uniform_(-1, 1)
    net.bnorm.running_var.uniform_(0.5, 2)
    net.eval()
    folded = copy.deepcopy(net)
    folded.stem = fold(net.stem)
    assert isinstance(folded.stem, SpatioTemporalStem)
    x = torch.randn(6, n_channels, 300)
    with torch.no_grad():
        torch.testing.assert_close(folded(x), net(x), atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(folded.features(x), net.features(x), atol=1e-5, rtol=1e-5)


# -- the estimator: scikit-learn contract -----------------------------------------------------
@pytest.mark.filterwarnings("ignore:ConformerEEGClassifier. X has 1 samples per trial")
@parametrize_with_checks(
    [
        ConformerEEGClassifier(stem=stem, **{**TINY, "max_epochs": 2}, random_state=0)
        for stem in ("2d", "1d")
    ],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("stem", ["1d", "2d"])
def test_learns_easy_data_with_string_labels(stem, easy):
    X, y = easy
    clf = ConformerEEGClassifier(stem=stem, **FAST, random_state=0).fit(X[:40], y[:40])
    assert list(clf.classes_) == ["a", "b"]
    pred = clf.predict(X[40:])
    assert pred.dtype == y.dtype and set(pred) <= {"a", "b"}
    assert clf.score(X[40:], y[40:]) >= 0.9
    proba = clf.predict_proba(X[40:])
    assert proba.shape == (20, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    module = clf.net_.module_
    expected_stem = TemporalSpatialStem if stem == "1d" else SpatioTemporalStem
    assert isinstance(module.stem, expected_stem) and module.n_tokens == 8
    assert len(clf.net_.history) == FAST["max_epochs"]


def test_get_params_lists_every_hyperparameter():
    clf = ConformerEEGClassifier(stem="1d", d_model=24, n_heads=6, random_state=3)
    params = clf.get_params()
    assert set(params) == {
        "stem", "n_filters_time", "n_filters", "kernel_length", "pool_length", "pool_stride",
        "d_model", "n_heads", "n_layers", "dim_feedforward", "dropout", "crop_length", "augment",
        "max_epochs",
        "batch_size", "lr", "weight_decay", "optimizer", "lr_schedule", "patience",
        "validation_fraction", "random_state", "device", "verbose", "warm_start", "finetune",
    }  # fmt: skip
    assert clone(clf).get_params() == params


def test_grid_search_over_two_parameters(easy):
    X, y = easy
    base = {k: v for k, v in FAST.items() if k not in ("n_layers", "stem")}
    grid = GridSearchCV(
        ConformerEEGClassifier(**{**base, "max_epochs": 3}, random_state=0),
        {"stem": ["1d", "2d"], "n_layers": [1, 2]},
        cv=StratifiedKFold(2),
    )
    grid.fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    best = grid.best_estimator_
    assert len(best.net_.module_.encoder.layers) == grid.best_params_["n_layers"]
    assert best.stem == grid.best_params_["stem"]


def test_pickle_round_trip(easy):
    X, y = easy
    clf = ConformerEEGClassifier(**FAST, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))


@pytest.mark.parametrize("stem", ["1d", "2d"])
def test_determinism_and_no_global_rng_side_effects(stem, easy):
    X, y = easy
    params = {**FAST, "max_epochs": 3}
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()  # noqa: NPY002
    a = ConformerEEGClassifier(stem=stem, **params, random_state=7).fit(X, y)
    b = ConformerEEGClassifier(stem=stem, **params, random_state=7).fit(X, y)
    assert torch.equal(torch.get_rng_state(), torch_state)
    np_after = np.random.get_state()  # noqa: NPY002
    assert np_after[0] == np_state[0] and np.array_equal(np_after[1], np_state[1])
    state_a, state_b = a.net_.module_.state_dict(), b.net_.module_.state_dict()
    assert list(state_a) == list(state_b)
    for name in state_a:
        assert torch.equal(state_a[name], state_b[name]), name
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = ConformerEEGClassifier(stem=stem, **params, random_state=8).fit(X, y)
    assert not torch.equal(a.net_.module_.position.weight, c.net_.module_.position.weight)


def test_epochs_input_records_channels_and_sfreq(easy):
    X, y = easy
    info = mne.create_info(["C3", "Cz", "C4"], 100.0, ch_types="eeg")
    epochs = mne.EpochsArray(X * 1e-6, info, verbose="error")
    data_before = epochs.get_data(copy=True)
    clf = ConformerEEGClassifier(**FAST, random_state=0).fit(epochs, y)
    assert clf.ch_names_ == ["C3", "Cz", "C4"] and clf.sfreq_ == 100.0
    # Epochs are read in microvolts: the microvolt array gives the same predictions
    np.testing.assert_array_equal(clf.predict(epochs), clf.predict(X))
    np.testing.assert_array_equal(epochs.get_data(), data_before)
    assert clf.score(epochs, y) >= 0.9
    swapped = mne.EpochsArray(X, mne.create_info(["C4", "Cz", "C3"], 100.0, "eeg"), verbose=0)
    with pytest.raises(ValueError, match=r"reorder_channels\(\['C3', 'Cz', 'C4'\]\)"):
        clf.predict(swapped)


def test_one_sample_trials_give_one_token():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 4))
    y = np.repeat([0, 1], 15)
    with pytest.warns(UserWarning, match="using kernel_length=1, pool_length=1, pool_stride=1"):
        clf = ConformerEEGClassifier(max_epochs=2, random_state=0).fit(X, y)
    assert (clf.n_channels_, clf.n_times_) == (4, 1)
    assert clf.net_.module_.n_tokens == 1
    assert clf.predict(X).shape == (30,)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"stem": "3d"}, r"stem must be one of \['2d', '1d'\], got '3d'"),
        ({"stem": "2D"}, r"stem must be one of \['2d', '1d'\], got '2D'"),
        ({"n_heads": 3}, r"d_model=40 must be a multiple of n_heads=3"),
        ({"d_model": 0}, "d_model must be a positive integer"),
        ({"n_layers": 0}, "n_layers must be a positive integer"),
        ({"n_heads": 2.0}, "n_heads must be a positive integer"),
        ({"dim_feedforward": -4}, "dim_feedforward must be a positive integer"),
        ({"n_filters_time": 0}, "n_filters_time must be a positive integer"),
        ({"dropout": 1.0}, r"dropout must be a real number in \[0, 1\)"),
    ],
)
def test_bad_hyperparameters(params, match, easy):
    with pytest.raises(ValueError, match=match):
        ConformerEEGClassifier(max_epochs=1, **params).fit(*easy)


def test_predict_before_fit(easy):
    with pytest.raises(NotFittedError):
        ConformerEEGClassifier().predict(easy[0])


# -- folding ---------------------------------------------------------------------------------
def test_fold_returns_an_equivalent_fitted_2d_model(easy):
    X, y = easy
    clf = ConformerEEGClassifier(stem="1d", **FAST, random_state=0).fit(X, y)
    folded = clf.fold()
    assert type(folded) is ConformerEEGClassifier
    assert folded.get_params() == {**clf.get_params(), "stem": "2d"}
    assert isinstance(folded.net_.module_.stem, SpatioTemporalStem)
    assert folded.net_.module_.stem.conv.weight.shape == (FAST["n_filters"], 3, 9)
    np.testing.assert_allclose(folded.predict_proba(X), clf.predict_proba(X), atol=1e-5)
    np.testing.assert_array_equal(folded.predict(X), clf.predict(X))
    np.testing.assert_array_equal(folded.classes_, clf.classes_)
    assert len(folded.net_.history) == len(clf.net_.history)
    # the folded model is independent of the source
    folded.net_.module_.position.weight.data.zero_()
    assert clf.net_.module_.position.weight.abs().sum() > 0
    with pytest.raises(ValueError, match="has stem='2d' already"):
        folded.fold()
    with pytest.raises(NotFittedError):
        ConformerEEGClassifier(stem="1d").fold()


# -- real data -------------------------------------------------------------------------------
@pytest.mark.slow
def test_real_data_bnci2014_004_subject4_and_fold():
    """Sessions 1-3 -> 4-5 of BCI IV 2b subject 4 (chance 0.5; the CNNs reach ~0.97).

    A 1D-stem model with 2 encoder layers, then its fold: same predictions, same accuracy.
    """
    from helpers import require_shared_data

    require_shared_data("bnci2014_004")
    from benchmarks.local_data import load_bnci2014_004

    X_train, y_train, _ = load_bnci2014_004(4, (1, 2, 3))
    X_test, y_test, _ = load_bnci2014_004(4, (4, 5))
    clf = ConformerEEGClassifier(stem="1d", n_layers=2, max_epochs=6, random_state=0)
    clf.fit(X_train, y_train)
    accuracy = clf.score(X_test, y_test)
    assert accuracy >= 0.85, accuracy
    folded = clf.fold()
    np.testing.assert_allclose(folded.predict_proba(X_test), clf.predict_proba(X_test), atol=1e-5)
    assert folded.score(X_test, y_test) == accuracy
