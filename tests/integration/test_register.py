"""sip-call register against the real Kamailio test PBX: what a user sees
(exit code, the one-line result, the JSON report) and what the PBX saw."""

import os
import signal

import pytest

from sipcall import Running, account_args, run

TRANSPORTS = ["udp", "tcp", "tls", "ws", "wss"]
VIA = {"udp": "udp", "tcp": "tcp", "tls": "tls", "ws": "ws", "wss": "wss"}


def registers_for(pbx, user, since):
    return [m for m in pbx.messages(since=since)
            if m.get("type") == "request" and m.get("method") == "REGISTER" and m.get("from") == user]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_register_succeeds_over_each_transport(pbx, transport):
    user = str(110 + TRANSPORTS.index(transport))
    mark = pbx.mark()
    r = run(account_args(pbx, transport, user, ["--json", "register"]), password=pbx.password(user))
    assert r.code == 0, r
    assert f"registered {user} at pbx.test via {transport.upper()} in " in r.stderr
    report = r.report()
    assert report["result"] == "ok"
    assert report["exit_code"] == 0
    assert report["transport"] == transport
    assert report["status"] == 200
    assert report["expires"] > 0
    assert report["unregistered"] is True
    assert report["timings"]["register_ms"] >= 0
    sent = registers_for(pbx, user, mark)
    # challenge, authenticated REGISTER, authenticated un-REGISTER
    assert [m["auth"] for m in sent] == [False, True, True], sent
    assert all(m["proto"] == transport for m in sent)
    assert all(m["via_transport"] == VIA[transport] for m in sent)
    if transport in ("ws", "wss", "tls"):
        assert f"transport={transport}" in sent[1]["contact"].lower()
    assert pbx.bindings(user) == []


@pytest.mark.parametrize("transport", ["udp", "wss"])
def test_keep_holds_the_binding_until_sigterm(pbx, transport):
    user = "120" if transport == "udp" else "121"
    args = account_args(pbx, transport, user, ["--json", "register", "--keep", "--expires", "60"])
    with Running(args, password=pbx.password(user)) as p:
        event = p.wait_for_json(lambda o: o.get("event") == "registered")
        assert event["status"] == 200
        bindings = pbx.wait_for_bindings(user, 1)
        assert len(bindings) == 1
        assert p.stop(signal.SIGTERM) == 0
        assert p.lines[-1]["result"] == "ok"
        assert p.lines[-1]["unregistered"] is True
    assert pbx.bindings(user) == []


def test_refreshes_before_expiry(pbx):
    user = "122"
    args = account_args(pbx, "tcp", user, ["--json", "register", "--keep", "--expires", "6"])
    with Running(args, password=pbx.password(user)) as p:
        p.wait_for_json(lambda o: o.get("event") == "registered")
        refresh = p.wait_for_json(lambda o: o.get("event") == "refreshed", timeout=15)
        assert refresh["status"] == 200
        assert len(pbx.bindings(user)) == 1
        assert p.stop(signal.SIGINT) == 0
    assert p.lines[-1]["refreshes"] >= 1


@pytest.mark.parametrize("transport", ["udp", "ws"])
def test_wrong_password_is_final_after_one_attempt(pbx, transport):
    user = "130" if transport == "udp" else "131"
    mark = pbx.mark()
    r = run(account_args(pbx, transport, user, ["--json", "register"]), password="not-the-password")
    assert r.code == 3, r
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and "401" in lines[0], r.stderr
    assert r.report()["exit_reason"] == "auth_failed"
    assert r.report()["status"] == 401
    attempts = [m for m in registers_for(pbx, user, mark) if m["auth"]]
    assert len(attempts) == 1, attempts
    assert pbx.bindings(user) == []


def test_unknown_user_without_password_gets_auth_failure(pbx):
    r = run(["--server", pbx.url("udp"), "--user", "199", "--domain", pbx.domain, "register"], password=None)
    assert r.code == 3, r
    assert "no password given" in r.stderr


def test_nothing_listening(pbx):
    from testpbx import free_port
    port = free_port()
    for url in (f"sip:127.0.0.1:{port};transport=tcp", f"ws://127.0.0.1:{port}/ws",
                f"sips:127.0.0.1:{port}"):
        r = run(["--server", url, "--user", "101", "--timeout", "5", "register"], password="x")
        assert r.code == 4, (url, r)
        assert r.seconds < 5, r
        assert "cannot reach" in r.stderr


