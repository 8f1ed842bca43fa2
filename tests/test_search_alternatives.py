"""Search that understands what a learner types: typos corrected from the notes' own words,
abbreviations matched to their long forms (built in, from the glossary, from settings)."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from conftest import Invoke, write_notes
from tilbook.store.abbreviations import (
    abbreviations,
    builtin_pairs,
    long_form_of,
    looks_short,
    pair_from_glossary,
)
from tilbook.store.spelling import CloseWord, close_words, max_distance, worth_adding
from tilbook.webapp.app import create_app

ATTENTION = "\n".join(
    f"## 2024-03-0{day} Attention day {day}\n\nScaled dot-product attention, part {day}.\n"
    for day in range(1, 7)
)
NOTES = {
    "journal.md": ATTENTION
    + """
## 2024-04-01 A slip

Atention is how I spelt it this once.

## 2024-04-02 Latent diffusion

The small VAE of latent diffusion compresses images before the U-Net.

## 2024-04-03 Generative models

A variational autoencoder learns a latent code by maximising a bound.

## 2024-04-04 Preferences

Reinforcement learning from human feedback needs comparisons by people.

## 2024-04-05 Pipeline

RLHF step three runs PPO against the reward model.

## 2024-04-06 Frequency

Tried a spectral mixing layer on the audio model.

## 2024-04-07 Ablation

Removing the SML costs two points.

## 2024-04-08 Normalising

Query-key normalisation keeps the logits small.

## 2024-04-09 Stability

With QKN the loss no longer spikes.

## 2024-04-10 Zebras

An extra yellow zebra walked into the lab.
""",
    "terms.md": """# Terms

## Glossary

- Spectral mixing layer (SML): mixes channels in the frequency domain.
- QKN: query-key normalisation, scaling queries and keys before their dot product.
""",
}


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return write_notes(tmp_path / "typed-log", NOTES)


def search(invoke: Invoke, log: Path, *args: str) -> list[dict[str, Any]]:
    hits: list[dict[str, Any]] = json.loads(invoke("search", *args, "--json", log=log).stdout)
    return hits


def titles(hits: list[dict[str, Any]]) -> list[str]:
    return [hit["title"] for hit in hits]


# -- typos ---------------------------------------------------------------------------------


def test_a_word_the_notes_lack_is_searched_as_the_closest_word(invoke: Invoke, log: Path) -> None:
    output = invoke("search", "attnetion", log=log).stdout
    assert "Showing results for attention (you typed attnetion)" in output
    assert "tilbook search --exact attnetion" in output
    hits = search(invoke, log, "attnetion")
    assert titles(hits) == [f"Attention day {day}" for day in range(1, 7)]
    assert {hit["showing_results_for"] for hit in hits} == {"attention"}
    assert {hit["you_typed"] for hit in hits} == {"attnetion"}
    assert all(hit["found_through"] == ["attention"] for hit in hits)


def test_exact_turns_corrections_off(invoke: Invoke, log: Path) -> None:
    result = invoke("search", "--exact", "attnetion", log=log)
    assert "Showing results for" not in result.stdout
    assert "No matches." in result.stderr
    assert search(invoke, log, "--exact", "attnetion") == []


def test_a_typo_among_other_words_is_corrected_in_place(invoke: Invoke, log: Path) -> None:
    hits = search(invoke, log, "scaled", "attnetion", "part", "3")
    assert titles(hits) == ["Attention day 3"]
    assert hits[0]["showing_results_for"] == "scaled attention part 3"


def test_a_word_in_the_notes_is_never_corrected(invoke: Invoke, log: Path) -> None:
    """`atention` is in one entry, `attention` in six: the typed word's entry comes first,
    the close, commoner word's entries after it, and nothing is "corrected"."""
    hits = search(invoke, log, "atention")
    assert titles(hits)[0] == "A slip"
    assert hits[0]["found_through"] == []
    assert len(hits) == 7 and all(hit["found_through"] == ["attention"] for hit in hits[1:])
    assert {hit["showing_results_for"] for hit in hits} == {None}
    output = invoke("search", "atention", log=log).stdout
    assert "Showing results for" not in output
    assert "Also searched for attention" in output
    assert titles(search(invoke, log, "attention")) == [f"Attention day {d}" for d in range(1, 7)]


def test_a_word_nothing_is_close_to_finds_nothing(invoke: Invoke, log: Path) -> None:
    result = invoke("search", "wombats", log=log)
    assert "Showing results for" not in result.stdout
    assert "No matches." in result.stderr


