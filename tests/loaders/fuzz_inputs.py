"""What each loader reads, and hypothesis strategies that write files in its format family."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml
from hypothesis import strategies as st

from graph.schema import load_schema

# -- what each loader reads ----------------------------------------------------------------------
PEGASUS = (
    "name,code_name,role,affiliation,occurred,disclosed,disclosed_by,forensics_by,"
    "pegasus_project,tech_notified,device_type,attack_result,lockdown_bypass,"
    "attack_vector,exploit_name,first_activity,last_activity,operator,sources"
).split(",")
FINFISHER = [
    "Username",
    "ID",
    "Country Attribution",
    "Number of Licenses",
    "Current Customer?",
    "Total Costs",
    'Total Costs (with "deleted" licenses)',
    "Software Purchased",
]
SPYFILES = [
    "Document Name",
    "Company",
    "Document Type",
    "Year",
    "Country Codes",
    "Tags",
    "Target System",
    "Product",
    "Document Page",
    "Download Link",
    "Spy FIles Release",
]
UK_EXPORT = ["licence_group", "date", "rating", "count", "value", "country", "refused"]
EU_MERGED = (
    "Entity_logical_id...2,Subject_type,Leba_numtitle,Leba_publication_date,Leba_url,"
    "Programme,Entity_remark,Naal_logical_id,Naal_wholename,Naal_function,Naal_programme,"
    "Birt_date,logicalId,remark,nameAlias,nameAlias.wholeName,"
    "subjectType.classificationCode,birthdate.year,nameAlias.function,"
    "citizenship.countryDescription,regulation.publicationUrl,regulation.numberTitle,"
    "type"
).split(",")
EU_FSF = (
    "Entity_LogicalId Entity_DesignationDate Entity_Remark Entity_SubjectType "
    "Entity_SubjectType_ClassificationCode Entity_Regulation_PublicationDate "
    "Entity_Regulation_NumberTitle Entity_Regulation_Programme "
    "Entity_Regulation_PublicationUrl NameAlias_WholeName NameAlias_Function "
    "NameAlias_LogicalId BirthDate_BirthDate BirthDate_Year Citizenship_CountryIso2Code "
    "Citizenship_CountryDescription"
).split()
INCIDENTS = [
    "date",
    "origin_state",
    "host_state",
    "tactics",
    "target_name",
    "target_profile",
    "perpetrator",
    "outcome",
    "source_url",
    "source_title",
    "verification",
    "description",
    "ref",
]


@dataclass(frozen=True)
class Format:
    families: tuple[str, ...]  # csv, json, jsonl, stix, ftm, yaml, bytes
    suffix: str = ".txt"
    headers: tuple[tuple[str, ...], ...] = ()
    delimiters: tuple[str, ...] = (",",)


FORMATS: dict[str, Format] = {
    "spyware-victims": Format(("csv", "bytes"), ".csv", (tuple(PEGASUS),)),
    "finfisher-customers": Format(("csv", "bytes"), ".csv", (tuple(FINFISHER),)),
    "spyfiles-documents": Format(("csv", "bytes"), ".csv", (tuple(SPYFILES),)),
    "uk-export-licences": Format(("csv", "bytes"), ".csv", (tuple(UK_EXPORT),)),
    "eu-sanctions": Format(("csv", "bytes"), ".csv", (tuple(EU_MERGED), tuple(EU_FSF)), (",", ";")),
    "incidents": Format(("csv", "json", "jsonl", "bytes"), ".json", (tuple(INCIDENTS),)),
    "ftm": Format(("ftm", "jsonl", "json", "bytes"), ".json"),
    "stix": Format(("stix", "json", "bytes"), ".stix2"),
    "curated": Format(("yaml", "bytes"), ".yaml"),
}
ANY_FORMAT = Format(("csv", "json", "jsonl", "stix", "ftm", "yaml", "bytes"))

#: Messages about a whole file, not a place in it: these may have an empty location.
WHOLE_FILE = (
    "cannot read the file",
    "not readable YAML",
    "expected a mapping of node types",
    "the CSV cannot be read past this point",
    "not a STIX bundle",
    "not an EU sanctions file",
    "record(s) skipped",
)

# -- strategies ----------------------------------------------------------------------------------
SCHEMA = load_schema()
#: Values that reach deeper code paths than random text: countries, dates, codes, URLs.
MEANINGFUL = [
    "Russia",
    "China",
    "UAE",
    "Mexico; El Salvador",
    "Qatar SSB",
    "Global",
    "GB",
    "ru",
    "zz",
    "2021-13-01",
    "2019-04-xx",
    "2016",
    "2021-02-30",
    "13/09/2022",
    "NA",
    "0",
    "1",
    "-1",
    "1e309",
    "nan",
    "€1,170,840",
    "$12.5",
    "EUR 3",
    "FinSpy, FinFisher",
    "Pegasus",
    "P",
    "E",
    "HR",
    "https://example.org/a b",
    "https://example.org/x",
    "www.example.org",
    "spyware",
    "detention",
    "verified",
    "[{'wholeName': 'X', 'logicalId': 7}]",
    "[[[[[",
    "{'a': 1}",
    "Dreamlab, Gamma, Inc.",
    "Misc",
    " ",
    "\x00",
    "\ufeff",
    "İ",
    "ß",
]
cell = st.one_of(st.sampled_from(MEANINGFUL), st.text(max_size=30))


def _csv_quote(value: str, delimiter: str) -> str:
    if any(c in value for c in (delimiter, '"', "\n", "\r")):
        return '"' + value.replace('"', '""') + '"'
    return value


@st.composite
def csv_bytes(draw: st.DrawFn, fmt: Format) -> bytes:
    headers = [list(h) for h in fmt.headers] or [[draw(st.text(min_size=1, max_size=10))]]
    header = list(draw(st.sampled_from(headers)))
    delimiter = draw(st.sampled_from(fmt.delimiters))
    if draw(st.booleans()):  # mangle the header: drop, duplicate or add columns
        header = draw(st.permutations(header))[: draw(st.integers(0, len(header) + 2))]
        header += draw(st.lists(st.sampled_from([*headers[0], "", "extra"]), max_size=3))
    lines = [delimiter.join(_csv_quote(h, delimiter) for h in header)]
    for _ in range(draw(st.integers(0, 6))):
        width = draw(st.sampled_from([len(header), len(header), 0, 1, len(header) + 3]))
        cells = draw(st.lists(cell, min_size=width, max_size=width))
        quoted = draw(st.booleans())
        row = delimiter.join(_csv_quote(c, delimiter) if quoted else c for c in cells)
        lines.append(row)
    text = draw(st.sampled_from(["\n", "\r\n"])).join(lines)
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]  # truncated, maybe mid-quote
    return _mangle(draw, text.encode("utf-8"))


def _mangle(draw: st.DrawFn, data: bytes) -> bytes:
    """Sometimes: invalid UTF-8, a NUL byte or a BOM spliced in."""
    if data and draw(st.integers(0, 4)) == 0:
        at = draw(st.integers(0, len(data)))
        junk = draw(st.sampled_from([b"\xff\xfe", b"\xc3", b"\x00", b"\xef\xbb\xbf", b"\x80\x80"]))
        data = data[:at] + junk + data[at:]
    return data


json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    cell,
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _mapping(keys: list[str], values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(
        st.one_of(st.sampled_from(keys), st.text(max_size=6)), values, max_size=8
    )


STIX_KEYS = [
    "type",
    "id",
    "name",
    "aliases",
    "pattern",
    "pattern_type",
    "valid_from",
    "relationship_type",
    "source_ref",
    "target_ref",
    "identity_class",
    "x_vendor",
    "description",
    "indicator_types",
    "objects",
]
STIX_VALUES = st.one_of(
    json_value,
    st.sampled_from(
        [
            "bundle",
            "malware",
            "tool",
            "identity",
            "indicator",
            "relationship",
            "indicates",
            "authored-by",
            "malware--1",
            "indicator--1",
            "identity--1",
            "[domain-name:value = 'x.me']",
            "[x:y = 'a'] AND [z:w LIKE 'b']",
            "stix",
            "2021-07-18T00:00:00Z",
            "2021-13-45",
            "organization",
            "Predator",
        ]
    ),
)
FTM_KEYS = ["id", "schema", "properties", "datasets"]
FTM_PROPS = [
    "name",
    "alias",
    "birthDate",
    "nationality",
    "citizenship",
    "country",
    "entity",
    "authority",
    "programId",
    "program",
    "listingDate",
    "authorityId",
    "sourceUrl",
    "provisions",
    "reason",
    "position",
    "gender",
    "website",
    "jurisdiction",
]
FTM_VALUES = st.one_of(
    json_value,
    st.sampled_from(
        [
            "Person",
            "Sanction",
            "Company",
            "PublicBody",
            "Address",
            "ru",
            "zz",
            "suhh",
            "e1",
            "e2",
            "EU-HR",
            "European Union",
            "2020",
            "20x0-01",
        ]
    ),
)


@st.composite
def stix_bytes(draw: st.DrawFn) -> bytes:
    obj = _mapping(STIX_KEYS, STIX_VALUES)
    objects = draw(st.lists(obj, max_size=8))
    shape = draw(st.sampled_from(["bundle", "list", "one"]))
    data: Any = (
        {"type": "bundle", "id": "bundle--1", "objects": objects}
        if shape == "bundle"
        else (objects if shape == "list" else (objects[0] if objects else {}))
    )
    return _mangle(draw, json.dumps(data).encode())


@st.composite
def ftm_bytes(draw: st.DrawFn) -> bytes:
    props = _mapping(FTM_PROPS, st.one_of(st.lists(FTM_VALUES, max_size=3), FTM_VALUES))
    entity = st.fixed_dictionaries(
        {},
        optional={
            "id": FTM_VALUES,
            "schema": FTM_VALUES,
            "properties": st.one_of(props, json_value),
        },
    )
    lines = [json.dumps(e) for e in draw(st.lists(st.one_of(entity, json_value), max_size=6))]
    if draw(st.booleans()):
        lines.append(draw(st.text(max_size=20)))  # a line that is not JSON
    return _mangle(draw, "\n".join(lines).encode())


@st.composite
def json_bytes(draw: st.DrawFn, keys: list[str], lines: bool) -> bytes:
    row = st.one_of(_mapping(keys, st.one_of(cell, json_value)), json_value)
    rows = draw(st.lists(row, max_size=6))
    text = "\n".join(json.dumps(r) for r in rows) if lines else json.dumps(rows)
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]
    return _mangle(draw, text.encode())


TYPE_NAMES = [*SCHEMA.nodes, "Nope"]
PROP_NAMES = sorted({p for nt in SCHEMA.nodes.values() for p in nt.properties})
REL_NAMES = [*SCHEMA.relations, "NOPE"]


@st.composite
def yaml_bytes(draw: st.DrawFn) -> bytes:
    cite = st.one_of(
        st.fixed_dictionaries(
            {"source": st.sampled_from(["s1", "s2", "x"])},
            optional={"passage": cell, "confidence": json_scalar},
        ),
        json_value,
    )
    target = st.one_of(
        cell,
        st.fixed_dictionaries(
            {"to": json_scalar},
            optional={
                "type": st.sampled_from(TYPE_NAMES),
                "cite": cite,
                "confidence": json_scalar,
                "role": cell,
            },
        ),
    )
    links = st.one_of(
        st.dictionaries(
            st.sampled_from(REL_NAMES), st.one_of(target, st.lists(target, max_size=3)), max_size=3
        ),
        json_value,
    )
    entry = st.one_of(
        st.fixed_dictionaries(
            {},
            optional={
                "cite": st.one_of(cite, st.lists(cite, max_size=2)),
                "links": links,
                "confidence": json_scalar,
                "ref": cell,
                "title": cell,
                "name": cell,
                "code": cell,
                "country": cell,
                "nationality": json_value,
            },
        ),
        _mapping(PROP_NAMES, json_value),
        json_value,
    )
    sources = st.lists(
        st.fixed_dictionaries({"ref": st.sampled_from(["s1", "s2"]), "title": cell}), max_size=2
    )
    doc: Any = {"Source": draw(sources)}
    doc.update(
        draw(st.dictionaries(st.sampled_from(TYPE_NAMES), st.lists(entry, max_size=3), max_size=4))
    )
    if draw(st.integers(0, 5)) == 0:
        doc = draw(json_value)
    text = yaml.safe_dump(doc, allow_unicode=True)
    if draw(st.integers(0, 4)) == 0:
        text = text[: draw(st.integers(0, len(text)))]
    return _mangle(draw, text.encode())


def contents(fmt: Format) -> st.SearchStrategy[bytes]:
    keys = [h for header in fmt.headers for h in header] or ["id"]
    families: dict[str, Callable[[], st.SearchStrategy[bytes]]] = {
        "csv": lambda: csv_bytes(fmt),
        "json": lambda: json_bytes(keys, lines=False),
        "jsonl": lambda: json_bytes(keys, lines=True),
        "stix": stix_bytes,
        "ftm": ftm_bytes,
        "yaml": yaml_bytes,
        "bytes": lambda: st.one_of(st.just(b""), st.binary(max_size=200)),
    }
    return st.one_of(*(families[f]() for f in fmt.families))
