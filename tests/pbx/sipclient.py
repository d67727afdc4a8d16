#!/usr/bin/python3
"""Minimal blocking SIP client for testing the test PBX (stdlib only).

Not a user agent: it builds requests, does digest auth for REGISTER/INVITE,
and reads messages over udp, tcp, tls, ws or wss (hand-written RFC 6455
framing).  Used by test_testpbx.py and usable by integration tests as a
scripted peer (e.g. a callee that answers sip-call's INVITE).
"""

import base64
import hashlib
import os
import re
import socket
import ssl
import time
import uuid

COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact",
           "l": "content-length", "c": "content-type", "k": "supported", "e": "content-encoding"}


class SipMessage:
    def __init__(self, raw):
        self.raw = raw
        text = raw.decode(errors="replace")
        head, _, body = text.partition("\r\n\r\n")
        lines = head.split("\r\n")
        self.first_line = lines[0]
        self.headers = []  # (lower name, value) in order
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and self.headers:
                n, v = self.headers[-1]
                self.headers[-1] = (n, v + " " + line.strip())
                continue
            name, _, value = line.partition(":")
            name = name.strip().lower()
            self.headers.append((COMPACT.get(name, name), value.strip()))
        self.body = body
        parts = self.first_line.split(" ", 2)
        if parts[0].startswith("SIP/"):
            self.is_reply = True
            self.status = int(parts[1])
            self.reason = parts[2] if len(parts) > 2 else ""
            self.method = self.cseq_method
            self.uri = None
        else:
            self.is_reply = False
            self.status = None
            self.method = parts[0]
            self.uri = parts[1]

    def get(self, name, default=None):
        name = name.lower()
        for n, v in self.headers:
            if n == name:
                return v
        return default

    def get_all(self, name):
        name = name.lower()
        return [v for n, v in self.headers if n == name]

    @property
    def cseq_method(self):
        return (self.get("cseq") or " ").split()[-1]

    @property
    def cseq(self):
        return int((self.get("cseq") or "0").split()[0])

    def __repr__(self):
        return "<SipMessage %s>" % self.first_line


def parse_auth_header(value):
    """Digest realm="x", nonce="y", qop="auth" -> dict."""
    value = re.sub(r"^\s*Digest\s+", "", value, flags=re.I)
    out = {}
    for m in re.finditer(r'([A-Za-z0-9_-]+)\s*=\s*("([^"]*)"|[^,\s]+)', value):
        out[m.group(1).lower()] = m.group(3) if m.group(3) is not None else m.group(2)
    return out


def _md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def digest_header(challenge, method, uri, user, password, nc=1):
    c = parse_auth_header(challenge)
    ha1 = _md5("%s:%s:%s" % (user, c["realm"], password))
    ha2 = _md5("%s:%s" % (method, uri))
    parts = ['Digest username="%s"' % user, 'realm="%s"' % c["realm"],
             'nonce="%s"' % c["nonce"], 'uri="%s"' % uri, "algorithm=MD5"]
    if "qop" in c and "auth" in [q.strip() for q in c["qop"].split(",")]:
        cnonce = uuid.uuid4().hex[:16]
        ncs = "%08x" % nc
        resp = _md5("%s:%s:%s:%s:auth:%s" % (ha1, c["nonce"], ncs, cnonce, ha2))
        parts += ["qop=auth", "nc=%s" % ncs, 'cnonce="%s"' % cnonce]
    else:
        resp = _md5("%s:%s:%s" % (ha1, c["nonce"], ha2))
    parts.append('response="%s"' % resp)
    if "opaque" in c:
        parts.append('opaque="%s"' % c["opaque"])
    return ", ".join(parts)


class WsError(Exception):
    def __init__(self, status, head):
        super().__init__("WebSocket handshake failed: %s" % head.split("\r\n", 1)[0])
        self.status = status
        self.head = head


