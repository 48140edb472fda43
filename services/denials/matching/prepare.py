"""Preparing a name: transliterated, legal forms and connectors set aside, abbreviations read.

A name is prepared once and the prepared form kept with the denial, so a screening only
compares. Each form of a name records, in words, what preparing did to it: the explanation of
a match starts there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from services.denials.matching.tables import ABBREVIATION, LEGAL_FORM, fold, tables
from services.denials.matching.text import main_script, transliterate, words

NORMALISER_VERSION = 2

_BRACKETS = re.compile(r"[\(\[\{]([^\)\]\}]*)[\)\]\}]?")
_QUOTES = re.compile(r"[«»\"“”„]")
# An acronym set off by a spaced dash, before or after the name (IAI - Israel Aerospace
# Industries; Indústria de Material Bélico do Brasil - IMBEL).
_DASH_BEFORE = re.compile(r"^\s*([A-Z][A-Z0-9]{1,7})\s+[-–—]\s+(\S.*)$")
_DASH_AFTER = re.compile(r"^(.*\S)\s+[-–—]\s+([A-Z][A-Z0-9]{1,7})\s*$")


@dataclass(frozen=True)
class Form:
    """One way of reading a name: its distinctive words, and what preparing set aside."""

    words: tuple[str, ...]
    # Every word but the legal forms, connectors kept: compared joined ("Al Tariq", "Altariq").
    full: tuple[str, ...]
    # Written in a script without vowels (Arabic, Hebrew, Devanagari): compared by consonants.
    skeleton: bool
    notes: tuple[str, ...]
    # The acronyms the name may go by: the initials of its words, with and without its legal
    # forms and connectors (Bharat Earth Movers Limited: BEML, BEM).
    initials: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A JSON-able form."""
        return {"w": list(self.words), "f": list(self.full), "k": self.skeleton,
                "n": list(self.notes), "i": list(self.initials)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Form:
        """Read a form back."""
        return cls(words=tuple(data["w"]), full=tuple(data["f"]), skeleton=bool(data["k"]),
                   notes=tuple(data["n"]), initials=tuple(data["i"]))


@dataclass(frozen=True)
class PreparedName:
    """A name made ready for comparison: its readings, and its aliases (acronyms, brackets)."""

    raw: str
    variants: tuple[Form, ...]
    aliases: tuple[Form, ...]

    def to_json(self) -> dict[str, Any]:
        """A JSON-able form, cached with the denial."""
        return {"v": NORMALISER_VERSION, "raw": self.raw,
                "variants": [f.to_json() for f in self.variants],
                "aliases": [f.to_json() for f in self.aliases]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PreparedName:
        """Read a cached form back; prepares afresh when the normaliser has changed since."""
        if data.get("v") != NORMALISER_VERSION:
            return prepare(str(data.get("raw", "")))
        return cls(raw=data["raw"],
                   variants=tuple(Form.from_json(f) for f in data["variants"]),
                   aliases=tuple(Form.from_json(f) for f in data["aliases"]))


def _initials(toks: Sequence[str]) -> str:
    return "".join(t[0] for t in toks if t)


def _acronym(raw: list[str], legal: list[bool]) -> int | None:
    """Where an acronym of the other words stands, first or last ("BDL Bharat Dynamics Ltd")."""
    if len(raw) < 3:
        return None
    stop = tables().stopwords
    for at, rest, flags in ((0, raw[1:], legal[1:]), (len(raw) - 1, raw[:-1], legal[:-1])):
        word = raw[at]
        if not (2 <= len(word) <= 8 and word.isalpha()) or legal[at]:
            continue
        plain = [t for t in rest if fold(t) not in stop]
        core = [t for t, is_form in zip(rest, flags, strict=True)
                if not is_form and fold(t) not in stop]
        if word in {_initials(rest), _initials(plain), _initials(core)}:
            return at
    return None


def _read_phrases(raw: list[str], *, skeleton: bool,
                  ) -> list[tuple[str, str, tuple[str, ...]]]:
    """Each word or phrase of a name with its kind and what it is read as."""
    folded = [fold(t) for t in raw]
    phrases = tables().bare_phrases if skeleton else tables().phrases
    out: list[tuple[str, str, tuple[str, ...]]] = []
    i = 0
    while i < len(raw):
        for phrase in phrases.get(folded[i], ()):
            n = len(phrase.words)
            if tuple(folded[i:i + n]) == phrase.words:
                out.append((" ".join(raw[i:i + n]), phrase.kind, phrase.to))
                i += n
                break
        else:
            out.append((raw[i], "word", (raw[i],)))
            i += 1
    return out


def _form(raw: list[str], *, skeleton: bool, notes: tuple[str, ...]) -> tuple[Form | None,
                                                                              Form | None]:
    """The reading of one part of a name, and the acronym it carries, if any."""
    read = _read_phrases(raw, skeleton=skeleton)
    if all(kind == LEGAL_FORM for _, kind, _ in read):
        # A name of nothing but legal forms ("Company Limited") keeps them as its words.
        read = [(text, "word", (text,)) for text in raw]
    spans = [text for text, _, _ in read]
    legal = [kind == LEGAL_FORM for _, kind, _ in read]
    acronym: Form | None = None
    at = _acronym(spans, legal)
    said = list(notes)
    if at is not None:
        acronym = Form(words=(spans[at],), full=(spans[at],), skeleton=False,
                       notes=(f"acronym '{spans[at].upper()}' of the name",))
        said.append(f"acronym '{spans[at].upper()}' set aside")
        read = read[:at] + read[at + 1:]
    stop = tables().stopwords
    full: list[str] = []
    kept: list[str] = []
    for text, kind, to in read:
        if kind == LEGAL_FORM:
            said.append(f"legal form '{text}' set aside")
            continue
        full.extend(text.split(" "))
        if kind == ABBREVIATION:
            if tuple(text.split(" ")) != to:
                said.append(f"'{text}' read as '{' '.join(to)}'")
            kept.extend(to)
        else:
            kept.append(text)
    names = [text for text, _, _ in read]
    initials = ({_initials(names), _initials([t for t in names if fold(t) not in stop]),
                 _initials(full), _initials([t for t in full if fold(t) not in stop])}
                if len(full) > 1 else set())
    distinctive = [w for w in kept if fold(w) not in stop]
    left_out = [w for w in kept if fold(w) in stop]
    if left_out and distinctive:
        listed = ", ".join(f"'{w}'" for w in left_out)
        said.append(f"connectors and articles {listed} left out")
    else:
        distinctive = kept
    if not distinctive:
        return None, acronym
    return Form(words=tuple(distinctive), full=tuple(full), skeleton=skeleton,
                notes=tuple(dict.fromkeys(said)),
                initials=tuple(sorted(fold(i) for i in initials if len(i) > 1))), acronym


def _only_legal_forms(toks: list[str], *, skeleton: bool) -> bool:
    return all(kind == LEGAL_FORM for _, kind, _ in _read_phrases(toks, skeleton=skeleton))


def _dashed_acronym(name: str) -> str:
    """"IAI - Israel Aerospace Industries" as "Israel Aerospace Industries (IAI)"."""
    if m := _DASH_BEFORE.match(name):
        return f"{m.group(2)} ({m.group(1)})"
    if m := _DASH_AFTER.match(name):
        return f"{m.group(1)} ({m.group(2)})"
    return name


def prepare(name: str) -> PreparedName:
    """Prepare a name: transliterate, split off bracketed aliases and acronyms, read phrases."""
    raw, name = name, _dashed_acronym(name)
    dashed = name != raw
    script = main_script(name)
    skeleton = script in tables().skeleton_scripts
    shown = tables().script_names.get(script, script.title())
    notes = () if script in ("LATIN", "UNKNOWN") else (f"transliterated from {shown}",)
    variants: list[Form] = []
    aliases: list[Form] = []

    def add(into: list[Form], form: Form | None) -> None:
        if form is not None and form.words and all(f.words != form.words for f in into):
            into.append(form)

    # Umlauts bare and written out (ä = a, ä = ae); most names read the same both ways.
    texts = dict.fromkeys(_QUOTES.sub(" ", transliterate(name, umlauts=umlauts))
                          for umlauts in (False, True))
    for text in texts:
        inner = [m.group(1) for m in _BRACKETS.finditer(text)]
        main = _BRACKETS.sub(" ", text)
        apart = [p.strip() for p in inner if not _only_legal_forms(words(p), skeleton=skeleton)]
        said = ("" if not apart else f"acronym '{apart[0].upper()}' set aside" if dashed
                else "alias " + ", ".join(f"'{p}'" for p in apart) + " in brackets set aside")
        flat = text.replace("(", " ").replace(")", " ")
        for part, why in ((main, (said,) if apart else ()), *(((flat, ()),) if inner else ())):
            form, acronym = _form(words(part), skeleton=skeleton, notes=(*notes, *why))
            add(variants, form)
            add(aliases, acronym)
        for part in inner:
            toks = words(part)
            if _only_legal_forms(toks, skeleton=skeleton):
                continue  # "(Pty) Ltd", "(Persero)": a legal form in brackets is no alias
            form, acronym = _form(toks, skeleton=skeleton,
                                  notes=(*notes, f"alias '{part.strip()}' of the name"))
            add(aliases, form)
            add(aliases, acronym)
    aliases = [a for a in aliases if all(a.words != v.words for v in variants)]
    return PreparedName(raw=raw, variants=tuple(variants), aliases=tuple(aliases))
