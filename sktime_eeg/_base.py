"""Shared logic of the sktime_eeg classifiers: a scikit-learn estimator that trains with skorch.

The estimator *has* a skorch ``NeuralNetClassifier`` (``net_``) rather than *being* one, so
its ``__init__`` holds only explicit hyperparameters, ``predict`` returns the user's labels,
and refitting on data of another shape simply builds a new network.
"""

from __future__ import annotations

import copy
import inspect
import threading
import warnings
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback, EarlyStopping, LRScheduler
from skorch.dataset import Dataset
from skorch.helper import predefined_split
from torch import nn

from ._cropping import augment_transforms, check_crop_augment, network_window
from ._input import InputRecord, channel_stats, read_eeg
from ._validation import (
    as_python_scalar,
    check_eeg_labels,
    check_positive_int,
    check_real,
)
from ._warm_start import (
    check_same_architecture,
    check_warm_classes,
    check_warm_input,
    check_warm_params,
    frozen,
    warm_state,
)
from .nn.cropping import CropCrossEntropyLoss

__all__ = ["BaseEEGClassifier", "TensorBatchIterator"]

_OPTIMIZERS = {
    "adamw": (torch.optim.AdamW, {}),
    "adam": (torch.optim.Adam, {}),
    "sgd": (torch.optim.SGD, {"momentum": 0.9, "nesterov": True}),
}
_LR_SCHEDULES = ("cosine", "constant")

#: Training seeds torch's process-wide generator (dropout and initialisation draw from it) inside
#: ``torch.random.fork_rng``; two trainings in threads of one process would interleave their
#: draws. They take turns instead, so every fit is reproducible whatever the threading.
_TRAINING_LOCK = threading.RLock()


class TensorBatchIterator:
    """Mini-batches sliced from whole tensors: no per-trial Python work or collation.

    Used as skorch's ``iterator_train`` / ``iterator_valid``. skorch's default ``DataLoader``
    indexes the dataset trial by trial and collates the results; for EEG arrays held in
    memory, slicing one tensor per batch is much cheaper.

    Parameters
    ----------
    dataset : skorch.dataset.Dataset
        Holds ``X`` (tensor ``(n_trials, ...)``) and optionally ``y`` (tensor ``(n_trials,)``).
    batch_size : int
        Trials per batch.
    shuffle : bool
        Draw a new order each pass, from torch's global generator (seeded by the estimator).
    drop_singleton : bool
        When training, fold a last batch of a single trial into the previous one (batch norm
        cannot train on one value per channel).
    augment : sequence of callables, optional
        Applied in order to every batch, ``X, y = transform(X, y, n_classes=n_classes)``
        (see :mod:`sktime_eeg.augment`); given to the training iterator only.
    n_classes : int, optional
        Number of classes, passed to the ``augment`` transforms.
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 64,
        shuffle: bool = False,
        drop_singleton: bool = False,
        augment: Any = (),
        n_classes: int | None = None,
    ) -> None:
        self.X = dataset.X
        self.y = dataset.y
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.augment = tuple(augment or ())
        self.n_classes = n_classes
        n = len(self.X)
        starts = list(range(0, n, batch_size))
        if drop_singleton and len(starts) > 1 and n - starts[-1] == 1:
            starts.pop()
        self._bounds = list(zip(starts, starts[1:] + [n], strict=True))

    def __len__(self) -> int:
        return len(self._bounds)

    def __iter__(self):
        order = torch.randperm(len(self.X)) if self.shuffle else None
        for start, stop in self._bounds:
            if order is None:
                idx = slice(start, stop)
            else:
                idx = order[start:stop]
            X, y = self.X[idx], (None if self.y is None else self.y[idx])
            for transform in self.augment:
                X, y = transform(X, y, n_classes=self.n_classes)
            yield X, y


class _TrainingInterrupted(BaseException):
    """Ctrl-C during training, carried past skorch (which swallows ``KeyboardInterrupt``)."""


class _StopTraining(KeyboardInterrupt):
    """Early stopping's end of training (skorch signals it with ``KeyboardInterrupt``)."""


