"""Deterministic ids: the same natural keys always give the same id."""

from __future__ import annotations

import hashlib
import unicodedata

from graph.schema import load_schema


def normalize_key(value: object) -> str:
    """Case-, accent- and whitespace-insensitive form of one natural-key value."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).casefold()
    return " ".join(text.split())


def make_id(node_type: str, *keys: object) -> str:
    """The id of a node of `node_type` with these natural keys, e.g. ``state_3b1c...``.

    The id is a hash, so it reveals nothing of the keys (a person's name stays
    out of ids), and loading the same fact twice gives the same id.
    """
    nt = load_schema().node(node_type)
    if len(keys) != len(nt.keys):
        raise ValueError(f"{node_type} has natural keys {nt.keys}, got {len(keys)} values")
    if not normalize_key(keys[0]):
        raise ValueError(f"{node_type}: the first natural key ({nt.keys[0]}) is empty")
    material = "\x1f".join([node_type, *(normalize_key(k) for k in keys)])
    digest = hashlib.blake2b(material.encode("utf-8"), digest_size=10).hexdigest()
    return f"{nt.id_prefix}_{digest}"
