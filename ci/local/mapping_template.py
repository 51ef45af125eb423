"""The part of API Gateway's mapping template language (Velocity) that MOCK integrations use in practice.

CORS preflight on API Gateway is a MOCK integration; to allow a list of origins it echoes the request's
``Origin`` through ``$context.responseOverride.header...`` when the origin is allowed. Supported here:
``#set``, ``#if``/``#elseif``/``#else``/``#end``, string/number/boolean/list literals, ``== != && || !``
(and ``and or not``), references with properties and ``get``/``contains``/``size``/``isEmpty`` calls,
``$input.params()`` (``header``/``querystring``/``path``) and ``$context`` with ``responseOverride``.
Anything else raises ``TemplateError`` instead of silently answering something API Gateway would not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class TemplateError(ValueError):
    """The template uses a construct outside the supported subset, or is malformed."""


@dataclass
class RenderResult:
    body: str
    header_overrides: dict[str, str] = field(default_factory=dict)
    status_override: int | None = None


@dataclass(frozen=True)
class _Text:
    text: str


@dataclass(frozen=True)
class _Set:
    target: tuple[str, ...]
    expression: str


@dataclass(frozen=True)
class _If:
    branches: tuple[tuple[str | None, tuple[Any, ...]], ...]  # (condition or None for #else, body)


_DIRECTIVE = re.compile(r"#(set|if|elseif|else|end|foreach|macro|define|parse|include|evaluate|break|stop)\b")
_UNSUPPORTED = {"foreach", "macro", "define", "parse", "include", "evaluate", "break", "stop"}
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>==|!=|&&|\|\||!|\(|\)|\[|\]|,|\.)
      | (?P<ref>\$!?\{?[A-Za-z_][A-Za-z0-9_-]*\}?)
      | (?P<word>[A-Za-z_][A-Za-z0-9_-]*)
    )""",
    re.VERBOSE,
)


