"""baresip's ctrl_tcp control connection (used by baresip_peer.py):
commands and events as JSON objects in netstrings over TCP on 127.0.0.1."""

import json
import socket
import threading
import time

from peerproc import PeerError


class ControlConnection:
    """ctrl_tcp's protocol: JSON objects framed as netstrings
    ("<length>:<json>,").  A reader thread collects events and command
    responses; waits use a condition variable, never sleeps."""

    def __init__(self, port, timeout):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.settimeout(None)
        self.events = []          # every event, oldest first
        self._responses = {}      # token -> response
        self._consumed = set()    # indices of events returned by take_event()
        self._cond = threading.Condition()
        self._closed = False
        self._token = 0
        self._send_lock = threading.Lock()
        self._thread = threading.Thread(target=self._read_loop, name="baresip-ctrl", daemon=True)
        self._thread.start()

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self._thread.join(5)

    def _quickack(self):
        """ACK what baresip sends at once.  ctrl_tcp writes each event as a
        small segment with Nagle on: a second one waits for the ACK of the
        first, which Linux delays up to 40 ms, and the event's time would be
        that late.  The kernel leaves quick-ACK mode by itself, so this is
        set again after every receive and send."""
        try:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        except OSError:
            pass

    def _read_loop(self):
        buf = b""
        try:
            while True:
                self._quickack()
                data = self.sock.recv(65536)
                if not data:
                    break
                buf += data
                while True:
                    head, colon, rest = buf.partition(b":")
                    if not colon or not head.isdigit() or len(rest) < int(head) + 1:
                        break
                    n = int(head)
                    self._dispatch(json.loads(rest[:n].decode(errors="replace")))
                    buf = rest[n + 1:]
        except (OSError, ValueError):
            pass
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _dispatch(self, msg):
        with self._cond:
            if msg.get("response"):
                self._responses[msg.get("token")] = msg
            elif msg.get("event"):
                msg["time"] = time.monotonic()
                # the same moment on the clock of the PBX's log ($TV), for
                # delays from a message the PBX received to an event
                msg["wall_time"] = time.time()
                self.events.append(msg)
            self._cond.notify_all()

    def command(self, command, params=None, timeout=5.0):
        """Run a baresip command; returns its output text or raises
        PeerError (command failed, connection lost, or timeout)."""
        with self._send_lock:
            self._token += 1
            token = "t%d" % self._token
            msg = {"command": command, "token": token}
            if params is not None:
                msg["params"] = str(params)
            data = json.dumps(msg).encode()
            self.sock.sendall(b"%d:%s," % (len(data), data))
            self._quickack()
        with self._cond:
            if not self._cond.wait_for(lambda: token in self._responses or self._closed, timeout):
                raise PeerError("baresip: no response to %r within %.1f s" % (command, timeout))
            if token not in self._responses:
                raise PeerError("baresip: control connection closed during %r" % command)
            resp = self._responses.pop(token)
        if not resp.get("ok"):
            raise PeerError("baresip: %s %s failed: %s" % (command, params or "", resp.get("data")))
        return resp.get("data", "")

    def take_event(self, types, timeout, fail_types=(), on_missing=None):
        """Return (and mark as taken) the oldest not yet taken event whose
        type is in types.  An untaken event whose type is in fail_types and
        that comes first raises PeerError (and stays untaken).  on_missing()
        is called to build the error on timeout or a lost connection."""
        def find():
            for i, ev in enumerate(self.events):
                if i in self._consumed:
                    continue
                if ev.get("type") in types:
                    return i
                if ev.get("type") in fail_types:
                    return i
            return None

        with self._cond:
            self._cond.wait_for(lambda: find() is not None or self._closed, timeout)
            i = find()
            if i is None:
                raise on_missing() if on_missing else PeerError("no %s event" % "/".join(types))
            ev = self.events[i]
            if ev.get("type") in fail_types:
                raise PeerError("baresip: %s (%s) instead of %s"
                                % (ev.get("type"), ev.get("param"), "/".join(types)))
            self._consumed.add(i)
            return ev
