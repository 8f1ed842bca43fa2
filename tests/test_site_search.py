"""The static site's search index: the abbreviations it carries for this log, made at build
time with the code `tilbook search` uses (the browser side is in test_site_search_browser.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import write_notes
from tilbook.indexing import sync
from tilbook.settings import load_settings
from tilbook.staticsite import BuildReport, SiteOptions, build_site
from tilbook.staticsite.generator import search_abbreviations, site_words
from tilbook.store import open_store

NOTES = {
    "diary.md": """## 2025-01-06 Blurry samples

My VAE gives blurry digits; the decoder is too small.

## 2025-01-07 Fewer tokens

Token merging halves the tokens of the vision encoder with little loss.

## 2025-01-08 Schedules

Population based training mutated the learning rate of the worst runs.

## 2025-01-09 Message passing

Two graph neural networks on the molecule set.
""",
    "words.md": """# Words

## Glossary

- Token merging (ToMe): joins similar tokens between the blocks of a vision transformer.
""",
}


def build(root: Path) -> BuildReport:
    store = open_store(root)
    try:
        sync(root, store, load_settings(root))
        return build_site(root, store, root / "site", SiteOptions(), pagefind=False)
    finally:
        store.close()


def index_data(root: Path) -> dict[str, Any]:
    text = (root / "site" / "assets" / "search-index.js").read_text("utf-8")
    assert text.startswith("tilbookSearchIndex(") and text.endswith(");\n")
    return json.loads(text[len("tilbookSearchIndex(") : -len(");\n")])  # type: ignore[no-any-return]


def test_index_carries_the_abbreviations_this_log_uses(tmp_path: Path) -> None:
    root = write_notes(tmp_path / "log", NOTES)
    (root / "tilbook.toml").write_text('[abbreviations]\nPBT = "population based training"\n')
    build(root)
    data = index_data(root)
    assert data["v"] == 2
    groups = {group[0]: group[1:] for group in data["abbreviations"]}
    # Built in, the short form in the log; built in, the long form (plural) in the log;
    # from the glossary; from the settings.
    assert "variational autoencoder" in groups["VAE"]
    assert groups["GNN"] == ["graph neural network"]
    assert groups["ToMe"] == ["Token merging"]
    assert groups["PBT"] == ["population based training"]
    # Built-in pairs the log never mentions stay out of the asset.
    assert "LSTM" not in groups and "RLHF" not in groups
    assert len(groups) < 12
    # Every pair kept has a name the site's search can find.
    text = " " + " ".join(" ".join(site_words(" ".join(row[::2]))) for row in data["entries"])
    for short, *longs in data["abbreviations"]:
        names = [short, *longs]
        assert any(f" {' '.join(site_words(name))}" in text for name in names), names


def test_changing_the_setting_rewrites_the_index(tmp_path: Path) -> None:
    root = write_notes(tmp_path / "log", NOTES)
    build(root)
    assert "PBT" not in {group[0] for group in index_data(root)["abbreviations"]}
    assert "assets/search-index.js" not in build(root).written
    (root / "tilbook.toml").write_text('[abbreviations]\nPBT = "population based training"\n')
    assert "assets/search-index.js" in build(root).written
    assert "PBT" in {group[0] for group in index_data(root)["abbreviations"]}


def test_a_pair_is_kept_by_either_name_as_whole_words() -> None:
    texts = ["We tried a GAN", "Graph Neural-Networks, twice", "graph of neural nets"]
    groups = {group[0]: group[1:] for group in search_abbreviations(texts, [], None)}
    assert "generative adversarial network" in groups["GAN"]  # by its short form
    assert groups["GNN"] == ["graph neural network"]  # by its long form, plural, hyphen
    assert groups["NN"] == ["neural network"]  # inside the longer name
    assert "CNN" not in groups and "ANN" not in groups and "ML" not in groups
    # Words in the wrong order or apart are not the long form.
    apart = ("network neural graph", "a graph; subgraph neural network", "graph neural networking")
    for text in apart:
        found = search_abbreviations([text], [], {"XG": ["graph neural network"]})
        assert "XG" not in {group[0] for group in found}, text
    # A long form that is not in the log still comes with its short form, and back.
    found = search_abbreviations(["XG twice"], [], {"XG": ["extra graph", "other graph"]})
    assert found == [["XG", "extra graph", "other graph"]]
