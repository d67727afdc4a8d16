#!/usr/bin/python3
"""Self-tests of the test PBX.  Run: /usr/bin/python3 -m pytest -q tests/pbx"""

import asyncio
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import testpbx  # noqa: E402
from sipclient import SDP, SipClient, Transport, WsError  # noqa: E402
from testpbx import HttpRejectServer, SilentTcpServer, TestPbx, free_port  # noqa: E402

try:
    import websockets
    import websockets.exceptions
except ImportError:  # pragma: no cover
    websockets = None


@pytest.fixture(scope="module")
def pbx():
    yield from testpbx.running_pbx()


def sipsak(*args, timeout=30):
    return subprocess.run(["sipsak"] + list(args), stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=timeout, text=True)


def unauth_register(transport_sock_send, port, proto, via_host, user="101"):
    branch = "z9hG4bK" + uuid.uuid4().hex
    return ("REGISTER sip:pbx.test SIP/2.0\r\n"
            "Via: SIP/2.0/%s %s;branch=%s;rport\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:%s@pbx.test>;tag=%s\r\n"
            "To: <sip:%s@pbx.test>\r\n"
            "Call-ID: %s\r\n"
            "CSeq: 1 REGISTER\r\n"
            "Contact: <sip:%s@%s;transport=%s>\r\n"
            "Expires: 60\r\n"
            "Content-Length: 0\r\n\r\n"
            % (proto.upper(), via_host, branch, user, uuid.uuid4().hex[:8], user,
               uuid.uuid4().hex, user, via_host, proto.lower()))


# ---------------------------------------------------------------------------
# basics


def test_info_and_urls(pbx):
    assert pbx.host == "127.0.0.1" and pbx.domain == "pbx.test"
    assert set(pbx.ports) == {"udp", "tcp", "tls", "ws", "wss"}
    assert len(set(pbx.ports.values())) == 5
    p = pbx.ports
    assert pbx.url("ws") == "ws://127.0.0.1:%d/ws" % p["ws"]
    assert pbx.url("wss") == "wss://localhost:%d/ws" % p["wss"]
    assert pbx.url("udp") == "sip:127.0.0.1:%d;transport=udp" % p["udp"]
    assert pbx.url("tcp") == "sip:127.0.0.1:%d;transport=tcp" % p["tcp"]
    assert pbx.url("tls") == "sips:localhost:%d" % p["tls"]
    assert pbx.password(101) == "secret101" and pbx.password("1500") == "secret1500"
    assert os.path.exists(pbx.ca_file)
    info = pbx.info()
    assert info["users"] == {str(u): "secret%d" % u for u in range(101, 106)}
    json.dumps(info)


def test_certificate_san(pbx):
    out = subprocess.run(["openssl", "x509", "-in", pbx.cert_file, "-noout", "-ext",
                          "subjectAltName"], capture_output=True, text=True, timeout=10).stdout
    assert "DNS:localhost" in out and "DNS:pbx.test" in out and "IP Address:127.0.0.1" in out
    res = subprocess.run(["openssl", "verify", "-CAfile", pbx.ca_file, pbx.cert_file],
                         capture_output=True, text=True, timeout=10)
    assert res.returncode == 0, res.stdout + res.stderr


def test_kamcmd_ctl_socket(pbx):
    out = pbx.kamcmd("ul.dump")
    assert "location" in out


# ---------------------------------------------------------------------------
# sipsak over UDP


def test_sipsak_register_udp(pbx):
    mark = pbx.mark()
    contact = "sip:101@127.0.0.1:%d" % free_port(socket.SOCK_DGRAM)
    res = sipsak("-U", "-C", contact, "-x", "60", "-a", "secret101", "-u", "101",
                 "-s", "sip:101@127.0.0.1:%d" % pbx.ports["udp"])
    assert res.returncode == 0, res.stdout
    b = pbx.wait_for_bindings("101", 1, timeout=5)
    assert b[0]["uri"] == contact
    assert 50 <= b[0]["expires"] <= 60
    assert b[0]["socket"] == "udp:127.0.0.1:%d" % pbx.ports["udp"]
    assert b[0]["user_agent"].startswith("sipsak")
    regs = [m for m in pbx.messages(since=mark) if m["method"] == "REGISTER"]
    assert [m["auth"] for m in regs if m["type"] == "request"][:2] == [False, True]
    assert all(m["proto"] == "udp" and m["via_transport"] == "udp" for m in regs)
    # when each message arrived: wall clock, in order, within this test
    times = [m["time"] for m in regs]
    assert times == sorted(times) and abs(times[0] - time.time()) < 60
    # remove it again (Expires: 0)
    res = sipsak("-U", "-C", contact, "-x", "0", "-a", "secret101", "-u", "101",
                 "-s", "sip:101@127.0.0.1:%d" % pbx.ports["udp"])
    pbx.wait_for_bindings("101", 0, timeout=5)


