"""Drive headless Chromium (Debian's package) over the DevTools protocol, no extra packages."""

from __future__ import annotations

import base64
import itertools
import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from websockets.sync.client import connect


class Browser:
    """One headless Chromium with one page; ``run`` evaluates JavaScript in the page."""

    def __init__(self, profile: Path, downloads: Path) -> None:
        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        if exe is None:
            raise RuntimeError(
                "chromium not found; `make test` installs it (apt-get install chromium)"
            )
        self.downloads = downloads
        self._proc = subprocess.Popen(
            [
                exe,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stderr is not None
        for line in self._proc.stderr:
            found = re.search(r"DevTools listening on (ws://\S+)", line)
            if found:
                break
        else:
            raise RuntimeError("chromium did not start")
        self._ws = connect(found.group(1), max_size=None, open_timeout=30)
        self._ids = itertools.count(1)
        target = self._send("Target.createTarget", url="about:blank")["targetId"]
        self._session = self._send("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self._send("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(downloads))
        self._send("Page.enable", session=True)

    def _send(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        msg_id = next(self._ids)
        message: dict[str, Any] = {"id": msg_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self._session
        self._ws.send(json.dumps(message))
        while True:
            reply = json.loads(self._ws.recv(timeout=60))
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))

    def run(self, script: str) -> Any:
        """Evaluate JavaScript (promises awaited) and return its JSON value."""
        result = self._send(
            "Runtime.evaluate",
            session=True,
            expression=script,
            awaitPromise=True,
            returnByValue=True,
        )
        return result["result"].get("value")

    def goto(self, url: str) -> None:
        self._send("Page.navigate", session=True, url=url)
        self.wait_loaded()

    def wait_loaded(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        time.sleep(0.2)
        while time.monotonic() < deadline:
            if self.run("document.readyState") == "complete":
                return
            time.sleep(0.1)
        raise TimeoutError("page did not finish loading")

    def wait_for(self, script: str, timeout: float = 30) -> Any:
        """Evaluate ``script`` until it returns something truthy; return that."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.run(script)
            if value:
                return value
            time.sleep(0.2)
        raise TimeoutError(f"still nothing after {timeout} s: {script}")

    def screenshot(self, path: Path, width: int = 1280) -> Path:
        """Save the whole page as a PNG (the window grows to the page's height)."""
        height = int(self.run("document.documentElement.scrollHeight") or 800)
        self._send(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=width,
            height=min(max(height, 600), 8000),
            deviceScaleFactor=1,
            mobile=False,
        )
        data = self._send("Page.captureScreenshot", session=True, format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def click(self, selector: str) -> None:
        """Click the first element matching ``selector`` and wait for the next page."""
        before = self.run("location.href")
        # Click after returning: a navigation would otherwise destroy the evaluation context.
        found = self.run(
            f"(() => {{ const a = document.querySelector({json.dumps(selector)});"
            " if (!a) return false; setTimeout(() => a.click(), 0); return true; })()"
        )
        if not found:
            raise AssertionError(f"no element {selector} on {before}")
        deadline = time.monotonic() + 30
        while self.run("location.href") == before and time.monotonic() < deadline:
            time.sleep(0.05)
        self.wait_loaded()

    def download(self, selector: str, timeout: float = 30) -> Path:
        """Click a link as a download (``download`` attribute) and return the saved file."""
        self.run(f"document.querySelector({json.dumps(selector)}).setAttribute('download', '')")
        self.run(f"document.querySelector({json.dumps(selector)}).click()")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = [p for p in self.downloads.iterdir() if not p.name.endswith(".crdownload")]
            if done:
                return done[0]
            time.sleep(0.1)
        raise TimeoutError("download did not finish")

    def __enter__(self) -> Browser:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._ws.close()
        self._proc.kill()
        self._proc.wait()
