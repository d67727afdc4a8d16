"""SIGINT/SIGTERM at awkward moments: sip-call ends promptly with a clear
line; a second signal ends it at once."""

import signal
import time

from sipcall import Running


def start(url, *command, timeout="30"):
    return Running(["--server", url, "--user", "101", "--domain", "pbx.test", "--timeout", timeout, "--json",
                    *command], password="secret101")


def wait_received(server, needle):
    """Polls the silent server's buffer (it has no event to wait on)."""
    deadline = time.monotonic() + 5
    while not any(needle in d for d in server.received) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert any(needle in d for d in server.received), server.received


def test_sigint_while_connecting_ends_promptly(silent_tcp_server):
    url = "sip:127.0.0.1:%d;transport=tcp" % silent_tcp_server.port
    with start(url, "register") as p:
        wait_received(silent_tcp_server, b"REGISTER")
        t0 = time.monotonic()
        code = p.stop(signal.SIGINT, timeout=10)
        elapsed = time.monotonic() - t0
    assert code == 1
    assert p.lines[-1]["error"] == "interrupted before the registration completed"
    assert elapsed < 3


def test_sigterm_while_dialling_into_silence_ends_promptly(silent_tcp_server):
    url = "sip:127.0.0.1:%d;transport=tcp" % silent_tcp_server.port
    with start(url, "dial", "102", "--no-register", "--tone", "440", "--no-playback", timeout="2") as p:
        wait_received(silent_tcp_server, b"INVITE")
        t0 = time.monotonic()
        code = p.stop(signal.SIGTERM, timeout=10)
        elapsed = time.monotonic() - t0
    assert code == 1
    assert "interrupted while ringing" in p.lines[-1]["error"]
    assert elapsed < 6  # the unanswerable CANCEL and the shutdown are bounded by --timeout


def test_second_signal_exits_at_once(silent_tcp_server, tmp_path):
    """The first signal starts the wind-down (it says so at once); the
    second one, while the CANCEL can get no answer, exits with 130."""
    import subprocess
    from sipcall import BIN, env_with_password
    url = "sip:127.0.0.1:%d;transport=tcp" % silent_tcp_server.port
    err_path = tmp_path / "stderr"
    with open(err_path, "w") as err:
        proc = subprocess.Popen([BIN, "--server", url, "--user", "101", "--domain", "pbx.test", "--timeout", "30",
                                 "dial", "102", "--no-register", "--tone", "440", "--no-playback"],
                                stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL,
                                env=env_with_password("secret101"))
    try:
        wait_received(silent_tcp_server, b"INVITE")
        proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 5
        while "interrupted, hanging up" not in err_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.02)  # polling a file: the line is the event
        assert "signal again to exit at once" in err_path.read_text()
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=10)
        elapsed = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 130
    assert "second signal, exiting now" in err_path.read_text()
    assert elapsed < 2


def test_sigint_on_register_says_it_removes_the_binding(pbx):
    """register has no call to hang up: the first signal's line says what
    happens instead."""
    from sipcall import account_args
    with Running(account_args(pbx, "udp", "143", ["--json", "register", "--keep", "--expires", "60"]),
                 password=pbx.password("143")) as p:
        p.wait_for_json(lambda o: o.get("event") == "registered")
        assert p.stop(signal.SIGINT) == 0
    assert "sip-call: interrupted, removing the binding (signal again to exit at once)" in p.stderr, p.stderr
    assert "hanging up" not in p.stderr
    assert pbx.bindings("143") == []
