"""The HNSW settings read from a postgres store URL (ingestion/index/postgres/hnsw.py):
what is given is used, everything else in the URL is left as written, and a wrong value
is one line naming the parameter."""

from __future__ import annotations

import pytest

from ingestion.index import StoreLocation
from ingestion.index.postgres.hnsw import HnswSettings, split_url

BASE = "postgresql://veraz:secret@db.example:5432/veraz"


def test_a_url_without_settings_is_left_alone_with_the_defaults() -> None:
    assert split_url(BASE) == (BASE, HnswSettings(16, 64, 200))
    socket = "postgresql://postgres:@/postgres?host=/tmp/pg"
    assert split_url(socket) == (socket, HnswSettings())


def test_given_settings_are_read_and_taken_out_of_the_url() -> None:
    url, settings = split_url(
        f"{BASE}?sslmode=require&hnsw_m=32&hnsw_ef_construction=200&hnsw_ef_search=800"
    )
    assert url == f"{BASE}?sslmode=require"
    assert settings == HnswSettings(m=32, ef_construction=200, ef_search=800)
    assert settings.index_options() == "WITH (m = 32, ef_construction = 200)"
    url, settings = split_url(f"{BASE}?hnsw_ef_search=400")
    assert url == BASE
    assert settings == HnswSettings(ef_search=400)


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("hnsw_m=0", "hnsw_m"),
        ("hnsw_m=sixteen", "hnsw_m"),
        ("hnsw_m=", "hnsw_m"),
        ("hnsw_ef_construction=5000", "hnsw_ef_construction"),
        ("hnsw_ef_search=10", "hnsw_ef_search"),  # below the retriever's 50 candidates
        ("hnsw_ef_search=-1", "hnsw_ef_search"),
        ("hnsw_efsearch=400", "hnsw_efsearch"),  # a typo is not ignored
        ("hnsw_m=48&hnsw_ef_construction=64", "twice hnsw_m"),
    ],
)
def test_a_wrong_setting_is_named_when_the_store_is_parsed(query: str, named: str) -> None:
    with pytest.raises(ValueError, match=named) as caught:
        StoreLocation.parse(f"{BASE}?{query}")
    assert "VERAZ_STORE" in str(caught.value) and "\n" not in str(caught.value)
