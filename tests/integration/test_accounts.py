"""sip-call register --accounts FILE: many registrations from one process
over one connection, against the real Kamailio test PBX."""

import json
import os
import signal
import subprocess
import sys

import pytest

from sipcall import BIN, Running, env_with_password, run

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "pbx"))
from tcp_proxy import TcpProxy  # noqa: E402

ACCOUNTS = 50


def accounts_file(tmp_path, pbx, users, wrong=()):
    lines = ["# extension password", ""]
    lines += [f"{u} {'wrong' + u if u in wrong else pbx.password(u)}" for u in users]
    path = tmp_path / "accounts.txt"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def server_args(pbx, transport):
    return ["--server", pbx.url(transport), "--domain", pbx.domain, "--ca-file", pbx.ca_file]


@pytest.mark.parametrize("transport,first", [("ws", 1000), ("udp", 1050)])
def test_all_accounts_register_over_one_connection_and_are_held(pbx, tmp_path, transport, first):
    users = [str(first + k) for k in range(ACCOUNTS)]
    path = accounts_file(tmp_path, pbx, users)
    mark = pbx.mark()
    args = server_args(pbx, transport) + ["--json", "register", "--accounts", path, "--keep", "--expires", "60"]
    with Running(args) as p:
        summary = p.wait_for_json(lambda o: o.get("event") == "summary", timeout=30)
        assert summary["registered"] == ACCOUNTS and summary["total"] == ACCOUNTS
        for u in users:
            assert len(pbx.bindings(u)) == 1, u
        assert p.stop(signal.SIGTERM) == 0
        report = p.lines[-1]
    assert report["result"] == "ok"
    assert report["registered"] == ACCOUNTS and report["failed"] == 0 and report["unregistered"] == ACCOUNTS
    assert report["timings"]["all_registered_ms"] >= 0
    assert [a["user"] for a in report["accounts"]] == users
    assert all(a["status"] == 200 and a["exit_code"] == 0 and a["register_ms"] >= 0 for a in report["accounts"])
    for u in users:
        assert pbx.bindings(u) == [], u
    registers = [m for m in pbx.messages(since=mark) if m.get("type") == "request" and m.get("method") == "REGISTER"
                 and m.get("from") in users]
    # one connection (one source address) for all of them
    assert len({m["src"] for m in registers}) == 1
    assert all(m["proto"] == transport for m in registers)
    # each account's own Contact user
    assert all(f"sip:{m['from']}@" in m["contact"] for m in registers if m["contact"] not in ("", "*"))


def test_a_wrong_password_fails_only_its_account(pbx, tmp_path):
    users = [str(1100 + k) for k in range(ACCOUNTS)]
    path = accounts_file(tmp_path, pbx, users, wrong={"1107"})
    r = run(server_args(pbx, "udp") + ["--json", "register", "--accounts", path])
    assert r.code == 3, r
    assert f"{ACCOUNTS - 1} of {ACCOUNTS} registered in " in r.stderr
    assert "register 1107 failed: 401" in r.stderr
    report = r.report()
    assert report["exit_code"] == 3 and report["failed"] == 1 and report["registered"] == ACCOUNTS - 1
    rows = {a["user"]: a for a in report["accounts"]}
    assert rows["1107"]["exit_code"] == 3 and rows["1107"]["status"] == 401
    assert all(a["exit_code"] == 0 for u, a in rows.items() if u != "1107")
    assert all(pbx.bindings(u) == [] for u in users)


def test_accounts_from_stdin(pbx):
    users = ["1150", "1151", "1152"]
    text = "".join(f"{u}\t{pbx.password(u)}\n" for u in users)
    proc = subprocess.run([BIN] + server_args(pbx, "tcp") + ["register", "--accounts", "-"], input=text,
                          capture_output=True, text=True, timeout=30, env=env_with_password(None))
    assert proc.returncode == 0, proc.stderr
    assert "3 of 3 registered in " in proc.stderr


@pytest.mark.parametrize("content,line,what", [
    ("1160 secret1160\n\n1161 a b c\n", 3, "found 4 fields"),
    ("1160 secret1160\n1160 secret1160\n", 2, "listed twice"),
    ("# nothing\n1160@x secret\n", 2, "invalid extension"),
])
def test_format_errors_name_the_line(pbx, tmp_path, content, line, what):
    path = tmp_path / "bad.txt"
    path.write_text(content)
    r = run(server_args(pbx, "udp") + ["--json", "register", "--accounts", str(path)])
    assert r.code == 2, r
    assert f"line {line}: " in r.stderr and what in r.stderr
    assert r.report()["exit_code"] == 2
    assert pbx.bindings("1160") == []


def test_empty_file_and_conflicting_flags_are_usage_errors(pbx, tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("# no accounts\n\n")
    r = run(server_args(pbx, "udp") + ["register", "--accounts", str(path)])
    assert r.code == 2 and "lists no account" in r.stderr, r
    r = run(server_args(pbx, "udp") + ["--user", "1160", "register", "--accounts", str(path)])
    assert r.code == 2 and "--accounts excludes --user" in r.stderr, r


def test_a_cut_connection_is_reported_and_mended_for_each_account(pbx, tmp_path):
    """All accounts share one connection: when it is cut, each account's
    lines and events say which account they are about."""
    users = ["1170", "1171", "1172"]
    path = accounts_file(tmp_path, pbx, users)
    with TcpProxy(pbx.ports["tcp"]) as proxy:
        args = ["--server", proxy.url(pbx, "tcp"), "--domain", pbx.domain, "--json", "register", "--accounts", path,
                "--keep", "--expires", "60"]
        with Running(args) as p:
            p.wait_for_json(lambda o: o.get("event") == "summary", timeout=30)
            assert proxy.cut() == 1
            for u in users:
                p.wait_for_json(lambda o, u=u: o.get("event") == "registered" and o.get("reconnected")
                                and o.get("user") == u, timeout=10)
            lost = {o["user"] for o in p.lines if o.get("event") == "connection_lost"}
            assert lost == set(users), p.lines
            for u in users:
                assert len(pbx.wait_for_bindings(u, 1)) == 1, u
            assert p.stop(signal.SIGTERM) == 0
    for u in users:
        assert f"connection of {u} to " in p.stderr and f"registered {u} again after" in p.stderr, p.stderr
    assert p.lines[-1]["unregistered"] == len(users)


def test_a_latin1_byte_in_the_accounts_file_still_gives_a_strict_utf8_json_report(pbx, tmp_path):
    """Strings from outside go into the report as they are; a byte that is not
    UTF-8 (here a Latin-1 e-acute) becomes U+FFFD so that strict parsers
    accept the report."""
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"1180 secret1180\n118\xe9 secret\n")
    proc = subprocess.run([BIN] + server_args(pbx, "udp") + ["--json", "register", "--accounts", str(path)],
                          capture_output=True, timeout=30, env=env_with_password(None), stdin=subprocess.DEVNULL)
    assert proc.returncode == 2, proc
    text = proc.stdout.decode("utf-8", errors="strict")  # raises on a raw Latin-1 byte
    report = json.loads(text.splitlines()[-1])
    assert report["exit_code"] == 2
    assert "invalid extension '118\ufffd'" in report["error"]
