// The tnr-graph explorer, part 3 of 4: the side panel of the selected node or relation (its
// properties, sources, citations and relations in the view, and the node's actions).
"use strict";

(function (explorer) {
  if (!explorer.cy) return; // the graph library is missing: explore-graph.js said so
  const { PAGE, Q, state, $, el, setStatus, safeUrl, show, gql, guarded, cy, summary } = explorer;

  // -- the side panel -----------------------------------------------------------------------
  /** Mark a node as the focus of the view, select it and show its panel. */
  function focus(id) {
    cy.nodes().removeClass("focus");
    const node = cy.getElementById(id);
    if (node.empty()) return;
    node.addClass("focus");
    cy.elements().unselect();
    node.select();
    showNode(node);
  }

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
      el("button", { type: "button", id: "expand", onclick: () => explorer.expand(id) }, "Expand"),
      el("button", { type: "button", onclick: () => {
        state.pathFrom = { id, label: node.data("label") }; explorer.updatePathControls();
      } }, "Path from here"),
      el("button", { type: "button", onclick: () => {
        state.pathTo = { id, label: node.data("label") }; explorer.updatePathControls();
      } }, "Path to here"),
      el("button", { type: "button", onclick: () => {
        node.remove(); panel.replaceChildren(); explorer.rebuildTypeFilter(); setStatus(summary());
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

  Object.assign(explorer, { focus, showNode, showEdge });
})(window.tnrExplorer);
