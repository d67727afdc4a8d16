"""What the tests ask the kernel about a process (is it alive, which sockets
has it bound), how a daemon is ended by PID, and the retry every daemon
start needs when a chosen free port is taken before the daemon binds it.  Stdlib only, no imports of the
other test modules (testpbx and rtpengine both use it)."""

import os
import signal
import socket
import subprocess


def alive(pid):
    """Running (a zombie waiting for init to reap it is not)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[-1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def terminate(proc, timeout):
    """End a subprocess.Popen by its PID: SIGTERM, SIGKILL after timeout
    seconds, and reap it."""
    if proc.poll() is None:
        try:
            proc.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def sockets_of(pid):
    """[(proto, local_ip, port, tcp_state)] for the sockets the process holds,
    read in its own network namespace."""
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


def start_with_retries(start_once, undo, error_type, clash_text, attempts=3):
    """Call start_once() until it succeeds.  On error_type, undo() and try
    again only when the error says a chosen port was taken (clash_text);
    re-raise the last error otherwise or after attempts."""
    last = None
    for _ in range(attempts):
        try:
            return start_once()
        except error_type as e:
            last = e
            undo()
            if clash_text not in str(e):
                break
    raise last
