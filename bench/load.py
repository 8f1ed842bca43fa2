"""Load test of `tilbook serve` on loopback: concurrent clients, mixed requests, JSON out.

Run from the project root with the project's virtualenv::

    .venv/bin/python bench/load.py                      # 20 clients, 20 s, the sample log
    .venv/bin/python bench/load.py --entries 10000      # a generated 10k-entry log instead
    .venv/bin/python bench/load.py --seconds 5 --clients 4 --out bench/out/load.json

The log (a copy of ``sample-log/``, or one written by ``bench/generate.py``) goes into a
temporary folder that is removed at the end. The server is the real command, ``tilbook
serve --host 127.0.0.1`` (uvicorn, watching the notes), in a subprocess. Only 127.0.0.1 is
ever asked. Each client is one ``httpx.AsyncClient`` (one keep-alive connection) sending its
next request as soon as the last one is answered, until the time is up or the request budget
is spent. The JSON figures are the only thing printed on stdout; progress goes to stderr. The
exit status is 1 when any request failed (an exception or a status other than 2xx).
``bench/README.md`` says what each figure means.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

from bench.run import Target, judge, machine, percentile  # noqa: E402

HOST = "127.0.0.1"
"""The only address this script ever sends requests to."""
REQUEST_TIMEOUT = 10.0
"""Seconds before one request counts as failed."""
START_TIMEOUT = 180.0
"""Seconds the server may take to start (it indexes the log first)."""
MAX_REQUESTS = 1_000_000
"""Default request budget: the run stops at this many requests even if time remains."""
TARGETS = (
    Target("p99_ms", "<", 50, "`tilbook serve`, 20 clients: p99 latency", "ms"),
    Target("errors", "<", 1, "`tilbook serve`, 20 clients: failed requests and writes", ""),
)

# What the clients ask for, and how often (weights add up to 100).
MIX: dict[str, int] = {
    "search_api": 50,  # /api/search?q=… (what search-as-you-type sends)
    "search_page": 15,  # /search?q=… rendered on the server (JavaScript off)
    "entry_page": 15,  # an entry's permalink
    "home": 10,  # /
    "tag_page": 10,  # /tags/<tag>/
}

# Fixed queries: English words common and rare, a phrase, a prefix, Korean, filters, a miss.
# Most come from bench/run.py's list (words bench/generate.py writes); a few fit the sample log.
QUERIES: tuple[str, ...] = (
    "learning",
    "attention",
    "diffusion",
    "loss",
    "einsum",
    "learning rate",
    "diffusion guidance",
    '"online softmax"',
    "diffus*",
    "backprop*",
    "검색",
    "학습",
    "역전파",
    "LoRA 구현",
    "tag:Research attention",
    "since:2024-01 loss",
    "zyxwvutq",
)


def log(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


# -- the log and the server ----------------------------------------------------------------------


def make_log(workdir: Path, entries: int, seed: int) -> Path:
    root = workdir / "log"
    if entries <= 0:
        shutil.copytree(PROJECT / "sample-log", root)
        return root
    from bench.generate import generate_log

    log(f"generating a log of {entries:,} entries (seed {seed})")
    generate_log(root, entries, seed)
    return root


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    started_s: float
    output: Path


@contextmanager
def serve(root: Path, workdir: Path) -> Iterator[Server]:
    """`tilbook serve` on 127.0.0.1 in a subprocess, stopped (SIGTERM, then kill) at the end."""
    port = free_port()
    output = workdir / "server.log"
    command = [
        sys.executable,
        "-m",
        "tilbook",
        "serve",
        "--log",
        str(root),
        "--host",
        HOST,
        "--port",
        str(port),
    ]
    url = f"http://{HOST}:{port}"
    started = time.perf_counter()
    with output.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, cwd=workdir)
    try:
        deadline = started + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{output.read_text(errors='replace')}")
            try:
                if httpx.get(url + "/api/search?q=x", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() > deadline:
                raise RuntimeError(f"the server did not answer within {START_TIMEOUT:.0f} s")
            time.sleep(0.1)
        yield Server(process, url, time.perf_counter() - started, output)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


# -- what to ask for ------------------------------------------------------------------------------


@dataclass
class Plan:
    """The URLs of each kind, found on the running server before the timed run."""

    urls: dict[str, list[str]]
    spare: tuple[str, str] | None = None
    """(entry id, file) of an entry in a file no planned entry page is in: the one the
    writes during the run change, so that every planned URL stays valid."""

    def pick(self, rng: random.Random) -> tuple[str, str]:
        kinds = list(MIX)
        kind = rng.choices(kinds, weights=[MIX[k] for k in kinds])[0]
        return kind, rng.choice(self.urls[kind])


def discover(client: httpx.Client) -> Plan:
    """Tag pages from /tags/, entry permalinks from search hits (following /entry/ID)."""
    tags_page = client.get("/tags/")
    tags_page.raise_for_status()
    tags = sorted(set(re.findall(r'href="/tags/([^"/?#]+)/"', tags_page.text)))[:12]
    ids: dict[str, str] = {}
    for query in QUERIES:
        for hit in client.get("/api/search", params={"q": query, "limit": 5}).json()["hits"]:
            ids.setdefault(hit["id"], hit["source"])
    planned = list(ids)[:24]
    sources = {ids[entry_id] for entry_id in planned}
    spare = next(((i, source) for i, source in ids.items() if source not in sources), None)
    if spare is None and len(sources) > 1:  # a small log: keep one file for the writes
        spare = (planned[-1], ids[planned[-1]])
        planned = [entry_id for entry_id in planned if ids[entry_id] != spare[1]]
    entries: list[str] = []
    for entry_id in planned:
        response = client.get(f"/entry/{entry_id}")
        if response.status_code == 303:
            entries.append(response.headers["location"])
    if not tags or not entries:
        raise RuntimeError(f"found {len(tags)} tag pages and {len(entries)} entry pages")
    return Plan(
        {
            "search_api": [f"/api/search?q={quote(q)}" for q in QUERIES],
            "search_page": [f"/search?q={quote(q)}" for q in QUERIES],
            "entry_page": entries,
            "home": ["/"],
            "tag_page": [f"/tags/{tag}/" for tag in tags],
        },
        spare,
    )


def warm_up(client: httpx.Client, plan: Plan) -> None:
    """Ask for every URL once, untimed (the first page builds the site's view of the log)."""
    for urls in plan.urls.values():
        for url in urls:
            client.get(url).raise_for_status()


def one_at_a_time(client: httpx.Client, plan: Plan) -> dict[str, float]:
    """Median latency of each kind with no other request in flight (every URL once)."""
    medians: dict[str, float] = {}
    for kind, urls in plan.urls.items():
        times = []
        for url in urls:
            start = time.perf_counter()
            client.get(url).raise_for_status()
            times.append(time.perf_counter() - start)
        medians[kind] = ms(statistics.median(times))
    return medians


# -- the load -------------------------------------------------------------------------------------


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in MIX})
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    bytes_received: int = 0
    started: int = 0

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 10:
            self.error_samples.append(text)


