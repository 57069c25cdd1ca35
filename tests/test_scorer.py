"""The numpy scorer: the same numbers as the estimator, in any grouping, from stored arrays."""

import numpy as np
import pytest
from newsclean.features import paragraph_table, scan_table
from newsclean.features.signals import voice_signals, word_entries

import newsclean.scorer as scorer_module
from newsclean.classifier import first_pass_features
from newsclean.scorer import (
    BoostedTrees,
    Scorer,
    context_inputs,
    dense_width,
    extremes_in_context,
    word_extremes,
)

ARTICLES = [
    "Council approves the budget\nThe council voted on Tuesday to approve the budget.\nSign up",
    "",
    "Give now\nMonthly\nOne-time",
    "A single long paragraph about the harbour, the ferries and the new timetable.",
    "",
    "Read more\nThe mayor said the plan would be ready in June.\nShare this story",
]


def _paragraphs_and_lengths(articles):
    table = paragraph_table(articles)
    lengths = [int((table["article_id"] == i).sum()) for i in range(len(articles))]
    return table, table["text"].tolist(), lengths


@pytest.mark.parametrize("group", [1, 2, 3, 5, 2048])
def test_grouped_scores_equal_one_scan(tiny_model, monkeypatch, group):
    table, paragraphs, lengths = _paragraphs_and_lengths(ARTICLES)
    scorer = tiny_model.scorer_
    whole = scorer.scores(scan_table(table, scorer.max_chars))
    monkeypatch.setattr(scorer_module, "GROUP_PARAGRAPHS", group)
    grouped = scorer.score_paragraphs(paragraphs, lengths)
    # exactly: an article's scores do not depend on which articles were scored with it
    assert np.array_equal(grouped[0], whole[0]) and np.array_equal(grouped[1], whole[1])


def test_estimator_and_scorer_agree(tiny_model):
    table, paragraphs, lengths = _paragraphs_and_lengths(ARTICLES)
    estimator = tiny_model.predict_proba(table)[:, 0]
    assert np.allclose(tiny_model.scorer_.score_paragraphs(paragraphs, lengths)[1], estimator)


def test_first_pass_equals_the_fitted_linear_model(tiny_model):
    # The scorer folds the standardisation into the weights and weighs the neighbours' shape
    # before gathering it; the result must still be the fitted SGD model's probability.
    table, _, _ = _paragraphs_and_lengths(ARTICLES)
    scorer = tiny_model.scorer_
    scan = scan_table(table, scorer.max_chars)
    features = first_pass_features(
        scan,
        n_features=scorer.n_features,
        window=scorer.window,
        scaling=(scorer.dense_mean, scorer.dense_scale),
    ).matrix
    expected = tiny_model.first_pass_.predict_proba(features)[:, 1]
    assert np.abs(scorer.dense_coef[18:94]).max() > 0  # the neighbour weights are in play
    assert np.allclose(scorer.scores(scan)[0], expected, atol=1e-5)  # word weights are float32


def test_word_extremes():
    rows = np.array([2, 0, 0, 2, 0])
    weights = np.array([3.0, 1.0, -2.0, 0.5, 0.25])
    expected = [[1.0, -2.0], [0.0, 0.0], [3.0, 0.5], [0.0, 0.0]]  # rows 1 and 3 have no words
    assert word_extremes(rows, weights, 4).tolist() == expected


def test_extremes_in_context():
    extremes = np.array([[1.0, -1.0], [2.0, -2.0], [3.0, -3.0]])
    bounds = (np.array([0, 0, 2]), np.array([2, 2, 3]))  # articles [0, 1] and [2]
    assert extremes_in_context(extremes, bounds).tolist() == [
        [1.0, -1.0, 0.0, 0.0, 2.0, -2.0],  # own, previous (none), next
        [2.0, -2.0, 1.0, -1.0, 0.0, 0.0],  # the next paragraph is another article's
        [3.0, -3.0, 0.0, 0.0, 0.0, 0.0],
    ]


def test_context_pass_reads_what_it_was_fitted_on(tiny_model):
    # The final score is the fitted trees' probability on the inputs fit() lays out: first-pass
    # logits in context, voice, and the extremes of the paragraph's word weights.
    table, _, _ = _paragraphs_and_lengths(ARTICLES)
    scorer = tiny_model.scorer_
    scan = scan_table(table, scorer.max_chars)
    raw, final = scorer.scores(scan)
    rows, columns, _ = word_entries(scan, scorer.n_features)
    extremes = word_extremes(rows, scorer.word_coef[columns].astype(np.float64), scan.n)
    per_row = [scorer.word_coef[columns[rows == i]] for i in range(scan.n)]
    assert extremes.tolist() == [[w.max(), w.min()] if len(w) else [0, 0] for w in per_row]
    bounds = (scan.article_starts, scan.article_ends)
    inputs = context_inputs(raw, voice_signals(scan), bounds, scorer.window, extremes)
    assert inputs.shape[1] == scorer_module.context_width(scorer.window)
    assert np.allclose(final, tiny_model.context_.predict_proba(inputs)[:, 1])