def test_sipsak_wrong_password(pbx):
    contact = "sip:102@127.0.0.1:%d" % free_port(socket.SOCK_DGRAM)
    res = sipsak("-U", "-C", contact, "-x", "60", "-a", "wrong", "-u", "102",
                 "-s", "sip:102@127.0.0.1:%d" % pbx.ports["udp"])
    assert res.returncode != 0
    assert "authorization failed" in res.stdout or "401" in res.stdout
    assert pbx.bindings("102") == []


# ---------------------------------------------------------------------------
# raw TCP / TLS


def test_tcp_unauthenticated_register_gets_401(pbx):
    with socket.create_connection(("127.0.0.1", pbx.ports["tcp"]), timeout=5) as s:
        lh, lp = s.getsockname()
        s.sendall(unauth_register(None, pbx.ports["tcp"], "tcp", "%s:%d" % (lh, lp)).encode())
        data = b""
        deadline = time.monotonic() + 5
        while b"\r\n\r\n" not in data and time.monotonic() < deadline:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    text = data.decode()
    assert text.startswith("SIP/2.0 401 "), text
    assert re.search(r'(?im)^WWW-Authenticate:\s*Digest .*realm="pbx\.test"', text), text
    m = pbx.wait_for_message(lambda m: m["method"] == "REGISTER" and m["proto"] == "tcp"
                             and m["src"] == "%s:%d" % (lh, lp), timeout=5)
    assert m["auth"] is False and m["via_transport"] == "tcp"


@pytest.mark.parametrize("transport", ["udp", "tcp", "tls", "ws", "wss"])
def test_register_every_transport(pbx, transport):
    user = {"udp": "111", "tcp": "112", "tls": "113", "ws": "114", "wss": "115"}[transport]
    mark = pbx.mark()
    with SipClient(pbx, transport, user) as c:
        r = c.register(expires=30)
        assert r.status == 200, r.raw
        b = pbx.wait_for_bindings(user, 1, timeout=5)
        assert b[0]["socket"].startswith(("tls:" if transport in ("tls", "wss") else
                                          "udp:" if transport == "udp" else "tcp:"))
        assert b[0]["received"] and "127.0.0.1:%d" % c.tp.local[1] in b[0]["received"]
        msgs = [m for m in pbx.messages(since=mark) if m["method"] == "REGISTER"
                and m["from"] == user]
        assert [m["auth"] for m in msgs] == [False, True]
        assert {m["proto"] for m in msgs} == {transport}
        assert {m["via_transport"] for m in msgs} == {transport}
        assert "sip:%s@" % user in msgs[0]["contact"]
        r = c.register(expires=0)
        assert r.status == 200
        pbx.wait_for_bindings(user, 0, timeout=5)


def test_unregister_removes_only_one_contact(pbx):
    with SipClient(pbx, "tcp", "120") as a, SipClient(pbx, "udp", "120") as b:
        assert a.register(expires=10).status == 200
        assert b.register(expires=300).status == 200
        binds = pbx.wait_for_bindings("120", 2, timeout=5)
        assert sorted(x["expires"] <= 10 for x in binds) == [False, True]
        # ;expires=0 on the contact
        a.contact = a.contact + ";expires=0"
        final, _ = a.request("REGISTER", a.proxy_uri, "sip:120@pbx.test")
        assert final.status == 200
        left = pbx.wait_for_bindings("sip:120@pbx.test", 1, timeout=5)
        assert left[0]["socket"].startswith("udp:")
        assert b.register(expires=0).status == 200
        pbx.wait_for_bindings("120", 0, timeout=5)


