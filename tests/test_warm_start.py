"""warm_start / finetune of the CNN classifiers: continue training the fitted network."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from helpers import make_easy_data
from sklearn.base import clone

from sktime_eeg import ConformerEEGClassifier, Conv1DEEGClassifier, Conv2DEEGClassifier

TINY = {
    Conv2DEEGClassifier: dict(n_filters=4, kernel_length=5, pool_length=10, pool_stride=5),
    Conv1DEEGClassifier: dict(
        n_filters_time=3, n_filters=4, kernel_length=5, pool_length=10, pool_stride=5
    ),
    ConformerEEGClassifier: dict(
        n_filters=4,
        kernel_length=5,
        pool_length=10,
        pool_stride=5,
        d_model=8,
        n_heads=2,
        n_layers=1,
        dim_feedforward=8,
    ),
}
CLASSES = list(TINY)


def _tiny(cls, **params):
    return cls(**TINY[cls], max_epochs=2, batch_size=16, random_state=0, **params)


def _state(clf):
    return {k: v.detach().clone() for k, v in clf.net_.module_.state_dict().items()}


def _equal(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture(scope="module")
def data():
    X, y = make_easy_data(n_trials=48, n_times=60, seed=0)
    X2, y2 = make_easy_data(n_trials=24, n_times=60, seed=1)
    return X, y, X2 * 3.0 + 1.0, y2


@pytest.mark.parametrize("cls", CLASSES)
def test_warm_fit_starts_from_fitted_weights(cls, data):
    X, y, X2, y2 = data
    clf = _tiny(cls, warm_start=True).fit(X, y)
    before = _state(clf)
    mean, scale = clf.mean_.copy(), clf.scale_.copy()
    # SGD without momentum and a learning rate too small to move float32 weights: a warm fit
    # starting from the fitted weights leaves them where they are (up to batch-norm stats).
    clf.set_params(optimizer="sgd", lr=1e-30, max_epochs=1)
    clf.fit(X2, y2)
    after = _state(clf)
    params = {k for k, _ in clf.net_.module_.named_parameters()}
    assert all(torch.equal(before[k], after[k]) for k in params)
    # the pretraining standardization is kept (X2 has another scale and offset)
    np.testing.assert_array_equal(clf.mean_, mean)
    np.testing.assert_array_equal(clf.scale_, scale)
    assert len(clf.net_.history) == 1  # a new history for the new fit


@pytest.mark.parametrize("cls", CLASSES)
def test_cold_fit_reinitialises(cls, data):
    X, y, X2, y2 = data
    clf = _tiny(cls).fit(X, y)
    before = _state(clf)
    clf.set_params(optimizer="sgd", lr=1e-30, max_epochs=1, random_state=1)
    clf.fit(X2, y2)
    params = {k for k, _ in clf.net_.module_.named_parameters()}
    assert not all(torch.equal(before[k], _state(clf)[k]) for k in params)
    np.testing.assert_allclose(clf.mean_, X2.mean(axis=(0, 2)))  # re-estimated


def test_warm_fit_equals_continued_training_and_is_reproducible(data):
    X, y, X2, y2 = data
    a = _tiny(Conv2DEEGClassifier, warm_start=True).fit(X, y).fit(X2, y2)
    b = _tiny(Conv2DEEGClassifier, warm_start=True).fit(X, y).fit(X2, y2)
    assert _equal(_state(a), _state(b))
    cold = _tiny(Conv2DEEGClassifier).fit(X2, y2)
    assert not _equal(_state(a), _state(cold))


def test_warm_start_on_unfitted_estimator_is_a_normal_fit(data):
    X, y, _, _ = data
    warm = _tiny(Conv2DEEGClassifier, warm_start=True).fit(X, y)
    cold = _tiny(Conv2DEEGClassifier).fit(X, y)
    assert _equal(_state(warm), _state(cold))


@pytest.mark.parametrize("cls", CLASSES)
def test_head_only_keeps_the_rest_bitwise(cls, data):
    X, y, X2, y2 = data
    clf = _tiny(cls, warm_start=True, finetune="head").fit(X, y)
    before = _state(clf)
    clf.set_params(lr=0.05, max_epochs=3)
    clf.fit(X2, y2)
    after = _state(clf)
    head = {f"classifier.{k}" for k in clf.net_.module_.classifier.state_dict()}
    rest = set(before) - head
    assert any("running_mean" in k for k in rest)  # batch-norm statistics are checked too
    for k in rest:
        assert torch.equal(before[k], after[k]), k
    assert not all(torch.equal(before[k], after[k]) for k in head)
    # every parameter is trainable again after the fit
    assert all(p.requires_grad for p in clf.net_.module_.parameters())
    # the whole network changes with finetune="all"
    clf.set_params(finetune="all").fit(X2, y2)
    changed = _state(clf)
    stem = [k for k in rest if k.startswith("stem.")]
    assert stem and not all(torch.equal(after[k], changed[k]) for k in stem)


def test_channel_mismatch(data):
    X, y, X2, y2 = data
    clf = _tiny(Conv2DEEGClassifier, warm_start=True).fit(X, y)
    with pytest.raises(
        ValueError, match=r"warm_start=True continues.*expecting 3.*warm_start=False"
    ):
        clf.fit(X2[:, :2], y2)
    clf.predict(X)  # still the pretrained model


def test_channel_names_mismatch():
    mne = pytest.importorskip("mne")
    X, y = make_easy_data(n_trials=24, n_times=60)
    info = mne.create_info(["C3", "Cz", "C4"], 100.0, "eeg")
    epochs = mne.EpochsArray(X * 1e-6, info, verbose=False)
    clf = _tiny(Conv2DEEGClassifier, warm_start=True).fit(epochs, y)
    other = epochs.copy().reorder_channels(["C4", "Cz", "C3"])
    with pytest.raises(ValueError, match=r"\['C4', 'Cz', 'C3'\].*\['C3', 'Cz', 'C4'\]"):
        clf.fit(other, y)


def test_class_mismatch(data):
    X, y, X2, y2 = data
    clf = _tiny(Conv2DEEGClassifier, warm_start=True).fit(X, y)
    y_new = np.where(y2 == "a", "c", y2)
    with pytest.raises(
        ValueError, match=r"classes \['a', 'b'\].*\['c'\].*lacks class\(es\) \['a'\]"
    ):
        clf.fit(X2, y_new)
    y_three = y2.copy()
    y_three[:4] = "c"
    with pytest.raises(ValueError, match=r"has class\(es\) \['c'\] the network was not trained"):
        clf.fit(X2, y_three)
    assert list(clf.classes_) == ["a", "b"]


ARCHITECTURE_CHANGED = r"architecture hyperparameters \(or crop_length\) were changed"


def test_architecture_change_is_refused(data):
    X, y, X2, y2 = data
    clf = _tiny(Conv2DEEGClassifier, warm_start=True).fit(X, y)
    clf.set_params(n_filters=6)
    with pytest.raises(ValueError, match=ARCHITECTURE_CHANGED):
        clf.fit(X2, y2)
    clf.set_params(n_filters=4, dropout=0.1)
    with pytest.raises(ValueError, match=ARCHITECTURE_CHANGED):
        clf.fit(X2, y2)


def test_change_of_n_heads_is_refused(data):
    # nn.MultiheadAttention's repr and weight shapes do not show num_heads: the change must
    # still be caught, not silently ignored by continuing the fitted 2-head network.
    X, y, X2, y2 = data
    clf = _tiny(ConformerEEGClassifier, warm_start=True).fit(X, y)
    clf.set_params(n_heads=4)
    with pytest.raises(ValueError, match=ARCHITECTURE_CHANGED):
        clf.fit(X2, y2)
    assert clf.net_.module_.encoder.layers[0].self_attn.num_heads == 2
    clf.set_params(n_heads=2).fit(X2, y2)  # set back: the warm fit goes ahead


def test_bad_finetune():
    X, y = make_easy_data(n_trials=24, n_times=60)
    with pytest.raises(ValueError, match=r"finetune must be one of \['all', 'head'\], got 'top'"):
        _tiny(Conv2DEEGClassifier, finetune="top").fit(X, y)
    with pytest.raises(ValueError, match="warm_start must be True or False, got 'yes'"):
        _tiny(Conv2DEEGClassifier, warm_start="yes").fit(X, y)


def test_failed_warm_fit_restores_the_previous_model(data, monkeypatch):
    X, y, X2, y2 = data
    clf = _tiny(Conv2DEEGClassifier, warm_start=True).fit(X, y)
    before = _state(clf)
    proba = clf.predict_proba(X)
    net = clf.net_

    class Boom(RuntimeError):
        pass

    calls = {"n": 0}
    step = type(net).train_step

    def failing_step(self, *args, **kwargs):  # fail mid-training, after some updates
        calls["n"] += 1
        if calls["n"] > 1:
            raise Boom("diverged")
        return step(self, *args, **kwargs)

    monkeypatch.setattr(type(net), "train_step", failing_step)
    clf.set_params(lr=0.5, max_epochs=3)
    with pytest.raises(Boom):
        clf.fit(X2, y2)
    monkeypatch.undo()
    assert calls["n"] == 2
    assert clf.net_ is net
    assert _equal(before, _state(clf))
    np.testing.assert_array_equal(clf.predict_proba(X), proba)


def test_clone_and_pickle(data):
    X, y, X2, y2 = data
    clf = _tiny(Conv2DEEGClassifier, warm_start=True, finetune="head").fit(X, y).fit(X2, y2)
    fresh = clone(clf)
    assert fresh.get_params()["warm_start"] is True
    assert fresh.get_params()["finetune"] == "head"
    assert not hasattr(fresh, "net_") and not hasattr(fresh, "classes_")
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(restored.predict_proba(X), clf.predict_proba(X), atol=1e-6)


def test_fold_after_warm_fit(data):
    X, y, X2, y2 = data
    clf = _tiny(Conv1DEEGClassifier, warm_start=True, finetune="head").fit(X, y).fit(X2, y2)
    np.testing.assert_allclose(clf.fold().predict_proba(X2), clf.predict_proba(X2), atol=1e-5)


@pytest.mark.parametrize("cls", [Conv1DEEGClassifier, Conv2DEEGClassifier])
def test_a_cropped_model_warm_starts_and_its_fold_too(cls):
    """The network of a cropped model is built for crop_length: a warm fit continues it."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 4, 128))
    y = np.repeat(["a", "b"], 20)
    clf = cls(
        n_filters=4, kernel_length=9, pool_length=20, pool_stride=10, max_epochs=1,
        crop_length=96, random_state=0,
    ).fit(X, y)  # fmt: skip
    before = {k: v.clone() for k, v in clf.net_.module_.state_dict().items()}
    clf.set_params(warm_start=True, optimizer="sgd", lr=1e-30).fit(X, y)
    after = clf.net_.module_.state_dict()
    weights = [k for k in before if "running" not in k and "num_batches" not in k]
    assert weights and all(torch.equal(before[k], after[k]) for k in weights)
    if cls is Conv1DEEGClassifier:
        clf.fold().set_params(warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match=r"\(or crop_length\) were changed"):
        clf.set_params(crop_length=64).fit(X, y)