def _balanced(template: str, start: int) -> tuple[str, int]:
    """Text inside the parentheses opening at ``start`` and the index after the closing one."""
    depth, index, quote = 0, start, ""
    while index < len(template):
        char = template[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return template[start + 1 : index], index + 1
        index += 1
    raise TemplateError("unbalanced parentheses in mapping template")


def _parse(template: str) -> tuple[Any, ...]:
    return _parse_block(template, 0, top_level=True)[0]


def _parse_block(template: str, position: int, top_level: bool) -> tuple[tuple[Any, ...], int]:
    nodes: list[Any] = []
    while position < len(template):
        match = _DIRECTIVE.search(template, position)
        if match is None:
            nodes.append(_Text(template[position:]))
            return tuple(nodes), len(template)
        if match.start() > position:
            nodes.append(_Text(template[position : match.start()]))
        keyword = match.group(1)
        if keyword in _UNSUPPORTED:
            raise TemplateError(f"#{keyword} is not supported by the local data plane")
        if keyword in {"elseif", "else", "end"}:
            if top_level:
                raise TemplateError(f"#{keyword} without #if")
            return tuple(nodes), match.start()
        arguments, position = _balanced(template, match.end())
        if keyword == "set":
            target, separator, expression = arguments.partition("=")
            if not separator or not target.strip().startswith("$"):
                raise TemplateError(f"unsupported #set({arguments})")
            nodes.append(_Set(tuple(target.strip().lstrip("$").strip("{}").split(".")), expression.strip()))
            position = _skip_newline(template, position)
        else:
            node, position = _parse_if(template, arguments, position)
            nodes.append(node)
    return tuple(nodes), position


def _parse_if(template: str, condition: str, position: int) -> tuple[_If, int]:
    branches: list[tuple[str | None, tuple[Any, ...]]] = []
    current: str | None = condition
    while True:
        body, position = _parse_block(template, position, top_level=False)
        branches.append((current, body))
        match = _DIRECTIVE.match(template, position)
        if match is None:
            raise TemplateError("#if without #end")
        keyword = match.group(1)
        if keyword == "end":
            return _If(tuple(branches)), _skip_newline(template, match.end())
        if keyword == "elseif":
            current, position = _balanced(template, match.end())
        else:
            current, position = None, match.end()


def _skip_newline(template: str, position: int) -> int:
    # Velocity drops the line break after a directive that ends a line.
    return position + 1 if template.startswith("\n", position) else position


class _Expression:
    def __init__(self, text: str, variables: Mapping[str, Any]) -> None:
        self._tokens = self._tokenize(text)
        self._index = 0
        self._variables = variables

    @staticmethod
    def _tokenize(text: str) -> list[tuple[str, str]]:
        tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(text.rstrip()):
            match = _TOKEN.match(text, position)
            if match is None or match.end() == position:
                raise TemplateError(f"cannot read expression {text!r} at {text[position:]!r}")
            kind = match.lastgroup or ""
            tokens.append((kind, match.group(kind)))
            position = match.end()
        return tokens

    def evaluate(self) -> Any:
        value = self._or()
        if self._index != len(self._tokens):
            raise TemplateError(f"unexpected {self._tokens[self._index][1]!r} in expression")
        return value

    def _peek(self) -> str:
        return self._tokens[self._index][1] if self._index < len(self._tokens) else ""

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        if self._index >= len(self._tokens):
            raise TemplateError("expression ends too early")
        token = self._tokens[self._index]
        if expected is not None and token[1] != expected:
            raise TemplateError(f"expected {expected!r}, found {token[1]!r}")
        self._index += 1
        return token

    def _or(self) -> Any:
        value = self._and()
        while self._peek() in {"||", "or"}:
            self._take()
            right = self._and()
            value = bool(value) or bool(right)
        return value

    def _and(self) -> Any:
        value = self._comparison()
        while self._peek() in {"&&", "and"}:
            self._take()
            right = self._comparison()
            value = bool(value) and bool(right)
        return value

    def _comparison(self) -> Any:
        value = self._unary()
        while self._peek() in {"==", "!="}:
            operator = self._take()[1]
            right = self._unary()
            value = (value == right) if operator == "==" else (value != right)
        return value

    def _unary(self) -> Any:
        if self._peek() in {"!", "not"}:
            self._take()
            return not self._unary()
        return self._primary()

    def _primary(self) -> Any:
        kind, text = self._take()
        if kind == "string":
            return bytes(text[1:-1], "utf-8").decode("unicode_escape")
        if kind == "number":
            return float(text) if "." in text else int(text)
        if kind == "word" and text in {"true", "false", "null"}:
            return {"true": True, "false": False, "null": None}[text]
        if text == "(":
            value = self._or()
            self._take(")")
            return value
        if text == "[":
            items = []
            while self._peek() != "]":
                items.append(self._or())
                if self._peek() == ",":
                    self._take()
            self._take("]")
            return items
        if kind == "ref":
            return self._reference(text.lstrip("$!").strip("{}"))
        raise TemplateError(f"unsupported token {text!r}")

    def _reference(self, name: str) -> Any:
        value = self._variables.get(name)
        while self._peek() == ".":
            self._take()
            member = self._take()[1]
            if self._peek() == "(":
                self._take()
                arguments = []
                while self._peek() != ")":
                    arguments.append(self._or())
                    if self._peek() == ",":
                        self._take()
                self._take(")")
                value = _call(value, member, arguments)
            else:
                value = value.get(member) if isinstance(value, Mapping) else None
        return value


def _call(value: Any, method: str, arguments: list[Any]) -> Any:
    if method == "get" and isinstance(value, Mapping | list):
        key = arguments[0] if arguments else None
        if isinstance(value, list):
            return value[key] if isinstance(key, int) and 0 <= key < len(value) else None
        return value.get(key)
    if method == "contains" and isinstance(value, list | str | Mapping):
        return bool(arguments) and arguments[0] in value
    if method == "size" and isinstance(value, list | str | Mapping):
        return len(value)
    if method == "isEmpty" and isinstance(value, list | str | Mapping):
        return len(value) == 0
    if isinstance(value, Mapping) and callable(value.get(method)):
        return value[method](*arguments)
    raise TemplateError(f"unsupported method call .{method}() on {type(value).__name__}")


_TEXT_REFERENCE = re.compile(r"\$!?\{?([A-Za-z_][A-Za-z0-9_]*)\}?")


def render(
    template: str, request_parameters: Mapping[str, Mapping[str, str]], context: Mapping[str, Any]
) -> RenderResult:
    """Evaluate a MOCK integration's response template for one request."""
    override: dict[str, Any] = {"header": {}, "status": None}
    variables: dict[str, Any] = {
        "input": {"params": lambda: {k: dict(v) for k, v in request_parameters.items()}},
        "context": {**context, "responseOverride": override},
    }
    output: list[str] = []
    _run(_parse(template), variables, output)
    status = override.get("status")
    if status not in (None, "") and not str(status).isdigit():
        raise TemplateError(f"responseOverride.status {status!r} is not a status code")
    return RenderResult(
        body="".join(output),
        header_overrides={str(k): str(v) for k, v in override["header"].items() if v is not None},
        status_override=int(str(status)) if status not in (None, "") else None,
    )


def _run(nodes: tuple[Any, ...], variables: dict[str, Any], output: list[str]) -> None:
    for node in nodes:
        if isinstance(node, _Text):
            output.append(_TEXT_REFERENCE.sub(lambda m: _text_value(variables, m), node.text))
        elif isinstance(node, _Set):
            _assign(variables, node.target, _Expression(node.expression, variables).evaluate())
        else:
            for condition, body in node.branches:
                if condition is None or _Expression(condition, variables).evaluate():
                    _run(body, variables, output)
                    break


def _text_value(variables: Mapping[str, Any], match: re.Match[str]) -> str:
    value = variables.get(match.group(1))
    if value is None or isinstance(value, Mapping) or callable(value):
        return "" if match.group(0).startswith("$!") else match.group(0)
    return str(value).lower() if isinstance(value, bool) else str(value)


def _assign(variables: dict[str, Any], target: tuple[str, ...], value: Any) -> None:
    container: Any = variables
    for part in target[:-1]:
        if not isinstance(container, dict):
            raise TemplateError(f"cannot set {'.'.join(target)}")
        container = container.setdefault(part, {})
    if not isinstance(container, dict):
        raise TemplateError(f"cannot set {'.'.join(target)}")
    container[target[-1]] = value
