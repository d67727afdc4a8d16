"""A small scripted registrar/UAS for the authentication tests: it answers
REGISTER and INVITE the way a test tells it (challenges of any scheme and
algorithm, 200 OK with any lifetime) and records every request it got.
Stdlib only; UDP or TCP on 127.0.0.1.

    def answer(req):                       # -> response text, or None (no answer)
        if not req.header("Authorization"):
            return challenge(req, 401, 'Digest realm="r", nonce="n1", algorithm=SHA-256, qop="auth"')
        return response(req, 200, "OK") if digest_ok(req, "secret") else response(req, 403, "Forbidden")

    with HostileRegistrar(answer, transport="udp") as server:
        run([... "--server", server.url(), ...])
        server.requests                    # [Request], in arrival order

DigestRegistrar is the usual script: challenge, verify the digest (it knows
the password and computes the expected response with hashlib), grant a
binding or refuse.
"""

import hashlib
import re
import socket
import threading
import time

HOST = "127.0.0.1"


class Request:
    def __init__(self, text):
        self.text = text
        head, _, self.body = text.partition("\r\n\r\n")
        lines = head.split("\r\n")
        self.method, self.uri = (lines[0].split(" ") + ["", ""])[:2]
        self.headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers.append((name.strip().lower(), value.strip()))

    def all(self, name):
        return [v for n, v in self.headers if n == name.lower()]

    def header(self, name):
        values = self.all(name)
        return values[0] if values else None

    def __repr__(self):
        return "<%s %s>" % (self.method, self.uri)


def response(req, status, phrase, headers=(), body=""):
    """A response to req copying Via, From, To (with a tag), Call-ID, CSeq."""
    lines = ["SIP/2.0 %d %s" % (status, phrase)]
    for name in ("via", "from", "to", "call-id", "cseq"):
        for value in req.all(name):
            if name == "to" and "tag=" not in value:
                value += ";tag=hostile"
            lines.append("%s: %s" % (name.title(), value))
    lines += list(headers)
    lines.append("Content-Length: %d" % len(body.encode()))
    return "\r\n".join(lines) + "\r\n\r\n" + body


def challenge(req, status, *challenges):
    """401 with WWW-Authenticate or 407 with Proxy-Authenticate, one header each."""
    name = "WWW-Authenticate" if status == 401 else "Proxy-Authenticate"
    phrase = "Unauthorized" if status == 401 else "Proxy Authentication Required"
    return response(req, status, phrase, ["%s: %s" % (name, c) for c in challenges])


def contact_uri(req):
    m = re.search(r"<([^>]*)>", req.header("contact") or "")
    return m.group(1) if m else None


def parse_auth(value):
    """(scheme, {name: value}) of a credentials or challenge header value;
    quoted strings are unescaped (RFC 3261 25.1 quoted-pair)."""
    scheme, _, rest = value.strip().partition(" ")
    params = {}
    token = r'([A-Za-z0-9_.!%*+`\'~-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]*)\s*,?\s*'
    for name, raw in re.findall(token, rest):
        params[name.lower()] = re.sub(r"\\(.)", r"\1", raw[1:-1]) if raw.startswith('"') else raw
    return scheme, params


HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256,
          "SHA-512-256": lambda data: hashlib.new("sha512_256", data)}


def expected_response(params, method, password, body=""):
    """The digest response RFC 7616 (and RFC 2617 for MD5) asks for."""
    algorithm = params.get("algorithm", "MD5").upper()
    sess = algorithm.endswith("-SESS")
    h = HASHES[algorithm[:-5] if sess else algorithm]

    def H(s):
        return h(s.encode()).hexdigest()
    ha1 = H("%s:%s:%s" % (params["username"], params["realm"], password))
    if sess:
        ha1 = H("%s:%s:%s" % (ha1, params["nonce"], params["cnonce"]))
    qop = params.get("qop")
    ha2 = H("%s:%s" % (method, params["uri"])) if qop != "auth-int" else \
        H("%s:%s:%s" % (method, params["uri"], H(body)))
    if qop:
        return H(":".join([ha1, params["nonce"], params["nc"], params["cnonce"], qop, ha2]))
    return H("%s:%s:%s" % (ha1, params["nonce"], ha2))


