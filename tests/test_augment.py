"""Batch augmentation: the transforms, and that the classifiers apply them to training only."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import make_easy_data
from sklearn.base import clone

from sktime_eeg import ConformerEEGClassifier, Conv1DEEGClassifier, Conv2DEEGClassifier
from sktime_eeg.augment import (
    AmplitudeScale,
    BatchTransform,
    ChannelDropout,
    FrequencyShift,
    GaussianNoise,
    Mixup,
)

SMALL = dict(n_filters=4, kernel_length=9, pool_length=20, pool_stride=10, batch_size=10)
TRANSFORMS = [
    AmplitudeScale(),
    AmplitudeScale(0.5, 2.0, per_channel=True),
    GaussianNoise(0.2),
    ChannelDropout(0.3),
    FrequencyShift(2.0, 100.0),
    Mixup(0.4),
]


def _batch(n=8, n_channels=3, n_times=200, seed=0):
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(n, n_channels, n_times, generator=gen)
    y = torch.arange(n) % 2
    return X, y


@pytest.mark.parametrize("transform", TRANSFORMS, ids=repr)
def test_transforms_keep_shapes_leave_input_alone_and_follow_the_seed(transform):
    X, y = _batch()
    X_before, y_before = X.clone(), y.clone()
    torch.manual_seed(0)
    X1, y1 = transform(X, y, n_classes=2)
    torch.manual_seed(0)
    X2, y2 = transform(X, y, n_classes=2)
    X3, _ = transform(X, y, n_classes=2)  # generator moved on: new draws
    assert X1.shape == X.shape and X1.dtype == X.dtype
    assert torch.equal(X, X_before) and torch.equal(y, y_before)
    assert torch.equal(X1, X2) and torch.equal(y1, y2)
    assert not torch.equal(X1, X3)
    assert not torch.equal(X1, X)


def test_amplitude_scale_gains_in_range_and_constant_in_time():
    X, y = _batch()
    torch.manual_seed(0)
    out, y_out = AmplitudeScale(0.5, 2.0)(X, y, n_classes=2)
    gain = out / X
    assert torch.equal(y_out, y)
    torch.testing.assert_close(gain, gain[:, :1, :1].expand_as(gain))  # one gain per trial
    assert gain.min() >= 0.5 - 1e-6 and gain.max() <= 2.0 + 1e-6
    torch.manual_seed(0)
    gain = AmplitudeScale(0.5, 2.0, per_channel=True)(X, y, n_classes=2)[0] / X
    torch.testing.assert_close(gain, gain[:, :, :1].expand_as(gain))
    assert not torch.allclose(gain[:, 0], gain[:, 1])  # channels get their own gains


def test_gaussian_noise_has_the_asked_std():
    X = torch.zeros(50, 3, 400)
    torch.manual_seed(0)
    out, _ = GaussianNoise(0.3)(X, torch.zeros(50, dtype=torch.long), n_classes=2)
    assert abs(out.std().item() - 0.3) < 0.005
    assert torch.equal(GaussianNoise(0.0)(X, None, n_classes=2)[0], X)


def test_channel_dropout_zeroes_whole_channels():
    X, y = _batch(n=200)
    torch.manual_seed(0)
    out, _ = ChannelDropout(0.3)(X, y, n_classes=2)
    dropped = (out == 0).all(dim=2)
    kept = (out == X).all(dim=2)
    assert torch.all(dropped ^ kept)
    assert abs(dropped.float().mean().item() - 0.3) < 0.05
    assert torch.equal(ChannelDropout(0.0)(X, y, n_classes=2)[0], X)


def test_frequency_shift_moves_a_sinusoid():
    sfreq, n_times, f0 = 100.0, 1000, 10.0
    t = torch.arange(n_times) / sfreq
    X = torch.sin(2 * torch.pi * f0 * t).repeat(20, 1, 1).double()
    torch.manual_seed(0)
    out, _ = FrequencyShift(3.0, sfreq)(X, None, n_classes=2)
    # The draws, replayed: each trial's shift.
    torch.manual_seed(0)
    shifts = (2 * torch.rand((20, 1, 1), dtype=X.dtype) - 1) * 3.0
    freqs = torch.fft.rfftfreq(n_times, 1 / sfreq)
    peaks = freqs[torch.fft.rfft(out[:, 0]).abs().argmax(dim=1)]
    np.testing.assert_allclose(peaks, f0 + shifts.ravel(), atol=0.1 + 1e-9)  # 0.1 Hz bins
    # Unshifted, the analytic signal's real part is the signal itself.
    same = FrequencyShift(0.0, sfreq)(X, None, n_classes=2)[0]
    torch.testing.assert_close(same, X)
    # Power is kept (away from the window edges).
    assert abs(out[:, 0, 100:-100].pow(2).mean().item() - 0.5) < 0.02


def test_mixup_mixes_trials_and_targets_alike():
    X, y = _batch(n=6)
    torch.manual_seed(0)
    out, soft = Mixup(1.0)(X, y, n_classes=3)
    assert soft.shape == (6, 3) and soft.dtype == X.dtype
    torch.testing.assert_close(soft.sum(dim=1), torch.ones(6))
    assert torch.all(soft[:, 2] == 0)  # class 2 absent from the batch
    # The draws, replayed: lam ~ Beta(1, 1) per trial, then the partner permutation.
    torch.manual_seed(0)
    lam = torch.distributions.Beta(1.0, 1.0).sample((6,))
    perm = torch.randperm(6)
    onehot = torch.nn.functional.one_hot(y, 3).to(X.dtype)
    mix = lam[:, None, None] * X + (1 - lam[:, None, None]) * X[perm]
    torch.testing.assert_close(out, mix)
    torch.testing.assert_close(soft, lam[:, None] * onehot + (1 - lam[:, None]) * onehot[perm])


@pytest.mark.parametrize(
    "transform, match",
    [
        (AmplitudeScale(0.0, 1.0), r"AmplitudeScale: low must be a real number in \(0, inf\)"),
        (AmplitudeScale(1.2, 1.1), r"AmplitudeScale: high must be a real number in \[1.2, inf\)"),
        (GaussianNoise(-1), r"GaussianNoise: std must be a real number in \[0, inf\)"),
        (ChannelDropout(1.0), r"ChannelDropout: p must be a real number in \[0, 1\)"),
        (FrequencyShift(60.0, 100.0), r"max_shift=60.0 Hz must be below the Nyquist"),
        (Mixup(0), r"Mixup: alpha must be a real number in \(0, inf\)"),
    ],
)
def test_invalid_transform_parameters_fail_at_fit(transform, match):
    X, y = make_easy_data(n_trials=20)
    with pytest.raises(ValueError, match=match):
        Conv2DEEGClassifier(augment=[transform]).fit(X, y)


def test_augment_must_be_transforms():
    X, y = make_easy_data(n_trials=20)
    with pytest.raises(ValueError, match=r"augment must be None, a transform of sktime_eeg"):
        Conv2DEEGClassifier(augment=lambda X, y, n_classes: (X, y)).fit(X, y)
    with pytest.raises(ValueError, match=r"augment must be None, a transform of sktime_eeg"):
        Conv2DEEGClassifier(augment="noise").fit(X, y)


class _Recorder(BatchTransform):
    """Records the size of every batch it sees; changes nothing."""

    def __init__(self, log=None):
        self.log = log

    def _check(self):
        pass

    def __call__(self, X, y, *, n_classes):
        self.log.append((X.shape[0], n_classes))
        return X, y


@pytest.mark.parametrize("cls", [Conv1DEEGClassifier, Conv2DEEGClassifier, ConformerEEGClassifier])
def test_augment_runs_on_training_batches_only(cls):
    X, y = make_easy_data(n_trials=40)
    log = []
    extra = dict(d_model=8, n_heads=2, n_layers=1) if cls is ConformerEEGClassifier else {}
    clf = cls(
        **SMALL,
        **extra,
        max_epochs=3,
        validation_fraction=0.25,
        augment=[_Recorder(log)],
        random_state=0,
    ).fit(X, y)
    # 30 training trials in batches of 10, 3 epochs; the 10 validation trials never.
    assert log == [(10, 2)] * 9
    del log[:]
    clf.predict_proba(X)
    clf.score(X, y)
    assert log == []


def test_augmentation_off_at_predict_and_part_of_training():
    X, y = make_easy_data(n_trials=40)
    params = dict(**SMALL, max_epochs=3, random_state=0)
    plain = Conv2DEEGClassifier(**params).fit(X, y)
    noisy = Conv2DEEGClassifier(**params, augment=GaussianNoise(0.5)).fit(X, y)
    assert not np.array_equal(plain.predict_proba(X), noisy.predict_proba(X))
    # Prediction is deterministic: the same weights on unaugmented input.
    np.testing.assert_array_equal(noisy.predict_proba(X), noisy.predict_proba(X))
    module = noisy.net_.module_.eval()
    with torch.no_grad():
        logits = module(torch.from_numpy(noisy._check_X(X, reset=False)))
    np.testing.assert_allclose(
        noisy.predict_proba(X), torch.softmax(logits, dim=1).numpy(), rtol=1e-6
    )


def test_mixup_trains_with_soft_targets_and_cropping():
    X, y = make_easy_data(n_trials=40)
    clf = Conv2DEEGClassifier(
        **SMALL, max_epochs=2, crop_length=80, augment=Mixup(0.4), random_state=0
    ).fit(X, y)
    assert np.isfinite(clf.net_.history[:, "train_loss"]).all()


def test_transforms_clone_and_show_their_parameters():
    transform = AmplitudeScale(0.7, 1.3, per_channel=True)
    assert clone(transform).get_params() == {"low": 0.7, "high": 1.3, "per_channel": True}
    assert repr(GaussianNoise(0.2)) == "GaussianNoise(std=0.2)"
    clf = clone(Conv2DEEGClassifier(augment=[transform, Mixup()]))
    assert clf.augment[0] is not transform and clf.augment[0].get_params()["low"] == 0.7
