"""Reading a page's JavaScript without running it: values of variables, and the calls made.

A tree-sitter JavaScript grammar parses each script (a parse error is kept as an error
node and the rest still reads: real portals put template tags and half-statements in
their scripts). One pass in document order evaluates what can be known without running
the script: string, number and template literals, ``+`` concatenation, variables and
object properties (``var`` / ``let`` / ``const`` / assignments, one flat scope),
``JSON.stringify`` and ``encodeURIComponent``. A value that needs the script to run (a
function's parameter, a call's result) is a ``Hole`` named after the expression; inside a
string it is kept as a marked gap, so ``'/list?page=' + page`` reads as ``/list?page=`` +
gap ``page``. Calls are collected with their evaluated arguments; what they mean is
``crawler.scripts``' question.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import tree_sitter_javascript
from tree_sitter import Language, Node, Parser

MAX_SCRIPT_BYTES = 2_000_000  # a larger script is a bundle or an attack, not a list's configuration
_LANGUAGE = Language(tree_sitter_javascript.language())
GAP_OPEN, GAP_CLOSE = "\ue000", "\ue001"  # private-use marks around a gap's name inside a string
_GAP = re.compile(GAP_OPEN + "([^" + GAP_CLOSE + "]*)" + GAP_CLOSE)
_FUNCTIONS = {"function_declaration", "function_expression", "arrow_function", "method_definition"}
_STRING_BUILDERS = {"binary_expression", "template_string", "template_substitution"}
_PASS_THROUGH = {"encodeURIComponent", "encodeURI", "escape", "String", "decodeURIComponent", "$.trim", "trim"}


@dataclass(frozen=True, slots=True)
class Hole:
    """A value known only when the script runs: ``page``, ``item.id``, ``$('#kw').val()``."""

    name: str


@dataclass(frozen=True, slots=True)
class Json:
    """A value passed through ``JSON.stringify``: sent as a JSON text."""

    value: Any


@dataclass(frozen=True, slots=True)
class Call:
    callee: str  # the callee as written, without spaces: ``$.ajax``, ``axios.post``, ``$('.list').trsapi``
    arguments: tuple[Any, ...]


@dataclass(slots=True)
class Reading:
    """What a page's scripts say: the final value of each name, the calls, the concatenations."""

    names: dict[str, Any] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    strings: list[str] = field(default_factory=list)  # whole concatenations that kept a gap: detail URL shapes
    parameters: dict[str, tuple[str, int]] = field(default_factory=dict)  # a function's parameter: (function, index)

    def first_argument(self, parameter: str) -> Any:
        """The literal a call passes for a function's parameter: ``loadList(0)`` for ``pageIndex``."""
        function, index = self.parameters.get(parameter, ("", -1))
        for call in self.calls:
            if call.callee == function and len(call.arguments) > index and not isinstance(call.arguments[index], Hole):
                return call.arguments[index]
        return None

    errors: int = 0


def gaps(text: str) -> list[str]:
    """The names of the gaps in a string value."""
    return _GAP.findall(text)


def fill(text: str, values: dict[str, Any]) -> str:
    """A string with each gap replaced by its value (a gap without one stays)."""
    return _GAP.sub(lambda match: str(values.get(match[1], match[0])), text)


def gap(name: str) -> str:
    return f"{GAP_OPEN}{name}{GAP_CLOSE}"


def read_scripts(sources: list[str]) -> Reading:
    """Evaluate the scripts in order into one reading (a later script sees an earlier one's names)."""
    reading = Reading()
    parser = Parser(_LANGUAGE)
    for source in sources:
        data = source.encode("utf-8", "replace")
        if len(data) > MAX_SCRIPT_BYTES:
            reading.errors += 1
            continue
        root = parser.parse(data).root_node
        reading.errors += int(root.has_error)
        _Evaluator(reading).visit(root)
    return reading


