"""Mutation check: each meaningful mistake in the rules must make a test fail.

    python mutation/run.py                          # every mutation, this interpreter
    python mutation/run.py --musl-python PY         # also the ones only musl can kill
    python mutation/run.py --only rules-row-1.2.6   # one mutation by name
    python mutation/run.py --share 1/3              # the second of three interleaved shares (CI's quick mode)
    python mutation/run.py --jobs 2                 # two scratch copies at once

Each mutation replaces one exact piece of source (it must occur exactly once) in a fresh
copy of the checkout, rebuilds the extension when C changed, and runs the tests that
guard that piece. A mutation whose tests still pass has SURVIVED: the script fails. A kill
counts only when the test that stopped the run (failed, or died in) fails alone under the
mutation and passes alone without it; when it fails only after the tests before it, the
whole selection must pass without the mutation. A selection that collects no test is an
error, not a kill.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from queue import Empty, Queue
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Mutation(NamedTuple):
    name: str
    path: str
    old: str
    new: str
    tests: Sequence[str]
    where: str = "host"  # "host", or "musl": only the musl interpreter exercises it
    # Only these see the real wheels (MUSLDETECT_WHEELS): with them, tests that sample
    # binaries sample others, and the kills the list was checked with must not move.
    wheels: bool = False


NATIVE = ("tests/test_rules.py", "tests/test_process.py")
PROCESS = ("tests/test_rules.py", "tests/test_process.py", "tests/test_hostile.py")
RULES = ("tests/test_rules.py", "tests/test_inspect_corpus.py")
TAGS = ("tests/test_tags.py", "tests/test_api.py")
INSPECT = ("tests/test_inspect.py", "tests/test_inspect_files.py", "tests/test_hostile.py")
ELF = ("tests/test_elf_reader.py",)
AUDIT = ("tests/test_audit.py",)
WHOLETAG = ("tests/test_wholetag.py", "tests/test_stable_abi.py")
RESOLVE = ("tests/test_resolve.py",)
TARGETS = ("tests/test_targets.py",)
ROOTFS = ("tests/test_rootfs.py",)
WAIVERS = ("tests/test_gate_waivers.py",)
SCHEMA = ("tests/test_gate_schema.py",)
HOOKS = ("tests/test_gate_hooks.py",)
PURE = ("tests/test_gate_pure.py",)
INFLATE = ("tests/test_gate_inflate.py",)
GATECLI = ("tests/test_gate_cli.py",)
BATCH = ("tests/test_cli_batch.py",)
STARTUP = ("tests/test_cli_startup.py",)
ZIP = ("tests/test_zip.py", "-k", "not harness_quick and not installers and not real_tools and not cached_real")
FORMATS = ("tests/test_formats_rules.py",)
READERS = ("tests/test_formats.py",)
SPARSE_BUILT = ("tests/test_audit_sparse.py", "-k", "not real_large")
# The pinned wheels: MUSLDETECT_WHEELS, else the cache the audit stage fills (the test skips without them).
SPARSE_REAL = ("tests/test_audit_sparse.py", "-k", "real_large")
TWINS = ("tests/test_elf_twins.py",)
ZIP_TWINS = ("tests/test_zip_twins.py", "tests/test_zip.py")
MEMBER_TWINS = ("tests/test_zip_twins.py", "-k", "member_reader or native_reader or crc32")
CTRL_C = ("tests/test_cli.py", "-k", "ctrl_c")
# Measured at about 70 s a mutation (the hanging variants wait out their bounds): run first.
SLOWEST_SELECTIONS = (CTRL_C,)
# Whether these tests catch their mutations depends on when a process pool replaces a
# worker: on a loaded machine one run in several misses it (ctrl-c-no-stop-for-new-workers
# survived once in a full run beside two other workers). A survivor is tried again, up to
# this many runs in all; a kill still needs its test to pass without the mutation.
TIMING_BOUND: Dict[Tuple[str, ...], int] = {CTRL_C: 3}

MUTATIONS: List[Mutation] = [
    # -- the C core ---------------------------------------------------------------------
    # The release table lives in _rules.py only; the C core compiles a header generated from
    # it, so each row mutation rebuilds the extension and reaches both twins.
    *[
        Mutation(f"rules-row-{release}", "musldetect/_rules.py", row, "", NATIVE + RULES)
        for release, row in (
            ("1.2.6", '    ((1, 2, 6), ("posix_getdents",)),\n'),
            ("1.2.5", '    ((1, 2, 5), ("statx", "preadv2", "pwritev2")),\n'),
            ("1.2.3", '    ((1, 2, 3), ("qsort_r", "pthread_getname_np")),\n'),
        )
    ],
    Mutation(
        "rules-time64-symbol",
        "musldetect/_rules.py",
        'MUSL_TIME64_SYMBOL = "__clock_gettime64"',
        'MUSL_TIME64_SYMBOL = "__clock_gettime"',
        NATIVE + RULES,
    ),
    Mutation(
        "c-time64-check",
        "csrc/md_core.c",
        "out->time64_symbols = libc_defines(walk, MD_TIME64_SYMBOL);",
        "out->time64_symbols = 1;",
        PROCESS,
        "musl",
    ),
    Mutation(
        "c-i386-float-rule",
        "csrc/md_core.c",
        "c == '-' || c == '~';\n}",
        "c == '-' || c == '~' || c == '=' || c == '*';\n}",
        NATIVE,
    ),
    Mutation(
        "c-vdso-name-rule",
        "csrc/md_core.c",
        "if (start == dot || (start > 0 && is_word(data[start - 1])))",
        "if (start == dot)",
        NATIVE,
    ),
    Mutation(
        "c-static-check",
        "csrc/md_core.c",
        "walk->out->is_static = !read_interp(info, walk->out);",
        "walk->out->is_static = 0; read_interp(info, walk->out);",
        NATIVE,
    ),
    Mutation(
        "c-glibc-same-object",
        "csrc/md_core.c",
        "if (gnu_version && in_ranges_of(&walk, (const void *)gnu_version)) {",
        "if (gnu_version) {",
        ("tests/test_musl_env.py",),
        "musl",
    ),
    Mutation(
        "c-symbol-floor-first-match", "csrc/md_core.c", "                goto bound_found;\n", "", PROCESS, "musl"
    ),
    # -- the Python rules ---------------------------------------------------------------
    Mutation(
        "py-banner",
        "musldetect/_rules.py",
        'MUSL_BANNER = b"musl libc ("',
        'MUSL_BANNER = b"musl libc"',
        RULES + ("tests/test_inspect_files.py",),
    ),
    Mutation(
        "py-vdso-name-rule",
        "musldetect/_rules.py",
        "if start != dot and not (start > 0 and piece[start - 1] in _WORD_BYTES):",
        "if start != dot:",
        RULES,
    ),
    Mutation(
        "py-one-candidate-only",
        "musldetect/_rules.py",
        "        if len(candidates) == 1:",
        "        if len(candidates) >= 1:",
        RULES,
    ),
    Mutation(
        "py-floor-first-match",
        "musldetect/_rules.py",
        "            bound = release\n            break",
        "            bound = release",
        RULES + ("tests/test_process.py",),
        "musl",
    ),
    Mutation(
        "py-floor-conflict",
        "musldetect/_result.py",
        "tuple(version) < tuple(floor)",
        "tuple(version) <= tuple(floor)",
        RULES,
    ),
    Mutation(
        "py-glibc-requirement-max",
        "musldetect/_rules.py",
        "if best is None or release > best:",
        "if best is None or release < best:",
        ("tests/test_inspect_files.py",),
    ),
    Mutation(
        "py-musl-requirement",
        "musldetect/_rules.py",
        "        if names.intersection(symbols):",
        "        if names.issuperset(symbols):",
        ("tests/test_inspect_files.py",),
    ),
    Mutation(
        "py-musl-time64-imports",
        "musldetect/_rules.py",
        'if "time64" in "\\x00".join(imported) and any(',
        "if False and any(",
        ("tests/test_audit_pypi.py", "-k", "time64"),
        wheels=True,
    ),
    Mutation(
        "py-glibc-static-mark",
        "musldetect/_inspect.py",
        "note_type == NT_GNU_ABI_TAG and",
        "note_type == 3 and",
        ("tests/test_inspect_files.py",),
    ),
    Mutation(
        "py-musl-static-mark",
        "musldetect/_rules.py",
        'b"Illegal byte sequence\\x00Domain error',
        'b"Illegal byte sequence\\x00Domain errors',
        ("tests/test_inspect_files.py",),
    ),
    Mutation(
        "py-identity-by-text",
        "musldetect/_inspect.py",
        "    if family is None:\n        return None\n    raw = read_libc_object(elf, family)",
        "    raw = read_loader(elf, family)",
        ("tests/test_inspect_files.py",),
    ),
    Mutation(
        "py-glibc-loader-names",
        "musldetect/_libcfile.py",
        'base.startswith(("ld-linux", "ld64.so."))',
        'base.startswith(("ld-linux",))',
        INSPECT,
    ),
    Mutation(
        "py-root-confines-path",
        "musldetect/_inspect.py",
        "    with ELFFile(path, root=root) as elf:",
        "    with ELFFile(root.host_path(root.inside(path)) if root else path) as elf:",
        ("tests/test_inspect_files.py",),
    ),
    Mutation(
        "py-root-confines-links",
        "musldetect/_rootfs.py",
        "                    while len(stack) > 1:\n                        os.close(stack.pop())\n"
        "                    resolved = []\n",
        "                    pass\n",
        ("tests/test_inspect.py", "tests/test_inspect_files.py"),
    ),
    # -- the tag rules --------------------------------------------------------------------
    Mutation(
        "tags-manylinux-floor", "musldetect/_grammar.py", "return (2, 5) if arch in", "return (2, 6) if arch in", TAGS
    ),
    Mutation(
        "tags-legacy-alias",
        "musldetect/_grammar.py",
        '    "manylinux2014": ((2, 17), frozenset({"x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", '
        '"s390x"})),\n',
        "",
        TAGS,
    ),
    Mutation(
        "tags-musllinux-down-to-0",
        "musldetect/_tags.py",
        "for minor in range(musl[1], -1, -1):",
        "for minor in range(musl[1], 0, -1):",
        TAGS,
    ),
    Mutation(
        "tags-armv8l",
        "musldetect/_tags.py",
        'return ["armv8l", "armv7l"] if arch == "armv8l" else [arch]',
        "return [arch]",
        TAGS,
    ),
    Mutation(
        "tags-static-musl",
        "musldetect/_tags.py",
        "version is not None and not info.static:",
        "version is not None:",
        TAGS,
    ),
    Mutation("tags-32-bit-rule", "musldetect/_tags.py", '"linux_x86_64": "linux_i686", ', "", TAGS),
    # -- the interpreter tags and targets -------------------------------------------------
    Mutation(
        "py-debug-loads-normal-abi",
        "musldetect/_python.py",
        'return [f"cp{version}{threading}d", f"cp{version}{threading}"]',
        'return [f"cp{version}{threading}d"]',
        TARGETS,
    ),
    Mutation(
        "py-free-threaded-abi3t",
        "musldetect/_python.py",
        'stable = "abi3t" if threading else "abi3"',
        'stable = "abi3"',
        TARGETS,
    ),
    Mutation(
        "py-older-abi3-down-to-3-2",
        "musldetect/_python.py",
        "for older in range(minor - 1, 1, -1):",
        "for older in range(minor - 1, 2, -1):",
        TARGETS,
    ),
    Mutation("py-pypy-pp3-any", "musldetect/_python.py", 'own = "pp3" if name == "pp" else ""', 'own = ""', TARGETS),
    Mutation(
        "py-pymalloc-flag-before-3-8",
        "musldetect/_python.py",
        "{'' if self.pymalloc is False else 'm'}",
        "",
        ("tests/test_python_versions.py",),
    ),
    Mutation("platform-riscv64-triple-arch", "musldetect/_platform.py", '    "riscv64": "riscv64",\n', "", TARGETS),
    Mutation(
        "py-pypy-abi-from-suffix",
        "musldetect/_python.py",
        'abi = "-".join(soabi.split("-")[:2])',
        "abi = soabi",
        TARGETS,
    ),
    Mutation(
        "platform-uv-loongarch-version",
        "musldetect/_platform.py",
        '"loongarch64-unknown-linux-gnu": ("glibc", (2, 36), "loongarch64"),',
        '"loongarch64-unknown-linux-gnu": ("glibc", (2, 28), "loongarch64"),',
        TARGETS,
    ),
    Mutation(
        "platform-glibc-suffix-ignored",
        "musldetect/_platform.py",
        "    if name == gnu:\n        if not dot:",
        "    if name == gnu:\n        if True:",
        TARGETS,
    ),
    Mutation(
        "platform-abi-variant-taken",
        "musldetect/_platform.py",
        "    if name == gnu:",
        '    if name.startswith("gnu"):',
        TARGETS,
    ),
    Mutation(
        "platform-arch-unchecked",
        "musldetect/_platform.py",
        "        if arch not in archs:\n            raise",
        "        if False:\n            raise",
        TARGETS,
    ),
    Mutation(
        "platform-glibc-floor",
        "musldetect/_platform.py",
        "if version[0] < 2 or version < floor:",
        "if version[0] < 2:",
        TARGETS,
    ),
    Mutation(
        "platform-legacy-alias-archs",
        "musldetect/_grammar.py",
        '"manylinux1": ((2, 5), frozenset({"x86_64", "i686"})),',
        '"manylinux1": ((2, 5), frozenset({"x86_64", "i686", "aarch64"})),',
        TARGETS,
    ),
    Mutation(
        "target-named-arch-is-its-abi",
        "musldetect/_tags.py",
        "        if executable is None:\n            return True\n",
        "",
        TARGETS,
    ),
    # -- the ELF reader's concepts and the public faces -----------------------------------
    Mutation(
        "elf-gnu-hash-chain-end",
        "musldetect/_elf_symbols.py",
        "        if value & 1:\n            return last",
        "        if value & 3 == 3:\n            return last",
        ELF,
    ),
    Mutation(
        "elf-verneed-next-entry",
        "musldetect/_elf_versions.py",
        "        needs.append((library, entries))\n        if next_offset == 0:\n            break\n"
        "        at += next_offset\n",
        "        needs.append((library, entries))\n        if next_offset == 0:\n            break\n        at += 16\n",
        ELF,
    ),
    Mutation(
        "elf-verdef-base-kept",
        "musldetect/_elf_versions.py",
        "if aux_count and not flags & VER_FLG_BASE:",
        "if aux_count:",
        ELF,
    ),
    Mutation(
        "api-backends-in-use",
        "musldetect/_api.py",
        "status.name == in_use,",
        "status.name == requested,",
        ("tests/test_dispatch.py", "tests/test_cli.py"),
    ),
    Mutation(
        "dispatch-partial-answer-taken",
        "musldetect/_dispatch.py",
        "        if partial_reason(module):\n",
        "        if False:\n",
        ("tests/test_hostile.py",),
    ),
    # -- audit: the policy rules ---------------------------------------------------------
    Mutation(
        "waiver-any-file",
        "musldetect/_audit/_waivers.py",
        "cause.rule == self.rule and fnmatchcase(cause.file, self.files)",
        "cause.rule == self.rule",
        WAIVERS,
    ),
    Mutation("waiver-strict-ignored", "musldetect/_audit/_waivers.py", "    if strict:\n", "    if False:\n", WAIVERS),
    Mutation("waiver-unused-not-reported", "musldetect/_audit/_waivers.py", "w not in used", "False", WAIVERS),
    Mutation(
        "waiver-abi-causes-not-waivable",
        "musldetect/_audit/_judge.py",
        "_set_aside(python_blame, waivers, strict)",
        "_set_aside(python_blame, (), strict)",
        WAIVERS,
    ),
    Mutation(
        "waiver-platform-faults-not-waivable",
        "musldetect/_audit/_judge.py",
        "_set_aside(faults, waivers, strict, bad)",
        "_set_aside(faults, (), strict, bad)",
        WAIVERS,
    ),
    Mutation(
        "waiver-waived-fault-still-inconsistent",
        "musldetect/_audit/_judge.py",
        "any(b in inconsistent for b in applied.kept)",
        "bool(inconsistent)",
        WAIVERS,
    ),
    Mutation(
        "waiver-empty-reason", "musldetect/_audit/_waivers.py", "    if not reason:\n", "    if False:\n", WAIVERS
    ),
    Mutation(
        "schema-loads-never-null",
        "musldetect/_audit/audit.schema.json",
        '"loads": {\n          "type": [\n            "boolean",\n            "null"\n          ]',
        '"loads": {\n          "type": [\n            "boolean"\n          ]',
        SCHEMA,
    ),
    Mutation(
        "schema-no-undeclared-verdict",
        "musldetect/_audit/audit.schema.json",
        '"inconsistent",\n            "undeclared"',
        '"inconsistent"',
        SCHEMA,
    ),
    Mutation(
        "cli-waive-flag-ignored",
        "musldetect/_cli.py",
        "load_waivers(pyproject, command_line=args.waive)",
        "load_waivers(pyproject, command_line=[])",
        GATECLI,
    ),
    Mutation(
        "cli-strict-ignored",
        "musldetect/_cli.py",
        "AuditOptions(where, tuple(waivers), args.strict)",
        "AuditOptions(where, tuple(waivers), False)",
        GATECLI,
    ),
    Mutation("cli-default-pyproject-unread", "musldetect/_cli.py", 'b"tool.musldetect" in text', "False", GATECLI),
    Mutation("cli-batch-unused-by-any-input", "musldetect/_cli.py", "if w in result.unused_waivers]", "]", GATECLI),
    # -- the command's start-up (tests/test_cli_startup.py) -----------------------------------
    Mutation(
        "cli-plain-argv-to-argparse", "musldetect/_cli.py", "args = _plain_arguments(given)", "args = None", STARTUP
    ),
    Mutation(
        "cli-plain-argv-with-options",
        "musldetect/_cli.py",
        'command is None or any(arg.startswith("-") for arg in argv)',
        "command is None",
        STARTUP,
    ),
    Mutation(
        "cli-plain-argv-without-paths",
        "musldetect/_cli.py",
        'if found.positionals != ["paths"]:',
        "if False:",
        STARTUP,
    ),
    Mutation(
        "cli-plain-flag-default",
        "musldetect/_cli.py",
        'False if kwargs.get("action") == "store_true" else None',
        "None",
        STARTUP,
    ),
    Mutation(
        "cli-plain-suppressed-default-set",
        "musldetect/_cli.py",
        'or kwargs.get("default") is self.SUPPRESSED:',
        ":",
        STARTUP,
    ),
    Mutation(
        "cli-parser-asks-the-terminal",
        "musldetect/_cli.py",
        "super().__init__(prog, width=80)",
        "super().__init__(prog)",
        STARTUP,
    ),
    Mutation(
        "audit-platform-judges-imported-eagerly",
        "musldetect/_audit/_judge_platforms.py",
        "from ._images import Fault, ImageFacts, Judgement\n",
        "from ._images import Fault, ImageFacts, Judgement\nfrom ._judge_android import judge_android  # noqa: F401\n",
        STARTUP,
    ),
    Mutation(
        "audit-loader-imported-for-its-records",
        "musldetect/_audit/_records.py",
        "from .._resolution import Resolution\n",
        "from .._loader._resolve import Resolution\n",
        STARTUP,
    ),
    # -- audit --jobs and the progress line (tests/test_cli_batch.py) -----------------------
    Mutation(
        "cli-jobs-name-order",
        "musldetect/_cli.py",
        "heapq.heappush(self.waiting, (-self.sizes[self.entered], self.entered))",
        "heapq.heappush(self.waiting, (self.entered, self.entered))",
        BATCH,
    ),
    Mutation(
        "cli-jobs-window-unbounded",
        "musldetect/_cli.py",
        "while self.entered < min(len(self.paths), due + WINDOW):",
        "while self.entered < len(self.paths):",
        BATCH,
    ),
    Mutation(
        "cli-jobs-arrival-order", "musldetect/_cli.py", "held[outcome.at] = outcome", "held[due] = outcome", BATCH
    ),
    Mutation(
        "cli-progress-names-only",
        "musldetect/_cli.py",
        "heard = told.tell if told is not None else None",
        "heard = None",
        BATCH,
    ),
    Mutation(
        "cli-progress-on-a-pipe",
        "musldetect/_cli.py",
        "if paths and sys.stderr.isatty() else None",
        "if paths else None",
        BATCH,
    ),
    Mutation(
        "cli-progress-on-stdout",
        "musldetect/_cli.py",
        'sys.stderr.write(f"\\r\\x1b[K{text}")',
        'sys.stdout.write(f"\\r\\x1b[K{text}")',
        BATCH,
    ),
    Mutation(
        "cli-progress-not-cleared-for-a-result",
        "musldetect/_cli.py",
        '            if self.shown:\n                self._write("")\n            yield\n',
        "            yield\n",
        BATCH,
    ),
    Mutation(
        "read-resolved-binaries-held",
        "musldetect/_audit/_read.py",
        "        if spool_dir is not None or member.size > MAX_HELD:\n",
        "        if member.size > MAX_HELD:\n",
        RESOLVE + ("tests/test_audit_inputs.py",),
    ),
    Mutation(
        "read-wheel-header-unfolded-not",
        "musldetect/_audit/_read.py",
        '                headers[-1] = headers[-1]._replace(value=headers[-1].value + "\\n" + line)\n',
        "                pass\n",
        ("tests/test_audit_inputs.py",),
    ),
    Mutation(
        "read-wheel-header-name-case",
        "musldetect/_audit/_read.py",
        'if name.lower() == "tag":',
        'if name == "Tag":',
        ("tests/test_audit_inputs.py",),
    ),
    Mutation(
        "read-sparse-gap-not-read-again",
        "musldetect/_audit/_read.py",
        "        if len(data) < size and offset + len(data) < self.size:\n",
        "        if False:\n",
        SPARSE_BUILT,
    ),
    Mutation(
        "read-sparse-second-reading-refusal-ignored",
        "musldetect/_audit/_read.py",
        '            raise _changed(archive, member, f"the second reading was refused ({exc.defect})") from exc\n',
        "            pass\n",
        SPARSE_BUILT,
    ),
    Mutation(
        "read-sparse-held-bytes-not-compared",
        "musldetect/_audit/_read.py",
        "            if read_at(spool.fileno(), len(piece), start) != piece:\n",
        "            if False:\n",
        SPARSE_BUILT,
    ),
    Mutation(
        "read-sparse-hold-unbounded",
        "musldetect/_audit/_read.py",
        "            and self.held + len(piece) <= MAX_HELD\n",
        "",
        SPARSE_BUILT,
    ),
    Mutation(
        "read-sparse-static-program-held",
        "musldetect/_audit/_read.py",
        "needs_another = elf.is_dynamic and (elf.interpreter is not None or _looks_like_a_library(elf, head))",
        "needs_another = elf.is_dynamic",
        SPARSE_BUILT,
    ),
    Mutation(
        "read-sparse-needed-name-missed",
        "musldetect/_audit/_read.py",
        "_NEEDED_SUFFIX.finditer(head, 1, _NEEDED_WINDOW)",
        "iter(())",
        SPARSE_BUILT,
    ),
    Mutation(
        "read-sparse-needed-name-in-code",
        "musldetect/_audit/_read.py",
        "head[found.start() - 1] in _NAME_BYTES",
        "True",
        SPARSE_BUILT,
    ),
    Mutation(
        "read-sparse-tail-not-kept",
        "musldetect/_audit/_read.py",
        "    spans = [_Span(0, HEAD_KEEP), _Span(size - TAIL_KEEP, size)] + [",
        "    spans = [_Span(0, HEAD_KEEP)] + [",
        SPARSE_REAL,
    ),
    Mutation(
        "read-sparse-dynamic-not-kept",
        "musldetect/_audit/_read.py",
        "    regions = [(segment.offset, segment.offset + segment.filesz) for segment in named]\n",
        "    regions = []\n",
        SPARSE_REAL,
    ),
    Mutation(
        "read-sparse-patchelf-library-missed",
        "musldetect/_audit/_read.py",
        "    if data is not None and next(elf.segments_of_type(PT_DYNAMIC)).offset >= data:\n        return True\n",
        "",
        SPARSE_REAL,
    ),
    Mutation(
        "elf-held-gap-read-as-bytes",
        "musldetect/_elf.py",
        'part = self._pieces[index][start : start + size] if start >= 0 else b""',
        "part = self._pieces[index][start : start + size]",
        ELF,
    ),
    Mutation("read-progress-untold", "musldetect/_audit/_read.py", "told.before(member)", "pass", BATCH),
    Mutation(
        "cli-parser-builds-every-command",
        "musldetect/_cli.py",
        "        if only is not None and only not in (command.name, *command.aliases):\n            continue\n",
        "",
        BATCH,
    ),
    Mutation(
        "api-audit-imports-targets",
        "musldetect/_api.py",
        '    from ._audit import audit_path\n\n    where = _path_argument(path, "path")\n',
        "    from . import _target  # noqa: F401\n"
        '    from ._audit import audit_path\n\n    where = _path_argument(path, "path")\n',
        BATCH,
    ),
    Mutation("hook-not-always-run", ".pre-commit-hooks.yaml", "always_run: true", "always_run: false", HOOKS),
    Mutation("hook-passes-filenames", ".pre-commit-hooks.yaml", "pass_filenames: false", "pass_filenames: true", HOOKS),
    Mutation(
        "readme-cibuildwheel-abi3-only",
        "README.md",
        'audit-command = "musldetect audit {wheel}"',
        'audit-command = "musldetect audit {abi3_wheel}"',
        HOOKS,
    ),
    Mutation("readme-pre-commit-not-always-run", "README.md", "        always_run: true\n", "", HOOKS),
    Mutation("pure-wheel-builds-extension", "setup.py", 'if MODE != "never" and sys.platform', "if sys.platform", PURE),
    Mutation(
        "inflate-crc-unchecked", "musldetect/_audit/_inflate.py", "if zlib.crc32(data) != crc:", "if False:", INFLATE
    ),
    Mutation(
        "inflate-unbounded",
        "musldetect/_audit/_inflate.py",
        "engine.decompress(raw, size + 1)",
        "engine.decompress(raw)",
        INFLATE,
    ),
    Mutation("inflate-unfinished-stream-accepted", "musldetect/_audit/_inflate.py", "not engine.eof or ", "", INFLATE),
    Mutation(
        "judge-ignores-waivers",
        "musldetect/_audit/_judge.py",
        "for blame, _ in causes], waivers, strict",
        "for blame, _ in causes], (), strict",
        WAIVERS,
    ),
    Mutation(
        "judge-waived-causes-still-count",
        "musldetect/_audit/_judge.py",
        "_Blamed(list(applied.kept), waived,",
        "_Blamed(list(blame), waived,",
        WAIVERS,
    ),
    Mutation(
        "audit-weak-musl-import-counted",
        "musldetect/_audit/_binary.py",
        "imports = tuple(compress(names, map(not_, symbols.weak)))",
        "imports = tuple(names)",
        AUDIT,
    ),
    Mutation(
        "elf-hash-words-narrow-on-s390x",
        "musldetect/_elf_symbols.py",
        "return reader.bits == 64 and reader.machine in WIDE_HASH_MACHINES",
        "return False",
        ELF,
    ),
    Mutation(
        "elf-export-prefix-start-misplaced",
        "musldetect/_elf_symbols.py",
        "            starts.add(at)\n",
        "            starts.add(at + 1)\n",
        ELF,
    ),
    Mutation(
        "elf-whole-string-table-misread",
        "musldetect/_elf_dynamic.py",
        "return self._whole[index:end].decode(_FS_ENCODING, _FS_ERRORS)",
        "return self._whole[index : end + 1].decode(_FS_ENCODING, _FS_ERRORS)",
        AUDIT,
    ),
    Mutation(
        "elf-prefix-search-unbounded",
        "musldetect/_elf_symbols.py",
        "            if len(starts) >= most:\n                return None\n",
        "",
        ELF,
    ),
    Mutation(
        "elf-name-search-unbounded",
        "musldetect/_elf_symbols.py",
        "        if self.budget < 0:\n            self.refuse()\n",
        "",
        ELF,
    ),
    Mutation(
        "elf-export-first-byte-misread",
        "musldetect/_elf_symbols.py",
        "        table[prefix[0]] = 1",
        "        table[prefix[-1]] = 1",
        ELF,
    ),
    Mutation(
        "elf-name-batch-past-budget",
        "musldetect/_elf_symbols.py",
        "            batch = starts[done : done + most]",
        "            batch = starts[done:]",
        ELF,
    ),
    Mutation(
        "elf-held-pieces-not-joined",
        "musldetect/_elf.py",
        'return found[0] if len(found) == 1 else b"".join(found)',
        "return found[0]",
        ELF,
    ),
    Mutation(
        "audit-blacklist-unread",
        "musldetect/_audit/_judge.py",
        "        if not blacklisted:  # most libraries",
        "        if True:  # most libraries",
        AUDIT,
    ),
    Mutation(
        "audit-narrow-unicode-on-python3",
        "musldetect/_audit/_binary.py",
        "    if major == 2:\n        symbols = found.symbols()",
        "    if True:\n        symbols = found.symbols()",
        AUDIT,
    ),
    Mutation(
        "audit-narrow-unicode-untyped",
        "musldetect/_audit/_binary.py",
        "for name, index in narrow if types[index] == STT_FUNC]",
        "for name, index in narrow]",
        AUDIT,
    ),
    Mutation(
        "audit-old-python-in-any-library",
        "musldetect/_audit/_binary.py",
        "    if major is None:\n        return ()\n",
        "    major = major or 3\n",
        AUDIT,
    ),
    Mutation(
        "audit-weak-binding-misread",
        "musldetect/_elf_symbols.py",
        "int(info >> 4 == STB_WEAK)",
        "int(info >> 4 == 1)",
        TWINS,  # the Python reader, which the audit uses only where the C pass declines
    ),
    Mutation(
        "audit-origin-of-a-root-module",
        "musldetect/_audit/_judge.py",
        'origin = posixpath.dirname(binary.path) or "."',
        "origin = posixpath.dirname(binary.path)",
        AUDIT,
    ),
    Mutation(
        "audit-loaded-library-not-reused",
        "musldetect/_audit/_judge.py",
        "    _reuse_loaded(binaries, vendored)\n",
        "",
        AUDIT,
    ),
    Mutation(
        "audit-rpath-not-inherited",
        "musldetect/_audit/_judge.py",
        "directories = own if binary.has_runpath else own + inherited",
        "directories = own",
        AUDIT,
    ),
    Mutation(  # the vendored library found by directory and name, as a built path would find it
        "audit-vendored-by-directory",
        "musldetect/_audit/_judge.py",
        "candidate = by_directory.get(directory, {}).get(needed)",
        'candidate = by_directory.get(".", {}).get(needed)',
        AUDIT,
    ),
    Mutation(  # the search for the oldest fitting policy must still see every cause
        "audit-oldest-fitting-any-cause",
        "musldetect/_audit/_judge.py",
        "next(_policy_causes(policy, arch, group, vendored), None) is None",
        "next(_policy_causes(policy, arch, group[:1], vendored), None) is None",
        AUDIT,
    ),
    Mutation(
        "audit-symbol-versions-unchecked",
        "musldetect/_audit/_judge.py",
        "        if not policy.allows_version(arch, version):",
        "        if False:",
        AUDIT,
    ),
    Mutation(
        "audit-newest-policy-first",
        "musldetect/_audit/_judge.py",
        "    for policy in _policy.policies(family):",
        "    for policy in reversed(_policy.policies(family)):",
        AUDIT,
    ),
    Mutation(
        "audit-equal-tag-under-promises",
        "musldetect/_audit/_judge.py",
        "if version is not None and policy.version < version:",
        "if version is not None and policy.version <= version:",
        AUDIT,
    ),
    Mutation(
        "audit-zip-bomb-ratio",
        "musldetect/_audit/_zip_layout.py",
        "if size > CHUNK and size > MAX_RATIO * max(compressed, 1):",
        "if False:",
        AUDIT,
    ),
    Mutation("audit-dotdot-member", "musldetect/_audit/_zip.py", "(?:|\\.|\\.\\.)", "(?:|\\.)", AUDIT + ZIP),
    # -- the wheel container (issue 30): each check removed is refused by no one else --------
    *[
        Mutation(f"zip-{name}", f"musldetect/_audit/{module}.py", old, new, ZIP)
        for name, module, old, new in (
            ("entry-count", "_zip_layout", "if at != len(directory):", "if False:"),
            ("names", "_zip", "            check_names(self.wheel, names)", "            pass"),
            ("final-gap", "_zip_layout", "if self._checks and expected != directory_offset:", "if False:"),
            ("end-at-file-end", "_zip_layout", "comment_length == len(tail)", "comment_length <= len(tail)"),
            (
                "embedded-comment",
                "_zip_layout",
                "if len(found) > 1 or any(sig in comment for sig in _EMBEDDED):",
                "if False:",
            ),
            (
                "one-disk",
                "_zip_layout",
                "if end.disk or end.directory_disk or end.entries_on_disk != end.entries:",
                "if False:",
            ),
            (
                "directory-end",
                "_zip_layout",
                "if end.directory_offset + end.directory_size != directory_end:",
                "if False:",
            ),
            (
                "zip64-escape-needs-locator",
                "_zip_layout",
                "if end.entries == rec.MAX16 or rec.MAX32 in (end.directory_size, end.directory_offset):",
                "if False:",
            ),
            (
                "zip64-locator-offset",
                "_zip_layout",
                "if locator.end_offset != zip64_at or locator.disk",
                "if locator.disk",
            ),
            ("zip64-legacy-values", "_zip_layout", "if legacy not in (escape, getattr(zip64, field)):", "if False:"),
            (
                "cp437-name",
                "_zip",
                'if entry.raw_name.isascii():\n        return entry.raw_name.decode("ascii")',
                'if True:\n        return entry.raw_name.decode("cp437")',
            ),
            ("refused-flags", "_zip", "if entry.flags & rec.FLAGS_REFUSED:", "if False:"),
            ("version-needed", "_zip", "if entry.needed & 0xFF > MAX_VERSION_NEEDED:", "if False:"),
            ("unknown-method", "_zip", "if entry.method not in METHOD_NAMES:", "if False:"),
            ("symlink", "_zip", "if stat.S_ISLNK(entry.external_attributes >> 16):", "if False:"),
            ("gap", "_zip_layout", "if self._checks and entry.local_offset != expected:", "if False:"),
            ("local-signature", "_zip_layout", "if header[:4] != rec.LOCAL_SIG:", "if False:"),
            ("local-extra-read", "_zip_layout", "        if length > len(header):\n", "        if False:\n"),
            ("compare", "_zip_layout", "            self._compare(entry, local, name)", "            pass"),
            ("compare-name", "_zip_layout", "if local.raw_name != entry.raw_name:", "if False:"),
            ("compare-method", "_zip_layout", "if local.method != entry.method:", "if False:"),
            ("compare-flags", "_zip_layout", "if local.flags != entry.flags:", "if False:"),
            ("compare-values", "_zip_layout", "if here != there and not (deferred and here == 0):", "if False:"),
            (
                "descriptor-any-local",
                "_zip_layout",
                "if here != there and not (deferred and here == 0):",
                "if here != there and not deferred:",
            ),
            ("descriptor-whole", "_zip_layout", "if room not in rec.descriptor_forms(local.zip64):", "if False:"),
            ("descriptor-signature", "_zip_layout", "if (data[:4] == rec.DESCRIPTOR_SIG) != signed:", "if False:"),
            (
                "descriptor-values",
                "_zip_layout",
                "            if here != there:\n                raise ZipRefused(self.wheel, "
                'defect, f"{here} in the data',
                '            if False:\n                raise ZipRefused(self.wheel, defect, f"{here} in the data',
            ),
            (
                "stored-descriptor",
                "_zip_layout",
                "if entry.method == rec.STORED:  # a streaming",
                "if False:  # a streaming",
            ),
            ("directory-data", "_zip_layout", 'if name.endswith("/") and size:', "if False:"),
            (
                "size-check-order",
                "_zip_layout",
                'kept the defect it was always refused for)."""\n',
                'kept the defect it was always refused for)."""\n    if name.endswith("/") and size:\n'
                '        raise ZipRefused(wheel, "DirectoryWithData", "first", name)\n',
            ),
            ("inflate-bound", "_zip", "if produced > member.size:", "if False:"),
            ("stream-complete", "_zip", "        if not complete:", "        if False:"),
            ("whole-complete", "_zip", "complete = inflater.eof and not inflater.unused_data", "complete = True"),
            ("whole-past-size", "_zip", "if len(data) > member.size:", "if False:"),
            ("stream-size", "_zip", "if produced != member.size:", "if False:"),
            ("stream-crc", "_zip", "if crc != member.crc:", "if False:"),
            ("duplicate-name", "_zip", "        if key in folded:", "        if False:"),
            (
                "case-fold",
                "_zip",
                'unicodedata.normalize("NFC", name).casefold())',
                'unicodedata.normalize("NFC", name))',
            ),
            (
                "nfc",
                "_zip",
                'return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())',
                "return name.casefold()",
            ),
            ("file-and-directory", "_zip", 'if key in parents and not name.endswith("/"):', "if False:"),
            ("backslash", "_zip", '_UNSAFE_PATH = re.compile(r"[\\\\:', '_UNSAFE_PATH = re.compile(r"[:'),
            ("backslash-at-once", "_zip", 'r"[\\\\:\\x00-\\x09', 'r"[:\\x00-\\x09'),
            ("drive", "_zip", ":\\x00-\\x1f", "\\x00-\\x1f"),
            ("control", "_zip", "\\x00-\\x1f\\x7f]", "]"),
            ("dot", "_zip", "(?:|\\.|\\.\\.)", "(?:|\\.\\.)"),
            ("empty-part", "_zip", "(?:|\\.|\\.\\.)", "(?:\\.|\\.\\.)"),
            ("ascii-fold", "_zip", "        return name.lower()", "        return name"),
            (
                "parents-walk",
                "_zip",
                "    while cut > 0 and key[:cut] not in parents:",
                "    if cut > 0 and key[:cut] not in parents:",
            ),
            (
                "whole-checked",
                "_zip",
                "if not (complete and len(data) == member.size and crc == member.crc):",
                "if False:",
            ),
            ("central-extras", "_zip_records", "    if extra_length:  # most entries", "    if False:  # most entries"),
            (
                "repeats-fixed",
                "_zip_layout",
                "header[rec.LOCAL_FIXED_AT : rec.LOCAL_FIXED_AT + rec.FIXED_LENGTH] == entry.fixed",
                "True",
            ),
            (
                "repeats-no-extra",
                "_zip_layout",
                'header[rec.LOCAL_FIXED_AT + rec.FIXED_LENGTH : rec.LOCAL.size] == b"\\0\\0"',
                "True",
            ),
            (
                "repeats-name",
                "_zip_layout",
                "header[rec.LOCAL.size : rec.LOCAL.size + len(entry.raw_name)] == entry.raw_name",
                "True",
            ),
            ("repeats-descriptor", "_zip_layout", "and not entry.flags & rec.FLAG_DESCRIPTOR", "and True"),
            ("repeats-zip64", "_zip_layout", "        not entry.zip64\n", "        True\n"),
            ("zip64-no-extensible-data", "_zip_records", "if record_size != ZIP64_END.size - 12:", "if False:"),
            ("lzma-dictionary", "_zip", "if dictionary > MAX_LZMA_DICTIONARY:", "if False:"),
            ("extra-header-whole", "_zip_records", "if at + EXTRA_HEADER.size > len(data):", "if False:"),
            ("extra-whole", "_zip_records", "if at + length > len(data):", "if False:"),
            ("extra-once", "_zip_records", "if ident in found:", "if False:"),
            ("unicode-path-field", "_zip_records", "if UNICODE_PATH_EXTRA in found:", "if False:"),
            ("zip64-exact", "_zip_records", "if len(extra) != need:", "if False:"),
            (
                "central-escape-needs-zip64",
                "_zip_records",
                "if zip64 is None and MAX32 in (compressed, size, offset):",
                "if False:",
            ),
            ("local-zip64-both-sizes", "_zip_records", "if len(zip64) < 16:", "if False:"),
            ("local-zip64-escaped", "_zip_records", "if compressed != MAX32 or size != MAX32:", "if False:"),
            ("local-escape-needs-zip64", "_zip_records", "elif MAX32 in (compressed, size):", "elif False:"),
        )
    ],
    # RECORD, held to the bytes: each part of its check removed passes a wrong RECORD.
    *[
        Mutation(f"record-{name}", "musldetect/_audit/_record.py", old, new, ZIP)
        for name, old, new in (
            (
                "missing",
                '        return ["the wheel has no RECORD in exactly one .dist-info directory"]',
                "        return []",
            ),
            (
                "unlisted",
                'elif row is None and name.rsplit("/", 1)[-1] not in SIGNATURES:',
                "elif False:",
            ),
            ("digest", "(row.digest, row.size) != (found.digest, found.size)", "row.size != found.size"),
            ("no-usable-hash", "        if algorithm not in ALLOWED or not digest:", "        if False:"),
            ("no-size", "        if not sized:", "        if False:"),
            ("quick-row-unchecked", "        if sized and digest and algorithm in ALLOWED:", "        if True:"),
            (
                "quick-row-any-hash",
                "        if sized and digest and algorithm in ALLOWED:",
                "        if sized and digest:",
            ),
            (
                "problems-by-name",
                "[problem for _, problem in sorted(found_wrong)]",
                "[problem for _, problem in found_wrong]",
            ),
        )
    ],
    Mutation(
        "audit-policy-libraries-ignored",
        "musldetect/_audit/_judge.py",
        "if needed in own or needed in policy.libraries or",
        "if needed in own or",
        AUDIT,
    ),
    Mutation(
        "audit-unvendored-library-not-inconsistent",
        "musldetect/_audit/_judge.py",
        'does not vendor on its RUNPATH",\n                True,',
        'does not vendor on its RUNPATH",\n                False,',
        AUDIT,
    ),
    # -- audit: the python, ABI and ISA parts of the tag; executable stacks -------------------
    Mutation(
        "abi3-version-ignored",
        "musldetect/_audit/_abi.py",
        "        elif entry.added > baseline:",
        "        elif False:",
        WHOLETAG,
    ),
    Mutation(
        "abi3-unknown-symbol-accepted",
        "musldetect/_audit/_abi.py",
        "        if entry is None:\n            causes.append(",
        "        if False:\n            causes.append(",
        WHOLETAG,
    ),
    Mutation(
        "abi3-py-export-accepted",
        "musldetect/_audit/_abi.py",
        '        if not name.startswith("PyInit_"):\n            causes.append(',
        "        if False:\n            causes.append(",
        WHOLETAG,
    ),
    Mutation(
        "abi3-lowest-version-not-raised",
        "musldetect/_audit/_abi.py",
        "lowest = max(lowest, entry.added)",
        "lowest = lowest",
        WHOLETAG,
    ),
    Mutation(
        "abi3-data-version",
        "musldetect/_audit/_stable_abi.json",
        '"PyUnicode_AsUTF8AndSize":{"added":"3.10"',
        '"PyUnicode_AsUTF8AndSize":{"added":"3.2"',
        WHOLETAG,
    ),
    Mutation(
        "abi3-data-drops-a-late-3.15-symbol",
        "musldetect/_audit/_stable_abi.json",
        '"PyLong_Export":{"added":"3.15","kind":"function"},',
        "",
        WHOLETAG,
    ),
    Mutation(
        "abi3-data-3.16-item-as-3.15",
        "musldetect/_audit/_stable_abi.json",
        '"Py_HashBuffer":{"added":"3.16"',
        '"Py_HashBuffer":{"added":"3.15"',
        WHOLETAG,
    ),
    Mutation(
        "provenance-stable-abi-unnamed",
        "musldetect/_audit/_provenance.py",
        'DataSet("stable-abi", _stable_abi.source(), "")',
        'DataSet("stable-abi", None, "not consulted")',
        SCHEMA,
    ),
    Mutation(
        "suffix-flags-ignored",
        "musldetect/_audit/_abi.py",
        "if suffix.version != version or sorted(suffix.flags) != sorted(flags):",
        "if suffix.version != version:",
        WHOLETAG,
    ),
    Mutation(
        "suffix-abi3-on-free-threaded",
        "musldetect/_audit/_abi.py",
        '            and "t" not in flags\n',
        "",
        WHOLETAG,
    ),
    Mutation(
        "suffix-arch-suffix-before-3.15",
        "musldetect/_audit/_abi.py",
        'if (suffix.kind == "abi3t" or suffix.triplet) and',
        "if False and",
        WHOLETAG,
    ),
    Mutation(
        "suffix-triplet-arch-ignored",
        "musldetect/_audit/_abi.py",
        "and not _triplet_fits(suffix.triplet, binary.arch):",
        "and False:",
        WHOLETAG,
    ),
    Mutation(
        "pytag-none-abi-extension-accepted",
        "musldetect/_audit/_abi.py",
        '    if abi == "none":',
        "    if False:",
        WHOLETAG,
    ),
    Mutation(
        "pytag-libpython-accepted",
        "musldetect/_audit/_abi.py",
        'if needed.startswith("libpython"):',
        "if False:",
        WHOLETAG,
    ),
    Mutation(
        "isa-v3-read-as-v2",
        "musldetect/_audit/_isa.py",
        "((8, 4), (4, 3), (2, 2))",
        "((8, 4), (4, 2), (2, 2))",
        WHOLETAG,
    ),
    Mutation(
        "isa-level-unjudged",
        "musldetect/_audit/_isa.py",
        "if level is not None and level >= 2:",
        "if level is not None and level >= 4:",
        WHOLETAG,
    ),
    Mutation(
        "execstack-unjudged",
        "musldetect/_audit/_isa.py",
        'if family == "glibc" and not binary_is_program(binary) and binary.executable_stack:',
        "if False:",
        WHOLETAG,
    ),
    Mutation(
        "execstack-musl-judged",
        "musldetect/_audit/_isa.py",
        'if family == "glibc" and not binary_is_program(binary)',
        "if not binary_is_program(binary)",
        WHOLETAG,
    ),
    Mutation(
        "execstack-programs-judged",
        "musldetect/_audit/_isa.py",
        'if family == "glibc" and not binary_is_program(binary) and',
        'if family == "glibc" and',
        WHOLETAG,
    ),
    Mutation(
        "isa-armv7l-soft-float-accepted",
        "musldetect/_elf_header.py",
        "hard = (flags & EF_ARM_ABIMASK) == EF_ARM_ABI_VER5 and flags & EF_ARM_ABI_FLOAT_HARD",
        "hard = True",
        WHOLETAG,
    ),
    Mutation(
        "execstack-default-ignored",
        "musldetect/_elf_header.py",
        "    if arch in EXECUTABLE_DEFAULT_STACK:\n        return True",
        "    if arch in EXECUTABLE_DEFAULT_STACK:\n        return False",
        WHOLETAG,
    ),
    # -- the tag grammar: one home, so a second spelling of it elsewhere must fail a test --
    Mutation(
        "grammar-tags-own-legacy-table",
        "musldetect/_tags.py",
        "alias = legacy_alias((major, minor))",
        'alias = {(2, 5): "manylinux1", (2, 12): "manylinux2010", (2, 17): "manylinux2014"}.get((major, minor))',
        ("tests/test_grammar.py",),
    ),
    Mutation(
        "grammar-platform-own-arch-list",
        "musldetect/_platform.py",
        "    for family, archs in FAMILY_ARCHS.items():",
        '    for family, archs in {"glibc": MANYLINUX_ARCHS, "musl": frozenset({"x86_64", "i686", "aarch64", '
        '"armv7l", "ppc64le", "s390x", "riscv64", "loongarch64"})}.items():',
        ("tests/test_grammar.py",),
    ),
    Mutation(
        "grammar-legacy-alias-any-arch",
        "musldetect/_grammar.py",
        "PlatformTag(GLIBC, LEGACY_VERSIONS[prefix], rest, prefix) if _spelled(rest, _ARCH_CHARACTERS) else None",
        "PlatformTag(GLIBC, LEGACY_VERSIONS[prefix], rest, prefix)",
        ("tests/test_grammar.py",),
    ),
    # -- audit: macOS, iOS, Windows and Android ----------------------------------------------
    Mutation(
        "macos-arm64-before-11",
        "musldetect/_audit/_judge_macos.py",
        "        return max(lowest, ARM64_FIRST)",
        "        return lowest",
        FORMATS,
    ),
    Mutation(
        "macos-minor-after-11",
        "musldetect/_audit/_judge_macos.py",
        "return (major, 0) if (minor, patch) == (0, 0) else (major + 1, 0)",
        "return (major, 0)",
        FORMATS,
    ),
    Mutation(
        "macos-missing-slice-taken",
        "musldetect/_audit/_judge_macos.py",
        "        found = by_arch.get(arch)\n        if found is None:\n            faults",
        "        found = by_arch.get(arch, image.slices[0])\n        if found is None:\n            faults",
        FORMATS,
    ),
    Mutation(
        "macos-build-machine-rpath",
        "musldetect/_audit/_judge_macos.py",
        'if rpath.startswith("/") and not rpath.startswith(SYSTEM_PREFIXES)',
        "if False",
        FORMATS,
    ),
    Mutation(
        "macos-loader-path-ignored",
        "musldetect/_audit/_judge_macos.py",
        '        return [posixpath.normpath(posixpath.join(posixpath.dirname(loader), name[len("@loader_path/") :]))]',
        "        return []",
        FORMATS,
    ),
    Mutation(
        "macos-weak-dylib-required",
        "musldetect/_audit/_images.py",
        'tuple(d.name for d in s.dylibs if d.kind != "weak")',
        "tuple(d.name for d in s.dylibs)",
        FORMATS,
    ),
    Mutation(
        "macos-left-out-arch-unnoticed",
        "musldetect/_audit/_judge_macos.py",
        "if claims and all(set(other[2]) - set(claim[2]) for _, claim in claims):",
        "if False:",
        FORMATS,
    ),
    Mutation(
        "any-wheel-launchers-blamed",
        "musldetect/_audit/_judge_platforms.py",
        "extensions = [image for image in images if any(piece.exports for piece in image.slices)]",
        "extensions = list(images)",
        FORMATS,
    ),
    Mutation(
        "windows-machine-unchecked",
        "musldetect/_audit/_judge_windows.py",
        "            if arch != machine:",
        "            if False:",
        FORMATS,
    ),
    Mutation(
        "windows-libs-directory-ignored",
        "musldetect/_audit/_judge_windows.py",
        'return "/" not in directory and directory.endswith(".libs")',
        "return False",
        FORMATS,
    ),
    Mutation(
        "windows-delay-loads-unchecked",
        "musldetect/_audit/_judge_windows.py",
        "        for dll in piece.libraries + piece.optional_libraries:\n            name = dll.lower()",
        "        for dll in piece.libraries:\n            name = dll.lower()",
        FORMATS,
    ),
    Mutation(
        "windows-runtime-of-any-python",
        "musldetect/_audit/_judge_windows.py",
        "common = found if common is None else common & found",
        'common = frozenset({"vcruntime140.dll", "vcruntime140_1.dll"})',
        FORMATS,
    ),
    Mutation(
        "windows-abi3-versioned-python-dll",
        "musldetect/_audit/_judge_windows.py",
        "if piece.exports and VERSIONED_PYTHON_DLL.fullmatch(dll):",
        "if False:",
        FORMATS,
    ),
    Mutation(
        "android-version-nodes-ignored",
        "musldetect/_audit/_judge_android.py",
        "api = BIONIC_NODES.get(version, 0) if library",
        "api = 0 if library",
        FORMATS,
    ),
    Mutation(
        "android-below-23-judged",
        "musldetect/_audit/_judge_android.py",
        '            judged = False\n            reasons.append(\n                f"{tag}',
        '            reasons.append(\n                f"{tag}',
        FORMATS,
    ),
    Mutation(
        "pe-ordinals-as-names",
        "musldetect/_audit/_pe.py",
        "        if value & ordinal_flag:",
        "        if False:",
        READERS,
    ),
    Mutation(
        "macho-fat64-offsets",
        "musldetect/_audit/_macho.py",
        'offset, size = struct.unpack_from(">QQ", data, at + 8)',
        'offset, size = struct.unpack_from(">II", data, at + 8)',
        READERS,
    ),
    Mutation(
        "any-os-backend-loaded",
        "musldetect/_api.py",
        '    if not sys.platform.startswith("linux"):\n        # No backend',
        "    if False:\n        # No backend",
        ("tests/test_any_os.py",),
    ),
    # -- resolve: the loader's search order and checks -------------------------------------
    Mutation(
        "resolve-memo-unbounded",
        "musldetect/_loader/_resolve.py",
        "if len(self._items) >= self._limit:",
        "if False:",
        RESOLVE,
    ),
    Mutation(
        "resolve-program-origin-from-link",
        "musldetect/_loader/_resolve.py",
        "_origin(root.resolve(main_path) if not search.dlopened else root.inside(path))",
        "_origin(root.inside(path))",
        RESOLVE,
    ),
    Mutation(
        "resolve-library-origin-resolved",
        "musldetect/_loader/_resolve.py",
        "_origin(root.resolve(main_path) if not search.dlopened else root.inside(path))",
        "_origin(root.resolve(main_path))",
        RESOLVE,
    ),
    Mutation(
        "resolve-execstack-granted",
        "musldetect/_loader/_resolve.py",
        "    if version < EXECSTACK_REFUSED_FROM:",
        "    if True:",
        WHOLETAG,
    ),
    Mutation(
        "resolve-execstack-refused-on-musl",
        "musldetect/_loader/_resolve.py",
        "    if search.family != GLIBC:\n",
        "    if False:\n",
        WHOLETAG,
    ),
    Mutation(
        "resolve-rpath-despite-runpath",
        "musldetect/_loader/_resolve.py",
        "    if not requester.runpath:\n",
        "    if True:\n",
        RESOLVE,
    ),
    Mutation(
        "resolve-wrong-machine-taken",
        "musldetect/_loader/_resolve.py",
        "elif machine != self.machine:",
        "elif False:",
        RESOLVE,
    ),
    Mutation(
        "resolve-versions-unchecked",
        "musldetect/_loader/_resolve.py",
        "if version not in provider.defines:",
        "if False:",
        RESOLVE,
    ),
    Mutation(
        "resolve-old-cache-offsets",
        "musldetect/_loader/_ldcache.py",
        "_string(data, strings, key)",
        "_string(data, 0, key)",
        RESOLVE,
    ),
    Mutation(
        "resolve-musl-path-file-ignored",
        "musldetect/_loader/_resolve.py",
        'self._musl_path = [d for d in re.split(r"[:\\n]", text) if d]',
        'self._musl_path = MUSL_DEFAULT_PATH.split(":")',
        RESOLVE,
    ),
    # -- the confined reader ---------------------------------------------------------------
    Mutation(
        "rootfs-sysconfig-listing-unconfined",
        "musldetect/_python.py",
        "            names = root.listdir(lib)",
        '            names = sorted(__import__("os").listdir(root.path + lib))',
        ROOTFS,
    ),
    Mutation(
        "rootfs-dotdot-clamp",
        "musldetect/_rootfs.py",
        "                if resolved:\n",
        "                if True:\n",
        ROOTFS,
    ),
    Mutation("rootfs-link-bound", "musldetect/_rootfs.py", "if followed > MAX_SYMLINKS:", "if False:", ROOTFS),
    Mutation(
        "rootfs-special-file-opened",
        "musldetect/_rootfs.py",
        "            if not stat.S_ISREG(st.st_mode):\n                raise _not_regular(st.st_mode, "
        "self._shown(resolved))\n",
        "",
        ROOTFS,
    ),
    Mutation(
        "override-file-below-env",
        "musldetect/_override.py",
        '    if value is not None and value.strip() != "":',
        "    if False:",
        ("tests/test_api.py",),
    ),
    # -- what a newcomer meets (issue 28) ---------------------------------------------------
    Mutation(
        "audit-skip-unloadable",
        "musldetect/_audit/_binary.py",
        "    if unloadable:\n",
        "    if False:\n",
        ("tests/test_audit_inputs.py",),
    ),
    Mutation(
        "audit-debug-file-nobits",
        "musldetect/_audit/_binary.py",
        "        if address in addresses:",
        "        if False:",
        ("tests/test_audit_inputs.py",),
    ),
    Mutation(
        "audit-interpreter-family",
        "musldetect/_audit/_in_target.py",
        "binary.family != runs_in.family",
        "binary.family == ''",
        ("tests/test_audit_inputs.py",),
    ),
    Mutation(
        "audit-wheel-name-double-underscore",
        "musldetect/_audit/_judge.py",
        'elif "__" in match.group("name"):',
        "elif False:",
        ("tests/test_audit_inputs.py",),
    ),
    Mutation(
        "audit-wheel-name-version",
        "musldetect/_audit/_judge.py",
        'elif re.fullmatch(_VERSION, match.group("version"), re.IGNORECASE) is None:',
        "elif False:",
        ("tests/test_audit_inputs.py",),
    ),
    Mutation(
        "audit-unfit-blame",
        "musldetect/_audit/_judge.py",
        "    if not declared:  # nothing claimed",
        "    if False:  # nothing claimed",
        ("tests/test_audit_inputs.py",),
    ),
    Mutation(
        "resolve-cache-no-entry",
        "musldetect/_loader/_resolve.py",
        'searched.append("ld.so.cache: no entry")',
        "pass",
        ("tests/test_resolve_output.py",),
    ),
    Mutation(
        "cli-cannot-judge-apart",
        "musldetect/_cli.py",
        "EXIT_CANNOT_JUDGE = 3",
        "EXIT_CANNOT_JUDGE = 2",
        ("tests/test_cli.py",),
    ),
    Mutation(
        "target-pip-portable-first",
        "musldetect/_target.py",
        'sorted(target.platform_tags, key=lambda tag: tag.startswith("linux_"))',
        "target.platform_tags",
        TARGETS,
    ),
    Mutation(
        "cli-closed-pipe-decided-status",
        "musldetect/_cli.py",
        'return _OUTCOME["status"]',
        "return 141",
        ("tests/test_cli.py",),
    ),
    Mutation(
        "audit-interpreter-arch",
        "musldetect/_audit/_in_target.py",
        "if runs_in.arch and binary.arch != runs_in.arch:",
        "if False:",
        ("tests/test_audit_inputs.py",),
    ),
    Mutation(
        "rootfs-root-follows-links",
        "musldetect/_rootfs.py",
        "_DIR_FLAGS & ~os.O_NOFOLLOW",
        "_DIR_FLAGS",
        ("tests/test_root_argument.py",),
    ),
    Mutation(
        "override-glibc-two-parts",
        "musldetect/_override.py",
        'parts = (2, 3) if family == "musl" else (2,)',
        "parts = (2, 3)",
        ("tests/test_cli.py",),
    ),
    # -- the C twin of the symbol pass (csrc/md_elfsym.c), held to the Python reader ------
    Mutation(
        "c-symbols-budget-edge",
        "csrc/md_elfsym.c",
        "if (names.searched > names.budget)",
        "if (names.searched >= names.budget)",
        TWINS,
    ),
    Mutation(
        "c-symbols-exported-binding",
        "csrc/md_elfsym.c",
        "((info >> 4) == STB_GLOBAL || (info >> 4) == STB_WEAK)",
        "((info >> 4) != 0xF)",
        TWINS,
    ),
    Mutation(
        "c-symbols-empty-name", "csrc/md_elfsym.c", "if (length <= 0) return 0;", "if (length < 0) return 0;", TWINS
    ),
    Mutation("c-symbols-shndx-column", "csrc/md_elfsym.c", "shndx_at = 6;", "shndx_at = 7;", TWINS),
    Mutation(
        "c-symbols-prefix-at-end",
        "csrc/md_elfsym.c",
        "if (length <= in->strings_size - at &&",
        "if (length < in->strings_size - at &&",
        TWINS,
    ),
    Mutation(
        "audit-takes-the-symbol-twin",
        "musldetect/_audit/_binary.py",
        "symbols, exported = symbol_columns(elf, elf.dynamic, _EXPORTS_WANTED, native_symbol_pass())",
        "symbols, exported = symbol_columns(elf, elf.dynamic, _EXPORTS_WANTED, None)",
        TWINS,
    ),
    # -- the C dynamic pass (csrc/md_elfdyn.c), held to the Python reader's facts ----------
    Mutation(
        "c-dynamic-filesz-past-memsz",
        "csrc/md_elfdyn.c",
        "    if (in->dynamic_filesz > in->dynamic_memsz) return MD_DYN_DECLINED; /* segment_bytes raises */\n",
        "",
        TWINS,
    ),
    Mutation(
        "c-dynamic-first-value",
        "csrc/md_elfdyn.c",
        "if (slot >= 0 && !dyn->has[slot]) {",
        "if (slot >= 0) {",
        TWINS,
    ),
    Mutation(
        "c-dynamic-piece-end",
        "csrc/md_elfdyn.c",
        "    if (size <= piece->size - at) return piece->data + at;",
        "    if (size <= piece->size - at + 16) return piece->data + at;",
        TWINS,
    ),
    Mutation(
        "c-dynamic-joined-take",
        "csrc/md_elfdyn.c",
        "if (take > size - copied) take = size - copied;",
        "if (take > size - copied) take = size - copied - 1;",
        TWINS,
    ),
    Mutation(
        "c-dynamic-hole",
        "csrc/md_elfdyn.c",
        "    if (at >= piece->size) return NULL; /* in a hole, or past the last piece */\n",
        "",
        TWINS,
    ),
    Mutation("c-dynamic-weak-need", "csrc/md_elfdyn.c", "& VER_FLG_WEAK) != 0;", "& 0x1) != 0;", TWINS),
    Mutation(
        "c-dynamic-gnu-hash-below-first",
        "csrc/md_elfdyn.c",
        "    if (last < first_hashed) {",
        "    if (last <= first_hashed) {",
        TWINS,
    ),
    Mutation(
        "c-dynamic-string-page",
        "csrc/md_elfdyn.c",
        "uint64_t end = index - index % STRING_PAGE + MAX_STRING;",
        "uint64_t end = index + MAX_STRING;",
        TWINS,
    ),
    Mutation(
        "c-dynamic-versym-strong-only",
        "csrc/md_elfdyn.c",
        "        if (out->symbols[i].weak) continue;\n",
        "",
        TWINS,
    ),
    Mutation(
        "held-head-short-first-piece",
        "musldetect/_elf.py",
        "if self._pieces and self._starts[0] == 0 and len(self._pieces[0]) >= WINDOW:",
        "if self._pieces and self._starts[0] == 0:",
        TWINS,
    ),
    Mutation(
        "dynamic-pass-on-sparse-holds",
        "musldetect/_audit/_binary.py",
        "held is not None and held.complete else None",
        "held is not None else None",
        TWINS,
    ),
    Mutation(
        "c-dynamic-python-names",
        "csrc/md_module.c",
        "&& memcmp(out->strings + symbol->name_at, python->pointers[p], python->sizes[p]) == 0;",
        "&& 1;",
        TWINS,
    ),
    Mutation(
        "dynamic-pass-every-symbol-when-asked",
        "musldetect/_audit/_binary.py",
        "_dynamic_of(found, lambda: _undefined_symbols(elf))",
        "_dynamic_of(found, lambda: Undefined([], [], []))",
        ("tests/test_audit.py", "-k", "old_pythons"),
    ),
    # -- the C reader's memory, kept for the next wheel ----------------------------------
    Mutation(
        "zip-reused-memory-not-kept",
        "musldetect/_audit/_zip.py",
        "            _KEPT[:1] = [memory]  # one step, so threads ending together leave one pair kept",
        "            pass",
        ("tests/test_zip_twins.py", "-k", "reused_memory_is_kept"),
    ),
    Mutation(
        "zip-reused-memory-shared",
        "musldetect/_audit/_zip.py",
        "        return _KEPT.pop()",
        "        return _KEPT[0]",
        ("tests/test_zip_twins.py", "-k", "reused_memory_is_kept"),
    ),
    # -- the C header pass (csrc/md_elfhead.c, _native.elf_facts), held to the Python reader ---
    Mutation(
        "elf-facts-every-symbol-when-asked",
        "musldetect/_audit/_binary.py",
        "            return _undefined_symbols(elf)",
        "            return Undefined([], [], [])",
        ("tests/test_audit.py", "-k", "old_pythons"),
    ),
    Mutation(
        "audit-takes-elf-facts",
        "musldetect/_audit/_binary.py",
        "found = _held_natively(held, shown, path, native) if native is not None and held.complete else None",
        "found = None",
        TWINS,
    ),
    Mutation(
        "elf-facts-stack-absent",
        "musldetect/_audit/_binary.py",
        "stack = stack_flags if stack_flags >= 0 else None",
        "stack = stack_flags",
        TWINS,
    ),
    Mutation(
        "c-head-interp-empty",
        "csrc/md_elfhead.c",
        "    if (!end || end == data) return -1;",
        "    if (!end) return -1;",
        TWINS,
    ),
    Mutation("c-head-note-align", "csrc/md_elfhead.c", "align = s->align == 8 ? 8 : 4,", "align = 4,", TWINS),
    Mutation(
        "c-head-every-property-note",
        "csrc/md_elfhead.c",
        "if (!*found && note_type == NT_GNU_PROPERTY_TYPE_0",
        "if (note_type == NT_GNU_PROPERTY_TYPE_0",
        TWINS,
    ),
    Mutation(
        "c-head-note-past-its-segment",
        "csrc/md_elfhead.c",
        "        if (desc_at + descsz > length) return -1;\n",
        "",
        TWINS,
    ),
    Mutation(
        "c-head-property-past-its-note",
        "csrc/md_elfhead.c",
        "        if (at + 8 + size > length) return -1;\n",
        "",
        TWINS,
    ),
    Mutation(
        "c-head-property-cap",
        "csrc/md_elfhead.c",
        "if (head->property_count == MD_MAX_PROPERTIES) return -1;",
        "if (head->property_count == MD_MAX_PROPERTIES) break;",
        TWINS,
    ),
    Mutation(
        "c-head-debug-info-answered",
        "csrc/md_elfhead.c",
        "if (s.type == PT_DYNAMIC && s.vaddr == address) return 1;",
        "if (s.type == PT_DYNAMIC && s.vaddr == address) return 0;",
        TWINS,
    ),
    Mutation(
        "c-head-last-gnu-stack",
        "csrc/md_elfhead.c",
        "if (s.type == PT_GNU_STACK && head->stack_flags < 0)",
        "if (s.type == PT_GNU_STACK)",
        TWINS,
    ),
    Mutation(
        "c-head-phentsize-unchecked",
        "csrc/md_elfhead.c",
        "(*phnum && phentsize != expected) ||",
        "(0 && phentsize != expected) ||",
        TWINS,
    ),
    Mutation(
        "c-head-any-type",
        "csrc/md_elfhead.c",
        "if (table && (head->type == ET_EXEC || head->type == ET_DYN))",
        "if (table)",
        TWINS,
    ),
    Mutation(
        "c-head-narrow-hash-everywhere",
        "csrc/md_module.c",
        "in.wide_hash = head.bits == 64 ? among(wide, head.machine) : 0;",
        "in.wide_hash = 0;",
        TWINS,
    ),
    Mutation(
        "audit-takes-the-dynamic-pass",
        "musldetect/_audit/_binary.py",
        "found = _read_natively(elf, held, native) if",
        "found = None if",
        TWINS,
    ),
    Mutation(
        "judge-declared-fit-known",
        "musldetect/_audit/_judge.py",
        "    if policy is allowed.oldest.get((arch, family)):",
        "    if policy is not None:",
        ("tests/test_audit.py",),
    ),
    # -- the C twin of the container's common case (csrc/md_zip.c) --------------------------
    Mutation(
        "c-zip-local-extra",
        "csrc/md_zip.c",
        "    if (header[28] || header[29]) return MD_ZIP_DECLINED; /* a local extra field */\n",
        "",
        ZIP_TWINS,
    ),
    Mutation(
        "c-zip-symlink",
        "csrc/md_zip.c",
        "if ((mode & 0170000) == 0120000) return MD_ZIP_DECLINED;",
        "if (mode == 0xFFFFFFFFu) return MD_ZIP_DECLINED;",
        ZIP_TWINS,
    ),
    Mutation(
        "c-zip-directory-filled",
        "csrc/md_zip.c",
        "    if (at != directory_size) return MD_ZIP_DECLINED;\n",
        "",
        ZIP_TWINS,
    ),
    Mutation(
        "c-zip-accounted-to-directory",
        "csrc/md_zip.c",
        "answer == MD_ZIP_OK && expected == directory_offset ? MD_ZIP_OK",
        "answer == MD_ZIP_OK ? MD_ZIP_OK",
        ZIP_TWINS,
    ),
    Mutation(
        "c-zip-fixed-fields",
        "csrc/md_zip.c",
        "central + CENTRAL_FIXED_AT, FIXED_LENGTH) != 0)",
        "central + CENTRAL_FIXED_AT, FIXED_LENGTH - 12) != 0)",
        ZIP_TWINS,
    ),
    Mutation(
        "c-zip-directory-entry-size",
        "csrc/md_zip.c",
        "size_refused(member, name))",
        "size_refused(member, name) && member->size > CHUNK)",
        ZIP_TWINS,
    ),
    Mutation(
        "audit-takes-the-zip-twin",
        "musldetect/_audit/_zip.py",
        "walked = self._walked(layout) if STRUCTURE_CHECKS else None",
        "walked = None",
        ZIP_TWINS,
    ),
    # -- a wheel's names checked at once (_zip._plainly_distinct) ----------------------------
    Mutation(
        "zip-names-at-once-dot-dot",
        "musldetect/_audit/_zip.py",
        ' or "/./" in bracketed or "/../" in bracketed:',
        ' or "/./" in bracketed:',
        ZIP,
    ),
    Mutation(
        "zip-names-at-once-file-as-directory",
        "musldetect/_audit/_zip.py",
        '    return parents.isdisjoint(key for key, name in zip(keys, names) if name[-1:] != "/")',
        "    return True",
        ZIP,
    ),
    # -- the C member reader (csrc/md_inflate.c) and the audit's use of it -------------------
    Mutation(
        "c-crc-fold-constant",
        "csrc/md_inflate.c",
        "{0x0154442bd4, 0x01c6e41596}",
        "{0x0154442bd5, 0x01c6e41596}",
        MEMBER_TWINS,
    ),
    Mutation(
        "c-crc-tail-dropped",
        "csrc/md_inflate.c",
        "    return zlib_crc(crc, data, length);\n}",
        "    return crc;\n}",
        MEMBER_TWINS,
    ),
    Mutation(
        "c-inflate-no-room-for-more",
        "csrc/md_inflate.c",
        "inflate_into(scratch, compressed, out, size + 1, result)",
        "inflate_into(scratch, compressed, out, size, result)",
        MEMBER_TWINS,
    ),
    Mutation(
        "c-inflate-input-left-over",
        "csrc/md_inflate.c",
        "result->complete = code == Z_STREAM_END && stream.avail_in == 0 && fed == length;",
        "result->complete = code == Z_STREAM_END;",
        MEMBER_TWINS,
    ),
    Mutation(
        "c-read-short-taken",
        "csrc/md_inflate.c",
        "    if (result->read_errno || got != compressed) {",
        "    if (result->read_errno) {",
        MEMBER_TWINS,
    ),
    Mutation(
        "c-dynamic-past-the-file",
        "csrc/md_elfdyn.c",
        "    if (offset > in->file_size || size > in->file_size - offset || size > MAX_READ) return NULL;",
        "    if (size > MAX_READ) return NULL;",
        TWINS,
    ),
    Mutation(
        "audit-reused-past-unsaid",
        "musldetect/_audit/_zip.py",
        "        if member.method == DEFLATED and found.produced > member.size:",
        "        if False:",
        MEMBER_TWINS,
    ),
    Mutation(
        "audit-takes-the-member-reader",
        "musldetect/_audit/_zip.py",
        'self._memory = _reused_memory(native) if native is not None and inflater.name == "zlib" else None',
        "self._memory = None",
        MEMBER_TWINS,
    ),
    # -- the sparse hold of large members, static programs' marks searched as they stream --
    Mutation(
        "sparse-from-size",
        "musldetect/_audit/_read.py",
        "SPARSE_FROM = 14 << 20",
        "SPARSE_FROM = 32 << 20",
        SPARSE_REAL,
    ),
    Mutation(
        "mark-search-seam",
        "musldetect/_audit/_read.py",
        "            self._search(self.seam + piece[:keep], start - len(self.seam))",
        "            pass",
        SPARSE_BUILT,
    ),
    Mutation(
        "mark-search-range-end",
        "musldetect/_audit/_read.py",
        "if high - low >= length and",
        "if high - low > length and",
        SPARSE_BUILT,
    ),
    Mutation(
        "static-family-takes-the-streamed-mark",
        "musldetect/_inspect.py",
        "found = elf.readonly_mark(_rules.MUSL_STATIC_MARK)",
        "found = None",
        SPARSE_BUILT,
    ),
    # -- Ctrl-C with worker processes: the pool abandoned, never shut down by Python -------
    Mutation(
        "ctrl-c-shutdown-unbounded",
        "musldetect/_cli.py",
        "    shutdown.join(ABANDON_WAIT)\n",
        "    shutdown.join()\n",
        CTRL_C,
    ),
    Mutation("ctrl-c-no-stop-for-new-workers", "musldetect/_cli.py", "    stop.set()\n", "", CTRL_C),
    Mutation(
        "main-ends-after-a-hung-pool",
        "musldetect/_cli.py",
        "    if _ABANDONED:  # a worker pool whose shutdown hung: nothing may run it again at exit\n"
        "        _end_now(status)\n",
        "",
        ("tests/test_cli.py", "-k", "hangs_still_ends"),
    ),
    Mutation(
        "progress-names-not-cut",
        "musldetect/_cli.py",
        "    if len(text) > width:\n",
        "    if False:\n",
        ("tests/test_cli_batch.py", "-k", "80_column"),
    ),
]


