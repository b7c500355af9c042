"""deploy/Dockerfile and deploy/compose.yaml, checked without a Docker engine
or hadolint (neither is available here): hadolint-like rules (the DLxxxx
numbers name the hadolint rule each one mirrors), the project's own rules for
the image (multi-stage, slim non-root runtime, health check, stop signal), and
agreement between the Dockerfile and the compose file. The syntax of every
instruction is checked by dockerfile_syntax_test.js (dockerfile-utils).

Usage: dockerfile_lint_test.py   (paths are found from this file's location)
"""
import fnmatch
import os
import re
import sys
import unittest

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dockerfile  # noqa: E402

ROOT = dockerfile.REPO_ROOT
DOCKERFILE = dockerfile.DOCKERFILE
COMPOSE = os.path.join(ROOT, "deploy", "compose.yaml")
DOCKERIGNORE = DOCKERFILE + ".dockerignore"
KNOWN = {"FROM", "RUN", "COPY", "WORKDIR", "ENV", "ARG", "USER", "EXPOSE", "STOPSIGNAL",
         "HEALTHCHECK", "ENTRYPOINT", "CMD", "LABEL", "VOLUME", "SHELL"}


def flag_value(argv, name):
    values = [a.split("=", 1)[1] for a in argv if a.startswith("--%s=" % name)]
    return values[-1] if values else None


def lint(text):
    """Every rule broken by a Dockerfile's text, as messages."""
    stages, preamble = dockerfile.parse(text)
    problems = []
    if any(i.keyword != "ARG" for i in preamble):
        problems.append("only ARG may come before the first FROM")
    if len(stages) < 2:
        return problems + ["multi-stage: a build stage and a runtime stage"]
    names = set()
    for stage in stages:
        if stage.base not in names:
            if not re.match(r"^[\w./-]+(:[\w.-]+|@sha256:[0-9a-f]{64})$", stage.base) or \
                    stage.base.endswith(":latest"):
                problems.append("DL3006/DL3007: FROM %s: pin a tag other than latest" % stage.base)
        for inst in stage.instructions:
            if inst.keyword not in KNOWN:
                problems.append("%d: unknown or unsupported instruction %s" % (inst.line, inst.keyword))
            if inst.keyword == "ADD":
                problems.append("%d: DL3020: use COPY, not ADD" % inst.line)
            if inst.keyword == "WORKDIR" and not inst.args.startswith("/"):
                problems.append("%d: DL3000: WORKDIR must be absolute" % inst.line)
            if inst.keyword == "COPY":
                source = inst.flags_and_rest()[0].get("from")
                if source is not None and source not in names:
                    problems.append("%d: DL3022: COPY --from=%s names no earlier stage" % (inst.line, source))
            if inst.keyword == "RUN" and dockerfile.apt_installs(inst.args):
                run = inst.args
                if "apt-get update" not in run:
                    problems.append("%d: apt-get update in the same RUN as install" % inst.line)
                if "--no-install-recommends" not in run:
                    problems.append("%d: DL3015: apt-get install --no-install-recommends" % inst.line)
                if not re.search(r"apt-get install[^&;|]*\s-y\b", run):
                    problems.append("%d: DL3014: apt-get install -y" % inst.line)
                if "rm -rf /var/lib/apt/lists/*" not in run:
                    problems.append("%d: DL3009: remove /var/lib/apt/lists in the same RUN" % inst.line)
            if inst.keyword == "RUN" and re.search(r"\bsudo\b", inst.args):
                problems.append("%d: DL3004: no sudo" % inst.line)
        if stage.name:
            names.add(stage.name)

    final = stages[-1]
    for keyword in ("ENTRYPOINT", "CMD"):
        inst = final.last(keyword)
        if inst is None or inst.exec_form() is None:
            problems.append("DL3025: the final stage needs %s in exec (JSON) form" % keyword)
    user = final.last("USER")
    if user is None or re.match(r"^(root|0)(:|$)", user.args):
        problems.append("DL3002: the final stage must run as a non-root USER")
    elif not re.match(r"^[1-9]\d*(:\d+)?$", user.args):
        problems.append("USER must be numeric so Kubernetes runAsNonRoot can verify it")
    if final.last("EXPOSE") is None:
        problems.append("the final stage must EXPOSE the gRPC port")
    if final.last("STOPSIGNAL") is None or final.last("STOPSIGNAL").args != "SIGTERM":
        problems.append("STOPSIGNAL SIGTERM (the server drains on it)")
    health = final.last("HEALTHCHECK")
    if health is None or health.exec_form(health.flags_and_rest()[1].partition("CMD ")[2]) is None:
        problems.append("HEALTHCHECK CMD [...] in exec form (the image has no grpc_health_probe)")
    for inst in final.all("RUN"):
        for package in dockerfile.apt_installs(inst.args):
            if package.endswith("-dev") or package in ("g++", "gcc", "cmake", "make", "ninja-build"):
                problems.append("%d: runtime stage installs build package %s" % (inst.line, package))
    return problems


