"""report.html in a real headless browser at 1280 px: every figure decodes, no literal Markdown shows, each
dataset's main table fits the window, and the report carries no absolute path of the machine that built it."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from leakyolo.compare.report import report

BROWSER = next((b for b in ("chromium-headless-shell", "chromium") if shutil.which(b)), None)
CHECK = """
<script>
window.addEventListener("load", () => {
  const images = [...document.images];
  const broken = images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt);
  const markdown = document.body.innerText.match(/\\*\\*[^*\\n]+\\*\\*|^#{1,6} |\\]\\(|^\\|.*\\|$/gm) || [];
  const mains = [...document.querySelectorAll("h2")].filter(h => h.textContent.startsWith("Dataset:"))
    .map(h => h.nextElementSibling).filter(t => t && t.tagName === "TABLE");
  const right = Math.max(0, ...mains.map(t => Math.ceil(t.getBoundingClientRect().right)));
  const viewport = document.documentElement.clientWidth;
  document.body.setAttribute("data-check", JSON.stringify({images: images.length, broken, markdown,
                                                           mains: mains.length, right, viewport}));
});
</script>
"""


def rendered(page) -> dict:
    """Load page in headless Chromium (no network, throwaway profile) and read what CHECK found."""
    probe = page.with_name("probe.html")
    probe.write_text(page.read_text().replace("</body>", CHECK + "</body>"))
    done = subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                           "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,2000",
                           f"--user-data-dir={page.parent / 'profile'}", "--virtual-time-budget=5000", "--dump-dom",
                           probe.as_uri()], capture_output=True, text=True, timeout=120)
    found = re.search(r'data-check="([^"]*)"', done.stdout)
    assert found, done.stderr[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"'))


@pytest.mark.browser
def test_report_renders_in_a_browser(pipeline_out, tmp_path):
    if BROWSER is None:
        pytest.skip("no headless Chromium (apt-get install chromium-headless-shell): cannot render report.html")
    out = tmp_path / "report"
    report(sorted((pipeline_out / "results").glob("*.json")), out, title="browser check")
    seen = rendered(out / "report.html")
    assert seen["images"] >= 4 and not seen["broken"], seen
    assert not seen["markdown"], seen
    assert seen["mains"] >= 1 and seen["right"] <= seen["viewport"] <= 1280, seen  # the main table fits


def test_report_has_no_absolute_paths_of_its_machine(pipeline_out, tmp_path):
    out = tmp_path / "report"
    report(sorted((pipeline_out / "results").glob("*.json")), out, title="paths")
    for name in ("results.json", "report.html", "report.md", "summary.md"):
        text = (out / name).read_text()
        for root in {str(pipeline_out), str(pipeline_out.parent), "/tmp/", "/root/", "/work/", "/home/"}:
            assert root not in text, (name, root)
    record = json.loads((out / "results.json").read_text())
    bench = next(r for n, r in record["inputs"].items() if n.startswith("bench"))
    assert bench["models"][0]["path"].startswith("onnx/")  # relative to the run folder


@pytest.mark.browser
def test_committed_full_report_renders(tmp_path):
    if BROWSER is None:
        pytest.skip("no headless Chromium (apt-get install chromium-headless-shell): cannot render report.html")
    page = tmp_path / "report.html"
    shutil.copyfile(Path(__file__).resolve().parents[1] / "docs" / "reports" / "full" / "report.html", page)
    seen = rendered(page)
    assert seen["images"] >= 8 and not seen["broken"] and not seen["markdown"], seen
    assert seen["mains"] == 2 and seen["right"] <= seen["viewport"] <= 1280, seen  # digits and trees
