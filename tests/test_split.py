import pandas as pd
import pytest
from newsclean.training.split import domain_split


def test_no_domain_crosses_splits():
    domains = pd.Series([f"site{i % 97}.example" for i in range(5000)])
    split = domain_split(domains, seed=3)
    per_domain = pd.DataFrame({"d": domains, "s": split}).groupby("d")["s"].nunique()
    assert per_domain.max() == 1
    shares = pd.Series(split).value_counts(normalize=True)
    assert set(shares.index) == {"train", "validation", "test"}
    assert 0.5 < shares["train"] < 0.9


def test_split_is_seeded_and_independent_of_other_rows():
    a = domain_split(pd.Series(["a.com", "b.com", "c.com"]), seed=1)
    b = domain_split(pd.Series(["c.com", "zzz.org", "a.com"]), seed=1)
    assert a[0] == b[2] and a[2] == b[0]
    seeds = {tuple(domain_split(pd.Series([f"d{i}" for i in range(50)]), seed=s)) for s in range(3)}
    assert len(seeds) == 3


def test_bad_fractions():
    with pytest.raises(ValueError, match="fractions"):
        domain_split(pd.Series(["a"]), fractions=(0.5, 0.5, 0.5))


@pytest.mark.shared_data
def test_shared_data_split_has_no_leak(shared_data):
    from newsclean.training.data import load_shared

    t = load_shared(shared_data)
    t["split"] = domain_split(t["domain"], seed=0)
    assert t.groupby("domain")["split"].nunique().max() == 1
    assert t.groupby("article_id")["split"].nunique().max() == 1
