"""The paper's CNN classifiers as scikit-learn estimators: 1D (temporal + spatial) and 2D stems."""

from __future__ import annotations

from torch import nn

from ._base import BaseEEGClassifier
from ._docs import fill_doc
from .nn import ConformerNet, ShallowNet, SpatioTemporalStem, TemporalSpatialStem

__all__ = ["Conv1DEEGClassifier", "Conv2DEEGClassifier", "ConformerEEGClassifier"]


@fill_doc
class Conv2DEEGClassifier(BaseEEGClassifier):
    """ShallowConvNet-style classifier with a 2D spatiotemporal stem.

    One convolution with ``n_filters`` kernels of ``n_channels x kernel_length`` samples,
    followed by batch norm, squaring, average pooling, log and a linear classifier
    (:class:`sktime_eeg.nn.ShallowNet` on :class:`sktime_eeg.nn.SpatioTemporalStem`).

    Parameters
    ----------
    %(n_filters)s
    %(kernel_length)s
    %(pool_length)s
    %(pool_stride)s
    %(dropout)s
    %(crop_augment)s
    %(training)s
    %(random_state)s
    %(device_verbose)s
    %(warm_start)s

    Attributes
    ----------
    %(classifier_attributes)s

    See Also
    --------
    Conv1DEEGClassifier : the same model with the temporal-then-spatial stem.

    Examples
    --------
    >>> import numpy as np
    >>> from sktime_eeg import Conv2DEEGClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 3, 250)).astype("float32")
    >>> y = np.repeat(["left", "right"], 20)
    >>> clf = Conv2DEEGClassifier(max_epochs=2, random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).shape
    (3,)
    """

    _accepts_whole_pool = True

    def __init__(
        self,
        *,
        n_filters: int = 40,
        kernel_length: int = 25,
        pool_length: int | str = 75,
        pool_stride: int = 15,
        dropout: float = 0.5,
        crop_length: int | None = None,
        augment=None,
        max_epochs: int = 50,
        batch_size: int = 64,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        optimizer="adamw",
        lr_schedule: str = "cosine",
        patience: int | None = None,
        validation_fraction: float = 0.0,
        random_state=None,
        device="cpu",
        verbose: int = 0,
        warm_start: bool = False,
        finetune: str = "all",
    ) -> None:
        self.n_filters = n_filters
        self.kernel_length = kernel_length
        self.pool_length = pool_length
        self.pool_stride = pool_stride
        self.dropout = dropout
        self.crop_length = crop_length
        self.augment = augment
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.optimizer = optimizer
        self.lr_schedule = lr_schedule
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        self.warm_start = warm_start
        self.finetune = finetune

    def _build_module(
        self, n_channels, n_times, n_classes, kernel_length, pool_length, pool_stride
    ) -> nn.Module:
        stem = SpatioTemporalStem(n_channels, self.n_filters, kernel_length)
        return ShallowNet(stem, n_classes, n_times, pool_length, pool_stride, self.dropout)


