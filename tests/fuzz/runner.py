# SPDX-License-Identifier: GPL-2.0-or-later
"""The fuzz runner: feeds every input kind's generated cases to the real code and counts
crashes, hangs and memory.

A *kind* is a module ``tests/fuzz/kind_<name>.py`` with ``KIND``, ``DEFAULT_COUNT``,
``SLICE_COUNT``, ``generate(rng)``, ``run(case)`` and optionally ``describe(case)`` (see
docs/fuzz.md). Input *i* of kind *K* under seed *S* is generated from
``random.Random("S:K:i")``, so any single input can be replayed (``--replay K:i``).

``python -m fuzz`` (with ``tests/`` on ``PYTHONPATH``) runs each kind in its own child process
(``--jobs`` of them at once): the child caps its data segment (``RLIMIT_DATA``), stops an input
that runs longer than ``--timeout`` with ``SIGALRM`` (a *hang*; the run goes on) and reports
every input it starts, so the parent can kill a child stuck where no signal reaches it
and start a new one after that input; a child that dies is restarted the same way. An input
whose peak resident memory goes over ``--mem-limit``, or that hits the cap (``MemoryError``),
is an *over-memory* run. The first few failures of each kind are saved to ``build/fuzz/``.

:func:`run_kind` is the same loop in-process, for the deterministic slice
``tests/test_fuzz_slice.py`` runs in ``make check``.
"""
import argparse
import collections
import importlib
import importlib.util
import json
import os
import random
import resource
import shlex
import signal
import subprocess
import sys
import threading
import time
import traceback

FUZZ_DIR = os.path.dirname(os.path.abspath(__file__))
TESTS_DIR = os.path.dirname(FUZZ_DIR)
REPO = os.path.dirname(TESTS_DIR)
REPRO_DIR = os.path.join(REPO, "build", "fuzz")
REQUIRED = ("KIND", "DEFAULT_COUNT", "SLICE_COUNT", "generate", "run")
DEFAULT_TIMEOUT = 5.0
DEFAULT_MEM_LIMIT = 1 << 30
MAX_REPROS = 5            # repro files per kind
MAX_CASE_REPR = 64 << 10  # characters of a case written to its repro file
PROGRESS_EVERY = 30.0     # seconds between progress lines of a long run
STOP = threading.Event()  # set on Ctrl-C: no child is started or kept any more


class KindError(Exception):
    """A kind module that does not follow the convention."""


class Hang(BaseException):
    """Raised by SIGALRM in an input that runs too long. A BaseException, so that the code
    under test's ``except Exception`` does not swallow it."""


# --- kinds ---------------------------------------------------------------------------------
def discover(directory=FUZZ_DIR):
    """The kind names of ``kind_*.py`` in *directory*, sorted."""
    return sorted(name[len("kind_"):-len(".py")] for name in os.listdir(directory)
                  if name.startswith("kind_") and name.endswith(".py"))


