"""Authentication and registration verdicts against a hostile registrar
(tests/pbx/hostile_registrar.py): challenges of every scheme and digest
algorithm, rejected passwords on a refresh, 200 OK that keeps no binding.
The registrar verifies each digest itself, with hashlib."""

import os
import sys

import pytest

from sipcall import Running, run

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "pbx"))
from hostile_registrar import (DigestRegistrar, HostileRegistrar, challenge, contact_uri,  # noqa: E402
                               credentials, parse_auth, response)

PASSWORD = "s3cr:t101"  # a colon: the password must reach the digest whole


def sip_call(server, *command, password=PASSWORD, timeout=3, extra=()):
    return run(["--server", server.url(), "--user", "101", "--domain", "pbx.test", "--timeout", str(timeout),
                "--json", *extra, *command], password=password, timeout=30)


def error_lines(r):
    return [l for l in r.stderr.splitlines() if l.startswith("sip-call:")]


# -- 200 OK that keeps no binding (item 6) ---------------------------------

@pytest.mark.parametrize("contact", [
    lambda req: ["Contact: <%s>;expires=0" % contact_uri(req)],
    lambda req: ["Contact: <%s>" % contact_uri(req), "Expires: 0"],
    lambda req: ["Contact: <sip:999@192.0.2.1:5060>;expires=60"],
], ids=["contact-expires-0", "expires-header-0", "other-contact-only"])
def test_200_ok_that_keeps_no_binding_is_a_sip_failure(contact):
    with HostileRegistrar(lambda req: response(req, 200, "OK", contact(req))) as server:
        r = sip_call(server, "register")
    assert r.code == 9, r
    assert error_lines(r) and "kept no binding" in error_lines(r)[0], r.stderr
    assert "registered 101" not in r.stderr
    assert r.report()["exit_reason"] == "sip_failure"


def test_refresh_answered_with_expires_0_ends_keep_with_sip_failure():
    granted = []

    def answer(req):
        if req.method != "REGISTER":
            return None
        expires = 2 if not granted else 0
        granted.append(expires)
        return response(req, 200, "OK", ["Contact: <%s>;expires=%d" % (contact_uri(req), expires)])

    with HostileRegistrar(answer) as server:
        r = sip_call(server, "register", "--keep", "--expires", "2", timeout=5)
    assert r.code == 9, r
    assert "kept no binding (expires 0)" in r.stderr
    assert granted[:2] == [2, 0]


# -- digest algorithms (item 10), verified by the registrar ------------------

def digest_register(challenges, status=401, transport="udp", password=PASSWORD, timeout=3):
    script = DigestRegistrar(PASSWORD, challenges, status=status)
    with HostileRegistrar(script, transport) as server:
        r = sip_call(server, "register", password=password, timeout=timeout)
    return r, server, script


def used_algorithm(req):
    return parse_auth(credentials(req))[1].get("algorithm", "MD5")


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256", "SHA-512-256", "MD5-sess", "SHA-256-sess"])
@pytest.mark.parametrize("qop", ['qop="auth"', 'qop="auth-int"', None], ids=["auth", "auth-int", "no-qop"])
def test_each_digest_algorithm_is_answered_right(algorithm, qop):
    ch = 'Digest realm="pbx.test", nonce="{nonce}", algorithm=%s' % algorithm + (", " + qop if qop else "")
    r, server, script = digest_register([ch])
    assert r.code == 0, r
    assert ("REGISTER", True) in script.verdicts
    assert used_algorithm(server.requests[1]) == algorithm


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_the_strongest_offered_algorithm_is_chosen(transport):
    r, server, script = digest_register([
        'Digest realm="pbx.test", nonce="{nonce}", algorithm=MD5, qop="auth"',
        'Digest realm="pbx.test", nonce="{nonce}", algorithm=SHA-512-256, qop="auth"',
        'Digest realm="pbx.test", nonce="{nonce}", algorithm=SHA-256, qop="auth"',
    ], transport=transport)
    assert r.code == 0, r
    assert used_algorithm(server.requests[1]) == "SHA-512-256"
    assert script.verdicts[0] == ("REGISTER", True)


def test_unknown_algorithm_fails_at_once_with_exit_3():
    r, server, _ = digest_register(['Digest realm="pbx.test", nonce="{nonce}", algorithm=SHA3-512, qop="auth"'],
                                   timeout=10)
    assert r.code == 3, r
    assert r.seconds < 5
    assert "cannot answer digest algorithm SHA3-512" in error_lines(r)[0]
    assert len(error_lines(r)) == 1
    assert not any(credentials(q) for q in server.requests)


def test_unknown_algorithm_beside_a_known_one_takes_the_known_one():
    r, server, _ = digest_register(['Digest realm="pbx.test", nonce="{nonce}", algorithm=SHA3-512, qop="auth"',
                                    'Digest realm="pbx.test", nonce="{nonce}", algorithm=SHA-256, qop="auth"'])
    assert r.code == 0, r
    assert used_algorithm(server.requests[1]) == "SHA-256"


def test_a_wrong_password_is_rejected_once_with_exit_3():
    r, server, script = digest_register(['Digest realm="pbx.test", nonce="{nonce}", algorithm=SHA-256, qop="auth"'],
                                        password="wrong")
    assert r.code == 3, r
    assert "wrong password" in error_lines(r)[0]
    assert server.methods() == ["REGISTER", "REGISTER"]
    assert script.verdicts == [("REGISTER", False)]
