"""Every loader of `loaders.registry()` survives arbitrary and mangled input.

For each loader (found in the registry, so a new loader is covered without
editing this file) hypothesis writes files in the loader's format family
(tests/loaders/fuzz_inputs.py): its real header with random cells, truncated lines
and wrong column counts, random bytes and invalid UTF-8, empty files; random JSON /
JSON lines / STIX-shaped structures; random YAML for `curated`. `list(parse(path))`
must not raise, and every `Rejected` it yields names the file and says what is wrong
(and where, unless the fault concerns the whole file).

A loader not in FORMATS (fuzz_inputs.py) gets every family with no known header.
The default suite runs a few examples per loader; `-m slow` runs many more."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from graph.records import Edge, Node, Rejected
from loaders import LoaderSpec, registry
from tests.loaders.fuzz_inputs import ANY_FORMAT, FORMATS, WHOLE_FILE, Format, contents


@dataclass(frozen=True)
class Case:
    spec: LoaderSpec
    fmt: Format


def cases() -> list[Any]:
    return [
        pytest.param(Case(spec, FORMATS.get(name, ANY_FORMAT)), id=name)
        for name, spec in registry().items()
    ]


def check_parse(case: Case, data: bytes) -> None:
    with tempfile.TemporaryDirectory(prefix="tnr-fuzz-") as tmp:
        path = Path(tmp) / f"fuzz{case.fmt.suffix}"
        path.write_bytes(data)
        records = list(case.spec.parse(path))
    for r in records:
        assert isinstance(r, Node | Edge | Rejected), r
        if isinstance(r, Rejected):
            assert r.file and r.message, r
            whole_file = any(m in r.message for m in WHOLE_FILE)
            # curated names a bad YAML section by its key, which may itself be empty
            empty_key = r.message.startswith("'' ")
            assert r.location or whole_file or empty_key, (
                f"{case.spec.name}: a Rejected without a place: {r!r}"
            )


FAST = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LONG = settings(
    max_examples=1500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("case", cases())
def test_loader_never_raises_on_mangled_input(case: Case) -> None:
    @FAST
    @given(data=contents(case.fmt))
    def run(data: bytes) -> None:
        check_parse(case, data)

    run()


@pytest.mark.slow
@pytest.mark.parametrize("case", cases())
def test_loader_never_raises_on_mangled_input_long(case: Case) -> None:
    @LONG
    @given(data=contents(case.fmt))
    def run(data: bytes) -> None:
        check_parse(case, data)

    run()


def test_every_loader_is_fuzzed_in_its_format() -> None:
    """A new loader is fuzzed anyway (every family); naming its format here sharpens the inputs."""
    assert set(FORMATS) <= set(registry()), "FORMATS names a loader that no longer exists"
