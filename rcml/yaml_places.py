"""YAML read with its node tree, so that errors about an entry can name its line and column."""

from __future__ import annotations

import ast
import re

import yaml


class YamlSyntaxError(ValueError):
    """The text is not YAML: what the parser says, and where (1-based, when it knows)."""

    def __init__(self, message: str, line: int | None, col: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


def read_yaml(text: str) -> tuple[object, yaml.Node | None]:
    """The data of a YAML document (safe types only) and its node tree (None when empty)."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as problem:
        mark = problem.problem_mark or problem.context_mark
        what = problem.problem or problem.context or "unreadable"
        if mark is None:
            raise YamlSyntaxError(f"not valid YAML: {what}", None, None) from None
        raise YamlSyntaxError(f"not valid YAML: {what}", mark.line + 1, mark.column + 1) from None
    except yaml.YAMLError as problem:
        raise YamlSyntaxError(f"not valid YAML: {problem}", None, None) from None
    finally:
        loader.dispose()
    return data, root


# One step of the path a message starts with: `call`, `.to`, `[2]`, `['http://app.test/x']`.
_PATH_STEP = re.compile(
    r"""\.?([A-Za-z_]\w*)"""  # a key: call, .to
    r"""|\[(\d+)\]"""  # an index: [2]
    r"""|\[('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\]"""  # a quoted key: ['client:alice']
)
_UNKNOWN_KEY = re.compile(r"unknown key '(.*)'; ")


def place_of(root: yaml.Node | None, message: str) -> tuple[int, int] | None:
    """Line and column (1-based) of the entry a message is about, or None without a tree.

    The message starts with the entry's path (`events[0].at: …`), followed as far as the file
    has it; for an unknown key, the key itself. A message with no path is about the document.
    """
    if root is None:
        return None
    node = _named_node(root, message)
    return node.start_mark.line + 1, node.start_mark.column + 1


def _named_node(root: yaml.Node, message: str) -> yaml.Node:
    path, colon, rest = message.partition(": ")
    if not colon:
        return root
    node, pos = root, 0
    while pos < len(path):
        step = _PATH_STEP.match(path, pos)
        if step is None:
            break
        name, index, quoted = step.groups()
        if index is not None:
            found = _item(node, int(index))
        else:
            entry = _entry(node, name if quoted is None else _unquoted(quoted))
            found = entry[1] if entry is not None else None
        if found is None:
            break
        node, pos = found, step.end()
    unknown = _UNKNOWN_KEY.match(rest)
    if unknown is not None:
        entry = _entry(node, unknown.group(1))
        if entry is not None:
            return entry[0]
    return node


def _unquoted(quoted: str) -> str:
    """The key a message quoted as Python does (`repr`); the quoted text if it is not one."""
    try:
        key = ast.literal_eval(quoted)
    except (ValueError, SyntaxError):
        return quoted
    return key if isinstance(key, str) else quoted


def _item(node: yaml.Node, index: int) -> yaml.Node | None:
    if isinstance(node, yaml.SequenceNode) and index < len(node.value):
        found: yaml.Node = node.value[index]
        return found
    return None


def _entry(node: yaml.Node, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    """The (key, value) nodes of `key` in a mapping node."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return key_node, value_node
    return None
