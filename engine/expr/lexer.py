"""Turns the text of a condition into tokens.

The error type lives here because the lexer is the lowest layer that can fail; the parser and
the public package re-use it so that callers only ever have to catch one exception.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

KEYWORDS: frozenset[str] = frozenset({"and", "or", "not", "in", "true", "false", "null"})

# Python and spreadsheet habits that authors bring along; each maps to the word they meant.
_MISCASED_WORD_HINTS: dict[str, str] = {"none": "null"}

_STRING_ESCAPES: dict[str, str] = {"\\": "\\", "'": "'", '"': '"', "n": "\n"}

# Two-character operators must be tried before their one-character prefixes.
_TWO_CHARACTER_OPERATORS: frozenset[str] = frozenset({"==", "!=", "<=", ">="})
_ONE_CHARACTER_OPERATORS: frozenset[str] = frozenset({"<", ">", "(", ")", "[", "]", ",", "-"})

# Characters that are not part of the language but have an obvious intended meaning.
_FOREIGN_OPERATOR_HINTS: dict[str, str] = {
    "&&": "use 'and'",
    "||": "use 'or'",
    "&": "use 'and'",
    "|": "use 'or'",
    "!": "use 'not'",
    "=": "use '==' to compare",
    "+": "arithmetic is not supported",
    "*": "arithmetic is not supported",
    "/": "arithmetic is not supported",
    "%": "arithmetic is not supported",
}

_CURLY_QUOTES: frozenset[str] = frozenset("\u2018\u2019\u201c\u201d")


class ExpressionError(Exception):
    """A condition that cannot be parsed, described for the author of the YAML spec."""

    def __init__(self, message: str, column: int, source: str) -> None:
        # Passing every attribute to Exception keeps the error picklable (args are replayed).
        super().__init__(message, column, source)
        self.message = message
        self.column = column
        self.source = source

    def __str__(self) -> str:
        return f"{self.message} (at column {self.column})"


class TokenKind(enum.Enum):
    NUMBER = "number"
    STRING = "string"
    NAME = "name"
    KEYWORD = "keyword"
    OPERATOR = "operator"
    END = "end"


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    # The exact source text of the token, used in error messages.
    text: str
    column: int
    # Decoded value: int/float for numbers, str for strings, the dotted segments for names.
    value: Any = None

    def is_keyword(self, word: str) -> bool:
        return self.kind is TokenKind.KEYWORD and self.text == word

    def is_operator(self, symbol: str) -> bool:
        return self.kind is TokenKind.OPERATOR and self.text == symbol


def _is_identifier_start(character: str) -> bool:
    # ASCII only: str.isalpha() would accept letters the grammar does not allow.
    return character == "_" or ("a" <= character <= "z") or ("A" <= character <= "Z")


def _is_identifier_part(character: str) -> bool:
    return _is_identifier_start(character) or _is_digit(character)


def _is_digit(character: str) -> bool:
    # ASCII only: str.isdigit() accepts '²' and other characters int() would reject.
    return "0" <= character <= "9"


def quote_character(character: str) -> str:
    """Show a single character in a message, making invisible ones visible."""
    return f"'{character}'" if character.isprintable() else repr(character)


class _Lexer:
    def __init__(self, source: str) -> None:
        self.source = source
        self.position = 0
        self.tokens: list[Token] = []

    def error(self, message: str, column: int) -> ExpressionError:
        return ExpressionError(message, column, self.source)

    def run(self) -> tuple[Token, ...]:
        source = self.source
        while self.position < len(source):
            character = source[self.position]
            if character.isspace():
                self.position += 1
            elif _is_digit(character):
                self.read_number()
            elif character in ("'", '"'):
                self.read_string(character)
            elif _is_identifier_start(character):
                self.read_word()
            else:
                self.read_operator()
        self.tokens.append(Token(TokenKind.END, "", len(source)))
        return tuple(self.tokens)

    def read_number(self) -> None:
        source = self.source
        start = self.position
        end = start
        while end < len(source) and _is_digit(source[end]):
            end += 1
        is_decimal = end < len(source) and source[end] == "."
        if is_decimal:
            end += 1
            fraction_start = end
            while end < len(source) and _is_digit(source[end]):
                end += 1
            if end == fraction_start:
                raise self.error("expected digits after the decimal point", fraction_start)
        if end < len(source) and _is_identifier_part(source[end]):
            word_end = end
            while word_end < len(source) and _is_identifier_part(source[word_end]):
                word_end += 1
            raise self.error(
                f"invalid number '{source[start:word_end]}' (names cannot start with a digit)",
                start,
            )
        text = source[start:end]
        value: int | float = float(text) if is_decimal else int(text)
        self.tokens.append(Token(TokenKind.NUMBER, text, start, value))
        self.position = end

    def read_string(self, quote: str) -> None:
        source = self.source
        start = self.position
        index = start + 1
        decoded: list[str] = []
        while index < len(source):
            character = source[index]
            if character == quote:
                self.tokens.append(
                    Token(TokenKind.STRING, source[start : index + 1], start, "".join(decoded))
                )
                self.position = index + 1
                return
            if character == "\\":
                if index + 1 >= len(source):
                    break
                escaped = source[index + 1]
                if escaped not in _STRING_ESCAPES:
                    raise self.error(
                        f"unknown escape '\\{escaped}' in string"
                        " (use \\\\ for a backslash, \\' or \\\" for quotes, \\n for a new line)",
                        index,
                    )
                decoded.append(_STRING_ESCAPES[escaped])
                index += 2
                continue
            decoded.append(character)
            index += 1
        raise self.error("unterminated string", start)

    def read_word(self) -> None:
        """Read a keyword, or a dotted name such as `session.seats_left`, as a single token.

        Dotted names are lexed whole (no spaces around the dots) so that `.names` reports them
        exactly as written.
        """
        source = self.source
        start = self.position
        segment_end = self._identifier_end(start)
        first_segment = source[start:segment_end]
        if first_segment in KEYWORDS:
            self.tokens.append(Token(TokenKind.KEYWORD, first_segment, start))
            self.position = segment_end
            return
        segments = [first_segment]
        self._reject_miscased_keyword(first_segment, start)
        end = segment_end
        while end < len(source) and source[end] == ".":
            segment_start = end + 1
            if segment_start >= len(source) or not _is_identifier_start(source[segment_start]):
                raise self.error("expected a name after '.'", segment_start)
            end = self._identifier_end(segment_start)
            segment = source[segment_start:end]
            if segment in KEYWORDS:
                raise self.error(
                    f"'{segment}' is a reserved word and cannot be part of a name", segment_start
                )
            segments.append(segment)
        self.tokens.append(Token(TokenKind.NAME, source[start:end], start, tuple(segments)))
        self.position = end

    def _identifier_end(self, start: int) -> int:
        end = start
        while end < len(self.source) and _is_identifier_part(self.source[end]):
            end += 1
        return end

    def _reject_miscased_keyword(self, word: str, column: int) -> None:
        # `True`, `AND` or `None` would otherwise be read as field names that are always
        # missing, which silently turns the condition false.
        lowered = word.lower()
        if lowered in KEYWORDS:
            intended = lowered
        elif lowered in _MISCASED_WORD_HINTS and word != lowered:
            intended = _MISCASED_WORD_HINTS[lowered]
        else:
            return
        raise self.error(
            f"unknown word '{word}' (keywords are lowercase: use '{intended}')", column
        )

    def read_operator(self) -> None:
        source = self.source
        start = self.position
        pair = source[start : start + 2]
        if pair in _TWO_CHARACTER_OPERATORS:
            self.tokens.append(Token(TokenKind.OPERATOR, pair, start))
            self.position = start + 2
            return
        character = source[start]
        if character in _ONE_CHARACTER_OPERATORS:
            self.tokens.append(Token(TokenKind.OPERATOR, character, start))
            self.position = start + 1
            return
        for foreign in (pair, character):
            if foreign in _FOREIGN_OPERATOR_HINTS:
                raise self.error(
                    f"unexpected '{foreign}' ({_FOREIGN_OPERATOR_HINTS[foreign]})", start
                )
        if character in _CURLY_QUOTES:
            raise self.error(
                f"unexpected character {quote_character(character)}"
                " (use straight quotes ' or \" around text)",
                start,
            )
        raise self.error(f"unexpected character {quote_character(character)}", start)


def tokenize(source: str) -> tuple[Token, ...]:
    """Split `source` into tokens, always ending with a single END token."""
    return _Lexer(source).run()
