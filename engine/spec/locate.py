"""Finding the source position of an element from its path in the loaded data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .source import Position, SourceList, SourceMap

Path = Sequence[str | int]


class Locator:
    """Maps a path such as `("process", "transitions", 3, "to")` to where it is written.

    Path elements that are not in the data are skipped: pydantic adds the tag of a
    discriminated union to its error paths, and those are not keys of the YAML."""

    def __init__(self, root: Any, fallback: Position) -> None:
        self.root = root
        self.fallback = fallback

    def at(self, path: Path, *, key: bool = False) -> Position:
        """The position of the value at `path`; with `key=True`, of its key (for unknown keys)."""
        node = self.root
        position = getattr(node, "position", self.fallback)
        for element in path:
            if isinstance(node, SourceMap) and element in node:
                position = (node.key_positions if key else node.value_positions)[element]
                node = node[element]
            elif (
                isinstance(node, SourceList)
                and isinstance(element, int)
                and 0 <= element < len(node)
            ):
                position = node.item_positions[element]
                node = node[element]
        return position

    def node(self, path: Path) -> Any:
        """The raw value at `path`, skipping elements not in the data like `at` does."""
        node = self.root
        for element in path:
            if (isinstance(node, dict) and element in node) or (
                isinstance(node, list) and isinstance(element, int) and 0 <= element < len(node)
            ):
                node = node[element]
        return node

    def style(self, path: Path) -> str | None:
        """How the scalar at `path` is quoted in the YAML, when it is a mapping value."""
        if not path:
            return None
        parent = self.node(path[:-1])
        if isinstance(parent, SourceMap):
            return parent.value_styles.get(path[-1])
        return None