async def one_client(
    number: int, server: str, plan: Plan, deadline: float, budget: int, seed: int, out: Results
) -> None:
    rng = random.Random(seed * 1_000 + number)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(
        base_url=server, timeout=REQUEST_TIMEOUT, limits=limits, follow_redirects=False
    ) as client:
        while time.perf_counter() < deadline and out.started < budget:
            out.started += 1
            kind, url = plan.pick(rng)
            start = time.perf_counter()
            try:
                response = await client.get(url)
            except httpx.HTTPError as error:
                out.error(f"{kind} {url}: {type(error).__name__}: {error}")
                continue
            elapsed = time.perf_counter() - start
            out.bytes_received += len(response.content)
            if 200 <= response.status_code < 300:
                out.latencies[kind].append(elapsed)
            else:
                out.error(f"{kind} {url}: HTTP {response.status_code}")


async def save_entry(client: httpx.AsyncClient, entry_url: str, number: int) -> int:
    """Save an entry through the web app's editor (as a person would: open the editor,
    add a line, send the form); returns the status (303 when saved)."""
    page = await client.get(f"{entry_url}/edit")
    page.raise_for_status()
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    found = re.search(r"<textarea[^>]*name=\"markdown\"[^>]*>(.*?)</textarea>", page.text, re.S)
    if found is None or "csrf_token" not in fields:
        raise RuntimeError(f"no editor form at {entry_url}/edit")
    markdown = html.unescape(found.group(1)).rstrip("\n")
    fields = {key: html.unescape(value) for key, value in fields.items()}
    fields["markdown"] = f"{markdown}\n\nSaved during the load test ({number}).\n"
    response = await client.post(f"{entry_url}/edit", data=fields)
    return response.status_code


