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
                               credentials, expected_response, parse_auth, response)

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


# -- INVITE challenged with 407 (items 9, 10) ---------------------------------

class InviteChallenger:
    """Grants REGISTER without a challenge, challenges INVITE with 407 and
    answers a verified one 486 Busy Here (so the call ends with exit 6)."""

    def __init__(self, challenges):
        self.digest = DigestRegistrar(PASSWORD, challenges, status=407)

    def __call__(self, req):
        if req.method == "REGISTER":
            return response(req, 200, "OK", ["Contact: <%s>;expires=60" % contact_uri(req)])
        if req.method == "INVITE" and credentials(req):
            good = self.digest.__call__(req)
            return response(req, 486, "Busy Here") if self.digest.verdicts[-1][1] else good
        return self.digest(req)


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256", "SHA-512-256"])
def test_invite_407_is_answered_with_the_offered_algorithm(algorithm):
    script = InviteChallenger(['Digest realm="proxy", nonce="{nonce}", algorithm=%s, qop="auth"' % algorithm])
    with HostileRegistrar(script) as server:
        r = sip_call(server, "dial", "102", "--silence", "--no-playback", "--duration", "1s")
    assert r.code == 6, r
    assert script.digest.verdicts == [("INVITE", True)]
    invites = [q for q in server.requests if q.method == "INVITE"]
    assert used_algorithm(invites[1]) == algorithm


# -- Basic is never answered (item 9) ----------------------------------------

def assert_no_secret(r, server):
    import base64
    b64 = base64.b64encode(("101:" + PASSWORD).encode()).decode()
    for secret in (PASSWORD, b64, b64.rstrip("=")):
        assert secret not in r.stdout + r.stderr
        assert not any(secret in q.text for q in server.requests)


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_basic_challenge_to_register_is_refused_at_once(transport):
    with HostileRegistrar(lambda req: challenge(req, 401, 'Basic realm="pbx.test"'), transport) as server:
        r = sip_call(server, "register", timeout=10, extra=("-v",))
    assert r.code == 3, r
    assert r.seconds < 5
    assert "refusing Basic authentication" in error_lines(r)[0] and len(error_lines(r)) == 1, r.stderr
    assert not any(credentials(q) for q in server.requests)
    assert_no_secret(r, server)


def test_basic_challenge_to_invite_is_refused_at_once():
    script = InviteChallenger(['Basic realm="proxy"'])
    with HostileRegistrar(script) as server:
        r = sip_call(server, "dial", "102", "--silence", "--no-playback", "--duration", "1s", timeout=10, extra=("-v",))
    assert r.code == 3, r
    assert "refusing Basic authentication" in r.stderr
    assert [q.method for q in server.requests if q.method == "INVITE"] == ["INVITE"]
    assert_no_secret(r, server)


def test_basic_beside_digest_of_the_same_realm_answers_digest_only():
    r, server, script = digest_register(['Basic realm="pbx.test"',
                                         'Digest realm="pbx.test", nonce="{nonce}", qop="auth"'])
    assert r.code == 0, r
    assert parse_auth(credentials(server.requests[1]))[0] == "Digest"
    assert_no_secret(r, server)


def test_verbose_trace_never_shows_digest_secrets():
    script = DigestRegistrar(PASSWORD, ['Digest realm="pbx.test", nonce="{nonce}", qop="auth"'])
    with HostileRegistrar(script) as server:
        r = sip_call(server, "register", extra=("-v",))
    assert r.code == 0, r
    sent = parse_auth(credentials(server.requests[1]))[1]
    assert sent["response"] not in r.stderr and sent["cnonce"] not in r.stderr
    assert_no_secret(r, server)


# -- a rejected password on a refresh is final (item 7) ----------------------

class RefreshRejecter:
    """First REGISTER: challenged, then 200 (expires 2 s). The refresh is
    challenged with a new nonce and its answer rejected with yet another."""

    def __init__(self):
        self.seen = []  # (nonce, nc) of each REGISTER's credentials, or None
        self.nonces = 0

    def challenge(self, req):
        self.nonces += 1
        return challenge(req, 401, 'Digest realm="pbx.test", nonce="n%d", qop="auth"' % self.nonces)

    def __call__(self, req):
        if req.method != "REGISTER":
            return None
        value = credentials(req)
        params = parse_auth(value)[1] if value else None
        self.seen.append((params["nonce"], params["nc"]) if params else None)
        if params and params["nonce"] == "n1" and len(self.seen) == 2:
            return response(req, 200, "OK", ["Contact: <%s>;expires=2" % contact_uri(req)])
        return self.challenge(req)


