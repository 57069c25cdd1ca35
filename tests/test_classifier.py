"""ParagraphClassifier's scikit-learn API, checked on paragraph tables."""

import pickle

import numpy as np
import pytest
from newsclean.features import (
    CharNgrams,
    HashedText,
    PlaceFeatures,
    ShapeFeatures,
    VoiceFeatures,
)
from sklearn.base import clone
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from newsclean.classifier import ParagraphClassifier
from tests.corpus import make_corpus

ESTIMATORS = [
    HashedText(),
    CharNgrams(),
    ShapeFeatures(),
    VoiceFeatures(),
    PlaceFeatures(),
    ParagraphClassifier(),
]


# parametrize_with_checks is not used: every featuriser and the classifier take a paragraph
# table (a DataFrame of text), so its numeric-array checks are all skipped by the input tags.
# The data-free API checks run below, and the data-dependent ones (fit returns self,
# idempotence, pickling) are redone on paragraph tables.
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_api_checks(estimator):
    name = type(estimator).__name__
    check_no_attributes_set_in_init(name, estimator)
    check_parameters_default_constructible(name, estimator)
    check_get_params_invariance(name, estimator)
    check_set_params(name, estimator)


@pytest.fixture(scope="module")
def corpus():
    c = make_corpus(40, seed=1)
    return c[["article_id", "position", "text"]], c["label"].to_numpy(), c["domain"]


def small(**params):
    return ParagraphClassifier(n_features=2**10, cv=2, random_state=0, **params)


def test_fit_returns_self_and_is_idempotent(corpus):
    X, y, groups = corpus
    model = small()
    assert model.fit(X, y, groups=groups) is model
    first = model.predict_proba(X)
    second = clone(model).fit(X, y, groups=groups).predict_proba(X)
    assert np.allclose(first, second)
    assert model.fit(X, y, groups=groups).predict_proba(X) == pytest.approx(first)


def test_pickle_round_trip(corpus):
    X, y, groups = corpus
    model = small().fit(X, y, groups=groups)
    again = pickle.loads(pickle.dumps(model))
    assert np.array_equal(model.predict_proba(X), again.predict_proba(X))


def test_both_passes_are_kept(corpus):
    X, y, groups = corpus
    scores = small().fit(X, y, groups=groups).score_paragraphs(X)
    assert list(scores.columns) == ["score_raw", "score"]
    flat = ParagraphClassifier(n_features=2**10, context=False).fit(X, y)
    s = flat.score_paragraphs(X)
    assert np.array_equal(s["score"], s["score_raw"])


def test_predict_uses_threshold(corpus):
    X, y, groups = corpus
    model = small().fit(X, y, groups=groups)
    assert set(model.set_params(threshold=0.0).predict(X)) == {"boilerplate"}
    assert set(model.set_params(threshold=1.0).predict(X)) <= {"editorial", "boilerplate"}


def test_weight_zero_rows_are_not_learned(corpus):
    X, y, _groups = corpus
    w = np.ones(len(y))
    w[y == "boilerplate"] = 0
    with pytest.raises(ValueError, match="both editorial and boilerplate"):
        small().fit(X, y, sample_weight=w)


def test_bad_labels_and_params(corpus):
    X, y, _ = corpus
    with pytest.raises(ValueError, match="labels must be"):
        small().fit(X, np.where(y == "editorial", "story", y))
    with pytest.raises(ValueError, match="'cv'"):
        ParagraphClassifier(cv=1).fit(X, y)
    with pytest.raises(ValueError, match="'context_max_depth'"):  # scoring pads trees to it
        ParagraphClassifier(context_max_depth=13).fit(X, y)
    for weight in (float("nan"), float("inf")):  # NaN passes every bound; inf an open one
        with pytest.raises(ValueError, match="'context_hard_weight' must be a finite number"):
            ParagraphClassifier(context_hard_weight=weight).fit(X, y)
    with pytest.raises(TypeError, match="paragraph table"):
        small().fit(np.zeros((3, 2)), ["editorial"] * 3)


def test_classes_order(corpus):
    X, y, groups = corpus
    model = small().fit(X, y, groups=groups)
    assert model.classes_.tolist() == ["boilerplate", "editorial"]
    proba = model.predict_proba(X)
    assert np.allclose(proba.sum(axis=1), 1)
    pred = model.predict(X)
    assert ((proba[:, 0] >= model.threshold) == (pred == "boilerplate")).all()


@pytest.mark.parametrize("extremes", [True, False])
def test_context_extremes_switch(corpus, monkeypatch, extremes):
    # The context pass is fitted on the word extremes (the last six inputs), or on constant
    # zeros there, which no tree can split on, with context_extremes=False.
    from sklearn.ensemble import HistGradientBoostingClassifier

    seen = []
    fit = HistGradientBoostingClassifier.fit

    def spy(self, X, *args, **kwargs):
        seen.append(np.array(X[:, -6:]))  # own extremes, then the neighbours'
        return fit(self, X, *args, **kwargs)

    monkeypatch.setattr(HistGradientBoostingClassifier, "fit", spy)
    X, y, groups = corpus
    small(context_extremes=extremes).fit(X, y, groups=groups)
    (last_six,) = seen
    high, low = last_six[:, :2].T
    if extremes:  # out-of-fold weights: every paragraph has words, most a positive and a negative
        assert (high >= low).all() and (high > 0).mean() > 0.5 and (low < 0).mean() > 0.5
    else:
        assert not last_six.any()
    with pytest.raises(ValueError, match="'context_extremes'"):
        small(context_extremes="yes").fit(X, y)