def _source(path: str) -> str:
    with open(os.path.join(REPO, path)) as fh:
        return fh.read()


def copy_checkout(destination: str) -> str:
    ignore = shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__", "*.so", ".pytest_cache")
    shutil.copytree(REPO, destination, ignore=ignore)
    return destination


def build(python: str, tree: str) -> None:
    env = dict(os.environ, MUSLDETECT_BUILD_EXT="required", **_own_zlib(python))
    proc = subprocess.run(
        [python, "setup.py", "-q", "build_ext", "--inplace", "--force"],
        cwd=tree,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"building the extension failed in {tree}:\n{proc.stdout[-2000:]}")


def _own_zlib(python: str) -> Dict[str, str]:
    """The flags that link an interpreter's own zlib where its prefix has one (the musl
    interpreter tests/musl/build-python.sh builds, as .ci/run's musl wheel links it): a
    required build needs zlib for the member reader."""
    prefix = os.path.dirname(os.path.dirname(python))
    if not os.path.exists(os.path.join(prefix, "include", "zlib.h")):
        return {}
    return {
        "MUSLDETECT_CFLAGS": f"-I{prefix}/include",
        "MUSLDETECT_LDFLAGS": f"-L{prefix}/lib -Wl,--exclude-libs,ALL",
    }


