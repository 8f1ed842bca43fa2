"""Synthetic Markdown learning logs for tilbook benchmarks.

``generate_log`` writes a folder of log files in the four shapes tilbook reads, with an
exact, known number of entries, so that a benchmark can check what it indexed:

- ``dated-headings`` (``log-NNNN.md``): YAML front matter, a preamble (learning targets,
  sometimes a section hidden in an HTML comment), then date headings, newest first, either
  setext (``2024-03-14`` over dashes) or ATX (``## 2024.03.14``). Under each date, 1-3 entries,
  each one opened by a tag marker at the start of a paragraph: ``(#Research)``,
  ``(#Idea, #GenAI)`` or, rarely, an empty ``()``. Nothing else starts a paragraph with ``(``.
- ``category-dated`` (``til-ko-NNNN.md``): front matter and a Korean preamble, then entries
  that are each a ``#####`` heading with an emoji category (``🧩 ML library``) followed by an
  italic date line ``*2024.02.05*`` (a few entries have no date line; they are still entries).
  Korean prose mixed with English terms, footnote references, and, when any were used, a
  final ``### References`` section of footnote definitions (a different level: not an entry).
- ``lessons`` (``lessons-NNNN.md``): every H1 is one lesson (``# Lesson 12`` or ``# 12``),
  with ``##`` subsections, among them ``## TODO`` lists that carry unfinished items forward.
  Fenced code contains ``# comment`` lines, which are not headings.
- ``sections`` (``course-NNNN.md``): one H1 title and a preamble (``{:toc}``, MathJax
  ``<script>`` tags), then every ``##`` heading is one entry, with ``####`` subsections. Some
  files have a glossary entry (``## Terms and Concepts`` of ``- Term: definition`` items);
  it is a ``##`` section like the others and is counted as one entry.

Run as ``python bench/generate.py OUT_DIR --entries 10000 [--seed 0]``; the summary is printed
as JSON. Output is deterministic for a given seed and arguments.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import re
import string
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

LAYOUTS = ("dated-headings", "category-dated", "lessons", "sections")
# Every run of five files holds two dated logs and one of each other layout (40/20/20/20).
_LAYOUT_BLOCK = ("dated-headings", "dated-headings", "category-dated", "lessons", "sections")
_FILE_PREFIX = {
    "dated-headings": "log",
    "category-dated": "til-ko",
    "lessons": "lessons",
    "sections": "course",
}
_GENERATED_NAME = re.compile(r"^(log|til-ko|lessons|course)-\d{4,}\.md$")
# (subfolder, weight) per layout: most files sit at the top, a few one or two levels down.
_SUBFOLDERS = {
    "dated-headings": (("", 8), ("archive", 2)),
    "category-dated": (("", 1),),
    "lessons": (("", 7), ("notes/courses", 3)),
    "sections": (("", 7), ("notes/courses", 3)),
}
# Mean body size in UTF-8 bytes that an entry aims for, per layout (headings, front matter
# and the stop-after-budget overshoot come on top); tuned so the whole log averages ~0.7 KB
# an entry (10,000 entries: ~7 MB in 100 files, the size of the log the targets are set on).
_BODY_BUDGET = {
    "dated-headings": 520,
    "category-dated": 500,
    "lessons": 425,
    "sections": 490,
}

# --------------------------------------------------------------------------- vocabularies
# fmt: off

TOPICS = (
    "low-rank adaptation", "contrastive learning", "catastrophic forgetting",
    "classifier-free guidance", "knowledge distillation", "batch normalization",
    "layer normalization", "weight decay", "learning rate warmup", "cosine annealing",
    "gradient clipping", "mixed precision training", "attention heads",
    "positional embeddings", "rotary embeddings", "key-value caching", "beam search",
    "nucleus sampling", "variational inference", "the reparameterization trick",
    "the evidence lower bound", "score matching", "denoising diffusion", "latent diffusion",
    "normalizing flows", "mode collapse", "adversarial examples", "certified robustness",
    "membership inference", "differential privacy", "federated averaging", "meta-learning",
    "few-shot classification", "prototypical networks", "sparse autoencoders",
    "mechanistic interpretability", "activation patching", "linear probes",
    "feature attribution", "integrated gradients", "reward modeling", "policy gradients",
    "temporal difference learning", "graph neural networks", "message passing",
    "mixture of experts", "tokenization", "byte-pair encoding", "data augmentation",
    "label smoothing", "early stopping", "the bias-variance tradeoff",
    "Bayesian optimization", "hyperparameter search", "curriculum learning",
    "self-supervised pretraining", "masked autoencoders", "vision transformers",
    "convolutional kernels", "residual connections", "dropout", "the softmax temperature",
    "cross-entropy loss", "triplet loss", "signed distance functions",
    "neural radiance fields", "continual learning", "replay buffers", "quantization",
    "pruning", "model merging", "instruction tuning", "preference optimization",
    "retrieval-augmented generation", "vector search", "chain-of-thought prompting",
    "in-context learning", "scaling laws", "double descent", "grokking",
    "the lottery ticket hypothesis", "the Moore-Penrose inverse", "eigendecomposition",
    "singular value decomposition", "principal component analysis", "kernel methods",
    "Gaussian processes", "Monte Carlo dropout", "uncertainty calibration",
    "out-of-distribution detection", "concept erasure", "textual inversion",
    "matrix multiplication", "backpropagation", "automatic differentiation",
    "broadcasting rules", "mini-batch training", "weight initialization",
    "spectral normalization", "optimal transport", "energy-based models",
)
METHODS = (
    "LoRA", "QLoRA", "MAML", "Reptile", "SimCLR", "BYOL", "DINO", "CLIP", "BLIP", "ViT",
    "ResNet-50", "U-Net", "VAE", "VQ-VAE", "StyleGAN", "DDPM", "DDIM", "Stable Diffusion",
    "GLIDE", "BERT", "GPT-2", "T5", "LLaMA", "Mamba", "RWKV", "FlashAttention", "PPO", "DPO",
    "RLHF", "AdamW", "Lion", "Adafactor", "FixMatch", "MixUp", "CutMix", "DeepSDF", "NeRF",
    "GraphSAGE", "GCN", "word2vec", "XGBoost", "k-means", "t-SNE", "UMAP", "HNSW", "FAISS",
    "Dreambooth", "ControlNet", "Whisper", "SAM",
)
DATASETS = (
    "MNIST", "CIFAR-10", "CIFAR-100", "ImageNet", "Tiny ImageNet", "Omniglot",
    "miniImageNet", "COCO", "LAION-400M", "WikiText-103", "GSM8K", "MMLU", "SQuAD", "GLUE",
    "CelebA", "LSUN Bedrooms", "ShapeNet", "Cora", "Fashion-MNIST", "SVHN",
)
# (library, call, documentation page) so a sentence or link never pairs the wrong ones.
TOOLS = (
    ("PyTorch", "torch.bmm", "https://pytorch.org/docs/stable/generated/torch.bmm.html"),
    ("PyTorch", "torch.einsum", "https://pytorch.org/docs/stable/generated/torch.einsum.html"),
    ("PyTorch", "torch.compile", "https://pytorch.org/docs/stable/generated/torch.compile.html"),
    ("JAX", "jax.vmap", "https://jax.readthedocs.io/en/latest/_autosummary/jax.vmap.html"),
    ("JAX", "jax.jit", "https://jax.readthedocs.io/en/latest/_autosummary/jax.jit.html"),
    ("TensorFlow", "tf.map_fn", "https://www.tensorflow.org/api_docs/python/tf/map_fn"),
    ("NumPy", "np.linalg.pinv",
     "https://numpy.org/doc/stable/reference/generated/numpy.linalg.pinv.html"),
    ("Hugging Face", "AutoModel.from_pretrained",
     "https://huggingface.co/docs/transformers/model_doc/auto"),
    ("diffusers", "StableDiffusionPipeline",
     "https://huggingface.co/docs/diffusers/api/pipelines/stable_diffusion/text2img"),
    ("datasets", "load_dataset", "https://huggingface.co/docs/datasets/loading"),
    ("scikit-learn", "GridSearchCV",
     "https://scikit-learn.org/stable/modules/generated/sklearn.model_selection.GridSearchCV.html"),
    ("fastai", "Learner.fit_one_cycle", "https://docs.fast.ai/callback.schedule.html"),
    ("einops", "rearrange", "https://einops.rocks/api/rearrange/"),
    ("wandb", "wandb.log", "https://docs.wandb.ai/ref/python/log"),
    ("Lightning", "Trainer.fit", "https://lightning.ai/docs/pytorch/stable/common/trainer.html"),
    ("accelerate", "Accelerator.prepare",
     "https://huggingface.co/docs/accelerate/package_reference/accelerator"),
    ("Triton", "triton.jit", "https://triton-lang.org/main/python-api/generated/triton.jit.html"),
    ("pandas", "DataFrame.groupby",
     "https://pandas.pydata.org/docs/reference/api/pandas.DataFrame.groupby.html"),
    ("SciPy", "scipy.optimize.minimize",
     "https://docs.scipy.org/doc/scipy/reference/generated/scipy.optimize.minimize.html"),
)
VERBS_PAST = (
    "read about", "implemented", "re-derived", "debugged", "revisited", "skimmed",
    "finally understood", "benchmarked", "sketched", "compared", "reproduced", "visualized",
    "profiled", "wrote notes on", "watched a lecture on", "played with",
)
ADJECTIVES = (
    "stable", "sample-efficient", "interpretable", "robust", "cheap to compute",
    "easier to tune", "well calibrated", "memory-hungry", "surprisingly simple",
    "numerically unstable", "hard to reproduce", "embarrassingly parallel",
)
PROBLEMS = (
    "overfitting", "exploding gradients", "vanishing gradients", "mode collapse",
    "reward hacking", "distribution shift", "label noise", "memory blow-up",
    "slow convergence", "catastrophic forgetting", "shortcut learning", "dead neurons",
)
METRICS = ("accuracy", "FID", "perplexity", "BLEU", "top-1 accuracy", "AUROC", "mAP", "ECE")
TAGS = (
    "Research", "Idea", "Code", "GenAI", "TML", "AML", "Reading", "Math", "Productivity",
    "F4T", "Paper", "Tooling", "Theory", "Interp", "RL", "NLP", "CV", "Writing",
)
INLINE_MATH = (
    r"$\alpha$", r"$\beta_1$", r"$\lambda$", r"$\sigma^2$", r"$\nabla_\theta L$",
    r"$O(n^2)$", r"$W = W_0 + BA$", r"$\epsilon \sim \mathcal{N}(0, I)$", r"$p_\theta(x)$",
    r"$\mathrm{KL}(q \| p)$", r"$r \ll d$", r"$\sqrt{d_k}$", r"$\gamma = 0.99$",
    r"$x_t = \sqrt{\bar\alpha_t} x_0$", r"$\|w\|_2^2$",
)
DISPLAY_MATH = (
    r"\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\left(\frac{QK^\top}{\sqrt{d_k}}\right)V",
    r"\mathcal{L}_{\text{ELBO}} = \mathbb{E}_{q(z|x)}[\log p(x|z)] - \mathrm{KL}(q(z|x) \| p(z))",
    r"\theta_{t+1} = \theta_t - \eta \nabla_\theta \mathcal{L}(\theta_t)",
    r"h = W_0 x + \frac{\alpha}{r} B A x",
    r"q(x_t | x_{t-1}) = \mathcal{N}(x_t; \sqrt{1 - \beta_t} x_{t-1}, \beta_t I)",
    r"\hat{y} = \arg\max_k \; p(y = k \mid x)",
    r"A^{+} = V \Sigma^{+} U^\top",
    r"f(x) = \begin{cases} x & \text{if } x > 0 \\ \alpha (e^x - 1) & \text{otherwise} \end{cases}",
    r"\mathrm{BN}(x) = \gamma \frac{x - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}} + \beta",
    r"L = \max(0, \|f(a) - f(p)\|^2 - \|f(a) - f(n)\|^2 + m)",
    r"\nabla_\theta J(\theta) = \mathbb{E}_\pi[\nabla_\theta \log \pi_\theta(a|s) \, A(s, a)]",
    r"\mathrm{ECE} = \sum_{m=1}^{M} \frac{|B_m|}{n}"
    r" \left| \mathrm{acc}(B_m) - \mathrm{conf}(B_m) \right|",
)
GLOSSARY = (
    ("Logit", "the unnormalized score a classifier produces before the softmax"),
    ("Epoch", "one full pass over the training set"),
    ("Saliency map", "a heat map of how much each input pixel moves the output"),
    ("Superposition", "a network representing more features than it has dimensions"),
    ("Polysemantic neuron", "a unit that responds to several unrelated features"),
    ("Inductive bias", "the assumptions a model family makes before seeing data"),
    ("Ablation", "removing one component to measure what it contributed"),
    ("Temperature", "a divisor on logits that sharpens or flattens the softmax"),
    ("Perplexity", "the exponential of the average negative log-likelihood per token"),
    ("KL divergence", "an asymmetric measure of how one distribution differs from another"),
    ("Embedding", "a learned dense vector standing for a discrete item"),
    ("Residual stream", "the running sum that each transformer block reads and writes"),
    ("Warmup", "a short phase where the learning rate ramps up from near zero"),
    ("Teacher forcing", "feeding the ground-truth token rather than the model's own guess"),
    ("Reward model", "a network trained to score outputs the way annotators would"),
    ("Latent space", "the lower-dimensional space an encoder maps inputs into"),
    ("Calibration", "agreement between predicted confidence and observed accuracy"),
    ("Jacobian", "the matrix of all first-order partial derivatives of a vector function"),
    ("Hessian", "the matrix of second derivatives, describing local curvature"),
    ("Prior", "the distribution over parameters before any data is observed"),
    ("Posterior collapse", "a VAE decoder learning to ignore the latent code"),
    ("Gradient accumulation", "summing gradients over micro-batches before a step"),
    ("Distillation", "training a small student to match a large teacher's outputs"),
    ("Sparse probing", "finding which few neurons carry a given feature"),
)
NOTEBOOKS = (
    "Matrix multiplication `01_matmul`", "Mean shift clustering", "Backprop from scratch",
    "Mini-batch training", "Convolutions `07_convolutions.ipynb`", "Autoencoders",
    "The Learner class", "Callbacks", "Initialization", "Accelerated SGD", "ResNets",
    "Attention and transformers", "DDPM from scratch", "Mixed precision", "Tokenizers",
    "Hugging Face Datasets", "`06_foundations.ipynb`", "Calculus refresher",
    "Data augmentation", "Super-resolution", "CLIP interrogator",
)
SUBSECTIONS = (
    "Definitions", "Intuition", "Derivation", "Examples", "Open questions",
    "Implementation notes", "Pitfalls", "Summary", "Key results", "Worked example",
    "Connections", "Exercises",
)
COURSE_TITLES = (
    "Deep Learning", "Probabilistic Machine Learning", "Reinforcement Learning",
    "Natural Language Processing", "Computer Vision", "Generative Models",
    "Optimisation for Machine Learning", "Trustworthy ML", "Machine Learning Systems",
)
WORDS = (
    "gradient", "kernel", "tensor", "posterior", "encoder", "decoder", "sampler", "manifold",
    "logit", "margin", "scheduler", "checkpoint", "embedding", "adapter", "router", "buffer",
    "spectrum", "prior", "critic", "policy", "token", "codebook", "patch", "anchor",
)
USERS = (
    "karpathy", "lucidrains", "huggingface", "openai", "facebookresearch", "google-research",
    "fastai", "pytorch", "jax-ml", "ml-explore", "tloen", "cloneofsimo", "rinongal",
)
FORUMS = (
    "https://forums.fast.ai/t/{slug}/{n}/{k}",
    "https://discuss.pytorch.org/t/{slug}/{n}",
    "https://www.reddit.com/r/MachineLearning/comments/{short}/{slug_}/",
    "https://stats.stackexchange.com/questions/{n}/{slug}",
    "https://discuss.huggingface.co/t/{slug}/{n}",
)
# (title, arXiv id) of a few well-known papers, so real identifiers recur in the log.
KNOWN_PAPERS = (
    ("LoRA: Low-Rank Adaptation of Large Language Models", "2106.09685"),
    ("Attention Is All You Need", "1706.03762"),
    ("Denoising Diffusion Probabilistic Models", "2006.11239"),
    ("Model-Agnostic Meta-Learning for Fast Adaptation of Deep Networks", "1703.03400"),
    ("Deep Residual Learning for Image Recognition", "1512.03385"),
    ("An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale", "2010.11929"),
    ("Auto-Encoding Variational Bayes", "1312.6114"),
    ("Classifier-Free Diffusion Guidance", "2207.12598"),
)
TITLE_NOUNS = (
    "Adaptation", "Distillation", "Guidance", "Replay", "Representations", "Priors",
    "Attention", "Calibration", "Erasure", "Probing", "Pretraining", "Merging", "Routing",
    "Sampling", "Alignment", "Compression", "Generalization", "Memorization",
)
TITLE_ADJ = (
    "Efficient", "Scalable", "Robust", "Sparse", "Implicit", "Provable", "Adaptive",
    "Hierarchical", "Contrastive", "Conditional", "Unsupervised", "Continual",
)
TITLE_TASKS = (
    "Large Language Models", "Image Generation", "Few-Shot Learning", "Continual Learning",
    "Text-to-Image Models", "Vision Transformers", "Graph Learning", "Offline RL",
    "Speech Recognition", "Tabular Data", "Object Detection", "3D Shape Modeling",
)

KO_NOUNS = (
    "메타 학습", "전문검색", "역전파", "정규화", "경사 하강법", "과적합", "손실 함수", "확률 분포",
    "표현 학습", "지식 증류", "생성 모델", "어텐션 메커니즘", "배치 정규화", "데이터 증강",
    "강화 학습", "최적화", "일반화 성능", "임베딩 공간", "파라미터 공유", "연속 학습",
    "그래프 구조", "2차 미분", "학습률 스케줄", "가중치 초기화", "모델 경량화", "추론 속도",
)
KO_TEMPLATES = (
    "오늘은 {term_eul} 구현하면서 {ko}에 대해 다시 공부했습니다.",
    "{term}의 핵심은 {ko_eul} 효율적으로 계산하는 것이라는 점을 알게 되었습니다.",
    "처음에는 {term_i} {ko_wa} 같은 개념이라고 생각했는데 곰곰히 생각해보니 아니더라구요.",
    "`{call}` 함수를 사용할 때 {ko} 설정에 주의해야 합니다.",
    "{term} 논문을 읽으면서 {ko_i} 왜 중요한지 조금 더 이해할 수 있었습니다.",
    "{dataset} 데이터셋으로 {term_eul} 학습시켜 보니 {ko} 문제가 생각보다 심각했습니다.",
    "꽤나 오랫동안 {ko}에 대해 착각하고 있었다는 것을 {term} 예제를 보고 깨달았습니다.",
    "{term_wa} {term2}의 차이는 결국 {ko_eul} 어떻게 다루느냐에 있다고 정리할 수 있습니다.",
    "요약하자면 {ko_eul} 제대로 이해하지 않으면 {term}의 결과를 해석하기 어렵습니다.",
    "{tool} 공식문서에서 `{call}`에 대한 설명을 읽고 {ko}의 동작 방식을 확인했습니다.",
    "이 부분은 아직 정확한 원인을 모르겠습니다(구체적인 내용은 더 찾아봐야 합니다).",
    "{term_eul} 사용하면 {ko} 단계에서 메모리 사용량이 크게 줄어든다는 것이 신기했습니다.",
    "실험 결과 {metric} 기준으로 {term_i} 기존 방법보다 {pct}% 정도 좋았습니다.",
    "{ko_wa} 관련된 내용은 나중에 따로 포스팅으로 정리해 보려고 합니다.",
    "빌드하는 단계에서는 {ko_i} 여러 번 반복되더라도 그래프 구조 자체가 더 중요합니다.",
    "{term}에서 {ko_eul} 적용할 때 하이퍼파라미터에 따라 결과가 많이 달라졌습니다.",
    "시각화된 자료만 봐도 {term}의 {ko} 과정이 간단하게 이해되는 내용이었습니다.",
    "왜 지금까지 {ko_wa} {term}의 관계를 깨닫지 못했을까라는 생각이 들었습니다.",
    "{term_eul} {tool}로 다시 구현하면서 {ko} 부분의 코드를 정리했습니다.",
    "발표 영상에서는 {term_i} {ko} 관점에서 어떤 장점이 있는지 설명하고 있습니다.",
)
KO_LINK_TEXT = (
    "공식문서", "관련 이슈", "논문", "발표 영상", "블로그 글", "포럼 스레드", "정리 노트",
    "튜토리얼",
)
KO_CATEGORIES = (
    ("🧩", "ML library"), ("🧩", "ML library"), ("🤖", "ML & DL"), ("🤖", "ML & DL"),
    ("🤖", "ML & DL"), ("📐", "Math"), ("🐍", "Python"), ("🛠️", "MLOps"),
)

EN_TEMPLATES = (
    "Today I {verb} {topic} and how it relates to {topic2}.",
    "The key idea of {method} is to make {topic} {adj} without touching {topic2}.",
    "I tried {method} on {dataset} and got {metric} of {num}, a bit better than the baseline.",
    "It turns out {topic} is mostly about {problem}, not about model size.",
    "Note to self: {topic} is {adj} only when the batch is large enough.",
    "{tool} makes this easy: `{call}` handles {topic} for you.",
    "In {method}, the update rule uses {math} to trade off {topic} against {topic2}.",
    "My understanding of {topic} (?) is still shaky, especially the part about {problem}.",
    "Re-reading the {method} paper, the ablation on {topic} is the most convincing part.",
    "A quick experiment with {method} shows {problem} appears after about {num} steps.",
    "Compared with {method2}, {method} is {adj} but needs more memory #{tag}.",
    "Worth remembering that {math} controls how strongly {topic} is applied.",
    "I {verb} the {method} code and found the {word} logic lives in one function.",
    "There is a neat connection between {topic} and {topic2} through {math}.",
    "The lecture framed {topic} as a special case of {topic2}, which helped a lot.",
    "Using {tool} with `{call}` cut the epoch time on {dataset} almost in half.",
    "Most of the gain comes from {topic}, the {word} trick matters much less #{tag}.",
    "People on the forum suggest {method} as a fix for {problem} on {dataset}.",
    "Still unclear (?) whether {topic} helps with {problem} or just hides it.",
    "Plan: reproduce the {dataset} numbers for {method} before moving on to {topic}.",
)
EN_QUESTIONS = (
    "Why does {method} fail when {topic} is turned off?",
    "Is {topic} really necessary for {method}, or is it {topic2} doing the work?",
    "How does {method} compare to {method2} on {dataset}?",
    "What happens to {problem} if we scale {topic} up?",
    "Do we need to change the {word} for each task?",
    "Can {topic} be explained with {math} alone?",
    "Does {tool}'s `{call}` handle {topic} correctly?",
    "Would {method} still work without {topic2}?",
)
EN_TODOS = (
    "re-watch the {topic} part of the lecture",
    "implement {method} from scratch in {tool}",
    "read the {method} paper properly",
    "write a short post about {topic}",
    "try {method} on {dataset}",
    "get {method} training working on a GPU",
    "finish the {notebook} notebook",
    "compare {method} and {method2} on {dataset}",
    "look up how `{call}` deals with {topic}",
    "make flashcards for {topic}",
)
HOWTO = (
    "How to disable the safety checker in {tool}.",
    "How to speed up {topic} with `{call}`.",
    "Debugging {problem} in my {method} run.",
    "Notes from the {method} reading group.",
    "A small trick for {topic}.",
)
# fmt: on

# particle suffix -> (after a final consonant, after a vowel)
_PARTICLES = {"eul": ("을", "를"), "i": ("이", "가"), "wa": ("과", "와"), "eun": ("은", "는")}


def _has_final_consonant(word: str) -> bool:
    """Whether ``word`` ends in a consonant sound as a Korean reader would say it."""
    last = word[-1]
    if "가" <= last <= "힣":
        return (ord(last) - ord("가")) % 28 != 0
    if last.isdigit():
        return last in "013678"  # 영 일 삼 육 칠 팔
    if last.isupper():
        return last in "LMNR"  # 엘 엠 엔 알
    return last not in "aeiouxy"  # -x reads 스


def _with_particle(rng: random.Random, words: tuple[str, ...], particles: tuple[str, str]) -> str:
    word = rng.choice(words)
    return word + particles[0 if _has_final_consonant(word) else 1]


class _Fill(dict[str, str]):
    """A mapping for ``str.format_map`` that draws a fresh random word for every field."""

    def __init__(self, vocab: dict[str, Callable[[], str]]) -> None:
        super().__init__()
        self._vocab = vocab

    def __missing__(self, key: str) -> str:
        return self._vocab[key]()


def _random_id(rng: random.Random, n: int, alphabet: str) -> str:
    return "".join(rng.choices(alphabet, k=n))


_ALNUM = string.ascii_letters + string.digits
_YT_ALPHABET = _ALNUM + "-_"


class _Writer:
    """Builds Markdown blocks from pools drawn once per run, so each block costs few draws."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        r = rng
        tool_calls = [call for _, call, _ in TOOLS]
        # A {call} after a {tool} in the same sentence names that library's function.
        pending_call: list[str] = []

        def tool() -> str:
            library, call, _ = r.choice(TOOLS)
            pending_call[:] = [call]
            return library

        def call() -> str:
            return pending_call.pop() if pending_call else r.choice(tool_calls)

        vocab: dict[str, Callable[[], str]] = {
            "topic": lambda: r.choice(TOPICS),
            "topic2": lambda: r.choice(TOPICS),
            "method": lambda: r.choice(METHODS),
            "method2": lambda: r.choice(METHODS),
            "dataset": lambda: r.choice(DATASETS),
            "tool": tool,
            "call": call,
            "verb": lambda: r.choice(VERBS_PAST),
            "adj": lambda: r.choice(ADJECTIVES),
            "problem": lambda: r.choice(PROBLEMS),
            "metric": lambda: r.choice(METRICS),
            "num": lambda: f"{r.uniform(0.1, 99.9):.1f}",
            "pct": lambda: str(r.randint(1, 15)),
            "tag": lambda: r.choice(TAGS),
            "math": lambda: r.choice(INLINE_MATH),
            "word": lambda: r.choice(WORDS),
            "notebook": lambda: r.choice(NOTEBOOKS).split(" `")[0],
        }
        # Korean nouns and English terms, bare ({ko}) or with a particle that agrees with the
        # word's last sound ({ko_eul} gives 을 or 를, {term_i} 이 or 가, ...).
        for key, words in (("ko", KO_NOUNS), ("term", METHODS), ("term2", METHODS)):
            vocab[key] = functools.partial(r.choice, words)
            for suffix, particles in _PARTICLES.items():
                vocab[f"{key}_{suffix}"] = functools.partial(_with_particle, r, words, particles)
        fill = _Fill(vocab)

        def make(templates: tuple[str, ...], n: int) -> list[str]:
            out = []
            for _ in range(n):
                pending_call.clear()
                out.append(r.choice(templates).format_map(fill))
            return out

        self.sentences = make(EN_TEMPLATES, 6000)
        self.questions = make(EN_QUESTIONS, 1500)
        self.todos = make(EN_TODOS, 1500)
        self.howto = make(HOWTO, 500)
        self.ko_sentences = make(KO_TEMPLATES, 4000)
        self.papers = self._make_papers(400)
        self.links = [self._make_link() for _ in range(3000)]
        self.code = [self._make_code() for _ in range(400)]
        self.blocks = 0  # code blocks and display formulas written so far (each numbered)

    # ------------------------------------------------------------------ pools

    def _make_papers(self, n: int) -> list[tuple[str, str]]:
        """(title, url) pairs; each paper keeps one identifier, linked in varied URL forms."""
        r = self.rng
        papers: list[tuple[str, str]] = []
        for title, arxiv_id in KNOWN_PAPERS:
            papers.append((title, f"https://arxiv.org/abs/{arxiv_id}v{r.randint(1, 3)}"))
            papers.append((title, f"https://arxiv.org/pdf/{arxiv_id}.pdf"))
        while len(papers) < n:
            shape = r.randrange(5)
            if shape == 0:
                acronym = _random_id(r, r.randint(3, 5), string.ascii_uppercase)
                title = f"{acronym}: {r.choice(TITLE_ADJ)} {r.choice(TITLE_NOUNS)} for "
                title += r.choice(TITLE_TASKS)
            elif shape == 1:
                title = f"On the {r.choice(TITLE_NOUNS)} of {r.choice(TITLE_TASKS)}"
            elif shape == 2:
                title = f"{r.choice(TITLE_ADJ)} {r.choice(TITLE_NOUNS)} Is All You Need"
            elif shape == 3:
                title = f"Towards {r.choice(TITLE_ADJ)} {r.choice(TITLE_NOUNS)} via "
                title += r.choice(TOPICS).removeprefix("the ").title()
            else:
                title = f"Rethinking {r.choice(TITLE_NOUNS)} in {r.choice(TITLE_TASKS)}"
            venue = r.random()
            if venue < 0.6:
                ident = f"{r.randint(17, 24)}{r.randint(1, 12):02d}.{r.randint(1, 29999):05d}"
                version = f"v{r.randint(1, 4)}" if r.random() < 0.6 else ""
                forms = (
                    f"https://arxiv.org/abs/{ident}{version}",
                    f"https://arxiv.org/pdf/{ident}{version}.pdf",
                    f"https://arxiv.org/pdf/{ident}",
                )
                papers.extend((title, url) for url in forms[: r.randint(1, 3)])
            elif venue < 0.8:
                ident = _random_id(r, r.choice((9, 10)), _ALNUM)
                papers.append((title, f"https://openreview.net/forum?id={ident}"))
                if r.random() < 0.5:
                    papers.append((title, f"https://openreview.net/pdf?id={ident}"))
            else:
                prefix = r.choice(("10.1145", "10.1109", "10.1007"))
                ident = f"{prefix}/{r.randint(3000000, 3699999)}.{r.randint(3000000, 3699999)}"
                papers.append((title, f"https://doi.org/{ident}"))
                if prefix == "10.1145" and r.random() < 0.5:
                    papers.append((title, f"https://dl.acm.org/doi/abs/{ident}"))
        return papers

    def _slug(self) -> str:
        r = self.rng
        words = [*r.sample(WORDS, r.randint(2, 4)), r.choice(TOPICS).split()[-1]]
        return "-".join(words).lower()

    def _make_link(self) -> str:
        """One bullet-ready link: Markdown link, bare URL, autolink or URL-as-its-own-text."""
        r = self.rng
        kind = r.random()
        if kind < 0.35:
            title, url = r.choice(self.papers)
        elif kind < 0.5:
            vid = _random_id(r, 11, _YT_ALPHABET)
            url = (
                f"https://www.youtube.com/watch?v={vid}"
                if r.random() < 0.8
                else f"https://youtu.be/{vid}"
            )
            title = f"{r.choice(METHODS)} explained: {r.choice(TOPICS)}"
        elif kind < 0.65:
            user = r.choice(USERS)
            repo = f"{r.choice(METHODS).lower().replace(' ', '-')}-{r.choice(WORDS)}"
            tail = r.choice(("", f"/issues/{r.randint(2, 9999)}", "/blob/main/README.md"))
            url = f"https://github.com/{user}/{repo}{tail}"
            title = f"{user}/{repo}"
        elif kind < 0.8:
            library, call, url = r.choice(TOOLS)
            title = f"`{call}` docs" if r.random() < 0.6 else f"{library} documentation"
        elif kind < 0.93:
            slug = self._slug()
            url = r.choice(FORUMS).format(
                slug=slug,
                slug_=slug.replace("-", "_"),
                n=r.randint(10000, 999999),
                k=r.randint(1, 60),
                short=_random_id(r, 6, string.ascii_lowercase + string.digits),
            )
            title = slug.replace("-", " ").capitalize()
        else:
            user = r.choice(USERS)
            url = f"https://{user}.github.io/{r.randint(2018, 2024)}/{self._slug()}/"
            title = f"Blog post on {r.choice(TOPICS)}"
        style = r.random()
        if style < 0.6:
            return f"[{title}]({url})"
        if style < 0.85:
            return url
        if style < 0.93:
            return f"<{url}>"
        return f"[{url}]({url})"

    def _make_code(self) -> str:
        r = self.rng
        call = r.choice(TOOLS)[1]
        method = r.choice(METHODS)
        word = r.choice(WORDS)
        if r.random() < 0.7:
            body = r.choice(
                (
                    f"# {method}: quick check of the {word} shapes\n"
                    f"import torch\n\n"
                    f"x = torch.randn({r.randint(2, 64)}, {r.choice((128, 256, 768))})\n"
                    f"{word} = {call}(x)\n"
                    f"print({word}.shape)",
                    f"def {word}_step(model, batch, lr={r.choice(('1e-3', '3e-4', '1e-4'))}):\n"
                    f"    # one optimisation step for {method}\n"
                    f"    loss = model(batch).loss\n"
                    f"    loss.backward()\n"
                    f"    for p in model.parameters():\n"
                    f"        p.data -= lr * p.grad\n"
                    f"        p.grad = None\n"
                    f"    return loss.item()",
                    f"class {method.replace('-', '').replace(' ', '')}Block(nn.Module):\n"
                    f"    def __init__(self, dim: int = {r.choice((64, 256, 512))}) -> None:\n"
                    f"        super().__init__()\n"
                    f"        self.{word} = nn.Linear(dim, dim)\n\n"
                    f"    def forward(self, x):\n"
                    f"        # residual connection around the {word}\n"
                    f"        return x + self.{word}(x)",
                    f"# line {r.randint(10, 900)} in pipeline_{word}.py\n"
                    f"def run_checker(self, image, device, dtype):\n"
                    f"    return image, None",
                )
            )
            return f"```python\n{body}\n```"
        body = r.choice(
            (
                f"# install and run the {method} example\n"
                f"pip install -U {r.choice(TOOLS)[0].lower().replace(' ', '-')}\n"
                f"python train.py --model {method.lower()} --lr {r.choice(('1e-3', '2e-4'))}",
                f"# grab the {word} checkpoint\n"
                f"wget -q https://example.org/ckpt/{word}-{r.randint(1, 99)}.pt\n"
                f"sha256sum {word}-*.pt",
                f"CUDA_VISIBLE_DEVICES={r.randint(0, 7)} accelerate launch train.py \\\n"
                f"    --dataset {r.choice(DATASETS).lower()} --epochs {r.randint(1, 50)}",
            )
        )
        return f"```bash\n{body}\n```"

    # ------------------------------------------------------------------ blocks

    def paragraph(self, lo: int = 2, hi: int = 4) -> str:
        return " ".join(self.rng.choices(self.sentences, k=self.rng.randint(lo, hi)))

    def notes_list(self) -> str:
        r = self.rng
        lines = []
        for _ in range(r.randint(2, 5)):
            if r.random() < 0.2:
                lines.append(f"- {r.choice(self.links)}")
            else:
                lines.append(f"- {r.choice(self.sentences)}")
            if r.random() < 0.25:
                lines.append(f"  - {r.choice(self.sentences)}")
        return "\n".join(lines)

    def link_list(self) -> str:
        r = self.rng
        lines = [f"- {link}" for link in r.choices(self.links, k=r.randint(1, 3))]
        if r.random() < 0.3:
            _title, url = r.choice(self.papers)
            lines.append(f"- Paper link: [{url}]({url})")
        return "\n".join(lines)

    def tasks(self) -> str:
        r = self.rng
        return "\n".join(
            f"- [{'x' if r.random() < 0.4 else ' '}] {todo}"
            for todo in r.choices(self.todos, k=r.randint(1, 4))
        )

    def questions_block(self) -> str:
        r = self.rng
        qs = r.choices(self.questions, k=r.randint(1, 3))
        if r.random() < 0.5:
            return "- Questions:\n" + "\n".join(f"  - {q}" for q in qs)
        return "\n".join(qs)

    def code_block(self) -> str:
        # Every block is different, as in a real log (a renderer's cache must not hide
        # the cost of highlighting): a numbered comment line after the fence.
        self.blocks += 1
        fence, _, rest = self.rng.choice(self.code).partition("\n")
        return f"{fence}\n# note {self.blocks}\n{rest}"

    def math_block(self) -> str:
        # Every formula is different too (an equation number), so MathML is made each time.
        self.blocks += 1
        tex = self.rng.choice(DISPLAY_MATH)
        return f"$$\n{tex} \\qquad ({self.blocks})\n$$"

    def image(self) -> str:
        r = self.rng
        name = r.choice(WORDS)
        return f'![{name} diagram](images/{name}-{r.randint(1, 300)}.png "{name}")'

    def english_body(self, budget: int, first: str = "") -> list[str]:
        """Blocks of an English entry until ``budget`` bytes: prose first, then a mix."""
        r = self.rng
        blocks = [first + self.paragraph()] if first else [self.paragraph()]
        size = len(blocks[0])
        makers = _EN_BLOCKS
        weights = _EN_WEIGHTS
        while size < budget:
            block = r.choices(makers, weights)[0](self)
            blocks.append(block)
            size += len(block.encode())
        return blocks

    def korean_paragraph(self) -> str:
        return " ".join(self.rng.choices(self.ko_sentences, k=self.rng.randint(1, 3)))

    def budget(self, mean: int) -> int:
        return max(160, int(self.rng.gammavariate(3.0, mean / 3.0)))


