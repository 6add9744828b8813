// The tnr-graph explorer, part 1 of 4: the GraphQL API (POST JSON to /graphql, the only
// place the page reads from), the page's state and the small helpers every part uses.
// The explorer's scripts are plain classic scripts, loaded in order by explore.html
// (explore-api.js, explore-graph.js, explore-panels.js, explore.js), with no build step;
// they share one namespace, window.tnrExplorer, and define no other global.
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

  window.tnrExplorer = {
    LIMIT, MAX_PATH, PAGE, COLOURS, Q, state,
    $, el, setStatus, safeUrl, show, yearOf, download, gql, guarded,
  };
})();
