"""A walker that builds, by introspection, queries selecting every field of the schema."""

from __future__ import annotations

import json
import re
from typing import Any

TYPE_REF = "kind name ofType { kind name ofType { kind name ofType { kind name } } }"

INTROSPECTION = f"""{{ __schema {{ queryType {{ name }} types {{
  kind name possibleTypes {{ name }}
  fields {{ name type {{ {TYPE_REF} }} args {{ name defaultValue type {{ {TYPE_REF} }} }} }}
  inputFields {{ name defaultValue type {{ {TYPE_REF} }} }}
  enumValues {{ name }} }} }} }}"""

MAX_LEVELS = 6

KIND_TYPES = {
    "target": "Person",
    "protected": "Person",
    "anon": "Person",
    "incident": "Incident",
    "organization": "Organization",
    "source": "Source",
}

TOKEN_BUDGET = 3000


def _named(t: dict[str, Any]) -> dict[str, Any]:
    while t.get("ofType"):
        t = t["ofType"]
    return t


class Walker:
    """Builds queries that select every field reachable from each root field."""

    def __init__(self, schema: dict[str, Any], ids: dict[str, list[str]], probe: str) -> None:
        self.explored: set[tuple[str, str]] = set()  # object fields walked for this id kind
        self.walked: dict[str | None, set[tuple[str, str]]] = {}
        self.types = {t["name"]: t for t in schema["types"]}
        self.root = self.types[schema["queryType"]["name"]]
        entity = self.types.get("Entity", {}).get("possibleTypes") or []
        self.node_types = {t["name"] for t in entity}
        self.ids = ids  # per node type, and "any"
        self.probe = probe  # text for required String arguments (a redacted name)

    def value(self, t: dict[str, Any], arg: str, id_type: str | None) -> str | None:
        """A literal for a required (non-null) type."""
        inner = t["ofType"] if t["kind"] == "NON_NULL" else t
        if inner["kind"] == "LIST":
            item = self.value(inner["ofType"], arg, id_type)
            return f"[{item}]" if item is not None else "[]"
        named = _named(inner)
        name, kind = named["name"], named["kind"]
        if name == "ID":
            pool = self.ids.get(id_type or "", []) or self.ids["any"]
            return json.dumps(pool[0])
        if name == "String":
            return json.dumps(self.probe)
        if name == "Int":
            return "2" if arg in ("first", "last", "limit") else "1"
        if name == "Float":
            return "1.0"
        if name == "Boolean":
            return "true"
        if kind == "ENUM":
            return str(self.types[name]["enumValues"][0]["name"])
        if kind == "INPUT_OBJECT":
            parts = [
                f"{f['name']}: {self.value(f['type'], f['name'], None)}"
                for f in self.types[name]["inputFields"]
                if f["type"]["kind"] == "NON_NULL" and f["defaultValue"] is None
            ]
            return "{" + ", ".join(parts) + "}"
        return None

    def args(self, field: dict[str, Any], id_type: str | None) -> str:
        out = []
        for a in field["args"]:
            required = a["type"]["kind"] == "NON_NULL" and a["defaultValue"] is None
            if required or a["name"] == "first":
                v = self.value(a["type"], a["name"], id_type)
                if v is not None:
                    out.append(f"{a['name']}: {'2' if a['name'] == 'first' else v}")
        return f"({', '.join(out)})" if out else ""

    def chunks(self, type_name: str, level: int, clash: frozenset[str] = frozenset()) -> list[str]:
        """Selections of a type, split so that each stays under the token budget.

        Each object field is walked once per id kind (with every field below it, up to
        MAX_LEVELS); scalars are selected wherever their type is reached.
        """
        t = self.types[type_name]
        if t["kind"] in ("INTERFACE", "UNION"):
            shapes: dict[str, set[str]] = {}
            for pt in t["possibleTypes"]:
                for f in self.types[pt["name"]]["fields"] or []:
                    shapes.setdefault(f["name"], set()).add(json.dumps(f["type"]))
            clashing = frozenset(n for n, v in shapes.items() if len(v) > 1)
            out = ["__typename"]
            for pt in t["possibleTypes"]:
                out += [
                    f"... on {pt['name']} {{ {c} }}"
                    for c in self.chunks(pt["name"], level, clashing)
                ]
            return _pack(out)
        scalars: list[str] = ["__typename"]
        branches: list[str] = []
        for f in t["fields"] or []:
            named = _named(f["type"])
            required = [
                a
                for a in f["args"]
                if a["type"]["kind"] == "NON_NULL" and a["defaultValue"] is None
            ]
            alias = f"{type_name}_{f['name']}: " if f["name"] in clash else ""
            if named["kind"] in ("SCALAR", "ENUM"):
                scalars.append(alias + f["name"] + (self.args(f, None) if required else ""))
                continue
            edge = (type_name, f["name"])
            if level >= MAX_LEVELS or edge in self.explored:
                continue
            self.explored.add(edge)
            for c in self.chunks(named["name"], level + 1):
                branches.append(f"{alias}{f['name']}{self.args(f, None)} {{ {c} }}")
        return [" ".join(scalars) + " " + b for b in _pack(branches)] or [" ".join(scalars)]

    def queries(self) -> list[tuple[str, str]]:
        """(root field, query) for every root field, once per id kind it can take."""
        out: list[tuple[str, str]] = []
        for f in self.root["fields"]:
            named = _named(f["type"])
            id_types: list[str | None] = [None]
            if any(_named(a["type"])["name"] == "ID" for a in f["args"]):
                kinds = [k for k in self.ids if k != "any"]
                matching = [k for k in kinds if KIND_TYPES.get(k) == named["name"]]
                if named["name"] in KIND_TYPES.values() or named["name"] in self.node_types:
                    kinds = matching or ["anon"]
                id_types = list(kinds)
            for id_type in id_types:
                self.explored = self.walked.setdefault(id_type, set())
                args = self.args(f, id_type)
                if named["kind"] in ("SCALAR", "ENUM"):
                    out.append((f["name"], f"{{ {f['name']}{args} }}"))
                    continue
                for c in self.chunks(named["name"], 1):
                    out.append((f["name"], f"{{ {f['name']}{args} {{ {c} }} }}"))
        return out


def _pack(parts: list[str]) -> list[str]:
    groups: list[str] = []
    current: list[str] = []
    size = 0
    for p in parts:
        tokens = len(re.findall(r"\w+|[^\s\w]", p))
        if current and size + tokens > TOKEN_BUDGET:
            groups.append(" ".join(current))
            current, size = [], 0
        current.append(p)
        size += tokens
    if current:
        groups.append(" ".join(current))
    return groups
