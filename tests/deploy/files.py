"""Readers of the deploy files, shared by the tests of tests/deploy and
tests/test_deploy_files.py: the Procfile, render.yaml, the Dockerfile, .dockerignore,
.env.example and the environment variables the code reads."""
from __future__ import annotations

import ast
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
# Python files at the root whose os.environ reads are settings (the app, gunicorn).
SETTINGS_MODULES = (ROOT / "config.py", ROOT / "gunicorn.conf.py")


def procfile() -> dict[str, str]:
    """Process type -> command of the Procfile (comment and blank lines skipped); a
    malformed line or a type defined twice fails."""
    processes: dict[str, str] = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, command = line.partition(":")
        assert sep and re.fullmatch(r"[A-Za-z0-9_-]+", name), f"bad Procfile line: {line!r}"
        assert name not in processes, f"process type {name!r} defined twice"
        processes[name] = command.strip()
    return processes


def procfile_argv(name: str) -> list[str]:
    """The Procfile's command of process type ``name``, split as a shell would."""
    return shlex.split(procfile()[name])


def render_blueprint() -> dict[str, Any]:
    """render.yaml, parsed."""
    return yaml.safe_load((ROOT / "render.yaml").read_text())


def render_service(kind: str) -> dict[str, Any]:
    """The one service of type ``kind`` (web, worker, keyvalue) in render.yaml."""
    services = [s for s in render_blueprint()["services"] if s["type"] == kind]
    assert len(services) == 1, f"expected one {kind} service in render.yaml"
    return services[0]


@dataclass
class Instruction:
    """One Dockerfile instruction: its keyword, flags (``--from=x``) and arguments."""

    keyword: str
    flags: dict[str, str]
    args: str
    line: int

    def words(self) -> list[str]:
        """The arguments, JSON exec form or shell-split."""
        text = self.args.strip()
        if text.startswith("["):
            return json.loads(text)
        return shlex.split(text)


@dataclass
class Stage:
    """A build stage: its base image, name and instructions."""

    image: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        """The stage's instructions of that keyword, in order."""
        return [i for i in self.instructions if i.keyword == keyword]


def dockerfile(path: Path = ROOT / "Dockerfile") -> list[Stage]:
    """The Dockerfile as stages (line continuations joined, comments dropped)."""
    logical: list[tuple[int, str]] = []
    buffer, start = "", 0
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not buffer and (not line or line.startswith("#")):
            continue
        if buffer and line.startswith("#"):
            continue
        if not buffer:
            start = number
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        logical.append((start, buffer + line))
        buffer = ""
    stages: list[Stage] = []
    for number, text in logical:
        keyword, _, rest = text.partition(" ")
        flags = {}
        while rest.startswith("--"):
            flag, _, rest = rest.partition(" ")
            name, _, value = flag[2:].partition("=")
            flags[name] = value
        instruction = Instruction(keyword.upper(), flags, rest, number)
        if instruction.keyword == "FROM":
            words = rest.split()
            stages.append(Stage(words[0], words[2] if len(words) > 2 and words[1].upper() == "AS" else None))
        elif stages:
            stages[-1].instructions.append(instruction)
    return stages


def dockerignore_patterns() -> list[tuple[bool, str]]:
    """(negated, pattern) of each .dockerignore line."""
    patterns = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            patterns.append((line.startswith("!"), line.lstrip("!").rstrip("/")))
    return patterns


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as a regex: ``**`` any depth, ``*`` and ``?`` within a name."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def dockerignored(relative: str) -> bool:
    """True when .dockerignore keeps ``relative`` (a path from the root) out of the build
    context: the last matching pattern decides; a pattern matches a path or its parents."""
    parts = relative.strip("/").split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    ignored = False
    for negated, pattern in dockerignore_patterns():
        if any(_pattern_regex(pattern).fullmatch(prefix) for prefix in prefixes):
            ignored = not negated
    return ignored


def env_example() -> dict[str, str]:
    """Variables of .env.example (commented out or not) -> the value shown."""
    pattern = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$")
    found: dict[str, str] = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if match := pattern.match(line):
            assert match.group(1) not in found, f"{match.group(1)} is listed twice in .env.example"
            found[match.group(1)] = match.group(2).strip()
    return found


def environ_reads(path: Path) -> set[str]:
    """Environment variables a module reads: ``os.environ.get``, ``os.getenv``,
    ``os.environ[...]`` and the module's own helpers around them (``_int("NAME", ...)``)."""
    tree = ast.parse(path.read_text())
    helpers = {f.name for f in tree.body if isinstance(f, ast.FunctionDef) and "os.environ" in ast.unparse(f)}
    readers = {"os.environ.get", "os.getenv"} | helpers
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func) in readers and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names.add(first.value)
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                names.add(node.slice.value)
    return names


def settings_read() -> set[str]:
    """Every variable config.py and gunicorn.conf.py read."""
    return set().union(*(environ_reads(path) for path in SETTINGS_MODULES))


def string_constants() -> set[str]:
    """Every string constant of the application's Python code (automateos/ and the root
    modules): a setting named nowhere in it is read by nothing."""
    constants: set[str] = set()
    for path in [*ROOT.glob("*.py"), *(ROOT / "automateos").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                constants.add(node.value)
    return constants
