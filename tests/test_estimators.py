"""Conv1DEEGClassifier and Conv2DEEGClassifier as scikit-learn estimators."""

from __future__ import annotations

import pickle
import warnings

import mne
import numpy as np
import pytest
import torch
from helpers import make_easy_data
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from sktime_eeg import ConformerEEGClassifier, Conv1DEEGClassifier, Conv2DEEGClassifier

CLASSIFIERS = [Conv1DEEGClassifier, Conv2DEEGClassifier]
FAST = dict(
    max_epochs=10,
    batch_size=10,
    lr=3e-3,
    n_filters=8,
    kernel_length=9,
    pool_length=20,
    pool_stride=10,
)

EXPECTED_FAILED_CHECKS = {
    "check_classifiers_train": (
        "toy blobs of 2 features x 1 time sample: the band-power head (square, log) drops "
        "the sign of each filter output, so a few epochs reach ~0.75, not the 0.83 asked"
    ),
}


def make_epochs(X, sfreq=100.0, ch_names=None):
    ch_names = ch_names or [f"EEG{i:02d}" for i in range(X.shape[1])]
    info = mne.create_info(ch_names, sfreq, ch_types="eeg")
    return mne.EpochsArray(X, info, verbose="error")


@parametrize_with_checks(
    [cls(max_epochs=2, n_filters=4, random_state=0) for cls in CLASSIFIERS],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_learns_easy_data_and_returns_user_labels(cls, easy):
    X, y = easy
    clf = cls(**FAST, random_state=0).fit(X[:40], y[:40])
    assert list(clf.classes_) == ["a", "b"]
    pred = clf.predict(X[40:])
    assert pred.dtype == y.dtype and set(pred) <= {"a", "b"}
    assert clf.score(X[40:], y[40:]) >= 0.9
    proba = clf.predict_proba(X[40:])
    assert proba.shape == (20, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert len(clf.net_.history) == FAST["max_epochs"]
    losses = clf.net_.history[:, "train_loss"]
    assert losses[-1] < losses[0]


@pytest.mark.parametrize("labels", [[3, 7], [-1, 10], [True, False], ["left", "right"]])
def test_label_round_trip(labels, easy):
    X, y = easy
    y_user = np.where(y == "a", labels[0], labels[1])
    clf = Conv2DEEGClassifier(**FAST, random_state=0).fit(X, y_user)
    np.testing.assert_array_equal(clf.classes_, np.unique(y_user))
    pred = clf.predict(X)
    assert set(pred.tolist()) <= set(labels)
    assert (pred == y_user).mean() >= 0.9


def test_three_classes_with_non_contiguous_int_labels():
    X, _ = make_easy_data(n_trials=60)
    y = np.repeat([2, 5, 9], 20)
    clf = Conv2DEEGClassifier(**FAST, random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, [2, 5, 9])
    assert clf.predict_proba(X).shape == (60, 3)


def test_grid_search_over_architecture(easy):
    X, y = easy
    grid = GridSearchCV(
        Conv2DEEGClassifier(max_epochs=3, pool_length=20, pool_stride=10, random_state=0),
        {"n_filters": [4, 8], "kernel_length": [5, 9]},
        cv=StratifiedKFold(2),
    )
    grid.fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    assert grid.best_params_["n_filters"] in (4, 8)
    assert grid.best_estimator_.net_.module_.stem.conv.weight.shape == (
        grid.best_params_["n_filters"],
        3,
        grid.best_params_["kernel_length"],
    )


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_get_params_and_clone(cls):
    clf = cls(n_filters=12, lr=0.01, random_state=3)
    params = clf.get_params()
    for name in (
        "n_filters",
        "kernel_length",
        "pool_length",
        "pool_stride",
        "dropout",
        "max_epochs",
        "batch_size",
        "lr",
        "weight_decay",
        "optimizer",
        "lr_schedule",
        "patience",
        "validation_fraction",
        "random_state",
        "device",
        "verbose",
    ):
        assert name in params
    cloned = clone(clf)
    assert cloned.get_params() == params
    assert not hasattr(cloned, "net_")


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_pickle_round_trip(cls, easy):
    X, y = easy
    clf = cls(**FAST, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))


def test_cross_val_score_in_pipeline_with_scaler(easy):
    X, y = easy
    pipe = make_pipeline(
        mne.decoding.Scaler(scalings="mean"), Conv2DEEGClassifier(**FAST, random_state=0)
    )
    scores = cross_val_score(pipe, X, y, cv=StratifiedKFold(3))
    assert scores.shape == (3,)
    assert scores.mean() >= 0.85


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_determinism_and_no_global_rng_side_effects(cls, easy):
    X, y = easy
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()  # noqa: NPY002
    a = cls(**FAST, random_state=7).fit(X, y)
    b = cls(**FAST, random_state=7).fit(X, y)
    assert torch.equal(torch.get_rng_state(), torch_state)
    np_after = np.random.get_state()  # noqa: NPY002
    assert np_after[0] == np_state[0] and np.array_equal(np_after[1], np_state[1])
    for (name, p), (_, q) in zip(
        a.net_.module_.state_dict().items(), b.net_.module_.state_dict().items(), strict=True
    ):
        assert torch.equal(p, q), name
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = cls(**FAST, random_state=8).fit(X, y)
    assert not torch.equal(a.net_.module_.classifier.weight, c.net_.module_.classifier.weight)


def test_units_do_not_matter(easy):
    X, y = easy
    in_volts = X * 1e-6
    a = Conv2DEEGClassifier(**FAST, random_state=0).fit(in_volts, y)
    b = Conv2DEEGClassifier(**FAST, random_state=0).fit(X, y)
    np.testing.assert_allclose(a.scale_ * 1e6, b.scale_, rtol=1e-6)
    np.testing.assert_allclose(a.predict_proba(in_volts), b.predict_proba(X), atol=1e-6)
    np.testing.assert_array_equal(a.predict(in_volts), b.predict(X))


def test_standardization_is_learned_at_fit_and_reused_at_predict(easy):
    X, y = easy
    clf = Conv2DEEGClassifier(**FAST, random_state=0).fit(X, y)
    np.testing.assert_allclose(clf.mean_, X.mean(axis=(0, 2)), atol=1e-6)
    np.testing.assert_allclose(clf.scale_, X.std(axis=(0, 2)), rtol=1e-5)
    # predicting a subset must not re-estimate the statistics on that subset
    np.testing.assert_allclose(clf.predict_proba(X[:5]), clf.predict_proba(X)[:5], atol=1e-6)


def test_refit_on_another_shape(easy):
    X, y = easy
    clf = Conv1DEEGClassifier(**FAST, random_state=0).fit(X, y)
    X2, y2 = make_easy_data(n_trials=40, n_channels=5, n_times=80, seed=1)
    clf.fit(X2, y2)
    assert (clf.n_channels_, clf.n_times_, clf.n_features_in_) == (5, 80, 5)
    assert clf.predict(X2).shape == (40,)
    with pytest.raises(
        ValueError, match="X has 3 features, but Conv1DEEGClassifier is expecting 5"
    ):
        clf.predict(X)


def test_two_dimensional_input_is_channels_of_one_sample():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 4))
    y = np.repeat([0, 1], 15)
    with pytest.warns(UserWarning, match="using kernel_length=1, pool_length=1, pool_stride=1"):
        clf = Conv2DEEGClassifier(max_epochs=2, random_state=0).fit(X, y)
    assert (clf.n_channels_, clf.n_times_) == (4, 1)
    assert clf.predict(X).shape == (30,)


