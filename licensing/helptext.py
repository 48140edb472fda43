"""How `--help` lays out text: paragraphs wrapped to the terminal, indented lines kept."""

from __future__ import annotations

import argparse
import textwrap


class ParagraphHelp(argparse.HelpFormatter):
    """Wraps each paragraph of a description or epilog; a line that starts indented stays."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        out: list[str] = []
        for paragraph in text.split("\n\n"):
            lines = paragraph.splitlines()
            if any(line.startswith(" ") for line in lines[1:]):
                out.append("\n".join(indent + line for line in lines))
            else:
                out.append(textwrap.fill(" ".join(lines), width, initial_indent=indent,
                                         subsequent_indent=indent, break_on_hyphens=False))
        return "\n\n".join(out)