def test_a_model_pickled_before_the_extremes_says_so(corpus):
    X, y, groups = corpus
    model = small().fit(X, y, groups=groups)
    state = pickle.loads(pickle.dumps(model)).__getstate__()
    del state["context_extremes"]  # as pickled by a version without the parameter
    old = ParagraphClassifier.__new__(ParagraphClassifier)
    old.__setstate__(state)
    assert old.get_params()["context_extremes"] is False
    assert np.array_equal(old.predict_proba(X), model.predict_proba(X))


def test_the_first_pass_budget_does_not_warn(corpus, monkeypatch):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from newsclean import classifier

    X, y, groups = corpus
    # A penalty at which plain SGD on this corpus is still moving when its epochs run out (the
    # setup assertion below checks that it is; which alphas do depends on the signals).
    model = small(alpha=1e-6)

    def plain_fit(first_pass, features, target, weight):
        return first_pass.fit(features, target, sample_weight=weight)

    with monkeypatch.context() as patch, warnings.catch_warnings(record=True) as raised:
        patch.setattr(classifier, "_fit_first_pass", plain_fit)
        warnings.simplefilter("always")
        model.fit(X, y, groups=groups)
    assert any(issubclass(w.category, ConvergenceWarning) for w in raised), "setup: SGD converged"
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X, y, groups=groups)


@pytest.mark.parametrize("order", ["shuffled", "reversed"])
def test_a_table_out_of_article_order_is_refused(corpus, order):
    X, y, groups = corpus
    model = small().fit(X, y, groups=groups)
    bad = X.sample(frac=1, random_state=0) if order == "shuffled" else X.iloc[::-1]
    # Scores depend on each paragraph's neighbours: rows out of order would be scored wrongly.
    with pytest.raises(ValueError, match=r"sort the (paragraph )?table by article_id and position"):
        model.predict_proba(bad)
    with pytest.raises(ValueError, match=r"sort the (paragraph )?table"):
        small().fit(bad, y, groups=groups)


def test_a_paragraph_without_an_article_is_refused(corpus):
    X, y, groups = corpus
    model = small().fit(X, y, groups=groups)
    bad = X.assign(article_id=X["article_id"].where(X.index != 3, None))
    with pytest.raises(ValueError, match="row 3: article_id is missing"):
        model.predict_proba(bad)


def test_context_pass_weighs_up_story_paragraphs_the_first_pass_calls_boilerplate(
    corpus, monkeypatch
):
    import newsclean.classifier as classifier_module

    seen = []

    class Recording(classifier_module.HistGradientBoostingClassifier):
        def fit(self, X, y, sample_weight=None):
            seen.append((X[:, 0].copy(), np.asarray(y).copy(), np.asarray(sample_weight).copy()))
            return super().fit(X, y, sample_weight=sample_weight)

    monkeypatch.setattr(classifier_module, "HistGradientBoostingClassifier", Recording)
    X, y, groups = corpus
    weight = np.linspace(0.5, 1.5, len(y))
    for factor in (1.0, 4.0):
        small(context_hard_weight=factor).fit(X, y, sample_weight=weight, groups=groups)
    (logit, target, plain), (_, _, weighted) = seen
    hard = (target == 0) & (logit > 0)  # story rows the out-of-fold first pass calls boilerplate
    assert hard.any() and not hard.all()
    assert np.allclose(weighted[hard], 4.0 * plain[hard])
    assert np.array_equal(weighted[~hard], plain[~hard])


def test_models_pickled_before_the_hard_weight_train_as_they_did():
    state = small().__getstate__()
    del state["context_hard_weight"]
    old = ParagraphClassifier.__new__(ParagraphClassifier)
    old.__setstate__(state)
    assert old.get_params()["context_hard_weight"] == 1.0


def test_models_pickled_before_char_ngrams_and_vectors_train_as_they_did():
    state = small().__getstate__()
    for name in ("char_ngrams", "word_vectors", "vector_table"):
        del state[name]
    old = ParagraphClassifier.__new__(ParagraphClassifier)
    old.__setstate__(state)
    params = old.get_params()
    assert (params["char_ngrams"], params["word_vectors"]) == (0, "none")


def test_fit_computes_its_inputs_through_the_featurisers_it_names(corpus, monkeypatch):
    X, y, groups = corpus
    model = small(context=False)
    called = []
    for featuriser in model._make_featurisers():
        cls = type(featuriser)
        original = cls._from_scan

        def recording(self, scan, original=original, cls=cls):
            called.append(cls.__name__)
            return original(self, scan)

        monkeypatch.setattr(cls, "_from_scan", recording)
    model.fit(X, y, groups=groups)
    assert called == [
        "HashedText",
        "CharNgrams",
        "ShapeFeatures",
        "VoiceFeatures",
        "PlaceFeatures",
    ]


def test_the_first_pass_inputs_are_the_featurisers_outputs(corpus):
    X, y, groups = corpus
    model = small().fit(X, y, groups=groups)
    scorer = model.scorer_
    dense = np.hstack(
        [f.fit_transform(X) for f in model._make_featurisers()[2:]]  # shape, voice, place
    )
    assert np.array_equal(scorer.dense_mean, dense.mean(axis=0))
    words = HashedText(n_features=model.n_features).fit_transform(X)
    grams = CharNgrams(n=model.char_ngrams, n_features=model.n_features).fit_transform(X)
    width = words.shape[1] + grams.shape[1] + dense.shape[1]
    assert len(model.get_feature_names_out()) == width
    assert model.first_pass_.coef_.shape == (1, width)
