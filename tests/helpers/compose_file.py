"""deploy/docker-compose.yml read without PyYAML (not a dependency of linkgraph).

The file keeps to a small subset of YAML, which `load` reads exactly and refuses anything
outside: block mappings indented by two spaces, `#` comments on their own lines, values that
are plain words (`redis:7`, `on-failure`) or JSON (`"..."`, `["a", "b"]`, `{"soft": 1}`).

    >>> load('services:\\n  redis:\\n    image: redis:7\\n    ports: ["6379:6379"]\\n')
    {'services': {'redis': {'image': 'redis:7', 'ports': ['6379:6379']}}}
"""

from __future__ import annotations

import json
import re
from typing import Any

_LINE = re.compile(r"^(?P<indent>(?:  )*)(?P<key>[A-Za-z0-9_.-]+):(?: (?P<value>.+))?$")
_PLAIN = re.compile(r"[A-Za-z0-9_./:-]+")
# Plain words YAML reads as a number, a boolean or null: the file quotes them.
_NOT_A_STRING = re.compile(r"[0-9.:+-]+|yes|no|true|false|null|on|off|~", re.I)


def load(text: str) -> dict[str, Any]:
    root: dict[str, Any] = {}
    stack: list[tuple[int, dict[str, Any]]] = [(-1, root)]
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError(f"line {number}: outside the compose file's YAML subset: {line!r}")
        depth = len(match["indent"]) // 2
        while stack[-1][0] >= depth:
            stack.pop()
        parent = stack[-1][1]
        if depth != stack[-1][0] + 1 or match["key"] in parent:
            raise ValueError(f"line {number}: bad indent or repeated key: {line!r}")
        if match["value"] is None:
            child: dict[str, Any] = {}
            parent[match["key"]] = child
            stack.append((depth, child))
        else:
            parent[match["key"]] = _scalar(match["value"], number)
    return root


def _scalar(value: str, number: int) -> Any:
    if value[0] in '"[{':
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number}: not JSON: {value!r}") from exc
    if not _PLAIN.fullmatch(value) or _NOT_A_STRING.fullmatch(value):
        raise ValueError(f"line {number}: quote this value: {value!r}")
    return value


def env_file(text: str) -> dict[str, str]:
    """A compose `env_file`: NAME=VALUE lines (the value as is, no quotes), `#` comments."""
    env = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            name, sep, value = line.partition("=")
            if not sep or not re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
                raise ValueError(f"not NAME=VALUE: {line!r}")
            env[name] = value
    return env
