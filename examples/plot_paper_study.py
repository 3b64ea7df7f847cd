"""
The paper's three claims, tested across subjects, datasets and seeds
====================================================================

Dixen, Heinrich & Burelli (2026) claim that 2D spatiotemporal stems (1) train much faster at
equal accuracy, (2) rely on the same frequency bands and (3) learn very different
representations than 1D (temporal-then-spatial) stems. This script tests the three claims
with the statistics of :func:`sktime_eeg.evaluation.paired_comparison`, on every local real
dataset and a multi-subject simulated one, for ShallowNet and the CNN+transformer hybrid,
with several seeds:

- **Claim 1**: accuracy equivalence (TOST, ±2 pp) and the training-time ratio, with 95 %
  confidence intervals, per dataset and combined (random effects).
- **Claim 2**: agreement (Pearson r over bands) of the band-importance profiles of the 1D
  and 2D models, against the agreement of two groups of seeds of the same kind.
- **Claim 3**: 1D-2D versus within-kind similarity (linear CKA and RSA) at every layer the
  two networks share, with a permutation test of the kind labels within subjects.

Datasets: BCI Competition IV 2b (subjects 1-6, 3 channels; sessions 1-3 train, 4-5 test),
PhysioNet eegmmidb S001 (64 channels, hands vs feet), BCI Competition II IV (28 channels,
the competition's split) and simulated 22-channel motor imagery with heterogeneous subjects
(``make_motor_imagery(subject=k)``). The two single-subject datasets cannot enter statistics
*across subjects*; for them the seeds are the units (``subject="seed"``), which speaks about
that one subject only, and they are kept out of the combined rows.

It is a script, not a test: the full run trains 160 networks in about half an hour on two
cores. Set ``SKTIME_EEG_STUDY_SCALE=small`` (or pass ``--scale small``) for a reduced run of
a few minutes that checks the pipeline end to end, and ``SKTIME_EEG_STUDY_OUT`` (or ``--out``)
for the output folder (default ``paper_study``): ``results.csv`` (one row per dataset,
subject, seed and model, as :func:`~sktime_eeg.evaluation.compare` writes it),
``stats.csv``, ``bands.csv``, ``agreement.csv``, ``similarity.csv``, ``claims.txt`` (the
sentences) and the figures. Every fitted network is saved under ``fits/`` as it finishes
(written to a temporary file, then renamed), so a run that dies loses at most the network in
training: rerunning with the same ``--out`` and scale reuses the saved fits. The real
datasets are read from the shared data folder (``benchmarks/local_data.py``); absent ones
are skipped with a message.
"""

# %%
from __future__ import annotations

import argparse
import hashlib
import os
import pickle
import re
import sys
import time
import warnings
from itertools import combinations
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402
from sklearn.metrics import accuracy_score, balanced_accuracy_score, cohen_kappa_score  # noqa: E402

import sktime_eeg  # noqa: E402
from sktime_eeg.datasets import make_motor_imagery  # noqa: E402
from sktime_eeg.evaluation import (  # noqa: E402
    format_comparisons,
    make_models,
    paired_comparison,
    plot_forest,
    plot_paired,
)
from sktime_eeg.explain import band_importance, layer_activations, linear_cka, rdm, rsa  # noqa: E402

ROOT = Path(__file__).resolve().parents[1] if "__file__" in globals() else Path.cwd().parent
sys.path.insert(0, str(ROOT))
from benchmarks.local_data import (  # noqa: E402
    load_bcicomp2_iv,
    load_bnci2014_004,
    shared_data_dir,
)

_FULL = dict(
    bnci_subjects=(1, 2, 3, 4, 5, 6),
    bnci_train=(1, 2, 3),
    bnci_test=(4, 5),
    sim_subjects=tuple(range(1, 9)),
    sim_trials=240,
    seeds=(0, 1, 2),
    sim_seeds=(0, 1),
    max_epochs=30,
    conformer_layers=2,
    real_single=True,
)
SCALES = {
    # full: what trains in about half an hour on 2 idle cores (measured: see the docs page).
    # Every real subject with 3 seeds; 8 simulated subjects with 2 seeds; 30 epochs.
    "full": _FULL,
    # large: 9 simulated subjects with 3 seeds too (~1 h on 2 cores, estimated, not run)
    "large": {**_FULL, "sim_subjects": tuple(range(1, 10)), "sim_seeds": (0, 1, 2)},
    # small: checks the pipeline in a few minutes (numbers meaningless: 3 epochs)
    "small": dict(
        bnci_subjects=(1, 2, 3),
        bnci_train=(1,),
        bnci_test=(4,),
        sim_subjects=(1, 2, 3),
        sim_trials=80,
        seeds=(0, 1),
        sim_seeds=(0, 1),
        max_epochs=3,
        conformer_layers=1,
        real_single=True,
    ),
}
PAIRS = (("conv1d", "conv2d"), ("conformer-1d", "conformer-2d"))  # (1D, 2D) of each network
MARGIN = 0.02


