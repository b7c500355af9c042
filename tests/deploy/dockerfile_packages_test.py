"""deploy/Dockerfile's package lists, checked offline against this Debian 12
machine (same release as the image's debian:12 stages):

  * every package either stage names exists in apt;
  * runtime stage: what `apt-get install --no-install-recommends <list>`
    would install on an empty system (apt's own resolver, simulated with an
    empty dpkg status), plus the Essential set every Debian image has, owns
    every shared library `ldd` reports for the built server and health-check
    binaries; every library they link directly (ELF NEEDED) comes from a
    package the list names (or from the Essential set); every named package
    serves one of those libraries, except ca-certificates (TLS to AWS);
  * build stage: its packages (resolved the same way) own every file outside
    the source tree that the build of the two binaries reads: headers (from
    ninja's deps log of the real build), CMake package files and tools (from
    a configure with the Dockerfile's own cmake command, in a directory holding
    only what the Dockerfile COPYs, which must be enough to configure), and
    every source file the compile reads is in the COPY set.

File owners come from dpkg's file lists (/var/lib/dpkg/info/*.list).

Usage: dockerfile_packages_test.py SERVER_BIN HEALTHCHECK_BIN BUILD_DIR
"""
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

SERVER_BIN, HEALTHCHECK_BIN, BUILD_DIR = (os.path.abspath(p) for p in sys.argv[1:4])
del sys.argv[1:4]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dockerfile  # noqa: E402

ROOT = dockerfile.REPO_ROOT

BINARIES = (SERVER_BIN, HEALTHCHECK_BIN)
TARGETS = ("awsfacade-server", "awsfacade-healthcheck")


def run(argv, **kwargs):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kwargs).stdout


class Dpkg:
    """path -> owning package, from dpkg's file lists (merged-/usr aware)."""

    def __init__(self):
        self.owner = {}
        for listing in glob.glob("/var/lib/dpkg/info/*.list"):
            package = os.path.basename(listing)[:-len(".list")].split(":")[0]
            with open(listing, errors="replace") as f:
                for line in f:
                    self.owner.setdefault(line.rstrip("\n"), package)

    def __call__(self, path):
        candidates = [path, os.path.realpath(path)]
        for p in list(candidates):
            for a, b in (("/usr/lib/", "/lib/"), ("/usr/bin/", "/bin/"), ("/usr/sbin/", "/sbin/")):
                if p.startswith(a):
                    candidates.append(b + p[len(a):])
                elif p.startswith(b):
                    candidates.append(a + p[len(b):])
        for p in candidates:
            if p in self.owner:
                return self.owner[p]
        return None


DPKG = Dpkg()
ESSENTIAL = sorted(
    line.split()[0] for line in run(["dpkg-query", "-W", "-f", "${Package} ${Essential}\n"]).splitlines()
    if line.endswith(" yes"))
_resolved = {}


def apt_resolve(packages):
    """What apt would install for packages (no recommends) on an empty system."""
    key = tuple(sorted(packages))
    if key not in _resolved:
        with tempfile.NamedTemporaryFile() as empty_status:
            out = run(["apt-get", "-s", "-o", "Dir::State::status=" + empty_status.name,
                       "-o", "Debug::NoLocking=1", "install", "--no-install-recommends", *key])
        _resolved[key] = {line.split()[1] for line in out.splitlines() if line.startswith("Inst ")}
    return _resolved[key]


def stage_packages(stage):
    return [p for inst in stage.all("RUN") for p in dockerfile.apt_installs(inst.args)]


def ldd(binary):
    """{soname: path} of every shared library the binary loads."""
    libs = {}
    for line in run(["ldd", binary]).splitlines():
        m = re.match(r"\s*(\S+) => (\S+)", line)
        if m:
            if m.group(2) == "not":
                raise AssertionError("%s: %s not found" % (binary, m.group(1)))
            libs[m.group(1)] = m.group(2)
        elif "ld-linux" in line:
            path = line.split()[0]
            libs[os.path.basename(path)] = path
    return libs