class Transport:
    """A connected socket speaking SIP over one transport."""

    def __init__(self, transport, host, port, ca_file=None, server_hostname="localhost",
                 ws_path="/ws", ws_protocol="sip", timeout=5.0):
        self.transport = transport
        self.host, self.port = host, port
        self.timeout = timeout
        self._buf = b""
        if transport == "udp":
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind(("127.0.0.1", 0))
            self.sock.connect((host, port))
        else:
            self.sock = socket.create_connection((host, port), timeout=timeout)
            if transport in ("tls", "wss"):
                ctx = ssl.create_default_context(cafile=ca_file) if ca_file else \
                    ssl._create_unverified_context()
                self.sock = ctx.wrap_socket(self.sock, server_hostname=server_hostname)
            if transport in ("ws", "wss"):
                self._ws_handshake(ws_path, ws_protocol, server_hostname)
        self.local = self.sock.getsockname()

    # -- websocket -------------------------------------------------------

    def _ws_handshake(self, path, protocol, hostname):
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
               % (path, hostname if self.transport == "wss" else self.host, self.port, key))
        if protocol:
            req += "Sec-WebSocket-Protocol: %s\r\n" % protocol
        self.sock.sendall((req + "\r\n").encode())
        deadline = time.monotonic() + self.timeout
        while b"\r\n\r\n" not in self._buf:
            self._recv_more(deadline)
        head, self._buf = self._buf.split(b"\r\n\r\n", 1)
        head = head.decode(errors="replace")
        status = int(head.split(" ", 2)[1])
        if status != 101:
            raise WsError(status, head)
        self.ws_response = head

    def _ws_send(self, payload, opcode=1):
        mask = os.urandom(4)
        n = len(payload)
        hdr = bytes([0x80 | opcode])
        if n < 126:
            hdr += bytes([0x80 | n])
        elif n < 65536:
            hdr += bytes([0x80 | 126]) + n.to_bytes(2, "big")
        else:
            hdr += bytes([0x80 | 127]) + n.to_bytes(8, "big")
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(hdr + mask + masked)

    def _ws_recv_frame(self, deadline):
        def need(k):
            while len(self._buf) < k:
                self._recv_more(deadline)
        need(2)
        b0, b1 = self._buf[0], self._buf[1]
        n, off = b1 & 0x7F, 2
        if n == 126:
            need(4)
            n, off = int.from_bytes(self._buf[2:4], "big"), 4
        elif n == 127:
            need(10)
            n, off = int.from_bytes(self._buf[2:10], "big"), 10
        masked = b1 & 0x80
        if masked:
            need(off + 4)
            mask = self._buf[off:off + 4]
            off += 4
        need(off + n)
        payload = self._buf[off:off + n]
        self._buf = self._buf[off + n:]
        if masked:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return b0 & 0x0F, payload

    # -- generic ---------------------------------------------------------

    def _recv_more(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("timed out")
        self.sock.settimeout(left)
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("connection closed by peer")
        self._buf += data

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        if self.transport == "udp":
            self.sock.send(data)
        elif self.transport in ("ws", "wss"):
            self._ws_send(data)
        else:
            self.sock.sendall(data)

    def recv(self, timeout=None):
        """Next SIP message (keepalive CRLFs and WS control frames skipped)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        if self.transport == "udp":
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise socket.timeout("timed out")
                self.sock.settimeout(left)
                data = self.sock.recv(65535)
                if data.strip():
                    return SipMessage(data)
        if self.transport in ("ws", "wss"):
            while True:
                op, payload = self._ws_recv_frame(deadline)
                if op == 9:  # ping -> pong
                    self._ws_send(payload, opcode=10)
                    continue
                if op == 8:
                    raise ConnectionError("websocket closed by peer")
                if op in (1, 2) and payload.strip():
                    return SipMessage(payload)
        while True:
            self._buf = self._buf.lstrip(b"\r\n")
            if b"\r\n\r\n" in self._buf:
                head = self._buf.split(b"\r\n\r\n", 1)[0]
                m = re.search(rb"(?im)^(?:content-length|l)\s*:\s*(\d+)", head)
                clen = int(m.group(1)) if m else 0
                total = len(head) + 4 + clen
                if len(self._buf) >= total:
                    msg, self._buf = self._buf[:total], self._buf[total:]
                    return SipMessage(msg)
            self._recv_more(deadline)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class SipClient:
    """Scripted SIP endpoint for extension `user` on the test PBX."""

    def __init__(self, pbx, transport, user, password=None, timeout=5.0, **kw):
        self.pbx = pbx
        self.transport_name = transport
        self.user = str(user)
        self.password = password if password is not None else "secret%s" % user
        self.tp = Transport(transport, pbx.host, pbx.ports[transport], ca_file=pbx.ca_file,
                            timeout=timeout, **kw)
        self.tag = uuid.uuid4().hex[:10]
        self.callid = uuid.uuid4().hex
        self.cseq = 0
        lh, lp = self.tp.local
        if transport in ("ws", "wss"):
            self.via_host = "%s.invalid" % uuid.uuid4().hex[:8]
            self.contact = "<sip:%s@%s;transport=%s>" % (self.user, self.via_host, transport)
            self.via_proto = transport.upper()
        else:
            self.via_host = "%s:%d" % (lh, lp)
            self.via_proto = transport.upper()
            self.contact = "<sip:%s@%s:%d;transport=%s>" % (self.user, lh, lp, transport)
        self.proxy_uri = "sip:%s" % pbx.domain

    def close(self):
        self.tp.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def via(self, branch=None):
        return "SIP/2.0/%s %s;branch=%s;rport" % (self.via_proto, self.via_host,
                                                  branch or "z9hG4bK" + uuid.uuid4().hex)

    def build(self, method, uri, to, extra=(), body="", callid=None, cseq=None,
              from_tag=None, to_tag=None, branch=None):
        if cseq is None:
            self.cseq += 1
            cseq = self.cseq
        lines = ["%s %s SIP/2.0" % (method, uri),
                 "Via: %s" % self.via(branch),
                 "Max-Forwards: 70",
                 "From: <sip:%s@%s>;tag=%s" % (self.user, self.pbx.domain, from_tag or self.tag),
                 "To: <%s>%s" % (to, ";tag=%s" % to_tag if to_tag else ""),
                 "Call-ID: %s" % (callid or self.callid),
                 "CSeq: %d %s" % (cseq, method),
                 "Contact: %s" % self.contact,
                 "User-Agent: testpbx-sipclient"]
        lines += list(extra)
        lines.append("Content-Length: %d" % len(body.encode()))
        return "\r\n".join(lines) + "\r\n\r\n" + body

    def request(self, method, uri, to, extra=(), body="", timeout=5.0, auth=True, **kw):
        """Send a request, answer one 401/407 challenge, return the final
        reply (provisional replies skipped).  Returns (final, all_replies)."""
        msg = self.build(method, uri, to, extra, body, **kw)
        self.tp.send(msg)
        replies = []
        authed = False
        deadline = time.monotonic() + timeout
        while True:
            r = self.tp.recv(max(0.01, deadline - time.monotonic()))
            if not r.is_reply:
                continue
            replies.append(r)
            if r.status < 200:
                continue
            if r.status in (401, 407) and auth and not authed:
                hdr = "WWW-Authenticate" if r.status == 401 else "Proxy-Authenticate"
                ahdr = "Authorization" if r.status == 401 else "Proxy-Authorization"
                if method == "INVITE":
                    self.send_ack(r, uri, to)
                cred = digest_header(r.get(hdr), method, uri, self.user, self.password)
                kw2 = dict(kw)
                kw2.pop("cseq", None)
                self.tp.send(self.build(method, uri, to, list(extra) + ["%s: %s" % (ahdr, cred)],
                                        body, **kw2))
                authed = True
                continue
            return r, replies

    def send_ack(self, reply, uri, to):
        """ACK for a non-2xx final reply (same branch as the INVITE)."""
        via = reply.get("via")
        branch = re.search(r"branch=([^;,\s]+)", via).group(1)
        to_hdr = reply.get("to")
        ack = ["ACK %s SIP/2.0" % uri, "Via: %s" % self.via(branch), "Max-Forwards: 70",
               "From: %s" % reply.get("from"), "To: %s" % to_hdr,
               "Call-ID: %s" % reply.get("call-id"),
               "CSeq: %d ACK" % reply.cseq, "Content-Length: 0"]
        self.tp.send("\r\n".join(ack) + "\r\n\r\n")

    def register(self, expires=60, timeout=5.0, contact_params=""):
        if contact_params:
            saved = self.contact
            self.contact = self.contact + contact_params
        try:
            final, _ = self.request("REGISTER", self.proxy_uri,
                                    "sip:%s@%s" % (self.user, self.pbx.domain),
                                    ["Expires: %d" % expires], timeout=timeout)
        finally:
            if contact_params:
                self.contact = saved
        return final

    def reply(self, req, status, reason, to_tag=None, extra=(), body=""):
        """Answer a received request."""
        lines = ["SIP/2.0 %d %s" % (status, reason)]
        lines += ["Via: %s" % v for v in req.get_all("via")]
        to = req.get("to")
        if to_tag and ";tag=" not in to:
            to += ";tag=%s" % to_tag
        lines += ["From: %s" % req.get("from"), "To: %s" % to,
                  "Call-ID: %s" % req.get("call-id"), "CSeq: %s" % req.get("cseq")]
        rr = req.get_all("record-route")
        if rr and status < 300 and status > 100:
            lines += ["Record-Route: %s" % v for v in rr]
        if status < 300 and status > 100:
            lines.append("Contact: %s" % self.contact)
        lines += list(extra)
        lines.append("Content-Length: %d" % len(body.encode()))
        self.tp.send("\r\n".join(lines) + "\r\n\r\n" + body)

    def wait_request(self, method=None, timeout=5.0):
        deadline = time.monotonic() + timeout
        while True:
            m = self.tp.recv(max(0.01, deadline - time.monotonic()))
            if not m.is_reply and (method is None or m.method == method):
                return m


SDP = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")
