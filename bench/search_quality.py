"""Search quality: do the queries a learner types find the entries they expect?

Queries go through search as `tilbook search` runs it: typos corrected from the
notes' own words, abbreviations matched to their long forms and back.

Each query is written by hand with the rule for the entries a person would expect it
to find: a pattern of the word's forms (singular and plural, verb forms, a Korean word
with or without its particle, a phrase), optionally with a tag the entry must have.
The expected entries are the ones whose title, text or tags match that rule, so the
judgement is "the entries that talk about this", not "what tilbook returns today".

Reported per kind and overall: recall@10 (of the expected entries, or of the first
ten when more are expected, how many are in the first ten results) and MRR (one over
the rank of the first expected result). Run from the project root:

    .venv/bin/python bench/search_quality.py            # JSON on stdout

`run()` is what `bench/run.py` calls.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

K = 10


@dataclass(frozen=True)
class Case:
    query: str
    kind: str
    expect: str
    """A regular expression (case-insensitive) an expected entry's text matches."""
    tag: str | None = None
    """An expected entry must also have this tag."""


SAMPLE_LOG = [
    # Singular and plural.
    Case("transformer", "plural", r"\btransformers?\b"),
    Case("transformers", "plural", r"\btransformers?\b"),
    Case("gradient", "plural", r"\bgradients?\b"),
    Case("gradients", "plural", r"\bgradients?\b"),
    Case("eigenvector", "plural", r"\beigenvectors?\b"),
    Case("model", "plural", r"\bmodels?\b"),
    Case("paper", "plural", r"\bpapers?\b"),
    Case("schedules", "plural", r"\bschedules?\b"),
    Case("label", "plural", r"\blabels?\b"),
    Case("step", "plural", r"\bsteps?\b"),
    # Verb forms.
    Case("learn", "verb", r"\blearn(s|ed|t|ing)?\b"),
    Case("learned", "verb", r"\blearn(s|ed|t|ing)?\b"),
    Case("train", "verb", r"\btrain(s|ed|ing)?\b"),
    Case("training", "verb", r"\btrain(s|ed|ing)?\b"),
    Case("sampling", "verb", r"\bsampl(e|es|ed|ing)\b"),
    Case("normalise", "verb", r"\bnormali[sz](e|es|ed|ing|ation)\b"),
    Case("wrap", "verb", r"\bwrap(s|ped|ping)?\b"),
    Case("read", "verb", r"\b(read|reads|reading|re-read)\b"),
    Case("compile", "verb", r"\bcompil(e|es|ed|ing)"),
    Case("clipping", "verb", r"\bclip(s|ped|ping)?\b"),
    # Exact names.
    Case("DDPM", "name", r"\bddpm\b"),
    Case("DDIM", "name", r"\bddim\b"),
    Case("PPO", "name", r"\bppo\b"),
    Case("DPO", "name", r"\bdpo\b"),
    Case("LoRA", "name", r"\blora\b"),
    Case("einsum", "name", r"einsum"),
    Case("FlashAttention", "name", r"flashattention"),
    Case("CartPole", "name", r"cartpole"),
    # Korean, with and without a particle.
    Case("검색", "korean", r"검색"),
    Case("검색을", "korean", r"검색"),
    Case("정규화", "korean", r"정규화"),
    Case("임베딩", "korean", r"임베딩"),
    Case("모델", "korean", r"모델"),
    Case("행렬", "korean", r"행렬"),
    # Phrases.
    Case('"noise schedule"', "phrase", r"noise schedule"),
    Case('"classifier-free guidance"', "phrase", r"classifier-free guidance"),
    Case('"value function"', "phrase", r"value functions?\b"),
    # Tag filters.
    Case("tag:RL ppo", "tag", r"\bppo\b", tag="RL"),
    Case("tag:Diffusion ddpm", "tag", r"\bddpm\b", tag="Diffusion"),
    Case("tag:Idea diffusion", "tag", r"\bdiffusion\b", tag="Idea"),
    Case("tag:Code attention", "tag", r"\battention\b", tag="Code"),
    # Typos: a word the notes do not contain finds the entries with the word meant.
    Case("attnetion", "typo", r"\battention\b"),
    Case("tranformer", "typo", r"\btransformers?\b"),
    Case("gradeint", "typo", r"\bgradients?\b"),
    Case("difusion", "typo", r"\bdiffusion\b"),
    Case("sofmax", "typo", r"\bsoftmax\b"),
    Case("dropuot", "typo", r"\bdropout\b"),
    Case("schedular", "typo", r"\bschedulers?\b"),
    Case("eigenvecter", "typo", r"\beigenvectors?\b"),
    Case("perplexty", "typo", r"\bperplexity\b"),
    Case("reinforcment", "typo", r"\breinforcement\b"),
    Case("backpropogation", "typo", r"\bbackpropagation\b"),
    Case("convolutinal", "typo", r"\bconvolutional\b"),
    Case(
        "diffusion guidence",
        "typo",
        r"\bguidance\b[\s\S]*\bdiffusion\b|"
        r"\bdiffusion\b[\s\S]*\bguidance\b",
    ),
    # Abbreviations: either name finds the entries that use the other.
    Case("RLHF", "abbreviation", r"\brlhf\b|reinforcement learning from human feedback"),
    Case("reinforcement learning", "abbreviation", r"\brl\b|reinforcement learning"),
    Case("RL", "abbreviation", r"\brl\b|reinforcement learning"),
    Case("ELBO", "abbreviation", r"\belbo\b|evidence lower bound"),
    Case("evidence lower bound", "abbreviation", r"\belbo\b|evidence lower bound"),
    Case("KL", "abbreviation", r"\bkl\b|kullback"),
    Case("SFT", "abbreviation", r"\bsft\b|supervised fine-?tun"),
    Case("supervised fine-tuning", "abbreviation", r"\bsft\b|supervised fine-?tun"),
    Case("VAE", "abbreviation", r"\bvaes?\b|variational auto-?encoders?"),
    Case("variational autoencoder", "abbreviation", r"\bvaes?\b|variational auto-?encoders?"),
    Case("proximal policy optimization", "abbreviation", r"\bppo\b|proximal policy optimi"),
    Case("direct preference optimization", "abbreviation", r"\bdpo\b|direct preference opt"),
    Case("low-rank adaptation", "abbreviation", r"\blora\b|low-rank adaptation"),
    Case("MQA", "abbreviation", r"\bmqa\b|multi-query attention"),
    Case("grouped-query attention", "abbreviation", r"\bgqa\b|grouped-query attention"),
    Case("CFG", "abbreviation", r"\bcfg\b|classifier-free guidance"),
    Case("language model", "abbreviation", r"\blms?\b|language models?\b"),
]


