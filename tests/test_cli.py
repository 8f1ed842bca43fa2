"""Every `tilbook` command through Click's CliRunner, on the `log_dir` notes folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import LAYOUT_OF, NOTES, Invoke
from tilbook.cli import main

ENTRY_KEYS = {
    "id", "source", "line", "date", "title", "category", "layout", "tags", "first_seen",
    "last_changed",
}  # fmt: skip


def _ids_by_title(entries: list[dict]) -> dict[str, str]:
    return {entry["title"]: entry["id"] for entry in entries}


# -- index ----------------------------------------------------------------------------------


def test_index_prints_a_summary(invoke: Invoke, log_dir: Path) -> None:
    result = invoke("index")
    assert f"Indexed {log_dir.resolve()}: 5 files (5 read, 0 unchanged, 0 removed)" in (
        result.stdout
    )
    assert "11 entries" in result.stdout
    assert "0 warnings." in result.stdout
    assert result.stderr == ""
    assert (log_dir / ".tilbook" / "index.db").is_file()
    # The index keeps itself out of the user's git repository.
    assert (log_dir / ".tilbook" / ".gitignore").read_text() == "*\n"


def test_index_json_counts(invoke_json, log_dir: Path) -> None:
    report = invoke_json("index")
    assert report["folder"] == str(log_dir.resolve())
    assert (report["files"], report["parsed"], report["unchanged"], report["removed"]) == (
        5,
        5,
        0,
        0,
    )
    assert report["entries"] == 11
    assert report["warnings"] == []
    assert isinstance(report["seconds"], float)


def test_index_takes_the_folder_as_argument(runner: CliRunner, log_dir: Path) -> None:
    result = runner.invoke(main, ["index", "--json", str(log_dir)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["entries"] == 11


def test_index_quiet_prints_nothing(invoke: Invoke) -> None:
    result = invoke("index", "-q")
    assert result.stdout == ""
    assert result.stderr == ""


def test_second_run_reads_nothing(invoke_json) -> None:
    invoke_json("index")
    again = invoke_json("index")
    assert again["parsed"] == 0
    assert again["unchanged"] == 5
    assert again["entries"] == 11


def test_touched_file_is_not_parsed_again(invoke_json, log_dir: Path) -> None:
    invoke_json("index")
    path = log_dir / "journal.md"
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 5_000_000_000))
    again = invoke_json("index")
    assert again["parsed"] == 0
    assert again["unchanged"] == 5


def test_edited_file_is_parsed_again(invoke_json, log_dir: Path) -> None:
    invoke_json("index")
    with (log_dir / "course.md").open("a", encoding="utf-8") as handle:
        handle.write("\n# Lesson 3: Convolutions\n\nKernels slide over the image.\n")
    again = invoke_json("index")
    assert again["parsed"] == 1
    assert again["unchanged"] == 4
    assert again["entries"] == 12
    titles = [e["title"] for e in invoke_json("entries", "--file", "course.md")]
    assert "Lesson 3: Convolutions" in titles


def test_deleted_file_loses_its_entries(invoke_json, log_dir: Path) -> None:
    invoke_json("index")
    (log_dir / "til-ko.md").unlink()
    again = invoke_json("index")
    assert again["removed"] == 1
    assert again["files"] == 4
    assert again["entries"] == 9
    assert all(e["source"] != "til-ko.md" for e in invoke_json("entries"))
    assert invoke_json("search", "MAML") == []


def test_rebuild_reads_every_file(invoke_json) -> None:
    invoke_json("index")
    again = invoke_json("index", "--rebuild")
    assert again["parsed"] == 5
    assert again["unchanged"] == 0
    assert again["entries"] == 11


def test_commands_bring_the_index_up_to_date(invoke: Invoke, invoke_json, log_dir: Path) -> None:
    invoke("index")
    (log_dir / "late.md").write_text("## 2024-05-05\n\nPlatypus detour.\n", encoding="utf-8")
    hits = invoke_json("search", "platypus")
    assert [hit["source"] for hit in hits] == ["late.md"]


# -- entries --------------------------------------------------------------------------------


def test_entries_json_shape_and_order(invoke_json) -> None:
    entries = invoke_json("entries")
    assert len(entries) == 11
    for entry in entries:
        assert set(entry) == ENTRY_KEYS
        assert isinstance(entry["line"], int)
        assert isinstance(entry["tags"], list)
    dates = [e["date"] for e in entries]
    dated = [d for d in dates if d is not None]
    # Newest first, undated last.
    assert dated == sorted(dated, reverse=True)
    assert dates[: len(dated)] == dated
    assert dates[0] == "2024-04-01"
    first = next(e for e in entries if e["title"] == "Score matching")
    assert first == {
        "id": first["id"],
        "source": "journal.md",
        "line": 5,
        "date": "2024-03-10",
        "title": "Score matching",
        "category": None,
        "layout": "dated-headings",
        "tags": ["Diffusion"],
        "first_seen": None,  # not in a git repository
        "last_changed": None,
    }


def test_entries_text_table(invoke: Invoke, invoke_json) -> None:
    ids = [e["id"] for e in invoke_json("entries")]
    result = invoke("entries")
    for entry_id in ids:
        assert entry_id in result.stdout
    assert "journal.md:5" in result.stdout


def test_entries_filter_by_tag(invoke_json) -> None:
    found = invoke_json("entries", "--tag", "Diffusion")
    assert [e["date"] for e in found] == ["2024-03-10", "2024-01-15"]
    # Tags are case-insensitive, `#` is optional, and several tags must all match.
    assert invoke_json("entries", "--tag", "#diffusion") == found
    assert invoke_json("entries", "--tag", "Diffusion", "--tag", "Transformers") == []
    assert len(invoke_json("entries", "--tag", "alignment")) == 2


def test_entries_filter_by_dates(invoke_json) -> None:
    since = invoke_json("entries", "--since", "2024-03-01")
    assert sorted(e["date"] for e in since) == ["2024-03-05", "2024-03-10", "2024-04-01"]
    until = invoke_json("entries", "--until", "2024-02-01")
    assert sorted(e["date"] for e in until) == ["2024-01-15", "2024-02-01"]
    both = invoke_json("entries", "--since", "2024-02-01", "--until", "2024-02-20")
    assert sorted(e["date"] for e in both) == ["2024-02-01", "2024-02-20"]


def test_entries_filter_by_layout(invoke_json) -> None:
    for source, layout in LAYOUT_OF.items():
        found = invoke_json("entries", "--layout", layout)
        assert found, layout
        assert {e["source"] for e in found} == {source}
        assert {e["layout"] for e in found} == {layout}


def test_entries_filter_by_file_category_and_limit(invoke_json) -> None:
    single = invoke_json("entries", "--file", "notes/2024-04-01-attention.md")
    assert [(e["title"], e["line"]) for e in single] == [("Attention in one page", 6)]
    assert invoke_json("entries", "--file", "missing.md") == []
    category = invoke_json("entries", "--category", "ml & dl")
    assert [e["title"] for e in category] == ["전문검색을 공부했다"]
    assert category[0]["category"] == "ML & DL"
    assert len(invoke_json("entries", "-n", "3")) == 3


def test_entries_bad_layout_is_a_usage_error(invoke: Invoke) -> None:
    result = invoke("entries", "--layout", "diary", code=2)
    assert "diary" in result.stderr


def test_entries_without_matches_says_so(invoke: Invoke) -> None:
    result = invoke("entries", "--tag", "NoSuchTag")
    assert result.stdout == ""
    assert "No entries match." in result.stderr


# -- search ---------------------------------------------------------------------------------


def test_search_title_match_ranks_first(invoke_json, make_log) -> None:
    folder = make_log(
        {
            "ranking.md": (
                "## 2024-01-01\n\nWeight decay and early stopping keep a network honest. "
                "Another trick is to add noise, a cousin of dropout, during training.\n\n"
                "## 2024-01-02 Dropout\n\nRandom zeroing of units; rescale at test time.\n\n"
                "## 2024-01-03\n\nLong day of data loading work. Someone mentioned dropout "
                "in passing while we debugged the loader and the augmentation code.\n"
            )
        }
    )
    hits = invoke_json("search", "dropout", log=folder)
    assert len(hits) == 3
    assert hits[0]["title"] == "Dropout"
    assert hits[0]["score"] >= hits[1]["score"] >= hits[2]["score"]


def test_search_highlights_point_at_the_word(invoke_json) -> None:
    hits = invoke_json("search", "Denoising")
    assert hits
    for hit in hits:
        assert hit["highlights"], hit
        for start, end in hit["highlights"]:
            assert hit["snippet"][start:end].casefold() == "denoising"


def test_search_snippets_start_with_what_the_entry_says_not_its_tag_marker(
    invoke_json, tmp_path: Path
) -> None:
    folder = tmp_path / "marker-log"
    folder.mkdir()
    (folder / "log.md").write_text(
        "## 2024-04-22\n\n(#Idea) Cheap experiment: class labels for the DDPM.\n",
        encoding="utf-8",
    )
    hits = invoke_json("search", "cheap experiment", log=folder)
    assert len(hits) == 1
    assert hits[0]["snippet"].startswith("Cheap experiment")  # not `(#Idea) Cheap …`
    assert "Idea" in hits[0]["tags"]


def test_square_brackets_in_notes_are_printed_as_written(
    invoke, invoke_json, tmp_path: Path
) -> None:
    """Rich reads `[word]` as a style and `[/]` as a closing tag: the notes' own brackets
    must neither vanish nor stop a command."""
    folder = tmp_path / "brackets"
    folder.mkdir()
    (folder / "log.md").write_text(
        "## 2024-05-01 On [draft] loaders\n\n"
        "- [ ] compare [/] with [bold]x\n"
        "- What is [mask] for?\n",
        encoding="utf-8",
    )
    assert "compare [/] with [bold]x" in invoke("todo", log=folder).stdout
    assert "What is [mask] for?" in invoke("questions", log=folder).stdout
    assert "On [draft] loaders" in invoke("entries", log=folder).stdout
    (entry,) = invoke_json("entries", log=folder)
    shown = invoke("show", entry["id"], log=folder).stdout
    assert "On [draft] loaders" in shown
    assert "todo: [ ] compare [/] with [bold]x" in shown
    assert "On [draft] loaders" in invoke("inspect", str(folder / "log.md"), log=folder).stdout


def test_search_highlights_korean_inside_a_word(invoke_json) -> None:
    hits = invoke_json("search", "검색")
    assert [hit["title"] for hit in hits] == ["전문검색을 공부했다"]
    spans = hits[0]["highlights"]
    assert spans
    assert all(hits[0]["snippet"][s:e] == "검색" for s, e in spans)


def test_search_json_shape(invoke_json) -> None:
    hits = invoke_json("search", "sinusoids")
    assert len(hits) == 1
    assert set(hits[0]) == ENTRY_KEYS | {
        "score",
        "snippet",
        "highlights",
        "found_through",
        "showing_results_for",
        "you_typed",
    }
    assert hits[0]["date"] == "2024-02-01"


def test_search_filters_in_the_query(invoke_json) -> None:
    # "Diffusion" is a tag of two entries; guidance is in one of them only.
    assert [h["date"] for h in invoke_json("search", "guidance", "tag:Diffusion")] == ["2024-01-15"]
    assert invoke_json("search", "guidance", "tag:Transformers") == []
    since = invoke_json("search", "Diffusion", "since:2024-02")
    assert [h["date"] for h in since] == ["2024-03-10"]
    until = invoke_json("search", "Diffusion", "until:2024-02")
    assert [h["date"] for h in until] == ["2024-01-15"]


def test_search_tag_and_date_options(invoke_json) -> None:
    found = invoke_json("search", "Diffusion", "--tag", "diffusion")
    assert sorted(h["date"] for h in found) == ["2024-01-15", "2024-03-10"]
    assert invoke_json("search", "Diffusion", "--tag", "Alignment") == []
    found = invoke_json("search", "Diffusion", "--since", "2024-03-01")
    assert [h["date"] for h in found] == ["2024-03-10"]
    found = invoke_json("search", "Diffusion", "--until", "2024-02-29")
    assert [h["date"] for h in found] == ["2024-01-15"]


def test_search_phrase(invoke_json) -> None:
    assert len(invoke_json("search", '"proxy reward"')) == 1
    assert invoke_json("search", '"reward proxy"') == []
    assert len(invoke_json("search", "reward", "proxy")) == 1


def test_search_limit(invoke_json) -> None:
    assert len(invoke_json("search", "Diffusion")) == 2
    assert len(invoke_json("search", "Diffusion", "-n", "1")) == 1


def test_search_text_output(invoke: Invoke, invoke_json) -> None:
    hit = invoke_json("search", "sinusoids")[0]
    result = invoke("search", "sinusoids")
    assert hit["id"] in result.stdout
    assert "sinusoids" in result.stdout


def test_search_without_matches(invoke: Invoke) -> None:
    result = invoke("search", "xylophone")
    assert result.stdout == ""
    assert "No matches." in result.stderr


def test_search_needs_a_query(invoke: Invoke) -> None:
    invoke("search", code=2)


# -- show -----------------------------------------------------------------------------------


def test_show_by_full_id(invoke: Invoke, invoke_json, log_dir: Path) -> None:
    ids = _ids_by_title(invoke_json("entries"))
    result = invoke("show", ids["Score matching"])
    assert "Score matching" in result.stdout
    assert "journal.md:5-13" in result.stdout
    assert "arxiv:2006.11239" in result.stdout
    assert "reimplement the ancestral sampler" in result.stdout
    assert "#Diffusion" in result.stdout


def test_show_raw_is_the_text_as_written(invoke: Invoke, invoke_json) -> None:
    ids = _ids_by_title(invoke_json("entries"))
    raw = invoke("show", ids["Score matching"], "--raw").stdout
    assert raw == "\n".join(NOTES["journal.md"].split("\n")[4:13]) + "\n"
    ko = invoke("show", ids["전문검색을 공부했다"], "--raw").stdout
    assert ko.startswith("##### 🤖 ML & DL\n*2024.02.20*\n")


def test_show_json(invoke_json) -> None:
    ids = _ids_by_title(invoke_json("entries"))
    entry = invoke_json("show", ids["Terms and Concepts"])
    assert entry["id"] == ids["Terms and Concepts"]
    assert entry["source"] == "notebook.md"
    assert (entry["line"], entry["end_line"]) == (11, 14)
    assert [t["term"] for t in entry["terms"]] == ["Overfitting", "Dropout"]
    assert entry["markdown"].startswith("## Terms and Concepts\n")
    assert "body" not in entry


def test_show_by_unique_prefix(invoke_json) -> None:
    ids = [e["id"] for e in invoke_json("entries")]
    for entry_id in ids:
        prefix = next(
            entry_id[:n]
            for n in range(1, len(entry_id) + 1)
            if sum(other.startswith(entry_id[:n]) for other in ids) == 1
        )
        assert invoke_json("show", prefix)["id"] == entry_id
        assert invoke_json("show", prefix.upper())["id"] == entry_id


def test_show_ambiguous_prefix(invoke: Invoke, invoke_json) -> None:
    ids = [e["id"] for e in invoke_json("entries")]
    by_first: dict[str, list[str]] = defaultdict(list)
    for entry_id in ids:
        by_first[entry_id[0]].append(entry_id)
    shared = [(first, group) for first, group in by_first.items() if len(group) > 1]
    assert shared, "the fixture's ids should share a first character"
    first, group = shared[0]
    result = invoke("show", first, code=1)
    assert "Traceback" not in result.output
    assert f"id '{first}' matches several entries" in result.stderr
    for entry_id in group:
        assert entry_id in result.stderr


def test_show_unknown_id(invoke: Invoke) -> None:
    result = invoke("show", "zzzz", code=1)
    assert "no entry with id 'zzzz'" in result.stderr
    assert "tilbook entries" in result.stderr
    assert result.stdout == ""


# -- tags -----------------------------------------------------------------------------------


def test_tags_counts(invoke_json) -> None:
    tags = invoke_json("tags")
    counts = {t["tag"]: t["entries"] for t in tags}
    assert counts == {
        "Diffusion": 2,
        "Alignment": 2,
        "Transformers": 1,
        "Search": 1,
        "Autograd": 1,
        "Attention": 1,
    }
    assert [t["entries"] for t in tags] == sorted((t["entries"] for t in tags), reverse=True)
    diffusion = next(t for t in tags if t["tag"] == "Diffusion")
    assert (diffusion["first"], diffusion["last"]) == ("2024-01-15", "2024-03-10")
    autograd = next(t for t in tags if t["tag"] == "Autograd")
    assert (autograd["first"], autograd["last"]) == (None, None)


def test_tags_merge_spellings(invoke_json, make_log) -> None:
    folder = make_log({"a.md": "## 2024-01-01\n\n#Vision here.\n\n## 2024-01-02\n\n#vision too.\n"})
    assert [(t["tag"], t["entries"]) for t in invoke_json("tags", log=folder)] == [("Vision", 2)]


def test_tags_text(invoke: Invoke, make_log) -> None:
    result = invoke("tags")
    assert "#Diffusion" in result.stdout
    assert "2024-03-10" in result.stdout
    empty = make_log({"plain.md": "Nothing tagged here.\n"})
    assert "No tags yet" in invoke("tags", log=empty).stderr


# -- export ---------------------------------------------------------------------------------


def _check_export(data: dict) -> None:
    assert set(data) >= {"tilbook_export", "files", "entries"}
    assert data["tilbook_export"] == 1
    assert {f["source"] for f in data["files"]} == set(NOTES)
    for file in data["files"]:
        assert {"source", "layout", "title", "targets"} <= set(file)
        assert file["layout"] == LAYOUT_OF[file["source"]]
    notebook = next(f for f in data["files"] if f["source"] == "notebook.md")
    assert notebook["title"] == "Safety notebook"
    assert notebook["targets"] == [
        {"text": "#Alignment: reward modelling basics", "tags": ["Alignment"], "line": 5}
    ]
    entry_keys = {
        "id",
        "source",
        "line",
        "layout",
        "date",
        "title",
        "category",
        "tags",
        "links",
        "papers",
        "todos",
        "questions",
        "terms",
        "has_math",
        "code_languages",
    }
    assert len(data["entries"]) == 11
    for entry in data["entries"]:
        assert entry_keys <= set(entry), entry_keys - set(entry)
        for link in entry["links"]:
            assert {"url", "text", "kind", "line"} <= set(link)
        for paper in entry["papers"]:
            assert {"id", "url", "title", "line"} <= set(paper)
        for todo in entry["todos"]:
            assert {"text", "done", "line"} <= set(todo)
        for question in entry["questions"]:
            assert {"text", "line"} <= set(question)
        for term in entry["terms"]:
            assert {"term", "definition", "line"} <= set(term)
        assert isinstance(entry["has_math"], bool)
        assert isinstance(entry["code_languages"], list)
    by_title = {e["title"]: e for e in data["entries"]}
    score = by_title["Score matching"]
    assert score["papers"] == [
        {
            "id": "arxiv:2006.11239",
            "url": "https://arxiv.org/abs/2006.11239",
            "title": "Denoising Diffusion Probabilistic Models",
            "line": 8,
        }
    ]
    assert score["links"][0]["kind"] == "paper"
    assert score["todos"] == [
        {"text": "reimplement the ancestral sampler", "done": False, "line": 10, "end_line": 10},
        {"text": "read section 3 twice", "done": True, "line": 11, "end_line": 11},
    ]
    assert score["questions"] == [
        {
            "text": "Why does the variance schedule matter so much?",
            "line": 13,
            "end_line": 13,
            "inline": True,
        }
    ]
    terms = by_title["Terms and Concepts"]["terms"]
    assert terms[0] == {
        "term": "Overfitting",
        "definition": "fitting noise in the training set",
        "line": 13,
    }
    lesson = by_title["Lesson 1: Gradient descent"]
    assert lesson["links"][0]["kind"] == "video"
    assert [t["done"] for t in lesson["todos"]] == [False, True]
    assert by_title["Classifier-free guidance with #Diffusion again"]["has_math"] is True
    assert by_title[
        "Compared #Transformers positional encodings: sinusoids against learned tables"
    ]["code_languages"] == ["python"]
    assert by_title["MAML을 다시 읽었다"]["category"] == "Library"


def test_export_to_stdout(invoke: Invoke) -> None:
    _check_export(json.loads(invoke("export").stdout))


def test_export_to_file(invoke: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "out" / "export.json"
    target.parent.mkdir()
    result = invoke("export", "--format", "json", "-o", str(target))
    assert result.stdout == ""
    assert "Wrote 11 entries" in result.stderr
    data = json.loads(target.read_text(encoding="utf-8"))
    _check_export(data)
    assert data == json.loads(invoke("export").stdout)
    # Korean is written as text, not escapes.
    assert "전문검색을" in target.read_text(encoding="utf-8")


def test_export_unknown_format(invoke: Invoke) -> None:
    invoke("export", "--format", "yaml", code=2)


# -- inspect --------------------------------------------------------------------------------


def test_inspect_text(runner: CliRunner, log_dir: Path) -> None:
    result = runner.invoke(main, ["inspect", str(log_dir / "journal.md")])
    assert result.exit_code == 0, result.output
    assert "layout dated-headings" in result.stdout
    assert "3 entries" in result.stdout
    assert "5-13" in result.stdout
    assert "preamble: lines 1-4" in result.stdout
    # Inspecting reads the file directly and makes no index.
    assert not (log_dir / ".tilbook").exists()


def test_inspect_json(runner: CliRunner, log_dir: Path) -> None:
    result = runner.invoke(main, ["inspect", "--json", str(log_dir / "notebook.md")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["layout"] == "sections"
    assert data["title"] == "Safety notebook"
    assert "topic headings" in data["layout_reason"]
    assert data["warnings"] == []
    assert [(e["line"], e["end_line"]) for e in data["entries"]] == [(3, 5), (7, 9), (11, 14)]
    assert data["targets"][0]["tags"] == ["Alignment"]


def test_inspect_problem_files(runner: CliRunner, tmp_path: Path) -> None:
    missing = runner.invoke(main, ["inspect", str(tmp_path / "nope.md")])
    assert missing.exit_code == 2
    empty = tmp_path / "empty.md"
    empty.write_text("")
    result = runner.invoke(main, ["inspect", str(empty)])
    assert result.exit_code == 1
    assert "empty" in result.stderr
    assert "Traceback" not in result.output


# -- config ---------------------------------------------------------------------------------


def test_config_defaults(invoke: Invoke, invoke_json) -> None:
    rows = {row["name"]: row for row in invoke_json("config")}
    from tilbook.settings import SETTINGS

    assert set(rows) == {setting.name for setting in SETTINGS}
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for name in rows:
        assert f"`{name}`" in readme, f"setting {name} is not documented in the README"
    for row in rows.values():
        assert row["source"] == "default"
        assert row["value"] == row["default"]
        assert row["help"]
    assert ".md" in rows["extensions"]["value"]
    text = invoke("config").stdout
    assert "max_file_size_mb = 16   (default)" in text


def test_config_file_adds_txt_notes(invoke: Invoke, invoke_json, log_dir: Path) -> None:
    (log_dir / "extra.txt").write_text("## 2024-06-01\n\nKangaroo note.\n", encoding="utf-8")
    assert invoke_json("search", "kangaroo") == []
    (log_dir / "tilbook.toml").write_text('extensions = [".md", ".txt"]\n', encoding="utf-8")
    rows = {row["name"]: row for row in invoke_json("config")}
    assert rows["extensions"]["value"] == [".md", ".txt"]
    assert rows["extensions"]["source"] == str(log_dir.resolve() / "tilbook.toml")
    assert rows["ignore"]["source"] == "default"
    hits = invoke_json("search", "kangaroo")
    assert [h["source"] for h in hits] == ["extra.txt"]
    assert invoke_json("index")["files"] == 6


def test_config_table_and_ignore(invoke_json, log_dir: Path) -> None:
    (log_dir / "tilbook.toml").write_text('[tilbook]\nignore = ["notes/"]\n', encoding="utf-8")
    report = invoke_json("index")
    assert report["files"] == 4
    assert all(not e["source"].startswith("notes/") for e in invoke_json("entries"))


def test_config_rejects_unknown_setting(invoke: Invoke, log_dir: Path) -> None:
    (log_dir / "tilbook.toml").write_text("colour = true\n", encoding="utf-8")
    result = invoke("config", code=1)
    assert "unknown setting 'colour'" in result.stderr
    assert "tilbook.toml" in result.stderr
    # Every command reading settings refuses it the same way.
    assert "unknown setting" in invoke("index", code=1).stderr


def test_config_rejects_bad_values(invoke: Invoke, log_dir: Path) -> None:
    config = log_dir / "tilbook.toml"
    config.write_text('max_file_size_mb = "big"\n', encoding="utf-8")
    assert "whole number" in invoke("config", code=1).stderr
    config.write_text("extensions = [1, 2]\n", encoding="utf-8")
    assert "list of strings" in invoke("config", code=1).stderr
    config.write_text("extensions = [\n", encoding="utf-8")
    assert "not valid TOML" in invoke("config", code=1).stderr


# -- errors, environment, help --------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("entries", "--since", "2024-13-01"),
        ("entries", "--until", "someday"),
        ("search", "word", "--since", "2024/13/01"),
        ("search", "word", "--until", "soon"),
    ],
)
def test_bad_date_is_a_usage_error(invoke: Invoke, args: tuple[str, ...]) -> None:
    result = invoke(*args, code=2)
    assert "is not a date tilbook can use: write it like 2024-03-14" in result.stderr


def test_missing_log_folder(invoke: Invoke, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-notes"
    for command in ("index", "entries", "tags", "config", "export"):
        result = invoke(command, log=missing, code=1)
        assert str(missing) in result.stderr
        assert "no such folder" in result.stderr
    assert "no such folder" in invoke("search", "word", log=missing, code=1).stderr
    assert not missing.exists()


def test_tilbook_log_environment_variable(
    runner: CliRunner, log_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = runner.invoke(main, ["entries", "--json"], env={"TILBOOK_LOG": str(log_dir)})
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 11
    assert not (elsewhere / ".tilbook").exists()


def test_log_defaults_to_the_current_folder(
    runner: CliRunner, log_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(log_dir)
    monkeypatch.delenv("TILBOOK_LOG", raising=False)
    result = runner.invoke(main, ["tags", "--json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 6


def test_every_command_has_help(runner: CliRunner) -> None:
    assert set(main.commands) >= {
        "index",
        "inspect",
        "entries",
        "search",
        "show",
        "tags",
        "export",
        "config",
    }
    overview = runner.invoke(main, ["--help"])
    assert overview.exit_code == 0
    for name, command in main.commands.items():
        assert command.help, f"{name} has no help text"
        assert command.help.strip(), f"{name} has no help text"
        assert name in overview.stdout
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert f"Usage: main {name}" in result.stdout or f"{name} [OPTIONS]" in result.stdout
        for param in command.params:
            if param.param_type_name == "option" and param.name != "help":
                assert getattr(param, "help", None), f"{name} {param.opts} has no help"


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("tilbook, version ")


def test_python_dash_m(repo_root: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tilbook", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=repo_root,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout
    assert "search" in result.stdout


@pytest.mark.parametrize("command", [["search", "x"], ["entries"], ["index"], ["todo"]])
def test_a_folder_without_notes_says_so_and_stays_untouched(
    runner: CliRunner, tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / "readme.txt").write_text("not a note", encoding="utf-8")
    result = runner.invoke(main, [command[0], "--log", str(tmp_path), *command[1:]])
    assert result.exit_code == 1
    assert f"0 note files (.md, .markdown, .mdown, .mkd) found under {tmp_path}" in result.output
    assert "--log DIR or the TILBOOK_LOG" in result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["readme.txt"]


def test_tables_at_80_columns_never_break_a_tag_an_id_or_a_place(
    runner: CliRunner, tmp_path: Path
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir(parents=True)
    (notes / "2024-03-01-attention.md").write_text(
        "# Course\n\n## 2024-03-01 Transformers and the attention mechanism in some detail\n\n"
        "Read about attention today and wrote a long paragraph about it. "
        "#Transformers #Reinforcement\n\n"
        "- [ ] re-derive the softmax gradient by hand before the next lecture\n"
        "- Why is the scaling factor the square root of the key dimension?\n",
        encoding="utf-8",
    )
    env = {"COLUMNS": "80"}
    place = "notes/2024-03-01-attention.md"
    for command, words in (
        (["entries"], ["#Transformers", "#Reinforcement", f"{place}:3"]),
        (["search", "attention"], ["#Transformers", "#Reinforcement"]),
        (["todo"], [f"{place}:7"]),
        (["questions"], [f"{place}:8"]),
    ):
        result = runner.invoke(main, [command[0], "--log", str(tmp_path), *command[1:]], env=env)
        assert result.exit_code == 0, result.output
        assert max(len(line) for line in result.output.splitlines()) <= 80
        for word in words:
            assert word in result.output, (command, word, result.output)


def test_counts_of_one_are_singular(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "log.md").write_text("# Log\n\n## 2024-03-01\n\nOne entry.\n", encoding="utf-8")
    result = runner.invoke(main, ["index", "--log", str(tmp_path)])
    assert "1 file (1 read" in result.output and "1 entry in" in result.output
    assert "0 warnings" in result.output
    assert "1 files" not in result.output and "1 entries" not in result.output


def test_every_command_that_reports_takes_json() -> None:
    """Only the interactive review session, the server and `export` (JSON already) do not."""
    import click

    def walk(command: click.Command, path: list[str]) -> Any:
        yield path, command
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                yield from walk(sub, [*path, name])

    without = {
        " ".join(path)
        for path, command in walk(main, [])
        if path and "--json" not in {opt for param in command.params for opt in param.opts}
    }
    assert without == {"export", "review", "serve"}


def test_json_of_the_writing_commands(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "log.md").write_text(
        "# Log\n\n## 2024-03-01\n\nRead a paper.\n\n- [ ] try the code\n- Why does it converge?\n",
        encoding="utf-8",
    )

    def run(*args: str) -> Any:
        result = runner.invoke(main, [args[0], "--log", str(tmp_path), *args[1:], "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    added = run("todo", "add", "write it up")
    assert added["source"] == "log.md" and added["line"] > 0
    todo_id = next(item["id"] for item in run("todo") if item["text"] == "try the code")
    ticked = run("todo", "done", todo_id)
    assert ticked[0]["before"] == "- [ ] try the code" and ticked[0]["after"].startswith("- [x]")
    question = run("questions")[0]["id"]
    answered = run("questions", "answer", question, "--note", "A small step size.")
    assert answered["answered"] is True and answered["answer"]["note"] == "A small step size."


def test_shell_completion_as_the_readme_says(runner: CliRunner) -> None:
    result = runner.invoke(main, [], prog_name="tilbook", env={"_TILBOOK_COMPLETE": "bash_source"})
    assert "_tilbook_completion()" in result.output
    words = runner.invoke(
        main,
        [],
        prog_name="tilbook",
        env={"_TILBOOK_COMPLETE": "bash_complete", "COMP_WORDS": "tilbook rev", "COMP_CWORD": "1"},
    )
    assert "plain,review" in words.output
