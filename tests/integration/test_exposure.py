"""sip-call opens nothing to the world: during a call every UDP socket is
bound to the address towards the server (never 0.0.0.0), and no TCP socket
listens; the answering side is reached over its own registration."""

import os
import socket
import struct

import pytest

from sipcall import Running, account_args
from test_call import finish, start_answer

CALLER, CALLEE = "175", "176"


def sockets_of(pid):
    """[(proto, local_ip, port, tcp_state)] for the sockets the process holds."""
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for proto in ("tcp", "tcp6", "udp", "udp6"):
        with open("/proc/%d/net/%s" % (pid, proto)) as f:
            next(f)
            for line in f:
                cols = line.split()
                if cols[9] not in inodes:
                    continue
                hex_ip, hex_port = cols[1].split(":")
                raw = bytes.fromhex(hex_ip)
                if len(raw) == 4:
                    ip = socket.inet_ntop(socket.AF_INET, raw[::-1])
                else:
                    ip = socket.inet_ntop(socket.AF_INET6, b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4)))
                found.append((proto, ip, int(hex_port, 16), cols[3]))
    return found


@pytest.mark.parametrize("transport", ["udp", "tcp", "tls", "wss"])
def test_no_socket_is_open_to_the_world_during_a_call(pbx, transport):
    with start_answer(pbx, transport, CALLEE, ["--calls", "1", "--tone", "1000"]) as callee:
        with Running(account_args(pbx, transport, CALLER, ["--json", "dial", CALLEE, "--tone", "440",
                                                            "--no-playback", "--duration", "2s"]),
                     password=pbx.password(CALLER)) as caller:
            caller.wait_for_json(lambda o: o.get("event") == "answered")
            for proc in (caller.proc, callee.proc):
                socks = sockets_of(proc.pid)
                assert socks, "no sockets found"
                listening = [s for s in socks if s[0].startswith("tcp") and s[3] == "0A"]
                assert not listening, listening
                wildcard = [s for s in socks if s[0].startswith("udp") and s[1] in ("0.0.0.0", "::")]
                assert not wildcard, wildcard
            caller.proc.wait(timeout=20)
        code, _ = finish(callee)
    assert caller.proc.returncode == 0
    assert code == 0