_EN_BLOCKS: tuple[Callable[[_Writer], str], ...] = (
    _Writer.paragraph,
    _Writer.notes_list,
    _Writer.link_list,
    _Writer.tasks,
    _Writer.questions_block,
    _Writer.code_block,
    _Writer.math_block,
    _Writer.image,
)
_EN_WEIGHTS = (5.0, 3.0, 2.0, 1.2, 1.0, 0.7, 0.6, 0.15)


# --------------------------------------------------------------------------- layouts


def _dated_headings(w: _Writer, n: int, number: int) -> str:
    r = w.rng
    day = date(r.randint(2019, 2024), r.randint(1, 12), r.randint(1, 28))
    first_day = day - timedelta(days=n * 2)
    year, month = first_day.year, first_day.month
    tags = "\n".join(f"  - {t}" for t in r.sample(TAGS, r.randint(1, 3)))
    parts = [
        f"---\ntitle: 'Learning and Thinking Log {year}'\ndate: {first_day.isoformat()}\n"
        f"permalink: /posts/{year}/{month:02d}/learning/log-{number:04d}/\n"
        f"tags:\n  - Learning\n{tags}\n---\n<br>",
        "Learning targets\n--------------------------",
        f"This is a learning log to keep track of what I learn each day. {w.paragraph(1, 2)}",
        "\n".join(
            f"- #{t}: get better at {r.choice(TOPICS)}." for t in r.sample(TAGS, r.randint(3, 5))
        ),
    ]
    if r.random() < 0.4:
        parts.append(
            f"<!-- \nRecording ideas\n--------------------------\n{w.paragraph(3, 6)}\n\n"
            f"- Disclaimer: {r.choice(w.sentences)} -->"
        )
    style = r.randrange(4)
    remaining = n
    while remaining:
        if style < 2:
            trailing = " " if r.random() < 0.05 else ""
            parts.append(f"{day.isoformat()}{trailing}\n{'-' * r.choice((10, 26))}")
        elif style == 2:
            parts.append(f"## {day.year}.{day.month:02d}.{day.day:02d}")
        else:
            parts.append(f"## {day.isoformat()}")
        for _ in range(min(remaining, r.randint(1, 3))):
            roll = r.random()
            if roll < 0.02:
                marker = "()"
            elif roll < 0.7:
                marker = f"(#{r.choice(TAGS)})"
            else:
                marker = "(" + ", ".join(f"#{t}" for t in r.sample(TAGS, r.randint(2, 3))) + ")"
            opener = r.random()
            if opener < 0.3:
                title, _url = r.choice(w.papers)
                first = f"{marker} On Reading: {title}\n\n"
            elif opener < 0.5:
                first = f"{marker} {r.choice(w.howto)}\n\n"
            else:
                first = f"{marker} "
            parts.extend(w.english_body(w.budget(_BODY_BUDGET["dated-headings"]), first))
            remaining -= 1
        day -= timedelta(days=r.randint(1, 4))
    return "\n\n".join(parts) + "\n"


