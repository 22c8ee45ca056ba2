"""Local text for `--dataset`: which files a path names, and the documents they hold.

Read here rather than through `datasets`, which treats data-file paths as glob patterns
(a folder or file name with `[` or `]` then matches nothing) and leaves a UTF-8 BOM in.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import re
from pathlib import Path

from lmclaims.errors import UserInputError

TEXT_SUFFIXES = (".txt", ".md", ".text")  # any case: A.TXT counts
OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}  # compressed text, by suffix
BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")  # paragraph break: one or more blank lines


def is_text_name(name: str) -> bool:
    """'a.txt', 'B.MD', 'c.txt.gz': a text file, possibly compressed, and not hidden."""
    lower = name.lower()
    for suffix in OPENERS:
        lower = lower.removesuffix(suffix)
    return not name.startswith(".") and lower.endswith(TEXT_SUFFIXES)


def text_files(path: Path) -> list[Path]:
    """The file itself, or the text files under a folder, sorted.

    Symlinked folders are followed, each real folder once (no loops); hidden files and
    folders (`.git/`, `.cache/`) are skipped.
    """
    if path.is_file():
        return [path]
    found: list[Path] = []
    visited: set[str] = set()
    for root, dirs, files in os.walk(path, followlinks=True):
        real = os.path.realpath(root)
        if real in visited:  # a symlink back up the tree, or a folder linked twice
            dirs[:] = []
            continue
        visited.add(real)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(root) / f for f in files if is_text_name(f) and (Path(root) / f).is_file()]
    return sorted(found)


def _bytes(file: Path, name: str) -> bytes:
    opener = OPENERS.get(file.suffix.lower(), open)
    try:
        with opener(file, "rb") as fh:
            return fh.read()
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise UserInputError(f"--dataset {name!r}: cannot read {file.name} ({exc}); "
                             f"give readable UTF-8 text files") from None


def read_text(file: Path, name: str) -> str:
    """The file's text: UTF-8, BOM removed, newlines as '\\n'; UserInputError if it is not text."""
    raw = _bytes(file, name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as bad:
        raise UserInputError(f"--dataset {name!r}: {file.name} is not valid UTF-8 ({bad.reason} at "
                             f"byte {bad.start}); re-encode it as UTF-8") from None
    if "\x00" in text:
        raise UserInputError(f"--dataset {name!r}: {file.name} holds NUL bytes, so it is binary "
                             f"(or UTF-16) data, not text; give UTF-8 text files")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_documents(text: str) -> list[str]:
    """Paragraphs separated by blank lines, as the documents of a single-file corpus."""
    return [part.strip("\n") for part in BLANK_LINES.split(text) if part.strip()]
