"""Text to words: one ASCII spelling per name, whatever its script; pure."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from anyascii import anyascii

# German umlauts have a two-letter spelling (Nordström = Nordstroem) besides the bare vowel.
_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)
# Scripts written one syllable a sign: each sign is a word of its own once transliterated, so
# that "中国北方" (Zhong Guo Bei Fang) meets "Zhongguo Beifang" as joined words.
_SYLLABIC = ("CJK", "HANGUL")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def script(char: str) -> str:
    """The script of one letter, as Unicode names it (LATIN, CYRILLIC, CJK, ARABIC, ...)."""
    return unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]


def main_script(name: str) -> str:
    """The script most letters of a name are written in; LATIN for a name of no letters."""
    if name.isascii():
        return "LATIN"
    counts = Counter(script(c) for c in name if c.isalpha())
    return counts.most_common(1)[0][0] if counts else "LATIN"


def transliterate(text: str, *, umlauts: bool) -> str:
    """Lower-case ASCII; syllabic scripts spaced a syllable a word."""
    if umlauts:
        text = text.translate(_UMLAUTS)
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text.lower()
    out: list[str] = []
    run: list[str] = []
    for char in text:
        if char.isalpha() and script(char) in _SYLLABIC:
            out.append(anyascii("".join(run)))
            run = []
            out.append(f" {anyascii(char)} ")
        else:
            run.append(char)
    out.append(anyascii("".join(run)))
    return "".join(out).lower()


def words(text: str) -> list[str]:
    """The words of transliterated text; a run of single letters (S.A., I.M.I.) is one word."""
    text = text.replace("&", " and ").replace("'", "").replace("`", "")
    raw = [t for t in _NON_WORD.split(text) if t]
    out: list[str] = []
    run: list[str] = []
    for tok in raw:
        if len(tok) == 1 and tok.isalpha():
            run.append(tok)
            continue
        if run:
            out.append("".join(run))
            run = []
        out.append(tok)
    if run:
        out.append("".join(run))
    return out
