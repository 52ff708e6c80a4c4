"""Regenerate the weekly page's screenshots in docs/ from the samples, at 1280 and 390 px.

    python docs/make_screenshots.py    # needs Pillow, Debian's chromium and a CJK font (fonts-noto-cjk)

Imports sample_logs/ into a temporary store, writes the weekly review of 心内科患者交流群 as HTML
and has headless chromium photograph it; the PNGs are cut below the page's last line and
reduced to 256 colours.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

from grouplens import import_paths, open_store
from grouplens.report import build_report, render_html

ROOT = Path(__file__).resolve().parent.parent
GROUP, WEEK = "心内科患者交流群", "2024-W12"


def shoot(page: Path, out: Path, width: int, work: Path) -> None:
    raw = work / f"raw-{width}.png"
    subprocess.run([shutil.which("chromium") or "chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    "--hide-scrollbars", f"--user-data-dir={work / 'profile'}", f"--window-size={width},9000",
                    f"--screenshot={raw}", page.as_uri()], check=True, capture_output=True, timeout=180)
    image = Image.open(raw).convert("RGB")
    background = image.getpixel((width - 1, image.height - 1))
    bottom = image.height
    while bottom > 1 and all(image.getpixel((x, bottom - 1)) == background for x in range(0, width, 7)):
        bottom -= 1
    image.crop((0, 0, width, min(image.height, bottom + 16))).quantize(256).save(out, optimize=True)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        import_paths(work / "store", [ROOT / "sample_logs"])
        report = build_report(open_store(work / "store"), "weekly", GROUP, week=WEEK).to_dict()
        page = work / "weekly.html"
        page.write_text(render_html(report), encoding="utf-8")
        for width in (1280, 390):
            shoot(page, ROOT / "docs" / f"report-weekly-{width}.png", width, work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