def test_short_expiry_allowed_and_expires(pbx):
    with SipClient(pbx, "udp", "121") as c:
        r = c.register(expires=5)
        assert r.status == 200
        assert pbx.wait_for_bindings("121", 1, timeout=5)
        # the registrar drops it once expired (timer runs every 5 s)
        pbx.wait_for_bindings("121", 0, timeout=15)


def test_scale_user_registers(pbx):
    with SipClient(pbx, "tcp", "1999") as c:
        assert c.register(expires=30).status == 200
        assert c.register(expires=0).status == 200


def test_unknown_user_cannot_register(pbx):
    with SipClient(pbx, "udp", "2000", password="secret2000") as c:
        r = c.register()
        assert r.status in (401, 403)


# ---------------------------------------------------------------------------
# WebSocket


def test_ws_raw_register_401_and_refused_path(pbx):
    t = Transport("ws", "127.0.0.1", pbx.ports["ws"])
    try:
        assert "sec-websocket-protocol: sip" in t.ws_response.lower()
        via_host = "abc.invalid"
        t.send(unauth_register(None, pbx.ports["ws"], "ws", via_host))
        r = t.recv(5)
        assert r.status == 401
        assert 'realm="pbx.test"' in r.get("www-authenticate")
    finally:
        t.close()
    with pytest.raises(WsError) as ei:
        Transport("ws", "127.0.0.1", pbx.ports["ws"], ws_path="/nope")
    assert ei.value.status == 404
    # no upgrades on the plain SIP TCP port
    with pytest.raises(WsError) as ei:
        Transport("ws", "127.0.0.1", pbx.ports["tcp"])
    assert ei.value.status in (403, 404)


@pytest.mark.skipif(websockets is None, reason="python3-websockets missing")
def test_websockets_library(pbx):
    async def register(uri, ssl_ctx=None):
        async with websockets.connect(uri, subprotocols=["sip"], ssl=ssl_ctx,
                                      open_timeout=5, close_timeout=2) as ws:
            assert ws.subprotocol == "sip"
            await ws.send(unauth_register(None, 0, "wss" if ssl_ctx else "ws", "x.invalid"))
            return await asyncio.wait_for(ws.recv(), 5)

    async def status_of(uri, ssl_ctx=None):
        try:
            async with websockets.connect(uri, subprotocols=["sip"], ssl=ssl_ctx, open_timeout=5):
                return 101
        except websockets.exceptions.InvalidStatusCode as e:
            return e.status_code

    mark = pbx.mark()
    reply = asyncio.run(register(pbx.url("ws")))
    assert reply.startswith("SIP/2.0 401")
    assert 'realm="pbx.test"' in reply
    m = pbx.wait_for_message(lambda m: m["method"] == "REGISTER" and m["proto"] == "ws",
                             timeout=5, since=mark)
    assert m["via_transport"] == "ws" and m["auth"] is False

    assert asyncio.run(status_of("ws://127.0.0.1:%d/nope" % pbx.ports["ws"])) == 404

    ctx = ssl.create_default_context(cafile=pbx.ca_file)
    reply = asyncio.run(register(pbx.url("wss"), ctx))
    assert reply.startswith("SIP/2.0 401")
    pbx.wait_for_message(lambda m: m["method"] == "REGISTER" and m["proto"] == "wss",
                         timeout=5, since=mark)
    # the same with 127.0.0.1 (IP SAN)
    reply = asyncio.run(register("wss://127.0.0.1:%d/ws" % pbx.ports["wss"], ctx))
    assert reply.startswith("SIP/2.0 401")

    with pytest.raises(ssl.SSLCertVerificationError):
        asyncio.run(register(pbx.url("wss"), ssl.create_default_context()))


def test_ws_without_sip_subprotocol_refused(pbx):
    with pytest.raises(WsError) as ei:
        Transport("ws", "127.0.0.1", pbx.ports["ws"], ws_protocol=None)
    assert ei.value.status >= 400


# ---------------------------------------------------------------------------
# calls


def invite(c, target, timeout=10, extra=()):
    return c.request("INVITE", "sip:%s@pbx.test" % target, "sip:%s@pbx.test" % target,
                     ["Content-Type: application/sdp"] + list(extra), SDP, timeout=timeout)


