"""The permutation test of claim 3 in ``examples/plot_paper_study.py`` (exact and sampled)."""

from itertools import combinations, product

import numpy as np
import pytest
from helpers import load_script


@pytest.fixture(scope="module")
def study():
    return load_script("examples/plot_paper_study.py")


def _similarity(labels, effect, rng):
    """A symmetric similarity matrix: ``effect`` higher within a kind, plus noise."""
    m = len(labels)
    noise = rng.normal(0, 0.05, (m, m))
    matrix = 0.5 + (noise + noise.T) / 2 + effect * (labels[:, None] == labels[None, :])
    np.fill_diagonal(matrix, 1.0)
    return matrix


def _statistic(matrix, labels):
    upper = np.triu_indices(len(labels), 1)
    same = (labels[:, None] == labels[None, :])[upper]
    return matrix[upper][same].mean() - matrix[upper][~same].mean()


def _brute_force(matrices, labels):
    """Every relabeling of every subject, enumerated directly."""
    options = []
    for lab in labels:
        m, k = len(lab), int(lab.sum())
        subject_options = []
        for chosen in combinations(range(m), k):
            relabel = np.zeros(m, bool)
            relabel[list(chosen)] = True
            subject_options.append(relabel)
        options.append(subject_options)
    observed = np.mean([_statistic(mat, lab) for mat, lab in zip(matrices, labels, strict=True)])
    null = [
        np.mean([_statistic(mat, lab) for mat, lab in zip(matrices, pick, strict=True)])
        for pick in product(*options)
    ]
    return observed, np.mean(np.asarray(null) >= observed - 1e-12)


@pytest.mark.parametrize("sizes", [(4, 4), (6, 4), (6, 6, 4)])
@pytest.mark.parametrize("effect", [0.0, 0.05])
def test_exact_permutation_p_equals_brute_force(study, sizes, effect):
    rng = np.random.default_rng(sum(sizes))
    labels = [np.arange(m) >= m // 2 for m in sizes]  # half 1D, half 2D models
    matrices = [_similarity(lab, effect, rng) for lab in labels]
    observed, p = study._stratified_permutation(matrices, labels)
    expected_observed, expected_p = _brute_force(matrices, labels)
    assert observed == pytest.approx(expected_observed, abs=1e-12)
    assert p == pytest.approx(expected_p, abs=1e-12)


def test_sampled_permutation_detects_a_difference_and_holds_under_the_null(study):
    rng = np.random.default_rng(0)
    labels = [np.arange(6) >= 3] * 8  # 20**8 relabelings: sampled, not enumerated
    strong = [_similarity(lab, 0.2, rng) for lab in labels]
    _, p_strong = study._stratified_permutation(strong, labels, n_resamples=999)
    assert p_strong == pytest.approx(1 / 1000)
    p_null = [
        study._stratified_permutation(
            [_similarity(lab, 0.0, rng) for lab in labels], labels, n_resamples=199, seed=k
        )[1]
        for k in range(60)
    ]
    # under the null the p-values are roughly uniform: about 5 % below 0.05
    assert np.mean(np.asarray(p_null) < 0.05) <= 0.15
    assert 0.3 < np.mean(p_null) < 0.7


def test_checkpoints_are_reused_only_with_equal_settings_and_when_readable(study, tmp_path):
    settings = {"scale": {"seeds": (0, 1)}, "model": "Conv2DEEGClassifier()", "data": "abc"}
    path, saved = study._checkpoint(tmp_path, ("ds", 1, 0, "conv2d"), settings)
    assert saved is None and path.name == "ds__1__0__conv2d.pkl"
    study._save_checkpoint(path, {"settings": settings, "row": {"accuracy": 0.7}, "model": None})
    assert not path.with_suffix(".tmp").exists()
    _, saved = study._checkpoint(tmp_path, ("ds", 1, 0, "conv2d"), settings)
    assert saved["row"] == {"accuracy": 0.7}
    for other in ({**settings, "data": "abd"}, {**settings, "scale": {"seeds": (0, 1, 2)}}):
        assert study._checkpoint(tmp_path, ("ds", 1, 0, "conv2d"), other)[1] is None
    path.write_bytes(path.read_bytes()[:10])  # a damaged file is refitted, not trusted
    assert study._checkpoint(tmp_path, ("ds", 1, 0, "conv2d"), settings)[1] is None
    assert study._hash(np.zeros(3), np.ones(2)) != study._hash(np.zeros(3), np.zeros(2))
    assert study._hash(np.zeros(3)) != study._hash(np.zeros(3, dtype=np.float32))
    # labels as Python strings (object arrays): the same text gives the same hash
    labels = np.array(["hands", "feet"], dtype=object)
    fresh = np.array(["".join(["ha", "nds"]), "".join(["fe", "et"])], dtype=object)  # new objects
    assert study._hash(labels) == study._hash(fresh)
    assert study._hash(labels) != study._hash(labels[::-1].copy())
