# runyard-spawner (Python): the step spawner of runyard-spawner.pl, the same protocol and the
# same behaviour, but each step is started with posix_spawn(3) instead of fork(2). glibc's
# posix_spawn starts the child in the parent's address space (clone with CLONE_VM|CLONE_VFORK):
# no page tables are copied and no page is faulted in copy-on-write, so starting a step costs
# what its exec costs, whatever the size of this process. On a machine where page faults are
# dear (a paravirtualised VM) that is most of the cost of a step: 1,000 `bash -c true` two at a
# time took 5.5-6.1 s this way, 9.0 s forked from Perl and 6.9-7.2 s from xargs (see
# docs/performance.md).
#
# Started by the executor as `python3 -I -S runyard-spawner.py [PERL]` with the system's
# Python (never a shim on PATH). Needs Python 3.8 (os.posix_spawn with setsid); an older one
# hands over to the Perl spawner given as PERL, on the same pipes. Standard library only.
#
# The protocol is runyard-spawner.pl's (requests S and Q on stdin, reports P, F and X on
# stdout, end of file on stdin means the executor is gone). Where posix_spawn cannot do what a
# step needs (its working directory cannot be entered, its program cannot be run), the step is
# forked as the Perl spawner does it, so that what the step shows is the same: a line
# "runyard: ..." in its stderr and exit code 127.
import os
import select
import signal
import sys

if sys.version_info < (3, 8) or not hasattr(os, "posix_spawn"):
    if len(sys.argv) > 1:
        here = os.path.dirname(os.path.abspath(__file__))
        os.execv(sys.argv[1], [sys.argv[1], os.path.join(here, "runyard-spawner.pl")])
    sys.stderr.write("runyard-spawner: Python 3.8 or later is needed, and there is no Perl\n")
    sys.exit(2)

# Nothing but its three: a descriptor the executor was given without close-on-exec (a pipe of
# the user's shell, say) would reach every step, and hold that pipe open as long as it runs.
try:
    for name in os.listdir("/proc/self/fd"):
        if int(name) > 2:
            try:
                os.close(int(name))
            except OSError:
                pass  # the directory listdir had open
except OSError:
    os.closerange(3, 1024)

CAPTURE_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC
# Every signal at its default in a step: Python ignores SIGPIPE and SIGXFSZ, and an ignored
# signal stays ignored across exec. (glibc's posix_spawn sets its two internal signals, 32 and
# 33, to ignored in the child, and they cannot be named here: sigaction refuses them. No
# program can use them but glibc itself, which sets them when it needs them.)
DEFAULT_SIGNALS = sorted(
    int(number) for number in signal.valid_signals() if number not in (signal.SIGKILL, signal.SIGSTOP)
)

wake_r, wake_w = os.pipe()
os.set_blocking(wake_r, False)
os.set_blocking(wake_w, False)
signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
signal.signal(signal.SIGCHLD, lambda number, frame: None)

running = {}  # pid => seq
environment = {}  # the steps' environment, as the requests so far made it (bytes => bytes)
reports = []


def one_line(text):
    return " ".join(text.replace("\r", "\n").split("\n"))


def report(line):
    reports.append(line.encode("utf-8", "surrogateescape"))


def flush_reports():
    data = b"".join(reports)
    reports.clear()
    while data:
        try:
            written = os.write(1, data)
        except BrokenPipeError:
            return False  # the executor is gone
        data = data[written:]
    return True


def reason(error, what):
    return one_line("%s: %s" % (what, error.strerror or str(error)))


found = {}  # (name, PATH) => where it was found: looked up once, as bash hashes commands


def find_program(name):
    """argv[0] as execvp would find it on the step's PATH (None: not found, execvp says why)."""
    if b"/" in name:
        return name
    path = environment.get(b"PATH", b"/bin:/usr/bin")
    known = found.get((name, path))
    if known is not None and os.access(known, os.X_OK):
        return known
    for directory in path.split(b":"):
        candidate = os.path.join(directory or b".", name)
        if os.access(candidate, os.X_OK) and not os.path.isdir(candidate):
            if candidate.startswith(b"/"):  # not a relative entry: each step has its cwd
                found[(name, path)] = candidate
            return candidate
    return None


def fork_step(cwd, argv, out, err):
    """The Perl spawner's way, for a step posix_spawn cannot start: its stderr says why."""
    pid = os.fork()
    if pid != 0:
        return pid
    try:
        for number in (signal.SIGCHLD, signal.SIGPIPE, signal.SIGXFSZ):
            signal.signal(number, signal.SIG_DFL)
        os.setsid()
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(err, 2)
        try:
            os.chdir(cwd)
        except OSError as error:
            os.write(2, b"runyard: cannot enter the working directory %s: %s\n"
                     % (cwd, (error.strerror or str(error)).encode()))
            os._exit(127)
        try:
            os.execvpe(argv[0], argv, environment)
        except OSError as error:
            os.write(2, b"runyard: cannot run %s: %s\n"
                     % (argv[0], (error.strerror or str(error)).encode()))
        os._exit(127)
    except BaseException:
        os._exit(127)


