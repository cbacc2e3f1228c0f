/*
 * statement-search widget: one script tag renders a search box with cited answers on any page.
 *
 *   <div id="statements"></div>
 *   <script src="https://search.example.org/static/widget.js" data-target="#statements"></script>
 *
 * Without data-target the widget is placed right after the script tag. Options:
 *   data-k="5"            passages to show (1-100)
 *   data-answer="false"   passages only (/api/search) instead of an answer card (/api/ask)
 *   data-placeholder="…"  the search box's placeholder
 *
 * It calls the API of the server it was loaded from, so that server must list the host page's
 * origin (or "*") in STATEMENT_SEARCH_CORS_ORIGINS. Each passage and the answer have a Cite button
 * that copies a ready citation of their paragraph (GET /api/cite). Everything renders inside a shadow root
 * (the host page's CSS neither breaks it nor is broken by it), and data only ever reaches the
 * page through textContent: no innerHTML, no inline script or style attribute.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src) { return; }
  var base = new URL(script.src, document.baseURI).origin;

  // Typography sits on .box, not :host: the host page's own rules (even `* {...!important}`)
  // reach the host element, and everything inside would inherit them.
  var CSS = [
    ":host { all: initial; display: block; }",
    ".box { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1b1f24; line-height: 1.5;",
    "  font-size: 16px; font-weight: 400; text-align: left; border: 1px solid #d5dae1; border-radius: 8px; padding: 12px; background: #fff; }",
    "form { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }",
    "label { width: 100%; font-weight: 600; font-size: 14px; }",
    "input { flex: 1; min-width: 8em; font: inherit; padding: 6px 8px; border: 1px solid #8a94a3; border-radius: 6px; color: inherit; background: #fff; }",
    "button { font: inherit; font-weight: 600; padding: 6px 14px; border: 0; border-radius: 6px; background: #0b57a4; color: #fff; cursor: pointer; }",
    "button:hover { background: #084482; }",
    ":focus-visible { outline: 3px solid #c2410c; outline-offset: 2px; }",
    ".status { margin: 8px 0 0; color: #4a5360; font-size: 14px; }",
    ".answer { margin-top: 10px; padding: 8px 10px; background: #f4f6f8; border-left: 4px solid #0b57a4; border-radius: 4px; }",
    ".answer p { margin: 0; }",
    ".answer .short { font-size: 1.2em; font-weight: 600; margin-bottom: 4px; }",
    ".answer mark.span { background: none; font-weight: 600; text-decoration: underline; }",
    ".meta { color: #4a5360; font-size: 13px; margin-top: 4px; }",
    "ol { list-style: none; margin: 8px 0 0; padding: 0; }",
    "li { padding: 8px 0; border-top: 1px solid #d5dae1; }",
    "li a.title { font-weight: 600; }",
    ".passage { margin: 4px 0 0; white-space: pre-line; overflow-wrap: anywhere; font-size: 15px; }",
    "a { color: #0b57a4; }",
    "mark { background: #fff0a0; color: inherit; }",
    ".error { color: #a1260c; }",
    "button.cite { font-size: 13px; font-weight: 400; padding: 0 4px; margin-left: 4px; background: none; color: #0b57a4; text-decoration: underline; }",
    "button.cite:hover { background: none; color: #084482; }",
    "output.cite-text { display: block; margin-top: 4px; padding: 4px 6px; background: #f4f6f8; font-size: 13px; overflow-wrap: anywhere; user-select: all; }"
  ].join("\n");

  var STOP = /^(a|an|and|are|as|at|be|by|did|do|does|for|from|has|have|how|in|is|it|of|on|or|the|to|was|we|were|what|when|where|which|who|why|with)$/i;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function escapeRegExp(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  // The text as nodes, with the query's words wrapped in <mark>: built node by node, never parsed.
  function highlighted(text, query) {
    var frag = document.createDocumentFragment();
    var words = (query.match(/[\p{L}\p{N}_]+/gu) || []).filter(function (w) { return w.length > 1 && !STOP.test(w); });
    if (!words.length) { frag.appendChild(document.createTextNode(text)); return frag; }
    words.sort(function (a, b) { return b.length - a.length; });
    // Whole words and their endings (victim -> victims), as the server's pages highlight.
    var re = new RegExp("(?<![\\p{L}\\p{N}_])(?:" + words.map(escapeRegExp).join("|") + ")[\\p{L}\\p{N}_]*", "giu");
    var last = 0, m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) { frag.appendChild(document.createTextNode(text.slice(last, m.index))); }
      frag.appendChild(el("mark", {}, m[0]));
      last = m.index + m[0].length;
      if (m[0].length === 0) { re.lastIndex++; }
    }
    if (last < text.length) { frag.appendChild(document.createTextNode(text.slice(last))); }
    return frag;
  }

  function paragraphLabel(c) {
    if (c.paragraph === null || c.paragraph === undefined) { return null; }
    var last = c.paragraphs ? c.paragraphs[1] : c.paragraph;
    return "para. " + c.paragraph + (last !== c.paragraph ? "–" + last : "");
  }

  function whereBits(c) {
    return [c.date, paragraphLabel(c), c.section, c.page ? "page " + c.page : null].filter(Boolean);
  }

  // "Cite": fetch the ready citation of the passage's paragraph, show it and copy it. The text
  // stays shown (selectable) when the host page does not allow the clipboard.
  function citeButton(c, label) {
    if (c.paragraph === null || c.paragraph === undefined) { return null; }
    var button = el("button", { type: "button", "class": "cite", "aria-label": "Cite " + label }, "Cite");
    button.addEventListener("click", function () {
      var url = base + "/api/cite?" + new URLSearchParams({ doc: c.doc_id, paragraph: String(c.paragraph), format: "text" });
      fetch(url, { headers: { Accept: "text/plain" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("the citation could not be made"); }
          return response.text();
        })
        .then(function (text) {
          text = text.trim();
          var shown = button.parentNode.querySelector("output.cite-text");
          if (!shown) { shown = el("output", { "class": "cite-text" }); button.parentNode.appendChild(shown); }
          shown.textContent = text;
          if (!navigator.clipboard || !navigator.clipboard.writeText) { return; }
          return navigator.clipboard.writeText(text).then(function () {
            button.textContent = "Copied";
            setTimeout(function () { button.textContent = "Cite"; }, 2000);
          }, function () {});
        })
        .catch(function (error) {
          button.textContent = "Cite failed";
          button.title = error && error.message ? error.message : "no connection";
        });
    });
    return button;
  }

  function citationLine(c) {
    var line = el("div", { "class": "meta" });
    var link = el("a", { href: base + c.url, target: "_blank", rel: "noopener" }, c.title);
    line.appendChild(link);
    var bits = whereBits(c);
    if (bits.length) { line.appendChild(document.createTextNode(" · " + bits.join(" · "))); }
    return line;
  }

  function mount(host) {
    var k = Math.max(1, Math.min(100, parseInt(script.getAttribute("data-k") || "5", 10) || 5));
    var withAnswer = script.getAttribute("data-answer") !== "false";
    var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;

    if (root.adoptedStyleSheets !== undefined && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } else {
      root.appendChild(el("style", {}, CSS));
    }

    var box = el("div", { "class": "box", part: "box" });
    var uid = "ss-q-" + Math.random().toString(36).slice(2, 8);
    var form = el("form", { role: "search" });
    form.appendChild(el("label", { "for": uid }, "Search the statements"));
    var input = el("input", { id: uid, type: "search", name: "q", maxlength: "1000", autocomplete: "off",
                              placeholder: script.getAttribute("data-placeholder") || "Ask a question…" });
    form.appendChild(input);
    form.appendChild(el("button", { type: "submit" }, "Search"));
    var status = el("p", { "class": "status", role: "status", "aria-live": "polite" });
    var results = el("div", { "class": "results" });
    box.appendChild(form);
    box.appendChild(status);
    box.appendChild(results);
    root.appendChild(box);

    var pending = null;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var q = input.value.trim();
      if (!q) { status.textContent = "Type a question or some words first."; return; }
      if (pending) { pending.abort(); }
      pending = typeof AbortController === "function" ? new AbortController() : null;
      status.className = "status";
      status.textContent = "Searching…";
      var url = base + (withAnswer ? "/api/ask" : "/api/search") + "?" + new URLSearchParams({ q: q, k: String(k) });
      fetch(url, { headers: { Accept: "application/json" }, signal: pending ? pending.signal : undefined })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        })
        .then(function (r) {
          if (!r.ok) { throw new Error((r.body && r.body.error && r.body.error.message) || "the search failed"); }
          render(r.body, q);
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") { return; }
          results.replaceChildren();
          status.className = "status error";
          status.textContent = "Search failed: " + (error && error.message ? error.message : "no connection");
        });
    });

    function render(body, q) {
      results.replaceChildren();
      var passages = body.passages || body.results || [];
      if (withAnswer) {
        var card = el("div", { "class": "answer" });
        if (body.answer) {
          var span = body.answer.span, text = body.answer.text;
          if (span && span.text !== text) { card.appendChild(el("p", { "class": "short" }, span.text)); }
          var p = el("p");
          var at = span ? span.start - body.answer.citation.start : -1;
          if (span && at >= 0 && text.slice(at, at + span.text.length) === span.text) {
            p.appendChild(highlighted(text.slice(0, at), q));
            p.appendChild(el("mark", { "class": "span" }, span.text));
            p.appendChild(highlighted(text.slice(at + span.text.length), q));
          } else {
            p.appendChild(highlighted(text, q));
          }
          card.appendChild(p);
          var meta = citationLine(body.answer.citation);
          meta.appendChild(document.createTextNode(" · confidence " + Math.round(body.answer.confidence * 100) + "%"));
          var cite = citeButton(body.answer.citation, "the answer");
          if (cite) { meta.appendChild(cite); }
          card.appendChild(meta);
        } else {
          card.appendChild(el("p", {}, "No answer in the statements."));
        }
        results.appendChild(card);
      }
      status.textContent = passages.length ? passages.length + " passage" + (passages.length === 1 ? "" : "s") : "No passages match.";
      var list = el("ol");
      passages.forEach(function (hit) {
        var item = el("li", { "class": "hit" });
        item.appendChild(el("a", { "class": "title", href: base + hit.citation.url, target: "_blank", rel: "noopener" }, hit.citation.title));
        var meta = el("div", { "class": "meta" }, whereBits(hit.citation).join(" · "));
        var cite = citeButton(hit.citation, hit.citation.title);
        if (cite) { meta.appendChild(cite); }
        item.appendChild(meta);
        var passage = el("p", { "class": "passage" });
        passage.appendChild(highlighted(hit.text, q));
        item.appendChild(passage);
        list.appendChild(item);
      });
      results.appendChild(list);
    }
  }

  function start() {
    var selector = script.getAttribute("data-target");
    var host = selector ? document.querySelector(selector) : null;
    if (!host) {
      host = el("div", { "class": "statement-search-widget" });
      script.parentNode.insertBefore(host, script.nextSibling);
    }
    mount(host);
  }

  if (script.getAttribute("data-target") && document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
