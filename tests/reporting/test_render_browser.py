"""The HTML report laid out by a real browser: nothing cut off at 1,400 px, nor on A4 paper.

A script in the page measures the laid-out boxes and writes them into the DOM, which headless
Chromium dumps. Runs only where `chromium` is on the PATH (CI does not install it).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.reporting.test_render_html import golden_doc, render, rich_doc

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not on the PATH")

LAPTOP = 1400
# A4 less the stylesheet's 12 mm side margins, in CSS pixels (96 per inch).
A4_TEXT_WIDTH = round((210 - 24) / 25.4 * 96)

MEASURE = """<script>(function(){
const vw=document.documentElement.clientWidth,out={viewport:vw,
page:document.documentElement.scrollWidth,tables:0,cut:[],scrolls:[],wrapped:[],charts:0,
charts_cut:[]};
for(const t of document.querySelectorAll('table')){
 if(!t.offsetParent)continue;out.tables++;
 const box=t.closest('.scroll')||t,r=box.getBoundingClientRect();
 if(r.left<-0.5||r.right>vw+0.5)out.cut.push(t.dataset.table);
 const style=getComputedStyle(box);
 if(box.scrollWidth>box.clientWidth+1){
  if(style.overflowX==='auto'||style.overflowX==='scroll')out.scrolls.push(t.dataset.table);
  else out.cut.push(t.dataset.table);}}
for(const c of document.querySelectorAll('td.date,td.num,tr.total th,.card b')){
 if(!c.offsetParent)continue;const range=document.createRange();range.selectNodeContents(c);
 const tops=new Set([...range.getClientRects()].filter(r=>r.width>0).map(r=>Math.round(r.top)));
 if(tops.size>1)out.wrapped.push(c.textContent);}
for(const s of document.querySelectorAll('figure.chart svg')){
 if(!s.getBoundingClientRect().width)continue;out.charts++;
 if(s.getBoundingClientRect().right>vw+0.5)out.charts_cut.push(s.closest('section').id);}
const pre=document.createElement('pre');pre.id='measured';pre.textContent=JSON.stringify(out);
document.body.appendChild(pre);})();</script>"""


def laid_out(page: str, width: int, tmp: Path, *, print_media: bool = False) -> dict[str, Any]:
    """The measurements of `page` laid out `width` CSS pixels wide."""
    if print_media:
        # The print rules applied on a screen as wide as the printed text: what A4 shows.
        page = page.replace("@media print{", "@media all{")
    file = tmp / f"page-{width}-{print_media}.html"
    file.write_text(page.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--hide-scrollbars",
             f"--window-size={width},2000", "--dump-dom", file.as_uri()],
            capture_output=True, text=True, timeout=120, check=False)
    match = re.search(r'<pre id="measured">(.*?)</pre>', result.stdout, re.S)
    assert match, result.stderr[-2000:]
    return json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    docs = {"golden": golden_doc(), "rich": rich_doc()}
    return {f"{name}-{lang}": render(doc, lang) for name, doc in docs.items()
            for lang in ("nl", "en")}


@pytest.mark.parametrize("name", ["golden-nl", "golden-en", "rich-nl", "rich-en"])
def test_nothing_is_cut_off_on_a_laptop_screen(pages: dict[str, str], name: str,
                                               tmp_path: Path) -> None:
    m = laid_out(pages[name], LAPTOP, tmp_path)
    assert m["viewport"] == LAPTOP
    assert m["page"] <= LAPTOP, "the page itself scrolls sideways"
    assert m["tables"] >= 10 and m["cut"] == []
    assert m["wrapped"] == [], "an amount or a date broken across lines"
    # Seven charts: per category, region, top five, the figures 6 and 7, the two of history.
    assert m["charts"] >= 7 and m["charts_cut"] == []
    # Only a table per destination and category may be wider than the screen, and it scrolls.
    assert set(m["scrolls"]) <= {"military.by_destination", "military.transit"}


@pytest.mark.parametrize("name", ["golden-nl", "rich-nl", "rich-en"])
def test_printed_tables_fit_the_width_of_an_a4_page(pages: dict[str, str], name: str,
                                                    tmp_path: Path) -> None:
    m = laid_out(pages[name], A4_TEXT_WIDTH, tmp_path, print_media=True)
    assert m["page"] <= A4_TEXT_WIDTH
    assert m["tables"] >= 10
    assert m["cut"] == [] and m["scrolls"] == [], "a table wider than the printed page"
    assert m["charts_cut"] == []
