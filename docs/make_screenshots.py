"""Regenerate the weekly page's screenshots in docs/ from the samples, at 1280 and 390 px.

    python docs/make_screenshots.py    # needs Pillow, a headless Chromium and a CJK font (fonts-noto-cjk)

Imports sample_logs/ into a temporary store, builds the weekly review of 心内科患者交流群 and has
the browser draw its whole page (``grouplens.report.browser.render_png``, what
``grouplens report --format png`` uses) at each width; the PNGs are reduced to 256 colours.
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

from PIL import Image

from grouplens import import_paths, open_store
from grouplens.report import build_report, render_html
from grouplens.report.browser import render_png

ROOT = Path(__file__).resolve().parent.parent
GROUP, WEEK = "心内科患者交流群", "2024-W12"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        import_paths(work / "store", [ROOT / "sample_logs"])
        page = render_html(build_report(open_store(work / "store"), "weekly", GROUP, week=WEEK).to_dict())
        for width in (1280, 390):
            image = Image.open(io.BytesIO(render_png(page, width=width, scale=1))).convert("RGB")
            image.quantize(256).save(ROOT / "docs" / f"report-weekly-{width}.png", optimize=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
