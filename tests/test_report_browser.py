"""The HTML report in a real headless browser (Debian's ``chromium``): it renders its charts, chat
text with ``<script>`` and ``<img>`` stays text, the page makes no network request, and on a
390 px phone screen nothing is wider than the screen.

Requests are counted by a local HTTP server that the hostile group's ``<img>`` points at; a
control page without the Content-Security-Policy shows that the server does see a browser's
requests, so "no request" is a real observation.
"""

from __future__ import annotations

import html
import http.server
import io
import json
import re
import shutil
import subprocess
import threading
from pathlib import Path
from typing import ClassVar

import pytest
from report_groups import build_store
from test_report_html import hostile_group
from typer.testing import CliRunner

from grouplens.cli import app
from grouplens.report import build_report, render_html
from grouplens.store.store import open_store

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                                "(apt-get install chromium; .ci/run installs it)")
PHONE_WIDTH = 390


class RequestLog(http.server.BaseHTTPRequestHandler):
    """Answers every GET with an empty image and remembers the path."""

    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.paths.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server():
    RequestLog.paths = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RequestLog)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory, server) -> Path:
    """A store holding the hostile group whose ``<img>`` points at the counting server."""
    return build_store(tmp_path_factory.mktemp("browser") / "store", hostile_group(f"{server}/from-chat")).path


@pytest.fixture(scope="module")
def page(hostile_store) -> str:
    """The hostile group's weekly review."""
    return render_html(build_report(open_store(hostile_store), "weekly", "注入测试群", week="2024-W14").to_dict())


def chromium(url: str, profile: Path, *args: str) -> str:
    """Run headless chromium on ``url`` with no background traffic of its own; gives stdout."""
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--mute-audio", f"--user-data-dir={profile}", *args, url],
        check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def dump_dom(path: Path, tmp_path: Path, width: int = 1280) -> str:
    return chromium(path.as_uri(), tmp_path / "profile", f"--window-size={width},1200", "--dump-dom")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_browser_renders_the_charts_and_shows_injected_html_as_text(page, tmp_path, server):
    dom = dump_dom(write(tmp_path, "weekly.html", page), tmp_path)
    assert dom.count("<svg ") == 5 and dom.count("<rect") > 100
    title = re.search(r"<title>(.*?)</title>", dom).group(1)
    assert title == "周报 · 注入测试群 · 2024-W14"  # the chat's script would have renamed the page
    tags = re.findall(r"<[a-zA-Z][^>]*>", dom)  # elements; text serializes < as &lt;
    assert not [t for t in tags if t.startswith(("<script", "<img")) or "data-pwned" in t or "onmouseover" in t]
    assert '&lt;script&gt;document.title="pwned"' in dom  # shown, as text
    assert f'请问&lt;img src="{server}/from-chat"&gt;这个怎么用？' in dom
    assert '&lt;b onmouseover="alert(1)"&gt;老板&lt;/b&gt;' in dom


def test_the_page_makes_no_network_request(page, tmp_path, server):
    RequestLog.paths.clear()
    dump_dom(write(tmp_path, "weekly.html", page), tmp_path)
    assert RequestLog.paths == []


def test_the_content_security_policy_alone_blocks_loads_that_would_otherwise_happen(page, tmp_path, server):
    """Markup that slipped past escaping still could not fetch anything: the page's CSP blocks
    an image and a stylesheet; the same page without the CSP fetches both (the control)."""
    probe = f'<img src="{server}/img"><link rel="stylesheet" href="{server}/css">'
    guarded = page.replace("<main>", "<main>" + probe, 1)
    unguarded = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", guarded)
    RequestLog.paths.clear()
    dump_dom(write(tmp_path, "guarded.html", guarded), tmp_path)
    assert RequestLog.paths == []
    dump_dom(write(tmp_path, "unguarded.html", unguarded), tmp_path)
    assert sorted(RequestLog.paths) == ["/css", "/img"]


def test_on_a_phone_nothing_is_wider_than_the_screen(page, tmp_path):
    """The page in a 390 px frame, measured by a script in the frame's parent (the page itself
    runs no script): no sideways scrolling, and every chart is scaled to the screen."""
    frame = (f'<iframe id="phone" style="width:{PHONE_WIDTH}px;height:1500px;border:0" '
             f'srcdoc="{html.escape(page, quote=True)}"></iframe>')
    measure = """<pre id="measure"></pre><script>
addEventListener("load", () => {
  const doc = document.getElementById("phone").contentDocument;
  const charts = [...doc.querySelectorAll("svg")].map(s => s.getBoundingClientRect().width);
  const cards = [...doc.querySelectorAll("section")].map(s => s.getBoundingClientRect().right);
  document.getElementById("measure").textContent = JSON.stringify(
    {page: doc.documentElement.scrollWidth, charts: charts, cards: cards});
});
</script>"""
    dom = dump_dom(write(tmp_path, "phone.html", f"<!DOCTYPE html><html><body style='margin:0'>{frame}{measure}"
                                                  "</body></html>"), tmp_path)
    figures = json.loads(html.unescape(re.search(r'<pre id="measure">(.*?)</pre>', dom, re.DOTALL).group(1)))
    assert figures["page"] <= PHONE_WIDTH
    assert len(figures["charts"]) == 5 and all(250 <= w <= PHONE_WIDTH for w in figures["charts"])
    assert figures["cards"] and max(figures["cards"]) <= PHONE_WIDTH