def test_close_words_and_distances() -> None:
    vocabulary = [("attention", 40), ("retention", 2), ("intention", 1), ("model", 90)]
    assert [c.word for c in close_words("attnetion", vocabulary)] == ["attention"]
    assert close_words("atention", vocabulary, limit=3)[0] == CloseWord("attention", 1, 40)
    assert [c.word for c in close_words("attention", vocabulary, limit=5)] == [
        "retention",
        "intention",
    ]  # never the word itself
    assert close_words("mdl", vocabulary) == []  # too short to correct
    assert max_distance("abc") == 0 and max_distance("model") == 1
    assert max_distance("attention") == 2
    assert worth_adding(0, CloseWord("x", 1, 1))
    assert worth_adding(1, CloseWord("x", 1, 5))
    assert not worth_adding(1, CloseWord("x", 1, 4))
    assert not worth_adding(2, CloseWord("x", 1, 9))
    assert not worth_adding(3, CloseWord("x", 1, 1000))


# -- abbreviations -------------------------------------------------------------------------


def test_a_short_form_finds_its_long_form_after_itself(invoke: Invoke, log: Path) -> None:
    hits = search(invoke, log, "VAE")
    assert titles(hits) == ["Latent diffusion", "Generative models"]
    assert hits[0]["found_through"] == []
    assert hits[1]["found_through"] == ["variational autoencoder"]
    output = invoke("search", "vae", log=log).stdout
    assert "Also searched for variational autoencoder" in output


def test_a_long_form_finds_its_short_form_after_itself(invoke: Invoke, log: Path) -> None:
    hits = search(invoke, log, "variational", "autoencoders")
    assert titles(hits) == ["Generative models", "Latent diffusion"]
    hits = search(invoke, log, "reinforcement learning from human feedback")
    assert titles(hits) == ["Preferences", "Pipeline"]
    assert titles(search(invoke, log, "RLHF")) == ["Pipeline", "Preferences"]


def test_exact_turns_abbreviations_off(invoke: Invoke, log: Path) -> None:
    assert titles(search(invoke, log, "--exact", "VAE")) == ["Latent diffusion"]


def test_typed_matches_rank_before_expansions_whatever_bm25_says(
    make_log: Callable[[dict[str, str]], Path], invoke: Invoke
) -> None:
    """The long form in the title would outrank a short form in passing; it still comes
    after every entry with the words as typed."""
    folder = make_log(
        {
            "log.md": "## 2024-01-01 Convolutional neural network, convolutional neural network\n\n"
            "Convolutional neural network everywhere.\n\n"
            "## 2024-01-02 Other\n\nA long text that mentions a CNN once among many other words "
            "about data loading, augmentation, batching, caching and shuffling.\n"
        }
    )
    hits = search(invoke, folder, "cnn")
    assert titles(hits) == ["Other", "Convolutional neural network, convolutional neural network"]


def test_glossary_terms_with_their_short_form_pair_up(invoke: Invoke, log: Path) -> None:
    assert titles(search(invoke, log, "SML")) == ["Ablation", "Terms", "Frequency"]
    assert titles(search(invoke, log, "spectral", "mixing", "layer"))[-1] == "Ablation"
    assert "Stability" in titles(search(invoke, log, '"query-key normalisation"'))
    assert "Normalising" in titles(search(invoke, log, "qkn"))
    # without the glossary, the pair is unknown
    (log / "terms.md").unlink()
    assert titles(search(invoke, log, "SML")) == ["Ablation"]


def test_pairs_from_settings(invoke: Invoke, log: Path) -> None:
    assert search(invoke, log, "EYZ") == []
    (log / "tilbook.toml").write_text(
        '[abbreviations]\nEYZ = ["extra yellow zebra"]\n', encoding="utf-8"
    )
    assert titles(search(invoke, log, "EYZ")) == ["Zebras"]
    (log / "tilbook.toml").write_text('[abbreviations]\nEYZ = "extra yellow zebra"\n', "utf-8")
    assert titles(search(invoke, log, "EYZ")) == ["Zebras"]
    (log / "tilbook.toml").write_text("abbreviations = 3\n", encoding="utf-8")
    assert "abbreviations must be a table" in invoke("search", "EYZ", code=1, log=log).stderr


@pytest.mark.parametrize(
    ("term", "definition", "pair"),
    [
        ("Variational auto-encoder (VAE)", "a model", ("VAE", "Variational auto-encoder")),
        ("VAE (variational autoencoder)", "", ("VAE", "variational autoencoder")),
        ("VAE", "variational auto-encoder; learns a code", ("VAE", "variational auto-encoder")),
        ("RLHF", "reinforcement learning from human feedback", None),
        ("**RLHF**", "Reinforcement Learning from Human Feedback.", None),
        ("LoRA", "low-rank adaptation of the weights", ("LoRA", "low-rank adaptation")),
        ("ELBO", "evidence lower bound, a tractable bound", ("ELBO", "evidence lower bound")),
        ("GNN", "a graph neural network", ("GNN", "graph neural network")),
        ("KV cache", "the stored keys and values", None),
        ("Perplexity", "exp of the loss", None),
        ("Adam", "adaptive moment estimation", None),
        ("TTA", "a trick I use", None),
        ("Mode collapse (the classic GAN failure)", "", None),
    ],
)
def test_pair_from_glossary(term: str, definition: str, pair: tuple[str, str] | None) -> None:
    if term.strip("*") == "RLHF":
        pair = ("RLHF", definition.rstrip("."))
    assert pair_from_glossary(term, definition) == pair


