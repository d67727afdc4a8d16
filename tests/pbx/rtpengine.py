"""Debian's rtpengine (package rtpengine-daemon) as the media relay of the
test PBX's gateway mode (TestPbx(rtpengine=True)), and a client of its ng
control protocol.  Stdlib only.

    rtp = Rtpengine("127.0.0.1", rundir)
    rtp.start()              # returns once the daemon answers an ng ping
    rtp.ng({"command": "query", "call-id": cid})
    rtp.stop()

The daemon runs userspace only (--table=-1), in the foreground, started and
stopped by PID; it reads no config file of the system (--config-file=none),
listens on `host` only: media on a port range of its own, the ng control
protocol on a free UDP port of `host`.  Its log (stderr) is
<rundir>/rtpengine.log.
"""

import os
import random
import socket
import subprocess
import threading
import time
import uuid

from proctools import start_with_retries, terminate

RTPENGINE = os.environ.get("RTPENGINE_BIN", "rtpengine")
# Media ports come from below Linux's ephemeral range (32768-60999), where
# free_port() and the peers' own sockets live, and below the range of
# Debian's rtpengine service (30000-40000); a random block per daemon so that
# parallel PBXs rarely share ports (rtpengine skips a port it cannot bind).
PORT_BLOCK = 200
PORT_FLOOR, PORT_CEILING = 20000, 30000
NG_REPLY_MAX = 1 << 20


class RtpengineError(RuntimeError):
    """The daemon could not be started or did not answer."""


# -- bencode (the ng protocol's encoding) ---------------------------------------


def bencode(value):
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, (bytes, bytearray)):
        return b"%d:%s" % (len(value), bytes(value))
    if isinstance(value, (list, tuple)):
        return b"l" + b"".join(bencode(v) for v in value) + b"e"
    if isinstance(value, dict):
        return b"d" + b"".join(bencode(str(k)) + bencode(value[k]) for k in sorted(value, key=str)) + b"e"
    raise TypeError("cannot bencode %r" % type(value))


def bdecode(data, max_depth=32):
    """Decode one bencoded value (strings as str where they are UTF-8);
    ValueError for anything malformed, truncated, trailing or too deep."""
    value, end = _bdecode(bytes(data), 0, max_depth)
    if end != len(data):
        raise ValueError("trailing bytes after bencoded value at %d" % end)
    return value


def _bdecode(data, i, depth):
    if depth < 0:
        raise ValueError("bencoded value nested too deep")
    if i >= len(data):
        raise ValueError("truncated bencoded value")
    c = data[i:i + 1]
    if c == b"i":
        end = data.find(b"e", i)
        if end < 0:
            raise ValueError("unterminated integer")
        return int(data[i + 1:end]), end + 1
    if c in (b"l", b"d"):
        items, i = [], i + 1
        while data[i:i + 1] != b"e":
            item, i = _bdecode(data, i, depth - 1)
            items.append(item)
        if c == b"l":
            return items, i + 1
        if len(items) % 2:
            raise ValueError("dictionary with a key and no value")
        return {str(k): v for k, v in zip(items[::2], items[1::2])}, i + 1
    if c.isdigit():
        colon = data.find(b":", i)
        if colon < 0:
            raise ValueError("string without a length")
        start = colon + 1
        end = start + int(data[i:colon])
        if end > len(data):
            raise ValueError("truncated string")
        raw = data[start:end]
        try:
            return raw.decode(), end
        except UnicodeDecodeError:
            return raw, end
    raise ValueError("bad bencoded value at %d" % i)


# -- the daemon -----------------------------------------------------------------


