"""Explanations for fitted EEG classifiers, each checked against simulated ground truth.

- :func:`band_importance`: which frequency bands a classifier relies on (any classifier).
- :func:`spatial_patterns` / :func:`plot_patterns`: activation patterns of a network's
  spatiotemporal kernels as topographic maps.
- :func:`layer_activations`, :func:`rdm`, :func:`rsa`, :func:`linear_cka`,
  :func:`representational_similarity` / :func:`plot_similarity`: how similar the internal
  representations of different networks are.
"""

from .bands import DEFAULT_BANDS, band_importance
from .patterns import plot_patterns, spatial_patterns
from .representations import (
    layer_activations,
    linear_cka,
    plot_similarity,
    rdm,
    representational_similarity,
    rsa,
)

__all__ = [
    "DEFAULT_BANDS",
    "band_importance",
    "layer_activations",
    "linear_cka",
    "plot_patterns",
    "plot_similarity",
    "rdm",
    "representational_similarity",
    "rsa",
    "spatial_patterns",
]