def test_long_forms_and_short_forms() -> None:
    assert long_form_of("KL", "the Kullback-Leibler") == "Kullback-Leibler"
    assert long_form_of("XYZ", "nothing like it") is None
    assert looks_short("VAE") and looks_short("t-SNE") and looks_short("LoRA")
    assert not looks_short("Adam") and not looks_short("model") and not looks_short("A B")


def test_names_match_in_any_form_and_never_themselves() -> None:
    known = abbreviations([("Spectral mixing layer (SML)", "")], {"EYZ": ["extra yellow zebra"]})
    assert known.others(["VAEs"])[:1] == ["VAE"]
    assert "VAE" not in known.others(["vae"])
    assert known.others(["variational", "autoencoders"])[0] == "VAE"
    assert known.others(["spectral", "mixing", "layers"]) == ["SML"]
    assert known.others(["eyz"]) == ["extra yellow zebra"]
    assert known.others(["attention"]) == []


def test_the_builtin_list_has_its_shape() -> None:
    data = json.loads(
        resources.files("tilbook.store").joinpath("data/abbreviations.json").read_text("utf-8")
    )
    assert "written for tilbook" in data["source"].casefold()
    items = data["abbreviations"]
    assert len(items) >= 150
    assert all(len(item) >= 2 and all(name.strip() for name in item) for item in items)
    shorts = [item[0].casefold() for item in items]
    assert len(shorts) == len(set(shorts)), "a short form is listed twice"
    longs = [name.casefold() for item in items for name in item[1:]]
    assert len(longs) == len(set(longs)), "a long form is listed twice"
    assert all(len(item[0]) < min(len(name) for name in item[1:]) for item in items)
    for short in ("CNN", "RNN", "LSTM", "GAN", "VAE", "PCA", "SVM", "SGD", "MLP", "LLM"):
        assert short.casefold() in shorts
    for short in ("RLHF", "KL", "ELBO", "BPE"):
        assert short.casefold() in shorts
    assert len(builtin_pairs()) == len(items)


# -- the web app ---------------------------------------------------------------------------


@pytest.fixture
def client(log: Path) -> TestClient:
    return TestClient(create_app(log, watch=False), base_url="http://127.0.0.1:8000")


def test_the_search_page_says_what_it_searched(client: TestClient) -> None:
    page = client.get("/search", params={"q": "attnetion"}).text
    assert "Showing results for <em>attention</em> (you typed <em>attnetion</em>)" in page
    assert 'href="/search?q=attnetion&amp;exact=1"' in page
    assert page.count('<li><a href="/entry/') == 6
    exact = client.get("/search", params={"q": "attnetion", "exact": "1"}).text
    assert "Showing results for" not in exact
    assert '<li><a href="/entry/' not in exact
    found = client.get("/api/search", params={"q": "attnetion"}).json()
    assert found["showing_results_for"] == "attention" and found["you_typed"] == "attnetion"
    assert len(found["hits"]) == 6
    assert client.get("/api/search", params={"q": "attnetion", "exact": "1"}).json()["hits"] == []


def test_the_search_page_names_the_other_names(client: TestClient) -> None:
    page = client.get("/search", params={"q": "VAE"}).text
    assert "Also searched for <em>variational autoencoder</em>" in page
    assert page.index("Latent diffusion") < page.index("Generative models")
    found = client.get("/api/search", params={"q": "VAE"}).json()
    assert found["showing_results_for"] is None
    assert "variational autoencoder" in found["also_searched"]


# -- the words of the notes, shared by a process's connections --------------------------------


def test_connections_share_the_words_and_see_a_change_made_by_another(log: Path) -> None:
    from tilbook.indexing import sync
    from tilbook.settings import load_settings
    from tilbook.store import open_store
    from tilbook.store.query import parse_query

    def corrected(store: Any, typed: str) -> str | None:
        result = store.search_with_alternatives(parse_query(typed))
        return result.showing_results_for  # type: ignore[no-any-return]

    first, second = open_store(log), open_store(log)
    try:
        sync(log, first, load_settings(log))
        assert corrected(first, "zebrsa") == "zebra"
        # The second connection (another thread of the web app) uses what the first read.
        before = first.vocabulary("z")
        assert second.vocabulary("z") is before
        # A word written since, indexed through the second connection, is found by both.
        (log / "later.md").write_text(
            "# Later\n\n## 2024-05-01 Quaternions\n\nQuaternions rotate without gimbal lock.\n",
            encoding="utf-8",
        )
        sync(log, second, load_settings(log))
        assert corrected(first, "quaternoins") == "quaternions"
        assert corrected(second, "quaternoins") == "quaternions"
        assert first.vocabulary("z") is not before
    finally:
        first.close()
        second.close()
