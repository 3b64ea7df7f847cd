"""ConformerNet: a convolutional stem followed by a transformer encoder over pooled time tokens.

The EEG-Conformer layout (Song et al. 2022, *EEG Conformer: Convolutional Transformer for EEG
Decoding and Visualization*, IEEE TNSRE) on either stem of :mod:`sktime_eeg.nn.stems`::

    stem -> bnorm -> activation (ELU) -> pool -> drop -> projection (1x1) -> tokens
         -> position -> encoder (TransformerEncoder) -> token_mean -> classifier

Every step is a named submodule, so forward hooks can read any layer by name
(``module.get_submodule("encoder")``, ...).
"""

from __future__ import annotations

import torch
from torch import nn

from .cropping import crop_starts, mean_log_softmax, unfold_crops
from .shallow import n_pooled_times
from .stems import SpatioTemporalStem, TemporalSpatialStem
from .time_layers import TimeAvgPool, TimeBatchNorm

__all__ = ["ConformerNet", "LearnedPositionalEmbedding", "TokenMean"]


class LearnedPositionalEmbedding(nn.Module):
    """Add one learned vector per token position: ``(n, n_tokens, d) -> (n, n_tokens, d)``.

    Parameters
    ----------
    n_tokens : int
        Number of token positions (fixed by the window length the network is built for).
    d_model : int
        Token dimension.

    Notes
    -----
    ``weight`` has shape ``(1, n_tokens, d_model)`` and starts as a truncated normal with
    standard deviation 0.02 (as in ViT/BERT), small beside the unit-scale tokens, so the
    untrained network starts close to a position-free one and learns only the positional
    structure the data supports.
    """

    def __init__(self, n_tokens: int, d_model: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(1, n_tokens, d_model))
        nn.init.trunc_normal_(self.weight, std=0.02)

    @property
    def n_tokens(self) -> int:
        return self.weight.shape[1]

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        if tokens.shape[1] != self.n_tokens:
            raise ValueError(
                f"Got {tokens.shape[1]} tokens but the positional embedding was built for "
                f"{self.n_tokens}; build the network for the window length it is fed."
            )
        return tokens + self.weight


class TokenMean(nn.Module):
    """Average the tokens: ``(n, n_tokens, d) -> (n, d)`` (a module so it can be hooked)."""

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return tokens.mean(dim=1)


