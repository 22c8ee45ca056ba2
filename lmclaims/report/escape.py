"""Make text from models and corpora inert in markdown, HTML and job summaries.

Model names, token strings, prompt excerpts and exception messages come from
places nobody here controls; escaped, `<img src=x>`, a table-breaking `|` or a
`[link](...)` render as the characters they are, and `$5 ... $10` in a news
excerpt does not turn into GitHub math.
"""

from __future__ import annotations

_MD_SPECIAL = "\\`*_{}[]()#+!|~>"
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
         "$": "&#36;"}  # GitHub renders $...$ as math; a backslash does not stop it outside math


def md(text: object, limit: int = 400) -> str:
    """Escape arbitrary text for one markdown line or table cell."""
    s = " ".join(str(text).split())  # newlines and tabs would break tables and lines
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    out = []
    for ch in s:
        if ch in _HTML:
            out.append(_HTML[ch])
        elif ch in _MD_SPECIAL:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def code(text: object) -> str:
    """Inline code for identifiers we generate (claim ids); falls back to md() if odd."""
    s = str(text)
    if all(c.isalnum() or c in "._-:/=,[] " for c in s):
        return f"`{s}`"
    return md(s)