def needed(binary):
    return re.findall(r"\(NEEDED\)\s+Shared library: \[(\S+)\]", run(["readelf", "-d", binary]))


class DockerfilePackagesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        stages, _ = dockerfile.load()
        cls.build_stage, cls.runtime_stage = stages[0], stages[-1]
        cls.build = stage_packages(cls.build_stage)
        cls.runtime = stage_packages(cls.runtime_stage)
        cls.proxy = [p for s in stages if s.name == "proxy" for p in stage_packages(s)]
        assert cls.build and cls.runtime, "no apt-get install found in the Dockerfile"

    def test_every_named_package_exists_in_apt(self):
        # One apt-cache call (each one rebuilds apt's cache here: seconds).
        named = self.build + self.runtime + self.proxy
        shown = subprocess.run(["apt-cache", "show", "--no-all-versions", *named],
                               capture_output=True, text=True)
        real = set(re.findall(r"^Package: (\S+)$", shown.stdout, re.MULTILINE))
        self.assertEqual(sorted(set(named) - real), [], "not in apt (or only virtual): " + shown.stderr.strip())

    def test_proxy_stage_gets_an_nginx_with_the_rapid_reset_fix(self):
        # Debian's changelog: 1.22.1-9+deb12u11 backports the CVE-2023-44487 fix.
        self.assertEqual(self.proxy, ["nginx"])
        shown = run(["apt-cache", "show", "--no-all-versions", "nginx"])
        version = re.search(r"^Version: (\S+)$", shown, re.MULTILINE).group(1)
        fixed = subprocess.run(["dpkg", "--compare-versions", version, "ge", "1.22.1-9+deb12u11"]).returncode == 0
        self.assertTrue(fixed, "apt would install nginx %s, older than the fix" % version)

    def test_runtime_packages_own_every_loaded_library(self):
        installed = apt_resolve(self.runtime + ESSENTIAL)
        missing = []
        for binary in BINARIES:
            for soname, path in sorted(ldd(binary).items()):
                package = DPKG(path)
                if package is None or package not in installed:
                    missing.append("%s: %s (%s)" % (os.path.basename(binary), path, package))
        self.assertEqual(missing, [], "libraries the runtime stage would not install")

    def test_directly_linked_libraries_come_from_named_packages(self):
        base = apt_resolve(ESSENTIAL)
        unnamed = set()
        for binary in BINARIES:
            libs = ldd(binary)
            for soname in needed(binary):
                package = DPKG(libs[soname])
                if package not in self.runtime and package not in base:
                    unnamed.add("%s (%s)" % (package, soname))
        self.assertEqual(sorted(unnamed), [], "name these in the runtime apt-get install")

    def test_every_runtime_package_serves_a_library(self):
        used = {DPKG(path) for binary in BINARIES for path in ldd(binary).values()}
        self.assertIn("libcurl4", used)
        self.assertIn("ca-certificates", self.runtime, "libcurl verifies TLS against the CA bundle")
        dead = [p for p in self.runtime if p not in used and p != "ca-certificates"]
        self.assertEqual(dead, [], "runtime packages no binary loads anything from")

    def test_build_stage_owns_everything_the_build_reads(self):
        installed = apt_resolve(self.build + ESSENTIAL)
        with tempfile.TemporaryDirectory(prefix="awsfacade-dockerfile-") as context:
            self.copy_build_context(context)
            tmp_build = self.configure_like_the_dockerfile(context)
            read = self.configure_inputs(tmp_build) | self.header_deps()
            with open(os.path.join(tmp_build, "CMakeCache.txt")) as f:
                read |= set(re.findall(r"^\w+:FILEPATH=(/\S+)$", f.read(), re.MULTILINE))
            read |= set(re.findall(r"(?:^|[\s=])(/(?:usr|lib|bin|etc)/[^\s:;\"']+)",
                                   run(["ninja", "-C", tmp_build, "-t", "commands", *TARGETS])))
            outside, unowned, not_installed, not_copied = set(), [], [], []
            for path in sorted(read):
                if path.startswith((ROOT + "/", context + "/", BUILD_DIR + "/")):
                    continue  # the tree, the copy, or generated (unity batches too)
                if not os.path.isfile(path):
                    continue
                outside.add(path)
                package = DPKG(path)
                if package is None:
                    unowned.append(path)
                elif package not in installed:
                    not_installed.append("%s (%s)" % (path, package))
            for path in sorted(self.header_deps()):
                if path.startswith(BUILD_DIR + "/") or not path.startswith(ROOT + "/"):
                    continue  # generated, or a system file (checked above)
                if not self.in_copy_set(path[len(ROOT) + 1:]):
                    not_copied.append(path)
        print("build stage: %d files outside the tree from %d packages"
              % (len(outside), len({DPKG(p) for p in outside})))
        self.assertGreater(len(outside), 100, "too few files found: the scan is broken")
        self.assertEqual(not_installed, [], "files from packages the build stage does not install")
        self.assertEqual(unowned, [], "files no Debian package owns")
        self.assertEqual(not_copied, [], "sources the compile reads that the Dockerfile does not COPY")

    # ------------------------------------------------------------ helpers

    def copies(self):
        """(source, destination relative to the context root) of the build stage's COPYs."""
        workdir = "/"
        for inst in self.build_stage.instructions:
            if inst.keyword == "WORKDIR":
                workdir = inst.args
            if inst.keyword == "COPY" and "--from=" not in inst.args:
                *sources, dest = shlex.split(inst.args)
                for source in sources:
                    yield source.rstrip("/"), os.path.relpath(os.path.join(workdir, dest), workdir), dest

    def in_copy_set(self, relative):
        return any(relative == src or relative.startswith(src + "/") for src, _, _ in self.copies())

    def copy_build_context(self, context):
        for source, dest, raw_dest in self.copies():
            src = os.path.join(ROOT, source)
            target = os.path.join(context, dest)
            if os.path.isdir(src):
                shutil.copytree(src, target, dirs_exist_ok=True)
            else:
                if raw_dest.endswith("/"):
                    target = os.path.join(target, os.path.basename(source))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copy2(src, target)

    def configure_like_the_dockerfile(self, context):
        runs = [seg.strip() for inst in self.build_stage.all("RUN")
                for seg in inst.args.split("&&") if seg.strip().startswith("cmake -S")]
        self.assertEqual(len(runs), 1, runs)
        argv = shlex.split(runs[0])
        build_dir = os.path.join(context, argv[argv.index("-B") + 1])
        configured = subprocess.run(argv, cwd=context, capture_output=True, text=True)
        self.assertEqual(configured.returncode, 0,
                         "the Dockerfile's configure fails on its COPY set:\n" + configured.stderr[-3000:])
        targets = run(["ninja", "-C", build_dir, "-t", "targets", "all"])
        for target in TARGETS:
            self.assertRegex(targets, r"(?m)^%s: " % re.escape(target))
        self.assertNotRegex(targets, r"(?m)^\S*_test: ", "tests are configured in")
        return build_dir

    @staticmethod
    def configure_inputs(build_dir):
        with open(os.path.join(build_dir, "build.ninja")) as f:
            m = re.search(r"^build build\.ninja: RERUN_CMAKE (.*)$", f.read(), re.MULTILINE)
        return {p for p in m.group(1).replace("|", " ").split() if p.startswith("/")}

    _headers = None

    @classmethod
    def header_deps(cls):
        """Every file the real build's compiles of the two binaries read."""
        if cls._headers is None:
            inputs = run(["ninja", "-C", BUILD_DIR, "-t", "inputs", *TARGETS]).split()
            objects = [p for p in inputs if p.endswith(".o")]
            assert objects, "no objects: build %s first" % " ".join(TARGETS)
            deps = run(["ninja", "-C", BUILD_DIR, "-t", "deps", *objects])
            cls._headers = set()
            for line in deps.splitlines():
                if line.startswith("    "):
                    path = line.strip()
                    cls._headers.add(os.path.normpath(os.path.join(BUILD_DIR, path)))
        return cls._headers


if __name__ == "__main__":
    unittest.main()
