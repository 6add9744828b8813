"""A benchmark's section of BENCHMARKS.md (or any Markdown file), put in place of the old one."""

from __future__ import annotations

from pathlib import Path


def update(path: Path, section: str, heading: str) -> None:
    """Put `section` (which starts with `heading`) into the Markdown file at `path`, in
    place of the one it had (if any)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if heading in text:
        before, _, rest = text.partition(heading)
        after = rest[rest.find("\n## ") + 1 :] if "\n## " in rest else ""
        text = before + section + ("\n\n" + after if after else "\n")
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + section + "\n"
    path.write_text(text, encoding="utf-8")
