"""The editor's review page: one self-contained HTML file per section.

The page shows the story with its numbered sentences, the section with each sentence linked to
the story sentences it rests on (highlighted when the sentence has focus), every finding on its
span with its message, the provenance and the profile. Keys: ``j``/``n`` go to the next finding,
``k``/``p`` to the previous one; Tab walks through sentences and findings. Nothing is loaded
from the network (no fonts, scripts or styles from elsewhere), and every piece of text from the
story, the model or the profile is HTML-escaped.

The page is built from plain data (what ``CheckReport.to_dict()`` and a results line hold), so a
live result and a line of a batch's results file render the same way.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from localize.regions._profiles import RegionProfile
from localize.story import Story
from localize.text._sentences import story_paragraph_sentences

__all__ = [
    "ReviewData",
    "blocks_from_links",
    "render_review",
    "story_blocks",
]

StoryBlocks = tuple[tuple[tuple[int, str], ...], ...]


@dataclass(frozen=True)
class ReviewData:
    """Everything one review page shows."""

    title: str  # the story's headline or id
    heading: str
    body: str
    findings: Sequence[Mapping[str, Any]]  # Finding.to_dict() items
    sentences: Sequence[Mapping[str, Any]]  # SentenceLink.to_dict() items
    story: StoryBlocks  # numbered story sentences per paragraph
    story_complete: bool = True  # False: only the sentences the links quote are known
    provenance: Mapping[str, Any] = field(default_factory=dict)
    profile: RegionProfile | None = None


def story_blocks(story: Story) -> StoryBlocks:
    """A story's numbered sentences per block (headline first), as the page shows them."""
    return tuple(
        tuple((s.number, s.text) for s in block) for block in story_paragraph_sentences(story)
    )


def blocks_from_links(sentences: Sequence[Mapping[str, Any]]) -> StoryBlocks:
    """The story sentences the links quote, one block each, when the story itself is missing."""
    seen: dict[int, str] = {}
    for link in sentences:
        for src in link.get("sources", []):
            seen.setdefault(int(src["id"]), str(src["text"]))
    return tuple(((n, seen[n]),) for n in sorted(seen))


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


@dataclass
class _Placed:
    index: int  # finding number, 1-based in report order
    start: int
    end: int


def _place_findings(body: str, findings: Sequence[Mapping[str, Any]]) -> list[_Placed]:
    """Where each finding's text is in the body (findings without a span are not placed)."""
    placed: list[_Placed] = []
    for i, f in enumerate(findings, 1):
        text = str(f.get("text") or "")
        at = body.find(text) if text else -1
        if at >= 0:
            placed.append(_Placed(i, at, at + len(text)))
    return placed


