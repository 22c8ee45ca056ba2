"""`--dataset` on local text: odd names, odd bytes, one file of many documents, folder layouts."""

import gzip
import os

import pytest

from lmclaims.data.corpus import load_corpus
from lmclaims.errors import UserInputError

ARTICLE = "First paragraph of an article.\nIt goes on.\n\nSecond paragraph.\n"


def _write(path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("folder, name", [("drafts [v2]", "a.txt"), ("plain", "corpus[1].txt"),
                                          ("x*?", "b[!].md")])
def test_brackets_and_glob_characters_in_paths_are_plain_names(tmp_path, folder, name):
    """A path is a path, never a glob pattern: its text loads, as a file or inside a folder."""
    file = _write(tmp_path / folder / name, b"Some text in a file.")
    assert load_corpus(str(tmp_path / folder)).documents == ("Some text in a file.",)
    assert load_corpus(str(file)).documents == ("Some text in a file.",)


@pytest.mark.parametrize("data", [b"\x00" * 64, "text".encode("utf-16-le")], ids=["NUL", "UTF-16"])
def test_a_file_of_nul_bytes_is_refused_with_one_line(tmp_path, data):
    file = _write(tmp_path / "zeros.txt", data)
    with pytest.raises(UserInputError, match=r"zeros.txt holds NUL bytes, so it is binary") as err:
        load_corpus(str(file))
    assert "\n" not in str(err.value)


def test_a_single_file_is_split_into_documents_at_blank_lines(tmp_path):
    """200 articles in one file are 400 paragraphs, not one document; a folder keeps one per file."""
    file = _write(tmp_path / "news.txt", (ARTICLE + "\n\n \n") .join([""] * 201).encode())
    corpus = load_corpus(str(file))
    assert len(corpus.documents) == 400
    assert corpus.documents[:2] == ("First paragraph of an article.\nIt goes on.", "Second paragraph.")
    assert "split into documents at blank lines" in corpus.source
    _write(tmp_path / "folder" / "a.txt", ARTICLE.encode())
    assert load_corpus(str(tmp_path / "folder")).documents == (ARTICLE,)


def test_a_utf8_byte_order_mark_is_removed(tmp_path):
    file = _write(tmp_path / "bom.txt", "\ufeffText after a BOM.".encode("utf-8"))
    assert load_corpus(str(file)).documents == ("Text after a BOM.",)
    _write(tmp_path / "folder" / "bom.txt", "\ufeffText after a BOM.".encode("utf-8"))
    assert load_corpus(str(tmp_path / "folder")).documents == ("Text after a BOM.",)


def test_folder_layouts(tmp_path):
    """Symlinked folders are followed once (a loop ends), counted in the source; compressed
    text and upper-case suffixes count; hidden folders and files do not."""
    root = tmp_path / "corpus"
    _write(root / "A.TXT", b"upper case suffix")
    _write(root / "sub" / "b.txt.gz", gzip.compress(b"compressed text"))
    _write(tmp_path / "elsewhere" / "c.md", b"behind a symlinked folder")
    os.symlink(tmp_path / "elsewhere", root / "linked")
    os.symlink(root, root / "sub" / "loop")  # back up the tree
    _write(root / ".git" / "objects" / "readme.txt", b"version control, not text")
    _write(root / ".hidden.txt", b"hidden file")
    _write(root / "notes.csv", b"not a text suffix")
    corpus = load_corpus(str(root))
    assert sorted(corpus.documents) == ["behind a symlinked folder", "compressed text",
                                        "upper case suffix"]
    assert "(3 files, one document each)" in corpus.source


def test_a_corrupt_compressed_file_is_one_line(tmp_path):
    file = _write(tmp_path / "bad.txt.gz", b"not gzip at all")
    with pytest.raises(UserInputError, match=r"cannot read bad.txt.gz"):
        load_corpus(str(file))
