"""clean_batch under the real ``datasets`` Dataset.map (in memory, no hub access)."""

import pytest

from newsclean import clean_texts
from newsclean.integrations.huggingface import clean_batch
from tests.test_predict import NEWSLETTER_BOX, STORY, article

datasets = pytest.importorskip("datasets")

MIXED = article(STORY, NEWSLETTER_BOX)


@pytest.fixture
def dataset():
    return datasets.Dataset.from_dict(
        {"id": [1, 2, 3, 4], "text": [MIXED, None, article(STORY), None]}
    )


def test_map_cleans_in_place_and_keeps_none(dataset, tiny_model_dir):
    out = dataset.map(
        clean_batch,
        batched=True,
        batch_size=2,  # the second batch holds a None
        fn_kwargs={"model": str(tiny_model_dir), "invalid": "keep"},
    )
    expected = clean_texts([MIXED, article(STORY)], model=tiny_model_dir)
    assert expected[0].n_removed > 0
    assert out.column_names == ["id", "text"]
    assert out["id"] == [1, 2, 3, 4]
    assert out["text"] == [expected[0].text, None, expected[1].text, None]


def test_map_to_another_column_with_counts(dataset, tiny_model_dir):
    out = dataset.map(
        clean_batch,
        batched=True,
        fn_kwargs={
            "model": str(tiny_model_dir),
            "invalid": "keep",
            "output_column": "clean",
            "counts": True,
        },
    )
    result = clean_texts([MIXED], model=tiny_model_dir)[0]
    assert out["text"] == dataset["text"]  # the input column is untouched
    assert out["clean"][0] == result.text
    assert out["clean_n_paragraphs"] == [result.n_paragraphs, None, len(STORY), None]
    assert out["clean_n_removed"][:2] == [result.n_removed, None]
    assert out["clean_chars_removed"][:2] == [result.chars_removed, None]


def test_map_raises_naming_the_dataset_row(dataset, tiny_model_dir):
    with pytest.raises(TypeError, match=r"'text' at row 1 must be str, got NoneType"):
        dataset.map(
            clean_batch, batched=True, with_indices=True, fn_kwargs={"model": tiny_model_dir}
        )


def test_missing_column_is_named(tiny_model):
    with pytest.raises(KeyError, match="column 'body' not in the batch"):
        clean_batch({"text": ["x"]}, column="body", model=tiny_model)