@fill_doc
class Conv1DEEGClassifier(BaseEEGClassifier):
    """ShallowConvNet classifier with the 1D stem: temporal then spatial convolution.

    ``n_filters_time`` temporal kernels of ``kernel_length`` samples, then ``n_filters``
    spatial filters across all channels, with no non-linearity between them, followed by the
    same head as :class:`Conv2DEEGClassifier`. The two stems compute the same family of
    functions; :meth:`fold` turns a fitted model into the equivalent 2D one.

    Parameters
    ----------
    n_filters_time : int, default=40
        Number of temporal kernels before the spatial convolution.
    %(n_filters)s
    %(kernel_length)s
    %(pool_length)s
    %(pool_stride)s
    %(dropout)s
    %(crop_augment)s
    %(training)s
    %(random_state)s
    %(device_verbose)s
    %(warm_start)s

    Attributes
    ----------
    %(classifier_attributes)s

    See Also
    --------
    Conv2DEEGClassifier : the same model with one spatiotemporal convolution.
    """

    _positive_int_params = (*BaseEEGClassifier._positive_int_params, "n_filters_time")

    _accepts_whole_pool = True

    def __init__(
        self,
        *,
        n_filters_time: int = 40,
        n_filters: int = 40,
        kernel_length: int = 25,
        pool_length: int | str = 75,
        pool_stride: int = 15,
        dropout: float = 0.5,
        crop_length: int | None = None,
        augment=None,
        max_epochs: int = 50,
        batch_size: int = 64,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        optimizer="adamw",
        lr_schedule: str = "cosine",
        patience: int | None = None,
        validation_fraction: float = 0.0,
        random_state=None,
        device="cpu",
        verbose: int = 0,
        warm_start: bool = False,
        finetune: str = "all",
    ) -> None:
        self.n_filters_time = n_filters_time
        self.n_filters = n_filters
        self.kernel_length = kernel_length
        self.pool_length = pool_length
        self.pool_stride = pool_stride
        self.dropout = dropout
        self.crop_length = crop_length
        self.augment = augment
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.optimizer = optimizer
        self.lr_schedule = lr_schedule
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        self.warm_start = warm_start
        self.finetune = finetune

    def _build_module(
        self, n_channels, n_times, n_classes, kernel_length, pool_length, pool_stride
    ) -> nn.Module:
        stem = TemporalSpatialStem(n_channels, self.n_filters_time, self.n_filters, kernel_length)
        return ShallowNet(stem, n_classes, n_times, pool_length, pool_stride, self.dropout)

    def fold(self) -> Conv2DEEGClassifier:
        """Return the fitted :class:`Conv2DEEGClassifier` computing the same function.

        The temporal and spatial kernels are multiplied out into ``n_filters`` kernels of
        ``n_channels x kernel_length``; the temporal bias is carried through the spatial
        weights. Everything after the stem, and the fitted standardization, are copied.
        ``predict_proba`` of the result equals this model's up to float rounding (~1e-6).

        Returns
        -------
        Conv2DEEGClassifier
            Fitted, with the shared hyperparameters of this estimator. Its ``net_.history``
            is a copy of this model's training history.
        """
        params = self.get_params()
        params.pop("n_filters_time")
        return self._folded_copy(Conv2DEEGClassifier(**params))


_STEMS = ("2d", "1d")


