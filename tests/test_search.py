"""Search: Korean inside words, literal queries that never crash, and the query helpers."""

from __future__ import annotations

import random
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import write_notes
from tilbook.indexing import sync
from tilbook.settings import load_settings
from tilbook.store import open_store
from tilbook.store.base import EntryFilter, SearchHit, Store
from tilbook.store.query import Query, Term, cjk_grams, make_snippet, parse_query, split_scripts
from tilbook.store.stemming import korean_forms

SEARCH_NOTES = {
    "til.md": (
        "##### 🤖 ML & DL\n*2024.02.20*\n\n"
        "전문검색을 처음 만들어 봤다. 형태소 분석 없이도 된다.\n\n"
        "##### 🧩 Library\n*2024.03.05*\n\n"
        "MAML을 다시 읽었다. inner loop가 핵심이다.\n"
    ),
    "log.md": (
        "## 2024-01-10 Diffusion basics\n\n"
        "The forward process adds Gaussian noise step by step. #GenAI\n\n"
        "## 2024-01-20\n\n"
        "Diffusers library: the scheduler decides the noise levels. #Code\n\n"
        "## 2024-02-02\n\n"
        "Noise contrastive estimation is not the same as denoising. #GenAI\n\n"
        "## 2024-02-15\n\n"
        "Gradient checkpointing trades compute for memory.\n"
    ),
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    root = write_notes(tmp_path / "search-log", SEARCH_NOTES)
    opened = open_store(root)
    sync(root, opened, load_settings(root))
    yield opened
    opened.close()


def titles(hits: list[SearchHit]) -> list[str]:
    return [hit.entry.title for hit in hits]


def find(store: Store, text: str) -> list[str]:
    return titles(store.search(parse_query(text), limit=50))


# -- Korean and mixed scripts ---------------------------------------------------------------

KOREAN = "전문검색을 처음 만들어 봤다"


@pytest.mark.parametrize("query", ["검색", "전문검색", "전문검색을", "색", "전문", "형태소"])
def test_korean_inside_words(store: Store, query: str) -> None:
    assert find(store, query) == [KOREAN]


def test_korean_that_is_not_there(store: Store) -> None:
    assert find(store, "검사") == []
    assert find(store, "색검") == []


def test_korean_decomposed_query_and_note(store: Store, tmp_path: Path) -> None:
    # A query typed as decomposed jamo (NFD) finds composed text…
    assert find(store, unicodedata.normalize("NFD", "검색")) == [KOREAN]
    # …and a note saved decomposed is found by a composed query.
    root = write_notes(
        tmp_path / "nfd", {"a.md": unicodedata.normalize("NFD", "## 2024-01-01\n\n벡터검색 정리\n")}
    )
    nfd_store = open_store(root)
    try:
        sync(root, nfd_store, load_settings(root))
        assert len(nfd_store.search(parse_query("검색"))) == 1
    finally:
        nfd_store.close()


def test_latin_word_glued_to_korean(store: Store) -> None:
    assert find(store, "MAML") == ["MAML을 다시 읽었다"]
    assert find(store, "maml") == ["MAML을 다시 읽었다"]
    assert find(store, "MAML을") == ["MAML을 다시 읽었다"]
    assert find(store, "inner") == ["MAML을 다시 읽었다"]


def test_korean_and_english_words_together(store: Store) -> None:
    assert find(store, "MAML 핵심") == ["MAML을 다시 읽었다"]
    assert find(store, "MAML 검색") == []


# -- Latin words ----------------------------------------------------------------------------


def test_case_insensitive_and_other_word_forms(store: Store) -> None:
    assert find(store, "GAUSSIAN") == ["Diffusion basics"]
    assert find(store, "gaussian") == ["Diffusion basics"]
    # Word forms match: "schedulers" finds "scheduler".
    assert find(store, "schedulers") == find(store, "scheduler")
    assert len(find(store, "scheduler")) == 1


def test_words_must_all_match(store: Store) -> None:
    assert len(find(store, "noise")) == 3
    assert len(find(store, "noise scheduler")) == 1
    assert find(store, "noise checkpointing") == []


def test_phrase_versus_words(store: Store) -> None:
    assert len(find(store, "noise contrastive")) == 1
    assert len(find(store, '"noise contrastive"')) == 1
    assert find(store, '"contrastive noise"') == []
    assert len(find(store, "contrastive noise")) == 1


def test_prefix(store: Store) -> None:
    assert sorted(find(store, "diffus*")) == sorted(
        ["Diffusion basics", "Diffusers library: the scheduler decides the noise levels"]
    )
    assert find(store, "diffusx") == []
    assert len(find(store, "denois*")) == 1


def test_title_match_ranks_first(store: Store) -> None:
    hits = store.search(parse_query("diffusion"))
    assert titles(hits)[0] == "Diffusion basics"


def test_tag_filter_without_words_lists_tagged_entries(store: Store) -> None:
    hits = store.search(parse_query("tag:GenAI"))
    assert sorted(h.entry.date or "" for h in hits) == ["2024-01-10", "2024-02-02"]
    assert all("GenAI" in h.entry.tags for h in hits)
    assert all(h.snippet.highlights == [] for h in hits)
    dated = store.search(parse_query("tag:genai since:2024-02"))
    assert [h.entry.date for h in dated] == ["2024-02-02"]


def test_every_tag_filter_must_hold_however_many_there_are(store: Store) -> None:
    assert store.search(parse_query("noise tag:GenAI tag:Code")) == []
    same_tag_twice = store.search(parse_query("noise tag:genai tag:GenAI"))
    assert sorted(h.entry.date or "" for h in same_tag_twice) == ["2024-01-10", "2024-02-02"]
    many = " ".join(f"tag:t{number}" for number in range(3000))
    assert store.search(parse_query(f"noise {many}")) == []
    assert store.search(parse_query("tag:GenAI " + " ".join(["tag:GenAI"] * 3000)))
    assert store.entries(EntryFilter(tags=[f"t{number}" for number in range(3000)])) == []


def test_date_filter_without_words(store: Store) -> None:
    hits = store.search(parse_query("since:2024-02-01 until:2024-02-29"))
    assert sorted(h.entry.date or "" for h in hits) == ["2024-02-02", "2024-02-15", "2024-02-20"]


def test_search_limit(store: Store) -> None:
    assert len(store.search(parse_query("noise"), limit=2)) == 2


_NOISE = random.Random(7)
NASTY_QUERIES = [
    '"',
    "*",
    "AND",
    "OR NOT",
    "(",
    ")",
    "NEAR(a b)",
    "col:word",
    "title:noise",
    "'",
    "-",
    "^",
    ":",
    "+",
    '"unclosed phrase',
    "a OR b AND NOT c",
    "🤖",
    "🤖 ML",
    "\x00",
    "noise\x00",
    "tag:",
    "since:",
    "since:2024-99-99",
    "**",
    "\\",
    "{title body}: noise",
    "".join(chr(_NOISE.randrange(32, 0x3000)) for _ in range(10_000)),
    " ".join("x" * _NOISE.randrange(1, 9) for _ in range(400)),
]


@pytest.mark.parametrize("query", NASTY_QUERIES, ids=range(len(NASTY_QUERIES)))
def test_queries_never_raise(store: Store, query: str) -> None:
    hits = store.search(parse_query(query), limit=100)
    assert isinstance(hits, list)
    assert all(isinstance(hit, SearchHit) for hit in hits)
    # nor with typos corrected and abbreviations expanded
    result = store.search_with_alternatives(parse_query(query), limit=100)
    assert all(isinstance(hit, SearchHit) for hit in result.hits)


def test_syntax_words_are_literal(store: Store) -> None:
    # FTS5 operators are plain words: "not" matches the word not.
    assert find(store, "NOT") == ["Noise contrastive estimation is not the same as denoising"]
    assert find(store, "NEAR(noise levels)") == []
    assert find(store, "title:noise") == []


# -- parse_query ----------------------------------------------------------------------------


def test_parse_query_terms_and_filters() -> None:
    query = parse_query(
        'tag:#Vision TAG:nlp since:2024-01 until:2024 "self attention" diffus* word'
    )
    assert query.tags == ["Vision", "nlp"]
    assert query.since == "2024-01-01"
    assert query.until == "2024-12-31"
    assert query.terms == [
        Term("self attention", phrase=True),
        Term("diffus", prefix=True),
        Term("word"),
    ]
    assert query.words == ["self", "attention", "diffus", "word"]


def test_parse_query_date_aliases_and_bad_dates() -> None:
    query = parse_query("from:2023-05-06 to:2023-07")
    assert (query.since, query.until) == ("2023-05-06", "2023-07-31")
    bad = parse_query("since:someday")
    assert bad.since is None
    assert bad.terms == [Term("since:someday")]


def test_parse_query_odd_input() -> None:
    assert parse_query("") == Query()
    assert parse_query("   ") == Query()
    assert parse_query('"').terms == []
    assert parse_query("*").terms == []
    assert parse_query('"one"').terms == [Term("one")]
    assert parse_query('"unclosed words').terms == [Term("unclosed words", phrase=True)]
    assert len(parse_query(" ".join(f"w{i}" for i in range(100))).terms) == 32


def test_parse_query_is_nfc() -> None:
    assert parse_query(unicodedata.normalize("NFD", "검색")).terms == [Term("검색")]


# -- CJK helpers ----------------------------------------------------------------------------


def test_cjk_grams() -> None:
    assert cjk_grams("전문검색을") == "전문 문검 검색 색을 을"
    assert cjk_grams("색") == "색"
    assert cjk_grams("MAML을 다시") == "을 다시 시"
    assert cjk_grams("no cjk here") == ""
    assert cjk_grams("深度学习") == "深度 度学 学习 习"


def test_split_scripts() -> None:
    assert split_scripts("MAML을") == "MAML 을"
    assert split_scripts("BM25와 임베딩") == "BM25 와 임베딩"
    assert split_scripts("plain words") == "plain words"


# -- make_snippet ---------------------------------------------------------------------------


def test_snippet_highlights_every_occurrence() -> None:
    snippet = make_snippet("Noise in, noise out. NOISE!", ["noise"])
    assert snippet.text == "Noise in, noise out. NOISE!"
    assert snippet.highlights == [(0, 5), (10, 15), (21, 26)]
    assert snippet.marked() == "[Noise] in, [noise] out. [NOISE]!"


def test_snippet_far_into_a_long_text() -> None:
    text = " ".join(f"filler{i}" for i in range(200)) + " the target word " + "tail " * 100
    snippet = make_snippet(text, ["target"], width=80)
    assert snippet.text.startswith("…")
    assert snippet.text.endswith("…")
    assert len(snippet.text) <= 80 + 2 + 40
    assert len(snippet.highlights) == 1
    start, end = snippet.highlights[0]
    assert snippet.text[start:end] == "target"


def test_snippet_merges_and_flattens() -> None:
    snippet = make_snippet("line one\n\n   self   attention\nmore", ["self", "attention"])
    assert snippet.text == "line one self attention more"
    assert snippet.highlights == [(9, 13), (14, 23)]
    overlapping = make_snippet("backpropagation", ["back", "backprop"])
    assert overlapping.highlights == [(0, 8)]


def test_snippet_korean_and_prefix_words() -> None:
    snippet = make_snippet("오늘은 전문검색을 공부했다", ["검색"])
    start, end = snippet.highlights[0]
    assert snippet.text[start:end] == "검색"
    glued = make_snippet("MAML을 읽었다", ["MAML을"])
    assert [glued.text[s:e] for s, e in glued.highlights] == ["MAML을"]


def test_snippet_without_match() -> None:
    snippet = make_snippet("a " * 200, ["zzz"], width=40)
    assert snippet.highlights == []
    assert snippet.text.endswith("…")
    assert make_snippet("short", []).text == "short"


def test_an_impossible_date_filter_is_searched_as_words() -> None:
    from tilbook.store.query import parse_query

    for text in ("since:2024-13 loss", "until:2024-02-30 loss", "since:soon loss"):
        query = parse_query(text)
        assert query.since is None
        assert query.until is None
        assert [term.text for term in query.terms][-1] == "loss"
        assert len(query.terms) == 2


# -- ranking every match, and word forms --------------------------------------------------


def test_the_best_match_is_found_behind_thousands_of_weaker_ones(tmp_path: Path) -> None:
    """Ranking must not depend on which entries were indexed last."""
    root = tmp_path / "log"
    root.mkdir()
    (root / "a-first.md").write_text(
        "# Notes\n\n## 2024-01-01 Attention, attention: attention is attention all the way\n\n"
        "Self-attention, written out.\n",
        encoding="utf-8",
    )
    days = "".join(
        f"## 2024-02-{1 + i % 28:02d} Day {i}\n\nA note that mentions attention once, item {i}.\n\n"
        for i in range(2500)
    )
    (root / "b-later.md").write_text("# Log\n\n" + days, encoding="utf-8")
    store = open_store(root)
    try:
        sync(root, store, load_settings(root))
        hits = store.search(parse_query("attention"), limit=5)
        assert hits[0].entry.title.startswith("Attention, attention")
    finally:
        store.close()


def test_word_forms_match_and_the_typed_form_ranks_first(tmp_path: Path) -> None:
    root = write_notes(
        tmp_path / "forms",
        {
            "log.md": (
                "# Log\n\n## 2024-03-01 Learned about optimisers\n\nThe model learns slowly.\n\n"
                "## 2024-03-02 Learning rate warm-up\n\nLearning rates and learning curves.\n\n"
                "## 2024-03-03 Transformers\n\nA transformer block.\n"
            ),
            "de.md": (
                "# Notizen\n\n## 2024-03-04 Lernrate\n\nDie Modelle lernen nicht, wenn die "
                "Lernrate zu groß ist und der Fehler wächst.\n"
            ),
        },
    )
    store = open_store(root)
    try:
        sync(root, store, load_settings(root))
        learning = find(store, "learning")
        assert set(learning) == {"Learned about optimisers", "Learning rate warm-up"}
        assert learning[0] == "Learning rate warm-up"  # the form typed ranks first
        assert find(store, "learns")[0] == "Learned about optimisers"
        assert find(store, "transformer") == find(store, "transformers") == ["Transformers"]
        assert find(store, "lerne") == ["Lernrate"]  # German stems, from German function words
        assert "german" in store.stem_languages()  # type: ignore[attr-defined]
        # A phrase and a prefix stay exact.
        assert find(store, '"learning curves"') == ["Learning rate warm-up"]
        assert find(store, "learne*") == ["Learned about optimisers"]
    finally:
        store.close()


def test_a_search_the_index_cannot_answer_is_an_error_not_no_matches(store: Store) -> None:
    from tilbook.errors import IndexStoreError

    store.db.execute("DROP TABLE entries_fts")  # type: ignore[attr-defined]
    with pytest.raises(IndexStoreError, match="could not be used"):
        store.search(parse_query("noise"))


def test_a_korean_word_with_its_particle_finds_the_word(store: Store) -> None:
    assert find(store, "전문검색을") == find(store, "전문검색") != []
    assert find(store, "검색을")  # the particle dropped: 검색 is inside 전문검색을
    assert korean_forms("검색을") == ["검색을", "검색"]
    assert korean_forms("모델") == ["모델"]  # two syllables: nothing taken off


def test_a_phrase_matches_other_forms_of_its_words(tmp_path: Path) -> None:
    root = write_notes(
        tmp_path / "phrase",
        {"log.md": "# Log\n\n## 2024-03-01 RL notes\n\nLearned value functions today.\n"},
    )
    store = open_store(root)
    try:
        sync(root, store, load_settings(root))
        assert find(store, '"value function"') == ["RL notes"]
        assert find(store, '"function value"') == []  # still a phrase: order counts
    finally:
        store.close()


def test_search_quality_on_the_sample_log() -> None:
    """The hand-written queries of bench/search_quality.py (recall@10 target 0.95)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "search_quality", Path(__file__).resolve().parent.parent / "bench" / "search_quality.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    result = module.run()
    assert result["queries"] >= 40
    assert result["recall_at_10"] >= 0.95, result["by_kind"]
    for kind in ("typo", "abbreviation"):  # written by hand: at least ten of each
        assert result["by_kind"][kind]["queries"] >= 10
        assert result["by_kind"][kind]["recall_at_10"] >= 0.9, result["by_kind"][kind]


def test_an_index_written_again_many_times_is_compacted(tmp_path: Path) -> None:
    # Rewriting entries leaves their old words in the full-text index until it is merged:
    # after as many rewrites as the index has entries (at least 1,000), an index run
    # compacts it, and search reads the same.
    days = "".join(
        f"## 2024-01-{day:02d}\n\nDropout note {day} on regularisation.\n\n" for day in range(1, 29)
    )
    root = write_notes(tmp_path / "log", {"log.md": days, "other.md": "## 2024-02-01\n\nAdam.\n"})
    store = open_store(root)
    settings = load_settings(root)
    try:
        sync(root, store, settings)
        sizes = []
        compacted = []
        for edit in range(40):  # each run writes the 28 entries, then 29, again
            (root / "log.md").write_text(
                days + f"## 2024-01-29\n\nEdit {edit}.\n", encoding="utf-8"
            )
            report = sync(root, store, settings)
            compacted.append(report.compacted)
            sizes.append(_fts_bytes(store))
        assert compacted.index(True) == 34  # 28 + 34 × 29 = 1,014 rewritten entries
        assert compacted.count(True) == 1
        assert sizes[34] < sizes[33] / 3
        assert len(find(store, "regularisation")) == 28
        assert find(store, "edit 39") == ["Edit 39"]
    finally:
        store.close()


def _fts_bytes(store: Store) -> int:
    row = store.db.execute("SELECT sum(length(block)) FROM entries_fts_data").fetchone()  # type: ignore[attr-defined]
    return int(row[0])


def test_the_words_of_a_heading_over_days_find_its_days(tmp_path: Path) -> None:
    root = write_notes(
        tmp_path / "weeks",
        {
            "log.md": "# Log\n\n## Week 1 - Object detection\n\n### 2024-06-17\n\nRan YOLO.\n\n"
            "## Week 2 - Tracking\n\n### 2024-06-24\n\nTried a Kalman filter.\n\n"
            "### 2024-06-25\n\nTuned the noise.\n"
        },
    )
    store = open_store(root)
    try:
        sync(root, store, load_settings(root))
        assert sorted(find(store, "tracking")) == ["Tried a Kalman filter", "Tuned the noise"]
        assert find(store, '"object detection"') == ["Ran YOLO"]
    finally:
        store.close()
