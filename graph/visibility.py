"""Who sees what: the one rule, below every reader (GraphQL, search, networks, exports,
briefings, /health).

A reader asks the store for `view(store, role)` and passes every stored row through it:
`View.node`, `View.relation`, `View.real_id`, and, for Cypher it builds, the conditions and
expressions `View.filter_guard` / `View.order_key` / `View.visible_labels`.

What the public role never sees (the inputs are `graph/schema.yaml`'s `visibility` blocks):
- **Redacted nodes**: a node whose `redact_when` property is true (a Person who is a target
  or protected). It keeps only its type's `public` allow-list, a generated label
  ("target: journalist, in Poland"), an anonymous id (`anon_<hmac>`), no sources and no
  citations; its identifying relations (MEMBER_OF) are not shown from either end.
- **Tied nodes**: a node linked to a redacted one by a `tied_by` relation (an incident that
  targeted them). Same treatment, with a label generated from public facts only
  ("Digital Surveillance against a target (journalist) in Mexico, 2019").
- **Withheld sources**: every Source cited by a redacted or tied node, or by a relation
  touching one, or whose title, reference, URL or file names a redacted person (folded,
  transliterated, by whole name or by identifying token: "...-jane-doe-..." counts), unless
  an editor marked it `public_safe` (which never overrides a name in its texts). They are
  shown as "withheld source" with an anonymous id and no locator.
- **Mentions**: any other text naming a redacted person is scrubbed (second line); a node
  that has such a text is left out of every public filter on a text field and sorts as if
  the text were absent, so no filter or ordering can test for a name.
- Admin-only and internal types (the audit log, merge decisions, deleted nodes) are not
  reachable through anything but their admin fields; a hidden node's real id is answered
  exactly like an id that does not exist.
Analysts and above see stored values, except admin-only and internal types.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, TypeVar

from graph.anonymity import anon_id
from graph.hidden import IDENTIFYING_RELATIONS, NOTHING_HIDDEN, Hidden, hidden_cache
from graph.names import WITHHELD, WITHHELD_SOURCE, anonymous_label
from graph.schema import NodeType, Schema, load_schema

T = TypeVar("T")


class Role(IntEnum):
    PUBLIC = 0
    ANALYST = 1
    EDITOR = 2
    ADMIN = 3

    @classmethod
    def parse(cls, text: str) -> Role:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(r.name.lower() for r in cls)
            raise ValueError(f"unknown role {text!r}; roles are {names}") from None


def view(store: Any, role: Role, schema: Schema | None = None) -> View:
    """What `role` sees of the graph in `store` (the public's hidden set read, or cached)."""
    schema = schema or getattr(store, "schema", None) or load_schema()
    if role >= Role.ANALYST or store is None:
        return View(role, NOTHING_HIDDEN, schema)
    return View(role, hidden_cache(store).get(store), schema)


# -- the view ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class View:
    """What one role sees of the graph: every stored row goes through it on its way out."""

    role: Role = Role.PUBLIC
    hidden: Hidden = NOTHING_HIDDEN
    schema: Schema = field(default_factory=load_schema)

    @property
    def public(self) -> bool:
        return self.role < Role.ANALYST

    # which types and ids a role may reach
    def may_see_type(self, type_name: str) -> bool:
        """Admin-only and internal types: admin only, and only through their own fields."""
        try:
            nt = self.schema.node(type_name)
        except KeyError:
            return False
        return not (nt.admin_only or nt.internal) or self.role >= Role.ADMIN

    def visible_labels(self) -> list[str]:
        """The node types every general reader (search, networks, exports) may return."""
        return [n.name for n in self.schema.nodes.values() if not (n.admin_only or n.internal)]

    def real_id(self, given: str) -> str | None:
        """The stored id behind an id a client gives; None when the role may not name it.

        An anonymous id maps back to its node; the real id of a hidden node, and the id of a
        type the role may not read, are refused exactly like an id that does not exist.
        """
        given = str(given)
        if given.startswith("anon_"):
            return self.hidden.anon.get(given)
        try:
            type_name = self.schema.type_of_id(given)
        except KeyError:
            return None
        nt = self.schema.node(type_name)
        if nt.admin_only or nt.internal:
            return None  # never through a general field (their own fields check the role)
        if self.public and given in self.hidden.ids:
            return None
        return given

    def shown_id(self, real: str) -> str:
        return anon_id(real) if self.public and real in self.hidden.ids else real

    def label_of(self, node_id: str, label: str) -> str:
        """The label this role sees for a node whose stored label is `label`."""
        if not self.public:
            return label
        return self.hidden.labels.get(str(node_id)) or self.text(label)

    def is_hidden(self, node_id: str) -> bool:
        return self.public and str(node_id) in self.hidden.ids

    # rows
    def node(self, type_name: str, props: Mapping[str, Any]) -> dict[str, Any]:
        """The properties this role sees, with `id` the id it sees and `label` its label."""
        nt = self.schema.node(type_name)
        real = str(props.get("id") or "")
        if not self.public:
            value = props.get(nt.label_property)
            return {**props, "label": str(value) if value is not None else type_name}
        h = self.hidden
        if real in h.redacted:
            out = {k: props[k] for k in nt.public if k in props}
            label = anonymous_label(props)
        elif real in h.tied:
            out = {k: props[k] for k in nt.public if k in props}
            label = h.tied[real]
            if nt.label_property in nt.properties:
                out[nt.label_property] = label
        elif real in h.sources:
            out = {"kind": props.get("kind")}
            label = WITHHELD_SOURCE
            out["title"] = out["ref"] = WITHHELD_SOURCE
        else:
            out = self._visible(nt, props)
            value = out.get(nt.label_property)
            label = str(value) if value is not None else type_name
            return {**out, "label": label}
        if nt.label_property in nt.properties and nt.properties[nt.label_property].required:
            out.setdefault(nt.label_property, label)
        for key in nt.keys:
            if nt.properties[key].required and key not in out:
                out[key] = WITHHELD
        return {**out, "id": anon_id(real), "label": label, "source_ids": [], "citations": []}

    def _visible(self, nt: NodeType, props: Mapping[str, Any]) -> dict[str, Any]:
        scrub = nt.mentions_people and bool(self.hidden.names.identifying)
        out = {k: self._text(v) if scrub and k != "id" else v for k, v in props.items()}
        out["source_ids"] = self.sources_of(props.get("source_ids"))
        out["citations"] = self.citations_of(props.get("citations"))
        if "sightings" in props:
            out["sightings"] = self.sightings_of(props.get("sightings"))
        return out

    def _text(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.hidden.names.scrub(value)
        if isinstance(value, list):
            return [self._text(v) for v in value]
        return value

    def text(self, value: str) -> str:
        """Any other text for this role: for public, a hidden node's stored label becomes
        the label shown, and the names of redacted persons are scrubbed."""
        if not self.public:
            return value
        return self.hidden.names.scrub(self.hidden.relabel(value))

    def source_ref(self, ref: Any) -> Any:
        """A citation (a `SourceRef`-like dataclass) as this role may see it."""
        if not (self.public and str(ref.id) in self.hidden.sources):
            return ref
        return type(ref)(id=anon_id(str(ref.id)), title=WITHHELD_SOURCE)

    def _is_id(self, value: str) -> bool:
        if "_" not in value or " " in value:
            return False
        try:
            self.schema.type_of_id(value)
        except KeyError:
            return False
        return True

    def apply(self, obj: T) -> T:
        """Any result (dataclasses, lists, tuples, dicts, strings) as this role sees it: node
        ids of hidden nodes anonymous, a hidden node's `label`/`title`/`name` its label shown,
        every other text through `text`. Analysts get `obj` back unchanged."""
        if not self.public:
            return obj
        shown: T = self._apply(obj)
        return shown

    def _apply(self, obj: Any) -> Any:
        if isinstance(obj, str):
            return self.shown_id(obj) if self._is_id(obj) else self.text(obj)
        if isinstance(obj, tuple):
            return tuple(self._apply(x) for x in obj)
        if isinstance(obj, list):
            return [self._apply(x) for x in obj]
        if isinstance(obj, dict):
            return {k: self._apply(v) for k, v in obj.items()}
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            changes: dict[str, Any] = {}
            own = getattr(obj, "id", None) or getattr(obj, "key", None)
            hidden = isinstance(own, str) and self.is_hidden(own)
            for f in dataclasses.fields(obj):
                value = getattr(obj, f.name)
                if hidden and f.name in ("label", "title", "name") and isinstance(value, str):
                    new: Any = self.hidden.labels.get(str(own)) or self.text(value)
                else:
                    new = self._apply(value)
                if new is not value and new != value:
                    changes[f.name] = new
            return dataclasses.replace(obj, **changes) if changes else obj
        return obj

    def sources_of(self, source_ids: Any) -> list[str]:
        ids = [str(s) for s in source_ids or []]
        return [s for s in ids if s not in self.hidden.sources] if self.public else ids

    def sightings_of(self, sightings: Any) -> list[str]:
        """Record-time sightings ("source|dataset|first|last|lost"): none by a withheld
        source; dataset names through `text`."""
        if not self.public:
            return [str(s) for s in sightings or []]
        out = []
        for s in sightings or []:
            source, _, rest = str(s).partition("|")
            if source in self.hidden.sources:
                continue
            dataset, _, times = rest.partition("|")  # only the dataset is text: scrub it once
            out.append(f"{source}|{self.hidden.dataset(dataset)}|{times}")
        return out

    def citations_of(self, citations: Any) -> list[str]:
        """Public citations: none of a withheld source; no editor's name or edit time."""
        out = []
        for c in citations or []:
            c = str(c)
            if not self.public:
                out.append(c)
                continue
            sid, _, locator = c.partition("|")
            if sid in self.hidden.sources:
                continue
            if locator.startswith("edit by "):
                out.append(f"{sid}|edit")
                continue
            out.append(self.text(c))
        return out

    def relation(
        self, rel_type: str, props: Mapping[str, Any], ends: Iterable[str]
    ) -> dict[str, Any] | None:
        """A relation's properties for this role; None when it must not be shown at all."""
        if not self.public:
            return dict(props)
        ends = [str(e) for e in ends]
        h = self.hidden
        if rel_type in IDENTIFYING_RELATIONS and any(e in h.redacted for e in ends):
            return None
        if any(e in h.ids for e in ends):
            rt = self.schema.relations.get(rel_type)
            keep = {k: v for k, v in props.items() if rt is None or k in rt.properties}
            keep = {k: self._text(v) for k, v in keep.items()}
            return {
                **keep,
                "id": anon_id(str(props.get("id") or "")),
                "source_ids": [],
                "citations": [],
            }
        out = {k: self._text(v) for k, v in props.items() if k not in ("source_ids", "citations")}
        out["source_ids"] = self.sources_of(props.get("source_ids"))
        out["citations"] = self.citations_of(props.get("citations"))
        if "sightings" in props:
            out["sightings"] = self.sightings_of(props.get("sightings"))
        return out

    @property
    def avoid(self) -> tuple[frozenset[str], frozenset[str]]:
        """(relation types, node ids) a network walk must not follow for this role."""
        if not self.public:
            return frozenset(), frozenset()
        return IDENTIFYING_RELATIONS, self.hidden.redacted

    def shows_relation(self, rel_type: str, owner: str) -> bool:
        return not (
            self.public and rel_type in IDENTIFYING_RELATIONS and str(owner) in self.hidden.redacted
        )

    # Cypher the readers build (names from the schema only; values are parameters)
    def masked_ids(self, nt: NodeType) -> list[str]:
        """Ids of `nt` nodes whose non-public fields the public may not test or sort by."""
        if not self.public:
            return []
        h = self.hidden
        ids = set(h.mentioning) if nt.mentions_people else set()
        if nt.can_hide:
            ids |= h.ids
        prefix = nt.id_prefix + "_"
        return sorted(i for i in ids if i.startswith(prefix))

    def anonymous_ids(self, nt: NodeType) -> list[str]:
        """Ids of `nt` nodes this role sees only under an anonymous id."""
        if not self.public or not nt.can_hide:
            return []
        prefix = nt.id_prefix + "_"
        return sorted(i for i in self.hidden.ids if i.startswith(prefix))

    def field_is_public(self, nt: NodeType, prop: str) -> bool:
        """True if the public sees this property of every node of the type as stored."""
        if not self.public or prop == "id":
            return True
        p = nt.properties.get(prop)
        if p is not None and p.type not in ("string", "text", "url", "list[string]"):
            return not nt.can_hide or prop in nt.public
        return not nt.mentions_people and not nt.can_hide