def load_kind(name, directory=None):
    """Import kind *name* (``fuzz.kind_<name>``, or ``kind_<name>.py`` in *directory*) and
    check it follows the convention; raise :class:`KindError` when it does not."""
    if directory is None:
        module = importlib.import_module("fuzz.kind_" + name)
    else:
        path = os.path.join(directory, "kind_%s.py" % name)
        spec = importlib.util.spec_from_file_location("fuzz_extra.kind_" + name, path)
        if spec is None:
            raise KindError("%s: cannot import" % path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    validate(module, name)
    return module


def validate(module, name):
    missing = [attr for attr in REQUIRED if not hasattr(module, attr)]
    if missing:
        raise KindError("%s: missing %s" % (module.__name__, ", ".join(missing)))
    if module.KIND != name:
        raise KindError("%s: KIND is %r, the file name says %r" % (module.__name__,
                                                                   module.KIND, name))
    for attr in ("DEFAULT_COUNT", "SLICE_COUNT"):
        value = getattr(module, attr)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise KindError("%s: %s must be a positive int, not %r" % (module.__name__,
                                                                       attr, value))
    for attr in ("generate", "run") + (("describe",) if hasattr(module, "describe") else ()):
        if not callable(getattr(module, attr)):
            raise KindError("%s: %s is not callable" % (module.__name__, attr))


def case_rng(seed, kind, index):
    """The random source of input *index* of *kind*: independent of every other input."""
    return random.Random("%s:%s:%d" % (seed, kind, index))


def describe(module, case, limit=300):
    try:
        text = module.describe(case) if hasattr(module, "describe") else repr(case)
    except Exception as exc:  # noqa: BLE001 - a broken describe() must not hide the failure
        text = "<describe() failed: %r> %r" % (exc, case)
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "\u2026"


# --- one input -----------------------------------------------------------------------------
class Failure:
    """One failed input: *what* is ``crash``, ``hang`` or ``memory``."""

    FIELDS = ("kind", "seed", "index", "what", "error", "frame", "describe")

    def __init__(self, kind, seed, index, what, error, frame, describe="", trace=""):
        self.kind, self.seed, self.index, self.what = kind, seed, index, what
        self.error, self.frame, self.describe, self.trace = error, frame, describe, trace

    @property
    def signature(self):
        """Failures with one signature are one defect (most likely)."""
        return (self.what, self.error.split(":", 1)[0], self.frame)

    def replay(self):
        return "PYTHONPATH=tests python -m fuzz --seed %s --replay %s:%d" % (
            shlex.quote(str(self.seed)), self.kind, self.index)

    def to_dict(self):
        return {f: getattr(self, f) for f in self.FIELDS}

    @classmethod
    def from_dict(cls, data):
        return cls(**{f: data[f] for f in cls.FIELDS})

    def __str__(self):
        return "%s %s:%d %s at %s [%s]" % (self.what, self.kind, self.index, self.error,
                                           self.frame, self.describe)

    __repr__ = __str__


def _error_text(exc):
    from org_ovirt_node.sanitize import excerpt
    message = str(exc)
    return "%s: %s" % (type(exc).__name__, excerpt(message, 160)) if message \
        else type(exc).__name__


def _last_frame(exc):
    """``file:line in function`` where *exc* was raised (this file's frames skipped)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if os.path.abspath(f.filename) != os.path.abspath(__file__)]
    if not frames:
        return "?"
    frame = frames[-1]
    path = os.path.abspath(frame.filename)
    for marker in ("site-packages" + os.sep, "dist-packages" + os.sep):
        if marker in path:
            path = path.split(marker, 1)[1]
    if path.startswith(REPO + os.sep):
        path = os.path.relpath(path, REPO)
    return "%s:%s in %s" % (path, frame.lineno, frame.name)


class _Alarm:
    """SIGALRM after *timeout* seconds, then every second, while an input runs."""

    def __init__(self):
        self.active = False
        self.usable = threading.current_thread() is threading.main_thread()
        self.previous = None

    def __enter__(self):
        if self.usable:
            self.previous = signal.signal(signal.SIGALRM, self._fire)
        return self

    def __exit__(self, *exc):
        if self.usable:
            self.disarm()
            signal.signal(signal.SIGALRM, self.previous)

    def _fire(self, _signum, _frame):
        if self.active:
            raise Hang()

    def arm(self, timeout):
        if self.usable and timeout:
            self.active = True
            # The interval re-raises Hang in code that swallowed the first one.
            signal.setitimer(signal.ITIMER_REAL, timeout, 1.0)

    def disarm(self):
        self.active = False
        if self.usable:
            signal.setitimer(signal.ITIMER_REAL, 0)


class _Memory:
    """Peak resident memory per input, from the kernel's high-water mark (VmHWM), reset
    after an input goes over *limit* so the next one is judged on its own."""

    def __init__(self, limit, base=0):
        self.limit = limit
        self.base = base
        self.peak = 0
        self.reset()

    @staticmethod
    def hwm():
        try:
            with open("/proc/self/status", "rb") as handle:
                for line in handle:
                    if line.startswith(b"VmHWM:"):
                        return int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    @staticmethod
    def reset():
        try:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
                handle.write("5")  # 5: reset the peak RSS to the current RSS
        except OSError:
            pass

    def over(self):
        """Whether the input that just ran went over the limit."""
        hwm = self.hwm()
        self.peak = max(self.peak, hwm)
        if self.limit and hwm - self.base > self.limit:
            self.reset()
            return True
        return False


def _vm_data():
    with open("/proc/self/status", "rb") as handle:
        for line in handle:
            if line.startswith(b"VmData:"):
                return int(line.split()[1]) * 1024
    return 0


class MemoryCap:
    """``RLIMIT_DATA`` at *limit* (plus what the process already uses when *relative*),
    restored on exit, so that a runaway input fails with MemoryError instead of taking the
    machine's memory."""

    def __init__(self, limit, relative=False):
        self.limit, self.relative, self.saved = limit, relative, None

    def __enter__(self):
        if self.limit:
            self.saved = resource.getrlimit(resource.RLIMIT_DATA)
            soft = self.limit + (_vm_data() if self.relative else 0)
            hard = self.saved[1]
            if hard != resource.RLIM_INFINITY:
                soft = min(soft, hard)
            resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))
        return self

    def __exit__(self, *exc):
        if self.saved is not None:
            resource.setrlimit(resource.RLIMIT_DATA, self.saved)