@pytest.mark.parametrize("ext,status", [("486", 486), ("404", 404), ("199", 480), ("250", 404)])
def test_test_extensions_and_unavailable(pbx, ext, status):
    with SipClient(pbx, "udp", "130") as c:
        final, replies = invite(c, ext)
        assert final.status == status, final.raw
        c.send_ack(final, "sip:%s@pbx.test" % ext, "sip:%s@pbx.test" % ext)
    # first attempt was challenged with 407
    assert replies[0].status == 407
    assert 'realm="pbx.test"' in replies[0].get("proxy-authenticate")


def test_invite_unauthenticated_gets_407(pbx):
    with SipClient(pbx, "tcp", "131") as c:
        final, _ = invite(c, "486", extra=()) if False else (None, None)
        c.tp.send(c.build("INVITE", "sip:486@pbx.test", "sip:486@pbx.test",
                          ["Content-Type: application/sdp"], SDP))
        r = c.tp.recv(5)
        assert r.status == 407


def test_180_then_cancel_gives_487(pbx):
    with SipClient(pbx, "tcp", "132") as c:
        msg_invite = None
        c.tp.send(c.build("INVITE", "sip:180@pbx.test", "sip:180@pbx.test",
                          ["Content-Type: application/sdp"], SDP))
        r = c.tp.recv(5)
        assert r.status == 407
        c.send_ack(r, "sip:180@pbx.test", "sip:180@pbx.test")
        from sipclient import digest_header
        cred = digest_header(r.get("proxy-authenticate"), "INVITE", "sip:180@pbx.test", "132",
                             "secret132")
        branch = "z9hG4bK" + uuid.uuid4().hex
        msg_invite = c.build("INVITE", "sip:180@pbx.test", "sip:180@pbx.test",
                             ["Content-Type: application/sdp", "Proxy-Authorization: " + cred],
                             SDP, branch=branch)
        c.tp.send(msg_invite)
        ringing = None
        deadline = time.monotonic() + 5
        while ringing is None:
            r = c.tp.recv(max(0.01, deadline - time.monotonic()))
            assert r.status < 200, r.raw
            if r.status == 180:
                ringing = r
        # no final answer for a while
        with pytest.raises(socket.timeout):
            while True:
                r = c.tp.recv(1.0)
                assert r.status < 200
        cancel = ("CANCEL sip:180@pbx.test SIP/2.0\r\nVia: %s\r\nMax-Forwards: 70\r\n"
                  "From: <sip:132@pbx.test>;tag=%s\r\nTo: <sip:180@pbx.test>\r\n"
                  "Call-ID: %s\r\nCSeq: %d CANCEL\r\nContent-Length: 0\r\n\r\n"
                  % (c.via(branch), c.tag, c.callid, c.cseq))
        c.tp.send(cancel)
        got = {}
        deadline = time.monotonic() + 5
        while len(got) < 2:
            r = c.tp.recv(max(0.01, deadline - time.monotonic()))
            if r.status >= 200:
                got[r.cseq_method] = r.status
        assert got == {"CANCEL": 200, "INVITE": 487}


def test_408_extension(pbx):
    with SipClient(pbx, "udp", "133") as c:
        t0 = time.monotonic()
        final, replies = invite(c, "408", timeout=15)
        assert final.status == 408
        assert 100 in [r.status for r in replies]
        assert time.monotonic() - t0 >= 2


@pytest.mark.parametrize("caller_tp,callee_tp", [("tcp", "ws"), ("wss", "udp"), ("udp", "tls"),
                                                 ("ws", "wss")])