def test_arrays_round_trip(tiny_model):
    _, paragraphs, lengths = _paragraphs_and_lengths(ARTICLES)
    again = Scorer.from_arrays(tiny_model.scorer_.to_arrays())
    assert np.array_equal(
        again.score_paragraphs(paragraphs, lengths)[1],
        tiny_model.scorer_.score_paragraphs(paragraphs, lengths)[1],
    )


def test_no_paragraphs(tiny_model):
    raw, final = tiny_model.scorer_.score_paragraphs([], [0, 0])
    assert raw.shape == final.shape == (0,)


@pytest.mark.parametrize("lengths", [[1], [2, 1], [-1, 3]])
def test_lengths_must_cover_the_paragraphs(tiny_model, lengths):
    with pytest.raises(ValueError, match="article_lengths"):
        tiny_model.scorer_.score_paragraphs(["a", "b"], lengths)


def test_feature_names_match_the_learned_weights(tiny_model):
    scorer = tiny_model.scorer_
    n_weights = len(scorer.word_coef) + len(scorer.ngram_coef) + len(scorer.dense_coef)
    assert len(tiny_model.get_feature_names_out()) == n_weights


@pytest.mark.parametrize("n_rows", [1, 57])
def test_boosted_trees_match_scikit_learn(n_rows):
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 5))
    X[:, 3] = rng.integers(0, 3, 600)  # ties at split thresholds: "at most" must go left
    y = (X[:, 0] * X[:, 1] + X[:, 3] > 0.5).astype(int)
    model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(X, y)
    trees = BoostedTrees.from_histogram_boosting(model)
    assert trees.tree_depth.max() > trees.tree_depth.min() > 0  # uneven: shallow ones padded
    assert len(trees.roots) == model.n_iter_
    rows = np.vstack([X[:n_rows], rng.normal(size=(n_rows, 5))])
    assert np.allclose(trees.decision_function(rows), model.decision_function(rows))
    assert trees.decision_function(np.zeros((0, 5))).shape == (0,)


def test_leaves_above_the_bottom_level_keep_their_values():
    # Tree 0: x0 <= 1 ? (x1 <= 0 ? 1 : 2) : 3, with the leaf 3 one level above the bottom.
    # Tree 1: a single leaf, 10.
    trees = BoostedTrees(
        feature=np.array([0, 1, 0, 0, 0, 0]),
        threshold=np.array([1.0, 0.0, np.inf, np.inf, np.inf, np.inf]),
        children=np.array([1, 2, 3, 4, 2, 2, 3, 3, 4, 4, 5, 5]),
        value=np.array([0.0, 0.0, 3.0, 1.0, 2.0, 10.0]),
        roots=np.array([0, 5]),
        tree_depth=np.array([2, 0]),
        baseline=0.5,
    )
    X = np.array([[0.0, -1.0], [0.0, 1.0], [5.0, -1.0], [1.0, 0.0]])
    assert trees.decision_function(X).tolist() == [11.5, 12.5, 13.5, 11.5]
    stumps = BoostedTrees(
        feature=np.zeros(2, dtype=np.int64),
        threshold=np.full(2, np.inf),
        children=np.array([0, 0, 1, 1]),
        value=np.array([1.0, 2.0]),
        roots=np.array([0, 1]),
        tree_depth=np.array([0, 0]),
        baseline=0.5,
    )
    assert stumps.decision_function(X).tolist() == [3.5] * 4


def test_boosted_trees_refuse_corrupt_arrays(tiny_model):
    arrays = tiny_model.scorer_.to_arrays()
    arrays["context_children"] = arrays["context_children"].copy()
    arrays["context_children"][0] = len(arrays["context_children"]) + 5
    with pytest.raises(ValueError, match="points outside"):
        Scorer.from_arrays(arrays)
    arrays = tiny_model.scorer_.to_arrays()
    arrays["context_tree_depth"] = arrays["context_tree_depth"] + 20
    with pytest.raises(ValueError, match="deeper than"):
        Scorer.from_arrays(arrays)
    arrays = tiny_model.scorer_.to_arrays()
    arrays["context_feature"] = arrays["context_feature"] + 1000
    with pytest.raises(ValueError, match="inputs beyond"):
        Scorer.from_arrays(arrays)
    arrays = tiny_model.scorer_.to_arrays()
    arrays["context_feature"] = arrays["context_feature"] - 1  # a leaf's 0 becomes -1
    with pytest.raises(ValueError, match="negative input index"):
        Scorer.from_arrays(arrays)


def test_scores_are_separate_arrays_without_a_context_pass(tiny_model):
    arrays = {k: v for k, v in tiny_model.scorer_.to_arrays().items() if "context" not in k}
    raw, final = Scorer.from_arrays(arrays).score_paragraphs(["One line.", "Two."], [2])
    final[0] = -1.0
    assert raw[0] != -1.0


