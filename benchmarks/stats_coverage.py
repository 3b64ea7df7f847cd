"""Coverage of paired_comparison's confidence intervals and size of its tests, by simulation.

Each replication is one "dataset" of a results table with a known true difference between
two models; one call of ``paired_comparison`` analyses all of them. Prints, for each interval
method and number of subjects, the fraction of 95 % intervals that contain the truth, and
the rejection rate at alpha = 0.05 of the permutation and Wilcoxon tests when the true
difference is zero.

    python benchmarks/stats_coverage.py [--reps 1000]

Two kinds of differences: "normal" (per-subject accuracy differences ~ N(0.01, 0.03)) and
"binomial" (accuracies of two models on 40 test trials, true rates 0.01 apart: discrete,
tied differences, as real accuracies are).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from sktime_eeg.evaluation import paired_comparison


def table(rng, n_subjects, n_reps, kind, delta):
    rows = []
    for rep in range(n_reps):
        for subject in range(n_subjects):
            if kind == "normal":
                b = rng.uniform(0.6, 0.9)
                a = b + delta + rng.normal(0, 0.03)
            else:
                p = rng.uniform(0.55, 0.85)
                a, b = rng.binomial(40, p + delta) / 40, rng.binomial(40, p) / 40
            for model, score in (("m", a), ("b", b)):
                rows.append({"dataset": f"r{rep}", "subject": subject, "model": model,
                             "accuracy": score})  # fmt: skip
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000)
    args = parser.parse_args()
    print(f"{args.reps} replications per cell; 95 % intervals, tests at alpha = 0.05")
    print(f"{'kind':<9}{'n':>4}  {'method':<11}{'coverage':>9}  {'size perm':>9}  "
          f"{'size wilcoxon':>13}")  # fmt: skip
    for kind in ("normal", "binomial"):
        for n in (6, 12, 20) if kind == "normal" else (6,):  # ties make Wilcoxon slow
            rng = np.random.default_rng(n)
            shifted = table(rng, n, args.reps, kind, 0.01)
            null = table(rng, n, args.reps, kind, 0.0)
            for method in ("t", "BCa", "percentile"):
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    stats = paired_comparison(
                        shifted, "b", times=None, ci_method=method, n_bootstrap=999,
                        n_permutations=999,
                    )  # fmt: skip
                per = stats[stats["dataset"] != "combined"]
                coverage = np.mean((per["ci_low"] <= 0.01) & (0.01 <= per["ci_high"]))
                size = ""
                if method == "t":
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        stats = paired_comparison(null, "b", times=None, n_permutations=999)
                    per = stats[stats["dataset"] != "combined"]
                    p_perm, p_wilcoxon = np.mean(per["p"] < 0.05), np.mean(per["p_wilcoxon"] < 0.05)
                    size = f"{p_perm:>9.3f}  {p_wilcoxon:>13.3f}"
                print(f"{kind:<9}{n:>4}  {method:<11}{coverage:>9.3f}  {size}"
                      f"   ({time.perf_counter() - start:.0f} s)", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
