"""Cropped training and prediction: the networks' crop handling and the ``crop_length`` option."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import make_easy_data
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from sktime_eeg import ConformerEEGClassifier, Conv1DEEGClassifier, Conv2DEEGClassifier
from sktime_eeg.augment import GaussianNoise
from sktime_eeg.nn import (
    ConformerNet,
    CropCrossEntropyLoss,
    ShallowNet,
    SpatioTemporalStem,
    TemporalSpatialStem,
    crop_starts,
    mean_log_softmax,
    unfold_crops,
)

SMALL = dict(n_filters=4, kernel_length=9, pool_length=20, pool_stride=10, batch_size=10)
CONFORMER_SMALL = dict(d_model=8, n_heads=2, n_layers=1, dim_feedforward=16)


def _explicit_crop_average(module, x, crop_length, stride):
    """Softmax of the mean log-softmax of the module's logits on each crop, one by one."""
    starts = range(0, x.shape[-1] - crop_length + 1, stride)
    with torch.no_grad():
        logs = [
            torch.log_softmax(module(x[..., s : s + crop_length].contiguous()), dim=1)
            for s in starts
        ]
    return torch.softmax(torch.stack(logs).mean(dim=0), dim=1)


def test_crop_starts_and_unfold():
    assert crop_starts(100, 60, 15).tolist() == [0, 15, 30]
    assert crop_starts(60, 60, 15).tolist() == [0]
    with pytest.raises(ValueError, match=r"shorter than the network's window of 61 samples"):
        crop_starts(60, 61, 15)
    x = torch.arange(2 * 3 * 100, dtype=torch.float32).view(2, 3, 100)
    crops = unfold_crops(x, 60, 15)
    assert crops.shape == (6, 3, 60)
    torch.testing.assert_close(crops[4], x[1, :, 15:75])


def test_mean_log_softmax_of_one_crop_is_the_log_softmax():
    logits = torch.randn(5, 3, 1)
    torch.testing.assert_close(mean_log_softmax(logits), torch.log_softmax(logits[..., 0], 1))


def test_crop_cross_entropy_is_the_mean_over_crops():
    logits = torch.randn(4, 3, 5)
    target = torch.tensor([0, 2, 1, 1])
    per_crop = [torch.nn.functional.cross_entropy(logits[..., p], target) for p in range(5)]
    loss = CropCrossEntropyLoss()(logits, target)
    torch.testing.assert_close(loss, torch.stack(per_crop).mean())
    soft = torch.nn.functional.one_hot(target, 3).float()
    torch.testing.assert_close(CropCrossEntropyLoss()(logits, soft), loss)
    torch.testing.assert_close(CropCrossEntropyLoss()(logits[..., 0], target), per_crop[0])