class ConformerNet(nn.Module):
    """Convolutional stem, pooled into time tokens, then a transformer encoder and an MLP head.

    Parameters
    ----------
    stem : TemporalSpatialStem or SpatioTemporalStem
        Maps ``(n_trials, n_channels, n_times)`` to ``(n_trials, n_filters, n_times - k + 1)``.
    n_classes : int
        Number of output logits.
    n_times : int
        Samples of the window the network classifies (the trial length, or the crop length
        for cropped decoding); fixes the number of tokens (and the positional embedding).
    pool_length, pool_stride : int, default=75, 15
        Average-pooling window and stride in samples; each pooled step is one token.
    d_model : int, default=40
        Token dimension of the transformer.
    n_heads : int, default=4
        Attention heads; must divide ``d_model``.
    n_layers : int, default=6
        Number of transformer encoder layers.
    dim_feedforward : int, default=160
        Hidden size of each encoder layer's feed-forward block.
    dropout : float, default=0.5
        Dropout after pooling, in the encoder layers (attention and feed-forward) and in the
        classifier head.

    Attributes
    ----------
    stem : TemporalSpatialStem or SpatioTemporalStem
        Output ``(n, n_filters, n_times - k + 1)``.
    bnorm : TimeBatchNorm
        Batch norm over the ``n_filters`` maps.
    activation : torch.nn.ELU
        Output ``(n, n_filters, n_times - k + 1)``.
    pool : TimeAvgPool
        Output ``(n, n_filters, n_tokens)``.
    drop : torch.nn.Dropout
    projection : torch.nn.Conv1d
        1x1 convolution ``n_filters -> d_model``; output ``(n, d_model, n_tokens)``, which
        ``forward`` transposes into tokens ``(n, n_tokens, d_model)``.
    position : LearnedPositionalEmbedding
        Adds the position vectors; output ``(n, n_tokens, d_model)``.
    encoder : torch.nn.TransformerEncoder
        ``n_layers`` pre-norm layers with a final LayerNorm (``batch_first=True``); output
        ``(n, n_tokens, d_model)``. Its layers are ``encoder.layers.0``, ``encoder.layers.1``...
    token_mean : TokenMean
        Mean over tokens; output ``(n, d_model)`` -- the representation the head classifies.
    classifier : torch.nn.Sequential
        ``Linear(d_model, d_model) -> ELU -> Dropout -> Linear(d_model, n_classes)``;
        output ``(n, n_classes)`` logits.
    n_tokens : int
        ``(n_times - k + 1 - pool_length) // pool_stride + 1``.

    Raises
    ------
    ValueError
        If the window is shorter than ``kernel_length + pool_length - 1`` samples (no token),
        or ``d_model`` is not a multiple of ``n_heads``.

    Notes
    -----
    *Positions.* Attention is permutation-invariant and the head averages the tokens, so
    without positional information the network could not tell early from late activity in
    the trial. Each position gets a learned vector (:class:`LearnedPositionalEmbedding`),
    sized from the token count: EEG windows have a fixed length per model, the vectors
    cost ``n_tokens * d_model`` parameters (2440 at 1000 samples with the defaults), and,
    unlike a fixed sinusoidal code of unit amplitude, they start small and cannot swamp the
    few-dimensional tokens of a small EEG dataset.

    *Encoder.* Pre-norm layers (``norm_first=True``, as in the original EEG-Conformer) train
    stably without learning-rate warm-up. The head reads the mean token rather than
    flattening all tokens (as the original does), so its size does not depend on the window
    length.

    ``forward`` takes ``(n_trials, n_channels, n_times)`` float tensors and returns
    unnormalised logits ``(n_trials, n_classes)``.

    *Cropped decoding.* A trial longer than ``n_times`` is classified crop by crop (see
    :mod:`sktime_eeg.nn.cropping`; the positional embedding is tied to the window, so the
    crops are not shared in one pass as in :class:`~sktime_eeg.nn.ShallowNet`). Training
    mode draws one crop per trial at a random start (any sample, from torch's global
    generator) and returns its logits ``(n_trials, n_classes)``; eval mode classifies every
    crop starting at a multiple of ``pool_stride`` and returns their
    :func:`~sktime_eeg.nn.cropping.mean_log_softmax` ``(n_trials, n_classes)``.
    """

    def __init__(
        self,
        stem: TemporalSpatialStem | SpatioTemporalStem,
        n_classes: int,
        n_times: int,
        pool_length: int = 75,
        pool_stride: int = 15,
        d_model: int = 40,
        n_heads: int = 4,
        n_layers: int = 6,
        dim_feedforward: int = 160,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        if d_model % n_heads:
            raise ValueError(
                f"d_model={d_model} must be a multiple of n_heads={n_heads} (each head gets "
                "d_model // n_heads dimensions); e.g. d_model=40 with n_heads in (2, 4, 5, 8, 10)."
            )
        n_filters = stem.n_filters
        self.n_tokens = n_pooled_times(n_times, stem.kernel_length, pool_length, pool_stride)
        self.n_times = n_times
        self.stem = stem
        self.bnorm = TimeBatchNorm(n_filters)
        self.activation = nn.ELU()
        self.pool = TimeAvgPool(pool_length, pool_stride)
        self.drop = nn.Dropout(dropout)
        self.projection = nn.Conv1d(n_filters, d_model, kernel_size=1)
        self.position = LearnedPositionalEmbedding(self.n_tokens, d_model)
        layer = nn.TransformerEncoderLayer(
            d_model,
            n_heads,
            dim_feedforward=dim_feedforward,
            dropout=dropout,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        self.encoder = nn.TransformerEncoder(
            layer, n_layers, norm=nn.LayerNorm(d_model), enable_nested_tensor=False
        )
        self.token_mean = TokenMean()
        self.classifier = nn.Sequential(
            nn.Linear(d_model, d_model),
            nn.ELU(),
            nn.Dropout(dropout),
            nn.Linear(d_model, n_classes),
        )

    def tokens(self, x: torch.Tensor) -> torch.Tensor:
        """Position-coded tokens ``(n_trials, n_tokens, d_model)`` entering the encoder."""
        x = self.drop(self.pool(self.activation(self.bnorm(self.stem(x)))))
        return self.position(self.projection(x).transpose(1, 2))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Mean encoder token ``(n_trials, d_model)``: what the classifier head sees."""
        return self.token_mean(self.encoder(self.tokens(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n_trials, n_times = x.shape[0], x.shape[-1]
        if n_times == self.n_times:
            return self.classifier(self.features(x))
        stride = self.pool.stride_samples
        if self.training:  # one crop per trial, at a random start
            crop_starts(n_times, self.n_times, stride)  # range check
            starts = torch.randint(0, n_times - self.n_times + 1, (n_trials,))
            offsets = starts.to(x.device)[:, None] + torch.arange(self.n_times, device=x.device)
            crops = torch.gather(x, 2, offsets[:, None, :].expand(-1, x.shape[1], -1))
            return self.classifier(self.features(crops))
        logits = self.classifier(self.features(unfold_crops(x, self.n_times, stride)))
        return mean_log_softmax(logits.view(n_trials, -1, logits.shape[1]).transpose(1, 2))