def run_one(module, seed, index, alarm, memory, timeout=DEFAULT_TIMEOUT):
    """Generate and run input *index*; a :class:`Failure` (with the case as ``.case`` and the
    full traceback as ``.trace``) or None."""
    kind = module.KIND
    case = None
    what = None
    try:
        alarm.arm(timeout)
        try:
            case = module.generate(case_rng(seed, kind, index))
            module.run(case)
        finally:
            alarm.disarm()
    except Hang as exc:
        alarm.disarm()
        what, error = "hang", exc
    except MemoryError as exc:
        what, error = "memory", exc
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - anything else escaping run() is a crash
        what, error = "crash", exc
    if memory.over() and what is None:
        what, error = "memory", None
    if what is None:
        return None
    if what == "hang":
        text = "Hang: over %gs" % timeout
    elif error is None:
        text = "peak RSS over %d MiB" % (memory.limit >> 20)
    else:
        text = _error_text(error)
    failure = Failure(kind, seed, index, what, text,
                      _last_frame(error) if error is not None else "-",
                      describe(module, case) if case is not None
                      else "<no case: generate() did not finish>")
    failure.trace = ("".join(traceback.format_exception(type(error), error, error.__traceback__))
                     if error is not None else "")
    failure.case = case
    return failure


class Result:
    """What one kind's run found."""

    def __init__(self, kind):
        self.kind = kind
        self.tried = 0
        self.failures = []
        self.peak = 0          # bytes of resident memory, the most any process of it used
        self.seconds = 0.0
        self.note = ""         # why a run ended early (a kind that cannot start)

    def count(self, what):
        return sum(1 for f in self.failures if f.what == what)

    @property
    def ok(self):
        return not self.failures and not self.note

    def signatures(self):
        """[(signature, count, first failure)] most frequent first."""
        groups = collections.OrderedDict()
        for failure in self.failures:
            entry = groups.setdefault(failure.signature, [0, failure])
            entry[0] += 1
        return sorted(((sig, n, first) for sig, (n, first) in groups.items()),
                      key=lambda item: -item[1])


def run_kind(module, seed=0, count=None, start=0, timeout=DEFAULT_TIMEOUT,
             mem_limit=DEFAULT_MEM_LIMIT, relative_memory=False, on_start=None,
             on_failure=None):
    """Run inputs *start* .. *start+count* of *module* in this process (the caller's main
    thread, for the hang timer) under a memory cap; return a :class:`Result`."""
    count = module.DEFAULT_COUNT if count is None else count
    result = Result(module.KIND)
    began = time.monotonic()
    memory = _Memory(mem_limit, base=_Memory.hwm() if relative_memory else 0)
    with MemoryCap(mem_limit, relative=relative_memory), _Alarm() as alarm:
        for index in range(start, start + count):
            if on_start:
                on_start(index)
            result.tried += 1
            failure = run_one(module, seed, index, alarm, memory, timeout)
            if failure is not None:
                result.failures.append(failure)
                if on_failure:
                    on_failure(failure)
    result.peak = memory.peak
    result.seconds = time.monotonic() - began
    return result