@pytest.mark.parametrize("stem_kind", ["1d", "2d"])
def test_shallow_dense_crops_equal_crops_one_by_one(stem_kind):
    torch.manual_seed(0)
    stem = TemporalSpatialStem(3, 5, 4, 9) if stem_kind == "1d" else SpatioTemporalStem(3, 4, 9)
    net = ShallowNet(stem, 3, n_times=60, pool_length=20, pool_stride=10, dropout=0.5)
    net.bnorm.running_mean.uniform_(-1, 1)
    net.bnorm.running_var.uniform_(0.5, 2)
    x = torch.randn(4, 3, 125)  # crops at 0, 10, ..., 60: 7 crops, the last 5 samples unused
    net.train()
    with torch.no_grad():
        torch.manual_seed(1)
        dense_train = net(x)
    assert dense_train.shape == (4, 3, 7)
    net.eval()
    with torch.no_grad():
        dense = net(x)
        per_crop = torch.stack([net(x[..., 10 * p : 10 * p + 60]) for p in range(7)], dim=2)
    assert dense.shape == (4, 3)
    torch.testing.assert_close(dense, mean_log_softmax(per_crop), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(
        torch.softmax(dense, 1), _explicit_crop_average(net, x, 60, 10), rtol=1e-5, atol=1e-6
    )
    with pytest.raises(ValueError, match="shorter than the network's window of 60 samples"):
        net(x[..., :59])


def test_conformer_crops():
    torch.manual_seed(0)
    net = ConformerNet(SpatioTemporalStem(3, 4, 9), 2, 60, 20, 10, **CONFORMER_SMALL).eval()
    x = torch.randn(3, 3, 90)
    with torch.no_grad():
        out = net(x)
    torch.testing.assert_close(
        torch.softmax(out, 1), _explicit_crop_average(net, x, 60, 10), rtol=1e-5, atol=1e-6
    )
    # Training: one crop per trial, at a start drawn from torch's generator. Dropout off and
    # batch norm on running statistics, so that the crops are the only difference.
    net.train()
    net.bnorm.eval()
    for layer in net.modules():
        if isinstance(layer, torch.nn.Dropout):
            layer.p = 0.0
    for layer in net.encoder.layers:
        layer.self_attn.dropout = 0.0
    torch.manual_seed(3)
    starts = torch.randint(0, 31, (3,)).tolist()
    torch.manual_seed(3)
    with torch.no_grad():
        out = net(x)
        expected = torch.cat([net(x[i : i + 1, :, s : s + 60]) for i, s in enumerate(starts)])
    assert out.shape == (3, 2)
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("cls", [Conv1DEEGClassifier, Conv2DEEGClassifier])
def test_one_crop_equals_whole_trial_training(cls):
    X, y = make_easy_data(n_trials=40, n_times=100)
    whole = cls(**SMALL, max_epochs=3, random_state=0).fit(X, y)
    one_crop = cls(**SMALL, max_epochs=3, crop_length=100, random_state=0).fit(X, y)
    np.testing.assert_array_equal(one_crop.predict_proba(X), whole.predict_proba(X))


@pytest.mark.parametrize(
    "cls, extra",
    [
        (Conv1DEEGClassifier, {}),
        (Conv2DEEGClassifier, {}),
        (ConformerEEGClassifier, CONFORMER_SMALL),
    ],
)
def test_predict_proba_averages_the_crops(cls, extra):
    X, y = make_easy_data(n_trials=40, n_times=100)
    clf = cls(**SMALL, **extra, max_epochs=2, crop_length=70, random_state=0).fit(X, y)
    assert clf.net_.module_.n_times == 70
    proba = clf.predict_proba(X)
    module = clf.net_.module_.eval()
    data = torch.from_numpy(clf._check_X(X, reset=False))
    expected = _explicit_crop_average(module, data, 70, 10).numpy()  # 4 crops
    np.testing.assert_allclose(proba, expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("cls", [Conv1DEEGClassifier, ConformerEEGClassifier])
def test_fold_is_exact_with_cropping(cls):
    X, y = make_easy_data(n_trials=40, n_times=100)
    extra = dict(CONFORMER_SMALL, stem="1d") if cls is ConformerEEGClassifier else {}
    clf = cls(**SMALL, **extra, max_epochs=2, crop_length=70, random_state=0).fit(X, y)
    folded = clf.fold()
    assert folded.crop_length == 70
    np.testing.assert_allclose(folded.predict_proba(X), clf.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("cls", [Conv2DEEGClassifier, ConformerEEGClassifier])
def test_cropped_fits_are_reproducible(cls):
    X, y = make_easy_data(n_trials=40, n_times=100)
    extra = CONFORMER_SMALL if cls is ConformerEEGClassifier else {}
    params = dict(**SMALL, **extra, max_epochs=2, crop_length=70, augment=GaussianNoise(0.1))
    a = cls(**params, random_state=0).fit(X, y).predict_proba(X)
    b = cls(**params, random_state=0).fit(X, y).predict_proba(X)
    c = cls(**params, random_state=1).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_crop_length_is_a_hyperparameter():
    X, y = make_easy_data(n_trials=40, n_times=100)
    clf = Conv2DEEGClassifier(**SMALL, max_epochs=1, random_state=0)
    params = clf.get_params()
    assert params["crop_length"] is None and params["augment"] is None
    assert clone(clf.set_params(crop_length=80)).crop_length == 80
    search = GridSearchCV(clf, {"crop_length": [None, 80], "augment": [None, GaussianNoise()]})
    search.fit(X, y)
    assert search.best_params_["crop_length"] in (None, 80)
    assert len(search.cv_results_["params"]) == 4


def test_crop_length_errors():
    X, y = make_easy_data(n_trials=20, n_times=100)
    with pytest.raises(ValueError, match=r"crop_length=101 samples is longer than the trials"):
        Conv2DEEGClassifier(crop_length=101).fit(X, y)
    with pytest.raises(ValueError, match=r"crop_length must be None or a positive integer"):
        Conv2DEEGClassifier(crop_length=0.5).fit(X, y)


def test_crop_length_shrinks_kernels_to_the_crop():
    X, y = make_easy_data(n_trials=20, n_times=100)
    with pytest.warns(UserWarning, match="crop_length=40, fewer than kernel_length=25"):
        clf = Conv2DEEGClassifier(max_epochs=1, crop_length=40, random_state=0).fit(X, y)
    assert clf.kernel_length_ + clf.pool_length_ - 1 <= 40
    assert clf.predict_proba(X).shape == (20, 2)
