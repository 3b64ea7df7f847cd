"""Paired statistics across subjects: validated on simulated result tables with a known truth."""

import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sktime_eeg.evaluation._stats import (
    STATS_COLUMNS,
    _dersimonian_laird,
    _holm,
    format_comparisons,
    paired_comparison,
)

# Binomial tolerance of a rate measured on 200 replications: 3 standard deviations.
_REPS = 200


def _tolerance(rate: float, reps: int = _REPS) -> float:
    return 3 * math.sqrt(rate * (1 - rate) / reps)


def _table(
    rng,
    *,
    n_subjects=8,
    datasets=("a",),
    effects=None,
    sd=0.03,
    n_folds=1,
    fit=None,
):
    """A compare()-like table: baseline "b" and models with true mean differences ``effects``.

    Each subject has its own level (uniform 0.6-0.9); each model's per-subject difference from
    the baseline is ``effect + N(0, sd)``; folds add N(0, 0.01) around the subject's score.
    ``fit`` maps models to their true fit-time ratio to the baseline (log-normal noise).
    """
    effects = {"m": 0.0} if effects is None else effects
    fit = fit or {}
    rows = []
    for ds in datasets:
        for subject in range(n_subjects):
            level = rng.uniform(0.6, 0.9)
            scores = {"b": level}
            for model, effect in effects.items():
                scores[model] = level + effect + rng.normal(0.0, sd)
            for model, score in scores.items():
                for fold in range(n_folds):
                    rows.append(
                        {
                            "dataset": ds,
                            "subject": subject + 1,
                            "model": model,
                            "fold": fold,
                            "accuracy": score + (rng.normal(0, 0.01) if n_folds > 1 else 0.0),
                            "fit_seconds": 10.0
                            * fit.get(model, 1.0)
                            * math.exp(rng.normal(0, 0.1)),
                            "predict_ms_per_trial": 0.1 * math.exp(rng.normal(0, 0.1)),
                            "error": None,
                        }
                    )
    return pd.DataFrame(rows)


def _fast(**kwargs):
    return {"times": None, "n_bootstrap": 999, **kwargs}


# -- agreement with scipy on the same input -----------------------------------------------------
def test_matches_scipy_on_the_same_input():
    rng = np.random.default_rng(0)
    results = _table(rng, n_subjects=9, effects={"m": 0.01}, n_folds=3)
    table = paired_comparison(results, "b", margin=0.02, times=None, random_state=3)
    assert list(table.columns) == list(STATS_COLUMNS)
    row = table.iloc[0]
    per_subject = results.groupby(["subject", "model"])["accuracy"].mean().unstack()
    x, y = per_subject["m"].to_numpy(), per_subject["b"].to_numpy()
    d = x - y
    assert row["n_subjects"] == 9 and row["n_datasets"] == 1
    assert row["estimate"] == pytest.approx(d.mean())
    assert row["model_mean"] == pytest.approx(x.mean())
    assert row["baseline_mean"] == pytest.approx(y.mean())
    ci = stats.ttest_1samp(d, 0.0).confidence_interval(0.95)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((ci.low, ci.high))
    assert row["effect_size"] == pytest.approx(d.mean() / d.std(ddof=1))
    assert row["p_wilcoxon"] == pytest.approx(stats.wilcoxon(x, y).pvalue)
    permutation = stats.permutation_test(
        (x, y),
        lambda a, b, axis: np.mean(a - b, axis=axis),
        permutation_type="samples",
        vectorized=True,
        n_resamples=np.inf,
    )
    assert row["p"] == pytest.approx(permutation.pvalue)  # 2**9 flips: exact
    assert row["p_holm"] == row["p"]  # one comparison: nothing to correct
    p_tost = max(
        stats.ttest_1samp(d, -0.02, alternative="greater").pvalue,
        stats.ttest_1samp(d, 0.02, alternative="less").pvalue,
    )
    assert row["p_tost"] == pytest.approx(p_tost)
    assert row["equivalent"] == (p_tost < 0.05)
    # The bootstrap interval is scipy's paired bootstrap with the same seed.
    boot = paired_comparison(results, "b", times=None, ci_method="BCa", n_bootstrap=999)
    expected = stats.bootstrap(
        (x, y),
        lambda a, b, axis: np.mean(a - b, axis=axis),
        paired=True,
        vectorized=True,
        n_resamples=999,
        rng=np.random.default_rng(0),
    ).confidence_interval
    assert (boot["ci_low"][0], boot["ci_high"][0]) == pytest.approx(tuple(expected))