def test_short_windows_shrink_kernel_and_pooling_with_a_warning(easy):
    X, y = easy
    with pytest.warns(UserWarning, match="X has 50 samples per trial"):
        clf = Conv2DEEGClassifier(max_epochs=2, random_state=0).fit(X[:, :, :50], y)
    assert (clf.kernel_length_, clf.pool_length_, clf.pool_stride_) == (25, 26, 15)
    assert clf.predict(X[:, :, :50]).shape == (60,)


def test_validation_split_and_early_stopping():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 3, 60))
    y = np.repeat(["x", "y"], 40)  # labels unrelated to X: validation loss soon rises
    clf = Conv2DEEGClassifier(
        n_filters=16,
        kernel_length=5,
        pool_length=10,
        pool_stride=5,
        max_epochs=60,
        lr=0.01,
        validation_fraction=0.25,
        patience=3,
        random_state=0,
    ).fit(X, y)
    history = clf.net_.history
    assert 3 < len(history) < 60
    assert "valid_loss" in history[-1] and "valid_acc" in history[-1]
    assert history[-1, "batches"][-1]["valid_batch_size"] > 0
    n_train = sum(b["train_batch_size"] for b in history[-1, "batches"] if "train_batch_size" in b)
    assert n_train == 60


def test_verbose_zero_is_silent_and_verbose_one_prints(easy, capsys):
    X, y = easy
    Conv2DEEGClassifier(max_epochs=2, random_state=0).fit(X, y)
    assert capsys.readouterr().out == ""
    Conv2DEEGClassifier(max_epochs=2, verbose=1, random_state=0).fit(X, y)
    assert "train_loss" in capsys.readouterr().out


