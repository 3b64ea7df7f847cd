"""Shared parameter documentation: one dict of snippets and a decorator that fills them in.

A docstring line holding only a placeholder ``%(name)s`` is replaced by the snippet
``docdict[name]``, every line of it indented like the placeholder, so the same parameter is
documented once for every class that takes it. An unknown name fails at import.
"""

from __future__ import annotations

import re
import textwrap
from typing import TypeVar

__all__ = ["docdict", "fill_doc"]

T = TypeVar("T")

docdict: dict[str, str] = {}

# -- network architecture -------------------------------------------------------------------
docdict["n_filters"] = """
n_filters : int, default=40
    Number of spatiotemporal filters (feature maps after the stem).
"""

docdict["kernel_length"] = """
kernel_length : int, default=25
    Temporal kernel length in samples (100 ms at 250 Hz).
"""

docdict["pool_length"] = """
pool_length : int or "whole", default=75
    Average-pooling window in samples over the squared signals (300 ms at 250 Hz).
    ``"whole"``: one window over the whole trial (over each crop with ``crop_length``),
    whatever its length -- the classifier then sees the log variance of each filter's output,
    a learned CSP with ``n_filters * n_classes`` weights; ``pool_length_`` holds the length
    used.
"""

docdict["pool_length_conformer"] = """
pool_length : int, default=75
    Average-pooling window in samples (300 ms at 250 Hz); each pooled step is one token.
"""

docdict["pool_stride"] = """
pool_stride : int, default=15
    Pooling stride in samples.

    ``kernel_length``, ``pool_length`` and ``pool_stride`` shrink, with a warning, when a
    trial has fewer samples than they span; the values used are ``kernel_length_``,
    ``pool_length_`` and ``pool_stride_``.
"""

docdict["dropout"] = """
dropout : float, default=0.5
    Dropout probability before the linear classifier.
"""

docdict["dropout_conformer"] = """
dropout : float, default=0.5
    Dropout probability after pooling, inside the encoder layers and in the head.
"""

# -- training -------------------------------------------------------------------------------
docdict["crop_augment"] = """
crop_length : int or None, default=None
    Cropped training and prediction (Schirrmeister et al. 2017): the network is built for
    windows of ``crop_length`` samples and trained on every crop of that length in each
    trial (crops start every ``pool_stride`` samples; one random crop per trial and
    batch for :class:`ConformerEEGClassifier`), each labelled with the trial's class; a
    trial is predicted by averaging the log-probabilities of its crops. None trains and
    predicts on whole trials. Must not exceed the samples per trial.
augment : transform, list of transforms or None, default=None
    Data augmentation of the training batches (:mod:`sktime_eeg.augment`: e.g.
    ``[AmplitudeScale(), GaussianNoise(0.1)]``), applied in order to each training batch
    of standardized EEG, drawn from the fit's seed (``random_state``); never applied to
    the validation split or at prediction."""

docdict["training"] = """
max_epochs : int, default=50
    Passes over the training data.
batch_size : int, default=64
    Trials per mini-batch (training and inference).
lr : float, default=1e-3
    Initial learning rate. A training loss that becomes NaN or infinite (too large a
    learning rate for the optimizer) stops ``fit`` with a ``ValueError`` naming ``lr`` and
    ``optimizer``.
weight_decay : float, default=0.0
    Weight decay of the optimizer (decoupled for AdamW).
optimizer : {"adamw", "adam", "sgd"} or torch.optim.Optimizer subclass, default="adamw"
    Optimizer ("sgd" uses Nesterov momentum 0.9).
lr_schedule : {"cosine", "constant"}, default="cosine"
    Cosine annealing of the learning rate to zero over ``max_epochs``, or none.
patience : int or None, default=None
    Stop when the validation loss has not improved for this many epochs and restore the
    best weights (skorch ``EarlyStopping``). Needs ``validation_fraction > 0``.
validation_fraction : float, default=0.0
    Fraction of the training trials held out, stratified by class, to monitor the
    validation loss and accuracy in ``net_.history``. Every class needs >= 2 trials.
"""

docdict["random_state"] = """
random_state : int, RandomState instance or None, default=None
    scikit-learn's convention: resolved with :func:`sklearn.utils.check_random_state`, from
    which one seed ``rng.randint(np.iinfo(np.int32).max)`` is drawn per fit. The seed drives
    weight initialisation, shuffling, dropout and the validation split of that fit only: two
    fits with the same int are bit-identical on CPU, a RandomState instance gives a new seed
    each fit, None a random one, and torch's global random state is left as it was. (To
    guarantee this, fits running in threads of one process take turns; run parallel
    trainings in separate processes.)
"""

