"""Self-tests of hostile_registrar.py: its digest arithmetic against RFC
7616's worked examples, and a scripted exchange over UDP and TCP."""

import socket

import pytest

from hostile_registrar import DigestRegistrar, HostileRegistrar, expected_response, parse_auth

RFC7616 = {"username": "Mufasa", "realm": "http-auth@example.org", "uri": "/dir/index.html",
           "nonce": "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "nc": "00000001",
           "cnonce": "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "qop": "auth"}


@pytest.mark.parametrize("algorithm, expected", [
    ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
    ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
])
def test_expected_response_matches_rfc_7616(algorithm, expected):
    params = dict(RFC7616, algorithm=algorithm)
    assert expected_response(params, "GET", "Circle of Life") == expected


def test_parse_auth_unescapes_quoted_pairs():
    scheme, params = parse_auth(r'Digest realm="pbx \"q\", x:y", nonce=abc, qop="auth,auth-int"')
    assert scheme == "Digest"
    assert params == {"realm": 'pbx "q", x:y', "nonce": "abc", "qop": "auth,auth-int"}


def register_text(authorization=None, transport="UDP"):
    lines = ["REGISTER sip:pbx.test SIP/2.0", "Via: SIP/2.0/%s 127.0.0.1:5999;branch=z9hG4bK1" % transport,
             "From: <sip:101@pbx.test>;tag=a", "To: <sip:101@pbx.test>", "Call-ID: c1", "CSeq: 1 REGISTER",
             "Contact: <sip:101@127.0.0.1:5999>"]
    if authorization:
        lines.append("Authorization: " + authorization)
    return ("\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n").encode()


def exchange(server, data):
    kind = socket.SOCK_DGRAM if server.transport == "udp" else socket.SOCK_STREAM
    with socket.socket(socket.AF_INET, kind) as s:
        s.settimeout(3)
        s.connect(("127.0.0.1", server.port))
        s.sendall(data)
        return s.recv(65535).decode()


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_challenge_then_verified_digest_gets_a_binding(transport):
    script = DigestRegistrar("pw", ['Digest realm="r", nonce="{nonce}", qop="auth", algorithm=SHA-256'],
                             expires=30)
    with HostileRegistrar(script, transport) as server:
        first = exchange(server, register_text())
        assert first.startswith("SIP/2.0 401 ")
        _, ch = parse_auth(first.split("WWW-Authenticate: ")[1].split("\r\n")[0])
        params = {"username": "101", "realm": ch["realm"], "nonce": ch["nonce"], "uri": "sip:pbx.test",
                  "algorithm": "SHA-256", "qop": "auth", "nc": "00000001", "cnonce": "xyz"}
        good = expected_response(params, "REGISTER", "pw")
        auth = ('Digest username="101", realm="r", nonce="%s", uri="sip:pbx.test", response="%s", '
                'algorithm=SHA-256, qop=auth, nc=00000001, cnonce="xyz"' % (ch["nonce"], good))
        second = exchange(server, register_text(auth))
        assert second.startswith("SIP/2.0 200 ")
        assert "Contact: <sip:101@127.0.0.1:5999>;expires=30" in second
        wrong = exchange(server, register_text(auth.replace(good, "0" * 64)))
        assert wrong.startswith("SIP/2.0 401 ")
    assert server.methods() == ["REGISTER"] * 3
    assert script.verdicts == [("REGISTER", True), ("REGISTER", False)]