async def writes(
    server: str,
    root: Path,
    spare: tuple[str, str],
    seconds: float,
    out: Results,
    done: list[dict[str, Any]],
) -> None:
    """While the clients run: a save through the app at 1/3 of the run, then at 2/3 a
    re-index by another process (`tilbook index`) after a note changed on disk."""
    async with httpx.AsyncClient(base_url=server, timeout=60, follow_redirects=False) as client:
        await asyncio.sleep(seconds / 3)
        started = time.perf_counter()
        try:
            status = await save_entry(client, f"/entry/{spare[0]}", 1)
        except (httpx.HTTPError, RuntimeError) as error:
            out.error(f"save: {type(error).__name__}: {error}")
            status = 0
        else:
            if status != 303:
                out.error(f"save: HTTP {status}")
        done.append(
            {
                "what": "save through /entry/ID/edit",
                "status": status,
                "ms": ms(time.perf_counter() - started),
            }
        )
    await asyncio.sleep(max(0.0, seconds / 3 - (time.perf_counter() - started)))
    note = root / spare[1]  # appended to: no entry's opening line moves
    with note.open("a", encoding="utf-8") as handle:
        handle.write("\nA paragraph added during the load test, about gradient clipping.\n")
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tilbook",
        "index",
        str(root),
        "-q",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await process.communicate()
    if process.returncode != 0:
        out.error(f"re-index: exit {process.returncode}: {stderr.decode(errors='replace')[-300:]}")
    done.append(
        {
            "what": f"`tilbook index` after {note.name} changed",
            "status": process.returncode,
            "ms": ms(time.perf_counter() - started),
        }
    )


async def load(
    server: str,
    plan: Plan,
    seconds: float,
    clients: int,
    budget: int,
    seed: int,
    write: tuple[Path, tuple[str, str]] | None = None,
) -> tuple[Results, float, list[dict[str, Any]]]:
    """The clients' run; with `write` (the log folder, an entry id), the writes too."""
    out = Results()
    start = time.perf_counter()
    deadline = start + seconds
    tasks = [
        asyncio.create_task(one_client(n, server, plan, deadline, budget, seed, out))
        for n in range(clients)
    ]
    written: list[dict[str, Any]] = []
    if write is not None:
        tasks.append(asyncio.create_task(writes(server, *write, seconds, out, written)))
    done, pending = await asyncio.wait(tasks, timeout=seconds + REQUEST_TIMEOUT + 5)
    for task in pending:  # a hard stop, should a request outlive its own timeout
        task.cancel()
        out.error("a client was still busy at the hard stop")
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        if task.exception() is not None:
            out.error(f"a client failed: {task.exception()!r}")
    return out, time.perf_counter() - start, written


def summary(samples: Sequence[float]) -> dict[str, Any]:
    if not samples:
        return {"requests": 0}
    return {
        "requests": len(samples),
        "p50_ms": ms(percentile(samples, 50)),
        "p95_ms": ms(percentile(samples, 95)),
        "p99_ms": ms(percentile(samples, 99)),
        "max_ms": ms(max(samples)),
        "mean_ms": ms(statistics.fmean(samples)),
    }