def _expected(entries: list[Any], case: Case) -> set[str]:
    pattern = re.compile(case.expect, re.IGNORECASE)
    found = set()
    for entry in entries:
        if case.tag and case.tag.casefold() not in {t.casefold() for t in entry.tags}:
            continue
        text = f"{entry.title}\n{' '.join(entry.tags)}\n{entry.body}"
        if pattern.search(text):
            found.add(entry.id)
    return found


def score(store: Any, cases: list[Case]) -> dict[str, Any]:
    from tilbook.store.query import parse_query

    entries = list(store.all_entries())
    rows = []
    for case in cases:
        expected = _expected(entries, case)
        found = store.search_with_alternatives(parse_query(case.query), limit=K)
        got = [hit.entry.id for hit in found.hits]
        if not expected:
            rows.append({"query": case.query, "kind": case.kind, "expected": 0})
            continue
        hits = len(expected & set(got))
        recall = hits / min(len(expected), K)
        first = next((rank for rank, id_ in enumerate(got, start=1) if id_ in expected), None)
        rows.append(
            {
                "query": case.query,
                "kind": case.kind,
                "expected": len(expected),
                "recall_at_10": round(recall, 3),
                "reciprocal_rank": round(1 / first, 3) if first else 0.0,
            }
        )
    judged = [row for row in rows if row["expected"]]
    kinds: dict[str, dict[str, float]] = {}
    for kind in sorted({row["kind"] for row in judged}):
        of_kind = [row for row in judged if row["kind"] == kind]
        kinds[kind] = {
            "queries": len(of_kind),
            "recall_at_10": round(sum(r["recall_at_10"] for r in of_kind) / len(of_kind), 3),
            "mrr": round(sum(r["reciprocal_rank"] for r in of_kind) / len(of_kind), 3),
        }
    return {
        "queries": len(judged),
        "recall_at_10": round(sum(r["recall_at_10"] for r in judged) / len(judged), 3),
        "mrr": round(sum(r["reciprocal_rank"] for r in judged) / len(judged), 3),
        "by_kind": kinds,
        "rows": rows,
    }


def run() -> dict[str, Any]:
    """Search quality over a copy of the sample log (recall@10 target 0.95)."""
    from tilbook.indexing import sync
    from tilbook.settings import load_settings
    from tilbook.store import open_store

    with tempfile.TemporaryDirectory(prefix="tilbook-quality-") as folder:
        root = Path(folder) / "sample-log"
        shutil.copytree(REPO / "sample-log", root)
        store = open_store(root)
        try:
            sync(root, store, load_settings(root))
            result = score(store, SAMPLE_LOG)
        finally:
            store.close()
    result["log"] = "sample-log"
    result["target_recall_at_10"] = 0.95
    return result


if __name__ == "__main__":
    print(json.dumps(run(), ensure_ascii=False, indent=2))