def ignored(path, patterns):
    """Docker's rule: the last pattern matching the path or a parent decides."""
    parts = path.strip("/").split("/")
    verdict = False
    for pattern in patterns:
        include = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        if any(fnmatch.fnmatchcase("/".join(parts[:n]), pattern) for n in range(1, len(parts) + 1)):
            verdict = not include
    return verdict


def final_stage():
    return dockerfile.load()[0][-1]


def health_argv(stage):
    inst = stage.last("HEALTHCHECK")
    return inst.exec_form(inst.flags_and_rest()[1].partition("CMD ")[2])


class LintRulesTest(unittest.TestCase):
    def test_rules_catch_a_bad_dockerfile(self):
        bad = "\n".join([
            "FROM debian", "RUN apt-get install libfoo", "ADD . /src",
            "FROM debian:latest AS runtime", "WORKDIR src", "COPY --from=nowhere /a /b",
            "RUN apt-get update && apt-get install -y --no-install-recommends libfoo-dev "
            "&& rm -rf /var/lib/apt/lists/*",
            "USER root", "CMD run --now", ""])
        found = "\n".join(lint(bad))
        for rule in ("DL3006", "DL3007", "DL3015", "DL3014", "DL3009", "DL3020", "DL3000",
                     "DL3022", "DL3002", "DL3025", "EXPOSE", "STOPSIGNAL", "HEALTHCHECK",
                     "build package libfoo-dev", "apt-get update in the same RUN"):
            self.assertIn(rule, found)

    def test_reader_joins_continuations_and_skips_comments(self):
        stages, _ = dockerfile.parse("FROM a:1 AS b\nRUN apt-get update \\\n# note\n && apt-get install -y x y\n")
        self.assertEqual(stages[0].name, "b")
        self.assertEqual(dockerfile.apt_installs(stages[0].last("RUN").args), ["x", "y"])

    def test_deploy_dockerfile_is_clean(self):
        with open(DOCKERFILE) as f:
            self.assertEqual(lint(f.read()), [])


