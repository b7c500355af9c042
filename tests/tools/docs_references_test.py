"""Documentation references resolve inside a clone of the repository.

Comments, proto comments (which become CLI help texts and reflection
descriptions), tests and docs may only point at documents the repository
itself holds. Fails, naming file and line, when a tracked file outside
tests/testdata (whose SOURCE files name where their data came from):

  * mentions a path outside the clone: `../shared`, `shared/docs`,
    `shared/aws-models`, or one of the notes `aws-apis.md`, `style.md`,
    `toolchain.md` that live there;
  * mentions `docs/<name>.md` and the repository has no such file;
  * refers to a section of docs/aws-semantics.md (`docs/aws-semantics.md
    §3.1`, `§3, §7.1`, ...) that the page has no heading for. Inside the
    page itself every `§N` must be one of its headings too;
  * has, in README.md or a docs/*.md page, a relative Markdown link
    (`[text](path)`, `[text](path#anchor)`, `[text](#anchor)`) whose file
    does not exist or whose anchor is not a heading of the target as GitHub
    slugs it (lower case, punctuation dropped, spaces to hyphens, `-1`,
    `-2`, ... for repeats).

usage: docs_references_test.py REPO_ROOT
"""
import os
import re
import subprocess
import sys

PAGE = "docs/aws-semantics.md"
EXEMPT_PREFIXES = ("tests/testdata/",)
SELF = "tests/tools/docs_references_test.py"  # names the patterns it looks for
SKIP_DIRS = {".git", "node_modules", "third_party"}

FORBIDDEN = [
    (re.compile(r"\.\./shared\b"), "a path outside the clone (../shared)"),
    (re.compile(r"\bshared/docs\b"), "a path outside the clone (shared/docs)"),
    (re.compile(r"\bshared/aws-models\b"), "a path outside the clone (shared/aws-models)"),
    (re.compile(r"\baws-apis\.md\b"), "a note the clone does not have (aws-apis.md)"),
    (re.compile(r"(?<![\w-])style\.md\b"), "a note the clone does not have (style.md)"),
    (re.compile(r"(?<![\w-])toolchain\.md\b"), "a note the clone does not have (toolchain.md)"),
]
DOCS_PATH = re.compile(r"(?<![\w./-])docs/[\w./-]*?\.md\b")
# A mention of the page followed by one or more section numbers:
# "docs/aws-semantics.md §3.1", "... §3, §7.1", "... §1-§5", "... §4 and §7.2".
PAGE_REFERENCE = re.compile(
    r"aws-semantics\.md((?:\s*(?:,|and|-|–)?\s*§\s*\d+(?:\.\d+)*)+)")
SECTION = re.compile(r"§\s*(\d+(?:\.\d+)*)")
HEADING = re.compile(r"^#{2,6}\s+(\d+(?:\.\d+)*)\.?\s", re.M)
# Comment leaders at the start of a continuation line, so that a reference
# wrapped across comment lines ("docs/aws-semantics.md\n// §3.1") is read
# as one.
CONTINUATION = re.compile(r"\n[ \t]*(?://+|#+|\*|--)?[ \t]*")


def tracked_files(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z"], check=True,
                             capture_output=True).stdout
        return [p for p in out.decode("utf-8", "replace").split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        # Not a git checkout (an exported tree): every file but build output.
        files = []
        for d, dirs, names in os.walk(root):
            dirs[:] = [x for x in dirs if x not in SKIP_DIRS and not x.startswith("build")]
            files += [os.path.relpath(os.path.join(d, n), root) for n in names]
        return files


def read_text(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None  # binary
    return data.decode("utf-8", "replace")


def line_of(text, offset):
    return text.count("\n", 0, offset) + 1


MD_LINK = re.compile(r"\[[^\]]*\]\(([^()\s]+)\)")
FENCE = re.compile(r"^\s*(```|~~~)")
ATX_HEADING = re.compile(r"^#{1,6}[ \t]+(.*?)[ \t#]*$")


def outside_fences(text):
    """(line number, line) of the lines outside fenced code blocks."""
    fenced = False
    for number, line in enumerate(text.split("\n"), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def github_slug(heading):
    """The anchor GitHub gives a heading (before the -N of repeats)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    text = re.sub(r"<[^>]+>", "", text).lower()
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


def anchors(text):
    seen, result = {}, set()
    for _, line in outside_fences(text):
        m = ATX_HEADING.match(line)
        if not m:
            continue
        slug = github_slug(m.group(1))
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        result.add(slug if n == 0 else "%s-%d" % (slug, n))
    return result


def markdown_link_problems(root, rel, text):
    """Relative links of one Markdown page that do not resolve."""
    problems = []
    for number, line in outside_fences(text):
        for m in MD_LINK.finditer(re.sub(r"`[^`]*`", "", line)):
            target = m.group(1)
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
                continue  # https:, mailto: ...
            path, _, anchor = target.partition("#")
            full = os.path.normpath(os.path.join(root, os.path.dirname(rel), path)) if path else \
                os.path.join(root, rel)
            where = "%s:%d: link %s" % (rel, number, target)
            if not os.path.exists(full):
                problems.append("%s: no such file" % where)
                continue
            if anchor and full.endswith(".md"):
                if anchor not in anchors(read_text(full) or ""):
                    problems.append("%s: %s has no heading with that anchor"
                                    % (where, os.path.relpath(full, root)))
    return problems


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    root = os.path.abspath(sys.argv[1])
    files = [f for f in tracked_files(root) if not f.startswith(EXEMPT_PREFIXES) and f != SELF]
    existing = set(files)

    page_text = read_text(os.path.join(root, PAGE)) if PAGE in existing else None
    sections = set(HEADING.findall(page_text)) if page_text else set()

    problems = []
    references = 0
    links = 0
    for rel in sorted(files):
        text = read_text(os.path.join(root, rel))
        if text is None:
            continue
        for pattern, why in FORBIDDEN:
            for m in pattern.finditer(text):
                problems.append("%s:%d: %s" % (rel, line_of(text, m.start()), why))
        for m in DOCS_PATH.finditer(text):
            if m.group(0) not in existing:
                problems.append("%s:%d: %s does not exist in the repository"
                                % (rel, line_of(text, m.start()), m.group(0)))
        joined = CONTINUATION.sub(" ", text)
        for m in PAGE_REFERENCE.finditer(joined):
            for number in SECTION.findall(m.group(1)):
                references += 1
                if number not in sections:
                    # Line numbers of the joined text are not the file's;
                    # name the text around it instead.
                    problems.append("%s: %s §%s: the page has no such section (near %r)"
                                    % (rel, PAGE, number, joined[max(0, m.start() - 40):m.end()]))
        if rel == "README.md" or (rel.startswith("docs/") and rel.endswith(".md")):
            found = markdown_link_problems(root, rel, text)
            links += len(MD_LINK.findall(text))
            problems += found
        if rel == PAGE:
            for m in SECTION.finditer(text):
                references += 1
                if m.group(1) not in sections:
                    problems.append("%s:%d: §%s: no such section in the page"
                                    % (rel, line_of(text, m.start()), m.group(1)))

    print("checked %d files; %s has %d numbered sections; %d section references; "
          "%d Markdown links in README.md and docs/"
          % (len(files), PAGE, len(sections), references, links))
    for p in problems:
        print(p)
    if problems:
        print("FAIL: %d references point outside the repository or at missing sections"
              % len(problems))
        return 1
    print("documentation references: all resolve")
    return 0


if __name__ == "__main__":
    sys.exit(main())