# --- repro files ---------------------------------------------------------------------------
def write_repro(directory, failure):
    """``<kind>-<index>.txt`` (what happened, how to replay, the case, the traceback) and,
    for a text or bytes case, the raw input as ``<kind>-<index>.input``."""
    os.makedirs(directory, exist_ok=True)
    base = os.path.join(directory, "%s-%d" % (failure.kind, failure.index))
    case = getattr(failure, "case", None)
    text = repr(case) if hasattr(failure, "case") else (
        "(not kept: the input's child process was killed; replay it)")
    if len(text) > MAX_CASE_REPR:
        text = text[:MAX_CASE_REPR] + "\u2026"
    with open(base + ".txt", "w", encoding="utf-8", errors="backslashreplace") as handle:
        handle.write("kind: %s\nseed: %s\nindex: %d\nwhat: %s\nerror: %s\nat: %s\n"
                     "replay: %s\ndescribe: %s\n\ncase:\n%s\n\n%s" % (
                         failure.kind, failure.seed, failure.index, failure.what,
                         failure.error, failure.frame, failure.replay(), failure.describe,
                         text, failure.trace))
    if isinstance(case, (str, bytes)):
        data = case.encode("utf-8", "surrogateescape") if isinstance(case, str) else case
        with open(base + ".input", "wb") as handle:
            handle.write(data)
    return base + ".txt"


# --- the child process ---------------------------------------------------------------------
def child_main(opts):
    """Run a range of one kind's inputs, reporting on the original stdout:
    ``S <index>`` before each input, ``F <json>`` per failure, ``D <json>`` at the end,
    ``E <message>`` when the kind cannot be loaded. On SIGUSR1 (and on a fatal signal) the
    Python stacks go to stderr, where the parent reads where a stuck input was."""
    import faulthandler

    faulthandler.enable(all_threads=True)
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    events = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8",
                       errors="backslashreplace")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)  # what the code under test prints must not mix with the events
    os.close(devnull)
    kind = opts.kind[0]
    try:
        module = load_kind(kind, opts.kinds_dir)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which says it
        events.write("E %s\n" % json.dumps("%s: %s" % (type(exc).__name__, exc)))
        return 2
    repros = _Repros(opts.repro_dir, opts.repros, json.loads(opts.saved))

    def on_start(index):
        events.write("S %d\n" % index)

    def on_failure(failure):
        data = failure.to_dict()
        data["saved"] = repros.save(failure)
        events.write("F %s\n" % json.dumps(data))

    result = run_kind(module, seed=opts.seed, count=opts.count, start=opts.start,
                      timeout=opts.timeout, mem_limit=opts.mem_limit, on_start=on_start,
                      on_failure=on_failure)
    events.write("D %s\n" % json.dumps({"tried": result.tried, "peak": result.peak}))
    events.flush()
    return 0


class _Repros:
    """Saves the first *budget* failures of a kind, one per signature."""

    def __init__(self, directory, budget, saved=()):
        self.directory, self.budget = directory, budget
        self.saved = {tuple(sig) for sig in saved}

    def save(self, failure):
        if self.budget <= 0 or failure.signature in self.saved:
            return False
        try:
            write_repro(self.directory, failure)
        except OSError:
            return False
        self.note(failure)
        return True

    def note(self, failure):
        self.budget -= 1
        self.saved.add(failure.signature)


# --- the parent: one supervised child per kind ---------------------------------------------
class _Tail:
    """The last *size* bytes of a stream (a child's stderr), read in a thread."""

    def __init__(self, stream, size=16 << 10):
        self.data = b""
        self.size = size
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        for chunk in iter(lambda: stream.read1(4096), b""):
            self.data = (self.data + chunk)[-self.size:]

    def last_line(self):
        lines = self.data.decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else ""


class _Events:
    """Reads a child's event lines in a thread; keeps the input it is running."""

    def __init__(self, stream, result, lock):
        self.current = None
        self.started = None
        self.done = None
        self.error = None
        self.saved = []        # failures the child wrote a repro file for
        self.result = result
        self.lock = lock
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        for line in stream:
            tag, _sep, rest = line.rstrip("\n").partition(" ")
            with self.lock:
                if tag == "S":
                    self.current, self.started = int(rest), time.monotonic()
                    self.result.tried += 1
                elif tag == "F":
                    data = json.loads(rest)
                    failure = Failure.from_dict(data)
                    self.result.failures.append(failure)
                    if data.get("saved"):
                        self.saved.append(failure)
                elif tag == "D":
                    self.done = json.loads(rest)
                    self.current = None
                elif tag == "E":
                    self.error = json.loads(rest)