def start_step(seq, payload):
    fields = payload.split(b"\0")
    cwd, out_path, err_path, argc = fields[0:4]
    argc = int(argc)
    argv = fields[4 : 4 + argc]
    for change in fields[4 + argc :]:
        if change[:1] == b"-":
            environment.pop(change[1:], None)
        else:
            at = change.find(b"=")
            if at > 1:
                environment[change[1:at]] = change[at + 1 :]
    try:
        out = os.open(out_path, CAPTURE_FLAGS)
    except OSError as error:
        report("F %s %s\n" % (seq, reason(error, "cannot open %s" % os.fsdecode(out_path))))
        return
    try:
        err = os.open(err_path, CAPTURE_FLAGS)
    except OSError as error:
        os.close(out)
        report("F %s %s\n" % (seq, reason(error, "cannot open %s" % os.fsdecode(err_path))))
        return
    try:
        pid = None
        program = find_program(argv[0])
        if program is not None:
            try:
                os.chdir(cwd)
                pid = os.posix_spawn(
                    program,
                    argv,
                    environment,
                    file_actions=[
                        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                        (os.POSIX_SPAWN_DUP2, out, 1),
                        (os.POSIX_SPAWN_DUP2, err, 2),
                    ],
                    setsid=True,
                    setsigdef=DEFAULT_SIGNALS,
                    setsigmask=[],
                )
            except OSError:
                pid = None
        if pid is None:
            pid = fork_step(cwd, argv, out, err)
    except OSError as error:
        report("F %s %s\n" % (seq, reason(error, "fork")))
        return
    finally:
        os.close(out)
        os.close(err)
    running[pid] = seq
    report("P %s %d\n" % (seq, pid))


def reap():
    while running:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        seq = running.pop(pid, None)
        if seq is None:
            continue
        if os.WIFSIGNALED(status):
            report("X %s -1 %d\n" % (seq, os.WTERMSIG(status)))
        else:
            report("X %s %d 0\n" % (seq, os.WEXITSTATUS(status)))


def signal_groups(groups, number):
    for group in groups:
        try:
            os.killpg(group, number)
        except OSError:
            pass  # gone already


def orphaned():
    """The executor is gone: stop what it started and go."""
    groups = sorted(running)
    if groups:
        import time

        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        os.write(2, ("%s runyard-spawner[%d]: the executor is gone: stopping the process groups %s"
                     " of its running steps\n" % (stamp, os.getpid(), ", ".join(map(str, groups)))).encode())
        signal_groups(groups, signal.SIGTERM)
        time.sleep(0.5)
        signal_groups(groups, signal.SIGKILL)
    sys.exit(0)


def main():
    pending = b""
    while True:
        # SIGCHLD wakes the select through the wake-up pipe; children are also looked for
        # at least every 0.1 s while any runs, as in the Perl spawner.
        try:
            readable, _, _ = select.select([0, wake_r], [], [], 0.1 if running else None)
        except InterruptedError:
            readable = []
        if wake_r in readable:
            try:
                while os.read(wake_r, 512):
                    pass
            except BlockingIOError:
                pass
        reap()
        if 0 in readable:
            try:
                chunk = os.read(0, 65536)
            except (BlockingIOError, InterruptedError):
                chunk = None
            except OSError:
                orphaned()
            if chunk == b"":
                orphaned()
            if chunk:
                pending += chunk
                while True:
                    newline = pending.find(b"\n")
                    if newline < 0:
                        break
                    header = pending[:newline].split(b" ")
                    if len(header) != 3 or header[0] not in (b"S", b"Q") or not (
                        header[1].isdigit() and header[2].isdigit()
                    ):
                        break
                    length = int(header[2])
                    if len(pending) < newline + 1 + length:
                        break
                    payload = pending[newline + 1 : newline + 1 + length]
                    pending = pending[newline + 1 + length :]
                    if header[0] == b"Q":
                        flush_reports()
                        sys.exit(0)
                    start_step(header[1].decode(), payload)
                # What is left is the beginning of a request, or nonsense (then say so and stop).
                first = pending.split(b"\n", 1)
                head = first[0]
                parts = head.split(b" ")
                plausible = (
                    len(parts) <= 3
                    and (head == b"" or parts[0] in (b"S", b"Q"))
                    and all(part.isdigit() or part == b"" for part in parts[1:])
                    and (len(first) == 1 or len(parts) == 3)
                )
                if not plausible:
                    sys.stderr.write("runyard-spawner: a request it does not understand\n")
                    sys.exit(255)
        if not flush_reports():
            orphaned()


main()
