"""register --keep and answer stay registered through faults: the PBX stops and
comes back on the same ports, a connection is cut or goes silent, a refresh
fails over UDP. What a user sees: the event lines, the exit status, the
PBX's log of REGISTERs and its bindings."""

import contextlib
import json
import os
import signal
import sys
import time

import pytest

from sipcall import Running, account_args, run

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "pbx"))
from tcp_proxy import TcpProxy  # noqa: E402

# Users of their own: test_register uses 110-169, test_call 150/151, and
# 180 is the PBX's always-ringing test extension.
USERS = iter([*range(170, 180), *range(190, 200)])


def registers_for(pbx, user, since=0):
    return [m for m in pbx.messages(since=since)
            if m.get("type") == "request" and m.get("method") == "REGISTER" and m.get("from") == user]


@contextlib.contextmanager
def explained(p, pbx):
    """On a failure, adds what sip-call said on stderr and the PBX's log."""
    try:
        yield
    except AssertionError as e:
        if p.proc.poll() is None:
            p.proc.kill()
        raise AssertionError(f"{e}\n--- sip-call stderr:\n{p.proc.stderr.read()}\n"
                             f"--- PBX log:\n{pbx.log_tail(30)}") from None


def keep(pbx, transport, user, extra=(), url=None, global_args=()):
    """register --keep --json, running and registered."""
    args = account_args(pbx, transport, user, ["--json", *global_args, "register", "--keep", *extra])
    if url:
        args[1] = url
    p = Running(args, password=pbx.password(user))
    p.wait_for_json(lambda o: o.get("event") == "registered")
    return p


def event(name, **fields):
    return lambda o: o.get("event") == name and all(o.get(k) == v for k, v in fields.items())


def timed_wait(p, predicate, timeout):
    """The matching event line and the seconds it took to arrive."""
    t0 = time.monotonic()
    line = p.wait_for_json(predicate, timeout=timeout)
    return line, time.monotonic() - t0


def count(p, name):
    return sum(1 for o in p.lines if o.get("event") == name)


def wait_count(p, name, n, timeout):
    """Until the n-th `name` event line has arrived."""
    p.wait_for_json(lambda _: count(p, name) >= n, timeout=timeout)


def stop_ok(p, pbx, user):
    """SIGTERM: the binding is removed and the run ends well."""
    assert p.stop(signal.SIGTERM) == 0, p.stderr
    report = p.lines[-1]
    assert report["result"] == "ok" and report["unregistered"] is True, report
    assert pbx.bindings(user) == []
    return report


@pytest.mark.parametrize("transport", ["tcp", "tls", "ws"])
def test_pbx_restart_registers_again_with_backoff(fresh_pbx, transport):
    pbx, user = fresh_pbx, str(next(USERS))
    with keep(pbx, transport, user, ["--expires", "60"]) as p, explained(p, pbx):
        pbx.halt()
        lost, took = timed_wait(p, event("connection_lost"), 5)
        assert took < 2, f"noticed only after {took:.1f} s"
        first = p.wait_for_json(event("reconnecting", attempt=1), timeout=5)
        second = p.wait_for_json(event("reconnecting", attempt=2), timeout=5)
        # Capped exponential backoff: 1 s, then 2 s, each less up to 10 % jitter.
        assert 900 <= first["in_ms"] <= 1000 and 1800 <= second["in_ms"] <= 2000, (first, second)
        assert "cannot reach" in second["error"]
        mark = pbx.mark()
        pbx.start_again()
        back, took = timed_wait(p, event("registered", reconnected=True), 10)
        assert back["status"] == 200 and back["attempts"] >= 2 and back["down_ms"] > 2500, back
        assert took <= 8, f"registered {took:.1f} s after the PBX was back"
        assert len(pbx.wait_for_bindings(user, 1)) == 1
        # The new PBX challenged us and the authenticated REGISTER got through.
        assert [m["auth"] for m in registers_for(pbx, user, mark)] == [False, True]
        report = stop_ok(p, pbx, user)
    assert report["reconnects"] == 1
    # Every line and event names the account (several may share a process).
    assert f"connection of {user} to " in p.stderr and f"{user}: reconnecting in" in p.stderr, p.stderr
    assert " lost (" in p.stderr and "s (attempt 1): register" in p.stderr, p.stderr
    assert f"registered {user} again after" in p.stderr
    assert all(e["user"] == user for e in (lost, first, second, back)), (lost, first, second, back)