# %%
# Data: (dataset, subject, X_train, y_train, X_test, y_test, sfreq) per subject
# ------------------------------------------------------------------------------
def _resample(X, up, down):
    from scipy.signal import resample_poly

    return resample_poly(X, up, down, axis=-1)


def datasets(scale):
    shared = shared_data_dir()
    if shared is not None and (shared / "bnci2014_004").is_dir():
        for subject in scale["bnci_subjects"]:
            X_tr, y_tr, _ = load_bnci2014_004(subject, sessions=scale["bnci_train"])
            X_te, y_te, _ = load_bnci2014_004(subject, sessions=scale["bnci_test"])
            # microvolts -> volts like the other sets; 250 -> 125 Hz
            yield (
                "bci_iv_2b",
                subject,
                *((_resample(X_tr * 1e-6, 1, 2), y_tr, _resample(X_te * 1e-6, 1, 2), y_te)),
                125.0,
            )
    else:
        print("BCI IV 2b not found in the shared data folder: skipped.")
    if scale["real_single"] and shared is not None and (shared / "eegmmidb").is_dir():
        from sktime_eeg.datasets import load_physionet_mi

        epochs = load_physionet_mi(
            1,
            "hands_feet",
            path=shared / "eegmmidb",
            runs=(5, 6, 9, 10, 13, 14),
            tmin=0.5,
            tmax=2.5,
            l_freq=1.0,
        )
        epochs.set_eeg_reference("average", verbose="error").resample(80.0)
        X, y = epochs.get_data()[..., :160], epochs.metadata["label"].to_numpy()
        order = np.random.default_rng(0).permutation(len(y))
        train, test = order[: 2 * len(y) // 3], order[2 * len(y) // 3 :]
        yield "eegmmidb", 1, X[train], y[train], X[test], y[test], 80.0
    if scale["real_single"] and shared is not None and (shared / "bcicomp2_iv").is_dir():
        data = load_bcicomp2_iv()
        yield (
            "bci_ii_iv",
            1,
            data["X_train"] * 1e-6,
            data["y_train"],
            data["X_test"] * 1e-6,
            data["y_test"],
            data["sfreq"],
        )
    for subject in scale["sim_subjects"]:
        X, y = make_motor_imagery(
            scale["sim_trials"], montage="bci_iv_2a", sfreq=125.0, subject=subject, random_state=0
        )
        cut = 2 * len(y) // 3
        yield "simulated_22ch", subject, X[:cut], y[:cut], X[cut:], y[cut:], 125.0


# %%
# Training: one row per (dataset, subject, seed, model), as compare() writes it
# ------------------------------------------------------------------------------
def _seeds(scale, ds):
    return scale["sim_seeds"] if ds.startswith("simulated") else scale["seeds"]


def _hash(*arrays):
    """SHA-256 of the arrays' values, shapes and dtypes: other data, other checkpoints."""
    digest = hashlib.sha256()
    for array in arrays:
        array = np.asarray(array)
        if array.dtype == object:  # e.g. string labels: hash their text, not their pointers
            array = array.astype(str)
        array = np.ascontiguousarray(array)
        digest.update(f"{array.shape}{array.dtype}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _checkpoint(folder, key, settings):
    """Path of one fit's checkpoint and what it holds when it was made with ``settings``.

    Every fit is saved (atomically: written to a temporary file, then renamed) so that a run
    that dies loses at most the fit in progress; a rerun with the same ``--out`` and scale
    reuses the saved fits. A checkpoint written under other settings (scale, model
    parameters, data, package version) or that cannot be read is not reused.
    """
    path = folder / ("__".join(str(part) for part in key) + ".pkl")
    if path.exists():
        try:
            with open(path, "rb") as f:
                saved = pickle.load(f)
        except Exception as exc:  # noqa: BLE001 - a damaged checkpoint is refitted, not trusted
            print(f"   {path.name} cannot be read ({type(exc).__name__}): refitted", flush=True)
            return path, None
        if saved["settings"] == settings:
            return path, saved
    return path, None


def _save_checkpoint(path, saved):
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        pickle.dump(saved, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def train_all(scale, out):
    rows, fitted, test_sets = [], {}, {}
    names = [name for pair in PAIRS for name in pair]
    folder = out / "fits"
    folder.mkdir(exist_ok=True)
    for ds, subject, X_tr, y_tr, X_te, y_te, sfreq in datasets(scale):
        test_sets[(ds, subject)] = (X_te, y_te, sfreq)
        print(
            f"== {ds} subject {subject}: {len(y_tr)} train / {len(y_te)} test trials, "
            f"{X_tr.shape[1]} channels at {sfreq:g} Hz",
            flush=True,
        )
        data_hash = _hash(X_tr, y_tr, X_te, y_te)
        for seed in _seeds(scale, ds):
            models = make_models(
                names,
                sfreq=sfreq,
                max_epochs=scale["max_epochs"],
                batch_size=32,
                conformer_layers=scale["conformer_layers"],
                random_state=seed,
            )
            for name, model in models.items():
                settings = {
                    "scale": scale,
                    "model": repr(model),
                    "data": data_hash,
                    "version": sktime_eeg.__version__,
                }
                path, saved = _checkpoint(folder, (ds, subject, seed, name), settings)
                if saved is not None:
                    rows.append(saved["row"])
                    fitted[(ds, subject, seed, name)] = saved["model"]
                    print(f"   seed {seed} {name:<13} (saved fit reused)", flush=True)
                    continue
                row = {
                    "dataset": ds,
                    "subject": subject,
                    "seed": seed,
                    "model": name,
                    "fold": 0,
                    "test_groups": "",
                    "n_train": len(y_tr),
                    "n_test": len(y_te),
                }
                try:
                    start = time.perf_counter()
                    model.fit(X_tr, y_tr)
                    fit_seconds = time.perf_counter() - start
                    start = time.perf_counter()
                    pred = model.predict(X_te)
                    latency = (time.perf_counter() - start) * 1e3 / len(y_te)
                    module = model.net_.module_
                    row.update(
                        accuracy=accuracy_score(y_te, pred),
                        balanced_accuracy=balanced_accuracy_score(y_te, pred),
                        cohen_kappa=cohen_kappa_score(y_te, pred),
                        fit_seconds=fit_seconds,
                        predict_ms_per_trial=latency,
                        n_parameters=float(sum(p.numel() for p in module.parameters())),
                        error=None,
                    )
                    fitted[(ds, subject, seed, name)] = model
                    _save_checkpoint(path, {"settings": settings, "row": row, "model": model})
                except Exception as exc:  # noqa: BLE001 - recorded, the study goes on
                    row.update(
                        accuracy=np.nan,
                        balanced_accuracy=np.nan,
                        cohen_kappa=np.nan,
                        fit_seconds=np.nan,
                        predict_ms_per_trial=np.nan,
                        n_parameters=np.nan,
                        error=f"{type(exc).__name__}: {exc}",
                    )
                print(
                    f"   seed {seed} {name:<13} acc {row['accuracy']:.3f}  "
                    f"fit {row['fit_seconds']:.1f} s",
                    flush=True,
                )
                rows.append(row)
    return pd.DataFrame(rows), fitted, test_sets


# %%
# Claim 1: accuracy equivalence and training-time ratio
# ------------------------------------------------------
def claim_1(results, out):
    subjects = results.groupby("dataset")["subject"].nunique()
    multi = results[results["dataset"].isin(subjects[subjects > 1].index)]
    single = results[results["dataset"].isin(subjects[subjects == 1].index)]
    tables, sentences = [], []
    for one_d, two_d in PAIRS:
        kwargs = dict(baseline=one_d, models=[two_d], margin=MARGIN, metric="accuracy")
        if len(multi):
            tables.append(paired_comparison(multi, **kwargs).assign(unit="subject"))
        for ds in pd.unique(single["dataset"]):
            part = single[single["dataset"] == ds]
            if part["seed"].nunique() > 1:  # seeds as the units: this one subject only
                tables.append(paired_comparison(part, subject="seed", **kwargs).assign(unit="seed"))
    table = pd.concat(tables, ignore_index=True)
    for unit, part in table.groupby("unit", sort=False):
        prefix = "" if unit == "subject" else "[one subject only] "
        lines = format_comparisons(part.drop(columns="unit"), unit=f"{unit}s")
        sentences += [prefix + s for s in lines]
    table.to_csv(out / "stats.csv", index=False)
    fig, axes = plt.subplots(2, 2, figsize=(13, 8), layout="constrained")
    for row, (one_d, two_d) in enumerate(PAIRS):
        part = table[(table["unit"] == "subject") & (table["model"] == two_d)]
        if len(part):
            plot_forest(part, two_d, one_d, quantity="accuracy", ax=axes[row, 0])
            plot_forest(part, two_d, one_d, quantity="fit_seconds", ax=axes[row, 1])
    fig.savefig(out / "claim1_forest.png", dpi=110)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5), layout="constrained")
    for ax, (one_d, two_d) in zip(axes, PAIRS, strict=True):
        if len(multi):
            plot_paired(multi, two_d, one_d, ax=ax)
    fig.savefig(out / "claim1_paired.png", dpi=110)
    return sentences


# %%
# Claim 2: agreement of band-importance profiles
# -----------------------------------------------
def claim_2(fitted, test_sets, scale, out):
    rows = []
    for (ds, subject, seed, name), model in fitted.items():
        X_te, y_te, sfreq = test_sets[(ds, subject)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # short trials: MNE's filter-length warnings
            imp = band_importance(
                model,
                X_te,
                y_te,
                sfreq=sfreq,
                n_repeats=1,
                transition_bandwidth=4.0 if X_te.shape[-1] / sfreq < 2 else 2.0,
            )
        for band, value in zip(imp["band"], imp["importance"], strict=True):
            rows.append(
                {
                    "dataset": ds,
                    "subject": subject,
                    "seed": seed,
                    "model": name,
                    "band": band,
                    "importance": value,
                }
            )
    bands = pd.DataFrame(rows)
    bands.to_csv(out / "bands.csv", index=False)
    # Per subject: r(mean 1D profile, mean 2D profile) "across", against r between two halves
    # of the seeds of one kind "within" (mean of the two kinds). Seeds split in two halves.
    agreement = []
    for (ds, subject), part in bands.groupby(["dataset", "subject"], sort=False):
        seeds = list(_seeds(scale, ds))
        half = [seeds[: len(seeds) // 2], seeds[len(seeds) // 2 :]]
        profile = part.pivot_table(
            index="band", columns=["model", "seed"], values="importance", sort=False
        )
        for one_d, two_d in PAIRS:
            if one_d not in profile or two_d not in profile:
                continue

            def r(a, b):
                a, b = np.asarray(a), np.asarray(b)
                if a.std() == 0 or b.std() == 0:
                    return np.nan
                return stats.pearsonr(a, b).statistic

            across = r(profile[one_d].mean(axis=1), profile[two_d].mean(axis=1))
            halves = [
                r(profile[k][half[0]].mean(axis=1), profile[k][half[1]].mean(axis=1))
                for k in (one_d, two_d)
            ]
            # a flat profile (a model at chance: no band matters) has no correlation
            within = np.nanmean(halves) if np.isfinite(halves).any() else np.nan
            network = "ShallowNet" if one_d == "conv1d" else "hybrid"
            for kind, value in (("1D-2D", across), ("within-kind", within)):
                agreement.append(
                    {
                        "dataset": ds,
                        "subject": subject,
                        "network": network,
                        "model": kind,
                        "agreement": value,
                        "error": None,
                    }
                )
    agreement = pd.DataFrame(agreement)
    agreement.to_csv(out / "agreement.csv", index=False)
    agreement = agreement.dropna(subset=["agreement"])
    sentences = []
    subjects = agreement.groupby("dataset")["subject"].nunique()
    for network, part in agreement.groupby("network", sort=False):
        part = part[part["dataset"].isin(subjects[subjects > 1].index)]
        try:
            table = paired_comparison(
                part,
                baseline="within-kind",
                metric="agreement",
                margin=0.1,
                times=None,
                missing="drop",  # a subject whose models are at chance has flat profiles
            )
        except ValueError as exc:
            sentences.append(f"{network}: band-importance agreement not testable ({exc})")
            continue
        for _, row in table.iterrows():
            combined = row["n_datasets"] > 1
            sentences.append(
                f"{network}, {row['dataset']} ({row['n_subjects']} subjects): band-importance "
                f"profile agreement (Pearson r) 1D-2D {row['model_mean']:.2f} vs within-kind "
                f"{row['baseline_mean']:.2f} (means over subjects), "
                + ("random-effects difference " if combined else "difference ")
                + f"{row['estimate']:+.2f} [95 % CI {row['ci_low']:+.2f}, {row['ci_high']:+.2f}] "
                + (f"(Stouffer p = {row['p']:.3f}), " if combined else f"(p = {row['p']:.3f}), ")
                + (
                    "equivalent within ±0.1"
                    if row["equivalent"]
                    else "not shown equivalent within ±0.1"
                )
                + f" (TOST p = {row['p_tost']:.3f})."
            )
    return sentences


# %%
# Claim 3: 1D-2D versus within-kind similarity at every shared layer
# -------------------------------------------------------------------
# The layers compared: the stem (the 1D/2D difference itself), the pooled features, and for
# the hybrids the projection to tokens, each transformer layer and the pooled token; then
# the class scores. (Batch norm, activations and dropout at eval time only rescale or copy
# the layer before them.)
STUDY_LAYERS = re.compile(r"stem|pool|projection|encoder\.layers\.\d+|token_mean|classifier")


def _shared_layers(a, b, X):
    names = [n for n, _ in a.net_.module_.named_modules() if STUDY_LAYERS.fullmatch(n)]
    other = {n for n, _ in b.net_.module_.named_modules() if n}
    usable = []
    for name in (n for n in names if n in other):
        try:
            layer_activations(a, X[:2], name)
            layer_activations(b, X[:2], name)
        except ValueError:  # a layer that does not run (e.g. the 2D stem's folded conv)
            continue
        usable.append(name)
    return usable


def _stratified_permutation(matrices, labels, n_resamples=9999, seed=0):
    """One-sided p of "within-kind similarity exceeds 1D-2D similarity".

    ``matrices``: one (m, m) similarity matrix per subject, ``labels``: for each, its m kind
    labels (m may differ between subjects, e.g. datasets with other numbers of seeds). Kind
    labels are permuted within each subject (the seeds of a subject are exchangeable under the
    null); the statistic is the mean over subjects of (within - across).
    """

    def statistic(matrix, lab):
        upper = np.triu_indices(len(lab), 1)
        same = (lab[:, None] == lab[None, :])[upper]
        values = matrix[upper]
        return values[same].mean() - values[~same].mean()

    per_subject = []
    for matrix, lab in zip(matrices, labels, strict=True):
        m, k = len(lab), int(np.sum(lab))
        null = []
        for chosen in combinations(range(m), k):
            relabel = np.zeros(m, bool)
            relabel[list(chosen)] = True
            null.append(statistic(matrix, relabel))
        per_subject.append(np.array(null))
    observed = float(
        np.mean([statistic(m, np.asarray(lab)) for m, lab in zip(matrices, labels, strict=True)])
    )
    n_total = np.prod([len(null) for null in per_subject], dtype=float)
    if n_total <= n_resamples:  # exact: every combination of relabelings
        grids = np.meshgrid(*per_subject, indexing="ij")
        null = np.mean(np.stack([g.ravel() for g in grids]), axis=0)
        return observed, float(np.mean(null >= observed - 1e-12))
    rng = np.random.default_rng(seed)
    null = np.mean([rng.choice(values, size=n_resamples) for values in per_subject], axis=0)
    return observed, float((1 + np.sum(null >= observed - 1e-12)) / (1 + n_resamples))


def claim_3(fitted, test_sets, scale, out):
    rows, sentences = [], []
    for (ds, subject), (X_te, _, _) in test_sets.items():
        seeds = _seeds(scale, ds)
        for one_d, two_d in PAIRS:
            models = {
                (kind, s): fitted.get((ds, subject, s, name))
                for kind, name in (("1D", one_d), ("2D", two_d))
                for s in seeds
            }
            if any(m is None for m in models.values()):
                continue
            keys = list(models)
            layers = _shared_layers(models[keys[0]], models[keys[-1]], X_te)
            acts = {key: layer_activations(model, X_te, layers) for key, model in models.items()}
            for layer in layers:
                flat = [acts[key][layer].reshape(len(X_te), -1) for key in keys]
                rdms = [rdm(a) for a in flat]
                for method in ("cka", "rsa"):
                    matrix = np.eye(len(keys))
                    for i, j in combinations(range(len(keys)), 2):
                        if method == "cka":
                            value = linear_cka(flat[i], flat[j])
                        else:
                            value = rsa(rdms[i], rdms[j])
                        matrix[i, j] = matrix[j, i] = value
                    rows.append(
                        {
                            "dataset": ds,
                            "subject": subject,
                            "network": one_d,
                            "layer": layer,
                            "method": method,
                            "models": keys,
                            "matrix": matrix,
                        }
                    )
    if not rows:
        return ["Claim 3: no complete set of fitted models."]
    similarity = pd.DataFrame(rows)
    # Combined: the datasets with several subjects and the same seeds per kind, pooled
    # (the permutation stays within each subject).
    counts = similarity.groupby("dataset")["subject"].nunique()
    pooled = similarity[similarity["dataset"].isin(counts[counts > 1].index)]
    if pooled["dataset"].nunique() > 1:
        label = f"{pooled['dataset'].nunique()} datasets combined"
        similarity = pd.concat([similarity, pooled.assign(dataset=label)], ignore_index=True)
    summary = []
    for (ds, network, layer, method), part in similarity.groupby(
        ["dataset", "network", "layer", "method"], sort=False
    ):
        labels = [np.array([kind == "2D" for kind, _ in keys]) for keys in part["models"]]
        matrices = list(part["matrix"])
        within, across = [], []
        for matrix, lab in zip(matrices, labels, strict=True):
            upper = np.triu_indices(len(lab), 1)
            same = (lab[:, None] == lab[None, :])[upper]
            within.append(matrix[upper][same].mean())
            across.append(matrix[upper][~same].mean())
        within, across = np.mean(within), np.mean(across)
        observed, p = _stratified_permutation(matrices, labels)
        summary.append(
            {
                "dataset": ds,
                "network": network,
                "layer": layer,
                "method": method,
                "n_subjects": len(matrices),
                "within": within,
                "across": across,
                "difference": observed,
                "p_permutation": p,
            }
        )
    summary = pd.DataFrame(summary)
    summary.to_csv(out / "similarity.csv", index=False)
    for _, row in summary.iterrows():
        sentences.append(
            f"{'ShallowNet' if row['network'] == 'conv1d' else 'hybrid'}, {row['dataset']} "
            f"({row['n_subjects']} subject(s)), layer {row['layer']!r}, {row['method'].upper()}: "
            f"within-kind {row['within']:.3f}, 1D-2D {row['across']:.3f} (difference "
            f"{row['difference']:+.3f}, permutation p = {row['p_permutation']:.2g})."
        )
    return sentences


# %%
# Run
# ---
def main(argv=None):
    parser = argparse.ArgumentParser(description="The paper's three claims, across subjects.")
    parser.add_argument(
        "--scale", choices=sorted(SCALES), default=os.environ.get("SKTIME_EEG_STUDY_SCALE", "full")
    )
    parser.add_argument("--out", default=os.environ.get("SKTIME_EEG_STUDY_OUT", "paper_study"))
    args, _ = parser.parse_known_args(argv)  # sphinx-gallery passes its own arguments
    scale = SCALES[args.scale]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    results, fitted, test_sets = train_all(scale, out)
    results.to_csv(out / "results.csv", index=False)
    lines = [f"Scale: {args.scale} {scale}", "", "Claim 1 (accuracy, training time):"]
    lines += claim_1(results, out)
    lines += ["", "Claim 2 (band importance):"] + claim_2(fitted, test_sets, scale, out)
    lines += ["", "Claim 3 (representational similarity):"]
    lines += claim_3(fitted, test_sets, scale, out)
    lines += ["", f"Total time: {(time.perf_counter() - start) / 60:.1f} min"]
    text = "\n".join(lines)
    (out / "claims.txt").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