def test_inputs_are_not_modified(easy):
    X, y = easy
    X_before, y_before = X.copy(), y.copy()
    X32 = X.astype(np.float32)
    X32_before = X32.copy()
    clf = Conv2DEEGClassifier(max_epochs=1, random_state=0).fit(X32, y)
    clf.predict(X32)
    Conv1DEEGClassifier(max_epochs=1, random_state=0).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(X32, X32_before)
    np.testing.assert_array_equal(y, y_before)


# -- mne.Epochs ------------------------------------------------------------------------------
def test_epochs_input_records_channels_and_sfreq(easy):
    X, y = easy
    epochs = make_epochs(X * 1e-6, ch_names=["C3", "Cz", "C4"])
    data_before = epochs.get_data(copy=True)
    clf = Conv2DEEGClassifier(**FAST, random_state=0).fit(epochs, y)
    assert clf.ch_names_ == ["C3", "Cz", "C4"] and clf.sfreq_ == 100.0
    # Epochs are read in microvolts: the microvolt array gives the same predictions
    np.testing.assert_array_equal(clf.predict(epochs), clf.predict(X))
    np.testing.assert_array_equal(epochs.get_data(), data_before)
    assert clf.score(epochs, y) >= 0.9


def test_epochs_with_other_channel_names_or_order_are_rejected(easy):
    X, y = easy
    clf = Conv2DEEGClassifier(max_epochs=1, random_state=0).fit(
        make_epochs(X, ch_names=["C3", "Cz", "C4"]), y
    )
    with pytest.raises(ValueError, match=r"reorder_channels\(\['C3', 'Cz', 'C4'\]\)"):
        clf.predict(make_epochs(X, ch_names=["C4", "Cz", "C3"]))
    with pytest.raises(ValueError, match="channels of X differ"):
        clf.predict(make_epochs(X, ch_names=["C3", "Cz", "Pz"]))
    with pytest.raises(ValueError, match=r"sampled at 200.0 Hz .* resample it first"):
        clf.predict(make_epochs(X, sfreq=200.0, ch_names=["C3", "Cz", "C4"]))


# -- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_predict_before_fit(cls, easy):
    with pytest.raises(NotFittedError):
        cls().predict(easy[0])
    with pytest.raises(NotFittedError):
        cls().predict_proba(easy[0])


