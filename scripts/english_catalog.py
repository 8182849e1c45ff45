"""Gives every untranslated entry of the English catalog its message id: messages are written
in English in the code, so the English catalog starts from them (and may reword one later)."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def fill(path: Path) -> int:
    with path.open("rb") as source:
        catalog = read_po(source, locale="en")
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):  # plural forms: English has two, as its ids
            if all(message.string):
                continue
            message.string = message.id
        elif message.string:
            continue
        else:
            message.string = message.id
        filled += 1
    with path.open("wb") as target:
        write_po(target, catalog, omit_header=False, sort_output=True, width=100)
    return filled


if __name__ == "__main__":
    print(f"{fill(Path(sys.argv[1]))} English entries given their message id")
