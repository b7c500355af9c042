"""Reads a Dockerfile the way the tests in tests/deploy need it: instructions
(continuation lines joined, comments dropped) grouped into stages, exec-form
arguments, and the packages an `apt-get install` names. Enough for
deploy/Dockerfile; heredocs and parser directives other than comments are not
supported (the lint test rejects what this reader cannot read)."""
import json
import os
import re
import shlex

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCKERFILE = os.path.join(REPO_ROOT, "deploy", "Dockerfile")


class Instruction:
    def __init__(self, keyword, args, line):
        self.keyword = keyword.upper()
        self.args = args.strip()
        self.line = line

    def flags_and_rest(self):
        """Leading --name=value flags as a dict, and the text after them."""
        flags = {}
        rest = self.args
        while True:
            m = re.match(r"--([\w-]+)(?:=(\S*))?\s*", rest)
            if not m:
                return flags, rest
            flags[m.group(1)] = m.group(2)
            rest = rest[m.end():]

    def exec_form(self, text=None):
        """The JSON array of an exec-form argument, or None (shell form)."""
        text = self.args if text is None else text
        if not text.startswith("["):
            return None
        try:
            value = json.loads(text)
        except ValueError:
            return None
        return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None

    def __repr__(self):
        return "%d: %s %s" % (self.line, self.keyword, self.args)


class Stage:
    def __init__(self, base, name, line):
        self.base, self.name, self.line = base, name, line
        self.instructions = []

    def all(self, keyword):
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword):
        found = self.all(keyword)
        return found[-1] if found else None


def parse(text):
    """Returns (stages, instructions before the first FROM)."""
    logical = []  # (first line number, joined text)
    pending, start = None, 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and pending is None):
            continue  # comments vanish even inside a continuation
        if pending is None:
            pending, start = "", number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append((start, pending + stripped))
        pending = None
    if pending is not None:
        logical.append((start, pending))

    stages, preamble = [], []
    for number, line in logical:
        keyword, _, args = line.partition(" ")
        inst = Instruction(keyword, args, number)
        if inst.keyword == "FROM":
            flags, rest = inst.flags_and_rest()
            m = re.match(r"(\S+)(?:\s+AS\s+(\S+))?\s*$", rest, re.IGNORECASE)
            stages.append(Stage(m.group(1), m.group(2), number) if m else Stage(rest, None, number))
        (stages[-1].instructions if stages else preamble).append(inst)
    return stages, preamble


def apt_installs(run_args):
    """Packages named by each `apt-get install` in a RUN (shell form)."""
    packages = []
    for command in re.split(r"&&|\|\||;|\|", run_args):
        words = shlex.split(command)
        while words and re.match(r"^\w+=", words[0]):
            words.pop(0)  # VAR=value prefixes
        if words[:1] != ["apt-get"] or "install" not in words:
            continue
        after = words[words.index("install") + 1:]
        packages += [w for w in after if not w.startswith("-")]
    return packages


def load(path=DOCKERFILE):
    with open(path) as f:
        return parse(f.read())
