"""A server that answers with broken SIP, oversized messages or odd
WebSocket frames: sip-call ends with a clear line and a documented exit
code, or ignores the message; it never crashes or hangs."""

import asyncio
import os
import re
import socket
import sys
import threading

import pytest

from sipcall import run

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "pbx"))
from testpbx import _ServerBase, wait_until  # noqa: E402

CRASH_CODES = (-6, -11, 134, 139)  # SIGABRT / SIGSEGV, as a signal or via a shell


def echo_headers(request):
    """The headers a response must copy from the request."""
    keep = []
    for line in request.split("\r\n")[1:]:
        if re.match(r"(?i)^(via|v|from|f|to|t|call-id|i|cseq):", line):
            keep.append(line if not re.match(r"(?i)^(to|t):", line) or "tag=" in line else line + ";tag=srv1")
    return "\r\n".join(keep)


class _SocketThread:
    """A bound loopback socket served by a thread of its own until close()."""

    def __init__(self, sock):
        self.sock = sock
        self.sock.bind(("::1" if sock.family == socket.AF_INET6 else "127.0.0.1", 0))
        if sock.type == socket.SOCK_STREAM:
            self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self):
        while not self._stop.is_set():
            try:
                self._serve_once()
            except socket.timeout:
                continue

    def close(self):
        self._stop.set()
        self._thread.join(timeout=3)
        self.sock.close()


class UdpReplier(_SocketThread):
    """Answers every datagram with reply(request_text) -> bytes (or None)."""

    def __init__(self, reply, family=socket.AF_INET):
        self.reply = reply
        self.requests = []
        super().__init__(socket.socket(family, socket.SOCK_DGRAM))

    def _serve_once(self):
        data, peer = self.sock.recvfrom(65535)
        text = data.decode(errors="replace")
        self.requests.append(text)
        out = self.reply(text)
        if out:
            self.sock.sendto(out, peer)

    def url(self):
        host = "[::1]" if self.sock.family == socket.AF_INET6 else "127.0.0.1"
        return "sip:%s:%d;transport=udp" % (host, self.port)


class TcpReplier(_ServerBase):
    def __init__(self, reply):
        super().__init__()
        self.reply = reply

    def _on_data(self, conn, buf):
        if b"\r\n\r\n" not in buf:
            return False
        conn.setblocking(True)
        conn.settimeout(2)
        try:
            conn.sendall(self.reply(bytes(buf).decode(errors="replace")))
        except OSError:
            pass
        return True


def register(url, *extra):
    return run(["--server", url, "--user", "101", "--domain", "pbx.test", "--timeout", "2", "--json", *extra,
                "register"], password="secret101", timeout=20)


def assert_clean_failure(r, codes):
    assert r.code not in CRASH_CODES, r
    assert r.code in codes, r
    assert r.report()["result"] == "error"
    assert len([l for l in r.stderr.splitlines() if l.startswith("sip-call:")]) == 1, r.stderr


@pytest.mark.parametrize("reply", [
    lambda req: b"\x00\xff\xfe garbage \r\n\r\n",
    lambda req: b"SIP/2.0 200\r\n\r\n",
    lambda req: b"SIP/2.0 abc OK\r\n" + echo_headers(req).encode() + b"\r\nContent-Length: 0\r\n\r\n",
], ids=["binary", "no-headers", "bad-status"])
def test_garbage_replies_are_ignored_until_the_timeout(reply):
    server = UdpReplier(reply)
    try:
        r = register(server.url())
    finally:
        server.close()
    assert_clean_failure(r, (5,))
    assert r.seconds < 10
    assert server.requests, "sip-call sent nothing"


def test_200_without_contact_or_expires_is_registered_with_unknown_lifetime():
    server = UdpReplier(lambda req: ("SIP/2.0 200 OK\r\n" + echo_headers(req) + "\r\nContent-Length: 0\r\n\r\n")
                        .encode())
    try:
        r = register(server.url())
    finally:
        server.close()
    assert r.code not in CRASH_CODES, r
    assert r.code == 0, r
    assert r.report()["expires"] is None
    assert "(no lifetime granted)" in r.stderr


