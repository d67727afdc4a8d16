"""One child process of an independent SIP peer (baresip, sipp): started
with its output in a log file, tied to the Python process's life, and
always stopped by PID (SIGTERM, then SIGKILL).  Stdlib only."""

import os
import signal
import subprocess

from testpbx import die_with_parent


class PeerError(RuntimeError):
    """An independent peer failed: could not start, register or call."""


class PeerProcess:
    """A started command whose stdout and stderr go to log_path."""

    def __init__(self, cmd, cwd, log_path, env=None):
        self.cmd = list(cmd)
        self.log_path = log_path
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
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

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
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


def describe_exit(process, what):
    """A PeerError for a process that ended or failed, with its log tail."""
    status = process.returncode()
    state = "exited with %s" % status if status is not None else "is running"
    return PeerError("%s %s; %s:\n%s" % (what, state, os.path.basename(process.log_path),
                                          process.log_tail()))