class _EarlyStopping(EarlyStopping):
    """skorch's ``EarlyStopping``, stopping with ``_StopTraining`` to tell it from Ctrl-C."""

    def on_epoch_end(self, net: NeuralNetClassifier, **kwargs: Any) -> None:
        try:
            super().on_epoch_end(net, **kwargs)
        except KeyboardInterrupt:
            raise _StopTraining from None


class _FiniteLoss(Callback):
    """Stop training with a ``ValueError`` as soon as a loss, weight or buffer is NaN or infinite.

    A diverged network predicts NaN probabilities, which ``argmax`` would turn into the
    first class for every trial without a word, or -- a finite loss exploding until a weight
    or batch-norm statistic overflows -- the same saturated probabilities for every trial;
    training stops instead, naming ``lr`` and ``optimizer``, and the estimator is left
    unfitted.

    Parameters
    ----------
    owner : str
        Name of the estimator, for the message.
    lr : float
        The learning rate, for the message.
    optimizer : str or type
        The optimizer, for the message.
    """

    def __init__(self, owner: str, lr: float, optimizer: Any) -> None:
        self.owner = owner
        self.lr = lr
        self.optimizer = optimizer

    def _raise(self, net: NeuralNetClassifier, what: str) -> None:
        optimizer = getattr(self.optimizer, "__name__", self.optimizer)
        raise ValueError(
            f"{self.owner}: training diverged: {what} in epoch "
            f"{len(net.history)} (lr={self.lr!r}, optimizer={optimizer!r}). The learning rate "
            "is most likely too large for this optimizer: lower lr (the default lr=1e-3 with "
            "optimizer='adamw' is a safe start) or check X for extreme values. The estimator "
            "is left unfitted."
        )

    def on_batch_end(
        self, net: NeuralNetClassifier, batch: Any = None, training: Any = None, **kwargs: Any
    ) -> None:
        loss = kwargs.get("loss")
        if training and loss is not None and not bool(torch.isfinite(loss).all()):
            value = float(loss.detach().cpu().reshape(-1)[0])
            self._raise(net, f"the training loss became {value}")

    def on_epoch_end(self, net: NeuralNetClassifier, **kwargs: Any) -> None:
        if "valid_loss" in net.history[-1]:
            value = net.history[-1, "valid_loss"]
            if not np.isfinite(value):
                self._raise(net, f"the validation loss became {value}")
        # A finite but exploding loss can leave weights or batch-norm statistics infinite:
        # the network then gives the same saturated prediction for every trial.
        for key, tensor in net.module_.state_dict().items():
            if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
                self._raise(net, f"the network's {key} became non-finite (inf or NaN)")


class _NeuralNetClassifier(NeuralNetClassifier):
    """skorch's ``NeuralNetClassifier``, except that Ctrl-C stops ``fit`` with an exception.

    skorch ends training quietly on ``KeyboardInterrupt`` and keeps the partly trained net;
    here the interrupt reaches the caller, so a half-trained model is never taken for a
    fitted one (e.g. written as a finished fold by ``compare``).
    """

    def fit_loop(self, X: Any, y: Any = None, **fit_params: Any) -> _NeuralNetClassifier:
        try:
            return super().fit_loop(X, y, **fit_params)
        except _StopTraining:
            raise  # early stopping: skorch ends training normally
        except KeyboardInterrupt:
            raise _TrainingInterrupted from None


#: Values standardized per chunk in ``_check_X`` (256 Ki values: 2 MiB of float64).
_STANDARDIZE_CHUNK = 1 << 18


#: ``pool_length`` of one pooling window over the whole window the network sees.
WHOLE_WINDOW = "whole"