def test_time_ratios_are_geometric_means_of_per_subject_ratios():
    rng = np.random.default_rng(1)
    results = _table(rng, n_subjects=7, fit={"m": 0.1})
    table = paired_comparison(results, "b", metric="accuracy")
    assert table["quantity"].tolist() == ["accuracy", "fit_seconds", "predict_ms_per_trial"]
    assert table["kind"].tolist() == ["difference", "ratio", "ratio"]
    fit = table.iloc[1]
    per_subject = results.groupby(["subject", "model"])["fit_seconds"].mean().unstack()
    log_ratio = np.log(per_subject["m"] / per_subject["b"]).to_numpy()
    assert fit["estimate"] == pytest.approx(math.exp(log_ratio.mean()))
    ci = stats.ttest_1samp(log_ratio, 0.0).confidence_interval()
    assert (fit["ci_low"], fit["ci_high"]) == pytest.approx((math.exp(ci.low), math.exp(ci.high)))
    assert fit["ci_low"] < 0.1 < fit["ci_high"]  # the true ratio
    assert np.isnan(fit["p_tost"]) and fit["equivalent"] is None and np.isnan(fit["margin"])


def test_holm_matches_statsmodels():
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    p = np.array([0.01, 0.04, 0.03, 0.2, 0.005, np.nan])
    expected = multitest.multipletests(p[:-1], method="holm")[1]
    np.testing.assert_allclose(_holm(p)[:-1], expected)
    assert np.isnan(_holm(p)[-1])


def test_holm_is_applied_over_the_models_of_a_dataset_and_quantity():
    rng = np.random.default_rng(2)
    results = _table(
        rng, n_subjects=8, datasets=("a", "c"), effects={"m1": 0.02, "m2": 0.0, "m3": 0.05}
    )
    table = paired_comparison(results, "b", **_fast())
    for _, group in table.groupby(["dataset", "quantity"]):
        assert len(group) == 3
        np.testing.assert_allclose(group["p_holm"], _holm(group["p"].to_numpy()))


# -- meta-analysis and combination across datasets --------------------------------------------
# BCG vaccine trials (Colditz et al., 1994): log relative risks and their sampling variances
# from the 2x2 tables; the DerSimonian-Laird fit is the textbook example of random effects.
_BCG = np.array(
    [
        [4, 119, 11, 128],
        [6, 300, 29, 274],
        [3, 228, 11, 209],
        [62, 13536, 248, 12619],
        [33, 5036, 47, 5761],
        [180, 1361, 372, 1079],
        [8, 2537, 10, 619],
        [505, 87886, 499, 87892],
        [29, 7470, 45, 7232],
        [17, 1699, 65, 1600],
        [186, 50448, 141, 27197],
        [5, 2493, 3, 2338],
        [27, 16886, 29, 17825],
    ],
    dtype=float,
)


def test_dersimonian_laird_textbook_example():
    tpos, tneg, cpos, cneg = _BCG.T
    y = np.log(tpos / (tpos + tneg) / (cpos / (cpos + cneg)))
    v = 1 / tpos - 1 / (tpos + tneg) + 1 / cpos - 1 / (cpos + cneg)
    mean, se, tau2, i2 = _dersimonian_laird(y, v)
    # Published DL values for these data: estimate -0.7141 (SE 0.1787), tau^2 = 0.3088,
    # I^2 = 92.12 %.
    assert mean == pytest.approx(-0.7141, abs=1e-4)
    assert se == pytest.approx(0.1787, abs=1e-4)
    assert tau2 == pytest.approx(0.3088, abs=1e-4)
    assert i2 == pytest.approx(0.9212, abs=1e-4)
    meta = pytest.importorskip("statsmodels.stats.meta_analysis")
    res = meta.combine_effects(y, v, method_re="dl")
    assert (mean, tau2, i2) == pytest.approx((res.mean_effect_re, res.tau2, res.i2))