def test_websocket_path_refused(pbx):
    r = run(["--server", pbx.url("ws").replace("/ws", "/nope"), "--user", "101", "--domain", pbx.domain,
             "--json", "register"], password=pbx.password("101"))
    assert r.code == 4, r
    assert "HTTP 404" in r.stderr
    assert r.report()["exit_reason"] == "network"


def test_http_server_that_is_not_a_websocket(http_reject_server):
    r = run(["--server", http_reject_server.url("/ws"), "--user", "101", "register"], password="x")
    assert r.code == 4, r
    assert "HTTP 404" in r.stderr


@pytest.mark.parametrize("status", [301, 307])
def test_a_websocket_redirect_is_refused_not_followed(pbx, status):
    """A ws:// server that redirects to wss:// (or anywhere): sip-call does
    not follow, as the report would then name a transport and server it did
    not use; it says where the redirect points, exit 4."""
    from testpbx import HttpRejectServer
    target = pbx.url("wss")
    mark = pbx.mark()
    with HttpRejectServer(status=status, location=target) as server:
        r = run(["--server", server.url("/ws"), "--user", "145", "--domain", pbx.domain, "--ca-file", pbx.ca_file,
                 "--json", "register"], password=pbx.password("145"))
    assert r.code == 4, r
    assert f"redirected (HTTP {status}) to {target}" in r.stderr and "does not follow redirects" in r.stderr, r.stderr
    assert r.report()["exit_code"] == 4
    assert registers_for(pbx, "145", mark) == []


@pytest.mark.parametrize("transport", ["wss", "tls"])
def test_untrusted_certificate_is_refused(pbx, transport):
    mark = pbx.mark()
    r = run(["--server", pbx.url(transport), "--user", "140", "--domain", pbx.domain, "register"],
            password=pbx.password("140"))
    assert r.code == 4, r
    assert "--ca-file" in r.stderr
    assert registers_for(pbx, "140", mark) == []


@pytest.mark.parametrize("url", ["wss://[::1]:{wss}/ws", "sips:[::1]:{tls}", "wss://127.0.0.1:{wss}/ws",
                                 "sips:127.0.0.1:{tls}"])
def test_an_ip_address_host_is_verified_against_the_certificates_ip_sans(pbx, url):
    """The test PBX's certificate names IP:127.0.0.1 and IP:::1: an address
    in the URL is checked as an IP SAN over wss as over tls, v4 and v6.
    (The refusal of a certificate without that SAN: test_bad_server.py.)"""
    user = "142"
    url = url.format(wss=pbx.ports["wss"], tls=pbx.ports["tls"])
    mark = pbx.mark()
    r = run(["--server", url, "--user", user, "--domain", pbx.domain, "--ca-file", pbx.ca_file, "--json", "register"],
            password=pbx.password(user))
    assert r.code == 0, r
    sent = registers_for(pbx, user, mark)
    assert sent and all(m["src"].startswith("::1:" if "[::1]" in url else "127.0.0.1:") for m in sent), [m["src"] for m in sent]


@pytest.mark.parametrize("transport", ["udp", "tcp", "ws"])
def test_insecure_over_a_transport_without_tls_says_it_has_no_effect(pbx, transport):
    """-k over udp/tcp/ws verifies nothing because there is nothing to
    verify: one note says so, with no TLS warning that suggests encryption."""
    r = run(account_args(pbx, transport, "144", ["--insecure", "register"]), password=pbx.password("144"))
    assert r.code == 0, r
    assert f"sip-call: note: -k/--insecure has no effect over {transport.upper()} (it carries no TLS)" in r.stderr
    assert "verification is disabled" not in r.stderr


def test_insecure_skips_verification_and_says_so(pbx):
    r = run(["--server", pbx.url("wss"), "--user", "141", "--domain", pbx.domain, "--insecure", "register"],
            password=pbx.password("141"))
    assert r.code == 0, r
    assert "verification is disabled" in r.stderr


@pytest.mark.parametrize("transport", ["tcp", "tls", "ws"])
def test_server_that_never_answers_times_out(silent_tcp_server, transport):
    host, port = silent_tcp_server.address
    url = {"tcp": f"sip:{host}:{port};transport=tcp", "tls": f"sips:{host}:{port}", "ws": f"ws://{host}:{port}/ws"}[transport]
    r = run(["--server", url, "--user", "101", "--timeout", "2", "--json", "register"], password="x")
    assert r.code == 5, r
    assert r.seconds < 6, r
    assert r.report()["exit_reason"] == "timeout"