def rebuilds(mutation: Mutation) -> bool:
    """C sources, and the rules the C core's generated header is written from."""
    return mutation.path.startswith("csrc/") or mutation.path == "musldetect/_rules.py"


_NO_TESTS_COLLECTED = 5  # pytest's exit status when a selection matches nothing
# A killer that is a module which did not import ("" after it: no test was reached at all).
COLLECT_FAILED = "collect-failed "


class Outcome(NamedTuple):
    """What one pytest run said, test by test (from the _outcomes plugin), and its status."""

    status: int
    lines: List[str]  # "<outcome> <node id>", in the order pytest reported them
    output: str

    def killer(self) -> Optional[str]:
        """What stopped the run: the first test that failed; else a test that started and
        never finished (the process died in it: a C mutation's usual failure); else
        "collect-failed <path>" for a module that did not import; None if no test was reached."""
        started: List[str] = []
        finished = set()
        for line in self.lines:
            outcome, _, node_id = line.partition(" ")
            if outcome == "failed":
                return node_id
            if outcome == "collect-failed":
                return line
            if outcome == "started":
                started.append(node_id)
            elif outcome == "finished":
                finished.add(node_id)
        return next((node_id for node_id in started if node_id not in finished), None)

    def passed(self, node_id: str) -> bool:
        """The run ended well and this test's call passed."""
        return (
            self.status == 0
            and f"passed {node_id}" in self.lines
            and not any(line.startswith("failed ") for line in self.lines)
        )