def test_rejected_password_on_a_refresh_is_final_and_not_retried():
    script = RefreshRejecter()
    with HostileRegistrar(script) as server:
        r = sip_call(server, "register", "--keep", "--expires", "2", timeout=5)
        settled = list(script.seen)
    assert r.code == 3, r
    assert "wrong password" in error_lines(r)[0], r.stderr
    assert "cannot reach" not in r.stderr and "reconnecting" not in r.stderr
    # REGISTER, its answer (nc 1), the refresh with the cached answer (nc 2),
    # the answer to the refresh's new nonce (nc 1 again); nothing after.
    assert settled == [None, ("n1", "00000001"), ("n1", "00000002"), ("n2", "00000001")]


def test_stale_nonce_is_answered_again_without_counting_as_a_rejection():
    stale = []

    def answer(req):
        value = credentials(req)
        if not value:
            return challenge(req, 401, 'Digest realm="pbx.test", nonce="n1", qop="auth"')
        params = parse_auth(value)[1]
        if params["nonce"] == "n1":
            stale.append(params["nc"])
            return challenge(req, 401, 'Digest realm="pbx.test", nonce="n2", qop="auth", stale=true')
        return response(req, 200, "OK", ["Contact: <%s>;expires=60" % contact_uri(req)])

    with HostileRegistrar(answer) as server:
        r = sip_call(server, "register")
    assert r.code == 0, r
    assert stale == ["00000001"]
    assert parse_auth(credentials(server.requests[2]))[1]["nc"] == "00000001"


# -- quoted strings and malformed challenges (item 11) -----------------------

def test_realm_and_opaque_with_escaped_quotes_are_answered_right():
    r, server, script = digest_register([r'Digest realm="pbx \"q\", x:y", nonce="{nonce}", qop="auth", '
                                         r'opaque="o\"p\\q"'])
    assert r.code == 0, r
    assert script.verdicts[0] == ("REGISTER", True)
    sent = parse_auth(credentials(server.requests[1]))[1]
    assert sent["realm"] == 'pbx "q", x:y' and sent["opaque"] == 'o"p\\q'


@pytest.mark.parametrize("ch, why", [
    ('Digest nonce="n1", qop="auth"', "Digest without realm"),
    ('Digest realm="pbx.test", qop="auth"', "Digest without nonce"),
], ids=["no-realm", "no-nonce"])
def test_malformed_challenge_fails_with_exit_9(ch, why):
    with HostileRegistrar(lambda req: challenge(req, 401, ch)) as server:
        r = sip_call(server, "register", timeout=10)
    assert r.code == 9, r
    assert r.seconds < 5
    assert "malformed challenge: " + why in error_lines(r)[0]
    assert not any(credentials(q) for q in server.requests)
    assert not any("(null)" in q.text for q in server.requests)


# -- siblings ----------------------------------------------------------------

def test_password_with_a_colon_is_used_whole():
    """Sofia-SIP took credentials as scheme:realm:user:password and cut the
    password at its first ':' (every MD5 answer was then wrong)."""
    assert ":" in PASSWORD
    r, server, script = digest_register(['Digest realm="pbx.test", nonce="{nonce}", qop="auth"'])
    assert r.code == 0, r
    assert script.verdicts[0] == ("REGISTER", True)


def test_proxy_challenges_of_two_realms_are_both_answered():
    """Two proxies on the path, each with its own realm: one
    Proxy-Authorization for each, each verified."""
    seen = []

    def answer(req):
        if req.method == "REGISTER":
            return response(req, 200, "OK", ["Contact: <%s>;expires=60" % contact_uri(req)])
        if req.method != "INVITE":
            return None if req.method == "ACK" else response(req, 200, "OK")
        creds = req.all("proxy-authorization")
        if not creds:
            return challenge(req, 407, 'Digest realm="edge", nonce="e1", qop="auth"',
                             'Digest realm="core", nonce="c1", algorithm=SHA-256, qop="auth"')
        for value in creds:
            params = parse_auth(value)[1]
            seen.append((params["realm"], params["response"] == expected_response(params, "INVITE", PASSWORD)))
        return response(req, 486, "Busy Here")

    with HostileRegistrar(answer) as server:
        r = sip_call(server, "dial", "102", "--silence", "--no-playback", "--duration", "1s")
    assert r.code == 6, r
    assert sorted(seen) == [("core", True), ("edge", True)]