@pytest.mark.parametrize(
    "make_X, match",
    [
        (
            lambda X: np.where(np.arange(X.size).reshape(X.shape) == 7, np.nan, X),
            r"contains NaN in 1 trial\(s\) \(first: index 0\).*epochs.drop_bad",
        ),
        (
            lambda X: np.where(np.arange(X.size).reshape(X.shape) == 2 * 300 + 1, np.inf, X),
            r"infinite values \(inf\) in 1 trial\(s\) \(first: index 2\)",
        ),
        (lambda X: X[:, 0, 0], r"got a 1D array of shape \(60,\)\. Reshape your data"),
        (lambda X: X[:, :, :, None], r"got a 4D array .* Reshape it to \(n_trials, n_channels"),
        (lambda X: X.astype(str), r"must be numeric, got an array of dtype <U.*astype\(float\)"),
        (lambda X: X.astype(complex), "Complex data not supported"),
        (lambda X: X[:, :0], r"0 feature\(s\) .* has no channels"),
        (lambda X: X[:, :, :0], "0 time samples"),
    ],
)
def test_bad_X_at_fit(make_X, match, easy):
    X, y = easy
    with pytest.raises(ValueError, match=match):
        Conv2DEEGClassifier(max_epochs=1).fit(make_X(X), y)


def test_bad_y_at_fit(easy):
    X, y = easy
    clf = Conv2DEEGClassifier(max_epochs=1)
    with pytest.raises(ValueError, match="requires y to be passed"):
        clf.fit(X, None)
    with pytest.raises(ValueError, match="X has 60 trials but y has 59 labels"):
        clf.fit(X, y[:-1])
    with pytest.raises(ValueError, match=r"one class \('a'\) in all 60 trials"):
        clf.fit(X, np.full(60, "a"))
    with pytest.raises(ValueError, match="Unknown label type"):
        clf.fit(X, np.linspace(0, 1, 60))
    with pytest.raises(ValueError, match="Input y contains NaN"):
        clf.fit(X, np.full(60, np.nan))
    with pytest.raises(ValueError, match="Found array with 0 sample"):
        clf.fit(X[:0], y[:0])


def test_validation_split_needs_two_trials_per_class(easy):
    X, _ = easy
    y = np.array(["a"] * 59 + ["rare"])
    with pytest.raises(
        ValueError, match=r"class 'rare' has only 1 trial\(s\).*validation_fraction=0"
    ):
        Conv2DEEGClassifier(max_epochs=1, validation_fraction=0.2).fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"patience": 5}, r"needs a validation split; set validation_fraction"),
        ({"n_filters": 0}, "n_filters must be a positive integer"),
        ({"kernel_length": 2.5}, "kernel_length must be a positive integer"),
        ({"dropout": 1.0}, r"dropout must be a real number in \[0, 1\)"),
        ({"optimizer": "adagrad"}, r"optimizer must be one of \['adam', 'adamw', 'sgd'\]"),
        ({"lr_schedule": "step"}, r"lr_schedule must be one of \['cosine', 'constant'\]"),
        ({"validation_fraction": 1.0}, r"validation_fraction must be a real number in \[0, 1\)"),
    ],
)
def test_bad_hyperparameters(params, match, easy):
    with pytest.raises(ValueError, match=match):
        Conv2DEEGClassifier(max_epochs=1, **params).fit(*easy)


def test_n_filters_time_is_validated_for_1d(easy):
    with pytest.raises(ValueError, match="n_filters_time must be a positive integer"):
        Conv1DEEGClassifier(max_epochs=1, n_filters_time=-1).fit(*easy)