def run_tests(python: str, tree: str, tests: Sequence[str], wheels: bool = False) -> Outcome:
    # Every backend and all test material required: a test that skips cannot kill.
    with tempfile.NamedTemporaryFile(prefix="musldetect-mutation-outcomes-", suffix=".txt") as outcomes:
        env = dict(
            {key: value for key, value in os.environ.items() if wheels or key != "MUSLDETECT_WHEELS"},
            PYTHONPATH=tree,
            PYTHONDONTWRITEBYTECODE="1",
            MUSLDETECT_REQUIRE_MUSL="1",
            MUSLDETECT_REQUIRE_BACKENDS="native,cffi,ctypes,python",
            MUSLDETECT_MUTATION_OUTCOMES=outcomes.name,
        )
        proc = subprocess.run(
            [python, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "mutation._outcomes", *tests],
            cwd=tree,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        with open(outcomes.name, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    return Outcome(proc.returncode, lines, proc.stdout)


def run_killer(python: str, tree: str, mutation: Mutation, killer: str) -> Outcome:
    """The killer alone: its test by node id, or collecting its module (the selection, for
    a run that reached no test)."""
    if killer.startswith(COLLECT_FAILED):
        path = killer[len(COLLECT_FAILED) :]
        return run_tests(python, tree, ["--collect-only", *([path] if path else mutation.tests)], mutation.wheels)
    return run_tests(python, tree, [killer], mutation.wheels)


def confirm_kill(python: str, tree: str, mutation: Mutation, killer: str, fails_alone: bool) -> None:
    """On the unmutated copy: the killer alone passes (or collects) when it also failed alone
    under the mutation; when it failed only after the tests before it, the whole selection
    passes. Otherwise the kill proves nothing and the run stops with the evidence.

    This replaces running every selection whole before any mutation: most kills cost one
    test run twice, and a test that fails whatever the mutation is still caught."""
    collected = killer.startswith(COLLECT_FAILED)
    if fails_alone:
        check = run_killer(python, tree, mutation, killer)
        confirmed = check.status == 0 if collected else check.passed(killer)
    else:
        check = run_tests(python, tree, mutation.tests, mutation.wheels)
        confirmed = check.status == 0 and (collected or check.passed(killer))
    if confirmed:
        return
    raise RuntimeError(
        f"{mutation.name}: {killer} failed under the mutation but does not pass without it either:\n"
        f"{check.output[-2000:]}"
    )


class Verdict(NamedTuple):
    killer: Optional[str]  # None: the mutation survived
    fails_alone: bool  # the killer failed run alone under the mutation too


def mutated_verdict(python: str, tree: str, mutation: Mutation) -> Verdict:
    """The mutation's tests on the mutated copy, and its killer run alone there too."""
    outcome = run_tests(python, tree, mutation.tests, mutation.wheels)
    if outcome.status == _NO_TESTS_COLLECTED:
        raise RuntimeError(f"{mutation.name}: its selection collects no test:\n{outcome.output[-2000:]}")
    if outcome.status == 0:
        return Verdict(None, False)
    killer = outcome.killer() or COLLECT_FAILED  # no test reached: a conftest that did not import
    return Verdict(killer, run_killer(python, tree, mutation, killer).status != 0)


def try_mutation(python: str, where: str, tree: str, mutation: Mutation) -> bool:
    """Apply one mutation to the scratch copy, run its tests, put the source back; True if killed."""
    path = os.path.join(tree, mutation.path)
    with open(path) as fh:
        original = fh.read()
    if original.count(mutation.old) != 1:
        raise RuntimeError(
            f"{mutation.name}: the text to mutate occurs {original.count(mutation.old)} "
            f"times in {mutation.path}, not once: update the mutation"
        )
    started = time.monotonic()
    try:
        with open(path, "w") as fh:
            fh.write(original.replace(mutation.old, mutation.new))
        if rebuilds(mutation):
            build(python, tree)
        for _ in range(TIMING_BOUND.get(tuple(mutation.tests), 1)):
            verdict = mutated_verdict(python, tree, mutation)
            if verdict.killer is not None:
                break
    finally:
        with open(path, "w") as fh:
            fh.write(original)
        if rebuilds(mutation):
            build(python, tree)
    shown = "SURVIVED"
    if verdict.killer is not None:
        confirm_kill(python, tree, mutation, verdict.killer, verdict.fails_alone)
        shown = f"killed    {time.monotonic() - started:5.1f} s  by {verdict.killer}"
        shown += "" if verdict.fails_alone else " (after the tests before it)"
    print(f"{where:5} {mutation.name:30} {shown}", flush=True)
    return verdict.killer is not None


def run(python: str, where: str, waiting: Queue[Mutation], stop: threading.Event) -> List[str]:
    """Take mutations from the shared queue until it is empty, in a scratch copy of one's own;
    a worker's error stops the others at their next mutation."""
    survivors = []
    with tempfile.TemporaryDirectory(prefix=f"musldetect-mutation-{where}-") as scratch:
        tree = copy_checkout(os.path.join(scratch, "tree"))
        build(python, tree)
        while not stop.is_set():
            try:
                mutation = waiting.get_nowait()
            except Empty:
                break
            try:
                killed = try_mutation(python, where, tree, mutation)
            except BaseException:
                stop.set()
                raise
            if not killed:
                survivors.append(f"{where}: {mutation.name}")
    return survivors


def _share(parser: argparse.ArgumentParser, share: str, chosen: List[Mutation]) -> List[Mutation]:
    """The K-th of N interleaved shares (0 <= K < N): N runs with K = 0..N-1 cover the list."""
    index, _, count = share.partition("/")
    if not (index.isdigit() and count.isdigit() and int(index) < int(count)):
        parser.error(f"--share takes K/N with 0 <= K < N, not {share!r}")
    picked = chosen[int(index) :: int(count)]
    print(f"share {share}: {len(picked)} of {len(chosen)} mutations (the text of every one checked)")
    return picked


def _queue(mutations: List[Mutation]) -> Queue[Mutation]:
    """The mutations in list order, but those of the slowest selections first: a worker that
    took one of them last would leave the others idle for its whole run."""
    waiting: Queue[Mutation] = Queue()
    for mutation in sorted(mutations, key=lambda mutation: tuple(mutation.tests) not in SLOWEST_SELECTIONS):
        waiting.put(mutation)
    return waiting


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="the host interpreter (default: this one)")
    parser.add_argument("--musl-python", help="the musl-linked interpreter, for the mutations only musl kills")
    parser.add_argument("--only", action="append", default=[], help="run this mutation (repeatable)")
    parser.add_argument(
        "--jobs", type=int, default=1, help="run the host mutations in this many scratch copies at once (default 1)"
    )
    parser.add_argument(
        "--share",
        metavar="K/N",
        help="run only the K-th of N interleaved shares of the list "
        "(CI's quick mode rotates K; every text is still checked to occur once)",
    )
    args = parser.parse_args(argv)
    chosen = [m for m in MUTATIONS if not args.only or m.name in args.only]
    unknown = set(args.only) - {m.name for m in MUTATIONS}
    if unknown:
        parser.error(f"unknown mutations: {', '.join(sorted(unknown))}")
    stale = [m.name for m in chosen if _source(m.path).count(m.old) != 1]
    if stale:  # checked before any copy is made: a refactor moved the text a mutation names
        parser.error(f"the text to mutate does not occur exactly once for: {', '.join(stale)}")
    if args.share:
        chosen = _share(parser, args.share, chosen)
    host = [m for m in chosen if m.where == "host"]
    musl_only = [m for m in chosen if m.where == "musl"]
    # Each worker has a scratch copy of its own and takes the next host mutation as it ends
    # one, so a slow mutation does not hold up a fixed half of the list; the musl
    # interpreter's worker runs beside them.
    workers = [("host", args.python, _queue(host))] * max(args.jobs, 1) if host else []
    if musl_only:
        if not args.musl_python:
            print(f"not run without --musl-python: {', '.join(m.name for m in musl_only)}")
        else:
            workers.append(("musl", args.musl_python, _queue(musl_only)))
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=max(len(workers), 1)) as pool:
        results = list(pool.map(lambda worker: run(worker[1], worker[0], worker[2], stop), workers))
    survivors = [survivor for found in results for survivor in found]
    if survivors:
        print("survivors (a test must fail for each):\n  " + "\n  ".join(survivors))
        return 1
    print(
        f"all {len(chosen)} mutations killed"
        if args.musl_python or not musl_only
        else f"{len(chosen) - len(musl_only)} mutations killed"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
