#!/usr/bin/python3
"""Benchmarks: unifork side by side with a Linux guest under the same QEMU.

    bench/run.py [--accel auto|kvm|tcg] [--qemu PATH] [--repeat N] [--mem SIZE]
                 [--only NAME...] [--markdown] [...]

See bench/README.md for what each number means. Progress goes to stderr, the report to
stdout. Only the Python standard library is used; the guest programs are built with musl-gcc
(Debian: musl-tools), the QEMU floor kernel with gcc, and the Linux guest is Debian's kernel
(apt-get install -y linux-image-amd64).
"""

import argparse
import datetime
import glob
import json
import os
import re
import shlex
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)
WORK_DIR = os.path.join(BENCH_DIR, ".work")

# Kernel command line of the Linux guest, before the arguments for /init. Why each one is
# there: bench/README.md.
LINUX_APPEND = "console=ttyS0 quiet loglevel=0 panic=-1 reboot=t cryptomgr.notests"

# Microbenchmarks in the order they are reported: name, what one operation is, unit.
MICRO = [
    ("getpid", "getpid syscall", "ns"),
    ("spawn", "posix_spawn + waitpid", "ns"),
    ("vfork_exec", "vfork + execve + waitpid", "ns"),
    ("fork_exit", "fork + _exit + waitpid", "ns"),
    ("children64", "64 live children (min --mem)", "mem"),
    ("pipe_pingpong", "1-byte pipe round trip, 2 processes", "ns"),
    ("pipe_throughput", "64 KiB pipe writes to another process", "MiB/s"),
    ("epoll_wait", "epoll_wait over 64 pipes (write+wait+read)", "ns"),
    ("signal_self", "kill(self) to handler return", "ns"),
    ("signal_pingpong", "signal round trip, 2 processes", "ns"),
    ("sigprocmask", "one sigprocmask call", "ns"),
]
MICRO_NAMES = [m[0] for m in MICRO]
GROUPS = ["boot", "min_mem", "size"]

# Targets: unifork / Linux guest ratio. "le": at most, "ge": at least.
TARGETS = {
    "getpid": ("le", 1 / 4, "≤ 1/4"),
    "spawn": ("le", 1 / 3, "≤ 1/3"),
    "fork_exit": ("le", 1 / 2, "≤ 1/2"),
    "pipe_pingpong": ("le", 1 / 2, "≤ 1/2"),
    "pipe_throughput": ("ge", 2.0, "≥ 2×"),
    "signal_self": ("le", 1.0, "≤ 1×"),
    "signal_pingpong": ("le", 1.0, "≤ 1×"),
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Failure(Exception):
    """A measurement that could not be taken; the message goes into the report."""


# ---------------------------------------------------------------------------------------------
# Small helpers


def parse_mib(text):
    """QEMU-style size ("128M", "1G", "512m", "64") to MiB."""
    m = re.fullmatch(r"\s*(\d+)\s*([mMgGtT]?)[iI]?[bB]?\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {text!r} (use e.g. 128M or 1G)")
    value = int(m.group(1))
    unit = m.group(2).upper()
    return value * {"": 1, "M": 1, "G": 1024, "T": 1024 * 1024}[unit]


def median(values):
    return statistics.median(values) if values else None


def fmt_seconds(s):
    return f"{s:.3f} s" if s is not None else "—"


def fmt_ns(ns):
    if ns is None:
        return "—"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def fmt_bytes(n):
    if n is None:
        return "—"
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.2f} MiB"
    if n >= 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n} B"


def fmt_ratio(r):
    if r is None:
        return "—"
    return f"{r:.3f}×" if r < 0.1 else f"{r:.2f}×"


def newest_file(pattern):
    files = sorted(glob.glob(pattern), key=lambda p: os.path.getmtime(p))
    return files[-1] if files else None


def bzimage_version(path):
    """The version string a bzImage carries in its setup header (offset 0x20e)."""
    try:
        with open(path, "rb") as f:
            data = f.read(64 * 1024)
        if data[0x202:0x206] != b"HdrS":
            return None
        (offset,) = struct.unpack_from("<H", data, 0x20E)
        raw = data[offset + 0x200 : offset + 0x200 + 256]
        return raw.split(b"\0")[0].decode("ascii", "replace")
    except (OSError, struct.error):
        return None