def test_content_length_beyond_the_datagram_is_tolerated():
    """Sofia-SIP reads a UDP reply whose Content-Length promises more than
    the datagram holds (as many stacks do); the run stays well-defined."""
    server = UdpReplier(lambda req: ("SIP/2.0 200 OK\r\n" + echo_headers(req) +
                                     "\r\nContent-Length: 99999\r\n\r\n").encode())
    try:
        r = register(server.url())
    finally:
        server.close()
    assert r.code in (0, 5), r


@pytest.mark.parametrize("size", [200_000, 4_000_000])
def test_oversized_reply_over_tcp(size):
    """A large header is read; one beyond Sofia-SIP's message size limit is
    dropped with the connection: a clean failure, never a crash."""
    def huge(req):
        return ("SIP/2.0 200 OK\r\n" + echo_headers(req) + "\r\nX-Padding: " + "a" * size +
                "\r\nContent-Length: 0\r\n\r\n").encode()
    with TcpReplier(huge) as server:
        r = register("sip:127.0.0.1:%d;transport=tcp" % server.port)
    if size < 1_000_000:
        assert r.code == 0, r
    else:
        assert_clean_failure(r, (4, 5))


class WsServer:
    """A WebSocket server (subprotocol sip) that reacts to the first SIP
    message with `behaviour`: 'binary' sends a binary frame of garbage,
    'close' closes with code 1011."""

    def __init__(self, behaviour):
        import websockets
        self.behaviour = behaviour
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.port = None

        async def handler(ws, path=None):
            async for _ in ws:
                if behaviour == "binary":
                    await ws.send(b"\x00\x01\x02 not SIP \xff")
                elif behaviour == "close":
                    await ws.close(code=1011, reason="internal error")
                    return

        async def main():
            self.server = await websockets.serve(handler, "127.0.0.1", 0, subprotocols=["sip"])
            self.port = self.server.sockets[0].getsockname()[1]
            self.ready.set()

        def thread():
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(main())
            self.loop.run_forever()

        self.thread = threading.Thread(target=thread, daemon=True)
        self.thread.start()
        assert self.ready.wait(5)

    def close(self):
        async def stop():
            self.server.close()
            await self.server.wait_closed()
        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


@pytest.mark.parametrize("behaviour,codes", [("binary", (5,)), ("close", (4, 5))])
def test_odd_websocket_frames(behaviour, codes):
    server = WsServer(behaviour)
    try:
        r = register("ws://127.0.0.1:%d/ws" % server.port)
    finally:
        server.close()
    assert_clean_failure(r, codes)
    assert r.seconds < 10


class TcpDropper(_ServerBase):
    """Reads the first request, then closes the connection without a word."""

    def _on_data(self, conn, buf):
        if b"\r\n\r\n" not in buf:
            return False
        conn.close()
        return True


def test_connection_dropped_mid_transaction_is_a_network_error():
    with TcpDropper() as server:
        r = register("sip:127.0.0.1:%d;transport=tcp" % server.port)
    assert_clean_failure(r, (4,))
    assert r.seconds < 5
    assert "cannot reach" in r.stderr or "connection" in r.stderr


def test_websocket_server_hanging_up_on_the_handshake_is_a_network_error():
    """The server reads the HTTP upgrade and closes: a quick, clean exit 4
    that says the WebSocket connection failed."""
    with TcpDropper() as server:
        r = register("ws://127.0.0.1:%d/ws" % server.port)
    assert_clean_failure(r, (4,))
    assert r.seconds < 5
    assert "cannot reach ws://" in r.stderr and "WebSocket connection failed" in r.stderr, r.stderr


def test_websocket_close_code_is_named_in_the_error():
    server = WsServer("close")
    try:
        r = register("ws://127.0.0.1:%d/ws" % server.port)
    finally:
        server.close()
    assert_clean_failure(r, (4,))
    assert "WebSocket closed by server (code 1011)" in r.stderr


