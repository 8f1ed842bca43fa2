"""Shared fixtures: a small notes folder in every layout, and a way to run `tilbook`."""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tilbook.cli import main

REPO_ROOT = Path(__file__).resolve().parent.parent

# One small note per layout. The line numbers below are asserted by the tests.
JOURNAL = """\
# Study journal

Notes while I learn generative models.

## 2024-03-10 Score matching

Read about #Diffusion models today. The denoising objective finally clicked.
Paper: [Denoising Diffusion Probabilistic Models](https://arxiv.org/abs/2006.11239)

- [ ] reimplement the ancestral sampler
- [x] read section 3 twice

Why does the variance schedule matter so much?

## 2024-02-01

Compared #Transformers positional encodings: sinusoids against learned tables.

```python
pos = torch.arange(16)
```

## 2024-01-15

Classifier-free guidance with #Diffusion again. The scale $w$ trades variety for fidelity.
"""

TIL_KO = """\
##### 🤖 ML & DL
*2024.02.20*

전문검색을 공부했다. BM25 점수는 단어 빈도와 문서 길이로 정해진다. #Search

##### 🧩 Library
*2024.03.05*

MAML을 다시 읽었다. inner loop와 outer loop를 구분하는 것이 핵심이다.
"""

COURSE = """\
Course notebook for an online deep learning class.

# Lesson 1: Gradient descent

Learning rate warmup keeps early steps small. Video: https://www.youtube.com/watch?v=abc123

## TODO

- finish the quiz on momentum
- [x] install the course library

# Lesson 2: Backpropagation

Chain rule bookkeeping with a tiny autograd engine. #Autograd
"""

NOTEBOOK = """\
# Safety notebook

## What I'm learning currently

- #Alignment: reward modelling basics

## Reward hacking

Agents exploit loopholes in a proxy reward. #Alignment

## Terms and Concepts

- Overfitting: fitting noise in the training set
- Dropout: zeroing random activations during training
"""

SINGLE = """\
---
title: Attention in one page
tags: [Attention]
---

Scaled dot-product attention divides by the square root of the key size.
"""

NOTES: dict[str, str] = {
    "journal.md": JOURNAL,
    "til-ko.md": TIL_KO,
    "course.md": COURSE,
    "notebook.md": NOTEBOOK,
    "notes/2024-04-01-attention.md": SINGLE,
}
"""The notes of `log_dir`, by path relative to the folder."""

LAYOUT_OF = {
    "journal.md": "dated-headings",
    "til-ko.md": "category-dated",
    "course.md": "lessons",
    "notebook.md": "sections",
    "notes/2024-04-01-attention.md": "single-note",
}


def write_notes(root: Path, notes: dict[str, str]) -> Path:
    """Write `notes` (relative path → text) below `root`, UTF-8, LF line ends."""
    for relative, text in notes.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return root


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture
def notes() -> dict[str, str]:
    return dict(NOTES)


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    """A notes folder with one small note in each of the five layouts."""
    return write_notes(tmp_path / "log", NOTES)


@pytest.fixture
def make_log(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """Make another notes folder from a dict of notes."""
    made: list[Path] = []

    def make(notes: dict[str, str]) -> Path:
        root = tmp_path / f"log{len(made) + 1}"
        made.append(root)
        return write_notes(root, notes)

    return make


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


Invoke = Callable[..., Result]


@pytest.fixture
def invoke(runner: CliRunner, log_dir: Path) -> Invoke:
    """Run `tilbook COMMAND --log DIR ARGS...` and check the exit code (0 unless `code=`).

    `log=` picks another folder than `log_dir`; `env=` adds environment variables.
    """

    def run(
        *args: str,
        code: int = 0,
        log: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> Result:
        command, *rest = args
        result = runner.invoke(main, [command, "--log", str(log or log_dir), *rest], env=env)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            details = "".join(traceback.format_exception(*result.exc_info))
            pytest.fail(f"tilbook {' '.join(args)} raised:\n{details}")
        assert result.exit_code == code, (
            f"tilbook {' '.join(args)} exited {result.exit_code}, expected {code}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
        return result

    return run


@pytest.fixture
def invoke_json(invoke: Invoke) -> Callable[..., Any]:
    """Run a command with `--json` and return the parsed output."""

    def run(*args: str, **kwargs: Any) -> Any:
        return json.loads(invoke(*args, "--json", **kwargs).stdout)

    return run