def _shrunk_lengths(
    n_times: int,
    kernel_length: int,
    pool_length: int | str,
    pool_stride: int,
    owner: str,
    cropped: bool = False,
) -> tuple[int, int, int]:
    """Kernel and pooling sizes that fit ``n_times`` samples, with a warning when shrunk.

    ``pool_length="whole"`` is one pooling window over all ``n_times - k + 1`` convolved
    samples (warned about only when the kernel shrinks)."""
    k = min(kernel_length, n_times)
    whole = isinstance(pool_length, str) and pool_length == WHOLE_WINDOW
    requested = n_times - k + 1 if whole else pool_length
    p = min(requested, n_times - k + 1)
    s = min(pool_stride, p)
    if k != kernel_length or (not whole and (p, s) != (pool_length, pool_stride)):
        warnings.warn(
            f"{owner}: "
            + (f"crop_length={n_times}" if cropped else f"X has {n_times} samples per trial")
            + f", fewer than kernel_length="
            f"{kernel_length} and pool_length={pool_length} span; using kernel_length={k}, "
            f"pool_length={p}, pool_stride={s}. Set them explicitly for short windows (at "
            "250 Hz the defaults assume windows of at least 0.4 s).",
            UserWarning,
            stacklevel=3,
        )
    return k, p, s