def write_newc(path, entries):
    """Write a newc cpio archive. entries: (name, mode, data bytes, rdev major, rdev minor)."""
    out = bytearray()

    def pad4():
        while len(out) % 4:
            out.append(0)

    ino = 1
    for name, mode, data, major, minor in entries + [("TRAILER!!!", 0, b"", 0, 0)]:
        encoded = name.encode() + b"\0"
        fields = [ino, mode, 0, 0, 2 if (mode & 0o170000) == 0o040000 else 1, 0, len(data),
                  0, 0, major, minor, len(encoded), 0]
        out += b"070701" + b"".join(b"%08X" % f for f in fields)
        out += encoded
        pad4()
        out += data
        pad4()
        ino += 1
    with open(path, "wb") as f:
        f.write(out)


def linux_initramfs(path, program):
    """An initramfs whose /init is `program` (a static binary), with /dev/console."""
    with open(program, "rb") as f:
        data = f.read()
    write_newc(path, [
        ("dev", 0o040755, b"", 0, 0),
        ("dev/console", 0o020600, b"", 5, 1),
        ("init", 0o100755, data, 0, 0),
    ])


# ---------------------------------------------------------------------------------------------
# Building the guest programs


def build_programs():
    """Compile hello, microbench (musl-gcc -static -O2) and the floor kernel into bench/.work."""
    os.makedirs(WORK_DIR, exist_ok=True)
    musl = shutil.which("musl-gcc")
    cc = shutil.which("gcc") or shutil.which("cc")
    if not musl or not cc:
        raise SystemExit("bench: needs musl-gcc and gcc (Debian: apt-get install -y musl-tools gcc)")
    jobs = [
        ("hello", [musl, "-static", "-O2", "-Wall", "-o", "{out}", "{src}"], "hello.c"),
        ("microbench", [musl, "-static", "-O2", "-Wall", "-o", "{out}", "{src}"], "microbench.c"),
        ("floor.elf", [cc, "-nostdlib", "-static", "-no-pie", "-Wl,-N", "-Wl,-Ttext=0x100000",
                       "-Wl,--build-id=none", "-Wl,--no-warn-rwx-segments", "-o", "{out}", "{src}"],
         "floor.S"),
    ]
    built = {}
    for name, command, source in jobs:
        src = os.path.join(BENCH_DIR, source)
        out = os.path.join(WORK_DIR, name)
        if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(src):
            argv = [a.format(out=out, src=src) for a in command]
            r = subprocess.run(argv, capture_output=True, text=True)
            if r.returncode != 0:
                raise SystemExit(f"bench: building {name} failed:\n{r.stderr}")
        built[name] = out
    return built


def host_tsc_khz(microbench):
    """The host TSC frequency. Under TCG the guest's TSC is the host's, and Linux needs to be
    told its frequency (tsc_early_khz) because microvm has no HPET or ACPI PM timer to
    calibrate against."""
    try:
        r = subprocess.run([microbench, "--tsc-khz"], capture_output=True, text=True, timeout=10)
        khz = int(float(r.stdout.strip()))
        return khz if khz > 0 else None
    except (subprocess.SubprocessError, ValueError, OSError):
        return None


# ---------------------------------------------------------------------------------------------
# QEMU command lines


class QemuCommand:
    """The exact QEMU command line the unifork CLI uses, recorded once, replayed with another
    kernel, initrd, memory size or kernel command line. The CLI's serial ports are sockets it
    owns; in a replay each becomes a file in a fresh directory."""

    def __init__(self, qemu, args):
        self.qemu = qemu
        self.args = args

    def accel(self):
        for i, a in enumerate(self.args[:-1]):
            if a == "-accel":
                return self.args[i + 1].split(",")[0]
            if a == "-machine" or a == "-M":
                m = re.search(r"accel=(\w+)", self.args[i + 1])
                if m:
                    return m.group(1)
        return "tcg"

    def machine(self):
        for i, a in enumerate(self.args[:-1]):
            if a in ("-M", "-machine"):
                return self.args[i + 1]
        return "?"

    def build(self, outdir, kernel, initrd, mem_mib, append=None):
        argv = [self.qemu]
        args = list(self.args)
        i = 0
        while i < len(args):
            a = args[i]
            value = args[i + 1] if i + 1 < len(args) else None
            if a == "-kernel":
                argv += ["-kernel", kernel]
                i += 2
            elif a == "-initrd":
                if initrd:
                    argv += ["-initrd", initrd]
                i += 2
            elif a == "-m":
                argv += ["-m", f"{mem_mib}M"]
                i += 2
            elif a == "-append":
                i += 2
            elif a == "-chardev" and value is not None:
                ident = re.search(r"(?:^|,)id=([^,]+)", value)
                ident = ident.group(1) if ident else f"chardev{i}"
                argv += ["-chardev", f"file,id={ident},path={os.path.join(outdir, ident + '.log')}"]
                i += 2
            else:
                argv.append(a)
                i += 1
        if append is not None:
            argv += ["-append", append]
        return argv