def test_call_between_registered_users(pbx, caller_tp, callee_tp):
    with SipClient(pbx, callee_tp, "141") as callee, SipClient(pbx, caller_tp, "142") as caller:
        assert callee.register(expires=60).status == 200
        assert caller.register(expires=60).status == 200
        try:
            caller.tp.send(caller.build("INVITE", "sip:141@pbx.test", "sip:141@pbx.test",
                                        ["Content-Type: application/sdp"], SDP))
            r = caller.tp.recv(5)
            assert r.status == 407
            caller.send_ack(r, "sip:141@pbx.test", "sip:141@pbx.test")
            from sipclient import digest_header
            cred = digest_header(r.get("proxy-authenticate"), "INVITE", "sip:141@pbx.test",
                                 "142", "secret142")
            caller.tp.send(caller.build("INVITE", "sip:141@pbx.test", "sip:141@pbx.test",
                                        ["Content-Type: application/sdp",
                                         "Proxy-Authorization: " + cred], SDP))
            inv = callee.wait_request("INVITE", timeout=5)
            assert inv.get("record-route")
            callee.reply(inv, 180, "Ringing", to_tag="callee1")
            callee.reply(inv, 200, "OK", to_tag="callee1",
                         extra=["Content-Type: application/sdp"], body=SDP)
            final = None
            deadline = time.monotonic() + 5
            while final is None:
                r = caller.tp.recv(max(0.01, deadline - time.monotonic()))
                if r.is_reply and r.status >= 200:
                    final = r
            assert final.status == 200
            # route set from Record-Route (reversed), remote target from Contact
            routes = [v for h in final.get_all("record-route") for v in h.split(",")][::-1]
            target = re.search(r"<([^>]+)>", final.get("contact")).group(1)
            to_hdr = final.get("to")

            def indialog(c, method, uri, from_tag, to_h, cseq, route, from_user, to_user):
                lines = ["%s %s SIP/2.0" % (method, uri), "Via: %s" % c.via(),
                         "Max-Forwards: 70"]
                lines += ["Route: %s" % r.strip() for r in route]
                lines += ["From: <sip:%s@pbx.test>;tag=%s" % (from_user, from_tag),
                          "To: %s" % to_h, "Call-ID: %s" % inv.get("call-id"),
                          "CSeq: %d %s" % (cseq, method), "Content-Length: 0"]
                c.tp.send("\r\n".join(lines) + "\r\n\r\n")

            indialog(caller, "ACK", target, caller.tag, to_hdr, caller.cseq, routes, "142", "141")
            ack = callee.wait_request("ACK", timeout=5)
            assert ack.get("call-id") == inv.get("call-id")
            # BYE from the callee back to the caller over the caller's connection
            croutes = [v for h in inv.get_all("record-route") for v in h.split(",")]
            ctarget = re.search(r"<([^>]+)>", inv.get("contact")).group(1)
            indialog(callee, "BYE", ctarget, "callee1", "<sip:142@pbx.test>;tag=%s" % caller.tag,
                     1, croutes, "141", "142")
            bye = caller.wait_request("BYE", timeout=5)
            caller.reply(bye, 200, "OK")
            r = callee.tp.recv(5)
            assert r.is_reply and r.status == 200 and r.cseq_method == "BYE"
        finally:
            callee.register(expires=0)
            caller.register(expires=0)


# ---------------------------------------------------------------------------
# fault servers and CLI


def test_silent_tcp_server():
    with SilentTcpServer() as srv:
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=2)
        try:
            s.sendall(b"OPTIONS sip:x SIP/2.0\r\n\r\n")
            s.settimeout(0.5)
            with pytest.raises(socket.timeout):
                s.recv(10)
        finally:
            s.close()
        assert srv.connections == 1


def test_http_reject_server():
    with HttpRejectServer(status=404) as srv:
        with pytest.raises(WsError) as ei:
            Transport("ws", "127.0.0.1", srv.port)
        assert ei.value.status == 404
        assert "upgrade: websocket" in srv.requests[0].lower()
    with HttpRejectServer(status=503) as srv:
        with pytest.raises(WsError) as ei:
            Transport("ws", "127.0.0.1", srv.port)
        assert ei.value.status == 503


def test_free_port():
    p = free_port()
    assert 1024 < p < 65536
    with socket.socket() as s:
        s.bind(("127.0.0.1", p))


def test_stop_is_idempotent_and_kills_processes(monkeypatch):
    monkeypatch.delenv("TESTPBX_KEEP", raising=False)
    p = TestPbx()
    p.start()
    pid = p.pid
    rundir = p.rundir
    assert testpbx._pids_in_group(pid)
    p.stop()
    p.stop()
    assert not testpbx._pids_in_group(pid)
    assert not os.path.exists(rundir)


