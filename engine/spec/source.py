"""Safe YAML loading that remembers where every element came from.

Diagnostics must point at a file, line and column, so the loader builds the Python values itself
from PyYAML's node graph and keeps each node's position beside the value. Mappings and sequences
come back as `SourceMap` and `SourceList` (plain `dict` and `list` subclasses, so pydantic and the
rest of the code treat them as ordinary containers) carrying the positions of their children.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml


class Position(NamedTuple):
    """A place in a source file; line and column are 1-based, as editors show them. A named
    tuple rather than a dataclass: a workflow's files hold some ten thousand of them, made
    for every node when a file is parsed, and a tuple is made several times faster."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class SourceMap(dict[Any, Any]):
    """A YAML mapping: `key_positions` and `value_positions` are keyed like the dict itself."""

    position: Position
    key_positions: dict[Any, Position]
    value_positions: dict[Any, Position]
    value_styles: dict[Any, str | None]  # '"', "'", '|', '>' or None (plain), for scalars


class SourceList(list[Any]):
    """A YAML sequence: `item_positions[i]` is where item i starts."""

    position: Position
    item_positions: list[Position]


@dataclass(frozen=True, slots=True)
class YamlProblem:
    """Something wrong with a file before any meaning is given to it (syntax, duplicates)."""

    kind: str  # "syntax", "duplicate_key", "empty", "unreadable"
    message: str
    position: Position
    hint: str | None = None


@dataclass(slots=True)
class LoadedYaml:
    value: Any
    problems: list[YamlProblem] = field(default_factory=list)


# libyaml's parser when PyYAML was built with it: same nodes and marks, several times faster.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictBoolLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """SafeLoader resolving only true/false as booleans (YAML 1.2), not yes/no/on/off.

    YAML 1.1 turns a choice id such as `no` or `on` into a boolean, a classic trap for authors
    writing French and English choice lists."""


_StrictBoolLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictBoolLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


_STR = "tag:yaml.org,2002:str"


def _position(file: str, node: yaml.Node) -> Position:
    mark = node.start_mark
    return Position(file, mark.line + 1, mark.column + 1)


class _Builder:
    """Turns a composed node graph into SourceMap / SourceList / scalars."""

    def __init__(self, file: str, loader: _StrictBoolLoader) -> None:
        self.file = file
        self.loader = loader
        self.problems: list[YamlProblem] = []
        # Aliases share one node; building it once keeps anchors cheap and cycles finite.
        self.built: dict[int, Any] = {}

    def build(self, node: yaml.Node) -> Any:
        if node.tag == _STR and isinstance(node, yaml.ScalarNode):  # most scalars: their text
            return node.value
        known = self.built.get(id(node))
        if known is not None:
            return known
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node)
        if isinstance(node, yaml.SequenceNode):
            return self._sequence(node)
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode) -> SourceMap:
        result = SourceMap()
        result.position = _position(self.file, node)
        result.key_positions = {}
        result.value_positions = {}
        result.value_styles = {}
        self.built[id(node)] = result
        own_pairs = sum(1 for key, _ in node.value if key.tag != "tag:yaml.org,2002:merge")
        self.loader.flatten_mapping(node)  # applies `<<: *anchor` merge keys
        merged_pairs = len(node.value) - own_pairs
        merged_keys: set[Any] = set()
        for index, (key_node, value_node) in enumerate(node.value):
            key = self.build(key_node)
            if isinstance(key, list | dict):
                self.problems.append(
                    YamlProblem(
                        "syntax",
                        "a mapping key must be a plain value",
                        _position(self.file, key_node),
                    )
                )
                continue
            # A key given explicitly may override a merged one; only repeats of own keys are errors.
            if key in result and index >= merged_pairs and key not in merged_keys:
                first = result.key_positions[key]
                self.problems.append(
                    YamlProblem(
                        "duplicate_key",
                        f"duplicate key '{key}' (first given at line {first.line})",
                        _position(self.file, key_node),
                        "YAML keeps only the last value: remove or rename one of them",
                    )
                )
            if index < merged_pairs:
                merged_keys.add(key)
            else:
                merged_keys.discard(key)
            result.key_positions[key] = _position(self.file, key_node)
            result.value_positions[key] = _position(self.file, value_node)
            result.value_styles[key] = getattr(value_node, "style", None)
            result[key] = self.build(value_node)
        return result

    def _sequence(self, node: yaml.SequenceNode) -> SourceList:
        result = SourceList()
        result.position = _position(self.file, node)
        result.item_positions = []
        self.built[id(node)] = result
        for item in node.value:
            result.item_positions.append(_position(self.file, item))
            result.append(self.build(item))
        return result


def _syntax_problem(file: str, error: yaml.YAMLError) -> YamlProblem:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = getattr(error, "problem", None) or str(error)
    context = getattr(error, "context", None)
    message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    hint = None
    if "\\t" in problem or "tab" in problem.lower():
        hint = "YAML does not allow tabs for indentation: indent with spaces"
    return YamlProblem("syntax", message, Position(file, line, column), hint)


def parse_yaml(text: str, file: str) -> LoadedYaml:
    """Parse one YAML document, never raising: problems come back as data."""
    loader = _StrictBoolLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return LoadedYaml(
                None, [YamlProblem("empty", "the file is empty", Position(file, 1, 1))]
            )
        builder = _Builder(file, loader)
        value = builder.build(node)
        return LoadedYaml(value, builder.problems)
    except yaml.YAMLError as error:
        return LoadedYaml(None, [_syntax_problem(file, error)])
    except RecursionError:
        return LoadedYaml(
            None, [YamlProblem("syntax", "the document is nested too deeply", Position(file, 1, 1))]
        )
    finally:
        loader.dispose()


def read_yaml(path: Path, display_name: str) -> LoadedYaml:
    """Read and parse a file; unreadable or non-UTF-8 files are problems, not exceptions."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return LoadedYaml(
            None, [YamlProblem("unreadable", "file not found", Position(display_name, 1, 1))]
        )
    except (OSError, UnicodeDecodeError) as error:
        return LoadedYaml(
            None,
            [
                YamlProblem(
                    "unreadable", f"cannot read the file: {error}", Position(display_name, 1, 1)
                )
            ],
        )
    return parse_yaml(text, display_name)
