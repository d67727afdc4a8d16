"""A TCP relay on 127.0.0.1 in front of one port of the test PBX, for the
faults a real network has.  Stdlib only.

    with TcpProxy(pbx.ports["tcp"]) as proxy:
        url = proxy.url(pbx, "tcp")         # the PBX's URL, on the proxy's port
        ...
        proxy.cut()        # close every relayed connection (both sides see FIN)
        proxy.freeze()     # open connections go silent: nothing relayed, nothing closed
        proxy.refuse(True) # new connections are closed at once

It relays bytes, so TLS and WebSocket pass through unchanged.  freeze() and
cut() affect the connections open at that moment; later ones are relayed
normally (unless refused), as when a NAT box or a server loses one
connection but the path comes back.
"""

import selectors
import socket
import threading
import time

HOST = "127.0.0.1"


class _Pair:
    def __init__(self, client, upstream):
        self.client = client
        self.upstream = upstream
        self.frozen = False

    def other(self, sock):
        return self.upstream if sock is self.client else self.client


class TcpProxy:
    def __init__(self, target_port, target_host=HOST):
        self.target = (target_host, target_port)
        self.port = None
        self.accepted = 0  # connections accepted so far
        self._listener = None
        self._pairs = []
        self._refuse = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        self._sel = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((HOST, 0))
        self._listener.listen(16)
        self._listener.setblocking(False)
        self.port = self._listener.getsockname()[1]
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._listener, selectors.EVENT_READ, None)
        self._thread = threading.Thread(target=self._loop, name="TcpProxy", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout=5.0):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        with self._lock:
            for pair in self._pairs:
                self._close_pair(pair)
            self._pairs = []
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._sel is not None:
            self._sel.close()
            self._sel = None

    def url(self, pbx, transport):
        """pbx.url(transport) with the proxy's port in place of the PBX's."""
        return pbx.url(transport).replace(":%d" % pbx.ports[transport], ":%d" % self.port)

    # -- faults ----------------------------------------------------------------

    def cut(self):
        """Close every relayed connection now; returns how many there were."""
        with self._lock:
            pairs, self._pairs = self._pairs, []
            for pair in pairs:
                self._close_pair(pair)
        return len(pairs)

    def freeze(self):
        """Stop relaying on the open connections, without closing them: the
        peers see silence.  Returns how many were frozen."""
        with self._lock:
            for pair in self._pairs:
                pair.frozen = True
            return len(self._pairs)

    def refuse(self, on=True):
        """While on, new connections are accepted and closed at once."""
        self._refuse = on

    def open_connections(self):
        with self._lock:
            return sum(1 for p in self._pairs if not p.frozen)

    def wait_for_accepted(self, count, timeout=10.0):
        deadline = time.monotonic() + timeout
        while self.accepted < count:
            if time.monotonic() >= deadline:
                raise TimeoutError("proxy accepted %d of %d connections" % (self.accepted, count))
            time.sleep(0.02)

    # -- relay -----------------------------------------------------------------

    def _close_pair(self, pair):
        for s in (pair.client, pair.upstream):
            try:
                self._sel.unregister(s)
            except (KeyError, ValueError, AttributeError):
                pass
            try:
                s.close()
            except OSError:
                pass

    def _accept(self):
        try:
            client, _ = self._listener.accept()
        except OSError:
            return
        self.accepted += 1
        if self._refuse:
            client.close()
            return
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            return
        for s in (client, upstream):
            s.settimeout(2.0)  # reads only when ready; a stuck write gives up
        pair = _Pair(client, upstream)
        with self._lock:
            self._pairs.append(pair)
            self._sel.register(client, selectors.EVENT_READ, pair)
            self._sel.register(upstream, selectors.EVENT_READ, pair)

    def _relay(self, sock, pair):
        with self._lock:
            if pair not in self._pairs:
                return
            if pair.frozen:
                # Leave the bytes unread: the sender's kernel keeps them, as
                # on a path that went dead.
                try:
                    self._sel.unregister(pair.client)
                    self._sel.unregister(pair.upstream)
                except (KeyError, ValueError):
                    pass
                return
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                self._pairs.remove(pair)
                self._close_pair(pair)
                return
            try:
                pair.other(sock).sendall(data)
            except OSError:
                self._pairs.remove(pair)
                self._close_pair(pair)

    def _loop(self):
        while not self._stop.is_set():
            try:
                events = self._sel.select(timeout=0.05)
            except (OSError, ValueError):
                continue
            for key, _ in events:
                if key.data is None:
                    self._accept()
                else:
                    self._relay(key.fileobj, key.data)