def test_combined_rows_meta_analyse_the_datasets_and_stouffer_their_p_values():
    rng = np.random.default_rng(4)
    results = _table(rng, n_subjects=6, datasets=("a", "c", "e"), effects={"m": 0.01})
    results = results[~((results["dataset"] == "e") & (results["subject"] > 4))]  # 4 subjects
    table = paired_comparison(results, "b", **_fast())
    per = table[table["dataset"] != "combined"]
    combined = table[table["dataset"] == "combined"].iloc[0]
    assert per["n_subjects"].tolist() == [6, 6, 4]
    assert combined["n_subjects"] == 16 and combined["n_datasets"] == 3
    y, v, n, p_greater, p_less = [], [], [], [], []
    for ds in ("a", "c", "e"):
        sub = results[results["dataset"] == ds]
        scores = sub.groupby(["subject", "model"])["accuracy"].mean().unstack()
        d = (scores["m"] - scores["b"]).to_numpy()
        y.append(d.mean())
        v.append(d.var(ddof=1) / d.size)
        n.append(d.size)
        for alternative, out in (("greater", p_greater), ("less", p_less)):
            out.append(
                stats.permutation_test(
                    (scores["m"].to_numpy(), scores["b"].to_numpy()),
                    lambda a, b, axis: np.mean(a - b, axis=axis),
                    permutation_type="samples",
                    vectorized=True,
                    n_resamples=np.inf,
                    alternative=alternative,
                ).pvalue
            )
    mean, se, tau2, i2 = _dersimonian_laird(np.array(y), np.array(v))
    assert combined["estimate"] == pytest.approx(mean)
    z = stats.norm.ppf(0.975)
    assert (combined["ci_low"], combined["ci_high"]) == pytest.approx(
        (mean - z * se, mean + z * se)
    )
    assert (combined["tau2"], combined["i2"]) == pytest.approx((tau2, i2))

    # Stouffer by hand: z_i = Phi^-1(1 - p_i), weighted by sqrt(n_i).
    def stouffer(p):
        w = np.sqrt(n)
        return stats.norm.sf(np.sum(w * stats.norm.isf(p)) / np.sqrt(np.sum(w**2)))

    expected = min(1.0, 2 * min(stouffer(np.array(p_greater)), stouffer(np.array(p_less))))
    assert combined["p"] == pytest.approx(expected)
    assert np.isnan(combined["p_wilcoxon"]) and np.isnan(combined["effect_size"])
    assert combined["p_tost"] == pytest.approx(
        max(stats.norm.sf((mean + 0.02) / se), stats.norm.cdf((mean - 0.02) / se))
    )


def test_a_one_sided_p_of_one_that_forces_stouffer_is_said():
    rng = np.random.default_rng(23)
    results = _table(rng, n_subjects=8, datasets=("a", "c"), effects={"m": 0.05}, sd=0.01)
    tied = results["dataset"] == "a"  # the models tie on every subject of "a": p_greater = 1
    results.loc[tied & (results["model"] == "m"), "accuracy"] = results.loc[
        tied & (results["model"] == "b"), "accuracy"
    ].to_numpy()
    combined = paired_comparison(results, "b", **_fast()).iloc[-1]
    assert combined["p"] == 1.0  # Stouffer with z = -inf, though "c" alone gives p < 0.01
    assert "dataset(s) ['a'] have a one-sided permutation p of exactly 1" in combined["note"]
    # every subject better in both datasets: p_less = 1 where no dataset points: no note
    agree = _table(rng, n_subjects=6, datasets=("a", "c"), effects={"m": 0.05}, sd=0.001)
    assert "exactly 1" not in paired_comparison(agree, "b", **_fast()).iloc[-1]["note"]