def run_timed(argv, timeout, **kwargs):
    """Run a command, return (exit status or None on timeout, wall seconds, stdout, stderr)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **kwargs)
    try:
        out, err = proc.communicate(timeout=timeout)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        rc = None
    wall = time.perf_counter() - start
    return rc, wall, out, err


def read_log(outdir, ident):
    try:
        with open(os.path.join(outdir, ident + ".log"), "rb") as f:
            return f.read().decode("utf-8", "replace").replace("\r", "")
    except OSError:
        return ""


class Bench:
    def __init__(self, opts):
        self.opts = opts
        self.programs = build_programs()
        self.tmp = tempfile.mkdtemp(prefix="run-", dir=WORK_DIR)
        self.unifork = opts.unifork
        if not os.access(self.unifork, os.X_OK):
            raise SystemExit(f"bench: {self.unifork} not found: build first "
                             "(cmake --preset default && cmake --build --preset default)")
        kernel = opts.kernel or os.environ.get("UNIFORK_KERNEL") or os.path.join(
            os.path.dirname(self.unifork), "unifork-kernel")
        if not os.path.exists(kernel):
            raise SystemExit(f"bench: unifork kernel {kernel} not found")
        # A private copy: the build tree may be rebuilt while the benchmarks run.
        self.kernel_source = kernel
        self.kernel = os.path.join(self.tmp, "unifork-kernel")
        shutil.copy2(kernel, self.kernel)
        self.qemu = opts.qemu or shutil.which("qemu-system-x86_64")
        if not self.qemu:
            raise SystemExit("bench: qemu-system-x86_64 not found (apt-get install -y qemu-system-x86)")
        self.qemu = os.path.abspath(self.qemu) if os.sep in self.qemu else shutil.which(self.qemu)
        self.linux_kernel = opts.linux_kernel or newest_file("/boot/vmlinuz-*")
        if self.linux_kernel and not os.access(self.linux_kernel, os.R_OK):
            log(f"bench: {self.linux_kernel} is not readable")
            self.linux_kernel = None
        self.linux_missing = None if self.linux_kernel else (
            "no Linux kernel (apt-get install -y linux-image-amd64, or --linux-kernel PATH)")
        self.tsc_khz = host_tsc_khz(self.programs["microbench"])
        self.linux_initrds = {}
        self.captures = {}
        self.template = None
        self.results = {}
        self.notes = []

    # ---- unifork

    def unifork_argv(self, program_args, mem_mib, qemu=None, extra=()):
        return [self.unifork, "run", "--mem", f"{mem_mib}M", "--accel", self.opts.accel,
                "--qemu", qemu or self.qemu, "--kernel", self.kernel,
                "--timeout", str(self.opts.timeout), *extra, "--", *program_args]

    def capture(self, key, program_args):
        """Run program_args once through `unifork run`, recording QEMU's command line and
        keeping the initrd. Returns (QemuCommand, initrd path, the run's (rc, out, err))."""
        if key in self.captures:
            return self.captures[key]
        args_file = os.path.join(self.tmp, f"{key}.qemu-args")
        initrd = os.path.join(self.tmp, f"{key}.initrd")
        wrapper = os.path.join(self.tmp, f"{key}.qemu-wrapper")
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\n"
                    "# written by bench/run.py: records QEMU's arguments, then runs QEMU\n"
                    f"printf '%s\\0' \"$@\" > {shlex.quote(args_file)}\n"
                    f"exec {shlex.quote(self.qemu)} \"$@\"\n")
        os.chmod(wrapper, 0o755)
        argv = self.unifork_argv(program_args, self.opts.mem, qemu=wrapper,
                                 extra=("--keep-initrd", initrd))
        rc, _, out, err = run_timed(argv, self.opts.timeout + 30)
        if not os.path.exists(args_file):
            raise SystemExit("bench: `unifork run` did not start QEMU:\n"
                             + err.decode("utf-8", "replace"))
        with open(args_file, "rb") as f:
            args = [a.decode() for a in f.read().split(b"\0")[:-1]]
        command = QemuCommand(self.qemu, args)
        if self.template is None:
            self.template = command
        result = (command, initrd, (rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")))
        self.captures[key] = result
        return result

    def run_unifork_raw(self, key, program_args, mem_mib, timeout):
        """Boot unifork with QEMU directly (no CLI). Returns (ok, wall, stdout, stderr, ctl)."""
        command, initrd, _ = self.capture(key, program_args)
        outdir = tempfile.mkdtemp(dir=self.tmp)
        rc, wall, _, qerr = run_timed(command.build(outdir, self.kernel, initrd, mem_mib), timeout)
        out, err, ctl = read_log(outdir, "out"), read_log(outdir, "err"), read_log(outdir, "ctl")
        shutil.rmtree(outdir, ignore_errors=True)
        ok = rc is not None and "exited 0" in ctl.split("\n")
        return ok, wall, out, err + qerr.decode("utf-8", "replace"), ctl, rc

    def run_floor(self, timeout):
        command = self.template
        outdir = tempfile.mkdtemp(dir=self.tmp)
        rc, wall, _, err = run_timed(
            command.build(outdir, self.programs["floor.elf"], None, self.opts.mem), timeout)
        shutil.rmtree(outdir, ignore_errors=True)
        # isa-debug-exit turns the value 0 into QEMU exit status (0 << 1) | 1
        return rc == 1, wall, err.decode("utf-8", "replace")

    # ---- Linux guest

    def linux_append(self, init_args):
        parts = [LINUX_APPEND]
        if self.tsc_khz:
            parts.append(f"tsc_early_khz={self.tsc_khz}")
        if self.opts.linux_append:
            parts.append(self.opts.linux_append)
        parts.append("--")
        parts += init_args
        return " ".join(parts)

    def linux_initrd(self, program):
        if program not in self.linux_initrds:
            path = os.path.join(self.tmp, f"linux-{program}.cpio")
            linux_initramfs(path, self.programs[program])
            self.linux_initrds[program] = path
        return self.linux_initrds[program]

    def run_linux(self, program, init_args, mem_mib, timeout):
        """Boot the Linux guest with `program` as /init. Returns (rc, wall, console text)."""
        if self.template is None:
            self.capture("hello", [self.programs["hello"]])
        outdir = tempfile.mkdtemp(dir=self.tmp)
        argv = self.template.build(outdir, self.linux_kernel, self.linux_initrd(program), mem_mib,
                                   append=self.linux_append(init_args))
        rc, wall, _, err = run_timed(argv, timeout)
        console = read_log(outdir, "out")
        shutil.rmtree(outdir, ignore_errors=True)
        return rc, wall, console, err.decode("utf-8", "replace")

    # -----------------------------------------------------------------------------------------
    # 1. Boot to exit

    def bench_boot(self):
        hello = self.programs["hello"]
        command, _, (rc, out, err) = self.capture("hello", [hello])
        samples = {"floor": [], "unifork": [], "linux": [], "cli": []}
        errors = {}
        timeout_u = self.opts.timeout
        for r in range(self.opts.repeat):
            log(f"boot: round {r + 1}/{self.opts.repeat}")
            ok, wall, qerr = self.run_floor(timeout_u)
            if ok:
                samples["floor"].append(wall)
            else:
                errors.setdefault("floor", f"floor kernel did not exit through isa-debug-exit: {qerr.strip()[-200:]}")
            ok, wall, out, uerr, ctl, qrc = self.run_unifork_raw("hello", [hello], self.opts.mem, timeout_u)
            if ok and out == "hello, world\n":
                samples["unifork"].append(wall)
            else:
                errors.setdefault("unifork", describe_unifork_failure(qrc, out, uerr, ctl))
            if not self.linux_missing:
                lrc, wall, console, lerr = self.run_linux("hello", ["--poweroff"], self.opts.mem,
                                                          self.opts.linux_timeout)
                if lrc is not None and "hello, world" in console:
                    samples["linux"].append(wall)
                else:
                    errors.setdefault("linux", describe_linux_failure(lrc, console, lerr))
            crc, wall, cout, cerr = run_timed(self.unifork_argv([hello], self.opts.mem), timeout_u + 30)
            if crc == 0 and cout == b"hello, world\n":
                samples["cli"].append(wall)
            else:
                errors.setdefault("cli", f"exit {crc}: {cerr.decode('utf-8', 'replace').strip()[-200:]}")
        if self.linux_missing:
            errors["linux"] = self.linux_missing
        self.results["boot"] = {k: median(v) for k, v in samples.items()}
        self.results["boot_samples"] = samples
        self.results["boot_errors"] = errors

    # -----------------------------------------------------------------------------------------
    # 2. Minimum memory

    def search_min_mem(self, ok_at, high, label):
        """Smallest MiB in [1, high] where ok_at succeeds, assuming success is monotonic."""
        log(f"{label}: trying {high}M")
        if not ok_at(high):
            return None
        low_fail, low_ok = 0, high
        while low_ok - low_fail > 1:
            mid = (low_fail + low_ok) // 2
            log(f"{label}: trying {mid}M")
            if ok_at(mid):
                low_ok = mid
            else:
                low_fail = mid
        return low_ok

    def unifork_ok_at(self, key, program_args, expect):
        def ok_at(mem):
            ok, _, out, _, _, _ = self.run_unifork_raw(key, program_args, mem, self.opts.mem_timeout)
            return ok and expect(out)
        return ok_at

    def linux_ok_at(self, program, init_args, expect):
        def ok_at(mem):
            rc, _, console, _ = self.run_linux(program, init_args, mem, self.opts.linux_timeout)
            return rc is not None and expect(console)
        return ok_at

    def bench_min_mem(self):
        hello = self.programs["hello"]
        res = {}
        res["unifork"] = self.search_min_mem(
            self.unifork_ok_at("hello", [hello], lambda out: out == "hello, world\n"),
            self.opts.mem, "min_mem unifork")
        if self.linux_missing:
            res["linux"] = self.linux_missing
        else:
            res["linux"] = self.search_min_mem(
                self.linux_ok_at("hello", ["--poweroff"], lambda c: "hello, world" in c),
                self.opts.mem, "min_mem linux")
        self.results["min_mem"] = res

    # -----------------------------------------------------------------------------------------
    # 3. Image size

    def bench_size(self):
        hello = self.programs["hello"]
        _, initrd, _ = self.capture("hello", [hello])
        res = {
            "unifork_kernel": os.path.getsize(self.kernel),
            "unifork_initrd": os.path.getsize(initrd),
            "hello": os.path.getsize(hello),
        }
        if not self.linux_missing:
            res["linux_kernel"] = os.path.getsize(self.linux_kernel)
            res["linux_initrd"] = os.path.getsize(self.linux_initrd("hello"))
        self.results["size"] = res

    # -----------------------------------------------------------------------------------------
    # 4. Microbenchmarks

    def micro_args(self, name):
        return ["--repeat", str(self.opts.repeat), "--min-ms", str(self.opts.min_ms), name]

    def bench_micro(self, name):
        mb = self.programs["microbench"]
        res = {"unifork": None, "linux": None}
        # unifork, through the CLI
        log(f"{name}: unifork")
        argv = self.unifork_argv([mb, *self.micro_args(name)], self.opts.mem)
        rc, wall, out, err = run_timed(argv, self.opts.timeout + 30)
        res["unifork"] = parse_micro(name, out.decode("utf-8", "replace"), rc,
                                     err.decode("utf-8", "replace"), wall, "unifork")
        # Linux guest, microbench as /init
        if self.linux_missing:
            res["linux"] = {"error": self.linux_missing}
        else:
            log(f"{name}: Linux guest")
            rc, wall, console, err = self.run_linux("microbench", ["--poweroff", *self.micro_args(name)],
                                                    self.opts.mem, self.opts.linux_timeout)
            res["linux"] = parse_micro(name, console, rc, err, wall, "linux")
        for side in ("unifork", "linux"):
            if res[side].get("clock_warning"):
                self.notes.append(f"{name} ({side}): {res[side]['clock_warning']}")
        if name == "children64":
            mb_args = [mb, "--repeat", "1", "children64"]
            expect = lambda text: "children64 ok" in text
            if "error" not in res["unifork"]:
                res["unifork"]["min_mem"] = self.search_min_mem(
                    self.unifork_ok_at("children64", mb_args, expect), self.opts.mem,
                    "children64 unifork")
            if "error" not in res["linux"]:
                res["linux"]["min_mem"] = self.search_min_mem(
                    self.linux_ok_at("microbench", ["--poweroff", "--repeat", "1", "children64"], expect),
                    self.opts.mem, "children64 linux")
        self.results[name] = res

    # -----------------------------------------------------------------------------------------

    def machine_info(self):
        info = {}
        try:
            with open("/proc/cpuinfo") as f:
                models = re.findall(r"^model name\s*:\s*(.*)$", f.read(), re.M)
            info["cpu"] = models[0].strip() if models else platform_machine()
        except OSError:
            info["cpu"] = platform_machine()
        info["cores"] = os.cpu_count()
        try:
            r = subprocess.run([self.qemu, "--version"], capture_output=True, text=True, timeout=10)
            info["qemu"] = r.stdout.splitlines()[0].strip()
        except (OSError, subprocess.SubprocessError, IndexError):
            info["qemu"] = "?"
        info["accel"] = self.template.accel() if self.template else self.opts.accel
        info["machine"] = self.template.machine() if self.template else "?"
        info["linux"] = (bzimage_version(self.linux_kernel) or os.path.basename(self.linux_kernel)
                         if self.linux_kernel else "none")
        info["linux_path"] = self.linux_kernel
        try:
            commit = subprocess.run(["git", "-C", REPO_DIR, "rev-parse", "--short", "HEAD"],
                                    capture_output=True, text=True).stdout.strip()
            dirty = subprocess.run(["git", "-C", REPO_DIR, "status", "--porcelain", "--", "kernel"],
                                   capture_output=True, text=True).stdout.strip()
            info["commit"] = commit + (" (kernel/ has uncommitted changes)" if dirty else "")
        except OSError:
            info["commit"] = "?"
        info["date"] = datetime.date.today().isoformat()
        info["tsc_khz"] = self.tsc_khz
        info["qemu_args"] = self.template.args if self.template else None
        return info


def platform_machine():
    return os.uname().machine


def unimplemented_syscalls(err):
    m = re.search(r"unimplemented syscalls the program tried: (.*)", err)
    return m.group(1).strip() if m else None


def describe_unifork_failure(rc, out, err, ctl):
    if rc is None:
        return "timed out"
    record = ctl.strip().splitlines()[-1] if ctl.strip() else "no exit record"
    tail = err.strip().splitlines()[-1] if err.strip() else ""
    return f"{record}" + (f": {tail}" if tail else "")


def describe_linux_failure(rc, console, err):
    if rc is None:
        return "timed out"
    last = [l for l in console.strip().splitlines() if l.strip()]
    return f"QEMU exit {rc}; console: {last[-1][:160] if last else '(nothing)'}" + (
        f"; {err.strip()[-160:]}" if err.strip() else "")


def parse_micro(name, text, rc, err, wall, side):
    """Collect `name key=value ...` lines. Returns {"values": [...], ...} or {"error": ...}."""
    values, elapsed, ok_line, fails = [], 0, False, None
    for line in text.splitlines():
        parts = line.strip().split()
        if not parts or parts[0] != name:
            continue
        if len(parts) > 1 and parts[1] == "fails":
            fails = " ".join(parts[2:])
            continue
        if len(parts) > 1 and parts[1] == "ok":
            ok_line = True
        kv = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
        if "elapsed_ns" in kv:
            elapsed += int(kv["elapsed_ns"])
        if name == "pipe_throughput" and "mib_per_s" in kv:
            values.append(float(kv["mib_per_s"]))
        elif "ns_per_op" in kv:
            values.append(float(kv["ns_per_op"]))
    result = {}
    if fails:
        m = re.match(r"step=(\S+) errno=(\d+) \((.*)\)", fails)
        result["error"] = f"{m.group(1)}: {m.group(3)}" if m else fails
        unimpl = unimplemented_syscalls(err) if side == "unifork" else None
        if unimpl:
            result["error"] += f" (unimplemented: {unimpl})"
        return result
    if not values and not ok_line:
        if rc is None:
            result["error"] = "timed out"
        elif side == "unifork":
            tail = [l for l in err.strip().splitlines() if l.strip()]
            result["error"] = f"exit {rc}" + (f": {tail[-1][:200]}" if tail else "")
        else:
            result["error"] = describe_linux_failure(rc, text, err)
        return result
    result["values"] = values
    result["median"] = median(values)
    result["wall_s"] = wall
    result["ok"] = ok_line
    # The guest's clock cannot have seen more time than the host did while QEMU ran.
    if elapsed > wall * 1e9 * 1.02:
        result["clock_warning"] = (f"guest clock measured {elapsed / 1e9:.2f} s inside a "
                                   f"{wall:.2f} s run: guest timing is off")
    return result


# ---------------------------------------------------------------------------------------------
# Report


def table(headers, rows, markdown):
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(str(r[i])) for r in [headers] + rows) for i in range(len(headers))]
    out = ["  ".join(str(h).ljust(w) for h, w in zip(headers, widths)).rstrip()]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(out)


