"""Helpers to run the real sip-call binary from integration tests."""

import json
import os
import selectors
import subprocess
import time

BIN = os.environ.get("SIP_CALL_BIN") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "build", "sip-call")


class Result:
    def __init__(self, proc, stdout, stderr, seconds):
        self.code = proc.returncode
        self.stdout = stdout
        self.stderr = stderr
        self.seconds = seconds

    def json_lines(self):
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    def report(self):
        lines = self.json_lines()
        assert lines, f"no JSON on stdout; stderr: {self.stderr}"
        return lines[-1]

    def __repr__(self):
        return f"<exit {self.code} in {self.seconds:.2f}s stdout={self.stdout!r} stderr={self.stderr!r}>"


def env_with_password(password, extra_env=None):
    env = dict(os.environ)
    env.pop("SIP_CALL_PASSWORD", None)
    if password is not None:
        env["SIP_CALL_PASSWORD"] = password
    env.update(extra_env or {})
    return env


def run(args, password=None, timeout=30, env=None):
    """Runs sip-call to completion; the password goes through the environment,
    `env` (e.g. from alsa.py) is added to it."""
    start = time.monotonic()
    proc = subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=timeout,
                          env=env_with_password(password, env), stdin=subprocess.DEVNULL)
    return Result(proc, proc.stdout, proc.stderr, time.monotonic() - start)


def account_args(pbx, transport, user, extra=()):
    return ["--server", pbx.url(transport), "--user", user, "--domain", pbx.domain,
            "--ca-file", pbx.ca_file, *extra]


class Running:
    """A sip-call process left running (register --keep, answer); always stopped."""

    def __init__(self, args, password=None, env=None):
        self.proc = subprocess.Popen([BIN] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env_with_password(password, env), stdin=subprocess.DEVNULL)
        self._sel = selectors.DefaultSelector()
        self._sel.register(self.proc.stdout, selectors.EVENT_READ)
        self.lines = []
        self._partial = b""  # stdout read but not yet a whole line

    def wait_for_json(self, predicate, timeout=15):
        """Reads stdout JSON lines until one satisfies predicate."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for obj in self.lines:
                if predicate(obj):
                    return obj
            if not self._sel.select(timeout=max(0.0, deadline - time.monotonic())):
                break
            # Raw reads: a buffered readline() could leave lines in Python's
            # buffer where select() no longer sees them.
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                break
            *whole, self._partial = (self._partial + chunk).split(b"\n")
            self.lines += [json.loads(line) for line in whole if line.strip()]
        raise AssertionError(f"no matching JSON line within {timeout}s; got {self.lines}; "
                             f"exit={self.proc.poll()} stderr={self.stderr_now()}")

    def read_for(self, seconds):
        """Reads the JSON lines that arrive within `seconds` (none is fine)."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not self._sel.select(timeout=left):
                return
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                return
            *whole, self._partial = (self._partial + chunk).split(b"\n")
            self.lines += [json.loads(line) for line in whole if line.strip()]

    def stderr_now(self):
        if self.proc.poll() is None:
            return "<running>"
        return self.proc.stderr.read()

    def stop(self, sig, timeout=15):
        self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=timeout)
        out = self._partial.decode() + out
        self._partial = b""
        for line in out.splitlines():
            if line.strip():
                self.lines.append(json.loads(line))
        self.stderr = err
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=10)
        self._sel.close()