def test_restart_keeps_ports_and_message_log(monkeypatch):
    """halt()/start_again(): the same PBX comes back on the same ports with an
    empty registrar; the message log runs on across the gap."""
    monkeypatch.delenv("TESTPBX_KEEP", raising=False)
    with TestPbx() as p:
        ports = dict(p.ports)
        contact = "sip:107@127.0.0.1:%d" % free_port(socket.SOCK_DGRAM)
        register = ["-U", "-C", contact, "-x", "60", "-a", "secret107", "-u", "107",
                    "-s", "sip:107@127.0.0.1:%d" % p.ports["udp"]]
        assert sipsak(*register).returncode == 0
        p.wait_for_bindings("107", 1, timeout=5)
        before = p.mark()
        old_pid = p.pid
        p.halt()
        assert not p.running() and not testpbx._pids_in_group(old_pid)
        with pytest.raises(testpbx.PbxError):
            p.halt()
        p.start_again()
        assert p.running() and p.pid != old_pid and p.ports == ports
        assert p.bindings("107") == []
        assert sipsak(*register).returncode == 0
        p.wait_for_bindings("107", 1, timeout=5)
        assert p.mark() > before
        assert [m["method"] for m in p.messages()[:before]].count("REGISTER") >= 2
        for t in ("tcp", "tls", "ws", "wss"):
            socket.create_connection(("127.0.0.1", p.ports[t]), timeout=2).close()
        with pytest.raises(testpbx.PbxError):
            p.start_again()