class TlsServer(_SocketThread):
    """A TLS server that completes handshakes and hangs up, counting them
    (by default with the test PBX's valid certificate and modern TLS)."""

    def __init__(self, pbx, cert_file=None, key_file=None, old_versions_only=False, family=socket.AF_INET):
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if old_versions_only:  # at most TLS 1.1
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        ctx.load_cert_chain(cert_file or pbx.cert_file, key_file or pbx.key_file)
        self.ctx = ctx
        self.handshakes = 0
        self.attempts = 0
        super().__init__(socket.socket(family))

    def _serve_once(self):
        conn, _ = self.sock.accept()
        self.attempts += 1
        conn.settimeout(2)
        try:
            with self.ctx.wrap_socket(conn, server_side=True):
                self.handshakes += 1
        except OSError:
            pass


def OldTlsServer(pbx):
    return TlsServer(pbx, old_versions_only=True)


def certificate_for(pbx, tmp_path, name, sans=None):
    """A certificate for `name` only (or the subjectAltNames `sans`), issued
    by the test PBX's CA."""
    import subprocess
    key, csr, cert, ext = (str(tmp_path / f) for f in ("other.key", "other.csr", "other.pem", "ext.cnf"))
    (tmp_path / "ext.cnf").write_text(f"subjectAltName={sans or 'DNS:' + name}\n")
    subprocess.run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-subj", f"/CN={name}",
                    "-out", csr], check=True, capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", pbx.ca_file, "-CAkey", pbx.ca_key,
                    "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", cert], check=True, capture_output=True)
    return cert, key


@pytest.mark.parametrize("scheme", ["tls", "wss"])
def test_certificate_for_another_host_is_refused(pbx, scheme, tmp_path):
    """A chain the CA file trusts, but for another name than the URL's:
    refused with the hint; --insecure skips the name check too."""
    cert, key = certificate_for(pbx, tmp_path, "other.test")
    server = TlsServer(pbx, cert, key)
    try:
        url = ("sips:localhost:%d" if scheme == "tls" else "wss://localhost:%d/ws") % server.port
        args = ["--server", url, "--user", "101", "--domain", "pbx.test", "--ca-file", pbx.ca_file, "--timeout", "3",
                "--json", "register"]
        r = run(args, password="secret101", timeout=20)
        assert_clean_failure(r, (4,))
        assert "does not match the host" in r.stderr and "--ca-file" in r.stderr, r.stderr
        assert server.attempts >= 1 and server.handshakes == 0
        r = run(["--insecure", *args], password="secret101", timeout=20)
        wait_until(lambda: server.handshakes >= 1, 5, what="a handshake with --insecure")
    finally:
        server.close()


@pytest.mark.parametrize("family,sans", [
    (socket.AF_INET6, "DNS:localhost,DNS:pbx.test,IP:127.0.0.1,DNS:::1"),
    (socket.AF_INET, "DNS:localhost,DNS:pbx.test,IP:::1,DNS:127.0.0.1"),
], ids=["ipv6", "ipv4"])
@pytest.mark.parametrize("scheme", ["tls", "wss"])
def test_an_ip_address_host_needs_its_ip_san(pbx, scheme, family, sans, tmp_path):
    """An address in the URL must be an IP SAN of the certificate: the other
    family's address, or the address as a DNS name, does not do. (That the
    PBX's certificate with both IP SANs verifies: test_register.py.)"""
    cert, key = certificate_for(pbx, tmp_path, "pbx.test", sans=sans)
    server = TlsServer(pbx, cert, key, family=family)
    try:
        host = "[::1]" if family == socket.AF_INET6 else "127.0.0.1"
        url = (f"sips:{host}:%d" if scheme == "tls" else f"wss://{host}:%d/ws") % server.port
        r = run(["--server", url, "--user", "101", "--domain", "pbx.test", "--ca-file", pbx.ca_file,
                 "--timeout", "3", "--json", "register"], password="secret101", timeout=20)
        assert_clean_failure(r, (4,))
        assert "does not match the host" in r.stderr, r.stderr
        assert server.attempts >= 1 and server.handshakes == 0
    finally:
        server.close()