docdict["device_verbose"] = """
device : str or torch.device, default="cpu"
    Where to train and predict ("cpu", "cuda", "cuda:1", ...).
verbose : int, default=0
    0 is silent; 1 prints skorch's per-epoch table.
"""

docdict["warm_start"] = """
warm_start : bool, default=False
    When True and the estimator is fitted, ``fit`` continues training the fitted network
    on the new data (e.g. a new subject's calibration trials) from its current weights,
    with the training parameters as set now (``set_params(max_epochs=..., lr=...)``),
    instead of building a new one. The data must have the fitted channels (count, and
    names and sampling rate when known), window length and classes, else a ValueError
    says which. The input standardization ``mean_`` / ``scale_`` of the first fit is
    kept (align subjects to handle their differences); the optimizer, learning-rate
    schedule and ``net_.history`` start anew. A warm fit that fails leaves the estimator
    as it was before it. ``clone`` gives an unfitted estimator, as always.
finetune : {"all", "head"}, default="all"
    What a warm fit trains: the whole network, or only its classifier head
    (``net_.module_.classifier``); the rest keeps its weights bit for bit and its batch
    norms run in eval mode (running statistics used, not updated). Ignored when not
    warm starting.
"""

docdict["classifier_attributes"] = """
classes_ : ndarray of shape (n_classes,)
    The class labels seen in fit (any type), in the order of ``predict_proba`` columns.
n_features_in_ : int
    Number of channels seen in fit.
n_channels_, n_times_ : int
    Shape of one trial seen in fit.
sfreq_ : float or None
    Sampling frequency when fitted on ``mne.Epochs``, else None.
ch_names_ : list of str or None
    Channel names when fitted on ``mne.Epochs``, else None.
input_record_ : sktime_eeg._input.InputRecord
    What fit saw (channels, sampling frequency, window, per-channel amplitude). Later input
    is checked against it: Epochs with the channels in another order or other channels,
    another sampling frequency or window, arrays with another number of channels, and input
    whose amplitude differs more than 100x from the training data (other units, e.g.
    ``epochs.get_data()`` in volts after fitting on Epochs, which are read in microvolts)
    are refused with the fix (see :ref:`units`).
mean_, scale_ : ndarray of shape (n_channels,)
    Per-channel mean and standard deviation of the training data (Epochs: volt channels
    in microvolts); inputs are standardized with them in fit and predict.
kernel_length_, pool_length_, pool_stride_ : int
    The lengths actually used (see ``kernel_length``).
net_ : skorch.NeuralNetClassifier
    The trained skorch net: ``net_.history`` has the per-epoch losses, ``net_.module_`` the
    torch module.
"""

# -- transformers ---------------------------------------------------------------------------
docdict["sfreq_arrays"] = """
sfreq : float or None, default=None
    Sampling frequency of array input in Hz. Required for arrays unless the step was fitted
    on Epochs (then the fitted one is used); Epochs carry their own (when set it must agree
    with theirs).
"""

docdict["transformer_attributes"] = """
input_record_ : sktime_eeg._input.InputRecord
    What ``fit`` saw (channels, sampling frequency, amplitude). Once fitted, ``transform``
    refuses Epochs with the channels in another order or other channels, another sampling
    frequency, arrays with another number of channels, and input whose amplitude differs
    more than 100x from the fitted one (other units), with the fix (see :ref:`units`).
    Unfitted, the step transforms without these checks.
n_features_in_ : int
    Number of channels seen in fit.
"""

_PLACEHOLDER = re.compile(r"^(?P<indent>[ \t]*)%\((?P<name>\w+)\)s[ \t]*$")


def fill_doc(obj: T) -> T:
    """Fill the ``%(name)s`` placeholder lines of ``obj.__doc__`` from :data:`docdict`.

    Parameters
    ----------
    obj : class or function
        Its docstring may hold placeholder lines ``%(name)s`` (alone on their line).

    Returns
    -------
    obj
        The same object, its docstring filled.

    Raises
    ------
    KeyError
        For a placeholder without a snippet.
    ValueError
        For a placeholder that is not alone on its line.
    """
    doc = obj.__doc__
    if not doc:
        return obj
    lines = []
    for line in doc.splitlines():
        match = _PLACEHOLDER.match(line)
        if match is None:
            if "%(" in line:
                raise ValueError(
                    f"fill_doc: a placeholder must stand alone on its line, got {line.strip()!r} "
                    f"in {getattr(obj, '__qualname__', obj)}."
                )
            lines.append(line)
            continue
        name, indent = match["name"], match["indent"]
        if name not in docdict:
            raise KeyError(f"fill_doc: no snippet {name!r} in docdict (placeholder in {obj!r}).")
        snippet = textwrap.dedent(docdict[name]).strip("\n")
        lines.extend(indent + part if part else "" for part in snippet.splitlines())
    obj.__doc__ = "\n".join(lines)
    return obj