def run(
    seconds: float, clients: int, entries: int, seed: int, budget: int, write: bool = True
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tilbook-load-") as tmp:
        workdir = Path(tmp)
        root = make_log(workdir, entries, seed)
        log("starting `tilbook serve` on 127.0.0.1")
        with serve(root, workdir) as server:
            log(f"serving at {server.url} after {server.started_s:.1f} s; finding URLs")
            with httpx.Client(base_url=server.url, timeout=60) as client:
                plan = discover(client)
                started = time.perf_counter()
                warm_up(client, plan)
                warm_s = time.perf_counter() - started
                alone = one_at_a_time(client, plan)
            log(f"warmed up in {warm_s:.1f} s; {clients} clients for {seconds:g} s")
            cpu_before = _cpu_seconds(server.process.pid)
            client_cpu = time.process_time()
            if write and plan.spare is None:
                raise RuntimeError("found no entry to save that no planned page shows")
            writing = (root, plan.spare) if write and plan.spare is not None else None
            out, elapsed, written = asyncio.run(
                load(server.url, plan, seconds, clients, budget, seed, writing)
            )
            client_cpu = time.process_time() - client_cpu
            cpu_after = _cpu_seconds(server.process.pid)
            alive = server.process.poll() is None
        counts = {kind: len(found) for kind, found in plan.urls.items()}
    every = [latency for samples in out.latencies.values() for latency in samples]
    total = len(every) + out.errors
    overall = summary(every)
    server_cpu = (
        round(cpu_after - cpu_before, 2)
        if cpu_before is not None and cpu_after is not None
        else None
    )
    judged = judge(TARGETS, {"p99_ms": overall.get("p99_ms"), "errors": out.errors})
    return {
        "targets": judged,
        "meets_targets": {
            **{t["figure"]: t["met"] for t in judged},
            "all": all(t["met"] is not False for t in judged),
        },
        "requests": total,
        "ok": len(every),
        "writes_during_run": written,
        "errors": out.errors,
        "error_samples": out.error_samples,
        "duration_s": round(elapsed, 2),
        "requests_per_s": round(total / elapsed, 1),
        "latency_ms": {k: v for k, v in overall.items() if k != "requests"},
        "by_kind": {kind: summary(samples) for kind, samples in out.latencies.items()},
        "unloaded_p50_ms": alone,
        "mb_received": round(out.bytes_received / 1e6, 2),
        "server": {
            "command": "tilbook serve --host 127.0.0.1 (uvicorn, one process, watching the log)",
            "start_s": round(server.started_s, 2),
            "warm_up_s": round(warm_s, 2),
            "cpu_s_during_run": server_cpu,
            "still_running_at_end": alive,
        },
        "client_cpu_s": round(client_cpu, 2),
        "settings": {
            "seconds": seconds,
            "clients": clients,
            "entries": entries,
            "log": "sample-log/" if entries <= 0 else f"bench/generate.py, seed {seed}",
            "request_budget": budget,
            "request_timeout_s": REQUEST_TIMEOUT,
            "mix_percent": MIX,
            "urls_per_kind": counts,
            "queries": list(QUERIES),
        },
        "machine": {**machine(), "httpx": httpx.__version__, "uvicorn": _uvicorn_version()},
    }


def _uvicorn_version() -> str:
    import uvicorn

    return str(uvicorn.__version__)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Load-test `tilbook serve` on 127.0.0.1; prints JSON figures on stdout."
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the run (20)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (20)")
    parser.add_argument(
        "--entries",
        type=int,
        default=0,
        help="serve a generated log of this many entries; 0 = the sample log (default)",
    )
    parser.add_argument("--seed", type=int, default=0, help="generator and request-mix seed")
    parser.add_argument(
        "--max-requests", type=int, default=MAX_REQUESTS, help="request budget (1,000,000)"
    )
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON to FILE")
    parser.add_argument(
        "--note", default="", help="a word on the conditions (a busy machine), kept in the JSON"
    )
    parser.add_argument(
        "--no-writes",
        action="store_true",
        help="no save through the app and no re-index during the run",
    )
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 600:
        parser.error("--seconds must be above 0 and at most 600")
    if not 1 <= args.clients <= 500:
        parser.error("--clients must be between 1 and 500")
    if args.entries < 0 or args.max_requests < 1:
        parser.error("--entries must be 0 or more and --max-requests at least 1")

    result = run(
        args.seconds, args.clients, args.entries, args.seed, args.max_requests, not args.no_writes
    )
    if args.note:
        result["settings"]["note"] = args.note
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
        log(f"wrote {args.out}")
    print(text, flush=True)
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