class Rtpengine:
    """One rtpengine daemon on `host` (media and control)."""

    def __init__(self, host, rundir, start_timeout=10.0, preexec_fn=None):
        self.host = host
        self.rundir = rundir
        self.start_timeout = start_timeout
        self.preexec_fn = preexec_fn
        self.ng_port = None
        self.port_min = self.port_max = None
        self.log_file = os.path.join(rundir, "rtpengine.log")
        self.proc = None
        self.ready_seconds = None   # exec to the first ng pong
        # The control socket is made by start(), in the network namespace
        # the daemon runs in, and stays there: ng() works from any thread.
        self._ng_sock = None
        self._ng_lock = threading.Lock()

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    @property
    def ng_url(self):
        """The ng control socket in the form Kamailio's rtpengine_sock takes."""
        return "udp:%s:%d" % (self.host, self.ng_port)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, attempts=3):
        if self.proc is not None:
            raise RtpengineError("already started")
        # the ng port may be taken between choosing and binding
        start_with_retries(self._start_once, self.stop, RtpengineError, "in use", attempts)
        return self

    def _start_once(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((self.host, 0))
            self.ng_port = s.getsockname()[1]
        self._ng_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._ng_sock.bind((self.host, 0))
        self.port_min = random.randrange(PORT_FLOOR, PORT_CEILING - PORT_BLOCK, 2)
        self.port_max = self.port_min + PORT_BLOCK - 1
        cmd = [RTPENGINE, "--config-file=none", "--table=-1", "--foreground", "--log-stderr",
               "--interface=%s" % self.host, "--listen-ng=%s:%d" % (self.host, self.ng_port),
               "--port-min=%d" % self.port_min, "--port-max=%d" % self.port_max,
               "--num-threads=2", "--delete-delay=0"]
        t0 = time.monotonic()
        with open(self.log_file, "ab") as log:
            self.proc = subprocess.Popen(cmd, cwd=self.rundir, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=log, start_new_session=True, preexec_fn=self.preexec_fn)
        deadline = t0 + self.start_timeout
        while True:
            if self.proc.poll() is not None:
                raise RtpengineError("rtpengine exited with %s during start-up:\n%s"
                                     % (self.proc.returncode, self.log_tail()))
            if self.ping(timeout=0.2):
                self.ready_seconds = round(time.monotonic() - t0, 3)
                return
            if time.monotonic() >= deadline:
                raise RtpengineError("rtpengine does not answer ng pings after %.0fs:\n%s"
                                     % (self.start_timeout, self.log_tail()))
            # nothing to wait on until it binds the port: a ping to a closed
            # port fails at once (ICMP), so poll at a modest rate
            time.sleep(0.02)

    def stop(self, timeout=5.0):
        """SIGTERM, SIGKILL after timeout, by PID.  Idempotent."""
        if self._ng_sock is not None:
            self._ng_sock.close()
            self._ng_sock = None
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        terminate(proc, timeout)

    # -- ng control protocol -----------------------------------------------------

    def ng(self, message, timeout=2.0):
        """Send one ng command (a dict with "command") and return the reply
        dict; RtpengineError when there is none or it is not ours."""
        cookie = uuid.uuid4().hex[:16].encode()
        if self._ng_sock is None:
            raise RtpengineError("ng %s: rtpengine is not running" % message.get("command"))
        with self._ng_lock:
            s = self._ng_sock
            try:
                s.sendto(cookie + b" " + bencode(message), (self.host, self.ng_port))
                deadline = time.monotonic() + timeout
                while True:
                    s.settimeout(max(0.001, deadline - time.monotonic()))
                    data = s.recv(NG_REPLY_MAX)
                    got, _, body = data.partition(b" ")
                    if got == cookie:
                        break
            except OSError as e:  # socket.timeout included
                raise RtpengineError("ng %s: %s" % (message.get("command"), e)) from None
        try:
            reply = bdecode(body)
        except ValueError as e:
            raise RtpengineError("ng %s: bad reply: %s" % (message.get("command"), e)) from None
        if not isinstance(reply, dict):
            raise RtpengineError("ng %s: reply is not a dictionary" % message.get("command"))
        return reply

    def ping(self, timeout=0.5):
        try:
            return self.ng({"command": "ping"}, timeout=timeout).get("result") == "pong"
        except RtpengineError:
            return False

    def calls(self):
        """Call-IDs rtpengine relays now."""
        return list(self.ng({"command": "list"}).get("calls", []))

    def query(self, call_id):
        """rtpengine's view of a call: {"totals": ..., "tags": {tag: {"medias":
        [{"streams": [{"local port", "endpoint", "stats": {"packets", ...}}]}]}}}."""
        reply = self.ng({"command": "query", "call-id": call_id})
        if reply.get("result") != "ok":
            raise RtpengineError("query %s: %s" % (call_id, reply.get("error-reason", reply)))
        return reply

    def log_text(self):
        try:
            with open(self.log_file, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines=30):
        return "\n".join(self.log_text().splitlines()[-lines:])
