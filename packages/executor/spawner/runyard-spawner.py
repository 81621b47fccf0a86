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
import errno
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

# Where the spawner stays between steps (the directory it was started in, "/" from the
# executor): a step's working directory is entered only to start it, then left, so that the
# spawner holds no step's directory (a mount point it held could not be unmounted) and a
# relative one means what it means to the Perl spawner.
home = os.open(".", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)

wake_r, wake_w = os.pipe()
os.set_blocking(wake_r, False)
os.set_blocking(wake_w, False)
signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
signal.signal(signal.SIGCHLD, lambda number, frame: None)

running = {}  # pid => seq
environment = {}  # the steps' environment, as the requests so far made it (bytes => bytes)
reports = []


def one_line(text):
    """Every run of CRs and LFs one space, as the Perl spawner's s/[\r\n]+/ /g."""
    if "\r" not in text and "\n" not in text:
        return text
    import re

    return re.sub("[\r\n]+", " ", text)


def report(line):
    reports.append(line.encode("utf-8", "surrogateescape"))


def flush_reports():
    data = b"".join(reports)
    reports.clear()
    while data:
        try:
            written = os.write(1, data)
        except OSError:
            # EPIPE, or ECONNRESET: the executor's end is a socket, and it died with reports
            # it had not read. Either way the executor is gone (as the Perl spawner: any error).
            return False
        data = data[written:]
    return True


def reason(error, what):
    return one_line("%s: %s" % (what, error.strerror or str(error)))


# What glibc's execvp(3) goes on past, to the next directory of PATH (EACCES is remembered).
NEXT_ON_PATH = (errno.ENOENT, errno.ESTALE, errno.ENOTDIR, errno.ENODEV, errno.ETIMEDOUT, errno.EACCES)

def execvp_like(argv, execute):
    """execute(program, argv) as glibc's execvp(3) does it with the step's PATH (the Perl
    spawner's exec): each directory of PATH in turn (an empty one is the working directory),
    past those where the program is not or may not be run, a file that is no executable run by
    /bin/sh, and stopped at any other error. Returns what execute returns, or raises the
    OSError that execvp fails with. (Looked up afresh for every step, as Perl's exec does:
    no cache, which a program put earlier on PATH, or a relative entry, would make wrong.)"""
    name = argv[0]
    if name == b"":
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT))
    if b"/" in name:
        programs = [name]
    else:
        path = environment.get(b"PATH", b"/bin:/usr/bin")
        programs = [directory + b"/" + name if directory else name for directory in path.split(b":")]
    eacces = False
    last = None
    for program in programs:
        try:
            return execute(program, argv)
        except OSError as error:
            if error.errno == errno.ENOEXEC:
                try:
                    return execute(b"/bin/sh", [b"/bin/sh", program] + argv[1:])
                except OSError as shell_error:
                    error = shell_error
            if b"/" in name:
                raise error
            if error.errno not in NEXT_ON_PATH:
                raise error
            eacces = eacces or error.errno == errno.EACCES
            last = error
    if eacces:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
    raise last


def spawn(cwd, argv, out, err):
    """The step started by posix_spawn, or None where that cannot be done as execvp would."""
    try:
        os.chdir(cwd)
    except OSError:
        return None

    def one(program, args):
        os.stat(program)  # where it is not, no child is started to find that out
        return os.posix_spawn(
            program,
            args,
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

    try:
        return execvp_like(argv, one)
    except (OSError, ValueError):
        return None
    finally:
        os.fchdir(home)


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
            execvp_like(argv, lambda program, args: os.execve(program, args, environment))
        except OSError as error:
            os.write(2, b"runyard: cannot run %s: %s\n"
                     % (argv[0], (error.strerror or str(error)).encode()))
        os._exit(127)
    except BaseException:
        os._exit(127)


def start_step(seq, payload):
    fields = payload.split(b"\0")
    if len(fields) < 5 or not fields[3].isdigit() or not 0 < int(fields[3]) <= len(fields) - 4:
        report("F %s a request it does not understand\n" % seq)
        return
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
        pid = spawn(cwd, argv, out, err)
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


def group_alive(group):
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except OSError:
        pass  # EPERM: there, but not ours to signal
    return True


def orphaned():
    """The executor is gone: stop what it started and go."""
    groups = sorted(running)
    if groups:
        import time

        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        try:
            os.write(2, ("%s runyard-spawner[%d]: the executor is gone: stopping the process groups"
                         " %s of its running steps\n" % (stamp, os.getpid(), ", ".join(map(str, groups)))).encode())
        except OSError:
            pass  # executor.log on a full disk: the steps are stopped all the same
        signal_groups(groups, signal.SIGTERM)
        # SIGKILL for what is left after 0.5 s; the spawner goes as soon as nothing is (its
        # own children reaped, so that a zombie does not count as a process still there), and
        # after the SIGKILL once that has taken (at most another 0.5 s).
        for then in (signal.SIGKILL, None):
            deadline = time.monotonic() + 0.5
            while time.monotonic() < deadline:
                reap()
                if not any(group_alive(group) for group in groups):
                    sys.exit(0)
                time.sleep(0.01)
            if then is not None:
                signal_groups(groups, then)
    sys.exit(0)


def main():
    pending = bytearray()
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
                    payload = bytes(pending[newline + 1 : newline + 1 + length])
                    del pending[: newline + 1 + length]
                    if header[0] == b"Q":
                        flush_reports()
                        sys.exit(0)
                    start_step(header[1].decode(), payload)
                # What is left is the beginning of a request, or nonsense (then say so and stop).
                newline = pending.find(b"\n")
                head = bytes(pending if newline < 0 else pending[:newline])
                parts = head.split(b" ")
                plausible = (
                    len(parts) <= 3
                    and (head == b"" or parts[0] in (b"S", b"Q"))
                    and all(part.isdigit() or part == b"" for part in parts[1:])
                    # a whole line is a whole header (then its payload is still coming)
                    and (newline < 0 or (len(parts) == 3 and parts[1] != b"" and parts[2] != b""))
                )
                if not plausible:
                    sys.stderr.write("runyard-spawner: a request it does not understand\n")
                    sys.exit(255)
        if not flush_reports():
            orphaned()


main()