def _child_command(opts, kind, start, count, repros):
    argv = [sys.executable, "-m", "fuzz", "--child", "--kind", kind, "--seed", str(opts.seed),
            "--start", str(start), "--count", str(count), "--timeout", str(opts.timeout),
            "--mem-limit", str(opts.mem_limit), "--repro-dir", opts.repro_dir,
            "--repros", str(repros.budget), "--saved", json.dumps(sorted(repros.saved))]
    if opts.kinds_dir:
        argv += ["--kinds-dir", opts.kinds_dir]
    return argv


def _child_env():
    env = dict(os.environ)
    paths = [TESTS_DIR, REPO] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


def _reap(proc, block):
    """Reap *proc* if it ended (or wait for it when *block*): (exit code or -signal, its
    peak RSS in bytes), or None while it runs. ``os.wait4`` because it gives this one
    child's resource usage."""
    pid, status, usage = os.wait4(proc.pid, 0 if block else os.WNOHANG)
    if pid == 0:
        return None
    proc.returncode = (-os.WTERMSIG(status) if os.WIFSIGNALED(status)
                       else os.WEXITSTATUS(status))
    return proc.returncode, usage.ru_maxrss * 1024


def _describe_exit(code):
    if code < 0:
        try:
            return "killed by %s" % signal.Signals(-code).name
        except ValueError:
            return "killed by signal %d" % -code
    return "exit status %d" % code


def _stuck_frame(stderr_text):
    """``file:line in function`` of the innermost frame of the current thread in a
    faulthandler dump, or "?"."""
    import re
    blocks = re.split(r"\n(?=(?:Current thread|Thread) 0x)", stderr_text)
    blocks = [b for b in blocks if "(most recent call first):" in b]
    if not blocks:
        return "?"
    current = [b for b in blocks if b.lstrip().startswith("Current thread")]
    match = re.search(r'File "([^"]*)", line (\d+) in (\S+)', (current or blocks)[-1])
    if not match:
        return "?"
    path = match.group(1)
    if path.startswith(REPO + os.sep):
        path = os.path.relpath(path, REPO)
    return "%s:%s in %s" % (path, match.group(2), match.group(3))


def supervise(opts, kind, count, say=print):
    """Run *count* inputs of *kind* in child processes, restarting after an input that
    killed its child or hung beyond the reach of SIGALRM."""
    result = Result(kind)
    lock = threading.Lock()
    hard_limit = 2 * opts.timeout + 2  # SIGALRM had its chance and a second one
    began = last_progress = time.monotonic()
    index, end = opts.start, opts.start + count
    repros = _Repros(opts.repro_dir, opts.repros)
    while index < end and not STOP.is_set():
        proc = subprocess.Popen(_child_command(opts, kind, index, end - index, repros),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=_child_env(), cwd=REPO,
                                text=True, encoding="utf-8", errors="replace")
        events = _Events(proc.stdout, result, lock)
        tail = _Tail(proc.stderr.buffer)
        killed_at = ended = None
        while ended is None:
            time.sleep(0.05)
            ended = _reap(proc, block=False)
            if ended is not None:
                break
            if STOP.is_set():
                proc.kill()
                ended = _reap(proc, block=True)
                break
            now = time.monotonic()
            with lock:
                current, started = events.current, events.started
            if current is not None and now - started > hard_limit:
                proc.send_signal(signal.SIGUSR1)  # faulthandler: where is it stuck?
                time.sleep(0.5)
                proc.kill()
                killed_at = current
                ended = _reap(proc, block=True)
                break
            if now - last_progress >= PROGRESS_EVERY:
                last_progress = now
                with lock:
                    say("  %s: %d/%d inputs, %d failure(s), %.0f s" % (
                        kind, result.tried, count, len(result.failures), now - began))
        code, peak = ended
        events.thread.join()
        tail.thread.join()
        result.peak = max(result.peak, peak)
        for failure in events.saved:
            repros.note(failure)
        if events.error:
            result.note = events.error
            break
        if events.done is not None or STOP.is_set():
            break
        stderr_text = tail.data.decode("utf-8", "replace")
        if killed_at is not None:
            failure = Failure(kind, opts.seed, killed_at, "hang",
                              "Hang: over %gs, SIGALRM did not stop it" % hard_limit,
                              _stuck_frame(stderr_text))
        elif events.current is not None:
            last = tail.last_line()[:200]
            failure = Failure(kind, opts.seed, events.current, "crash",
                              "child process %s%s" % (_describe_exit(code),
                                                      ": " + last if last else ""),
                              _stuck_frame(stderr_text))
        else:
            result.note = "the child exited (%s) before its first input: %s" % (
                _describe_exit(code), tail.last_line()[:300])
            break
        failure.trace = stderr_text
        result.failures.append(failure)
        repros.save(failure)
        index = failure.index + 1
    result.seconds = time.monotonic() - began
    return result


