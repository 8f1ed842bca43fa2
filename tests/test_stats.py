"""Learning targets and stats: counting over time, streaks, the picture, and the commands."""

from __future__ import annotations

import json
import shutil
import warnings
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tilbook.cli import main
from tilbook.features.stats import (
    LogStats,
    Streak,
    month_range,
    per_month,
    per_week,
    runs,
    streaks,
    week_key,
)
from tilbook.features.targets import configured_target, key_words
from tilbook.render.charts import draw_stats, font_families
from tilbook.render.heatmap import heat_level, heat_levels, level_labels

# Days with entries: Jan 15; Mar 1-3 (a 3-day run); Mar 5; Mar 8-9 (2 days); Mar 20 (two entries).
JOURNAL = """\
# Study log

## Learning targets

- #Diffusion: write DDPM from scratch
- Reinforcement learning with PPO

## 2024-03-20

(#Diffusion) Guidance scale sweep, see [DDIM](https://arxiv.org/abs/2010.02502).

(#RL) The clipping in PPO again.

## 2024-03-09

Advantage estimates, finally. #RL

- [x] rerun the CartPole baseline

## 2024-03-08

Noise schedules for #Diffusion.

## 2024-03-05

Only reading today.

## 2024-03-03

Sampler loop, second try. #Diffusion

## 2024-03-02

Read the DDPM paper again: https://arxiv.org/abs/2006.11239

## 2024-03-01

Started the sampler. #Diffusion

- [ ] write the sampler
- [ ] plot the noise schedule

## 2024-01-15

Policy gradients from scratch. #RL

- [x] derive REINFORCE
"""

NOTEBOOK = """\
# Notebook

## What I want to learn

- Sparse autoencoders for interpretability

## Dictionary learning notes

Sparse autoencoders split activations into features.

## Unrelated

Cooking pasta.
"""

KOREAN = """\
## 2024-03-01

트랜스포머를 공부했다. #딥러닝 #Transformers

## 2024-03-02

검색 엔진을 만들었다. #검색 #딥러닝
"""

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"


def d(text: str) -> date:
    return date.fromisoformat(text)


