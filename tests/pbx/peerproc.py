"""One child process of an independent SIP peer (baresip, sipp): started
with its output in a log file, tied to the Python process's life, and
always stopped by PID (SIGTERM, then SIGKILL).  Stdlib only."""

import os
import select
import shutil
import signal
import subprocess
import tempfile

from testpbx import die_with_parent


class PeerError(RuntimeError):
    """An independent peer failed: could not start, register or call."""


class PeerProcess:
    """A started command whose stdout and stderr go to log_path."""

    def __init__(self, cmd, cwd, log_path, env=None):
        self.cmd = list(cmd)
        self.log_path = log_path
        self.rusage = None        # os.wait4's resource usage, once stop() reaped it
        with open(log_path, "ab") as log:
            # stdin is /dev/null: neither baresip nor sipp gets a terminal,
            # so neither tries to read keys from it.
            self.proc = subprocess.Popen(self.cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True, preexec_fn=die_with_parent)

    @property
    def pid(self):
        return self.proc.pid

    def running(self):
        return self.proc.poll() is None

    def returncode(self):
        return self.proc.poll()

    def log_text(self):
        return read_text(self.log_path)

    def log_tail(self, lines=40):
        return "\n".join(self.log_text().splitlines()[-lines:])

    def stop(self, timeout=3.0):
        """SIGTERM (a graceful exit: baresip unregisters and hangs up), then
        SIGKILL after timeout.  Idempotent; returns the exit status."""
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            if not self._reap(timeout):
                self.proc.kill()
                if not self._reap(5):
                    raise PeerError("%s did not die of SIGKILL" % self.cmd[0])
        return self.proc.returncode

    def _reap(self, timeout):
        """Wait up to timeout for the exit and reap the process with wait4,
        keeping its resource usage in self.rusage (CPU time, for the
        benchmarks).  False on timeout."""
        try:
            fd = os.pidfd_open(self.proc.pid)
        except ProcessLookupError:  # reaped already (poll() elsewhere): no rusage
            self.proc.wait()
            return True
        try:
            if not select.select([fd], [], [], timeout)[0]:
                return False
        finally:
            os.close(fd)
        _, status, self.rusage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        return True


def describe_exit(process, what):
    """A PeerError for a process that ended or failed, with its log tail."""
    status = process.returncode()
    state = "exited with %s" % status if status is not None else "is running"
    return PeerError("%s %s; %s:\n%s" % (what, state, os.path.basename(process.log_path),
                                          process.log_tail()))


def read_text(path):
    """A file's text so far ("" if it does not exist yet)."""
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return ""


class WorkDir:
    """A peer's directory for config, logs and recordings: the given one
    (never removed) or a new temp dir that remove() deletes, unless keep or
    env TESTPBX_KEEP is set."""

    def __init__(self, path, prefix, keep=False):
        self.path = path
        self._prefix = prefix
        self._own = path is None
        self.keep = keep or bool(os.environ.get("TESTPBX_KEEP"))

    def create(self):
        if self.path is None:
            self.path = tempfile.mkdtemp(prefix=self._prefix)
        return self.path

    def join(self, *names):
        return os.path.join(self.path, *names)

    def remove(self):
        if self._own and not self.keep and self.path and os.path.isdir(self.path):
            shutil.rmtree(self.path, ignore_errors=True)
            self.path = None


class Peer:
    """What every peer class shares: one PeerProcess (self.process), one
    WorkDir (self._workdir), a stop_timeout, and use as a context manager
    that always stops.  Subclasses implement start() and may extend stop()."""

    process = None
    _workdir = None
    stop_timeout = 3.0

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    @property
    def workdir(self):
        return self._workdir.path if self._workdir else None

    def running(self):
        return self.process is not None and self.process.running()

    def stop(self, remove_workdir=True):
        """Stop the process (SIGTERM, SIGKILL after stop_timeout) and remove
        the work directory (see WorkDir).  Idempotent."""
        if self.process is not None:
            self.process.stop(self.stop_timeout)
        if remove_workdir and self._workdir is not None:
            self._workdir.remove()
