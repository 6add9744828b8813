// The tnr-graph explorer: search, neighbourhoods, expansion, filters, shortest paths and
// export, over the public GraphQL API only (POST JSON to /graphql). No build step.
"use strict";

(function () {
  const GRAPHQL = new URL(document.body.dataset.graphql || "graphql", document.baseURI).href;
  const LIMIT = 300; // nodes per neighbourhood
  const MAX_PATH = 6;
  const PAGE = 100; // ids per nodes(ids) request
  // One colour per node type: the schema's `colour:` (graph/schema.yaml), which the server
  // puts in <body data-colours> (api/explore.py).
  const COLOURS = JSON.parse(document.body.dataset.colours || "{}");
  const GRAPH_FIELDS = "nodes { id type label properties } " +
    "edges { id type source target properties } truncated leftOut { type count }";
  const Q = {
    search: "query Search($text: String!, $first: Int) { search(text: $text, first: $first) " +
      "{ id type label matched score } }",
    neighbourhood: "query Neighbourhood($id: ID!, $depth: Int, $limit: Int) { " +
      "neighbourhood(id: $id, depth: $depth, limit: $limit) { " + GRAPH_FIELDS + " } }",
    path: "query Path($from: ID!, $to: ID!, $maxLength: Int) { " +
      "shortestPath(from: $from, to: $to, maxLength: $maxLength) { found length graph { " +
      GRAPH_FIELDS + " } } }",
    node: "query Node($id: ID!) { node(id: $id) { id ... on Entity { label confidence citations " +
      "sources { id label ... on Source { title url ref publisher date kind } } } } }",
    sources: "query Sources($ids: [ID!]!) { nodes(ids: $ids) { id ... on Source " +
      "{ label title url ref publisher date kind } } }",
    tactics: "query Tactics { tactics(first: 100) { edges { node { id label } } } }",
    incidentTactics: "query IncidentTactics($ids: [ID!]!) { nodes(ids: $ids) { id " +
      "... on Incident { usedTactic(first: 50) { node { id } } } } }",
  };

  const $ = (id) => document.getElementById(id);
  const state = {
    busy: 0,
    hiddenTypes: new Set(),
    tacticsOf: new Map(), // incident id -> Set of tactic ids
    pathFrom: null, // {id, label}
    pathTo: null,
    truncated: false,
    leftOut: new Map(), // type -> nodes the cut neighbourhoods left out
    selected: null,
  };

  // -- small helpers ------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function setStatus(text, isError) {
    const status = $("status");
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  function safeUrl(url) {
    try {
      const u = new URL(String(url));
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch (_) {
      return null;
    }
  }

  function show(value) {
    if (value === null || value === undefined) return "";
    if (Array.isArray(value)) return value.map(show).join(", ");
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  function yearOf(...values) {
    for (const v of values) {
      if (v === null || v === undefined || v === "") continue;
      if (typeof v === "number" && Number.isFinite(v)) return Math.trunc(v);
      const m = /^\s*(\d{4})/.exec(String(v));
      if (m) return Number(m[1]);
    }
    return null;
  }

  function download(name, href) {
    const a = el("a", { href, download: name });
    document.body.append(a);
    a.click();
    a.remove();
  }

  async function gql(query, variables) {
    state.busy += 1;
    document.body.dataset.busy = "1";
    try {
      const response = await fetch(GRAPHQL, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/graphql-response+json, application/json",
        },
        body: JSON.stringify({ query, variables: variables || {} }),
      });
      let body = null;
      try {
        body = await response.json();
      } catch (_) {
        throw new Error(`the API answered ${response.status} ${response.statusText}`);
      }
      if (body.errors && body.errors.length) {
        throw new Error(body.errors.map((e) => e.message).join("; "));
      }
      if (!response.ok) throw new Error(`the API answered ${response.status}`);
      return body.data;
    } finally {
      state.busy -= 1;
      if (state.busy === 0) delete document.body.dataset.busy;
    }
  }

  /** Run an operation; its failure is shown in the status line. `data-busy` is on the body
   *  while any operation or request is under way. */
  async function guarded(what, fn) {
    state.busy += 1;
    document.body.dataset.busy = "1";
    try {
      return await fn();
    } catch (err) {
      setStatus(`${what} failed: ${err.message}`, true);
      return undefined;
    } finally {
      state.busy -= 1;
      if (state.busy === 0) delete document.body.dataset.busy;
    }
  }

  // -- the network view ---------------------------------------------------------------------
  if (typeof window.cytoscape !== "function") {
    $("cy").append(el("p", { class: "warning", style: "padding: 1rem" },
      "The graph library (Cytoscape.js) is not installed on this server. Run `npm install` " +
      "at the root of the tnr-graph repository (`make serve` does it) and reload."));
    setStatus("The graph library is missing: see the message in the view.", true);
    return;
  }

  const typeStyles = Object.entries(COLOURS).map(([type, colour]) => ({
    selector: `node[type = "${type}"]`, style: { "background-color": colour },
  }));
  const cy = window.cytoscape({
    container: $("cy"),
    wheelSensitivity: 0.3,
    style: [
      {
        selector: "node",
        style: {
          label: "data(label)", "font-size": 10, "text-valign": "bottom", "text-margin-y": 3,
          "text-wrap": "ellipsis", "text-max-width": 120, width: 18, height: 18,
          "background-color": "#888", "border-width": 1, "border-color": "#fff", color: "#1d2329",
          "text-background-color": "#fbfbfc", "text-background-opacity": 0.7,
          "text-background-padding": 1, "min-zoomed-font-size": 7,
        },
      },
      ...typeStyles,
      { selector: "node.focus", style: { width: 28, height: 28, "font-weight": "bold" } },
      {
        selector: "edge",
        style: {
          width: 1.2, "line-color": "#b7bec7", "target-arrow-color": "#b7bec7",
          "target-arrow-shape": "triangle", "arrow-scale": 0.7, "curve-style": "bezier",
          label: "", "font-size": 7, color: "#56606b",
        },
      },
      { selector: "edge:selected, edge.hover", style: { label: "data(type)", "line-color": "#56606b", "target-arrow-color": "#56606b" } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#1d2329" } },
      { selector: 'node[type = "Sale"]', style: { width: 12, height: 12, label: "" } },
      { selector: 'node[type = "Sale"]:selected, node[type = "Sale"].hover, node[type = "Sale"].path',
        style: { label: "data(label)" } },
      { selector: "node.path", style: { "border-width": 4, "border-color": "#e8871e", "z-index": 10 } },
      {
        selector: "edge.path",
        style: { label: "data(type)", width: 4, "line-color": "#e8871e",
          "target-arrow-color": "#e8871e", "z-index": 10 },
      },
      { selector: ".filtered", style: { display: "none" } },
    ],
  });
  window.tnrExplorer = { cy, state };

  function relayout() {
    const visible = cy.elements().not(".filtered");
    if (visible.empty()) return;
    visible.layout({
      name: "cose", animate: false, randomize: true, fit: true, padding: 30,
      nodeRepulsion: () => 9000, idealEdgeLength: () => 60, numIter: 1500,
    }).run();
  }

  /** Merge a NetworkGraph into the view; returns the number of nodes added. */
  function merge(graph) {
    let added = 0;
    cy.batch(() => {
      for (const n of graph.nodes) {
        const existing = cy.getElementById(n.id);
        const data = { id: n.id, type: n.type, label: n.label, props: n.properties || {} };
        if (existing.nonempty()) {
          existing.data(data);
        } else {
          cy.add({ group: "nodes", data });
          added += 1;
        }
      }
      for (const e of graph.edges) {
        if (cy.getElementById(e.id).nonempty()) continue;
        if (cy.getElementById(e.source).empty() || cy.getElementById(e.target).empty()) continue;
        cy.add({ group: "edges", data: { id: e.id, type: e.type, source: e.source,
          target: e.target, props: e.properties || {} } });
      }
    });
    state.truncated = state.truncated || Boolean(graph.truncated);
    for (const x of graph.leftOut || []) {
      state.leftOut.set(x.type, (state.leftOut.get(x.type) || 0) + x.count);
    }
    return added;
  }

  async function neighbourhood(id) {
    const depth = Number($("depth").value) || 1;
    const data = await gql(Q.neighbourhood, { id, depth, limit: LIMIT });
    return data.neighbourhood;
  }

  async function open(id) {
    await guarded("Loading the neighbourhood", async () => {
      setStatus("Loading…");
      const graph = await neighbourhood(id);
      if (!graph) throw new Error("no such node");
      cy.elements().remove();
      state.truncated = false;
      state.leftOut.clear();
      clearPath();
      merge(graph);
      await afterChange();
      relayout();
      focus(id);
    });
  }

  async function expand(id) {
    await guarded("Expanding", async () => {
      setStatus("Expanding…");
      const graph = await neighbourhood(id);
      if (!graph) throw new Error("no such node");
      const added = merge(graph);
      await afterChange();
      relayout();
      focus(id);
      setStatus(`${added} node${added === 1 ? "" : "s"} added. ${summary()}`);
    });
  }

  function focus(id) {
    cy.nodes().removeClass("focus");
    const node = cy.getElementById(id);
    if (node.empty()) return;
    node.addClass("focus");
    cy.elements().unselect();
    node.select();
    showNode(node);
  }

  function summary() {
    const hidden = cy.elements(".filtered");
    const nodes = cy.nodes().length;
    const edges = cy.edges().length;
    let text = `${nodes} node${nodes === 1 ? "" : "s"}, ${edges} relation${edges === 1 ? "" : "s"} in view`;
    if (hidden.length) text += ` (${hidden.nodes().length} nodes hidden by filters)`;
    if (state.truncated) {
      text += ". Some neighbourhoods were cut at " + LIMIT + " nodes, every type kept";
      const out = [...state.leftOut].map(([type, n]) => `${n} ${type}`);
      if (out.length) text += ` (left out: ${out.join(", ")})`;
    }
    return text + ".";
  }

  // -- filters ------------------------------------------------------------------------------
  function rebuildTypeFilter() {
    const box = $("type-filter");
    const counts = new Map();
    cy.nodes().forEach((n) => counts.set(n.data("type"), (counts.get(n.data("type")) || 0) + 1));
    box.replaceChildren(el("legend", {}, "Types in the view"));
    if (!counts.size) {
      box.append(el("p", { class: "hint" }, "Nothing in the view yet."));
      return;
    }
    for (const type of [...counts.keys()].sort()) {
      const input = el("input", { type: "checkbox", value: type,
        checked: !state.hiddenTypes.has(type), "data-type": type });
      input.addEventListener("change", () => {
        if (input.checked) state.hiddenTypes.delete(type);
        else state.hiddenTypes.add(type);
        applyFilters();
      });
      box.append(el("label", { class: "swatch-label" }, input,
        el("span", { class: "swatch", style: `background:${COLOURS[type] || "#888"}` }),
        type, " ", el("small", {}, `(${counts.get(type)})`)));
    }
  }

  function window_() {
    const from = $("year-from").value ? Number($("year-from").value) : null;
    const to = $("year-to").value ? Number($("year-to").value) : null;
    return { from, to };
  }

  /** False only when the item is dated wholly outside from..to (as queries/network.py). */
  function inWindow(props, isEdge, from, to) {
    if (from === null && to === null) return true;
    let first;
    let last;
    if (isEdge) {
      first = yearOf(props.start);
      last = yearOf(props.end);
    } else {
      first = yearOf(props.year, props.date, props.period_start, props.decision_date,
        props.listing_date);
      last = yearOf(props.end_date, props.period_end);
      if (last === null) last = first;
    }
    if (first === null && last === null) return true;
    const lo = first !== null ? first : last;
    const hi = last !== null ? last : first;
    return !((to !== null && lo > to) || (from !== null && hi < from));
  }

  async function loadIncidentTactics() {
    const missing = cy.nodes('[type = "Incident"]').map((n) => n.id())
      .filter((id) => !state.tacticsOf.has(id));
    for (let i = 0; i < missing.length; i += PAGE) {
      const data = await gql(Q.incidentTactics, { ids: missing.slice(i, i + PAGE) });
      for (const item of data.nodes || []) {
        if (!item) continue;
        state.tacticsOf.set(item.id, new Set((item.usedTactic || []).map((r) => r.node.id)));
      }
    }
  }

  function applyFilters() {
    const { from, to } = window_();
    const tactic = $("tactic").value;
    cy.batch(() => {
      cy.nodes().forEach((n) => {
        const props = n.data("props") || {};
        let hide = state.hiddenTypes.has(n.data("type")) || !inWindow(props, false, from, to);
        if (!hide && tactic && n.data("type") === "Incident") {
          const tactics = state.tacticsOf.get(n.id());
          hide = tactics !== undefined && !tactics.has(tactic);
        }
        n.toggleClass("filtered", hide && !n.hasClass("path"));
      });
      cy.edges().forEach((e) => {
        const hide = !inWindow(e.data("props") || {}, true, from, to);
        e.toggleClass("filtered", hide && !e.hasClass("path"));
      });
    });
    setStatus(summary());
  }

  async function afterChange() {
    rebuildTypeFilter();
    if ($("tactic").value) await loadIncidentTactics();
    applyFilters();
  }

  async function loadTactics() {
    const data = await guarded("Loading the tactics", () => gql(Q.tactics));
    if (!data || !data.tactics) return;
    const select = $("tactic");
    const tactics = data.tactics.edges.map((e) => e.node)
      .sort((a, b) => a.label.localeCompare(b.label));
    for (const t of tactics) select.append(el("option", { value: t.id }, t.label));
  }

  // -- shortest path ------------------------------------------------------------------------
  function clearPath() {
    cy.elements().removeClass("path");
  }

  function updatePathControls() {
    $("path-from").textContent = state.pathFrom ? state.pathFrom.label : "—";
    $("path-to").textContent = state.pathTo ? state.pathTo.label : "—";
    $("path-find").disabled = !(state.pathFrom && state.pathTo);
  }

  async function findPath() {
    if (!state.pathFrom || !state.pathTo) return;
    await guarded("Finding the path", async () => {
      setStatus("Finding the shortest path…");
      const data = await gql(Q.path, { from: state.pathFrom.id, to: state.pathTo.id,
        maxLength: MAX_PATH });
      const path = data.shortestPath;
      const graph = path && path.found ? path.graph : null;
      clearPath();
      if (!graph || !graph.nodes.length) {
        setStatus(`No path of at most ${MAX_PATH} relations between ` +
          `${state.pathFrom.label} and ${state.pathTo.label}.`);
        return;
      }
      const added = merge(graph);
      cy.batch(() => {
        for (const n of graph.nodes) cy.getElementById(n.id).addClass("path");
        for (const e of graph.edges) cy.getElementById(e.id).addClass("path");
      });
      await afterChange();
      if (added) relayout();
      setStatus(`Shortest path: ${graph.edges.length} relation${graph.edges.length === 1 ? "" : "s"} ` +
        `(${graph.nodes.map((n) => n.label).join(" → ")}).`);
    });
  }

  // -- the side panel -----------------------------------------------------------------------
  function propertyList(props, skip) {
    const dl = el("dl", { class: "props" });
    for (const [key, value] of Object.entries(props).sort(([a], [b]) => a.localeCompare(b))) {
      if (skip.has(key) || value === null || value === undefined || value === "") continue;
      if (Array.isArray(value) && !value.length) continue;
      const url = typeof value === "string" && /^https?:/.test(value) ? safeUrl(value) : null;
      dl.append(el("dt", {}, key), el("dd", {}, url
        ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, value)
        : show(value)));
    }
    return dl;
  }

  function sourceItem(src) {
    const title = src.title || src.label || src.ref || src.id;
    const url = safeUrl(src.url) || safeUrl(src.ref);
    const meta = [src.publisher, src.date, src.kind].filter(Boolean).join(", ");
    return el("li", {}, url
      ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, title)
      : title, meta ? el("small", {}, ` — ${meta}`) : null,
      !url && src.ref && src.ref !== title ? el("small", {}, ` (${src.ref})`) : null);
  }

  function sourcesSection(sources, citations) {
    const section = el("section", {}, el("h2", {}, "Sources"));
    if (!sources || !sources.length) {
      section.append(el("p", { class: "hint" }, "No sources visible."));
    } else {
      section.append(el("ul", { class: "plain sources" }, sources.map(sourceItem)));
    }
    if (citations && citations.length) {
      // a citation is "<source id>|<locator>": show the locator with the source's title
      const titles = new Map((sources || []).map((s) => [s.id, s.title || s.label || s.id]));
      const item = (c) => {
        const cut = c.indexOf("|");
        if (cut < 0) return el("li", {}, titles.has(c) ? `(whole source) — ${titles.get(c)}` : c);
        const id = c.slice(0, cut);
        const where = c.slice(cut + 1);
        return el("li", {}, where || "(whole source)", " ",
          el("small", {}, `— ${titles.get(id) || id}`));
      };
      section.append(el("h2", {}, "Citations"), el("ul", { class: "plain" }, citations.map(item)));
    }
    return section;
  }

  function relationsInView(node) {
    const list = el("ul", { class: "plain relations" });
    const edges = node.connectedEdges().not(".filtered");
    edges.slice(0, 60).forEach((e) => {
      const out = e.source().id() === node.id();
      const other = out ? e.target() : e.source();
      list.append(el("li", {}, out ? `${e.data("type")} → ` : `← ${e.data("type")} `,
        el("button", { type: "button", class: "linklike",
          onclick: () => { cy.elements().unselect(); other.select(); showNode(other); } },
        other.data("label")), " ", el("small", {}, `(${other.data("type")})`)));
    });
    if (edges.length > 60) list.append(el("li", { class: "hint" }, `… and ${edges.length - 60} more`));
    return el("section", {}, el("h2", {}, `Relations in the view (${edges.length})`), list);
  }

  async function showNode(node) {
    const id = node.id();
    state.selected = id;
    const props = node.data("props") || {};
    const panel = $("details");
    const actions = el("div", { class: "row" },
      el("button", { type: "button", id: "expand", onclick: () => expand(id) }, "Expand"),
      el("button", { type: "button", onclick: () => {
        state.pathFrom = { id, label: node.data("label") }; updatePathControls();
      } }, "Path from here"),
      el("button", { type: "button", onclick: () => {
        state.pathTo = { id, label: node.data("label") }; updatePathControls();
      } }, "Path to here"),
      el("button", { type: "button", onclick: () => {
        node.remove(); panel.replaceChildren(); rebuildTypeFilter(); setStatus(summary());
      } }, "Remove"));
    const sources = el("div", {}, el("p", { class: "hint" }, "Loading sources…"));
    panel.replaceChildren(
      el("h3", {}, node.data("label")),
      el("p", {}, el("span", { class: "badge" }, node.data("type")), " ", el("small", {}, id)),
      actions,
      el("h2", {}, "Properties"),
      propertyList(props, new Set(["id", "citations", "source_ids"])),
      sources,
      relationsInView(node));
    const data = await guarded("Loading the sources", () => gql(Q.node, { id }));
    if (state.selected !== id) return;
    const found = data && data.node;
    sources.replaceChildren(found
      ? sourcesSection(found.sources, found.citations)
      : el("p", { class: "hint" }, "No further details are public for this node."));
  }

  async function showEdge(edge) {
    const id = edge.id();
    state.selected = id;
    const props = edge.data("props") || {};
    const panel = $("details");
    const sources = el("div", {}, el("p", { class: "hint" }, "Loading sources…"));
    const link = (n) => el("button", { type: "button", class: "linklike",
      onclick: () => { cy.elements().unselect(); n.select(); showNode(n); } }, n.data("label"));
    panel.replaceChildren(
      el("h3", {}, edge.data("type")),
      el("p", {}, link(edge.source()), " → ", link(edge.target())),
      el("h2", {}, "Properties"),
      propertyList(props, new Set(["id", "citations", "source_ids"])),
      sources);
    const ids = (props.source_ids || []).slice(0, PAGE);
    let found = [];
    if (ids.length) {
      const data = await guarded("Loading the sources", () => gql(Q.sources, { ids }));
      found = ((data && data.nodes) || []).filter(Boolean);
    }
    if (state.selected !== id) return;
    sources.replaceChildren(sourcesSection(found, props.citations || []));
  }

  // -- export -------------------------------------------------------------------------------
  function xml(text) {
    return String(text).replace(/[<>&"']/g, (c) => (
      { "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" }[c]))
      // characters XML 1.0 cannot hold
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "");
  }

  /** GraphML of the visible elements: label, type, position and every property as a string. */
  function graphml() {
    const nodes = cy.nodes().not(".filtered");
    const edges = cy.edges().not(".filtered").filter(
      (e) => !e.source().hasClass("filtered") && !e.target().hasClass("filtered"));
    const keys = { node: new Map(), edge: new Map() };
    const keyOf = (kind, name) => {
      const map = keys[kind];
      if (!map.has(name)) map.set(name, `${kind[0]}${map.size}`);
      return map.get(name);
    };
    const dataLines = (kind, ele, extra) => {
      const out = [];
      const values = { ...extra, ...(ele.data("props") || {}), label: ele.data("label") ?? ele.data("type"), type: ele.data("type") };
      for (const [name, value] of Object.entries(values)) {
        if (value === null || value === undefined) continue;
        if (name === "id") continue;
        const text = typeof value === "string" ? value : JSON.stringify(value);
        out.push(`      <data key="${keyOf(kind, name)}">${xml(text)}</data>`);
      }
      return out.join("\n");
    };
    const body = [];
    nodes.forEach((n) => {
      const p = n.position();
      body.push(`    <node id="${xml(n.id())}">\n` +
        dataLines("node", n, { x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 }) +
        "\n    </node>");
    });
    edges.forEach((e) => {
      body.push(`    <edge id="${xml(e.id())}" source="${xml(e.source().id())}" ` +
        `target="${xml(e.target().id())}">\n${dataLines("edge", e, {})}\n    </edge>`);
    });
    const keyLines = [];
    for (const kind of ["node", "edge"]) {
      for (const [name, key] of keys[kind]) {
        const type = kind === "node" && (name === "x" || name === "y") ? "double" : "string";
        keyLines.push(`  <key id="${key}" for="${kind}" attr.name="${xml(name)}" attr.type="${type}"/>`);
      }
    }
    return '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n' +
      keyLines.join("\n") + "\n" +
      '  <graph id="tnr-graph" edgedefault="directed">\n' + body.join("\n") +
      "\n  </graph>\n</graphml>\n";
  }

  function exportPng() {
    if (cy.elements().empty()) { setStatus("The view is empty: nothing to export.", true); return; }
    download("tnr-graph.png", cy.png({ full: true, scale: 2, bg: "#ffffff" }));
  }

  function exportGraphml() {
    if (cy.elements().empty()) { setStatus("The view is empty: nothing to export.", true); return; }
    const url = URL.createObjectURL(new Blob([graphml()], { type: "application/graphml+xml" }));
    download("tnr-graph.graphml", url);
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  // -- search -------------------------------------------------------------------------------
  async function runSearch(text) {
    const list = $("results");
    await guarded("Searching", async () => {
      setStatus("Searching…");
      const data = await gql(Q.search, { text, first: 20 });
      const hits = data.search || [];
      $("results-section").hidden = false;
      list.replaceChildren(...hits.map((h) => el("li", {}, el("button", {
        type: "button", class: "hit", "data-id": h.id, onclick: () => open(h.id) },
        el("span", { class: "swatch", style: `background:${COLOURS[h.type] || "#888"}` }), " ",
        h.label, " ", el("small", {}, h.type + (h.matched && h.matched !== h.label
          ? `, as “${h.matched}”` : ""))))));
      if (!hits.length) list.append(el("li", { class: "hint" }, "Nothing matches."));
      setStatus(`${hits.length} result${hits.length === 1 ? "" : "s"} for “${text}”.`);
    });
  }

  // -- wiring -------------------------------------------------------------------------------
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("search-text").value.trim();
    if (text) runSearch(text);
  });
  cy.on("tap", "node", (event) => showNode(event.target));
  cy.on("tap", "edge", (event) => showEdge(event.target));
  cy.on("dbltap", "node", (event) => expand(event.target.id()));
  cy.on("mouseover", "node, edge", (event) => event.target.addClass("hover"));
  cy.on("mouseout", "node, edge", (event) => event.target.removeClass("hover"));
  $("relayout").addEventListener("click", relayout);
  $("clear").addEventListener("click", () => {
    cy.elements().remove();
    state.truncated = false;
    state.leftOut.clear();
    $("details").replaceChildren();
    rebuildTypeFilter();
    setStatus(summary());
  });
  for (const id of ["year-from", "year-to"]) $(id).addEventListener("input", applyFilters);
  $("tactic").addEventListener("change", async () => {
    if ($("tactic").value) await guarded("Loading the tactics of incidents", loadIncidentTactics);
    applyFilters();
  });
  $("path-find").addEventListener("click", findPath);
  $("path-clear").addEventListener("click", () => {
    clearPath();
    state.pathFrom = null;
    state.pathTo = null;
    updatePathControls();
    applyFilters();
  });
  $("export-png").addEventListener("click", exportPng);
  $("export-graphml").addEventListener("click", exportGraphml);

  loadTactics();
})();
