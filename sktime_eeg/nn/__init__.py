"""Pure PyTorch networks: convolutional stems and the heads built on them.

Nothing in this subpackage imports scikit-learn, skorch or MNE.
"""

from .conformer import ConformerNet, LearnedPositionalEmbedding, TokenMean
from .cropping import CropCrossEntropyLoss, crop_starts, mean_log_softmax, unfold_crops
from .shallow import ShallowNet, n_pooled_times
from .stems import SpatioTemporalStem, TemporalSpatialStem, fold
from .time_layers import TimeAvgPool, TimeBatchNorm

__all__ = [
    "ConformerNet",
    "CropCrossEntropyLoss",
    "LearnedPositionalEmbedding",
    "ShallowNet",
    "SpatioTemporalStem",
    "TemporalSpatialStem",
    "TimeAvgPool",
    "TimeBatchNorm",
    "TokenMean",
    "crop_starts",
    "fold",
    "mean_log_softmax",
    "n_pooled_times",
    "unfold_crops",
]
