"""Throw-away network namespaces for tests that must not reach the machine's
real interfaces (a browser's ICE gathers candidates on every interface it
sees).  Needs root (ip netns).  Stdlib only.

    from netns import NetNamespace
    with NetNamespace(doc_address=True) as ns:
        with ns.entered():              # this thread's sockets and children
            pbx.start()                 # ... live inside the namespace
        subprocess.run(ns.command(["ip", "-br", "addr"]))

The namespace has `lo` up (127.0.0.1, ::1) and, with doc_address, a
documentation address (198.51.100.1/24, RFC 5737) on an interface of its
own: a dummy interface where the kernel has one, else a veth pair whose
both ends stay inside the namespace.  Names are unique per process and
call; the namespace is removed on exit of the context, and at interpreter
exit should a test die half-way.
"""

import atexit
import ctypes
import os
import subprocess
import uuid
from contextlib import contextmanager

DOC_ADDRESS = "198.51.100.1"
CLONE_NEWNET = 0x40000000

_live = set()


class NetnsError(RuntimeError):
    """A namespace could not be created or entered."""


def _ip(*args):
    res = subprocess.run(["ip", *args], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10)
    if res.returncode != 0:
        raise NetnsError("ip %s: %s" % (" ".join(args), res.stderr.strip()))
    return res.stdout


def _setns(fd):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise NetnsError("setns: %s" % os.strerror(err))


class NetNamespace:
    """One namespace named sipcall-<pid>-<random>."""

    def __init__(self, doc_address=False):
        self.name = "sipcall-%d-%s" % (os.getpid(), uuid.uuid4().hex[:6])
        self.doc_address = doc_address
        self.address = None          # the documentation address, when asked for
        self.doc_interface = None    # "dummy" or "veth"
        self.created = False

    def __enter__(self):
        return self.create()

    def __exit__(self, *exc):
        self.remove()
        return False

    def create(self):
        _ip("netns", "add", self.name)
        self.created = True
        _live.add(self)
        try:
            _ip("-n", self.name, "link", "set", "lo", "up")
            if self.doc_address:
                self._add_doc_interface()
            return self
        except BaseException:
            self.remove()
            raise

    def _add_doc_interface(self):
        try:
            _ip("-n", self.name, "link", "add", "doc0", "type", "dummy")
            self.doc_interface = "dummy"
        except NetnsError:
            # no dummy driver (containers often lack the module): a veth
            # pair, both ends inside the namespace, is a link with carrier
            _ip("-n", self.name, "link", "add", "doc0", "type", "veth", "peer", "name", "doc1")
            _ip("-n", self.name, "link", "set", "doc1", "addrgenmode", "none")
            _ip("-n", self.name, "link", "set", "doc1", "up")
            self.doc_interface = "veth"
        # no IPv6 link-local address: the documentation address is the only one
        _ip("-n", self.name, "link", "set", "doc0", "addrgenmode", "none")
        _ip("-n", self.name, "addr", "add", DOC_ADDRESS + "/24", "dev", "doc0")
        _ip("-n", self.name, "link", "set", "doc0", "up")
        self.address = DOC_ADDRESS

    def remove(self):
        """Delete the namespace (its interfaces go with it).  Idempotent."""
        if self.created:
            subprocess.run(["ip", "netns", "del", self.name], stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=10)
            self.created = False
        _live.discard(self)

    @property
    def path(self):
        return "/run/netns/" + self.name

    def command(self, argv):
        """argv run inside the namespace (`ip netns exec` execs it: same PID)."""
        return ["ip", "netns", "exec", self.name, *argv]

    def interfaces(self):
        """`ip -br addr` inside the namespace: [(name, state, [addresses])]."""
        out = []
        for line in _ip("-n", self.name, "-br", "addr").splitlines():
            f = line.split()
            out.append((f[0].split("@")[0], f[1], f[2:]))
        return out

    @contextmanager
    def started(self, thing):
        """thing.start() inside the namespace (a TestPbx, a BaresipPeer: its
        sockets and processes live there), thing.stop() at the end of the
        block, also when start() failed half-way."""
        try:
            with self.entered():
                thing.start()
            yield thing
        finally:
            thing.stop()

    @contextmanager
    def entered(self):
        """Run the block with the calling thread inside the namespace: the
        sockets it opens and the processes it starts live there.  The thread
        returns to its own namespace afterwards, also on errors."""
        own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        try:
            target = os.open(self.path, os.O_RDONLY)
            try:
                _setns(target)
            finally:
                os.close(target)
            try:
                yield self
            finally:
                _setns(own)
        finally:
            os.close(own)


def _remove_all_live():
    for ns in list(_live):
        ns.remove()


atexit.register(_remove_all_live)