def fmt_mem(value):
    if value is None:
        return "fails even at --mem"
    if isinstance(value, str):
        return value
    return f"{value} MiB"


def report(saved, markdown):
    """Render what run() collected (or what --load read back) as text or Markdown."""
    info, res, selected, notes = saved["info"], saved["results"], saved["selected"], saved["notes"]
    o = saved["options"]
    out = []
    h = "###" if markdown else "=="
    accel = info["accel"]
    out.append(f"## {info['date']} — {info['cpu']}, {accel}" if markdown else
               f"unifork benchmarks, {info['date']}")
    out.append("")
    meta = [
        ("Date", info["date"]),
        ("CPU", f"{info['cpu']}, {info['cores']} cores"),
        ("Accelerator", accel + (" (TCG: instruction-by-instruction emulation, not representative of "
                                 "hardware speed)" if accel == "tcg" else "")),
        ("QEMU", f"{info['qemu']}, machine `{info['machine']}`"),
        ("Linux guest", f"{info['linux']} ({info['linux_path']})"),
        ("unifork", f"commit {info['commit']}"),
        ("Memory", f"--mem {o['mem']}M for both guests"),
        ("Repeats", f"{o['repeat']} (medians); microbenchmark loops ≥ {o['min_ms']} ms each"),
        ("Host load", f"load average {info['load_before']} before, {info['load_after']} after"),
    ]
    if info["tsc_khz"]:
        meta.append(("Linux TSC", f"tsc_early_khz={info['tsc_khz']} (measured on the host)"))
    meta.append(("Linux append", f"`{o['linux_append']}`"))
    if markdown:
        out += [f"- **{k}**: {v}" for k, v in meta]
    else:
        out += [f"{k + ':':13} {v}" for k, v in meta]
    out.append("")

    if "boot" in selected and "boot" in res:
        b, errs = res["boot"], res["boot_errors"]

        def cell(key):
            return fmt_seconds(b[key]) if b[key] is not None else f"fails: {errs.get(key, '?')}"

        def above(key):
            if b[key] is None or b["floor"] is None:
                return "—"
            return fmt_seconds(b[key] - b["floor"])

        ratio = b["unifork"] / b["linux"] if b["unifork"] and b["linux"] else None
        ratio_above = ((b["unifork"] - b["floor"]) / (b["linux"] - b["floor"])
                       if b["unifork"] and b["linux"] and b["floor"] else None)
        rows = [
            ["QEMU floor (no guest work)", cell("floor"), cell("floor"), "", ""],
            ["boot to exit, hello (QEMU start to QEMU exit)", cell("unifork"),
             cell("linux"), fmt_ratio(ratio), ""],
            ["  of which above the floor", above("unifork"), above("linux"), fmt_ratio(ratio_above), ""],
            ["`unifork run hello` end to end (CLI, initrd, QEMU)", cell("cli"), "", "", ""],
        ]
        out.append(f"{h} Boot to exit of a static hello world (median of {o['repeat']})")
        out.append("")
        out.append(table(["", "unifork", "Linux guest", "ratio"], [r[:4] for r in rows], markdown))
        out.append("")

    if "min_mem" in selected and "min_mem" in res:
        m = res["min_mem"]
        ratio = (m["unifork"] / m["linux"] if isinstance(m["unifork"], int) and isinstance(m["linux"], int)
                 else None)
        out.append(f"{h} Minimum memory (smallest -m in MiB at which hello succeeds, binary search)")
        out.append("")
        out.append(table(["", "unifork", "Linux guest", "ratio"],
                         [["hello", fmt_mem(m["unifork"]), fmt_mem(m["linux"]), fmt_ratio(ratio)]],
                         markdown))
        out.append("")

    if "size" in selected and "size" in res:
        s = res["size"]
        lk, li = s.get("linux_kernel"), s.get("linux_initrd")
        rows = [
            ["kernel image QEMU loads", fmt_bytes(s["unifork_kernel"]), fmt_bytes(lk),
             fmt_ratio(s["unifork_kernel"] / lk if lk else None)],
            ["initrd with hello (uncompressed cpio)", fmt_bytes(s["unifork_initrd"]), fmt_bytes(li),
             fmt_ratio(s["unifork_initrd"] / li if li else None)],
            ["total", fmt_bytes(s["unifork_kernel"] + s["unifork_initrd"]),
             fmt_bytes(lk + li if lk else None),
             fmt_ratio((s["unifork_kernel"] + s["unifork_initrd"]) / (lk + li) if lk else None)],
        ]
        out.append(f"{h} Image size (hello itself: {fmt_bytes(s['hello'])})")
        out.append("")
        out.append(table(["", "unifork", "Linux guest", "ratio"], rows, markdown))
        out.append("")

    micro = [m for m in MICRO if m[0] in selected and m[0] in res]
    if micro:
        rows = []
        for name, what, unit in micro:
            u, l = res[name]["unifork"], res[name]["linux"]
            target = TARGETS.get(name)
            if unit == "mem":
                def cell(r):
                    if "error" in r:
                        return f"fails: {r['error']}"
                    return f"ok, min {fmt_mem(r.get('min_mem'))}"
                ratio = (u["min_mem"] / l["min_mem"]
                         if isinstance(u.get("min_mem"), int) and isinstance(l.get("min_mem"), int) else None)
                rows.append([name, what, cell(u), cell(l), fmt_ratio(ratio), "", ""])
                continue

            def cell(r):
                if "error" in r:
                    return f"fails: {r['error']}"
                return fmt_ns(r["median"]) if unit == "ns" else f"{r['median']:.1f} MiB/s"
            ratio = u["median"] / l["median"] if "error" not in u and "error" not in l else None
            met = ""
            if target:
                kind, value, text = target
                if ratio is None:
                    met = "not run" if "error" in u else "—"
                else:
                    met = "yes" if (ratio <= value if kind == "le" else ratio >= value) else "no"
            rows.append([name, what, cell(u), cell(l), fmt_ratio(ratio), target[2] if target else "", met])
        out.append(f"{h} Microbenchmarks (median of {o['repeat']} timed loops inside one boot; "
                   "ratio = unifork / Linux)")
        out.append("")
        out.append(table(["benchmark", "one operation", "unifork", "Linux guest", "ratio", "target", "met"],
                         rows, markdown))
        out.append("")
    if notes:
        out.append("Notes:")
        out += [f"- {n}" for n in notes]
        out.append("")
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser(
        description="unifork benchmarks side by side with a Linux guest under the same QEMU.",
        epilog="names for --only: " + " ".join(GROUPS + MICRO_NAMES))
    p.add_argument("--accel", choices=["auto", "kvm", "tcg"], default="auto",
                   help="QEMU accelerator for both guests (default auto: KVM if usable)")
    p.add_argument("--qemu", help="qemu-system-x86_64 to use for both guests")
    p.add_argument("--repeat", type=int, default=5, help="runs per measurement, median taken (default 5)")
    p.add_argument("--mem", type=parse_mib, default=128, help="guest memory for both (default 128M)")
    p.add_argument("--only", nargs="+", metavar="NAME", choices=GROUPS + MICRO_NAMES,
                   help="run only these (default: all)")
    p.add_argument("--markdown", action="store_true", help="print a section for bench/RESULTS.md")
    p.add_argument("--min-ms", type=int, default=200,
                   help="each timed microbenchmark loop runs at least this long (default 200)")
    p.add_argument("--unifork", default=os.path.join(REPO_DIR, "build", "unifork"),
                   help="the unifork CLI (default build/unifork)")
    p.add_argument("--kernel", help="unifork kernel image (default: unifork-kernel beside the CLI)")
    p.add_argument("--linux-kernel", help="Linux guest bzImage (default: newest /boot/vmlinuz-*)")
    p.add_argument("--linux-append", default="", help="more Linux kernel command line options")
    p.add_argument("--timeout", type=int, default=120, help="seconds per unifork VM run (default 120)")
    p.add_argument("--linux-timeout", type=int, default=180, help="seconds per Linux VM run (default 180)")
    p.add_argument("--mem-timeout", type=int, default=20,
                   help="seconds per unifork run in the memory searches, where too little memory "
                        "may hang (default 20)")
    p.add_argument("--keep", action="store_true", help="keep bench/.work/run-* (images, command lines)")
    p.add_argument("--save", metavar="FILE",
                   help="also write the raw results as JSON (default bench/.work/last.json)")
    p.add_argument("--load", metavar="FILE",
                   help="measure nothing: print the report of a saved run (e.g. with --markdown)")
    opts = p.parse_args()
    if opts.load:
        with open(opts.load) as f:
            print(report(json.load(f), opts.markdown))
        return
    if opts.repeat < 1:
        p.error("--repeat must be at least 1")
    if opts.repeat < 5:
        log("bench: note: fewer than 5 repeats; medians are less reliable")
    selected = opts.only or GROUPS + MICRO_NAMES
    load_before = " ".join(open("/proc/loadavg").read().split()[:3])
    bench = Bench(opts)
    try:
        if bench.linux_missing:
            log(f"bench: Linux guest rows will be skipped: {bench.linux_missing}")
        bench.capture("hello", [bench.programs["hello"]])
        if "boot" in selected:
            bench.bench_boot()
        if "min_mem" in selected:
            bench.bench_min_mem()
        if "size" in selected:
            bench.bench_size()
        for name in MICRO_NAMES:
            if name in selected:
                bench.bench_micro(name)
        info = bench.machine_info()
        info["load_before"] = load_before
        info["load_after"] = " ".join(open("/proc/loadavg").read().split()[:3])
        saved = {
            "info": info,
            "results": bench.results,
            "selected": selected,
            "notes": bench.notes,
            "options": {"mem": opts.mem, "repeat": opts.repeat, "min_ms": opts.min_ms,
                        "linux_append": bench.linux_append(["..."])},
        }
        save = opts.save or os.path.join(WORK_DIR, "last.json")
        with open(save, "w") as f:
            json.dump(saved, f, indent=1)
        log(f"bench: raw results in {save}")
        print(report(saved, opts.markdown))
    finally:
        if opts.keep:
            log(f"bench: kept {bench.tmp}")
        else:
            shutil.rmtree(bench.tmp, ignore_errors=True)

if __name__ == "__main__":
    main()