def _category_dated(w: _Writer, n: int, number: int) -> str:
    r = w.rng
    day = date(r.randint(2019, 2023), r.randint(1, 12), r.randint(1, 28))
    parts = [
        f'---\ntitle: "Today I Learned (AI/ML) #{number}"\ndate: "{day.isoformat()}"\n'
        f'template: "post"\ndraft: false\npath: "/cheatsheet/til-{number:04d}/"\n'
        f"description: {json.dumps(w.korean_paragraph(), ensure_ascii=False)}\n"
        'category: "Cheat Sheet"\n---',
        "새롭게 알게 된 지식 중에서 하나의 포스팅으로 만들기에는 부담스러운 내용들을 이곳에 "
        "모아둡니다. 최근에 작성한 내용들이 하단에 위치하도록 배열하였습니다.",
    ]
    footnotes: list[str] = []
    budget_mean = _BODY_BUDGET["category-dated"]
    for _ in range(n):
        emoji, category = r.choice(KO_CATEGORIES)
        gap = "  " if r.random() < 0.15 else " "
        parts.append(f"##### {emoji}{gap}{category}")
        if r.random() >= 0.03:
            trailing = " " if r.random() < 0.3 else ""
            parts.append(f"*{day.year}.{day.month:02d}.{day.day:02d}*{trailing}")
        day += timedelta(days=r.randint(1, 9))
        budget = w.budget(budget_mean)
        size = 0
        while size < budget:
            roll = r.random()
            if roll < 0.55:
                block = w.korean_paragraph()
                if r.random() < 0.15:
                    footnotes.append(r.choice(w.links))
                    block += f"[^{len(footnotes)}]"
            elif roll < 0.65:
                link = r.choice(w.papers)[1] if r.random() < 0.5 else r.choice(w.links)
                if link.startswith("http"):
                    text = r.choice(KO_LINK_TEXT)
                    particle = "을" if _has_final_consonant(text) else "를"
                    link = f"[{text}]({link}){particle}"
                else:
                    link += " 내용을"
                block = f"{link} 참고했습니다. {r.choice(w.ko_sentences)}"
            elif roll < 0.77:
                block = w.code_block()
            elif roll < 0.85:
                block = "\n".join(
                    f"- `{r.choice(TOOLS)[1]}`: {s}" for s in r.choices(w.ko_sentences, k=2)
                )
            elif roll < 0.92:
                block = w.math_block()
            elif roll < 0.97:
                block = w.notes_list()
            else:
                unsure = f"{r.choice(INLINE_MATH)} 부분은 (?) 잘 모르겠습니다."
                block = f"{w.questions_block()}\n{unsure}"
            parts.append(block)
            size += len(block.encode())
    if footnotes:
        defs = []
        for i, ref in enumerate(footnotes, 1):
            label = f"^ {i}" if r.random() < 0.02 else f"^{i}"
            defs.append(f"[{label}]: {r.choice(METHODS)} notes. {ref}")
        parts.append("### References")
        parts.append("\n".join(defs))
    return "\n\n".join(parts) + "\n"