def credentials(req):
    return req.header("authorization") or req.header("proxy-authorization")


def digest_ok(req, password):
    value = credentials(req)
    if not value:
        return False
    scheme, params = parse_auth(value)
    try:
        return scheme.lower() == "digest" and params.get("response") == expected_response(
            params, req.method, password, req.body)
    except KeyError:
        return False


class DigestRegistrar:
    """Challenges every request without credentials with `challenges`
    (str.format'ed with nonce=n1, n2, ... per challenge sent) and answers
    one with credentials 200 (REGISTER: our Contact with `expires`) when the
    digest is right, else with `reject` (401 with a new challenge by default).
    `.verdicts` records (method, True/False) per credentialed request."""

    def __init__(self, password, challenges, status=401, expires=60, contact_params=None):
        self.password = password
        self.challenges = challenges
        self.status = status
        self.expires = expires
        self.contact_params = contact_params
        self.nonces = 0
        self.verdicts = []

    def challenge(self, req):
        self.nonces += 1
        return challenge(req, self.status, *[c.format(nonce="n%d" % self.nonces) for c in self.challenges])

    def ok(self, req):
        if req.method != "REGISTER":
            return response(req, 200, "OK")
        params = self.contact_params if self.contact_params is not None else ";expires=%d" % self.expires
        return response(req, 200, "OK", ["Contact: <%s>%s" % (contact_uri(req), params)])

    def __call__(self, req):
        if req.method in ("ACK", "BYE", "CANCEL"):
            return None if req.method == "ACK" else response(req, 200, "OK")
        if not credentials(req):
            return self.challenge(req)
        good = digest_ok(req, self.password)
        self.verdicts.append((req.method, good))
        return self.ok(req) if good else self.challenge(req)


class HostileRegistrar:
    """Serves answer(Request) -> str|None on 127.0.0.1 until close()."""

    def __init__(self, answer, transport="udp"):
        self.answer = answer
        self.transport = transport
        self.requests = []
        kind = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
        self.sock = socket.socket(socket.AF_INET, kind)
        self.sock.bind((HOST, 0))
        if transport == "tcp":
            self.sock.listen(4)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._serve_udp if transport == "udp" else self._accept,
                                          daemon=True)]
        self._threads[0].start()

    def url(self):
        return "sip:%s:%d;transport=%s" % (HOST, self.port, self.transport)

    def methods(self):
        return [r.method for r in self.requests]

    def _handle(self, text):
        req = Request(text)
        req.received_at = time.monotonic()
        if not req.method or req.method.startswith("SIP/"):
            return None  # a response (to nothing of ours): ignored
        self.requests.append(req)
        out = self.answer(req)
        return out.encode() if out else None

    def _serve_udp(self):
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            out = self._handle(data.decode(errors="replace"))
            if out:
                self.sock.sendto(out, peer)

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            t = threading.Thread(target=self._serve_tcp, args=(conn,), daemon=True)
            self._threads.append(t)
            t.start()

    def _serve_tcp(self, conn):
        conn.settimeout(0.2)
        buf = b""
        with conn:
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(65536)
                except socket.timeout:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                buf += chunk
                while b"\r\n\r\n" in buf.lstrip(b"\r\n"):
                    buf = buf.lstrip(b"\r\n")  # keepalive CRLFs
                    head, _, rest = buf.partition(b"\r\n\r\n")
                    m = re.search(rb"(?im)^(?:content-length|l)\s*:\s*(\d+)", head)
                    length = int(m.group(1)) if m else 0
                    if len(rest) < length:
                        break
                    message, buf = head + b"\r\n\r\n" + rest[:length], rest[length:]
                    out = self._handle(message.decode(errors="replace"))
                    if out:
                        conn.sendall(out)

    def close(self):
        self._stop.set()
        for t in self._threads:
            t.join(timeout=3)
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
