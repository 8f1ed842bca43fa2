"""The README's Performance section, made from the benchmarks' last JSON output.

``README.md`` calls ``performance()`` from a cog block (``.venv/bin/cog -r README.md``), so
the figures there are always those of the files below, which ``bench/run.py --out`` and
``bench/load.py --out`` write::

    .venv/bin/python bench/run.py --out bench/results/run.json
    .venv/bin/python bench/load.py --entries 10000 --out bench/results/load-10k.json

Nothing here measures anything: it only formats.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
RUN = RESULTS / "run.json"
LOAD = RESULTS / "load-10k.json"


def _number(value: float, unit: str) -> str:
    if not unit:
        return f"{value:g}"
    if unit == "ms" and value >= 1000:
        return f"{value / 1000:,.2f} s"
    if unit == "×":
        return f"{value:g}×"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:,.1f}"
    else:
        text = f"{value:,.2f}"
    return f"{text} {unit}".rstrip()


def _target_rows(judged: list[dict[str, Any]]) -> list[str]:
    rows = []
    for target in judged:
        value = (
            "not measured" if target["value"] is None else _number(target["value"], target["unit"])
        )
        bound = f"{target['op'].replace('<=', '≤')} {target['target']:g}"
        bound += "×" if target["unit"] == "×" else f" {target['unit']}".rstrip()
        ratio = "" if target["ratio"] is None else f"{target['ratio']:.2f}"
        met = {True: "yes", False: "**no**", None: "—"}[target["met"]]
        rows.append(f"| {target['what']} | {value} | {bound} | {ratio} | {met} |")
    return rows


def _shown(path: Path) -> str:
    """`path` as the README names it: relative to the project when inside it."""
    try:
        return path.resolve().relative_to(RESULTS.parent.parent).as_posix()
    except ValueError:
        return str(path)


def _machine(found: dict[str, Any]) -> str:
    machine = found["machine"]
    return (
        f"{machine['cpus_usable']} CPUs usable, {machine['platform']}, CPython "
        f"{machine['python']}, SQLite {machine['sqlite']}, {machine['date'][:10]}"
    )


def performance(run_path: Path = RUN, load_path: Path = LOAD) -> str:
    """The Markdown of the Performance section's figures."""
    if not run_path.exists():
        return "No figures yet: run `bench/run.py --out bench/results/run.json`.\n"
    found = json.loads(run_path.read_text(encoding="utf-8"))
    load = json.loads(load_path.read_text(encoding="utf-8")) if load_path.exists() else None
    figures = found["figures"]
    where = f"From `{_shown(run_path)}`"
    if load:
        where += f" and `{_shown(load_path)}`"
    runs = [x for x in (found, load) if x]
    machines = dict.fromkeys(_machine(x) for x in runs)
    notes = dict.fromkeys(x["settings"]["note"] for x in runs if x["settings"].get("note"))
    lines = [
        f"{where} ({'; '.join(machines)}). `ratio` is the figure divided by its bound."
        + "".join(f" Note: {note.rstrip('.')}." for note in notes),
        "",
        "| target | figure | bound | ratio | met |",
        "| --- | --- | --- | --- | --- |",
        *_target_rows(found["targets"] + (load["targets"] if load else [])),
        "",
        "Behind them:",
        "",
    ]
    details = []
    by_size = found["by_size"]
    for label, size in by_size.items():
        text = (
            f"- {size['entries']:,} entries ({size['files']} files, {size['markdown_mb']} MB): "
            f"cold index {_number(size['index_cold_s'], 's')} in-process"
        )
        if "index_cold_cli_s" in size:
            text += (
                f", {_number(size['index_cold_cli_s'], 's')} as `tilbook index` "
                f"(peak {size['index_peak_mb']:.0f} MB)"
            )
        if "markdown_it_parse_s" in size:
            parse = _number(size["markdown_it_parse_s"], "s")
            text += f"; markdown-it-py parses the same files in {parse}"
        if "reindex_one_file_cli_ms" in size:
            text += (
                f"; `tilbook index` after one file changed "
                f"{_number(size['reindex_one_file_cli_ms'], 'ms')}"
            )
        details.append(text + f" ({label}).")
    details.append(
        f"- Search at {figures['search_at_entries']:,} entries, {found['settings']['queries']} "
        f"queries × {found['settings']['search_repeats']}: p50 "
        f"{_number(figures['search_p50_ms'], 'ms')}, "
        f"p99 {_number(figures['search_p99_ms'], 'ms')}, "
        f"max {_number(figures['search_max_ms'], 'ms')}; "
        f"`{'`, `'.join(q['query'] for q in figures['search_slowest'])}` are the slowest. "
        f"`learning` is in {figures['search_common_word_share']:.0%} of the entries."
    )
    details.append(
        f"- Re-index in a warm process at {figures['reindex_at_entries']:,} entries: one file "
        f"changed {_number(figures['reindex_one_file_ms'], 'ms')}, nothing changed "
        f"{_number(figures['reindex_noop_ms'], 'ms')}. `tilbook --help`: "
        f"{_number(figures['help_ms'], 'ms')} (Python alone: "
        f"{_number(figures['python_startup_ms'], 'ms')})."
    )
    for site in found.get("site", {}).values():
        text = (
            f"- `tilbook build`, {site['entries']:,} entries: "
            f"{_number(site['site_build_full_s'], 's')} "
            f"({site['pages']:,} pages, {site['workers']} workers), rebuild after one entry "
            f"changed {site['site_rebuild_one_entry_ms']:.0f} ms in a running `--watch`"
        )
        if "site_rebuild_one_entry_cli_ms" in site:
            text += (
                f" and {_number(site['site_rebuild_one_entry_cli_ms'] / 1000, 's')} as a new "
                "`tilbook build` process"
            )
        if "hugo_build_s" in site:
            text += (
                f"; Hugo {site['hugo_version']} on the same entries "
                f"{_number(site['hugo_build_s'], 's')} "
                f"({site['hugo_over_tilbook']}× tilbook's time)"
            )
        if "pagefind_s" in site:
            text += f"; Pagefind, run apart, {_number(site['pagefind_s'], 's')}"
        details.append(text + ".")
    if load:
        settings = load["settings"]
        latency = load["latency_ms"]
        writes = "; ".join(
            f"{w['what']}: {w['ms']:.0f} ms (status {w['status']})"
            for w in load.get("writes_during_run", [])
        )
        details.append(
            f"- `tilbook serve`, {settings['entries']:,} entries, {settings['clients']} clients "
            f"× {settings['seconds']:g} s: {load['requests_per_s']:,} requests/s, p50 "
            f"{_number(latency['p50_ms'], 'ms')}, p95 {_number(latency['p95_ms'], 'ms')}, "
            f"p99 {_number(latency['p99_ms'], 'ms')}, "
            f"{load['errors']} errors" + (f"; during the run, {writes}" if writes else "") + "."
        )
    return "\n".join(lines + details) + "\n"


if __name__ == "__main__":
    print(performance(), end="")