def test_bad_X_at_predict(easy):
    X, y = easy
    clf = Conv2DEEGClassifier(max_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(
        ValueError, match="X has 4 features, but Conv2DEEGClassifier is expecting 3"
    ):
        clf.predict(np.zeros((2, 4, 100)))
    with pytest.raises(ValueError, match="single trial of shape .* X\\[np.newaxis\\]"):
        clf.predict(X[0])
    with pytest.raises(ValueError, match="X has 90 samples per trial but .* fitted on 100"):
        clf.predict(X[:, :, :90])
    with pytest.raises(ValueError, match="contains NaN"):
        clf.predict(np.full((2, 3, 100), np.nan))
    with pytest.raises(TypeError, match="Sparse input is not supported"):
        from scipy import sparse

        clf.predict(sparse.csr_matrix(np.zeros((2, 3))))


# -- folding ---------------------------------------------------------------------------------
def test_fold_returns_an_equivalent_fitted_conv2d(easy):
    X, y = easy
    clf = Conv1DEEGClassifier(**FAST, n_filters_time=6, random_state=0).fit(X, y)
    folded = clf.fold()
    assert type(folded) is Conv2DEEGClassifier
    assert folded.get_params()["n_filters"] == FAST["n_filters"]
    assert folded.net_.module_.stem.conv.weight.shape == (
        FAST["n_filters"],
        3,
        FAST["kernel_length"],
    )
    np.testing.assert_allclose(folded.predict_proba(X), clf.predict_proba(X), atol=1e-5)
    np.testing.assert_array_equal(folded.predict(X), clf.predict(X))
    np.testing.assert_array_equal(folded.classes_, clf.classes_)
    assert len(folded.net_.history) == len(clf.net_.history)
    # the folded model is independent of the source
    folded.net_.module_.stem.conv.weight.data.zero_()
    assert clf.net_.module_.stem.temporal.weight.abs().sum() > 0
    with pytest.raises(NotFittedError):
        Conv1DEEGClassifier().fold()


# -- real data -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bnci_subject4():
    from helpers import require_shared_data

    require_shared_data("bnci2014_004")
    from benchmarks.local_data import load_bnci2014_004

    X_train, y_train, _ = load_bnci2014_004(4, (1, 2, 3))
    X_test, y_test, _ = load_bnci2014_004(4, (4, 5))
    return X_train, y_train, X_test, y_test


@pytest.mark.slow
@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_real_data_bnci2014_004_subject4(cls, bnci_subject4):
    """Sessions 1-3 -> 4-5 of BCI IV 2b subject 4 (chance 0.5; TS+LR gets ~0.95)."""
    X_train, y_train, X_test, y_test = bnci_subject4
    clf = cls(max_epochs=15, random_state=0).fit(X_train, y_train)
    accuracy = clf.score(X_test, y_test)
    assert accuracy >= 0.85, accuracy
    if cls is Conv1DEEGClassifier:
        folded = clf.fold()
        np.testing.assert_allclose(
            folded.predict_proba(X_test), clf.predict_proba(X_test), atol=1e-5
        )
        assert folded.score(X_test, y_test) == accuracy


def test_one_pooling_window_over_the_trial_is_log_variance_per_filter(easy):
    """The fast recipe's head: pool_length = n_times - kernel_length + 1, stride 1."""
    X, y = easy  # 100 samples
    params = dict(FAST, kernel_length=25, pool_length=100 - 25 + 1, pool_stride=1)
    clf = Conv2DEEGClassifier(**params, random_state=0).fit(X, y)
    net = clf.net_.module_.eval()
    assert net.n_pooled == 1
    assert net.classifier.weight.shape == (2, FAST["n_filters"])  # one weight per filter
    x = torch.randn(5, 3, 100, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        filtered = net.bnorm(net.stem(x))  # (n_trials, n_filters, n_times - 24)
        expected = torch.log(torch.clamp((filtered**2).mean(-1), min=1e-6))
        torch.testing.assert_close(net.features(x)[:, :, 0], expected, rtol=1e-5, atol=1e-5)
    # the 1D network with the same head folds into it exactly
    conv1d = Conv1DEEGClassifier(**params, n_filters_time=6, random_state=0).fit(X, y)
    np.testing.assert_allclose(conv1d.fold().predict_proba(X), conv1d.predict_proba(X), atol=1e-5)


def test_pool_length_whole_is_one_window_over_any_trial_length(easy):
    """``pool_length="whole"`` builds the network an explicit one-window pooling builds, at
    every trial (or crop) length, and refits follow the new length."""
    X, y = easy  # 100 samples
    whole = Conv2DEEGClassifier(**dict(FAST, pool_length="whole"), random_state=0).fit(X, y)
    explicit = Conv2DEEGClassifier(
        **dict(FAST, pool_length=100 - FAST["kernel_length"] + 1, pool_stride=1), random_state=0
    ).fit(X, y)
    assert whole.pool_length_ == explicit.pool_length_ == 100 - FAST["kernel_length"] + 1
    assert whole.net_.module_.n_pooled == 1
    np.testing.assert_array_equal(whole.predict_proba(X), explicit.predict_proba(X))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a length that follows the trial is not "shrunk"
        whole.fit(X[:, :, :60], y)
    assert whole.pool_length_ == 60 - FAST["kernel_length"] + 1
    assert whole.get_params()["pool_length"] == "whole"  # the user's value is kept
    cropped = Conv2DEEGClassifier(
        **dict(FAST, pool_length="whole", crop_length=80), random_state=0
    ).fit(X, y)
    assert cropped.pool_length_ == 80 - FAST["kernel_length"] + 1
    assert cropped.predict_proba(X).shape == (X.shape[0], 2)
    conv1d = Conv1DEEGClassifier(
        **dict(FAST, pool_length="whole"), n_filters_time=6, random_state=0
    ).fit(X, y)
    np.testing.assert_allclose(conv1d.fold().predict_proba(X), conv1d.predict_proba(X), atol=1e-5)
    assert conv1d.fold().get_params()["pool_length"] == "whole"


@pytest.mark.parametrize(
    "estimator, match",
    [
        (Conv2DEEGClassifier(pool_length="trial"), 'pool_length must be a positive int or "whole"'),
        (
            ConformerEEGClassifier(pool_length="whole"),
            r"pool_length must be a positive int, got 'whole'",
        ),
    ],
)
def test_pool_length_strings_other_than_whole_are_refused(estimator, match, easy):
    with pytest.raises(ValueError, match=match):
        estimator.set_params(max_epochs=1).fit(*easy)


def test_grid_search_over_pool_length_whole(easy):
    X, y = easy
    search = GridSearchCV(
        Conv2DEEGClassifier(**FAST, random_state=0),
        {"pool_length": [FAST["pool_length"], "whole"]},
        cv=StratifiedKFold(2),
    ).fit(X, y)
    tried = [params["pool_length"] for params in search.cv_results_["params"]]
    assert tried == [FAST["pool_length"], "whole"]


@pytest.mark.slow
def test_real_data_fast_recipe_bnci2014_004_subject1():
    """The recipe chosen on training sessions (docs/benchmarks_bnci2b.rst): running
    alignment + one pooling window, sessions 1-3 -> 4-5 of subject 1 (chance 0.5; the
    default Conv2D gets 0.70 there, the recipe 0.81)."""
    from helpers import require_shared_data

    from sktime_eeg.preprocessing import RunningEuclideanAligner

    require_shared_data("bnci2014_004")
    from benchmarks.local_data import load_bnci2014_004

    X, y, session = load_bnci2014_004(1, (1, 2, 3, 4, 5))
    X = X[:, :, 125:875]  # 0.5-3.5 s after the cue
    train = session <= 3
    pipe = make_pipeline(
        RunningEuclideanAligner(),
        Conv2DEEGClassifier(pool_length="whole", random_state=0),
    )
    pipe.fit(X[train], y[train], runningeuclideanaligner__groups=session[train])
    accuracy = np.mean([np.mean(pipe.predict(X[session == s]) == y[session == s]) for s in (4, 5)])
    assert accuracy >= 0.75, accuracy


def test_cross_val_score_directly_on_epochs(easy):
    """scikit-learn hands each fold a list of one-trial Epochs; they are joined back."""
    X, y = easy
    epochs = make_epochs(X * 1e-6, ch_names=["C3", "Cz", "C4"])
    scores = cross_val_score(
        Conv2DEEGClassifier(**FAST, random_state=0), epochs, y, cv=StratifiedKFold(3)
    )
    assert scores.mean() >= 0.85


@pytest.mark.parametrize(
    "params, match",
    [
        ({"dropout": "a"}, r"dropout must be a real number in \[0, 1\), got 'a'"),
        ({"lr": None}, r"lr must be a real number in \(0, inf\), got None"),
        ({"weight_decay": None}, r"weight_decay must be a real number in \[0, inf\)"),
        ({"validation_fraction": "0.2"}, "validation_fraction must be a real number"),
        ({"patience": 0, "validation_fraction": 0.2}, "patience must be None or a positive"),
        ({"device": "gpu"}, "device must be a torch device such as 'cpu'"),
        ({"optimizer": torch.optim.Rprop, "weight_decay": 0.1}, "Rprop takes no weight_decay"),
    ],
)
def test_bad_hyperparameter_types_name_the_parameter(params, match, easy):
    with pytest.raises(ValueError, match=match):
        Conv2DEEGClassifier(max_epochs=1, **params).fit(*easy)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on CPU-only torch")
def test_cuda_without_cuda_is_a_clear_error(easy):
    with pytest.raises(ValueError, match="CUDA is not available.*device='cpu'"):
        Conv2DEEGClassifier(max_epochs=1, device="cuda").fit(*easy)


def test_optimizer_class_without_weight_decay_trains(easy):
    clf = Conv2DEEGClassifier(max_epochs=1, optimizer=torch.optim.Rprop, random_state=0)
    assert clf.fit(*easy).predict(easy[0]).shape == (60,)


def test_failed_refit_leaves_the_estimator_unfitted(easy):
    X, y = easy
    clf = Conv2DEEGClassifier(max_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="one class"):
        clf.fit(X[:, :2], np.zeros(60))
    with pytest.raises(NotFittedError):
        clf.predict(X[:, :2])


def test_batch_size_one_with_single_sample_trials_is_a_clear_error():
    X = np.random.default_rng(0).standard_normal((10, 3))
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="use batch_size >= 2"):
        Conv2DEEGClassifier(max_epochs=1, batch_size=1).fit(X, np.repeat([0, 1], 5))


class _AdamWithKwargs(torch.optim.Adam):
    """An optimizer that forwards its keyword arguments (weight_decay among them)."""

    def __init__(self, params, lr=1e-3, **kwargs):
        super().__init__(params, lr=lr, **kwargs)


def test_optimizer_forwarding_kwargs_gets_the_weight_decay(easy):
    clf = Conv2DEEGClassifier(
        max_epochs=1, optimizer=_AdamWithKwargs, weight_decay=0.25, random_state=0
    ).fit(*easy)
    assert clf.net_.optimizer_.param_groups[0]["weight_decay"] == 0.25


def test_ctrl_c_during_training_stops_fit_and_leaves_it_unfitted(easy, monkeypatch):
    """skorch swallows KeyboardInterrupt in fit; the estimators pass it on."""
    from sktime_eeg.nn import ShallowNet

    X, y = easy
    clf = Conv2DEEGClassifier(max_epochs=20, random_state=0).fit(X, y)
    calls = []
    forward = ShallowNet.forward

    def interrupted_on_third_batch(self, x):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return forward(self, x)

    monkeypatch.setattr(ShallowNet, "forward", interrupted_on_third_batch)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert len(calls) == 3
    with pytest.raises(NotFittedError):
        clf.predict(X)


def test_read_only_input_is_predicted_without_warnings(easy, tmp_path):
    X, y = easy
    clf = Conv2DEEGClassifier(max_epochs=1, random_state=0).fit(X, y)
    for dtype in (np.float32, np.float64):
        path = tmp_path / f"X_{np.dtype(dtype).name}.npy"
        np.save(path, X.astype(dtype))
        read_only = np.load(path, mmap_mode="r")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            proba = clf.predict_proba(read_only)
        np.testing.assert_allclose(proba, clf.predict_proba(X.astype(dtype)), atol=1e-6)


# -- the input contract and finite training (problems found by a user probe) -----------------
@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_fitted_on_epochs_predicts_the_same_on_their_microvolt_array(cls, easy):
    """Epochs are read in microvolts, as EpochsToArray returns them (only 6.7 % of the
    predictions used to agree); their volts (epochs.get_data()) are refused, not predicted."""
    from sktime_eeg.preprocessing import EpochsToArray

    X, y = easy
    epochs = make_epochs(X * 20e-6, ch_names=["C3", "Cz", "C4"])
    clf = cls(**FAST, random_state=0).fit(epochs, y)
    X_uv = EpochsToArray().fit_transform(epochs)
    np.testing.assert_allclose(clf.predict_proba(X_uv), clf.predict_proba(epochs), rtol=1e-6)
    np.testing.assert_array_equal(clf.predict(X_uv), clf.predict(epochs))
    np.testing.assert_allclose(clf.scale_, X_uv.std(axis=(0, 2)), rtol=1e-6)  # microvolts
    with pytest.raises(ValueError, match=r"amplitude of X is 1\.0e-06 times.*X \* 1e6"):
        clf.predict(epochs.get_data())


def test_diverged_training_stops_fit_naming_lr_and_optimizer(easy):
    """A NaN loss used to give NaN probabilities and classes_[0] for every trial."""
    X, y = easy
    clf = Conv2DEEGClassifier(**FAST, random_state=0).fit(X, y)
    clf.set_params(lr=1e30, optimizer="sgd")
    with pytest.raises(
        ValueError,
        match=r"^Conv2DEEGClassifier: training diverged: the training loss became nan in "
        r"epoch \d+ \(lr=1e\+30, optimizer='sgd'\)\. .*lower lr",
    ):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):  # the failed refit left it unfitted
        clf.predict(X)


