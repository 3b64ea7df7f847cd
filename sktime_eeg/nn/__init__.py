"""Pure PyTorch networks: convolutional stems and the heads built on them.

Nothing in this subpackage imports scikit-learn, skorch or MNE.
"""

from .conformer import ConformerNet, LearnedPositionalEmbedding, TokenMean
from .shallow import ShallowNet, n_pooled_times
from .stems import SpatioTemporalStem, TemporalSpatialStem, fold

__all__ = [
    "ConformerNet",
    "LearnedPositionalEmbedding",
    "ShallowNet",
    "SpatioTemporalStem",
    "TemporalSpatialStem",
    "TokenMean",
    "fold",
    "n_pooled_times",
]