class BaseEEGClassifier(ClassifierMixin, BaseEstimator):
    """Base of the sktime_eeg classifiers (not for direct use).

    Subclasses define ``__init__`` with their hyperparameters and
    :meth:`_build_module`; everything else -- input validation, label encoding,
    standardization, the skorch training loop, prediction, folding -- lives here.

    Parameters shared by every subclass are documented on the concrete classes.
    """

    #: Whether ``pool_length="whole"`` (one pooling window over the trial) is accepted.
    _accepts_whole_pool: bool = False

    #: Hyperparameters that must be positive integers (subclasses extend the tuple).
    _positive_int_params: tuple[str, ...] = (
        "n_filters",
        "kernel_length",
        "pool_length",
        "pool_stride",
        "max_epochs",
        "batch_size",
    )

    # -- hooks -----------------------------------------------------------------------------
    def _build_module(
        self,
        n_channels: int,
        n_times: int,
        n_classes: int,
        kernel_length: int,
        pool_length: int,
        pool_stride: int,
    ) -> nn.Module:
        """Return an initialised torch module: ``(n, C, T)`` float -> ``(n, n_classes)`` logits."""
        raise NotImplementedError

    # -- scikit-learn plumbing ---------------------------------------------------------------
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.two_d_array = True
        return tags

    def _optimizer(self) -> tuple[type[torch.optim.Optimizer], dict[str, Any]]:
        """The optimizer class and its keyword arguments (``weight_decay`` when it takes one)."""
        if isinstance(self.optimizer, str):
            optimizer, kwargs = _OPTIMIZERS[self.optimizer]
        else:
            optimizer, kwargs = self.optimizer, {}
        parameters = inspect.signature(optimizer).parameters
        takes_kwargs = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
        if "weight_decay" in parameters or takes_kwargs:
            kwargs = {**kwargs, "weight_decay": self.weight_decay}
        return optimizer, kwargs

    def _check_hyperparameters(self) -> None:
        name = type(self).__name__
        for param in self._positive_int_params:
            value = getattr(self, param)
            if param == "pool_length" and isinstance(value, str):
                if not (self._accepts_whole_pool and value == WHOLE_WINDOW):
                    allowed = ' or "whole"' if self._accepts_whole_pool else ""
                    raise ValueError(
                        f"{name}: pool_length must be a positive int{allowed}, got {value!r}."
                    )
                continue
            check_positive_int(value, param, name)
        check_real(self.dropout, "dropout", name, low=0.0, high=1.0, high_inclusive=False)
        check_real(self.lr, "lr", name, low=0.0, low_inclusive=False)
        check_real(self.weight_decay, "weight_decay", name, low=0.0)
        check_real(
            self.validation_fraction,
            "validation_fraction",
            name,
            low=0.0,
            high=1.0,
            high_inclusive=False,
        )
        if not (isinstance(self.optimizer, str) and self.optimizer in _OPTIMIZERS) and not (
            isinstance(self.optimizer, type) and issubclass(self.optimizer, torch.optim.Optimizer)
        ):
            raise ValueError(
                f"{name}: optimizer must be one of {sorted(_OPTIMIZERS)} or a "
                f"torch.optim.Optimizer subclass, got {self.optimizer!r}."
            )
        optimizer, kwargs = self._optimizer()
        if self.weight_decay and "weight_decay" not in kwargs:
            raise ValueError(
                f"{name}: {optimizer.__name__} takes no weight_decay; set weight_decay=0.0."
            )
        if self.lr_schedule not in _LR_SCHEDULES:
            raise ValueError(
                f"{name}: lr_schedule must be one of {list(_LR_SCHEDULES)}, got "
                f"{self.lr_schedule!r}."
            )
        check_positive_int(self.patience, "patience", name, allow_none=True)
        check_crop_augment(self)
        if self.patience is not None and self.validation_fraction == 0:
            raise ValueError(
                f"{name}: early stopping (patience={self.patience}) needs a validation "
                "split; set validation_fraction, e.g. validation_fraction=0.2."
            )
        try:
            device = torch.device(self.device)
        except (RuntimeError, TypeError):
            raise ValueError(
                f"{name}: device must be a torch device such as 'cpu', 'cuda' or 'cuda:1', "
                f"got {self.device!r}."
            ) from None
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(
                f"{name}: device={self.device!r} but CUDA is not available to this torch "
                "installation; use device='cpu' (or install a CUDA build of torch)."
            )

    def _check_X(self, X: Any, *, reset: bool) -> np.ndarray:
        """Read X through the input contract, record it (fit) or check it against the record,
        and return it standardized float32."""
        name = type(self).__name__
        # Epochs in the package's units (volt channels in microvolts, float64), arrays as
        # given; float64 input stays float64 until standardized, so that the unit of the
        # recording does not change the float32 values the network sees.
        eeg = read_eeg(X, dtype="keep")
        data = eeg.data
        n_trials, n_channels, n_times = data.shape
        if reset:
            mean, scale = channel_stats(data)
            self.input_record_ = InputRecord.of(eeg, amplitude=scale)
            self.n_channels_, self.n_times_ = n_channels, n_times
            self.sfreq_, self.ch_names_ = eeg.sfreq, eeg.ch_names
            scale = scale.copy()
            scale[scale <= np.finfo(np.float32).eps * np.abs(mean)] = 1.0  # constant channels
            self.mean_, self.scale_ = mean, scale
        else:
            # channels (names of Epochs, count of arrays), sfreq, window, units (scale guard)
            self.input_record_.check(eeg, name, n_times=True)
        # Feature names (DataFrames) and n_features_in_ the scikit-learn way.
        validate_data(
            self, X if hasattr(X, "columns") else data, skip_check_array=True, reset=reset
        )
        # Standardized in the input's precision (torch: multithreaded), then stored as float32.
        # float64 input goes a few trials at a time, so no full-size float64 copy is made.
        with warnings.catch_warnings():
            # A read-only array (np.load(mmap_mode="r"), joblib's memmaps) is only read here.
            warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
            values = torch.from_numpy(data)
        mean = torch.from_numpy(self.mean_[:, None]).to(values.dtype)
        scale = torch.from_numpy(self.scale_[:, None]).to(values.dtype)
        if values.dtype == torch.float32:
            return torch.sub(values, mean).div_(scale).numpy()
        out = torch.empty(data.shape, dtype=torch.float32)
        step = max(1, _STANDARDIZE_CHUNK // (n_channels * n_times))
        for start in range(0, n_trials, step):
            stop = start + step
            out[start:stop] = torch.sub(values[start:stop], mean).div_(scale)
        return out.numpy()

    # -- training ----------------------------------------------------------------------------
    def _make_net(self, module: nn.Module, n_classes: int, valid: Dataset | None):
        """The skorch net; training batches pass through ``augment``; crop-aware loss."""
        optimizer, optimizer_kwargs = self._optimizer()
        callbacks = [("finite_loss", _FiniteLoss(type(self).__name__, self.lr, self.optimizer))]
        if self.lr_schedule == "cosine":
            callbacks.append(
                ("lr_schedule", LRScheduler(policy="CosineAnnealingLR", T_max=self.max_epochs))
            )
        if self.patience is not None:
            callbacks.append(
                (
                    "early_stopping",
                    _EarlyStopping(monitor="valid_loss", patience=self.patience, load_best=True),
                )
            )
        return _NeuralNetClassifier(
            module,
            criterion=CropCrossEntropyLoss,
            optimizer=optimizer,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            train_split=None if valid is None else predefined_split(valid),
            iterator_train=TensorBatchIterator,
            iterator_train__shuffle=True,
            iterator_train__drop_singleton=True,
            iterator_train__augment=augment_transforms(self),
            iterator_train__n_classes=n_classes,
            iterator_valid=TensorBatchIterator,
            callbacks=callbacks,
            classes=list(range(n_classes)),
            device=self.device,
            verbose=self.verbose,
            **{f"optimizer__{k}": v for k, v in optimizer_kwargs.items()},
        )

    def _rng_devices(self) -> list[int]:
        device = torch.device(self.device)
        if device.type == "cuda":
            return [device.index if device.index is not None else torch.cuda.current_device()]
        return []

    def fit(self, X: Any, y: Any) -> BaseEEGClassifier:
        """Train the network (or, with ``warm_start=True`` once fitted, continue training it).

        Parameters
        ----------
        X : array-like of shape (n_trials, n_channels, n_times) or (n_trials, n_features), \
                or mne.Epochs
            Training EEG. A 2D array is read as ``n_features`` channels of one sample each.
            Epochs are read with their volt channels in microvolts, arrays as given (expected
            in microvolts); see :ref:`units`. Channels are standardized with the mean and
            standard deviation learned here (``mean_``, ``scale_``); what fit saw is kept in
            ``input_record_`` and later input is checked against it.
        y : array-like of shape (n_trials,)
            Class labels of any type; ``classes_`` keeps them.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            For invalid input or hyperparameters, and when training diverges (a NaN or
            infinite loss; the message names ``lr`` and ``optimizer``). A failed fit leaves
            the estimator unfitted.
        """
        # A failed (re)fit leaves the estimator unfitted, never a mix of old and new state;
        # a failed warm fit leaves it as it was before (see ``warm_start``).
        previous = warm_state(self)
        self._clear_fitted_state()
        try:
            return self._fit(X, y, previous)
        except BaseException:
            self._clear_fitted_state()
            vars(self).update(previous or {})
            raise

    def _clear_fitted_state(self) -> None:
        for key in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
            delattr(self, key)

    def _fit(self, X: Any, y: Any, previous: dict[str, Any] | None = None) -> BaseEEGClassifier:
        name = type(self).__name__
        self._check_hyperparameters()
        check_warm_params(self)
        if previous is not None:  # warm start: continue the fitted network (see _warm_start)
            vars(self).update(previous)
            data = check_warm_input(self, X)
        else:
            data = self._check_X(X, reset=True)
        y = check_eeg_labels(y, data.shape[0], caller=name)
        classes, y_encoded = np.unique(y, return_inverse=True)
        if classes.size < 2:
            raise ValueError(
                f"{name} needs at least two classes to train; got one class "
                f"({as_python_scalar(classes[0])!r}) in all {y.shape[0]} trials. Check the labels "
                "(e.g. epochs.events[:, 2])."
            )
        if previous is not None:
            check_warm_classes(self, classes)
            check_same_architecture(self, self.net_.module_, classes.size)
        self.classes_ = classes
        window = network_window(self, data.shape[2])  # trial length, or crop length
        kernel_length, pool_length, pool_stride = (
            _shrunk_lengths(
                window,
                self.kernel_length,
                self.pool_length,
                self.pool_stride,
                name,
                cropped=self.crop_length is not None,
            )
            if previous is None
            else (self.kernel_length_, self.pool_length_, self.pool_stride_)
        )
        self.kernel_length_, self.pool_length_, self.pool_stride_ = (
            kernel_length,
            pool_length,
            pool_stride,
        )
        if self.batch_size * (data.shape[2] - kernel_length + 1) < 2:
            raise ValueError(
                f"{name}: batch_size=1 with trials of {data.shape[2]} sample(s) leaves batch "
                "norm a single value per filter; use batch_size >= 2."
            )
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        y_encoded = y_encoded.astype(np.int64)
        valid = None
        if self.validation_fraction > 0:
            counts = np.bincount(y_encoded, minlength=classes.size)
            if counts.min() < 2:
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} asks for a stratified "
                    "validation split, but class "
                    f"{as_python_scalar(classes[counts.argmin()])!r} has only "
                    f"{counts.min()} trial(s); every class needs at least 2. Add trials or set "
                    "validation_fraction=0 (and patience=None)."
                )
            n_valid = max(classes.size, int(round(self.validation_fraction * y.shape[0])))
            if y.shape[0] - n_valid < classes.size:
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} leaves fewer training "
                    f"trials than classes ({y.shape[0]} trials, {classes.size} classes); "
                    "lower validation_fraction or add trials."
                )
            train_idx, valid_idx = train_test_split(
                np.arange(y.shape[0]), test_size=n_valid, stratify=y_encoded, random_state=seed
            )
            valid = Dataset(
                torch.from_numpy(data[valid_idx]), torch.from_numpy(y_encoded[valid_idx])
            )
            data, y_encoded = data[train_idx], y_encoded[train_idx]
        with _TRAINING_LOCK, torch.random.fork_rng(devices=self._rng_devices()):
            torch.manual_seed(seed)
            if previous is not None:  # a copy: the fitted net stays intact if this fit fails
                module = copy.deepcopy(self.net_.module_)
            else:
                module = self._build_module(
                    data.shape[1],
                    window,
                    classes.size,
                    kernel_length,
                    pool_length,
                    pool_stride,
                )
            net = self._make_net(module, classes.size, valid)
            try:
                with frozen(module, getattr(self, "finetune", "all") if previous else "all"):
                    net.fit(torch.from_numpy(data), torch.from_numpy(y_encoded))
            except _TrainingInterrupted:
                raise KeyboardInterrupt from None
        self.net_ = net
        return self

    # -- inference ---------------------------------------------------------------------------
    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_trials, n_channels, n_times) or mne.Epochs
            EEG with the channels and window length seen in fit.

        Returns
        -------
        ndarray of shape (n_trials, n_classes)
            Softmax outputs in the order of ``classes_``; rows sum to 1.

        Raises
        ------
        ValueError
            When X does not match what ``fit`` saw (channels, sampling frequency, window,
            units; see :mod:`sktime_eeg._input`), or when the network's outputs are not
            finite (never turned into labels).
        """
        check_is_fitted(self)
        data = self._check_X(X, reset=False)
        proba = self.net_.predict_proba(torch.from_numpy(data))
        finite = np.isfinite(proba).all(axis=1)
        if not finite.all():
            raise ValueError(
                f"{type(self).__name__}: the network gave non-finite probabilities (NaN or "
                f"inf) for {int((~finite).sum())} of {finite.size} trial(s) (first: index "
                f"{int(np.flatnonzero(~finite)[0])}), so no class can be predicted. Its "
                "weights or these trials hold extreme values: refit (with a lower lr if "
                "training was unstable) or check X for extreme values."
            )
        return proba

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class labels.

        Parameters
        ----------
        X : array-like of shape (n_trials, n_channels, n_times) or mne.Epochs
            EEG with the channels and window length seen in fit.

        Returns
        -------
        ndarray of shape (n_trials,)
            Labels from ``classes_`` (the user's labels, not indices).
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy of ``predict(X)`` against ``y``.

        Parameters
        ----------
        X : array-like of shape (n_trials, n_channels, n_times) or mne.Epochs
            EEG with the channels and window length seen in fit.
        y : array-like of shape (n_trials,)
            True labels.
        sample_weight : array-like of shape (n_trials,), default=None
            Weights of the trials in the mean.

        Returns
        -------
        float
            Fraction of correctly classified trials (weighted when ``sample_weight`` is given).
        """
        return super().score(X, y, sample_weight=sample_weight)

    # -- folding -----------------------------------------------------------------------------
    def _folded_copy(self, target: BaseEEGClassifier) -> BaseEEGClassifier:
        """Give the unfitted ``target`` this estimator's fitted state, with the stem folded."""
        from .nn import fold

        check_is_fitted(self)
        for key, value in vars(self).items():
            if key.endswith("_") and not key.startswith("_") and key != "net_":
                setattr(target, key, copy.deepcopy(value))
        module = copy.deepcopy(self.net_.module_)
        module.stem = fold(module.stem)
        net = target._make_net(module, self.classes_.size, None)
        net.initialize()
        net.history = copy.deepcopy(self.net_.history)
        target.net_ = net
        return target
