#!/usr/bin/env python3
"""Runs one guest test, natively or under `unifork run`, and checks what it did.

    run_guest_test.py (--native | --unifork PATH) [checks and inputs] -- PROGRAM [ARGS...]

Both modes run the same command with the same environment (only the --env variables) and
the same input files, so a test means the same thing on Linux and in the unikernel; Linux
is the reference. Natively the program runs in a scratch directory that holds the --file and
--copy inputs; under unifork the same directory is added to the guest (each top-level entry
at /NAME, or as the whole root with --rootfs), and the guest starts in "/". Relative paths
in the arguments therefore name the same files in both modes.

Exit status: 0 when every check passed, 1 otherwise (with a report on stderr), 2 on a usage
error of this script. Standard library only.
"""

import argparse
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

NATIVE_TIMEOUT_S = 30

# A 32-bit little-endian x86 ELF executable header (52 bytes), valid except that there is
# nothing after it; unifork must reject it as 32-bit before it looks any further.
ELF32_HEADER = bytes(
    [0x7F, ord("E"), ord("L"), ord("F"), 1, 1, 1, 0] + [0] * 8  # e_ident: ELFCLASS32, LSB, v1
    + [2, 0]  # e_type: ET_EXEC
    + [3, 0]  # e_machine: EM_386
    + [1, 0, 0, 0]  # e_version
    + [0x00, 0x80, 0x04, 0x08]  # e_entry 0x08048000
    + [0] * 4  # e_phoff
    + [0] * 4  # e_shoff
    + [0] * 4  # e_flags
    + [52, 0]  # e_ehsize
    + [32, 0]  # e_phentsize
    + [0, 0]  # e_phnum
    + [40, 0]  # e_shentsize
    + [0, 0]  # e_shnum
    + [0, 0]  # e_shstrndx
)
assert len(ELF32_HEADER) == 52


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--native", action="store_true", help="run the program directly on the host")
    mode.add_argument("--unifork", metavar="PATH", help="run it with PATH run ...")
    parser.add_argument("--unifork-only", action="store_true",
                        help="the test has no native counterpart: refuse --native")
    parser.add_argument("--status", type=int, default=0, help="expected exit status (128+N for signal N)")
    parser.add_argument("--stdout", dest="stdout_text", metavar="TEXT",
                        help="expected stdout, exactly; {sha256:REL} and {size:REL} stand for the "
                             "hex SHA-256 and the size of the input file REL")
    parser.add_argument("--stdout-file", metavar="PATH", help="expected stdout: the contents of PATH")
    parser.add_argument("--stdout-regex", action="append", default=[], metavar="RE",
                        help="stdout must match RE (multiline search); repeatable")
    parser.add_argument("--stderr-contains", action="append", default=[], metavar="TEXT",
                        help="stderr must contain TEXT (case-insensitive); repeatable")
    parser.add_argument("--stderr-nonempty", action="store_true", help="stderr must not be empty")
    parser.add_argument("--check-argenv", action="store_true",
                        help="stdout must be the argenv program's listing of exactly the argv and "
                             "environment this script passed")
    parser.add_argument("--many-args", type=int, default=0, metavar="N",
                        help="append N generated arguments to the command")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="environment variable for the program (the environment is otherwise empty)")
    parser.add_argument("--file", action="append", default=[], metavar="REL=SPEC",
                        help="create input file REL; SPEC is random:BYTES or text:STRING")
    parser.add_argument("--copy", action="append", default=[], metavar="REL=HOST_PATH",
                        help="copy HOST_PATH (mode kept) to input file REL")
    parser.add_argument("--symlink", action="append", default=[], metavar="REL=TARGET",
                        help="create input REL as a symbolic link to TARGET (as written: a relative "
                             "TARGET is relative to REL's directory)")
    parser.add_argument("--rootfs", action="store_true",
                        help="under unifork, pass the input directory as --rootfs; natively, an "
                             "absolute PROGRAM is looked up inside it")
    parser.add_argument("--add", action="append", default=[], metavar="HOST:GUEST",
                        help="extra unifork --add (ignored natively)")
    parser.add_argument("--fixture", metavar="KIND[=SOURCE]",
                        help="generate the program; PROGRAM @fixture stands for it. KIND: "
                             "truncated-elf=SOURCE (first 100 bytes), text (no #!), elf32")
    parser.add_argument("--vm-timeout", type=float, default=60, metavar="SECONDS",
                        help="unifork run --timeout (default 60)")
    parser.add_argument("--accel", default="auto", help="unifork run --accel (default auto)")
    parser.add_argument("--unifork-option", action="append", default=[], metavar="OPTION",
                        help="extra word placed right after `run` (use --unifork-option=--x)")
    parser.add_argument("--send-signal", action="append", default=[], metavar="SIG[:DELAY]",
                        help="send SIG (INT, TERM, HUP, QUIT, ... or a number) to what runs: the program "
                             "natively, `unifork run` under unifork; DELAY seconds (default 0) after the "
                             "--ready-line (or the start) for the first, after the previous one for the "
                             "others; repeatable")
    parser.add_argument("--ready-line", metavar="TEXT",
                        help="with --send-signal: wait until stdout has a line TEXT before the first signal")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--stdin", dest="stdin_text", metavar="TEXT",
                        help="standard input: TEXT through a pipe (default: /dev/null)")
    source.add_argument("--stdin-pattern", type=int, metavar="N",
                        help="standard input: N bytes of stdin_pattern() through a pipe")
    parser.add_argument("--max-seconds", type=float, metavar="SECONDS",
                        help="fail if the run takes longer than SECONDS from start to exit")
    parser.add_argument("command", nargs="+", help="PROGRAM [ARGS...] (after --); an argument @empty "
                                                   "stands for an empty string")
    options = parser.parse_args(argv)
    if options.native and options.unifork_only:
        parser.error("this test runs under unifork only; it has no native counterpart")
    if options.stdout_text is not None and options.stdout_file is not None:
        parser.error("--stdout and --stdout-file exclude each other")
    if options.check_argenv and (options.stdout_text is not None or options.stdout_file is not None):
        parser.error("--check-argenv sets the expected stdout itself")
    if options.ready_line is not None and not options.send_signal:
        parser.error("--ready-line needs --send-signal")
    try:
        options.signal_plan = [parse_signal_spec(spec) for spec in options.send_signal]
    except ValueError as error:
        parser.error(str(error))
    return options