class ImageContractTest(unittest.TestCase):
    def setUp(self):
        self.stages, _ = dockerfile.load()
        self.final = self.stages[-1]

    def test_build_stage_builds_only_the_binaries_without_tests(self):
        build = self.stages[0]
        self.assertTrue(build.base.startswith("debian:12"), build.base)
        self.assertTrue(self.final.base.startswith("debian:12"), self.final.base)
        runs = " ".join(i.args for i in build.all("RUN"))
        for needed in ("-DAWSFACADE_BUILD_TESTS=OFF", "-DAWSFACADE_BUILD_BENCH=OFF",
                       "--target awsfacade-server awsfacade-healthcheck"):
            self.assertIn(needed, runs)

    def test_listen_expose_and_healthcheck_agree(self):
        port = self.final.last("EXPOSE").args.split("/")[0]
        cmd = self.final.last("CMD").exec_form()
        self.assertEqual(flag_value(cmd, "listen"), "0.0.0.0:" + port)
        self.assertEqual(flag_value(health_argv(self.final), "addr"), "127.0.0.1:" + port)

    def test_dockerignore_passes_every_copy_source_and_nothing_big(self):
        with open(DOCKERIGNORE) as f:
            patterns = [l.strip() for l in f if l.strip() and not l.startswith("#")]
        sources = [a for stage in self.stages for i in stage.all("COPY") if "--from=" not in i.args
                   for a in i.args.split()[:-1]]
        self.assertTrue(sources)
        for source in sources:
            self.assertFalse(ignored(source, patterns), source)
            if os.path.isdir(os.path.join(ROOT, source)):
                for name in os.listdir(os.path.join(ROOT, source)):
                    self.assertFalse(ignored(os.path.join(source, name), patterns), name)
        for heavy in ("build/service/awsfacade-server", "node_modules/yaml", ".git/HEAD", "tests/deploy"):
            self.assertTrue(ignored(heavy, patterns), heavy)

    def test_entrypoint_and_healthcheck_are_copied_from_the_build(self):
        copied = [i.args.split()[-1] for i in self.final.all("COPY") if "--from=" in i.args]
        self.assertIn(self.final.last("ENTRYPOINT").exec_form()[0], copied)
        self.assertIn(health_argv(self.final)[0], copied)


def proxy_stage():
    stages = [s for s in dockerfile.load()[0] if s.name == "proxy"]
    assert len(stages) == 1, "one stage named proxy"
    return stages[0]


class ProxyImageTest(unittest.TestCase):
    """The `proxy` stage: Debian's nginx with deploy/proxy/nginx.conf."""

    def setUp(self):
        self.stage = proxy_stage()
        with open(os.path.join(ROOT, "deploy", "proxy", "nginx.conf")) as f:
            self.conf = f.read()

    def test_is_debians_nginx_running_the_deploy_config_as_non_root(self):
        self.assertTrue(self.stage.base.startswith("debian:12"), self.stage.base)
        packages = [p for r in self.stage.all("RUN") for p in dockerfile.apt_installs(r.args)]
        self.assertEqual(packages, ["nginx"])
        copies = [i.args.split() for i in self.stage.all("COPY")]
        self.assertIn(["deploy/proxy/nginx.conf", "/etc/awsfacade-proxy/nginx.conf"], copies)
        self.assertEqual(self.stage.last("ENTRYPOINT").exec_form(),
                         ["/usr/sbin/nginx", "-c", "/etc/awsfacade-proxy/nginx.conf", "-e", "stderr"])
        self.assertRegex(self.stage.last("USER").args, r"^[1-9]\d*:[1-9]\d*$")
        # nginx stops gracefully on SIGQUIT (SIGTERM drops open calls at once).
        self.assertEqual(self.stage.last("STOPSIGNAL").args, "SIGQUIT")
        self.assertIn("worker_shutdown_timeout", self.conf)

    def test_exposes_the_port_the_config_listens_on(self):
        port = self.stage.last("EXPOSE").args.split("/")[0]
        self.assertEqual(re.findall(r"^\s*listen\s+(\S+)", self.conf, re.M), ["0.0.0.0:%s" % port])

    def test_is_not_the_default_target(self):
        self.assertIsNot(dockerfile.load()[0][-1], self.stage, "plain `docker build` builds the server")