def test_on_a_phone_every_chart_label_is_at_least_11_px(page, tmp_path):
    """Chart text is sized in the SVG's own units and scaled with the chart: measured in the
    browser, the smallest label of every chart at 390 px is still 11 px or more."""
    frame = (f'<iframe id="phone" style="width:{PHONE_WIDTH}px;height:1500px;border:0" '
             f'srcdoc="{html.escape(page, quote=True)}"></iframe>')
    measure = """<pre id="measure"></pre><script>
addEventListener("load", () => {
  const doc = document.getElementById("phone").contentDocument;
  const sizes = [...doc.querySelectorAll("svg")].map(svg => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const texts = [...svg.querySelectorAll("text")].map(t => parseFloat(t.getAttribute("font-size")) * scale);
    return Math.min(...texts);
  });
  document.getElementById("measure").textContent = JSON.stringify(sizes);
});
</script>"""
    dom = dump_dom(write(tmp_path, "phone.html", f"<!DOCTYPE html><html><body style='margin:0'>{frame}{measure}"
                                                  "</body></html>"), tmp_path)
    sizes = json.loads(html.unescape(re.search(r'<pre id="measure">(.*?)</pre>', dom, re.DOTALL).group(1)))
    assert len(sizes) == 5 and min(sizes) >= 11, sizes


# --- images and PDFs to share: the page drawn by the browser itself -------------------------------

def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_a_png_is_one_long_phone_width_image_of_the_whole_page(page, server):
    """The hostile group's weekly review as a PNG: 390 CSS px at 2x, as tall as the page; not
    blank from top to bottom; and drawing it made no network request."""
    from PIL import Image, ImageStat

    from grouplens.report.browser import PHONE_SCALE, PHONE_WIDTH, render_png

    RequestLog.paths.clear()
    png = render_png(page)
    assert RequestLog.paths == []
    width, height = png_size(png)
    assert width == PHONE_WIDTH * PHONE_SCALE and height > 4 * width  # a long image, as chats show them
    gray = Image.open(io.BytesIO(png)).convert("L")
    assert gray.size == (width, height)
    thirds = [gray.crop((0, k * height // 3, width, (k + 1) * height // 3)) for k in range(3)]
    for part in thirds:  # text and charts in every third: the page is drawn to its end
        histogram = part.histogram()
        dark = sum(histogram[:160]) / sum(histogram)
        assert 0.002 < dark < 0.5, dark
        assert ImageStat.Stat(part).stddev[0] > 10


def test_a_pdf_is_a4_and_holds_the_whole_review(tmp_path, hostile_store):
    """``grouplens report --format pdf``: A4 pages (595 × 842 pt), as many as the page needs."""
    out = tmp_path / "week.pdf"
    result = CliRunner().invoke(app, ["report", "weekly", "--store", str(hostile_store), "-g", "注入测试群",
                                      "--week", "2024-W14", "--format", "pdf", "-o", str(out)])
    assert result.exit_code == 0, result.output
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    count = int(re.search(rb"/Count\s+(\d+)", pdf).group(1))
    assert pages == count == len(boxes) >= 2
    assert all(abs(float(w) - 595.3) < 1.5 and abs(float(h) - 841.9) < 1.5 for w, h in boxes)


def test_a_members_page_fits_a_phone_screen_too(hostile_store, tmp_path):
    """The member page (of the member whose question carries the hostile ``<img>``), measured
    in a 390 px frame like the weekly review: no sideways scrolling, its chart scaled to fit."""
    member = render_html(build_report(open_store(hostile_store), "member", "注入测试群", member="70003").to_dict())
    frame = (f'<iframe id="phone" style="width:{PHONE_WIDTH}px;height:1500px;border:0" '
             f'srcdoc="{html.escape(member, quote=True)}"></iframe>')
    measure = """<pre id="measure"></pre><script>
addEventListener("load", () => {
  const doc = document.getElementById("phone").contentDocument;
  document.getElementById("measure").textContent = JSON.stringify({page: doc.documentElement.scrollWidth,
    charts: [...doc.querySelectorAll("svg")].map(s => s.getBoundingClientRect().width),
    text: doc.body.innerText.length});
});
</script>"""
    dom = dump_dom(write(tmp_path, "phone.html", f"<!DOCTYPE html><html><body style='margin:0'>{frame}{measure}"
                                                  "</body></html>"), tmp_path)
    figures = json.loads(html.unescape(re.search(r'<pre id="measure">(.*?)</pre>', dom, re.DOTALL).group(1)))
    assert figures["page"] <= PHONE_WIDTH and figures["text"] > 200
    assert len(figures["charts"]) == 1 and 250 <= figures["charts"][0] <= PHONE_WIDTH


def test_chinese_text_is_drawn_with_real_glyphs_not_empty_boxes():
    """With the page's own font list, two different Chinese words come out as different images
    (without a CJK font both are rows of the same empty box), and a character no font has draws
    differently from a Chinese one. CI installs Noto CJK for this (.ci/run)."""
    from PIL import Image, ImageChops

    from grouplens.report.browser import render_png

    template = (Path(__file__).resolve().parent.parent / "grouplens" / "data" / "report.html.j2").read_text("utf-8")
    fonts = re.search(r"font-family: (system-ui[^;]+);", template).group(1)

    def drawn(text: str) -> Image.Image:
        page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body style='margin:0;font-family:{fonts};"
                f"font-size:40px;background:#fff;color:#000'><p style='margin:8px'>{text}</p></body></html>")
        return Image.open(io.BytesIO(render_png(page, width=240, scale=1))).convert("L")

    review, group, missing = drawn("周报活跃"), drawn("群聊回复"), drawn("\ue000\ue001\ue002\ue003")
    assert review.size == group.size
    assert ImageChops.difference(review, group).getbbox() is not None
    assert ImageChops.difference(review.crop((0, 0, *missing.size)), missing).getbbox() is not None