# -- validated behaviour on simulated truth ----------------------------------------------------
def test_interval_coverage_and_test_sizes_on_simulated_truth():
    """Each replication is one "dataset" of the table; one call analyses all of them."""
    rng = np.random.default_rng(5)
    truth = 0.01
    results = _table(
        rng,
        n_subjects=8,
        datasets=[f"r{i}" for i in range(_REPS)],
        effects={"null": 0.0, "shift": truth, "at_margin": 0.02},
        sd=0.03,
    )
    table = paired_comparison(results, "b", margin=0.02, **_fast())
    per = table[table["dataset"] != "combined"]
    shift, null = per[per["model"] == "shift"], per[per["model"] == "null"]
    coverage = np.mean((shift["ci_low"] <= truth) & (truth <= shift["ci_high"]))
    assert abs(coverage - 0.95) <= _tolerance(0.95), coverage
    for column in ("p", "p_wilcoxon"):
        size = np.mean(null[column] < 0.05)
        assert size <= 0.05 + _tolerance(0.05), (column, size)
    # TOST at a true difference equal to the margin: equivalence declared at most 5 %.
    at_margin = per.loc[per["model"] == "at_margin", "equivalent"].mean()
    assert at_margin <= 0.05 + _tolerance(0.05), at_margin
    # The combined test of 200 null datasets is a single test: it should not reject either.
    combined = table[(table["dataset"] == "combined") & (table["model"] == "null")]
    assert combined["p"].iloc[0] > 0.001


def test_bootstrap_interval_covers_with_enough_subjects():
    rng = np.random.default_rng(6)
    truth = -0.01
    results = _table(
        rng, n_subjects=30, datasets=[f"r{i}" for i in range(100)], effects={"m": truth}
    )
    table = paired_comparison(
        results, "b", ci_method="percentile", n_permutations=99, **_fast(n_bootstrap=499)
    )
    per = table[table["dataset"] != "combined"]
    coverage = np.mean((per["ci_low"] <= truth) & (truth <= per["ci_high"]))
    assert abs(coverage - 0.95) <= _tolerance(0.95, 100), coverage


def test_tost_declares_equivalence_for_a_null_difference_and_not_for_3_pp():
    rng = np.random.default_rng(7)
    results = _table(
        rng,
        n_subjects=30,
        datasets=[f"r{i}" for i in range(50)],
        effects={"same": 0.0, "worse": -0.03},
        sd=0.02,
    )
    table = paired_comparison(results, "b", margin=0.02, n_permutations=99, **_fast())
    per = table[table["dataset"] != "combined"]
    assert per.loc[per["model"] == "same", "equivalent"].mean() >= 0.9
    assert per.loc[per["model"] == "worse", "equivalent"].sum() == 0
    sentences = format_comparisons(table[table["dataset"] == "r0"])
    assert "same vs b, r0 (30 subjects): accuracy difference" in sentences[0]
    assert "equivalent within \u00b12.0 pp" in sentences[0]
    assert "not shown equivalent within \u00b12.0 pp" in sentences[1]