def _lessons(w: _Writer, n: int, number: int) -> str:
    r = w.rng
    bare = r.random() < 0.3
    lesson = r.randint(1, 12)
    parts: list[str] = []
    open_todos: list[str] = []
    for _ in range(n):
        parts.append(f"# {lesson}" if bare else f"# Lesson {lesson}")
        lesson += 1
        budget = w.budget(_BODY_BUDGET["lessons"])
        blocks = [w.link_list()]
        size = len(blocks[0])
        while size < budget:
            roll = r.random()
            if roll < 0.35:
                block = f"## {r.choice(NOTEBOOKS)}\n\n{w.paragraph()}"
            elif roll < 0.55:
                block = w.notes_list()
            elif roll < 0.7:
                block = w.code_block()
            elif roll < 0.8:
                block = w.link_list()
            elif roll < 0.87:
                block = f"### {r.choice(SUBSECTIONS)}\n\n{w.paragraph(1, 3)}"
            elif roll < 0.93:
                block = w.questions_block()
            else:
                block = w.math_block()
            blocks.append(block)
            size += len(block.encode())
        if r.random() < 0.6:
            open_todos = [t for t in open_todos if r.random() < 0.7]
            open_todos.extend(r.choices(w.todos, k=r.randint(1, 3)))
            del open_todos[:-8]
            blocks.append("## TODO\n\n" + "\n".join(f"- {t}" for t in open_todos))
        parts.extend(blocks)
    return "\n\n".join(parts) + "\n"


