"""The one visibility rule on a hand-made hidden set, and anonymous ids stable across processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from graph.anonymity import anon_id
from graph.hidden import Hidden
from graph.names import Names
from graph.visibility import Role, View


def test_the_one_rule_is_in_graph_visibility() -> None:
    everyone = ["Jane Roe", "J. Roe", "Джейн Роу", "Jane Smith", "Jane Black", "Jane Grey"]
    names = Names.build(["Jane Roe", "J. Roe", "Джейн Роу"], everyone)
    hidden = Hidden(
        redacted=frozenset({"person_1"}),
        sources=frozenset({"source_1"}),
        names=names,
        anon={anon_id("person_1"): "person_1"},
    )
    view = View(Role.PUBLIC, hidden)
    assert view.real_id("person_1") is None and view.real_id(anon_id("person_1")) == "person_1"
    shown = view.node(
        "Incident",
        {
            "id": "incident_1",
            "title": "Case",
            "source_ids": ["source_1", "source_2"],
            "description": "JANE  ROE was followed",
            "citations": [],
        },
    )
    assert shown["description"] == "[withheld]  [withheld] was followed"
    assert shown["source_ids"] == ["source_2"]
    # the surname alone, another order, another script and a URL slug all count
    for text in ("Roe spoke", "ROE JANE", "Джейн Роу", "https://x.org/attacks-on-jane-roe"):
        assert names.mentions(text), text
    assert not names.mentions("Jane Smith spoke")  # a given name shared by many does not
    assert View(Role.ANALYST, hidden).real_id("person_1") == "person_1"


_ANON_IN_A_PROCESS = """
import sys
from pathlib import Path
from graph.settings import Settings
from graph.anonymity import anon_id, install_redaction_key
install_redaction_key(Settings(data_dir=Path(sys.argv[1]), redaction_key=sys.argv[2]))
print(anon_id("person-x"))
"""


def test_anonymous_ids_are_the_same_in_every_process_given_the_same_settings(
    tmp_path: Path,
) -> None:
    """The key comes from the Settings installed at start: the configured key, else one key
    file in the data dir (mode 0600), so two processes on one data dir show the same ids."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TNR_")}

    def anon(key: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", _ANON_IN_A_PROCESS, str(tmp_path), key],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        return done.stdout.strip()

    from_file = anon("")
    assert from_file.startswith("anon_") and anon("") == from_file
    assert (tmp_path / "redaction.key").stat().st_mode & 0o777 == 0o600
    configured = anon("a-configured-redaction-key")
    assert configured == anon("a-configured-redaction-key") != from_file