# -- defined behaviour on degenerate input -----------------------------------------------------
def test_identical_scores_give_defined_values_not_nan():
    rng = np.random.default_rng(9)
    results = _table(rng, n_subjects=6, effects={})
    copy = results[results["model"] == "b"].assign(model="folded")
    results = pd.concat([results, copy], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no scipy division warnings either
        table = paired_comparison(results, "b", times=None)
    row = table.iloc[0]
    assert row["estimate"] == 0 and row["ci_low"] == 0 and row["ci_high"] == 0
    assert row["p"] == 1 and row["p_wilcoxon"] == 1 and row["p_holm"] == 1
    assert row["effect_size"] == 0 and row["p_tost"] == 0 and row["equivalent"] is True
    assert "identical scores on every subject" in row["note"]
    assert "identical scores on every subject" in format_comparisons(table)[0]


def test_constant_nonzero_difference_is_a_zero_width_interval():
    rng = np.random.default_rng(10)
    results = _table(rng, n_subjects=6, effects={})
    shifted = results[results["model"] == "b"].assign(model="m")
    shifted["accuracy"] += 0.05
    table = paired_comparison(pd.concat([results, shifted]), "b", times=None)
    row = table.iloc[0]
    assert (row["estimate"], row["ci_low"], row["ci_high"]) == pytest.approx((0.05,) * 3)
    assert row["effect_size"] == math.inf and row["p_tost"] == 1 and not row["equivalent"]
    assert row["p"] == pytest.approx(2 / 2**6)  # the most extreme of 64 sign flips
    assert "6 subjects cannot give p < 0.05" not in row["note"]
    five = paired_comparison(pd.concat([results, shifted]).query("subject <= 5"), "b", times=None)
    assert "5 subjects cannot give p < 0.05" in five["note"][0]


# -- input handling ----------------------------------------------------------------------------
def test_failed_rows_are_dropped_with_a_warning_naming_them():
    rng = np.random.default_rng(11)
    results = _table(rng, n_subjects=6, n_folds=2)
    failed = (results["model"] == "m") & (results["subject"] == 3) & (results["fold"] == 1)
    results.loc[failed, "error"] = "RuntimeError: diverged"
    results.loc[failed, "accuracy"] = np.nan
    with pytest.warns(UserWarning) as record:
        table = paired_comparison(results, "b", times=None)
    messages = [str(w.message) for w in record]
    assert re.search(r"left out 1 failed row\(s\).*m fold 1 \(dataset a, subject 3\)", messages[0])
    assert re.search(r"subject\(s\) \[3\] have different numbers of successful rows for 'm' "
                     "and 'b'", messages[1])  # fmt: skip
    assert table["n_subjects"][0] == 6  # subject 3 keeps its other fold


def test_missing_metric_values_warn_and_an_empty_subject_raises():
    rng = np.random.default_rng(19)
    results = _table(rng, n_subjects=5, n_folds=2)
    results.loc[(results["model"] == "m") & (results["subject"] == 2), "accuracy"] = [0.7, np.nan]
    with pytest.warns(UserWarning, match=r"1 successful row\(s\) have no 'accuracy' value"):
        paired_comparison(results, "b", times=None)
    results.loc[(results["model"] == "m") & (results["subject"] == 2), "accuracy"] = np.nan
    with (
        pytest.warns(UserWarning),
        pytest.raises(ValueError, match=r"no 'accuracy' value at all for 'm' subject 2"),
    ):
        paired_comparison(results, "b", times=None)


def test_read_back_from_csv(tmp_path):
    rng = np.random.default_rng(12)
    results = _table(rng, n_subjects=6)
    results.to_csv(tmp_path / "r.csv", index=False)
    again = pd.read_csv(tmp_path / "r.csv")  # error column: NaN, not None
    pd.testing.assert_frame_equal(
        paired_comparison(again, "b", times=None), paired_comparison(results, "b", times=None)
    )


def test_defaults_work_on_a_compare_table():
    rng = np.random.default_rng(13)
    results = _table(rng, n_subjects=5, effects={"m": 0.0, "k": 0.01})
    table = paired_comparison(results)  # baseline: the first model ("b")
    assert set(table["baseline"]) == {"b"} and table["model"].unique().tolist() == ["m", "k"]
    no_dataset = paired_comparison(results.drop(columns="dataset"), times=None)
    assert no_dataset["dataset"].unique().tolist() == ["all"]


def test_seeds_and_folds_are_averaged_per_subject():
    rng = np.random.default_rng(14)
    one = _table(rng, n_subjects=6, n_folds=2)
    two = one.assign(seed=1, accuracy=one["accuracy"] + 0.01)
    results = pd.concat([one.assign(seed=0), two], ignore_index=True)
    table = paired_comparison(results, "b", times=None)
    assert table["n_subjects"][0] == 6
    assert table["model_mean"][0] == pytest.approx(results.query("model == 'm'").accuracy.mean())


@pytest.mark.parametrize(
    ("change", "kwargs", "match"),
    [
        (None, {"baseline": "csp"}, r"baseline 'csp' is not a model of results; its models are "
         r"\['b', 'm'\]"),
        (None, {"metric": "kappa"}, r"metric 'kappa' is not a column of results; its numeric "
         r"columns are \['subject', 'accuracy'\]"),
        (None, {"models": ["x"]}, r"model\(s\) \['x'\] are not in results"),
        (None, {"ci_method": "bca"}, "ci_method must be"),
        (None, {"margin": 0}, r"margin must lie in \(0, inf\)"),
        (None, {"missing": "skip"}, "missing must be 'raise' or 'drop'"),
        ("one_subject", {}, r"dataset 'a' has successful results of 1 subject\(s\) \[1\]; paired "
         r"statistics across subjects need at least 2. Add subjects, or leave the dataset out"),
        ("all", {}, "pass subject='test_groups'"),
        ("no_subject", {}, r"results has no 'subject' column.*tags=\{'dataset'"),
        ("unpaired", {}, r"missing pairs on dataset 'a': subject\(s\) \[4\] have 'b' but no 'm'.*"
         "missing='drop'"),
        ("protocols", {}, "mix evaluation protocols"),
        ("only_baseline", {}, "no model other than the baseline"),
        ("bad_time", {"times": "fit_seconds"}, "'fit_seconds' has non-positive"),
    ],
)  # fmt: skip
def test_errors_name_the_problem_and_the_fix(change, kwargs, match):
    rng = np.random.default_rng(15)
    results = _table(rng, n_subjects=4).drop(columns=["fold", "predict_ms_per_trial"])
    if change != "bad_time":
        results = results.drop(columns="fit_seconds")
    if change == "one_subject":
        results = results[results["subject"] == 1]
    elif change == "all":
        results = results[results["subject"] == 1].assign(subject="all")
    elif change == "no_subject":
        results = results.drop(columns="subject")
    elif change == "unpaired":
        results = results[~((results["model"] == "m") & (results["subject"] == 4))]
    elif change == "protocols":
        results = results.assign(protocol=["within-session", "cross-session"] * (len(results) // 2))
    elif change == "only_baseline":
        results = results[results["model"] == "b"]
    elif change == "bad_time":
        results.loc[0, "fit_seconds"] = 0.0
    kwargs = {"baseline": "b", **kwargs}
    with pytest.raises(ValueError, match=match):
        paired_comparison(results, **kwargs)


def test_missing_drop_leaves_the_unpaired_subject_out_with_a_warning():
    rng = np.random.default_rng(16)
    results = _table(rng, n_subjects=5)
    results = results[~((results["model"] == "m") & (results["subject"] == 2))]
    with pytest.warns(UserWarning, match=r"subject\(s\) \[2\] have 'b' but no 'm'"):
        table = paired_comparison(results, "b", times=None, missing="drop")
    assert table["n_subjects"][0] == 4


def test_rows_without_a_subject_are_refused_not_silently_dropped():
    rng = np.random.default_rng(20)
    results = _table(rng, n_subjects=6)
    untagged = results[results["subject"] == 1].assign(subject=np.nan, accuracy=0.1)
    with pytest.raises(
        ValueError,
        match=r"2 row\(s\) of model\(s\) \['b', 'm'\] have no "
        r"'subject' \(NaN\).*results\[results\['subject'\]\.notna\(\)\]",
    ):
        paired_comparison(pd.concat([results, untagged]), "b", times=None)  # fmt: skip


def test_one_subject_under_int_and_str_labels_is_refused_not_counted_twice():
    rng = np.random.default_rng(21)
    results = _table(rng, n_subjects=6, n_folds=2).astype({"subject": object})
    second = results["fold"] == 1
    results.loc[second, "subject"] = results.loc[second, "subject"].astype(str)
    with pytest.raises(
        ValueError,
        match=r"labels \[\[1, '1'\], .*one subject written with "
        r"different types.*\.astype\(str\)",
    ):
        paired_comparison(results, "b", times=None)  # fmt: skip
    from sktime_eeg.evaluation import plot_paired

    with pytest.raises(ValueError, match=r"plot_paired: the 'subject' labels \[\[1, '1'\]"):
        plot_paired(results, "m", "b")  # the drawing refuses the same table
    results["subject"] = results["subject"].astype(str)
    assert paired_comparison(results, "b", times=None)["n_subjects"][0] == 6


def test_rows_repeated_in_every_column_are_warned_about():
    rng = np.random.default_rng(22)
    results = _table(rng, n_subjects=6, n_folds=3)
    first_run = results[results["fold"] == 0]  # a crashed run, then its resumed full table
    with pytest.warns(
        UserWarning,
        match=r"12 row\(s\) repeat another row in every column.*"
        r"drop_duplicates",
    ):
        paired_comparison(pd.concat([first_run, results]), "b", times=None)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paired_comparison(results, "b", times=None)


def test_sentences_say_faster_slower_and_no_clear_difference():
    rng = np.random.default_rng(17)
    results = _table(rng, n_subjects=8, effects={"fast": 0.0, "slow": 0.0},
                     fit={"fast": 1 / 8.8, "slow": 2.0})  # fmt: skip
    sentences = format_comparisons(paired_comparison(results, "b"))
    assert "training 8." in sentences[0] and "\u00d7 faster [95 % CI" in sentences[0]
    assert "training 2." in sentences[1] and "\u00d7 slower [95 % CI" in sentences[1]
    assert "prediction time ratio" in sentences[0] and "no clear difference" in sentences[0]
    assert sentences[0].startswith("fast vs b, a (8 subjects): ")
    table = paired_comparison(results, "b", times=None)
    assert format_comparisons(table, unit="seeds")[0].startswith("fast vs b, a (8 seeds): ")
    with pytest.raises(ValueError, match="pass the table returned by paired_comparison"):
        format_comparisons(pd.DataFrame({"model": ["m"]}))


# -- plots -------------------------------------------------------------------------------------
def test_plots_draw_one_line_per_subject_and_one_row_per_dataset():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sktime_eeg.evaluation import plot_forest, plot_paired

    rng = np.random.default_rng(18)
    results = _table(rng, n_subjects=5, datasets=("a", "c"), fit={"m": 0.2})
    fig, axes = plt.subplots(1, 3)
    ax = plot_paired(results, "m", "b", ax=axes[0])
    assert ax is axes[0]
    subject_lines = [line for line in ax.get_lines() if len(line.get_xdata()) == 2
                     and list(line.get_xdata()) == [0, 1]]  # fmt: skip
    assert len(subject_lines) == 10
    table = paired_comparison(results, "b", **_fast(times="fit_seconds"))
    ax = plot_forest(table, "m", ax=axes[1])
    assert [t.get_text().split(" ")[0] for t in ax.get_yticklabels()] == ["a", "c", "combined"]
    ax = plot_forest(table, "m", quantity="fit_seconds", ax=axes[2])
    assert ax.get_xscale() == "log"
    with pytest.raises(ValueError, match=r"no row for model 'x'"):
        plot_forest(table, "x")
    with pytest.raises(ValueError, match=r"'x' is not a model of results; its models are"):
        plot_paired(results, "x", "b")
    plt.close(fig)


def test_sentences_print_the_level_the_intervals_were_computed_at():
    rng = np.random.default_rng(4)
    results = _table(rng, effects={"m": 0.02})
    half = paired_comparison(results, "b", confidence_level=0.5, **_fast())
    assert (half["confidence_level"] == 0.5).all()
    (sentence,) = format_comparisons(half)
    assert "[50 % CI" in sentence and "95 % CI" not in sentence
    mixed = pd.concat([half, paired_comparison(results, "b", **_fast())])
    with pytest.raises(ValueError, match="mixes confidence levels"):
        format_comparisons(mixed)