def _sections(w: _Writer, n: int, number: int) -> str:
    r = w.rng
    title = r.choice(COURSE_TITLES)
    parts: list[str] = []
    if r.random() < 0.3:
        description = json.dumps(r.choice(w.sentences), ensure_ascii=False)
        parts.append(f"---\ntitle: {title} notebook\nmeta_description: {description}\n---")
    parts.append(f"# {title}")
    parts.append(f"I am auditing this course, so these notes are my own. {w.paragraph(1, 2)}")
    if r.random() < 0.5:
        parts.append("* auto-gen TOC:\n{:toc}")
    if r.random() < 0.5:
        parts.append(
            '<script src="https://polyfill.io/v3/polyfill.min.js?features=es6"></script>\n'
            '<script id="MathJax-script" async '
            'src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"></script>'
        )
    page_break = '<div style="page-break-after: always;"></div>'
    glossary_at = r.randrange(n) if r.random() < 0.5 else -1
    for i in range(n):
        if i == glossary_at:
            parts.append(r.choice(("## Terms", "## Terms and Concepts")))
            items = r.sample(GLOSSARY, r.randint(5, 10))
            parts.append("\n".join(f"- {term}: {definition}" for term, definition in items))
            continue
        topic = r.choice(TOPICS).removeprefix("the ")
        topic = topic[0].upper() + topic[1:]
        heading = f"Lecture {i + 1}: {topic}" if r.random() < 0.4 else topic
        parts.append(f"## {heading}")
        budget = w.budget(_BODY_BUDGET["sections"])
        blocks = [w.paragraph(1, 3)]
        size = len(blocks[0])
        while size < budget:
            roll = r.random()
            if roll < 0.3:
                block = f"#### {r.choice(SUBSECTIONS)}\n\n{w.notes_list()}"
            elif roll < 0.5:
                block = w.paragraph()
            elif roll < 0.62:
                block = w.questions_block()
            elif roll < 0.75:
                block = f"{r.choice(w.sentences)} {r.choice(INLINE_MATH)}\n\n{w.math_block()}"
            elif roll < 0.83:
                block = w.code_block()
            elif roll < 0.9:
                block = w.link_list()
            elif roll < 0.95:
                block = w.image()
            else:
                block = w.tasks()
            blocks.append(block)
            size += len(block.encode())
        if r.random() < 0.2:
            blocks.append(page_break)
        parts.extend(blocks)
    return "\n\n".join(parts) + "\n"