def test_udp_failed_refresh_is_retried_until_the_pbx_is_back(fresh_pbx):
    pbx, user = fresh_pbx, str(next(USERS))
    with keep(pbx, "udp", user, ["--expires", "5"]) as p, explained(p, pbx):
        pbx.halt()
        # The next refresh (due 1-4 s after the last) meets a closed port.
        lost = p.wait_for_json(event("registration_lost"), timeout=10)
        assert lost["status"] == 503 and "cannot reach" in lost["error"], lost
        p.wait_for_json(event("reconnecting", attempt=1), timeout=2)
        pbx.start_again()
        back = p.wait_for_json(event("registered", reconnected=True), timeout=10)
        assert back["expires"] == 5
        pbx.wait_for_bindings(user, 1)
        # nua refreshes the new binding as before.
        wait_count(p, "refreshed", count(p, "refreshed") + 1, timeout=10)
        report = stop_ok(p, pbx, user)
    assert report["reconnects"] == 1


@pytest.mark.parametrize("transport", ["tcp", "tls", "wss"])
def test_cut_connection_registers_again_at_once(pbx, transport):
    user = str(next(USERS))
    with TcpProxy(pbx.ports[transport]) as proxy:
        with keep(pbx, transport, user, url=proxy.url(pbx, transport)) as p:
            before = pbx.wait_for_bindings(user, 1)[0]["received"]
            assert proxy.cut() == 1
            lost, took_lost = timed_wait(p, event("connection_lost"), 5)
            back, took_back = timed_wait(p, event("registered", reconnected=True), 5)
            assert took_lost < 1 and took_back < 1, (took_lost, took_back)
            assert back["attempts"] == 0
            # One binding, now on the new connection.
            after = pbx.wait_for_bindings(user, 1)[0]["received"]
            assert after != before
            stop_ok(p, pbx, user)


@pytest.mark.parametrize("transport", ["tcp", "tls", "wss"])
def test_silent_connection_is_noticed_by_keepalive(pbx, transport):
    """The connection stays open but nothing comes back (a dead path, a hung
    server): the keepalive notices within --keepalive plus as long again."""
    user = str(next(USERS))
    with TcpProxy(pbx.ports[transport]) as proxy:
        with keep(pbx, transport, user, url=proxy.url(pbx, transport), global_args=["--keepalive", "1"]) as p:
            # Pings are answered while the path works.
            time.sleep(2.5)  # the condition is the absence of an event for a while
            assert not [o for o in p.lines if o.get("event") == "connection_lost"]
            proxy.freeze()
            lost, took = timed_wait(p, event("connection_lost"), 5)
            assert "keepalive" in lost["reason"], lost
            assert took <= 2.5, f"noticed after {took:.1f} s"
            p.wait_for_json(event("registered", reconnected=True), timeout=5)
            pbx.wait_for_bindings(user, 1)
            stop_ok(p, pbx, user)