class _Evaluator:
    def __init__(self, reading: Reading) -> None:
        self.reading = reading

    def visit(self, root: Node) -> None:
        stack = [(root, False)]
        while stack:  # document order without recursion: minified scripts nest deeply
            node, in_function = stack.pop()
            self._statement(node, in_function)
            inner = in_function or node.type in _FUNCTIONS
            stack.extend((child, inner) for child in reversed(node.named_children))

    def _statement(self, node: Node, in_function: bool) -> None:
        kind = node.type
        if kind == "variable_declarator":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if name is not None and name.type == "identifier" and value is not None:
                self._set(_text(name), self.value(value), in_function)
        elif kind == "assignment_expression":
            self._assign(node.child_by_field_name("left"), node.child_by_field_name("right"), in_function)
        elif kind == "function_declaration":
            name, parameters = node.child_by_field_name("name"), node.child_by_field_name("parameters")
            if name is not None and parameters is not None:
                for index, parameter in enumerate(parameters.named_children):
                    if parameter.type == "identifier":
                        self.reading.parameters.setdefault(_text(parameter), (_text(name), index))
        elif kind in _STRING_BUILDERS and (node.parent is None or node.parent.type not in _STRING_BUILDERS):
            value = self.value(node)  # a string built to be returned or written: a detail URL's shape
            if isinstance(value, str) and GAP_OPEN in value:
                self.reading.strings.append(value)
        elif kind in {"call_expression", "new_expression"}:
            callee = node.child_by_field_name("function") or node.child_by_field_name("constructor")
            arguments = node.child_by_field_name("arguments")
            if callee is not None and arguments is not None:
                values = tuple(self.value(argument) for argument in arguments.named_children)
                self.reading.calls.append(Call(re.sub(r"\s+", "", _text(callee)), values))

    def _set(self, name: str, value: Any, in_function: bool) -> None:
        # ``page = page + 1`` in a handler runs later: the value set outside functions is
        # the state a first request starts from, so a function only fills what is unknown
        known = self.reading.names.get(name)
        if not in_function or known is None or isinstance(known, Hole):
            self.reading.names[name] = value

    def _assign(self, left: Node | None, right: Node | None, in_function: bool) -> None:
        if left is None or right is None:
            return
        if left.type == "identifier":
            self._set(_text(left), self.value(right), in_function)
            return
        path = self._path(left)
        if not path or not isinstance(self.reading.names.get(path[0]), dict):
            return
        target = self.reading.names[path[0]]
        for key in path[1:-1]:
            target = target.setdefault(key, {}) if isinstance(target, dict) else None
        if isinstance(target, dict):
            target[path[-1]] = self.value(right)

    def _path(self, node: Node) -> list[str]:
        """``a.b['c']`` as ``['a', 'b', 'c']``; empty when a part is not a plain name."""
        if node.type == "identifier":
            return [_text(node)]
        if node.type == "member_expression":
            inner, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
            head = self._path(inner) if inner is not None else []
            return [*head, _text(prop)] if head and prop is not None else []
        if node.type == "subscript_expression":
            inner, index = node.child_by_field_name("object"), node.child_by_field_name("index")
            head = self._path(inner) if inner is not None else []
            key = self.value(index) if index is not None else None
            return [*head, str(key)] if head and isinstance(key, str | int) else []
        return []

    # -- expressions ------------------------------------------------------------------

    def value(self, node: Node) -> Any:
        kind = node.type
        if kind == "string":
            return "".join(_string_part(part) for part in node.named_children)
        if kind == "number":
            return _number(_text(node))
        if kind in {"true", "false"}:
            return kind == "true"
        if kind in {"null", "undefined"}:
            return None
        if kind == "template_string":
            return "".join(self._template_part(part) for part in node.named_children)
        if kind == "parenthesized_expression" and node.named_child_count == 1:
            return self.value(node.named_children[0])
        if kind == "binary_expression":
            return self._binary(node)
        if kind == "object":
            return self._object(node)
        if kind == "array":
            return [self.value(item) for item in node.named_children]
        if kind in {"identifier", "member_expression", "subscript_expression"}:
            return self._lookup(node)
        if kind == "call_expression":
            return self._call_value(node)
        if kind == "new_expression" and _text(node).startswith("new URLSearchParams"):
            arguments = node.child_by_field_name("arguments")
            return self.value(arguments.named_children[0]) if arguments and arguments.named_child_count else {}
        if kind == "unary_expression" and _text(node).startswith("-"):
            inner = self.value(node.named_children[-1])
            return -inner if isinstance(inner, int | float) else Hole(_text(node))
        return Hole(_text(node)[:80])

    def _template_part(self, node: Node) -> str:
        if node.type == "template_substitution" and node.named_child_count:
            return _as_text(self.value(node.named_children[0]))
        return _string_part(node)

    def _binary(self, node: Node) -> Any:
        operator = node.child_by_field_name("operator")
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if operator is None or left is None or right is None:
            return Hole(_text(node)[:80])
        a, b = self.value(left), self.value(right)
        if _text(operator) != "+":
            return Hole(_text(node)[:80])
        if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
            return a + b
        if isinstance(a, str) or isinstance(b, str):
            return _as_text(a) + _as_text(b)
        return Hole(_text(node)[:80])

    def _object(self, node: Node) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for pair in node.named_children:
            if pair.type == "pair":
                key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
                if key is not None and value is not None:
                    name = self.value(key) if key.type == "string" else _text(key)
                    result[str(name)] = self.value(value)
            elif pair.type == "shorthand_property_identifier":
                result[_text(pair)] = self.reading.names.get(_text(pair), Hole(_text(pair)))
        return result

    def _lookup(self, node: Node) -> Any:
        path = self._path(node)
        if not path:
            return Hole(_text(node)[:80])
        value: Any = self.reading.names.get(path[0], Hole(path[0]))
        for key in path[1:]:
            if isinstance(value, dict) and key in value:
                value = value[key]
            else:
                return Hole(".".join(path))
        return value

    def _call_value(self, node: Node) -> Any:
        callee, arguments = node.child_by_field_name("function"), node.child_by_field_name("arguments")
        name = re.sub(r"\s+", "", _text(callee)) if callee is not None else ""
        values = [self.value(argument) for argument in arguments.named_children] if arguments is not None else []
        if name == "JSON.stringify" and values:
            return Json(values[0])
        if name in _PASS_THROUGH and values:
            return values[0]
        return Hole(_text(node)[:80])


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def _string_part(node: Node) -> str:
    text = _text(node)
    if node.type != "escape_sequence":
        return text
    try:
        return json.loads(f'"{text}"')
    except ValueError:
        return text[1:]


def _number(text: str) -> int | float | None:
    try:
        return int(text, 0) if re.fullmatch(r"0[xob][0-9a-f]+|\d+", text, re.I) else float(text)
    except ValueError:
        return None


def _as_text(value: Any) -> str:
    """A value as concatenation makes it text; an unknown one as a marked gap."""
    if isinstance(value, Hole):
        return gap(value.name)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None or isinstance(value, dict | list | Json):
        return gap("?")
    return str(value)
