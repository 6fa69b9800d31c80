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
    ("given", "left", "settings"),
    [
        # a password may hold "?" (libpq reads the user information up to "@")
        (
            "postgresql://veraz:Tr0ub?dor@db:5432/veraz?hnsw_m=32",
            "postgresql://veraz:Tr0ub?dor@db:5432/veraz",
            HnswSettings(m=32),
        ),
        # the other parameters are kept byte for byte: libpq does not read "+" as a space
        (
            "postgresql://p:@/p?host=/tmp/pg&options=-c%20statement_timeout%3D5000&hnsw_m=8"
            "&hnsw_ef_construction=16",
            "postgresql://p:@/p?host=/tmp/pg&options=-c%20statement_timeout%3D5000",
            HnswSettings(m=8, ef_construction=16),
        ),
        # names are read without regard to case or percent-encoding
        (f"{BASE}?HNSW_M=24&hnsw%5Fef_search=300", BASE, HnswSettings(m=24, ef_search=300)),
    ],
)
def test_the_url_is_read_as_libpq_reads_it(given: str, left: str, settings: HnswSettings) -> None:
    assert split_url(given) == (left, settings)
    assert StoreLocation.parse(given).database == left


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("hnsw_m=0", "hnsw_m"),
        ("hnsw_m=٣٢", "hnsw_m"),  # digits, but not ASCII ones
        ("hnsw_m=²", "hnsw_m"),
        ("hnsw_m=+32", "hnsw_m"),
        (f"hnsw_m={'9' * 5000}", "hnsw_m"),
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
    message = str(caught.value)
    assert "VERAZ_STORE" in message and "\n" not in message and "secret" not in message
    assert len(message) < 200