def test_training_that_overflows_the_network_stops_fit(easy):
    """A finite but exploding loss used to leave ``bnorm.running_var`` infinite: fit
    succeeded and every trial got the same saturated prediction."""
    X, y = easy
    clf = Conv1DEEGClassifier(
        n_filters_time=3,
        n_filters=4,
        kernel_length=5,
        pool_length=10,
        pool_stride=5,
        max_epochs=3,
        lr=1e10,
        optimizer="sgd",
        random_state=0,
    )
    with pytest.raises(
        ValueError,
        match=r"^Conv1DEEGClassifier: training diverged: the network's \S+ became non-finite "
        r"\(inf or NaN\) in epoch \d+ \(lr=10000000000\.0, optimizer='sgd'\)\. .*lower lr",
    ):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):
        clf.predict(X)


def test_non_finite_probabilities_are_never_turned_into_labels(easy):
    X, y = easy
    clf = Conv2DEEGClassifier(**FAST, random_state=0).fit(X, y)
    with torch.no_grad():
        clf.net_.module_.classifier.weight[0, 0] = float("nan")
    for method in (clf.predict, clf.predict_proba):
        with pytest.raises(
            ValueError,
            match=r"non-finite probabilities \(NaN or inf\) for 60 of 60 trial\(s\) \(first: "
            r"index 0\), so no class can be predicted",
        ):
            method(X)


def test_shared_parameter_docs_are_filled_in():
    from sktime_eeg._docs import docdict, fill_doc
    from sktime_eeg.estimators import ConformerEEGClassifier

    for cls in (*CLASSIFIERS, ConformerEEGClassifier):
        assert "%(" not in cls.__doc__
        assert "    random_state : int, RandomState instance or None, default=None\n" in (
            cls.__doc__
        )
        assert "check_random_state" in cls.__doc__
    assert "Dropout probability after pooling" in ConformerEEGClassifier.__doc__
    assert "Dropout probability before the linear classifier" in Conv2DEEGClassifier.__doc__

    def documented():
        """Summary.

        Parameters
        ----------
        %(n_filters)s
        """

    fill_doc(documented)
    assert "        n_filters : int, default=40\n            Number of spatiotemporal" in (
        documented.__doc__
    )
    assert "n_filters" in docdict

    def unknown():
        """%(no_such_snippet)s"""

    with pytest.raises(KeyError, match="no snippet 'no_such_snippet'"):
        fill_doc(unknown)