class ComposeTest(unittest.TestCase):
    def setUp(self):
        with open(COMPOSE) as f:
            self.compose = yaml.safe_load(f)
        self.final = final_stage()
        services = self.compose["services"]
        self.assertEqual(list(services), ["awsfacade", "proxy"])
        self.service = services["awsfacade"]
        self.proxy = services["proxy"]

    def test_builds_this_dockerfile(self):
        for service in (self.service, self.proxy):
            build = service["build"]
            self.assertEqual(os.path.normpath(os.path.join(ROOT, "deploy", build["context"])), ROOT)
            self.assertEqual(os.path.join(ROOT, build["dockerfile"]), DOCKERFILE)
        self.assertNotIn("target", self.service["build"])
        self.assertEqual(self.proxy["build"]["target"], proxy_stage().name)

    def test_runs_the_simulator_behind_the_proxy_on_loopback(self):
        port = self.final.last("EXPOSE").args.split("/")[0]
        proxy_port = proxy_stage().last("EXPOSE").args.split("/")[0]
        command = self.service["command"]
        self.assertEqual(flag_value(command, "backend"), "simulator")
        # The server only on loopback of the namespace it shares with the
        # proxy; the proxy's upstream is that address.
        self.assertEqual(flag_value(command, "listen"), "127.0.0.1:" + port)
        self.assertEqual(self.proxy["network_mode"], "service:awsfacade")
        with open(os.path.join(ROOT, "deploy", "proxy", "nginx.conf")) as f:
            upstreams = re.findall(r"^\s*server\s+(\S+);", f.read(), re.M)
        self.assertEqual(upstreams, ["127.0.0.1:" + port])
        self.assertEqual(self.proxy["volumes"], ["./proxy/nginx.conf:/etc/awsfacade-proxy/nginx.conf:ro"])
        metrics = flag_value(command, "metrics_listen").rsplit(":", 1)[1]
        exposed = [e.args.split("/")[0] for e in self.final.all("EXPOSE")]
        self.assertIn(metrics, exposed)
        # Published on the host's loopback only: the proxy's port as the gRPC
        # port clients know, and the metrics; never the server's own port.
        self.assertEqual(self.service["ports"],
                         ["127.0.0.1:%s:%s" % (port, proxy_port), "127.0.0.1:%s:%s" % (metrics, metrics)])
        self.assertNotIn("ports", self.proxy)

    def test_proxy_is_hardened_and_drains_gracefully(self):
        self.assertEqual(self.proxy["read_only"], True)
        self.assertEqual(self.proxy["tmpfs"], ["/tmp"])
        self.assertEqual(self.proxy["cap_drop"], ["ALL"])
        self.assertEqual(self.proxy["stop_signal"], proxy_stage().last("STOPSIGNAL").args)
        with open(os.path.join(ROOT, "deploy", "proxy", "nginx.conf")) as f:
            drain = re.search(r"worker_shutdown_timeout\s+(\d+)s;", f.read())
        self.assertGreater(int(self.proxy["stop_grace_period"][:-1]), int(drain.group(1)))

    def test_keeps_the_simulator_state_in_a_named_volume_the_user_owns(self):
        state_dir = flag_value(self.service["command"], "state_dir")
        mounts = [v.split(":") for v in self.service["volumes"]]
        above = [(name, path) for name, path in mounts if state_dir.startswith(path + "/")]
        self.assertEqual(len(above), 1, mounts)
        self.assertIn(above[0][0], self.compose["volumes"])
        # A fresh named volume takes the owner of the image's directory.
        runs = " ".join(r.args for r in self.final.all("RUN"))
        self.assertIn("install -d -o 10001 -g 10001 -m 0700 %s" % above[0][1], runs)
        self.assertEqual(self.final.last("USER").args, "10001:10001")

    def test_healthcheck_is_the_images(self):
        self.assertEqual(self.service["healthcheck"]["test"], ["CMD"] + health_argv(self.final))

    def test_stop_grace_outlasts_the_server_drain(self):
        grace = flag_value(self.service["command"], "shutdown_grace") or "10s"
        self.assertRegex(grace, r"^\d+s$")
        self.assertRegex(self.service["stop_grace_period"], r"^\d+s$")
        self.assertGreater(int(self.service["stop_grace_period"][:-1]), int(grace[:-1]))
        self.assertEqual(self.service["stop_signal"], "SIGTERM")


if __name__ == "__main__":
    unittest.main()