def _echo_server():
    """A TCP echo server on 127.0.0.1 (for the proxy's self-test)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)

    def serve():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=echo, args=(conn,), daemon=True).start()

    def echo(conn):
        with conn:
            while True:
                try:
                    data = conn.recv(4096)
                except OSError:
                    return
                if not data:
                    return
                conn.sendall(data)

    threading.Thread(target=serve, daemon=True).start()
    return srv


def test_tcp_proxy_relays_cuts_freezes_and_refuses():
    from tcp_proxy import TcpProxy
    srv = _echo_server()
    try:
        with TcpProxy(srv.getsockname()[1]) as proxy:
            a = socket.create_connection(("127.0.0.1", proxy.port), timeout=2)
            a.sendall(b"ping")
            assert a.recv(16) == b"ping"
            assert proxy.cut() == 1
            assert a.recv(16) == b""  # closed, not left hanging
            b = socket.create_connection(("127.0.0.1", proxy.port), timeout=2)
            b.sendall(b"again")
            assert b.recv(16) == b"again"
            assert proxy.freeze() == 1
            b.sendall(b"lost")
            b.settimeout(0.5)
            with pytest.raises(socket.timeout):
                b.recv(16)  # silence, and the connection stays open
            c = socket.create_connection(("127.0.0.1", proxy.port), timeout=2)
            c.sendall(b"new")
            assert c.recv(16) == b"new"  # only the old connections froze
            proxy.refuse(True)
            d = socket.create_connection(("127.0.0.1", proxy.port), timeout=2)
            assert d.recv(16) == b""
            assert proxy.accepted == 4
            for s in (a, b, c, d):
                s.close()
    finally:
        srv.close()


def _env():
    env = dict(os.environ)
    env.pop("TESTPBX_KEEP", None)
    return env


def test_cli_prints_json_and_stops_on_sigterm():
    proc = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "testpbx.py")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env())
    try:
        line = proc.stdout.readline()
        info = json.loads(line)
        assert info["domain"] == "pbx.test"
        assert info["users"]["101"] == "secret101" and len(info["users"]) == 5
        assert info["urls"]["ws"] == "ws://127.0.0.1:%d/ws" % info["ports"]["ws"]
        kpid = info["pid"]
        with socket.create_connection(("127.0.0.1", info["ports"]["tcp"]), timeout=2):
            pass
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
        assert not testpbx._pids_in_group(kpid)
        assert not os.path.exists(info["rundir"])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)


def test_cli_duration():
    res = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "testpbx.py"), "--duration", "1"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=40,
                         env=_env())
    assert res.returncode == 0, res.stderr
    info = json.loads(res.stdout.splitlines()[0])
    assert not testpbx._pids_in_group(info["pid"])


def test_kamailio_dies_with_killed_parent():
    """Even if the Python process is SIGKILLed, Kamailio does not outlive it."""
    proc = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "testpbx.py")],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=_env())
    try:
        info = json.loads(proc.stdout.readline())
        kpid = info["pid"]
        assert testpbx._pids_in_group(kpid)
        proc.kill()
        proc.wait(5)
        testpbx.wait_until(lambda: not testpbx._pids_in_group(kpid), 15, what="kamailio exit")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        import shutil
        if "info" in locals():
            shutil.rmtree(info["rundir"], ignore_errors=True)


def test_user_agent_logged_in_full(pbx):
    mark = pbx.mark()
    with SipClient(pbx, "tcp", "150") as c:
        c.tp.send(c.build("OPTIONS", "sip:pbx.test", "sip:pbx.test",
                          ["User-Agent: sip-call 0.1 (test build)"]))
        r = c.tp.recv(5)
        assert r.status == 200
    m = pbx.wait_for_message(lambda m: m["method"] == "OPTIONS" and m["from"] == "150",
                             timeout=5, since=mark)
    assert "sip-call 0.1 (test build)" in m["ua"] or m["ua"] == "testpbx-sipclient"


@pytest.mark.parametrize("caller_tp,callee_tp", [("udp", "ws"), ("wss", "tcp")])
def test_cancel_relayed_to_ringing_callee(pbx, caller_tp, callee_tp):
    from sipclient import digest_header
    with SipClient(pbx, callee_tp, "161") as callee, SipClient(pbx, caller_tp, "162") as caller:
        assert callee.register(expires=60).status == 200
        try:
            uri = "sip:161@pbx.test"
            caller.tp.send(caller.build("INVITE", uri, uri, ["Content-Type: application/sdp"], SDP))
            r = caller.tp.recv(5)
            assert r.status == 407
            caller.send_ack(r, uri, uri)
            cred = digest_header(r.get("proxy-authenticate"), "INVITE", uri, "162", "secret162")
            branch = "z9hG4bK" + uuid.uuid4().hex
            caller.tp.send(caller.build("INVITE", uri, uri, ["Content-Type: application/sdp",
                                                             "Proxy-Authorization: " + cred],
                                        SDP, branch=branch))
            inv = callee.wait_request("INVITE", timeout=5)
            callee.reply(inv, 180, "Ringing", to_tag="ring1")
            deadline = time.monotonic() + 5
            while True:
                r = caller.tp.recv(max(0.01, deadline - time.monotonic()))
                if r.status == 180:
                    break
            caller.tp.send("CANCEL %s SIP/2.0\r\nVia: %s\r\nMax-Forwards: 70\r\n"
                           "From: <sip:162@pbx.test>;tag=%s\r\nTo: <%s>\r\nCall-ID: %s\r\n"
                           "CSeq: %d CANCEL\r\nContent-Length: 0\r\n\r\n"
                           % (uri, caller.via(branch), caller.tag, uri, caller.callid, caller.cseq))
            cancel = callee.wait_request("CANCEL", timeout=5)
            callee.reply(cancel, 200, "OK")
            callee.reply(inv, 487, "Request Terminated", to_tag="ring1")
            got = {}
            deadline = time.monotonic() + 5
            while len(got) < 2:
                r = caller.tp.recv(max(0.01, deadline - time.monotonic()))
                if r.status >= 200:
                    got[r.cseq_method] = r.status
            assert got == {"CANCEL": 200, "INVITE": 487}
            ack = callee.wait_request("ACK", timeout=5)  # hop-by-hop ACK for the 487
            assert ack.get("call-id") == inv.get("call-id")
        finally:
            callee.register(expires=0)


def test_concurrent_wss_and_tcp_registrations(pbx):
    """Many parallel TLS handshakes (the tls module must not break) and
    scale-range users."""
    from concurrent.futures import ThreadPoolExecutor

    def reg(i):
        tp = "wss" if i % 2 else "tcp"
        try:
            with SipClient(pbx, tp, str(1000 + i)) as c:
                s1 = c.register(expires=60).status
                n = len(pbx.bindings(str(1000 + i)))
                s2 = c.register(expires=0).status
                return (s1, n, s2)
        except Exception as e:  # report, don't raise in the pool
            return repr(e)

    with ThreadPoolExecutor(24) as ex:
        res = list(ex.map(reg, range(120)))
    bad = [(i, r) for i, r in enumerate(res) if r != (200, 1, 200)]
    assert not bad, bad[:5]
    assert "freeing already freed" not in pbx.log_text()