def test_refreshes_hold_the_binding_over_many_expiries(pbx):
    """A 5 s binding (the PBX's minimum) is refreshed in time, again and
    again: it never disappears, and the keepalive never cries wolf."""
    user = str(next(USERS))
    mark = pbx.mark()
    with keep(pbx, "ws", user, ["--expires", "5"], global_args=["--keepalive", "1"]) as p:
        started = time.monotonic()
        while count(p, "refreshed") < 4:
            assert time.monotonic() - started < 20, "refreshes stopped"
            bindings = pbx.bindings(user)
            assert bindings and bindings[0]["expires"] > 0, f"the binding expired: {bindings}"
            p.read_for(0.2)
        assert time.monotonic() - started > 5, "four refreshes came faster than one expiry"
        assert not [o for o in p.lines if o.get("event") in ("connection_lost", "registration_lost")]
        report = stop_ok(p, pbx, user)
    assert report["refreshes"] >= 4 and report["reconnects"] == 0
    sent = registers_for(pbx, user, mark)
    # challenge + first, >= 4 refreshes (nua reuses the nonce), the un-REGISTER
    assert len([m for m in sent if m["auth"]]) >= 6, sent
    assert all(m["callid"] == sent[0]["callid"] for m in sent)


def test_answer_takes_a_call_after_the_pbx_restarted(fresh_pbx):
    pbx = fresh_pbx
    callee, caller = str(next(USERS)), str(next(USERS))
    args = account_args(pbx, "ws", callee, ["--json", "answer", "--calls", "1", "--echo", "--no-playback"])
    with Running(args, password=pbx.password(callee)) as answer:
        answer.wait_for_json(event("registered"))
        pbx.restart()
        answer.wait_for_json(event("registered", reconnected=True), timeout=10)
        pbx.wait_for_bindings(callee, 1)
        r = run(account_args(pbx, "udp", caller, ["--json", "dial", callee, "--duration", "1s", "--tone", "700",
                                                  "--no-playback"]),
                password=pbx.password(caller), timeout=30)
        assert r.code == 0, r
        out, err = answer.proc.communicate(timeout=20)
    assert answer.proc.returncode == 0, err
    report = json.loads((answer._partial.decode() + out).splitlines()[-1])
    assert report["calls_answered"] == 1 and report["reconnects"] == 1, report
    assert report["calls"][0]["result"] == "ok", report


def test_signal_while_reconnecting_exits_promptly(pbx):
    user = str(next(USERS))
    with TcpProxy(pbx.ports["tcp"]) as proxy:
        with keep(pbx, "tcp", user, url=proxy.url(pbx, "tcp")) as p:
            proxy.refuse(True)
            proxy.cut()
            p.wait_for_json(event("reconnecting", attempt=1), timeout=5)
            t0 = time.monotonic()
            code = p.stop(signal.SIGINT)
            took = time.monotonic() - t0
    assert took < 1.5, f"took {took:.1f} s to stop"
    # Not registered at the end: the last failure is the outcome.
    assert code == 4, p.stderr
    report = p.lines[-1]
    assert report["exit_reason"] == "network" and "stopped while reconnecting" in report["error"], report
    assert "unregistered" not in report


def test_second_signal_exits_at_once(pbx):
    """The first signal waits (up to --timeout) for the un-REGISTER, which a
    silent server never answers; a second one ends the run at once."""
    user = str(next(USERS))
    with TcpProxy(pbx.ports["tcp"]) as proxy:
        with keep(pbx, "tcp", user, url=proxy.url(pbx, "tcp"), global_args=["--keepalive", "0"]) as p:
            proxy.freeze()
            p.proc.send_signal(signal.SIGTERM)
            # Nothing to await: the un-REGISTER that the first signal sends
            # vanishes into the frozen connection. A moment lets it go out;
            # stderr shows afterwards that it did.
            time.sleep(0.3)
            assert p.proc.poll() is None
            t0 = time.monotonic()
            p.proc.send_signal(signal.SIGTERM)
            p.proc.wait(timeout=5)
            took = time.monotonic() - t0
            assert p.proc.returncode == 130
            stderr = p.proc.stderr.read()
            assert f"unregistering {user}" in stderr and "second signal" in stderr, stderr
    assert took < 0.5, f"took {took:.2f} s"
