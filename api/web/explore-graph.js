// The tnr-graph explorer, part 2 of 4: the network view (Cytoscape.js), its styles and the
// schema's colours, its layout, merging graphs into it, the status line's summary of it, and
// exporting it as PNG or GraphML.
"use strict";

(function (explorer) {
  const { LIMIT, COLOURS, state, $, el, setStatus, download } = explorer;

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
  explorer.cy = cy;

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

  Object.assign(explorer, { relayout, merge, summary, exportPng, exportGraphml });
})(window.tnrExplorer);
