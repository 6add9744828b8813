"""Queries that select everything reachable from each root field, built by introspection.

The attacker does not read the code: it asks the server for its schema, then for every
root field, with every id it can think of in every ID argument (a hidden person's real
id, its anonymous id, the audit record's id, a deleted node's id ...) and a redacted name
in every required text argument, selects every scalar reachable within a few levels.
Queries are split so that each stays under the server's token and alias limits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

TYPE_REF = "kind name ofType { kind name ofType { kind name ofType { kind name } } }"
INTROSPECTION = f"""{{ __schema {{ queryType {{ name }} types {{
  kind name possibleTypes {{ name }}
  fields {{ name type {{ {TYPE_REF} }} args {{ name defaultValue type {{ {TYPE_REF} }} }} }}
  inputFields {{ name defaultValue type {{ {TYPE_REF} }} }}
  enumValues {{ name }} }} }} }}"""
TOKEN_BUDGET = 2500
ALIAS_BUDGET = 25
ALIAS = re.compile(r"\b[A-Z]\w*_\w+: ")


def named(t: Mapping[str, Any]) -> Mapping[str, Any]:
    while t.get("ofType"):
        t = t["ofType"]
    return t


def required(arg: Mapping[str, Any]) -> bool:
    return bool(arg["type"]["kind"] == "NON_NULL" and arg["defaultValue"] is None)


def tokens(text: str) -> int:
    return len(re.findall(r"\w+|[^\s\w]", text))


@dataclass
class Walker:
    schema: Mapping[str, Any]
    #: ids to put in ID arguments, per returned node type ("*" = any field)
    ids: Mapping[str, Sequence[str]]
    #: texts to put in required String arguments
    texts: Sequence[str]
    max_level: int = 4
    types: dict[str, Any] = field(init=False)
    node_types: set[str] = field(init=False)

    def __post_init__(self) -> None:
        self.types = {t["name"]: t for t in self.schema["types"]}
        node = self.types.get("Node") or {}
        self.node_types = {t["name"] for t in node.get("possibleTypes") or []}

    def literal(self, t: Mapping[str, Any], arg: str, value: str | None) -> str | None:
        inner = t["ofType"] if t["kind"] == "NON_NULL" else t
        if inner["kind"] == "LIST":
            item = self.literal(inner["ofType"], arg, value)
            return f"[{item}]" if item is not None else "[]"
        n = named(inner)
        name, kind = n["name"], n["kind"]
        if name in ("ID", "String") and value is not None:
            return json.dumps(value, ensure_ascii=False)
        if name == "String":
            return json.dumps(self.texts[0], ensure_ascii=False)
        if name == "ID":
            return json.dumps(self.ids["*"][0])
        if name == "Int":
            return {
                "first": "5",
                "last": "5",
                "limit": "50",
                "depth": "2",
                "start": "2000",
                "end": "2030",
                "maxLength": "6",
            }.get(arg, "1")
        if name == "Float":
            return "1.0"
        if name == "Boolean":
            return "true"
        if kind == "ENUM":
            return str(self.types[name]["enumValues"][0]["name"])
        if kind == "INPUT_OBJECT":
            parts = [
                f"{f['name']}: {self.literal(f['type'], f['name'], None)}"
                for f in self.types[name]["inputFields"]
                if required(f)
            ]
            return "{" + ", ".join(parts) + "}"
        return None

    def args(self, f: Mapping[str, Any], value: str | None = None) -> str:
        out = []
        for a in f["args"]:
            if required(a) or a["name"] in ("first", "depth"):
                v = self.literal(a["type"], a["name"], value)
                if v is not None:
                    out.append(f"{a['name']}: {v}")
        return f"({', '.join(out)})" if out else ""

    def selections(
        self,
        type_name: str,
        level: int,
        explored: set[tuple[str, str]],
        clash: frozenset[str] = frozenset(),
    ) -> list[str]:
        """Parts of a selection set of `type_name` (each part fits the budget)."""
        t = self.types[type_name]
        if t["kind"] in ("INTERFACE", "UNION"):
            shapes: dict[str, set[str]] = {}
            for pt in t["possibleTypes"]:
                for f in self.types[pt["name"]]["fields"] or []:
                    shapes.setdefault(f["name"], set()).add(json.dumps(f["type"]))
            clashing = frozenset(n for n, v in shapes.items() if len(v) > 1)
            parts = ["__typename"]
            for pt in t["possibleTypes"]:
                parts += [
                    f"... on {pt['name']} {{ {s} }}"
                    for s in self.selections(pt["name"], level, explored, clashing)
                ]
            return pack(parts)
        scalars = ["__typename"]
        branches: list[str] = []
        for f in t["fields"] or []:
            n = named(f["type"])
            alias = f"{type_name}_{f['name']}: " if f["name"] in clash else ""
            needs = any(required(a) for a in f["args"])
            if n["kind"] in ("SCALAR", "ENUM"):
                scalars.append(alias + f["name"] + (self.args(f) if needs else ""))
                continue
            edge = (type_name, f["name"])
            if level >= self.max_level or edge in explored:
                continue
            explored.add(edge)
            for s in self.selections(n["name"], level + 1, explored):
                branches.append(f"{alias}{f['name']}{self.args(f)} {{ {s} }}")
        head = " ".join(scalars)
        return [head + " " + b for b in pack(branches)] or [head]

    def queries(self) -> Iterator[tuple[str, str]]:
        """(what, query) for every root field and every probe value of its arguments."""
        root = self.types[self.schema["queryType"]["name"]]
        for f in root["fields"]:
            n = named(f["type"])
            arg_types = {named(a["type"])["name"] for a in f["args"] if required(a)}
            if "ID" in arg_types:
                values: Sequence[str | None] = list(self.ids.get(n["name"], [])) + list(
                    self.ids["*"]
                )
                if n["name"] in self.node_types:  # person(id:): only ids of that type
                    prefixes = {n["name"].lower(), "anon" if n["name"] == "Person" else ""}
                    values = [v for v in values if v and v.split("_")[0] in prefixes]
                    values = values or list(self.ids["*"][:1])  # still walked, with some id
            elif "String" in arg_types:
                values = list(self.texts)
            else:
                values = [None]
            for value in dict.fromkeys(values):
                explored: set[tuple[str, str]] = set()
                args = self.args(f, value)
                if n["kind"] in ("SCALAR", "ENUM"):
                    yield f"{f['name']}({value})", f"{{ {f['name']}{args} }}"
                    continue
                for s in self.selections(n["name"], 1, explored):
                    yield f"{f['name']}({value})", f"{{ {f['name']}{args} {{ {s} }} }}"


def pack(parts: list[str]) -> list[str]:
    groups: list[str] = []
    current: list[str] = []
    size = aliases = 0
    for p in parts:
        t, a = tokens(p), len(ALIAS.findall(p))
        if current and (size + t > TOKEN_BUDGET or aliases + a > ALIAS_BUDGET):
            groups.append(" ".join(current))
            current, size, aliases = [], 0, 0
        current.append(p)
        size += t
        aliases += a
    if current:
        groups.append(" ".join(current))
    return groups