# --- reports -------------------------------------------------------------------------------
HEADER = ("kind", "inputs", "crashes", "hangs", "over-mem", "peak MB", "seconds", "inputs/s")


def _row(result):
    rate = result.tried / result.seconds if result.seconds else 0.0
    return (result.kind, "%d" % result.tried, "%d" % result.count("crash"),
            "%d" % result.count("hang"), "%d" % result.count("memory"),
            "%.0f" % (result.peak / 2 ** 20), "%.1f" % result.seconds, "%.0f" % rate)


def summary_line(result):
    return "%s: %s inputs, %s crashes, %s hangs, %s over memory, peak %s MB, %s s, %s inputs/s" \
        % _row(result)


def table(results):
    rows = [HEADER] + [_row(r) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths))) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def failure_report(result, limit=10):
    lines = []
    if result.note:
        lines.append("%s: did not run: %s" % (result.kind, result.note))
    for (what, error_type, frame), count, first in result.signatures()[:limit]:
        lines.append("%s: %s x%d: %s at %s (first: input %d)" % (
            result.kind, what, count, error_type, frame, first.index))
        lines.append("    %s" % first.error)
        if first.describe:
            lines.append("    case: %s" % first.describe)
        lines.append("    replay: %s" % first.replay())
    more = len(result.signatures()) - limit
    if more > 0:
        lines.append("%s: ... and %d more distinct failure(s)" % (result.kind, more))
    return lines