def parse_signal_spec(spec):
    """SIG[:DELAY] -> (signal number, delay in seconds)."""
    name, _, delay = spec.partition(":")
    if name.isdigit():
        number = int(name)
    else:
        name = name.upper()
        number = getattr(signal, name if name.startswith("SIG") else "SIG" + name, None)
        if not isinstance(number, int):
            raise ValueError(f"--send-signal {spec!r}: unknown signal {name!r}")
    try:
        seconds = float(delay) if delay else 0.0
    except ValueError:
        raise ValueError(f"--send-signal {spec!r}: the delay must be a number of seconds") from None
    return int(number), seconds


def stdin_pattern(length):
    """Byte i is (i * 131 + i // 251) % 256: no short period, so a lost, doubled or reordered
    block shows. tests/guest/console_input.c checks the same pattern."""
    return bytes((i * 131 + i // 251) % 256 for i in range(length))


def standard_input(options):
    """The bytes to feed the program through a pipe, or None for /dev/null."""
    if options.stdin_text is not None:
        return options.stdin_text.encode("utf-8", "surrogateescape")
    if options.stdin_pattern is not None:
        return stdin_pattern(options.stdin_pattern)
    return None


def feed(stream, data):
    """Writes data into the program's standard input and closes it; a program that stops
    reading early is not an error here."""
    try:
        stream.write(data)
    except (BrokenPipeError, OSError):
        pass
    try:
        stream.close()
    except (BrokenPipeError, OSError):
        pass


def run_and_signal(command, run, plan, ready_line, input_data=None):
    """Runs the command like subprocess.run(stdout=PIPE, stderr=PIPE), sending the planned
    signals to it while it runs. Returns (CompletedProcess, [notes about signals not sent])."""
    timeout = run.pop("timeout")
    # The signals start at their default action in what runs, even when this script was
    # started with them ignored (`ctest &` in a script ignores SIGINT and SIGQUIT).
    for number in {number for number, _ in plan}:
        if number not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(number, signal.SIG_DFL)
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL if input_data is None else subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, **run)
    if input_data is not None:
        threading.Thread(target=feed, args=(process.stdin, input_data), daemon=True).start()
    chunks = {"stdout": [], "stderr": []}
    ready = threading.Event()
    wanted = None if ready_line is None else ready_line.encode("utf-8", "surrogateescape")

    def drain(stream, name):
        seen = b""
        while True:
            data = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
            if not data:
                break
            chunks[name].append(data)
            if name == "stdout" and wanted is not None and not ready.is_set():
                seen += data
                if wanted in seen.split(b"\n")[:-1]:
                    ready.set()
        if name == "stdout":
            ready.set()  # the program is gone (or closed stdout): nothing more to wait for

    readers = [threading.Thread(target=drain, args=(process.stdout, "stdout"), daemon=True),
               threading.Thread(target=drain, args=(process.stderr, "stderr"), daemon=True)]
    for reader in readers:
        reader.start()
    deadline = time.monotonic() + timeout
    notes = []
    if wanted is not None:
        ready.wait(max(0.0, deadline - time.monotonic()))
    for number, delay in plan:
        if process.poll() is not None:
            notes.append(f"signal {number} not sent: the process had already exited")
            continue
        time.sleep(delay)
        if process.poll() is None:
            process.send_signal(number)
        else:
            notes.append(f"signal {number} not sent: the process had already exited")
    try:
        process.wait(max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        for reader in readers:
            reader.join()
        raise subprocess.TimeoutExpired(command, timeout)
    for reader in readers:
        reader.join()
    result = subprocess.CompletedProcess(command, process.returncode, b"".join(chunks["stdout"]),
                                         b"".join(chunks["stderr"]))
    return result, notes


def split_assignment(text, what):
    key, separator, value = text.partition("=")
    if not separator or not key:
        raise SystemExit(f"run_guest_test: bad {what} {text!r}: expected NAME=VALUE")
    return key, value


def relative_path(text):
    path = os.path.normpath(text)
    if os.path.isabs(path) or path.startswith(".."):
        raise SystemExit(f"run_guest_test: input path {text!r} must be relative")
    return path


def create_inputs(options, root):
    """Creates the --file, --copy and --symlink inputs under root; returns {REL: host path}."""
    inputs = {}
    for spec in options.file:
        rel, content = split_assignment(spec, "--file")
        rel = relative_path(rel)
        kind, _, value = content.partition(":")
        if kind == "random":
            data = os.urandom(int(value))
        elif kind == "text":
            data = value.encode("utf-8", "surrogateescape")
        else:
            raise SystemExit(f"run_guest_test: bad --file content {content!r}")
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as stream:
            stream.write(data)
        inputs[rel] = path
    for spec in options.copy:
        rel, source = split_assignment(spec, "--copy")
        rel = relative_path(rel)
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        shutil.copy2(source, path)
        inputs[rel] = path
    for spec in options.symlink:
        rel, target = split_assignment(spec, "--symlink")
        rel = relative_path(rel)
        if not target:
            raise SystemExit(f"run_guest_test: --symlink {spec!r} has no target")
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.symlink(target, path)
        inputs[rel] = path
    return inputs


def create_fixture(spec, directory):
    kind, _, source = spec.partition("=")
    path = os.path.join(directory, "program")
    if kind == "truncated-elf":
        with open(source, "rb") as stream:
            data = stream.read(100)
        if len(data) != 100 or not data.startswith(b"\x7fELF"):
            raise SystemExit(f"run_guest_test: {source} is not an ELF file of at least 100 bytes")
    elif kind == "text":
        data = b"this is a text file, not a program\n"
    elif kind == "elf32":
        data = ELF32_HEADER
    else:
        raise SystemExit(f"run_guest_test: unknown fixture {kind!r}")
    with open(path, "wb") as stream:
        stream.write(data)
    os.chmod(path, 0o755)
    return path


def generated_arguments(count):
    """Varied arguments: plain, empty, with spaces and non-ASCII text."""
    arguments = []
    for index in range(count):
        if index % 100 == 7:
            arguments.append("")
        elif index % 100 == 42:
            arguments.append(f"with space {index}")
        elif index % 100 == 77:
            arguments.append(f"\u00e9t\u00e9-{index}")
        else:
            arguments.append(f"arg{index:05d}")
    return arguments


def escape(text):
    out = []
    for byte in text.encode("utf-8", "surrogateescape"):
        if 0x20 <= byte <= 0x7E and byte not in (ord('"'), ord("\\")):
            out.append(chr(byte))
        else:
            out.append(f"\\x{byte:02x}")
    return '"' + "".join(out) + '"'


def argenv_listing(argv, environment):
    lines = [f"argc {len(argv)}"]
    lines += [f"argv {escape(argument)}" for argument in argv]
    lines += [f"env {escape(key + '=' + value)}" for key, value in environment.items()]
    lines.append("end")
    return "\n".join(lines) + "\n"


def expand_template(text, inputs):
    def replace(match):
        kind, rel = match.group(1), os.path.normpath(match.group(2))
        if rel not in inputs:
            raise SystemExit(f"run_guest_test: {{{kind}:{rel}}} names no input file")
        with open(inputs[rel], "rb") as stream:
            data = stream.read()
        return hashlib.sha256(data).hexdigest() if kind == "sha256" else str(len(data))

    return re.sub(r"\{(sha256|size):([^}]+)\}", replace, text)


def status_of(returncode):
    return 128 - returncode if returncode < 0 else returncode


def shown(data, limit=4000):
    text = data.decode("utf-8", "backslashreplace")
    if len(text) > limit:
        text = text[:limit] + f"\n... ({len(text) - limit} more characters)"
    return text


def main(argv):
    options = parse_arguments(argv)
    environment = {}
    for assignment in options.env:
        key, value = split_assignment(assignment, "--env")
        environment[key] = value

    with tempfile.TemporaryDirectory(prefix="guest-test.") as scratch:
        root = os.path.join(scratch, "root")
        os.mkdir(root)
        inputs = create_inputs(options, root)

        # CMake cannot pass an empty argument through add_test(); @empty stands for one.
        program, arguments = options.command[0], ["" if a == "@empty" else a for a in options.command[1:]]
        if program == "@fixture":
            if not options.fixture:
                raise SystemExit("run_guest_test: @fixture needs --fixture")
            fixture_directory = os.path.join(scratch, "fixture")
            os.mkdir(fixture_directory)
            program = create_fixture(options.fixture, fixture_directory)
        arguments += generated_arguments(options.many_args)
        guest_argv = [program] + arguments

        if options.native:
            executable = program
            if options.rootfs and os.path.isabs(program):
                executable = os.path.join(root, program.lstrip("/"))
            command = guest_argv
            run = dict(executable=executable, cwd=root, timeout=NATIVE_TIMEOUT_S)
        else:
            command = [options.unifork, "run", "--accel", options.accel, "--timeout", f"{options.vm_timeout:g}"]
            command += options.unifork_option
            for key, value in environment.items():
                command += ["--env", f"{key}={value}"]
            if options.rootfs:
                command += ["--rootfs", root]
            else:
                for entry in sorted({rel.split(os.sep)[0] for rel in inputs}):
                    command += ["--add", f"{os.path.join(root, entry)}:/{entry}"]
            for addition in options.add:
                command += ["--add", addition]
            command += guest_argv
            if not os.access(options.unifork, os.X_OK):
                print(f"FAIL: the unifork CLI {options.unifork} is missing or not executable (build it first)",
                      file=sys.stderr)
                return 1
            run = dict(cwd=root, timeout=options.vm_timeout + 60)

        signal_notes = []
        started = time.monotonic()
        try:
            input_data = standard_input(options)
            if options.signal_plan or input_data is not None:
                result, signal_notes = run_and_signal(command, dict(run, env=environment if options.native else None),
                                                      options.signal_plan, options.ready_line, input_data)
            else:
                result = subprocess.run(command, env=environment if options.native else None,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **run)
        except subprocess.TimeoutExpired as expired:
            print(f"FAIL: {' '.join(command[:8])} ... did not finish within {expired.timeout:g} s", file=sys.stderr)
            return 1
        elapsed = time.monotonic() - started

        failures = list(signal_notes)
        if options.max_seconds is not None and elapsed > options.max_seconds:
            failures.append(f"took {elapsed:.1f} s, more than {options.max_seconds:g} s")
        status = status_of(result.returncode)
        if status != options.status:
            failures.append(f"exit status {status}, expected {options.status}")

        expected_stdout = None
        if options.check_argenv:
            expected_stdout = argenv_listing(guest_argv, environment).encode("utf-8", "surrogateescape")
        elif options.stdout_file is not None:
            with open(options.stdout_file, "rb") as stream:
                expected_stdout = stream.read()
        elif options.stdout_text is not None:
            expected_stdout = expand_template(options.stdout_text, inputs).encode("utf-8", "surrogateescape")
        if expected_stdout is not None and result.stdout != expected_stdout:
            expected_lines = expected_stdout.split(b"\n")
            actual_lines = result.stdout.split(b"\n")
            first = next((i for i, (a, b) in enumerate(zip(expected_lines, actual_lines)) if a != b),
                         min(len(expected_lines), len(actual_lines)))
            failures.append(
                f"stdout differs from the expected output ({len(result.stdout)} bytes, expected "
                f"{len(expected_stdout)}); first difference on line {first + 1}:\n"
                f"  expected: {shown(expected_lines[first]) if first < len(expected_lines) else '(end)'}\n"
                f"  actual:   {shown(actual_lines[first]) if first < len(actual_lines) else '(end)'}")
        stdout_text = result.stdout.decode("utf-8", "replace")
        for pattern in options.stdout_regex:
            if not re.search(pattern, stdout_text, re.MULTILINE):
                failures.append(f"stdout does not match /{pattern}/")
        stderr_text = result.stderr.decode("utf-8", "replace")
        for text in options.stderr_contains:
            if text.lower() not in stderr_text.lower():
                failures.append(f"stderr does not contain {text!r}")
        if options.stderr_nonempty and not stderr_text.strip():
            failures.append("stderr is empty")

        if failures:
            printable = " ".join(command if len(command) < 40 else command[:40] + [f"... ({len(command) - 40} more)"])
            print(f"FAIL: {printable}", file=sys.stderr)
            for failure in failures:
                print(f"  - {failure}", file=sys.stderr)
            print(f"--- stdout ---\n{shown(result.stdout)}\n--- stderr ---\n{shown(result.stderr)}", file=sys.stderr)
            return 1
        print(f"ok: {program} exited {status}" + (" (native)" if options.native else " (unifork)"))
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