@fill_doc
class ConformerEEGClassifier(BaseEEGClassifier):
    """CNN + transformer hybrid (EEG-Conformer layout) with a 1D or 2D convolutional stem.

    The stem (``stem="2d"``: one spatiotemporal convolution; ``stem="1d"``: temporal then
    spatial convolution) is followed by batch norm, ELU, average pooling and dropout; each
    pooled time step is projected (1x1 convolution) to a ``d_model``-dimensional token, a
    learned position vector is added, and ``n_layers`` transformer encoder layers mix the
    tokens before the mean token is classified by a small MLP
    (:class:`sktime_eeg.nn.ConformerNet`). Defaults follow Song et al. (2022) at 250 Hz: 40
    filters of 25 samples, pooling 75 / 15, ``d_model=40``, 6 encoder layers.

    Parameters
    ----------
    stem : {"2d", "1d"}, default="2d"
        Convolutional stem: :class:`sktime_eeg.nn.SpatioTemporalStem` ("2d", faster) or
        :class:`sktime_eeg.nn.TemporalSpatialStem` ("1d"). A fitted "1d" model folds into the
        equivalent "2d" one with :meth:`fold`.
    n_filters_time : int, default=40
        Number of temporal kernels before the spatial convolution (``stem="1d"`` only).
    %(n_filters)s
    %(kernel_length)s
    %(pool_length_conformer)s
    %(pool_stride)s
    %(dropout_conformer)s
    %(crop_augment)s
    d_model : int, default=40
        Token dimension of the transformer.
    n_heads : int, default=4
        Attention heads per layer; must divide ``d_model``.
    n_layers : int, default=6
        Transformer encoder layers.
    dim_feedforward : int, default=160
        Hidden size of the feed-forward block of each encoder layer.
    %(training)s
    %(random_state)s
    %(device_verbose)s
    %(warm_start)s

    Attributes
    ----------
    %(classifier_attributes)s

    See Also
    --------
    Conv2DEEGClassifier : the convolutional model without the transformer.

    Notes
    -----
    A window needs at least ``kernel_length + pool_length - 1`` samples for one token; shorter
    windows shrink the kernel and pooling with a warning (see ``kernel_length``), so a trial of
    a single sample gives one token.

    Examples
    --------
    >>> import numpy as np
    >>> from sktime_eeg import ConformerEEGClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 3, 250)).astype("float32")
    >>> y = np.repeat(["left", "right"], 20)
    >>> clf = ConformerEEGClassifier(n_layers=1, max_epochs=2, random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).shape
    (3,)
    """

    _positive_int_params = (
        *BaseEEGClassifier._positive_int_params,
        "n_filters_time",
        "d_model",
        "n_heads",
        "n_layers",
        "dim_feedforward",
    )

    def __init__(
        self,
        *,
        stem: str = "2d",
        n_filters_time: int = 40,
        n_filters: int = 40,
        kernel_length: int = 25,
        pool_length: int = 75,
        pool_stride: int = 15,
        d_model: int = 40,
        n_heads: int = 4,
        n_layers: int = 6,
        dim_feedforward: int = 160,
        dropout: float = 0.5,
        crop_length: int | None = None,
        augment=None,
        max_epochs: int = 50,
        batch_size: int = 64,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        optimizer="adamw",
        lr_schedule: str = "cosine",
        patience: int | None = None,
        validation_fraction: float = 0.0,
        random_state=None,
        device="cpu",
        verbose: int = 0,
        warm_start: bool = False,
        finetune: str = "all",
    ) -> None:
        self.stem = stem
        self.n_filters_time = n_filters_time
        self.n_filters = n_filters
        self.kernel_length = kernel_length
        self.pool_length = pool_length
        self.pool_stride = pool_stride
        self.d_model = d_model
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.dim_feedforward = dim_feedforward
        self.dropout = dropout
        self.crop_length = crop_length
        self.augment = augment
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.optimizer = optimizer
        self.lr_schedule = lr_schedule
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        self.warm_start = warm_start
        self.finetune = finetune

    def _check_hyperparameters(self) -> None:
        name = type(self).__name__
        if not (isinstance(self.stem, str) and self.stem in _STEMS):
            raise ValueError(f"{name}: stem must be one of {list(_STEMS)}, got {self.stem!r}.")
        super()._check_hyperparameters()
        if self.d_model % self.n_heads:
            raise ValueError(
                f"{name}: d_model={self.d_model} must be a multiple of n_heads={self.n_heads} "
                "(each head gets d_model // n_heads dimensions); e.g. d_model=40 with n_heads "
                "in (2, 4, 5, 8, 10)."
            )

    def _build_module(
        self, n_channels, n_times, n_classes, kernel_length, pool_length, pool_stride
    ) -> nn.Module:
        if self.stem == "1d":
            stem = TemporalSpatialStem(
                n_channels, self.n_filters_time, self.n_filters, kernel_length
            )
        else:
            stem = SpatioTemporalStem(n_channels, self.n_filters, kernel_length)
        return ConformerNet(
            stem,
            n_classes,
            n_times,
            pool_length=pool_length,
            pool_stride=pool_stride,
            d_model=self.d_model,
            n_heads=self.n_heads,
            n_layers=self.n_layers,
            dim_feedforward=self.dim_feedforward,
            dropout=self.dropout,
        )

    def fold(self) -> ConformerEEGClassifier:
        """Return the fitted ``stem="2d"`` model computing the same function (``stem="1d"`` only).

        The temporal and spatial kernels are multiplied out into ``n_filters`` kernels of
        ``n_channels x kernel_length`` (:func:`sktime_eeg.nn.fold`); everything after the stem
        -- batch norm, projection, positional embedding, encoder, head -- and the fitted
        standardization are copied. ``predict_proba`` of the result equals this model's up to
        float rounding (~1e-6).

        Returns
        -------
        ConformerEEGClassifier
            Fitted, with ``stem="2d"`` and the other hyperparameters of this estimator. Its
            ``net_.history`` is a copy of this model's training history.

        Raises
        ------
        ValueError
            If this model already has the 2D stem.
        """
        if self.stem != "1d":
            raise ValueError(
                f"fold() turns a stem='1d' model into the equivalent stem='2d' one; this "
                f"model has stem={self.stem!r} already and is its own folded form."
            )
        return self._folded_copy(ConformerEEGClassifier(**{**self.get_params(), "stem": "2d"}))
