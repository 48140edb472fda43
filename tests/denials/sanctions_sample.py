"""The sample of the EU sanctions list shipped for tests, and versions of it made from it."""

from __future__ import annotations

import re
from pathlib import Path

SAMPLE = Path(__file__).parents[1] / "data" / "sanctions" / "eu_fsf_sample.xml"


def sample() -> bytes:
    """The sample as published: 22 entities, generated 2026-11-20."""
    return SAMPLE.read_bytes()


def later_version(*, without: tuple[str, ...] = (), generated: str = "2026-11-27T18:00:00.000+01:00"
                  ) -> bytes:
    """The sample regenerated on a later day, with some entities (by logicalId) delisted."""
    text = SAMPLE.read_text(encoding="utf-8")
    text = re.sub(r'generationDate="[^"]+"', f'generationDate="{generated}"', text, count=1)
    for entity_id in without:
        text = re.sub(rf'  <sanctionEntity [^>]*logicalId="{entity_id}".*?</sanctionEntity>\n',
                      "", text, flags=re.S)
    return text.encode("utf-8")