def run(root: Path, *args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(main, [*args, "--log", str(root)], env={"COLUMNS": "160"})
    assert result.exit_code == code, result.output + (result.stderr or "")
    return result


def run_json(root: Path, *args: str) -> Any:
    return json.loads(run(root, *args, "--json").stdout)


@pytest.fixture
def journal(make_log: Any) -> Path:
    return Path(make_log({"journal.md": JOURNAL}))


# -- pure functions -------------------------------------------------------------------------


def test_runs_split_at_every_gap() -> None:
    days = [d("2024-03-02"), d("2024-03-01"), d("2024-03-03"), d("2024-03-05"), d("2024-03-01")]
    assert runs(days) == [
        Streak(3, d("2024-03-01"), d("2024-03-03")),
        Streak(1, d("2024-03-05"), d("2024-03-05")),
    ]
    assert runs([]) == []


@pytest.mark.parametrize(
    ("today", "current"),
    [
        ("2024-03-09", (2, "2024-03-08", "2024-03-09")),  # an entry today
        ("2024-03-10", (2, "2024-03-08", "2024-03-09")),  # none yet today: yesterday counts
        ("2024-03-11", (0, None, None)),  # a day missed
        ("2024-03-04", (3, "2024-03-01", "2024-03-03")),
        ("2024-03-07", (0, None, None)),
        ("2024-03-02", (2, "2024-03-01", "2024-03-02")),  # later days do not count yet
    ],
)
def test_current_streak_counts_up_to_today_or_yesterday(
    today: str, current: tuple[int, str | None, str | None]
) -> None:
    days = [d(x) for x in ("2024-01-15", "2024-03-01", "2024-03-02", "2024-03-03")]
    days += [d(x) for x in ("2024-03-05", "2024-03-08", "2024-03-09")]
    found, longest = streaks(days, d(today))
    assert found.to_dict() == {"days": current[0], "start": current[1], "end": current[2]}
    assert longest == Streak(3, d("2024-03-01"), d("2024-03-03"))


def test_longest_streak_prefers_the_latest_on_a_tie_and_is_zero_without_entries() -> None:
    days = [d("2024-01-01"), d("2024-01-02"), d("2024-02-01"), d("2024-02-02")]
    assert streaks(days, d("2024-06-01"))[1] == Streak(2, d("2024-02-01"), d("2024-02-02"))
    assert streaks([], d("2024-06-01")) == (Streak(0), Streak(0))


def test_streak_across_a_month_and_a_year_end() -> None:
    days = [d("2023-12-30"), d("2023-12-31"), d("2024-01-01")]
    current, longest = streaks(days, d("2024-01-01"))
    assert current.days == longest.days == 3


def test_weeks_are_iso_weeks_from_monday_with_empty_weeks_kept() -> None:
    days = [d("2024-01-15"), d("2024-01-21"), d("2024-02-05"), d("2024-02-05")]
    assert per_week(days) == [
        (d("2024-01-15"), 2),  # Monday and Sunday of one week
        (d("2024-01-22"), 0),
        (d("2024-01-29"), 0),
        (d("2024-02-05"), 2),
    ]
    assert week_key(d("2024-12-30")) == "2025-W01"
    assert week_key(d("2024-01-15")) == "2024-W03"
    assert per_week([]) == []


def test_months_are_continuous_across_years() -> None:
    days = [d("2023-11-30"), d("2024-02-01"), d("2024-02-29")]
    assert per_month(days) == [("2023-11", 1), ("2023-12", 0), ("2024-01", 0), ("2024-02", 2)]
    assert month_range("2023-12", "2024-01") == ["2023-12", "2024-01"]
    assert per_month([]) == []


def test_heat_levels_and_their_labels() -> None:
    assert heat_levels(1) == [1]
    assert heat_levels(3) == [1, 2, 3]
    assert heat_levels(4) == [1, 2, 3, 4]
    assert heat_levels(10) == [1, 3, 6, 8]
    assert level_labels([1, 3, 6, 8], 10) == ["0", "1–2", "3–5", "6–7", "8+"]
    assert level_labels([1, 2, 3], 3) == ["0", "1", "2", "3"]


def test_heat_level_spreads_few_steps_over_the_greens() -> None:
    assert [heat_level(count, 10) for count in (0, 1, 2, 3, 5, 6, 8, 10)] == [
        0,
        1,
        1,
        2,
        2,
        3,
        4,
        4,
    ]
    assert [heat_level(count, 2) for count in (0, 1, 2)] == [0, 1, 4]
    assert [heat_level(count, 3) for count in (1, 2, 3)] == [1, 3, 4]
    assert heat_level(1, 1) == 1  # one entry a day at most: the lightest green


def test_key_words_leave_out_how_one_learns() -> None:
    assert key_words("Get comfortable with diffusion models (DDPM, then DDIM)") == [
        "comfortable*",
        "diffusion*",
        "model*",
        "ddpm*",
        "ddim*",
    ]
    assert key_words("Understand RL basics") == ["rl"]
    assert key_words("Variational auto-encoders") == ["variational*", "auto-encoder*"]
    assert key_words("트랜스포머를 이해하기") == ["트랜스포머"]
    assert key_words("Principal Component Analysis") == ["principal*", "component*", "analysis*"]


def test_configured_targets_take_their_tags() -> None:
    target = configured_target("  #GenAI: diffusion   models ")
    assert (target.text, target.tags, target.source, target.line) == (
        "#GenAI: diffusion models",
        ["GenAI"],
        "tilbook.toml",
        None,
    )


# -- tilbook stats --------------------------------------------------------------------------


def test_stats_counts_weeks_months_streaks_tags_papers_and_todos(journal: Path) -> None:
    data = run_json(journal, "stats", "--today", "2024-03-10")
    assert data["today"] == "2024-03-10"
    assert data["entries"] == {
        "total": 9,
        "dated": 9,
        "undated": 0,
        "days": 8,
        "first": "2024-01-15",
        "last": "2024-03-20",
    }
    assert data["streaks"]["current"] == {"days": 2, "start": "2024-03-08", "end": "2024-03-09"}
    assert data["streaks"]["longest"] == {"days": 3, "start": "2024-03-01", "end": "2024-03-03"}
    weeks = {row["week"]: row["entries"] for row in data["per_week"]}
    assert len(weeks) == 10  # 2024-W03 … 2024-W12, empty weeks included
    assert weeks["2024-W03"] == 1
    assert weeks["2024-W04"] == 0
    assert weeks["2024-W09"] == 3  # Mar 1, 2, 3
    assert weeks["2024-W10"] == 3  # Mar 5, 8, 9
    assert weeks["2024-W12"] == 2  # two entries on Mar 20
    assert data["per_month"] == [
        {"month": "2024-01", "entries": 1},
        {"month": "2024-02", "entries": 0},
        {"month": "2024-03", "entries": 8},
    ]
    assert data["per_day"]["2024-03-20"] == 2
    assert data["tags"][:2] == [{"tag": "Diffusion", "entries": 4}, {"tag": "RL", "entries": 3}]
    assert {"month": "2024-03", "tags": {"Diffusion": 4, "RL": 2}} in data["tags_per_month"]
    assert data["papers"] == {
        "mentions": 2,
        "per_month": [{"month": "2024-03", "mentions": 2, "papers": 2}],
    }
    assert data["todos"] == {
        "open": 2,
        "done": 2,
        "per_month": [
            {"month": "2024-01", "open": 0, "done": 1},
            {"month": "2024-03", "open": 2, "done": 1},
        ],
    }


def test_stats_today_defaults_to_the_local_date(journal: Path) -> None:
    data = run_json(journal, "stats")
    assert data["today"] == date.today().isoformat()
    assert data["streaks"]["longest"]["days"] == 3


def test_stats_table(journal: Path) -> None:
    out = run(journal, "stats", "--today", "2024-03-09").stdout
    assert "9 dated on 8 days (2024-01-15 … 2024-03-20)" in out
    assert "current 2 days (2024-03-08 … 2024-03-09)" in out
    assert "longest 3 days (2024-03-01 … 2024-03-03)" in out
    assert "2 open · 2 done" in out
    assert "#Diffusion 4 · #RL 3" in out
    assert "2024-W12" in out
    assert "2024-02 │       0" in out


def test_stats_counts_undated_entries_and_their_todos_apart(log_dir: Path) -> None:
    data = run_json(log_dir, "stats", "--today", "2024-04-01")
    assert data["entries"]["undated"] >= 2  # the course lessons
    undated = [row for row in data["todos"]["per_month"] if row["month"] is None]
    assert undated == [{"month": None, "open": 1, "done": 1}]
    assert "undated" in run(log_dir, "stats", "--today", "2024-04-01").stdout


def test_stats_on_an_empty_log(make_log: Any, tmp_path: Path) -> None:
    root = Path(make_log({"empty.md": ""}))
    data = run_json(root, "stats")
    assert data["entries"]["total"] == 0
    assert data["streaks"]["longest"] == {"days": 0, "start": None, "end": None}
    assert data["per_week"] == data["per_month"] == []
    assert "No entries yet" in run(root, "stats").stdout
    picture = tmp_path / "empty.png"
    run(root, "stats", "--plot", str(picture))
    assert picture.stat().st_size > 3000


def test_stats_rejects_a_bad_date(journal: Path) -> None:
    result = run(journal, "stats", "--today", "March 3", code=2)
    assert "--today" in result.output


def test_plot_svg_is_a_valid_svg_with_a_day_grid_and_labels(journal: Path, tmp_path: Path) -> None:
    picture = tmp_path / "stats.svg"
    result = run(journal, "stats", "--today", "2024-03-20", "--plot", str(picture))
    assert f"Drew {picture}" in result.stderr
    root = ET.parse(picture).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = {
        "".join(node.itertext()).strip() for node in root.iter("{http://www.w3.org/2000/svg}text")
    }
    assert {"Mon", "Wed", "Fri", "Jan", "Dec", "#Diffusion", "#RL"} <= texts
    assert any(text.startswith("2024: 9 entries on 8 days") for text in texts)
    assert any(text.startswith("Tags over time") for text in texts)
    assert any(text.startswith("Entries per month") for text in texts)
    # The same picture twice is the same file (no dates or random ids in it).
    first = picture.read_bytes()
    run(journal, "stats", "--today", "2024-03-20", "--plot", str(picture))
    assert picture.read_bytes() == first


def test_plot_png_with_json(journal: Path, tmp_path: Path) -> None:
    picture = tmp_path / "stats.PNG"
    result = run(journal, "stats", "--json", "--plot", str(picture))
    assert json.loads(result.stdout)["entries"]["total"] == 9
    data = picture.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 20_000


def test_plot_refuses_other_file_types(journal: Path, tmp_path: Path) -> None:
    result = run(journal, "stats", "--plot", str(tmp_path / "stats.jpg"), code=1)
    assert "must be an .svg, a .png or a .pdf file" in result.output
    assert not (tmp_path / "stats.jpg").exists()


def test_plot_into_a_missing_folder_is_a_clear_error(journal: Path, tmp_path: Path) -> None:
    result = run(journal, "stats", "--plot", str(tmp_path / "nowhere" / "stats.png"), code=1)
    assert "cannot write the picture" in result.output


def test_plot_korean_tags_without_warnings(make_log: Any, tmp_path: Path) -> None:
    root = Path(make_log({"log.md": KOREAN}))
    picture = tmp_path / "ko.png"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run(root, "stats", "--plot", str(picture))
    assert [str(w.message) for w in caught if "Glyph" in str(w.message)] == []
    assert picture.read_bytes().startswith(b"\x89PNG")
    # One line at most: when no installed font has Hangul, it says so once.
    assert result.stderr.count("warning:") <= 1
    families, note = font_families(["딥러닝"])
    assert families[0] == "DejaVu Sans"
    assert (note is None) == (len(families) > 1)
    assert "Last Resort" not in " ".join(families)


def test_glyphs_no_font_has_give_one_note_and_still_a_picture(tmp_path: Path) -> None:
    hieroglyph = "\U00013000"
    families, note = font_families(["plain", hieroglyph])
    assert families[0] == "DejaVu Sans"
    assert note is not None
    assert hieroglyph in note
    stats = LogStats(
        today=d("2024-03-02"),
        entries=1,
        undated=0,
        per_day={d("2024-03-01"): 1},
        per_week=[(d("2024-02-26"), 1)],
        per_month=[("2024-03", 1)],
        current=Streak(0),
        longest=Streak(1, d("2024-03-01"), d("2024-03-01")),
        top_tags=[(hieroglyph, 1)],
        tags_per_month={"2024-03": {hieroglyph: 1}},
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        notes = draw_stats(stats, tmp_path / "glyphs.png")
    assert caught == []
    assert notes == [note]
    assert (tmp_path / "glyphs.png").read_bytes().startswith(b"\x89PNG")
    # An SVG keeps text as text: the viewer's fonts draw it, so there is nothing to say.
    assert draw_stats(stats, tmp_path / "glyphs.svg") == []
    assert hieroglyph in (tmp_path / "glyphs.svg").read_text(encoding="utf-8")


# -- tilbook targets ------------------------------------------------------------------------


def test_targets_by_tag_and_by_words(journal: Path) -> None:
    data = run_json(journal, "targets")
    assert data["months"] == ["2024-01", "2024-03"]  # the months with entries
    by_text = {target["text"]: target for target in data["targets"]}
    diffusion = by_text["#Diffusion: write DDPM from scratch"]
    assert diffusion["tags"] == ["Diffusion"]
    assert diffusion["per_month"] == {"2024-01": 0, "2024-03": 4}
    assert diffusion["entries"] == 4
    assert diffusion["last"] == "2024-03-20"
    assert (diffusion["source"], diffusion["line"]) == ("journal.md", 5)
    ppo = by_text["Reinforcement learning with PPO"]
    assert ppo["tags"] == []
    assert ppo["words"] == ["reinforcement*", "ppo"]
    assert ppo["per_month"] == {"2024-01": 0, "2024-03": 1}
    assert ppo["last"] == "2024-03-20"


def test_targets_months_option(journal: Path) -> None:
    data = run_json(journal, "targets", "--months", "1")
    assert data["months"] == ["2024-03"]
    assert data["targets"][0]["per_month"] == {"2024-03": 4}
    assert data["targets"][0]["entries"] == 4  # all related entries, whatever the months shown
    run(journal, "targets", "--months", "0", code=2)


def test_targets_from_tilbook_toml(journal: Path) -> None:
    (journal / "tilbook.toml").write_text(
        'targets = ["#RL: policy gradients", "noise schedules", "#Diffusion: write DDPM '
        'from scratch"]\n',
        encoding="utf-8",
    )
    data = run_json(journal, "targets")
    configured = [t for t in data["targets"] if t["source"] == "tilbook.toml"]
    assert [t["text"] for t in configured] == ["#RL: policy gradients", "noise schedules"]
    rl, noise = configured
    assert rl["line"] is None
    assert rl["per_month"] == {"2024-01": 1, "2024-03": 2}
    assert rl["last"] == "2024-03-20"
    assert noise["words"] == ["noise*", "schedule*"]
    assert noise["per_month"] == {"2024-01": 0, "2024-03": 2}  # Mar 1 and Mar 8
    assert noise["last"] == "2024-03-08"
    config = json.loads(run(journal, "config", "--json").stdout)
    assert {row["name"]: row for row in config}["targets"]["source"].endswith("tilbook.toml")


def test_korean_targets_and_targets_without_key_words(make_log: Any) -> None:
    root = Path(make_log({"log.md": KOREAN}))
    (root / "tilbook.toml").write_text(
        'targets = ["트랜스포머를 배우기", "learn more", "#딥러닝: 기초"]\n', encoding="utf-8"
    )
    korean, nothing, tagged = run_json(root, "targets")["targets"]
    assert korean["words"] == ["트랜스포머"]
    assert (korean["entries"], korean["last"]) == (1, "2024-03-01")
    assert (nothing["words"], nothing["entries"], nothing["last"]) == ([], 0, None)
    assert tagged["tags"] == ["딥러닝"]
    assert tagged["per_month"] == {"2024-03": 2}
    assert "nothing (no tags or key words)" in run(root, "targets").stdout


def test_targets_setting_must_be_strings(journal: Path) -> None:
    (journal / "tilbook.toml").write_text("targets = [1, 2]\n", encoding="utf-8")
    result = run(journal, "targets", code=1)
    assert "targets must be a list of strings" in result.output


def test_targets_table(journal: Path) -> None:
    out = run(journal, "targets").stdout
    assert "#Diffusion: write DDPM from scratch" in out
    assert "journal.md:5 · tags #Diffusion" in out
    assert "words reinforcement* ppo" in out
    assert "2024-03-20" in out
    assert "Jan" in out and "Mar" in out


def test_the_entry_listing_a_target_is_not_related_to_it(make_log: Any) -> None:
    root = Path(make_log({"notebook.md": NOTEBOOK}))
    (target,) = run_json(root, "targets")["targets"]
    assert target["text"] == "Sparse autoencoders for interpretability"
    assert target["entries"] == 1  # "Dictionary learning notes", not the list itself
    assert target["last"] is None  # topic sections have no dates
    assert run_json(root, "targets")["months"] == []


def test_no_targets_says_how_to_add_them(make_log: Any) -> None:
    root = Path(make_log({"journal.md": "## 2024-01-01\n\nA day.\n"}))
    result = run(root, "targets")
    assert "No learning targets yet" in result.stderr
    assert run_json(root, "targets") == {"months": ["2024-01"], "targets": []}


def test_common_words_do_not_make_a_target_match_everything(make_log: Any) -> None:
    notes = {f"n{i}.md": f"## 2024-01-{i + 1:02d}\n\nTraining models, day {i}.\n" for i in range(9)}
    notes["goals.md"] = "# Goals\n\n## Goals\n\n- Mixture of experts models\n"
    notes["moe.md"] = "## 2024-02-01\n\nMixture of experts routing.\n"
    root = Path(make_log(notes))
    (target,) = run_json(root, "targets")["targets"]
    assert target["words"] == ["mixture*", "expert*"]  # "models" is in most entries
    assert target["entries"] == 1


# -- the seeds ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not here")
    root = tmp_path_factory.mktemp("seeds")
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copyfile(seed, root / f"{seed.stem}.md")
    return root


@pytest.mark.seeds
def test_seed_targets_have_monthly_counts(seed_log: Path) -> None:
    data = run_json(seed_log, "targets")
    assert len(data["months"]) == 6
    journal = [t for t in data["targets"] if t["source"].startswith("000_")]
    assert len(journal) >= 5
    assert all(t["tags"] for t in journal)
    assert all(t["line"] for t in journal)
    counted = [t for t in journal if sum(t["per_month"].values()) > 0]
    assert len(counted) >= 2
    assert all(t["last"] and t["last"].startswith("2023-") for t in counted)
    # The untagged targets of the safety notebook are matched by their words.
    notebook = [t for t in data["targets"] if t["source"].startswith("003_")]
    assert notebook
    assert all(t["words"] and not t["tags"] for t in notebook)


@pytest.mark.seeds
def test_seed_stats_and_picture(seed_log: Path, tmp_path: Path) -> None:
    data = run_json(seed_log, "stats", "--today", "2023-08-19")
    assert data["entries"]["dated"] > 50
    assert data["entries"]["undated"] > 0
    assert data["streaks"]["longest"]["days"] >= 2
    assert data["streaks"]["current"]["days"] >= 1  # the journal's last day is 2023-08-18
    assert data["todos"]["open"] > 0
    assert data["papers"]["mentions"] > 0
    picture = tmp_path / "seeds.png"
    run(seed_log, "stats", "--plot", str(picture))
    assert len(picture.read_bytes()) > 50_000


def test_a_target_met_only_by_undated_entries_is_not_never(tmp_path: Path) -> None:
    (tmp_path / "plan.md").write_text(
        "# Plan\n\n## Goals\n\n- Get comfortable with #RL\n\n## 2024-03-01\n\nA dated day.\n",
        encoding="utf-8",
    )
    (tmp_path / "bellman.md").write_text(
        "# Bellman equations\n\nNotes on value iteration. #RL\n", encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["targets", "--log", str(tmp_path)])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "Get comfortable" in line)
    assert "1" in row and "undated" in row and "never" not in row


def test_svg_pictures_need_no_plotting_library(journal: Path, tmp_path: Path) -> None:
    """A plain install has no matplotlib: SVG pictures still work, PNG says what to install."""
    import subprocess
    import sys

    blocked = (
        "import sys; sys.modules['matplotlib'] = None; sys.modules['numpy'] = None; "
        "from tilbook.cli import main; main()"
    )

    def run_without(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-c", blocked, *args, "--log", str(journal)]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    picture = tmp_path / "stats.svg"
    done = run_without("stats", "--plot", str(picture))
    assert done.returncode == 0, done.stderr
    assert ET.parse(picture).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    reviews = tmp_path / "reviews.svg"
    done = run_without("review", "stats", "--plot", str(reviews))
    assert done.returncode == 0, done.stderr
    assert "Reviews per day" in reviews.read_text(encoding="utf-8")
    done = run_without("stats", "--plot", str(tmp_path / "stats.png"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "need matplotlib" in done.stderr and "tilbook[plot]" in done.stderr