_BUILDERS: dict[str, Callable[[_Writer, int, int], str]] = {
    "dated-headings": _dated_headings,
    "category-dated": _category_dated,
    "lessons": _lessons,
    "sections": _sections,
}


# --------------------------------------------------------------------------- entry point


def generate_log(
    out_dir: Path,
    entries: int,
    seed: int = 0,
    entries_per_file: int = 100,
    *,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Write a synthetic learning log of exactly ``entries`` entries into ``out_dir``.

    Files hold about ``entries_per_file`` entries each (±20 %; the last one may hold fewer)
    and rotate through the layouts 40/20/20/20 by file count. ``out_dir`` is created if
    missing; if it already has files, ``overwrite=True`` is required, and then only files
    named like this generator's output are removed first. Returns a summary: files, entries,
    bytes, and per-layout counts.
    """
    if entries < 0:
        raise ValueError(f"entries must be >= 0, got {entries}")
    if entries_per_file < 1:
        raise ValueError(f"entries_per_file must be >= 1, got {entries_per_file}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if any(out_dir.iterdir()):
        if not overwrite:
            raise FileExistsError(f"{out_dir} is not empty; pass overwrite=True (--force)")
        for old in out_dir.rglob("*.md"):
            if _GENERATED_NAME.match(old.name):
                old.unlink()

    rng = random.Random(seed)
    writer = _Writer(rng)
    per_layout = {name: {"files": 0, "entries": 0, "bytes": 0} for name in LAYOUTS}
    lo = max(1, round(entries_per_file * 0.8))
    hi = max(lo, round(entries_per_file * 1.2))
    order: list[str] = []
    remaining = entries
    number = 0
    total_bytes = 0
    while remaining:
        if not order:
            order = list(_LAYOUT_BLOCK)
            rng.shuffle(order)
        layout = order.pop()
        number += 1
        count = min(remaining, rng.randint(lo, hi))
        names, weights = zip(*_SUBFOLDERS[layout], strict=True)
        folder = out_dir / rng.choices(names, weights)[0]
        folder.mkdir(parents=True, exist_ok=True)
        data = _BUILDERS[layout](writer, count, number).encode("utf-8")
        (folder / f"{_FILE_PREFIX[layout]}-{number:04d}.md").write_bytes(data)
        stats = per_layout[layout]
        stats["files"] += 1
        stats["entries"] += count
        stats["bytes"] += len(data)
        total_bytes += len(data)
        remaining -= count
    return {
        "out_dir": str(out_dir),
        "seed": seed,
        "files": number,
        "entries": entries,
        "bytes": total_bytes,
        "bytes_per_entry": round(total_bytes / entries) if entries else 0,
        "layouts": per_layout,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic Markdown learning log.")
    parser.add_argument("out_dir", type=Path, help="folder to write the log into")
    parser.add_argument("--entries", type=int, default=10000, help="exact number of entries")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--entries-per-file", type=int, default=100, help="about this many entries per file"
    )
    parser.add_argument(
        "--force", action="store_true", help="write into a non-empty folder, replacing old output"
    )
    args = parser.parse_args(argv)
    try:
        summary = generate_log(
            args.out_dir, args.entries, args.seed, args.entries_per_file, overwrite=args.force
        )
    except (ValueError, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