def _place_sentences(body: str, sentences: Sequence[Mapping[str, Any]]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = 0
    for link in sentences:
        text = str(link["text"])
        at = body.find(text, pos)
        if at < 0:
            at = body.find(text)
        spans.append((at, at + len(text)) if at >= 0 else (-1, -1))
        if at >= 0:
            pos = at + len(text)
    return spans


def _section_html(data: ReviewData, placed: list[_Placed]) -> str:
    body = data.body
    sentence_spans = _place_sentences(body, data.sentences)
    cuts = {0, len(body)}
    for a, b in sentence_spans:
        if a >= 0:
            cuts.update((a, b))
    for p in placed:
        cuts.update((p.start, p.end))
    for i, ch in enumerate(body):
        if ch == "\n":
            cuts.update((i, i + 1))
    bounds = sorted(cuts)
    out: list[str] = ['<div class="section-body"><p>']
    open_sentence: int | None = None
    first_piece: set[int] = set()
    for a, b in itertools.pairwise(bounds):
        piece = body[a:b]
        if piece == "\n":
            if open_sentence is not None:
                out.append("</span>")
                open_sentence = None
            # A blank line is a paragraph break; a single newline a line break.
            if body[b : b + 1] == "\n":
                continue
            out.append("</p><p>" if body[a - 1 : a] == "\n" else "<br>")
            continue
        sentence = next(
            (k for k, (sa, sb) in enumerate(sentence_spans) if sa <= a and b <= sb), None
        )
        if sentence != open_sentence:
            if open_sentence is not None:
                out.append("</span>")
            open_sentence = None
            if sentence is not None:
                out.append(_sentence_open(sentence, data.sentences[sentence]))
                open_sentence = sentence
        covering = sorted(
            (p for p in placed if p.start <= a and b <= p.end), key=lambda p: (p.start, -p.end)
        )
        text = _e(piece)
        for p in reversed(covering):
            f = data.findings[p.index - 1]
            attrs = f'class="mark {_e(f["severity"])}" data-finding="{p.index}"'
            if p.index not in first_piece:
                first_piece.add(p.index)
                attrs += (
                    f' id="f-{p.index}" tabindex="0" data-anchor data-refs="{_refs(f)}"'
                    f' title="{_e(f["check"])}: {_e(f["message"])}"'
                    f' aria-label="{_e(f["severity"])} {_e(f["check"])}: {_e(f["message"])}"'
                )
            text = f"<mark {attrs}>{text}</mark>"
        out.append(text)
    if open_sentence is not None:
        out.append("</span>")
    out.append("</p></div>")
    return "".join(out).replace("<p></p>", "")


_REF = re.compile(r"\[(\d{1,4})\]")


def _refs(finding: Mapping[str, Any]) -> str:
    """Story sentence numbers a finding's message quotes ("the story says ... [3]")."""
    return " ".join(dict.fromkeys(_REF.findall(str(finding.get("message", "")))))


def _sentence_open(k: int, link: Mapping[str, Any]) -> str:
    sources = " ".join(str(s["id"]) for s in link.get("sources", []))
    via = str(link.get("via", "none"))
    profile = "; ".join(str(p) for p in link.get("profile", []))
    cited = " ".join(str(c) for c in link.get("cited", []))
    label = f"[{sources.replace(' ', '][')}]" if sources else "no story sentence"
    tip = f"rests on {label} ({via})" + (f"; profile: {profile}" if profile else "")
    return (
        f'<span class="sent" id="q-{k + 1}" tabindex="0" data-sources="{_e(sources)}"'
        f' data-cited="{_e(cited)}" data-via="{_e(via)}" title="{_e(tip)}">'
    )


def _findings_list(data: ReviewData, placed: list[_Placed]) -> str:
    on_span = {p.index for p in placed}
    items: list[str] = []
    for i, f in enumerate(data.findings, 1):
        where = (
            f'<a href="#f-{i}">{_e(f.get("text"))}</a>'
            if i in on_span
            else '<span class="whole">whole section</span>'
        )
        anchor = (
            "" if i in on_span else f' id="f-{i}" tabindex="0" data-anchor data-refs="{_refs(f)}"'
        )
        items.append(
            f'<li class="{_e(f["severity"])}" data-finding="{i}"{anchor}>'
            f'<span class="badge">{_e(f["severity"])} · {_e(f["check"])}</span> '
            f"{_e(f['message'])} <small>{where}</small></li>"
        )
    if not items:
        return '<p class="clean">No findings.</p>'
    return '<ol class="findings">' + "".join(items) + "</ol>"


def _story_html(data: ReviewData) -> str:
    out = []
    if not data.story_complete:
        out.append(
            '<p class="note">The story file was not given: only the story sentences the '
            "section's links quote are shown.</p>"
        )
    for block in data.story:
        sentences = " ".join(
            f'<span class="story-sent" id="s-{n}"><sup>[{n}]</sup> {_e(text)}</span>'
            for n, text in block
        )
        out.append(f"<p>{sentences}</p>")
    return "".join(out)


def _links_table(data: ReviewData) -> str:
    rows = []
    for k, link in enumerate(data.sentences, 1):
        sources = ", ".join(f"[{s['id']}]" for s in link.get("sources", [])) or "none"
        cited = ", ".join(f"[{c}]" for c in link.get("cited", [])) or "none"
        profile = "; ".join(str(p) for p in link.get("profile", [])) or "none"
        rows.append(
            f'<tr><td><a href="#q-{k}">{k}</a></td><td>{_e(sources)}</td><td>{_e(link["via"])}'
            f"</td><td>{_e(cited)}</td><td>{_e(profile)}</td></tr>"
        )
    return (
        "<table><thead><tr><th>sentence</th><th>rests on</th><th>via</th><th>cited</th>"
        "<th>profile entries</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


# What an editor reads for each provenance field (the JSON keys stay as they are).
_LABELS = {
    "model": "Model",
    "endpoint_host": "Endpoint",
    "template_name": "Prompt template",
    "template_version": "Template version",
    "template_sha256": "Template digest (SHA-256)",
    "structured_mode": "Output mode",
    "prompt_tokens": "Prompt tokens",
    "completion_tokens": "Completion tokens",
    "cached_tokens": "Provider-cached tokens",
    "attempts": "Attempts",
    "latency_s": "Time (s)",
    "trimmed_paragraphs": "Story paragraphs trimmed to fit",
    "prompt_tokens_estimate": "Prompt tokens (estimated before sending)",
    "estimate_approximate": "Estimate approximate",
    "estimated_cost_usd": "Estimated cost (USD)",
    "story_id": "Story",
    "story_sha256": "Story digest (SHA-256)",
    "region": "Region",
    "response_cache_hits": "Answers from the response cache",
    "batch_id": "Batch",
    "requests": "HTTP requests",
    "profile_version": "Profile version",
    "profile_source": "Profile from",
    "language": "Language",
    "system_fingerprint": "System fingerprint",
    "disclosure": "Disclosure line",
    "digital_source_type": "IPTC digital source type",
    "section_file": "Section file",
    "generated": "Generated",
}
# How a value with no answer reads, per field (otherwise "none").
_EMPTY = {"estimated_cost_usd": "no price known", "trimmed_paragraphs": "none (whole story)"}


def _value(key: str, v: object) -> str:
    if v is None or v == [] or v == "":
        return _EMPTY.get(key, "none")
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, list):
        return ", ".join(map(str, v))
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def _provenance_html(provenance: Mapping[str, Any]) -> str:
    if not provenance:
        return '<p class="note">No provenance: this section was not generated by localize.</p>'
    rows = "".join(
        f"<tr><th>{_e(_LABELS.get(k, k.replace('_', ' ').capitalize()))}</th>"
        f"<td>{_e(_value(k, v))}</td></tr>"
        for k, v in provenance.items()
    )
    return f"<table>{rows}</table>"


def _profile_html(profile: RegionProfile | None) -> str:
    if profile is None:
        return '<p class="note">Profile not available.</p>'
    inst = "".join(
        f"<li><b>{_e(i.name)}</b>{f' ({_e(i.acronym)})' if i.acronym else ''}: {_e(i.remit)}"
        + (f" <small>also: {_e(', '.join(i.aliases))}</small>" if i.aliases else "")
        + "</li>"
        for i in profile.institutions
    )
    laws = "".join(
        f"<li><b>{_e(law.name)}</b>{f' ({_e(law.short_name)})' if law.short_name else ''}"
        f"{': ' + _e(law.summary) if law.summary else ''}</li>"
        for law in profile.laws
    )
    return (
        f"<p><b>{_e(profile.name)}</b> ({_e(profile.id)}, {_e(profile.locale)}): "
        f"{_e(profile.audience)}</p><h3>Institutions</h3><ul>{inst}</ul>"
        + (f"<h3>Laws</h3><ul>{laws}</ul>" if laws else "")
    )


_STYLE = """
:root { --err: #b3261e; --warn: #8a5a00; --link: #fff1a8; --ink: #1d1d1f; --muted: #5f6368; }
* { box-sizing: border-box; }
body { font: 16px/1.55 Georgia, "Times New Roman", serif; color: var(--ink); margin: 0;
  background: #fafaf7; }
header { padding: 12px 24px; background: #1d1d1f; color: #fff; font-family: sans-serif; }
header h1 { font-size: 19px; margin: 0; }
header p { margin: 4px 0 0; font-size: 13px; color: #d0d0d0; }
header p.status { display: inline-block; margin-top: 6px; padding: 2px 10px; border-radius: 4px;
  font: 600 14px sans-serif; color: #fff; }
header p.status.passed { background: #1e7a34; }
header p.status.flagged { background: var(--err); }
main { display: grid; grid-template-columns: 1fr 1fr; gap: 20px; padding: 16px 24px; }
section, aside { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px 18px; }
aside { grid-column: 1 / -1; font: 13px/1.45 sans-serif; }
h2 { font: 600 15px sans-serif; text-transform: uppercase; letter-spacing: .04em;
  color: var(--muted); }
.sent { border-radius: 3px; }
.sent:focus, .sent.active { outline: 2px solid #1a73e8; background: #e8f0fe; }
.story-sent { border-radius: 3px; }
.story-sent sup { color: var(--muted); font: 11px sans-serif; }
.story-sent.linked { background: var(--link); outline: 1px solid #e0b400; }
mark.mark { background: transparent; border-bottom: 3px solid; padding: 0 1px; }
mark.error { border-color: var(--err); background: #fde7e4; }
mark.warning { border-color: #e0a100; background: #fff6e0; }
mark[data-anchor]:focus { outline: 3px solid var(--err); }
mark.warning[data-anchor]:focus { outline-color: #e0a100; }
#current { position: sticky; top: 0; z-index: 2; font: 14px/1.4 sans-serif; padding: 8px 12px;
  background: #fff; border: 2px solid var(--muted); border-radius: 6px; margin: 8px 0;
  min-height: 2.6em; }
#current.error { border-color: var(--err); }
#current.warning { border-color: #e0a100; }
ol.findings { font: 13px/1.45 sans-serif; padding-left: 22px; }
ol.findings li { margin: 4px 0; }
ol.findings li.error .badge { color: var(--err); font-weight: 600; }
ol.findings li.warning .badge { color: var(--warn); font-weight: 600; }
ol.findings li:focus { outline: 2px solid var(--err); }
.note, .clean, .keys { font: 13px sans-serif; color: var(--muted); }
kbd { border: 1px solid #aaa; border-radius: 3px; padding: 0 4px; font-size: 12px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 3px 8px; border-top: 1px solid #eee; }
@media (max-width: 900px) { main { grid-template-columns: 1fr; } }
"""

_SCRIPT = """
(function () {
  var anchors = Array.prototype.slice.call(document.querySelectorAll('[data-anchor]'));
  anchors.sort(function (a, b) {
    return a.getAttribute('data-finding') - b.getAttribute('data-finding');
  });
  var current = document.getElementById('current');
  var position = -1;
  function clearLinks() {
    document.querySelectorAll('.story-sent.linked').forEach(function (el) {
      el.classList.remove('linked');
    });
    document.querySelectorAll('.sent.active').forEach(function (el) {
      el.classList.remove('active');
    });
  }
  function showLinks(sentence, finding) {
    clearLinks();
    var ids = [];
    if (sentence) {
      sentence.classList.add('active');
      ids = (sentence.getAttribute('data-sources') || '').split(' ');
    }
    if (finding) { ids = ids.concat((finding.getAttribute('data-refs') || '').split(' ')); }
    var first = null;
    ids.forEach(function (id) {
      var el = id && document.getElementById('s-' + id);
      if (el) { el.classList.add('linked'); first = first || el; }
    });
    if (first) { first.scrollIntoView({block: 'nearest'}); }
  }
  function describe(el) {
    var n = el.getAttribute('data-finding');
    var item = document.querySelector('ol.findings li[data-finding="' + n + '"]');
    current.className = item ? item.className : '';
    current.textContent = '';
    var count = document.createElement('b');
    count.textContent = 'Finding ' + n + ' of ' + anchors.length + ': ';
    current.appendChild(count);
    current.appendChild(document.createTextNode(item ? item.textContent : ''));
  }
  document.addEventListener('focusin', function (event) {
    var el = event.target;
    var sentence = el.closest ? el.closest('.sent') : null;
    var finding = el.hasAttribute && el.hasAttribute('data-anchor') ? el : null;
    showLinks(sentence, finding);
    if (finding) {
      position = anchors.indexOf(el);
      describe(el);
    }
  });
  document.addEventListener('keydown', function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || !anchors.length) { return; }
    var step = {j: 1, n: 1, k: -1, p: -1}[event.key];
    if (!step) { return; }
    event.preventDefault();
    position = (position + step + anchors.length) % anchors.length;
    anchors[position].focus();
  });
})();
"""


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


# Only the page's own script and style run, named by their hashes: an injected <script> or
# inline handler is refused even if escaping ever failed; no <base> may redirect relative URLs,
# and no form may post anywhere.
_CSP = (
    f"default-src 'none'; script-src {_csp_hash(_SCRIPT)}; style-src {_csp_hash(_STYLE)}; "
    "base-uri 'none'; form-action 'none'"
)


def render_review(data: ReviewData) -> str:
    """The review page for one section, as a complete HTML document."""
    # Errors first: they are what an editor must act on.
    findings = sorted(data.findings, key=lambda f: f["severity"] != "error")
    data = replace(data, findings=findings)
    placed = _place_findings(data.body, data.findings)
    errors = sum(1 for f in data.findings if f["severity"] == "error")
    warnings = len(data.findings) - errors
    region = data.profile.name if data.profile else ""
    summary = (
        f"{errors} error(s), {warnings} warning(s) · {len(data.sentences)} sentence(s) · {region}"
    )
    # The findings carry the run's verdict (strict counts warnings as errors), so the status
    # shown here is the one the result, the results line and the audit log hold.
    status = (
        '<p id="status" class="status passed" role="status">Passed: no check error left.</p>'
        if not errors
        else '<p id="status" class="status flagged" role="status">Flagged: '
        f"{errors} check error(s) left. For review, not publication.</p>"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        f"<title>Review: {_e(data.heading)} · {_e(data.title)}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<header><h1>Review: {_e(data.heading)}</h1><p>{_e(data.title)} · {_e(summary)}</p>"
        f"{status}</header><main>"
        '<section id="section-pane"><h2>Section</h2>'
        '<p class="keys"><kbd>j</kbd>/<kbd>n</kbd> next finding, <kbd>k</kbd>/<kbd>p</kbd> '
        "previous; focus a sentence to see the story sentences it rests on.</p>"
        '<div id="current" aria-live="polite">Press <kbd>j</kbd> for the first finding.</div>'
        f"<h3>{_e(data.heading)}</h3>{_section_html(data, placed)}"
        f"<h2>Findings</h2>{_findings_list(data, placed)}"
        f"<h2>Sentence links</h2>{_links_table(data)}</section>"
        f'<section id="story-pane"><h2>Story</h2>{_story_html(data)}</section>'
        f"<aside><h2>Provenance</h2>{_provenance_html(data.provenance)}"
        f"<h2>Profile</h2>{_profile_html(data.profile)}</aside>"
        f"</main><script>{_SCRIPT}</script></body></html>\n"
    )
