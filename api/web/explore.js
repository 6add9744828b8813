// The tnr-graph explorer, part 4 of 4: the controls. Search and its results, opening and
// expanding neighbourhoods, the filters (types, years, tactic), the shortest path, and the
// wiring of the page's buttons and of the view's clicks. The other parts come first
// (explore-api.js, explore-graph.js, explore-panels.js: see explore.html).
"use strict";

(function (explorer) {
  if (!explorer.cy) return; // the graph library is missing: explore-graph.js said so
  const { LIMIT, MAX_PATH, PAGE, COLOURS, Q, state, $, el, setStatus, yearOf, gql, guarded } =
    explorer;
  const { cy, relayout, merge, summary, exportPng, exportGraphml } = explorer;
  const { focus, showNode, showEdge } = explorer;

  // -- neighbourhoods -----------------------------------------------------------------------
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

  // explore-panels.js calls these from the node panel's buttons
  Object.assign(explorer, { expand, rebuildTypeFilter, updatePathControls });
  loadTactics();
})(window.tnrExplorer);
