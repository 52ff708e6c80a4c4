"""A report's HTML page drawn by a headless Chromium: a long phone-width PNG to send in a chat,
or an A4 PDF.

Operators share weekly reviews inside WeChat, where a long image is what people open. The page
is the one ``--format html`` writes (``html.render_html``); a headless Chromium (Debian's
``chromium``, Google Chrome, Microsoft Edge; ``$GROUPLENS_CHROMIUM`` names one explicitly) lays
it out at ``PHONE_WIDTH`` CSS pixels and photographs the whole page, or prints it on A4 paper.

The browser is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``: no
port is opened), from a throw-away profile, with background networking off and every host name
unresolvable; the page itself forbids every load (its Content-Security-Policy), so drawing it
makes no network request.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import RenderError

CHROMIUM_ENV = "GROUPLENS_CHROMIUM"
CANDIDATES: tuple[str, ...] = (
    "chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "microsoft-edge",
    "msedge", "headless_shell",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
)
INSTALL_HINT = ("install Chromium (Debian/Ubuntu: sudo apt-get install chromium fonts-noto-cjk; macOS: Google "
                "Chrome) or set $GROUPLENS_CHROMIUM to a Chrome/Chromium/Edge binary")

PHONE_WIDTH = 390  # CSS pixels: a common phone screen's width
PHONE_SCALE = 2.0  # device pixels per CSS pixel: the image is 780 px wide, sharp on a phone
MAX_IMAGE_HEIGHT = 16_000  # device pixels; a taller page is drawn at a smaller scale (never below 1)
A4_INCHES = (8.27, 11.69)
TIMEOUT_SECONDS = 90.0

FLAGS: tuple[str, ...] = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-default-apps", "--disable-extensions", "--disable-quic", "--mute-audio",
    "--hide-scrollbars", "--disable-crash-reporter", "--metrics-recording-only",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no host name resolves: nothing can be fetched by name
)


def find_chromium() -> str:
    """The headless browser to draw with: ``$GROUPLENS_CHROMIUM``, else the first Chromium,
    Chrome or Edge on the PATH (or in macOS's Applications). A RenderError saying how to install
    one when there is none."""
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        found = shutil.which(named)
        if not found:
            raise RenderError(f"${CHROMIUM_ENV} is {named!r}, which is not a program that can be run; "
                              f"{INSTALL_HINT}")
        return found
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise RenderError(f"PNG and PDF are drawn by a headless Chromium and none was found: {INSTALL_HINT}")


def render_png(page_html: str, *, width: int = PHONE_WIDTH, scale: float = PHONE_SCALE,
               max_height: int = MAX_IMAGE_HEIGHT) -> bytes:
    """The whole page as one PNG ``width`` CSS pixels wide (``width * scale`` image pixels) and
    as tall as the page; a page taller than ``max_height`` image pixels is drawn at a smaller
    scale, down to 1."""
    mobile = width < 600  # a phone's screen: the page's own viewport settings apply
    with _session(page_html) as tab:
        tab.send("Emulation.setDeviceMetricsOverride", width=width, height=800, deviceScaleFactor=scale,
                 mobile=mobile)
        tab.load()
        metrics = tab.send("Page.getLayoutMetrics")
        height = max(1, int(round(metrics["cssContentSize"]["height"])))
        shown = max(1.0, min(scale, max_height / height))
        if shown != scale:
            tab.send("Emulation.setDeviceMetricsOverride", width=width, height=800, deviceScaleFactor=shown,
                     mobile=mobile)
            height = max(1, int(round(tab.send("Page.getLayoutMetrics")["cssContentSize"]["height"])))
        shot = tab.send("Page.captureScreenshot", format="png", captureBeyondViewport=True, fromSurface=True,
                        clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1})
    return base64.b64decode(shot["data"])


def render_pdf(page_html: str) -> bytes:
    """The page printed on A4 paper (the page's print styles: folded tables open, no shadows)."""
    with _session(page_html) as tab:
        tab.load()
        printed = tab.send("Page.printToPDF", paperWidth=A4_INCHES[0], paperHeight=A4_INCHES[1],
                           printBackground=True, preferCSSPageSize=False, displayHeaderFooter=False,
                           marginTop=0.47, marginBottom=0.47, marginLeft=0.47, marginRight=0.47)
    return base64.b64decode(printed["data"])


# --- the DevTools protocol over a pipe ---------------------------------------------------------------

class _Tab:
    """One page of a running browser, spoken to over the DevTools pipe."""

    def __init__(self, process: subprocess.Popen, to_browser: int, from_browser: int, url: str, deadline: float,
                 log: Path):
        self.process, self.to_browser, self.from_browser, self.log = process, to_browser, from_browser, log
        self.url, self.deadline = url, deadline
        self.session: str | None = None
        self.buffer = b""
        self.events: list[dict[str, Any]] = []
        self.next_id = 0

    def send(self, method: str, *, browser: bool = False, **params: Any) -> dict[str, Any]:
        """Call ``method`` (on the page, or on the browser) and wait for its result."""
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if not browser and self.session:
            message["sessionId"] = self.session
        data = json.dumps(message).encode("utf-8") + b"\0"
        while data:
            data = data[os.write(self.to_browser, data):]
        while True:
            reply = self._read()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RenderError(f"the browser could not draw the page ({method}: "
                                      f"{reply['error'].get('message', reply['error'])})")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def load(self) -> None:
        """Open the page and wait until it (and its inline SVG) is laid out."""
        self.send("Page.enable")
        self.send("Page.navigate", url=self.url)
        while not any(e["method"] == "Page.loadEventFired" for e in self.events):
            reply = self._read()
            if "method" in reply:
                self.events.append(reply)

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise RenderError(f"the browser did not finish drawing the page within {TIMEOUT_SECONDS:.0f} s")
            ready, _, _ = select.select([self.from_browser], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                raise RenderError(f"the browser stopped before drawing the page{_log_tail(self.process, self.log)}")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)


def _log_tail(process: subprocess.Popen, log: Path) -> str:
    """The browser's last line of complaint, for an error message."""
    try:
        process.wait(timeout=5)
        err = log.read_text("utf-8", "replace")
    except (subprocess.TimeoutExpired, OSError):
        return ""
    lines = [line.strip() for line in err.splitlines() if line.strip()]
    return f" ({lines[-1][:200]})" if lines else ""


# The DevTools pipe must be the browser's fds 3 (it reads commands) and 4 (it writes replies):
# a few lines of Python move the pipe's ends there and start the browser in their place.
_MOVE_FDS = ("import os, sys\n"
             "r, w = int(sys.argv[1]), int(sys.argv[2])\n"
             "os.dup2(r, 3); os.dup2(w, 4); os.close(r); os.close(w)\n"
             "os.execv(sys.argv[3], sys.argv[3:])\n")


def _high_fd(fd: int) -> int:
    """A copy of ``fd`` numbered 10 or above (so moving it to 3 or 4 in the child clobbers
    nothing), closed on exec."""
    copy = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return copy


@contextlib.contextmanager
def _session(page_html: str) -> Iterator[_Tab]:
    """A headless browser with one tab for ``page_html`` (written to a private temporary
    folder with the browser's throw-away profile); everything is removed afterwards."""
    if os.name != "posix":
        raise RenderError("PNG and PDF need a POSIX system (Linux, macOS); write --format html and print it "
                          "from a browser instead")
    binary = find_chromium()
    with tempfile.TemporaryDirectory(prefix="grouplens-render-") as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(page_html, encoding="utf-8")
        child_in, to_browser = (_high_fd(fd) for fd in os.pipe())
        from_browser, child_out = (_high_fd(fd) for fd in os.pipe())
        log_path = Path(tmp) / "browser.log"
        log = open(log_path, "wb")  # closed below, once the browser has gone
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", _MOVE_FDS, str(child_in), str(child_out), binary, *FLAGS,
                 "--remote-debugging-pipe", f"--user-data-dir={Path(tmp) / 'profile'}", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log, pass_fds=(child_in, child_out))
        except OSError as e:
            for fd in (child_in, to_browser, from_browser, child_out):
                os.close(fd)
            log.close()
            raise RenderError(f"cannot start {binary} ({e.strerror}); {INSTALL_HINT}") from None
        os.close(child_in)
        os.close(child_out)
        tab = _Tab(process, to_browser, from_browser, page.as_uri(), time.monotonic() + TIMEOUT_SECONDS, log_path)
        try:
            target = tab.send("Target.createTarget", browser=True, url="about:blank")["targetId"]
            tab.session = tab.send("Target.attachToTarget", browser=True, targetId=target, flatten=True)["sessionId"]
            yield tab
            with contextlib.suppress(RenderError, OSError):
                tab.send("Browser.close", browser=True)
        finally:
            for fd in (to_browser, from_browser):
                os.close(fd)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
