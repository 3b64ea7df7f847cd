"""Pure PyTorch networks: convolutional stems and the heads built on them.

Nothing in this subpackage imports scikit-learn, skorch or MNE.
"""

from .conformer import ConformerNet, LearnedPositionalEmbedding, TokenMean
from .shallow import ShallowNet, n_pooled_times
from .stems import SpatioTemporalStem, TemporalSpatialStem, fold
from .time_layers import TimeAvgPool, TimeBatchNorm

__all__ = [
    "ConformerNet",
    "LearnedPositionalEmbedding",
    "ShallowNet",
    "SpatioTemporalStem",
    "TemporalSpatialStem",
    "TimeAvgPool",
    "TimeBatchNorm",
    "TokenMean",
    "fold",
    "n_pooled_times",
]