def test_password_never_appears_in_output_or_ps(pbx, tmp_path):
    secret = pbx.password("150")
    args = ["--server", pbx.url("ws"), "--user", "150", "--domain", pbx.domain, "-v", "--json",
            "--password", secret, "register", "--keep"]
    with Running(args) as p:
        p.wait_for_json(lambda o: o.get("event") == "registered")
        with open(f"/proc/{p.proc.pid}/cmdline", "rb") as f:
            cmdline = f.read().decode()
        assert secret not in cmdline
        assert "*" * len(secret) in cmdline
        assert p.stop(signal.SIGTERM) == 0
        assert secret not in p.stderr
        assert "response=\"<redacted>\"" in p.stderr
        assert "visible to other local users" in p.stderr
        assert all(secret not in str(line) for line in p.lines)

    pw_file = tmp_path / "pw"
    pw_file.write_text(secret + "\n")
    r = run(account_args(pbx, "udp", "150", ["-v", "--password-file", str(pw_file), "register"]))
    assert r.code == 0, r
    assert secret not in r.stderr + r.stdout


@pytest.mark.parametrize("args,needle", [
    (["--server", "http://pbx/ws", "--user", "101", "register"], "--server"),
    (["--user", "101", "register"], "--server is required"),
    (["--server", "sip:127.0.0.1:5060", "register"], "--user is required"),
    (["--server", "sip:127.0.0.1:5060", "--user", "101", "--password-file", "/nonexistent/pw", "register"],
     "--password-file"),
    (["--server", "sip:127.0.0.1:5060", "--user", "101", "register", "--expires", "0"], "expires"),
    (["--server", "sip:127.0.0.1:5060", "--user", "101"], "subcommand"),
    (["--bogus-flag", "register"], "bogus"),
])
def test_usage_errors_exit_2_with_one_line(args, needle):
    r = run(args, password="x")
    assert r.code == 2, r
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and needle in lines[0], r.stderr


def test_unresolvable_host_is_a_network_error():
    r = run(["--server", "sip:no-such-host.invalid", "--user", "101", "register"], password="x")
    assert r.code == 4, r
    assert "cannot resolve" in r.stderr


@pytest.mark.parametrize("transport", ["ws", "wss", "tcp", "udp"])
def test_requests_from_the_server_reach_us_over_our_connection(pbx, transport):
    """An OPTIONS sent to the registered extension comes back over sip-call's
    own connection (the WebSocket, for ws/wss) and is answered 200."""
    from sipclient import SipClient
    user = str(160 + ["ws", "wss", "tcp", "udp"].index(transport))
    args = account_args(pbx, transport, user, ["--json", "register", "--keep"])
    with Running(args, password=pbx.password(user)) as p:
        p.wait_for_json(lambda o: o.get("event") == "registered")
        with SipClient(pbx, "udp", "169") as peer:
            final, _ = peer.request("OPTIONS", f"sip:{user}@{pbx.domain}", f"sip:{user}@{pbx.domain}")
        assert final.status == 200, final
        assert "sip-call" in (final.get("server") or final.get("user-agent") or "")
        assert p.stop(signal.SIGTERM) == 0


@pytest.mark.parametrize("transport,user", [("wss", "118"), ("tls", "119")])
def test_tls_trusts_the_system_ca_directory(pbx, tmp_path, transport, user):
    """Without --ca-file, wss and tls verify against OpenSSL's hashed CA directory
    (SSL_CERT_DIR when set): the test CA placed there is trusted, and
    --ca-file replaces that trust instead of adding to it."""
    import shutil
    import subprocess
    shutil.copy(pbx.ca_file, tmp_path / "ca.pem")
    subprocess.run(["openssl", "rehash", str(tmp_path)], check=True, capture_output=True)
    args = ["--server", pbx.url(transport), "--user", user, "--domain", pbx.domain, "register"]
    r = run(args, password=pbx.password(user), env={"SSL_CERT_DIR": str(tmp_path)})
    assert r.code == 0, r
    r = run(args, password=pbx.password(user))  # the real system CAs do not know the test CA
    assert r.code == 4, r
    r = run(["--ca-file", "/etc/ssl/certs/ca-certificates.crt", *args], password=pbx.password(user),
            env={"SSL_CERT_DIR": str(tmp_path)})
    assert r.code == 4, r