# --- command line --------------------------------------------------------------------------
def _mem_size(text):
    from org_ovirt_node.units import SizeError, parse_size
    try:
        return int(text) if text.isdigit() else parse_size(text)
    except SizeError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _replay_spec(text):
    kind, sep, index = text.rpartition(":")
    if not sep or not kind or not index.isdigit():
        raise argparse.ArgumentTypeError("expected KIND:INDEX, e.g. argv:123")
    return kind, int(index)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m fuzz", description="Run the fuzz kinds of tests/fuzz (docs/fuzz.md).")
    parser.add_argument("--kind", action="append", default=[], metavar="KIND",
                        help="a kind to run (repeat for more; default: every kind)")
    parser.add_argument("--count", type=int, default=None, metavar="N",
                        help="inputs per kind (default: each kind's DEFAULT_COUNT)")
    parser.add_argument("--slice", action="store_true",
                        help="run each kind's SLICE_COUNT inputs (what make check runs)")
    parser.add_argument("--seed", default="0", metavar="S", help="seed (default: 0)")
    parser.add_argument("--start", type=int, default=0, metavar="I",
                        help="first input index (default: 0)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help="an input running longer is a hang (default: 5)")
    parser.add_argument("--mem-limit", type=_mem_size, default=DEFAULT_MEM_LIMIT,
                        metavar="SIZE", help="an input over this peak memory fails (default: "
                                             "1GiB)")
    parser.add_argument("--jobs", type=int, default=1, metavar="J",
                        help="kinds run in parallel (default: 1)")
    parser.add_argument("--replay", type=_replay_spec, action="append", default=[],
                        metavar="KIND:INDEX", help="run one input in this process and show "
                                                   "its traceback")
    parser.add_argument("--repro-dir", default=REPRO_DIR, metavar="DIR",
                        help="where the first failures are saved (default: build/fuzz)")
    parser.add_argument("--repros", type=int, default=MAX_REPROS, metavar="N",
                        help="failures saved per kind (default: %d)" % MAX_REPROS)
    parser.add_argument("--list", action="store_true", help="list the kinds and exit")
    parser.add_argument("--kinds-dir", default=None, help=argparse.SUPPRESS)  # tests
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--saved", default="[]", help=argparse.SUPPRESS)  # repro signatures
    return parser


def replay(opts, kind, index, say=print):
    module = load_kind(kind, opts.kinds_dir)
    case = module.generate(case_rng(opts.seed, kind, index))
    say("%s:%d: %s" % (kind, index, describe(module, case, limit=2000)))
    memory = _Memory(opts.mem_limit, base=_Memory.hwm())
    with MemoryCap(opts.mem_limit, relative=True), _Alarm() as alarm:
        failure = run_one(module, opts.seed, index, alarm, memory, opts.timeout)
    if failure is None:
        say("%s:%d: passes" % (kind, index))
        return True
    say(failure.trace.rstrip() or str(failure))
    say("%s:%d: %s: %s at %s" % (kind, index, failure.what, failure.error, failure.frame))
    return False


def main(argv=None, say=print):
    opts = build_parser().parse_args(argv)
    if opts.child:
        return child_main(opts)
    known = discover(opts.kinds_dir or FUZZ_DIR)
    if opts.replay:
        unknown = sorted({k for k, _i in opts.replay} - set(known))
        if unknown:
            say("unknown kind(s) %s; known: %s" % (", ".join(unknown), ", ".join(known)))
            return 2
        return 0 if all([replay(opts, k, i, say) for k, i in opts.replay]) else 1
    kinds = list(dict.fromkeys(opts.kind)) or known
    unknown = [k for k in kinds if k not in known]
    if unknown or not kinds:
        say("unknown kind(s) %s; known: %s" % (", ".join(unknown) or "-",
                                               ", ".join(known) or "none"))
        return 2
    modules, broken = {}, []
    for kind in kinds:
        try:
            modules[kind] = load_kind(kind, opts.kinds_dir)
        except Exception as exc:  # noqa: BLE001 - a kind that does not load is a failure
            broken.append(Result(kind))
            broken[-1].note = "%s: %s" % (type(exc).__name__, exc)
    if opts.list:
        for kind, module in modules.items():
            say("%-12s default %d, slice %d" % (kind, module.DEFAULT_COUNT, module.SLICE_COUNT))
        return 0 if not broken else 1
    kinds = list(modules)
    counts = {k: opts.count if opts.count is not None
              else m.SLICE_COUNT if opts.slice else m.DEFAULT_COUNT for k, m in modules.items()}
    _clear_repros(opts.repro_dir, kinds)
    say("fuzzing %s (seed %s, timeout %gs, memory limit %d MiB, %d job(s))" % (
        ", ".join("%s x%d" % (k, counts[k]) for k in kinds), opts.seed, opts.timeout,
        opts.mem_limit >> 20, opts.jobs))
    lock = threading.Lock()

    def locked_say(text):
        with lock:
            say(text)

    def one(kind):
        result = supervise(opts, kind, counts[kind], say=locked_say)
        locked_say(summary_line(result))
        return result

    from concurrent.futures import ThreadPoolExecutor
    pool = ThreadPoolExecutor(max_workers=max(1, opts.jobs))
    try:
        futures = [pool.submit(one, kind) for kind in kinds]
        results = broken + [future.result() for future in futures]
    except KeyboardInterrupt:
        STOP.set()  # the supervisors kill their children and start no new ones
        pool.shutdown(wait=True)
        say("interrupted")
        return 130
    pool.shutdown()
    say("")
    say(table(results))
    lines = [line for r in results for line in failure_report(r)]
    if lines:
        say("")
        for line in lines:
            say(line)
        say("repro files: %s" % opts.repro_dir)
    return 0 if all(r.ok for r in results) else 1


def _clear_repros(directory, kinds):
    """Remove repro files of *kinds* from an earlier run, so what is there is this run's."""
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        kind = name.rsplit("-", 1)[0]
        if kind in kinds and name.endswith((".txt", ".input")):
            try:
                os.unlink(os.path.join(directory, name))
            except OSError:
                pass
