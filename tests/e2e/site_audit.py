"""Crawl what a person can reach and check every page with axe-core and for width.

``Crawl(page, origin).run(start, check)`` follows every same-origin link from the
start page (the menu first, then the links found on each page it reaches), GET
only, one page per URL *shape*: numbers in the path stand for any number and
only the names of query parameters count, so ``/gigs/3`` and ``/gigs/7?page=2``
are ``/gigs/<n>`` and ``/gigs/<n>?page``; a few more URLs of each shape are fetched
(not checked) for their links. Downloads (``<a download>``, ``.csv``
and the like, or a response that is not HTML), ``/static/`` and other origins
are skipped; a link that answers 4xx/5xx is a problem. A page added later is
found as soon as any reachable page links to it.

``audit(page)`` checks the loaded page and returns readable findings:

- axe-core 4.14 (vendored in ``vendor/axe-core``, injected into every document by
  ``install_axe``): every rule, the experimental ones included, all impacts;
- the document wider than the viewport, naming the elements that stick out;
- table cells that would show no column name on a phone (no ``data-label``) and
  chart labels drawn smaller than 10 px.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

from playwright.sync_api import BrowserContext, Error, Page

AXE_SCRIPT = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text("utf-8")

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
MAX_PAGES = 120  # per account; a crawl that grows past this has a URL shape to fold
PROBES = 5  # further URLs of a checked shape fetched for their links only

# Paths never to follow, whatever links to them.
SKIP_PATHS = re.compile(r"(\.csv|\.json|\.eml|\.mbox|/export)$|^/static/|^/logout")

AXE_OPTIONS = {"resultTypes": ["violations"]}
# Every rule axe-core has, the experimental ones too (label-content-name-mismatch is one).
AXE_RUN = """
(options) => {
  const experimental = axe.getRules(["experimental"]).map((rule) => rule.ruleId);
  axe.configure({rules: experimental.map((id) => ({id, enabled: true}))});
  return axe.run(document, options);
}
"""

# Elements wider than the viewport: the outermost box that sticks out, or the
# innermost element whose own text does not wrap (its box fits, its content not).
WIDTH_SCRIPT = """
() => {
  const vw = document.documentElement.clientWidth;
  const width = document.documentElement.scrollWidth;
  if (width <= vw) return {vw, width, offenders: []};
  const x = window.scrollX;
  const right = (el) => el.getBoundingClientRect().right + x;
  const extent = (el) => {
    const r = el.getBoundingClientRect();
    const visible = getComputedStyle(el).overflowX === "visible";
    return visible ? Math.max(r.right, r.left + el.scrollWidth) + x : r.right + x;
  };
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    for (const c of el.classList) s += "." + c;
    return s;
  };
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      parts.unshift(name(e));
    }
    return parts.join(" > ");
  };
  const offenders = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    const parent = el.parentElement;
    const boxOut = right(el) > vw + 1 && (!parent || right(parent) <= vw + 1);
    const textOut = right(el) <= vw + 1 && extent(el) > vw + 1
      && [...el.children].every((c) => extent(c) <= vw + 1);
    if (boxOut || textOut) {
      offenders.push({
        element: path(el),
        text: (el.innerText || "").trim().replace(/\\s+/g, " ").slice(0, 50),
        reaches: Math.round(Math.max(right(el), extent(el))),
      });
    }
  }
  return {vw, width, offenders};
}
"""

# Layout rules axe cannot know: each value in a table names its column on a phone
# (data-label, see static/css/app.css), and chart labels stay readable.
LAYOUT_SCRIPT = """
() => {
  const findings = [];
  const unlabelled = [...document.querySelectorAll("table")]
    .filter((table) => table.tHead && table.tHead.querySelector("th"))
    .flatMap((table) => [...table.querySelectorAll("tbody td:not([colspan]):not([data-label])")]);
  if (unlabelled.length) {
    const first = unlabelled[0];
    findings.push(`${unlabelled.length} table cells without data-label (a phone shows no column ` +
      `name for them), e.g. “${first.innerText.trim().slice(0, 40)}” in row ` +
      `${first.parentElement.rowIndex} of the table after “${first.closest("table").tHead.innerText
        .trim().replace(/\\s+/g, " ").slice(0, 40)}”`);
  }
  const small = [...document.querySelectorAll("svg text")].filter((text) => {
    const box = text.getBoundingClientRect();
    if (box.width === 0 || getComputedStyle(text).display === "none") return false;
    const size = parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a;
    return size < MIN_TEXT_PX;
  });
  if (small.length) {
    const text = small[0];
    const size = parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a;
    findings.push(`${small.length} chart labels smaller than MIN_TEXT_PX px, e.g. ` +
      `“${text.textContent}” at ${size.toFixed(1)} px`);
  }
  return findings;
}
""".replace("MIN_TEXT_PX", "10")

LINKS_SCRIPT = """
(anchors) => anchors.filter((a) => !a.hasAttribute("download")).map((a) => a.href)
"""


def install_axe(context: BrowserContext) -> None:
    """Load axe-core into every document the context opens (outside the page's CSP)."""
    context.add_init_script(script=AXE_SCRIPT)


def shape(url: str) -> str:
    """The URL's shape: numbers in the path as ``<n>``, only the query's names."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/<n>", parts.path)
    names = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(names) if names else "")


def _local(url: str, origin: str) -> str | None:
    """``url`` as path and query when it is on ``origin`` and worth visiting, else None."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin or SKIP_PATHS.search(parts.path):
        return None
    return urlunsplit(("", "", parts.path, parts.query, ""))


def links_on(page: Page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", LINKS_SCRIPT)
    return [local for href in hrefs if (local := _local(href, origin)) is not None]


def axe_findings(page: Page) -> list[str]:
    results = page.evaluate(AXE_RUN, AXE_OPTIONS)
    lines = []
    for violation in results["violations"]:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
        shown = "; ".join(targets[:4]) + (
            f"; … {len(targets) - 4} more" if len(targets) > 4 else ""
        )
        lines.append(
            f"axe {violation['id']} ({violation['impact']}): {violation['help']} — {shown}"
        )
    return lines


def width_findings(page: Page) -> list[str]:
    result = page.evaluate(WIDTH_SCRIPT)
    if result["width"] <= result["vw"]:
        return []
    lines = [f"too wide: the document is {result['width']} px in a {result['vw']} px viewport"]
    for offender in result["offenders"][:6]:
        lines.append(
            f"  sticks out to {offender['reaches']} px: {offender['element']} “{offender['text']}”"
        )
    if len(result["offenders"]) > 6:
        lines.append(f"  … and {len(result['offenders']) - 6} more elements")
    return ["\n".join(lines)]


def layout_findings(page: Page) -> list[str]:
    return page.evaluate(LAYOUT_SCRIPT)


def audit(page: Page) -> list[str]:
    return axe_findings(page) + width_findings(page) + layout_findings(page)


@dataclass
class Visit:
    """One page the crawl reached: the URL asked for, where it ended, its status."""

    url: str
    final: str
    status: int


class _Anchors(HTMLParser):
    """The ``href`` of every ``<a>`` without ``download`` in an HTML text."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href") and "download" not in found:
            self.hrefs.append(found["href"] or "")


@dataclass
class Crawl:
    """Breadth first over the site as one browser context sees it.

    The first URL of each shape is opened in the page and checked; up to
    ``PROBES`` more URLs of that shape are only fetched (no rendering, no check)
    for their links, so a page that only some objects link to (the edit page of
    a gig that is still editable) is found too.
    """

    page: Page
    origin: str
    visits: list[Visit] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    queue: deque[str] = field(default_factory=deque)
    seen: set[str] = field(default_factory=set)
    per_shape: Counter[str] = field(default_factory=Counter)
    checked: set[str] = field(default_factory=set)

    def run(self, start: str, check: Callable[[Visit], None]) -> None:
        """``check(visit)`` runs on the loaded page of each new shape reached."""
        self._enqueue([start])
        while self.queue:
            url = self.queue.popleft()
            if shape(url) in self.checked:
                self._enqueue(self._probe(url))
                continue
            visit = self._open(url)
            if visit is None or shape(visit.final) in self.checked:
                continue  # not a page, or a redirect to one checked already
            self.checked.update({shape(url), shape(visit.final)})
            self.visits.append(visit)
            if len(self.visits) > MAX_PAGES:
                self.problems.append(f"the crawl passed {MAX_PAGES} pages: fold a URL shape")
                return
            check(visit)
            self._enqueue(links_on(self.page, self.origin))

    def _enqueue(self, urls: list[str]) -> None:
        for url in urls:
            if url not in self.seen and self.per_shape[shape(url)] <= PROBES:
                self.seen.add(url)
                self.per_shape[shape(url)] += 1
                self.queue.append(url)

    def _probe(self, url: str) -> list[str]:
        """The links on ``url``, fetched with the page's cookies but not rendered."""
        response = self.page.request.get(url, fail_on_status_code=False)
        if response.status >= 400:
            self.problems.append(f"{url}: HTTP {response.status} for a link on the site")
            return []
        html = "text/html" in response.headers.get("content-type", "")
        if not html or not response.url.startswith(self.origin + "/"):
            return []
        anchors = _Anchors()
        anchors.feed(response.text())
        hrefs = [urljoin(response.url, href) for href in anchors.hrefs]
        return [local for href in hrefs if (local := _local(href, self.origin)) is not None]

    def _open(self, url: str) -> Visit | None:
        try:
            response = self.page.goto(url)
        except Error as error:
            if "Download is starting" in str(error):
                return None
            raise
        if response is None:
            return None
        final = self.page.url
        if not final.startswith(self.origin + "/"):
            return None  # left the site (e.g. to Stripe's onboarding)
        if response.status >= 400:
            self.problems.append(f"{url}: HTTP {response.status} for a link on the site")
            return None
        if "text/html" not in (response.headers.get("content-type") or ""):
            return None
        return Visit(url=url, final=final[len(self.origin) :], status=response.status)
