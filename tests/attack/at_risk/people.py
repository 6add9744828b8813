"""The graph the attacker faces: people at risk, the incidents, sources and lists that name them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from graph.ids import make_id
from graph.records import Edge, Node, Provenance, source_node

ANALYST_KEY = "attack-analyst-key-0123456789"
EDITOR_KEY = "attack-editor-key-0123456789"
ADMIN_KEY = "attack-admin-key-0123456789"
KEYS = {"analyst": ANALYST_KEY, "editor": EDITOR_KEY, "admin": ADMIN_KEY}


@dataclasses.dataclass(frozen=True)
class Target:
    given: str
    surname: str
    cyrillic: str  # the alias in another script ("Given Surname" in Cyrillic)
    birth_date: str | None

    @property
    def name(self) -> str:
        return f"{self.given} {self.surname}"

    @property
    def id(self) -> str:
        return make_id("Person", self.name, self.birth_date)


LIDIA = Target("Lidia", "Varnavskaya", "Лидия Варнавская", "1979-03-14")
TOMASZ = Target("Tomasz", "Oleandrowicz", "Томаш Олеандрович", None)
OFFICIAL = Target("Magnus", "Hellqvist", "Магнус Хелльквист", "1968-11-02")
TARGETS = (LIDIA, TOMASZ, OFFICIAL)
#: Names nobody in the graph has, built like the real ones (for "absent" probes).
ABSENT = Target("Irina", "Zavadovskaya", "Ирина Завадовская", "1980-04-15")
POSITION = "Head of the Eastern Liaison Desk"
AFFILIATION = "Vilnius bureau of the Exile Wire"
LIDIA_DESCRIPTION = "Covers the Chechen diaspora from a rented flat near Uzupis."
EDITED_DESCRIPTION = "Moved twice after the break-ins reported in the Kestrel memo."
EDIT_REASON = "threat assessment Zephyrine-44 asks for it"
DELETE_REASON = "duplicate of a vendor entry, Marshwillow review"
SLUG_URL = (
    "https://news.example.org/2024/05/wave-of-attacks-on-journalists-lidia-varnavskaya-in-vilnius"
)
PASSAGE = "para 3: 'Varnavskaya told us she was followed to her door'"
VICTIM_LIST = "fixture-victims-by-line.csv"
ORG_NAME = "Baltic Exile Wire"
MEMBER_ROLE = "night-desk correspondent"
DELETED_VENDOR = "Quillwort Interception Systems"
DELETED_INCIDENT = "Quillwort intercepts of dissident calls in Dresden"
INCIDENT_REF = "fixture-2024-vilnius-surveillance"
INCIDENT2_REF = "fixture-2023-warsaw-phishing"
PUBLIC_INCIDENT = "ru-de-journalist-kidnap-plot"  # a curated incident, edited by the editor


def _curated_dir() -> Path:
    return Path(__file__).resolve().parents[3] / "data" / "curated"


def fixture_records() -> list[Node | Edge]:
    """The people at risk and everything around them, with provenance."""
    slug = source_node(
        SLUG_URL, "Wave of attacks on journalists in Vilnius", url=SLUG_URL, kind="web-page"
    )
    victims = source_node(
        f"dataset/{VICTIM_LIST}", "A list of victims, one a line", file=VICTIM_LIST, kind="dataset"
    )
    report = source_node(
        "https://ngo.example.org/2024/annual-report",
        "Annual report 2024",
        url="https://ngo.example.org/2024/annual-report",
    )
    rp = Provenance(report.id, "p. 4", 0.9)
    sp = Provenance(slug.id, PASSAGE, 1.0)
    vp = Provenance(victims.id, "line 69", 1.0)
    states = [
        Node("State", {"code": c, "name": n}, rp)
        for c, n in (
            ("RU", "Russia"),
            ("LT", "Lithuania"),
            ("PL", "Poland"),
            ("SE", "Sweden"),
            ("DE", "Germany"),
        )
    ]
    lidia = Node(
        "Person",
        {
            "name": LIDIA.name,
            "aliases": [LIDIA.cyrillic],
            "birth_date": LIDIA.birth_date,
            "roles": ["journalist"],
            "residence_country": "LT",
            "affiliation": AFFILIATION,
            "description": LIDIA_DESCRIPTION,
            "is_target": True,
        },
        sp,
    )
    tomasz = Node(
        "Person",
        {
            "name": TOMASZ.name,
            "aliases": [TOMASZ.cyrillic],
            "roles": ["activist"],
            "residence_country": "PL",
            "is_target": True,
        },
        vp,
    )
    official = Node(
        "Person",
        {
            "name": OFFICIAL.name,
            "aliases": [OFFICIAL.cyrillic],
            "birth_date": OFFICIAL.birth_date,
            "roles": ["official"],
            "residence_country": "SE",
            "position": POSITION,
            "protected": True,
        },
        rp,
    )
    assert (lidia.id, tomasz.id, official.id) == (LIDIA.id, TOMASZ.id, OFFICIAL.id)
    org = Node("Organization", {"name": ORG_NAME, "kind": "media", "country": "LT"}, rp)
    agency = Node(
        "Agency",
        {"name": "Swedish Migration Intelligence Unit", "state_code": "SE", "kind": "security"},
        rp,
    )
    incident = Node(
        "Incident",
        {
            "ref": INCIDENT_REF,
            "title": f"Surveillance of {LIDIA.name} in Vilnius",
            "description": (
                f"Agents followed {LIDIA.surname} for weeks. A leaked tasking list "
                f"named {LIDIA.surname.upper()} {LIDIA.given.upper()}. Posts in "
                f"Russian called her {LIDIA.cyrillic}."
            ),
            "date": "2024-05-02",
            "year": 2024,
            "outcome": "surveilled",
            "verification": "reported",
            "target_profiles": ["journalist"],
        },
        sp,
    )
    incident2 = Node(
        "Incident",
        {
            "ref": INCIDENT2_REF,
            "title": "Phishing of an activist in Warsaw",
            "description": (
                f"{TOMASZ.surname.upper()} {TOMASZ.given.upper()} received spyware "
                f"links; {TOMASZ.cyrillic} reported them."
            ),
            "date": "2023-09-10",
            "year": 2023,
            "outcome": "attempted",
            "verification": "reported",
            "target_profiles": ["activist"],
        },
        vp,
    )
    vendor = Node("Vendor", {"name": DELETED_VENDOR, "country": "DE"}, rp)
    deleted = Node(
        "Incident",
        {
            "ref": "fixture-2022-quillwort",
            "title": DELETED_INCIDENT,
            "year": 2022,
            "date": "2022-03-01",
        },
        rp,
    )
    pegasus_product = make_id("Product", "Pegasus", "NSO Group")
    surveillance = make_id("Tactic", "surveillance")
    spyware = make_id("Tactic", "spyware")
    ru, lt, pl, de = (make_id("State", c) for c in ("RU", "LT", "PL", "DE"))
    edges = [
        Edge("MEMBER_OF", lidia.id, org.id, rp, {"role": MEMBER_ROLE}),
        Edge("MEMBER_OF", official.id, agency.id, rp, {"role": POSITION}),
        Edge("RESIDES_IN", lidia.id, lt, rp),
        Edge("BASED_IN", org.id, lt, rp),
        Edge("PART_OF", agency.id, make_id("State", "SE"), rp),
        Edge("TARGETED", incident.id, lidia.id, sp),
        Edge("ORIGIN_STATE", incident.id, ru, sp),
        Edge("HOST_STATE", incident.id, lt, sp),
        Edge("USED_TACTIC", incident.id, surveillance, sp),
        Edge("USED_PRODUCT", incident.id, pegasus_product, sp),
        Edge("TARGETED", incident2.id, tomasz.id, vp),
        Edge("ORIGIN_STATE", incident2.id, ru, vp),
        Edge("HOST_STATE", incident2.id, pl, vp),
        Edge("USED_TACTIC", incident2.id, spyware, vp),
        Edge("USED_PRODUCT", incident2.id, pegasus_product, vp),
        Edge("LINKED_TO", vendor.id, ru, rp),
        Edge("BASED_IN", vendor.id, de, rp),
        Edge("ORIGIN_STATE", deleted.id, ru, rp),
        Edge("HOST_STATE", deleted.id, de, rp),
        Edge("USED_TACTIC", deleted.id, surveillance, rp),
    ]
    return [
        slug,
        victims,
        report,
        *states,
        lidia,
        tomasz,
        official,
        org,
        agency,
        incident,
        incident2,
        vendor,
        deleted,
        *edges,
    ]