def test_scorer_refuses_dense_weights_of_another_layout(tiny_model):
    arrays = tiny_model.scorer_.to_arrays()
    assert len(arrays["dense_coef"]) == dense_width(tiny_model.scorer_.window)
    arrays["dense_coef"] = arrays["dense_coef"][:-1]
    with pytest.raises(ValueError, match="dense_coef has shape"):
        Scorer.from_arrays(arrays)


def test_tree_walk_in_row_blocks_equals_one_walk(tiny_model, monkeypatch):
    trees = tiny_model.scorer_.context
    X = np.random.default_rng(1).normal(size=(1000, scorer_module.context_width(2)))
    whole = trees.decision_function(X)
    monkeypatch.setattr(scorer_module, "TREE_BLOCK_ROWS", 64)
    assert np.array_equal(trees.decision_function(X), whole)
    # one row alone (numpy would sum its leaves in another order) and a last block of one row
    assert all(trees.decision_function(X[i : i + 1])[0] == whole[i] for i in range(20))
    assert np.array_equal(trees.decision_function(X[:65]), whole[:65])


def test_shipped_trees_read_the_word_extremes():
    # The shipped model's trees split on the extremes (the last six context inputs), so the
    # scorer must hand them over where fit() laid them out; the tiny model never splits there.
    from newsclean.predict import load_scorer
    from tests.corpus import make_corpus

    scorer, _ = load_scorer()
    width = scorer_module.context_width(scorer.window)
    assert (scorer.context.feature >= width - 6).any()
    table = make_corpus(40)
    scan = scan_table(table, scorer.max_chars)
    raw, final = scorer.scores(scan)
    rows, columns, _ = word_entries(scan, scorer.n_features)
    extremes = word_extremes(rows, scorer.word_coef[columns].astype(np.float64), scan.n)
    bounds = (scan.article_starts, scan.article_ends)

    def trees(extremes: np.ndarray) -> np.ndarray:
        inputs = context_inputs(raw, voice_signals(scan), bounds, scorer.window, extremes)
        return scorer_module.sigmoid(scorer.context.decision_function(inputs))

    assert np.array_equal(final, trees(extremes))
    assert not np.allclose(final, trees(np.zeros_like(extremes)))  # this test can tell


def _long_articles():
    """Articles in one group: a long one (long runs of short lines, long paragraphs at both
    ends), an empty one, one of one paragraph, and a short one, as paragraphs and lengths."""
    import random

    from tests.corpus import make_article

    rng = random.Random(3)
    long_article = []
    for _ in range(30):
        long_article += make_article(rng, n_story=rng.randint(0, 8))[0]
    articles = [long_article, [], ["Give now"], make_article(rng)[0]]
    return [p for a in articles for p in a], np.array([len(a) for a in articles])


@pytest.mark.parametrize("model", ["shipped", "tiny", "graded"])
@pytest.mark.parametrize("window_rows", [1, 2, 5, 64])
def test_windowed_scoring_equals_one_scan(model, window_rows, request):
    from newsclean.features.scan import bounds_from_lengths, scan_texts

    from newsclean.predict import load_scorer

    scorer = (
        load_scorer(None)[0]
        if model == "shipped"
        else request.getfixturevalue(f"{model}_model").scorer_
    )
    paragraphs, lengths = _long_articles()
    bounds = bounds_from_lengths(lengths)
    assert len(paragraphs) > 3 * window_rows  # several windows, cut inside and between articles
    whole = scorer.scores(scan_texts(paragraphs, scorer.max_chars, bounds))
    windowed = scorer.score_texts(paragraphs, bounds, window_rows=window_rows)
    # exactly equal, not close: kept paragraphs must not depend on how the article was read
    np.testing.assert_array_equal(windowed[0], whole[0])
    np.testing.assert_array_equal(windowed[1], whole[1])


def test_score_paragraphs_windows_a_long_article(monkeypatch):
    from newsclean.predict import load_scorer

    scorer = load_scorer(None)[0]
    paragraphs, lengths = _long_articles()
    whole = scorer.score_paragraphs(paragraphs, lengths)
    scanned = []

    def counting_scan(texts, *args, **kwargs):
        scanned.append(len(texts))
        return scan_texts(texts, *args, **kwargs)

    scan_texts = scorer_module.scan_texts
    monkeypatch.setattr(scorer_module, "scan_texts", counting_scan)
    monkeypatch.setattr(scorer_module, "WINDOW_ROWS", 16)
    windowed = scorer.score_paragraphs(paragraphs, lengths)
    # windows of 16 rows and the 2 neighbours each side
    assert len(scanned) == -(-len(paragraphs) // 16) and max(scanned) == 16 + 2 * 2
    np.testing.assert_array_equal(windowed[0], whole[0])
    np.testing.assert_array_equal(windowed[1], whole[1])