# OpenSSL configuration that allows TLS 1.0 with SHA-1 (Debian's own
# policy is TLS 1.2 at SECLEVEL 2).
PERMISSIVE_OPENSSL_CONF = """openssl_conf = default_conf
[default_conf]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MinProtocol = TLSv1
CipherString = DEFAULT@SECLEVEL=0
"""


@pytest.mark.parametrize("permissive", [False, True], ids=["default-policy", "permissive-openssl-conf"])
@pytest.mark.parametrize("scheme", ["tls", "wss"])
def test_tls_below_1_2_is_refused(pbx, scheme, permissive, tmp_path):
    """The TLS 1.2 floor is sip-call's own: it holds even when OPENSSL_CONF
    lets every other OpenSSL client of the system speak TLS 1.0."""
    env = None
    server = OldTlsServer(pbx)
    try:
        if permissive:
            conf = tmp_path / "openssl.cnf"
            conf.write_text(PERMISSIVE_OPENSSL_CONF)
            env = {"OPENSSL_CONF": str(conf)}
            # The configuration works: OpenSSL's own client gets through.
            import subprocess
            probe = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % server.port,
                                    "-servername", "localhost", "-CAfile", pbx.ca_file, "-verify_return_error"],
                                   input=b"", capture_output=True, timeout=10, env={**os.environ, **env})
            # (Its exit code is 1 anyway: the server hangs up without close_notify.)
            assert b"Protocol  : TLSv1.1" in probe.stdout, probe.stdout.decode(errors="replace")[-2000:]
            wait_until(lambda: server.handshakes == 1, 5, what="the server to count the handshake")
        handshakes_before = server.handshakes
        attempts_before = server.attempts
        url = ("sips:localhost:%d" if scheme == "tls" else "wss://localhost:%d/ws") % server.port
        r = run(["--server", url, "--user", "101", "--domain", "pbx.test", "--ca-file", pbx.ca_file, "--timeout", "3",
                 "--json", "register"], password="secret101", timeout=20, env=env)
    finally:
        server.close()
    assert_clean_failure(r, (4,))
    assert server.attempts > attempts_before, "sip-call never connected"
    assert server.handshakes == handshakes_before


def test_an_ipv6_media_address_is_printed_in_brackets():
    """host:port of an IPv6 peer reads [::1]:port, never ::1:port."""
    rtp = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    rtp.bind(("::1", 0))
    rtp_port = rtp.getsockname()[1]
    sdp = ("v=0\r\no=- 1 1 IN IP6 ::1\r\ns=-\r\nc=IN IP6 ::1\r\nt=0 0\r\n"
           "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n" % rtp_port)

    def reply(req):
        if req.startswith("INVITE "):
            return ("SIP/2.0 200 OK\r\n" + echo_headers(req) + "\r\nContact: <sip:uas@[::1]>\r\n"
                    "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s" % (len(sdp), sdp)).encode()
        if req.startswith("BYE "):
            return ("SIP/2.0 200 OK\r\n" + echo_headers(req) + "\r\nContent-Length: 0\r\n\r\n").encode()
        return None

    server = UdpReplier(reply, family=socket.AF_INET6)
    try:
        r = run(["--server", server.url(), "--user", "101", "--domain", "pbx.test", "--timeout", "3", "--json",
                 "dial", "102", "--no-register", "--tone", "440", "--no-playback", "--duration", "1s"],
                password="secret101", timeout=20)
    finally:
        server.close()
        rtp.close()
    assert r.code not in CRASH_CODES, r
    assert "answered after " in r.stderr, r
    assert f" with [::1]:{rtp_port}" in r.stderr, r.stderr
    assert f"::1:{rtp_port}" not in r.stderr.replace(f"[::1]:{rtp_port}", ""), r.stderr
