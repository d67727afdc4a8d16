"""The media verdict against peers that misbehave on RTP: a callee that
answers and never sends RTP (sipp), a stranger spraying RTP at our port, a
peer whose media address our socket cannot reach, hold and resume. Each
call must end with the exit status and report that tell the truth."""

import os
import re
import socket
import subprocess
import sys
import threading
import time

import pytest

from sipcall import BIN, Running, account_args, env_with_password
from test_call import (CALLEE, CALLER, ScriptedCallee, dial, finish, pcmu_sdp, reinvite, send_pcmu_tone, start_answer,
                       tone_check)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "pbx"))
from peerproc import read_text  # noqa: E402
from sipclient import SipClient  # noqa: E402
from sipp_peer import SippUas  # noqa: E402
from testpbx import wait_until  # noqa: E402

SILENT_USER = "162"


@pytest.fixture
def silent_callee(pbx):
    with SippUas(pbx, SILENT_USER, mode="silent") as callee:
        callee.wait_registered()
        yield callee


@pytest.mark.parametrize("extra", [[], ["--expect-tone", "1000"]])
def test_silent_callee_fails_a_call_shorter_than_the_media_timeout(pbx, silent_callee, extra):
    r = dial(pbx, "udp", CALLER, SILENT_USER, ["--tone", "440", "--duration", "3s", *extra])
    silent_callee.wait_closed(1)
    assert r.code == 10, r
    report = r.report()
    assert report["exit_reason"] == "media_failure"
    assert report["media"]["packets_received"] == 0
    assert report["media"]["packets_sent"] > 0
    assert "no RTP received from the far end" in report["error"]
    assert "not the expected" not in r.stderr  # not a tone analysis of silence


def invite_rtp_port(sipp):
    """sip-call's RTP port, from the SDP of the INVITE the PBX relayed to sipp."""
    text = read_text(sipp.messages_path)
    invite = text.find("INVITE sip:")
    m = re.search(r"^m=audio (\d+) ", text[invite:], re.M) if invite >= 0 else None
    return int(m.group(1)) if m else None


def test_rtp_from_a_stranger_is_not_the_peer(pbx, silent_callee):
    """The callee is silent; a third party on 127.0.0.2 sends the very tone
    --expect-tone wants to our RTP port. None of it may count."""
    caller = Running(account_args(pbx, "udp", CALLER, ["--json", "dial", SILENT_USER, "--no-playback", "--tone",
                                                       "440", "--duration", "3s", "--expect-tone", "1000"]),
                     password=pbx.password(CALLER))
    stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    stop = threading.Event()
    try:
        stranger.bind(("127.0.0.2", 0))
        port = wait_until(lambda: invite_rtp_port(silent_callee), 10, what="the INVITE at sipp")
        sprayer = threading.Thread(target=send_pcmu_tone, args=(stranger, port, 1000, 10, stop), daemon=True)
        sprayer.start()
        code, report = finish(caller)
    finally:
        stop.set()
        caller.__exit__(None, None, None)
        stranger.close()
    assert code == 10, caller.stderr
    media = report["media"]
    assert media["packets_received"] == 0
    assert media["packets_from_strangers"] > 20 and media["packets_ignored"] >= media["packets_from_strangers"]
    assert media["expect_tone"]["found"] is False
    assert "no RTP received from the far end" in report["error"]
    assert "datagrams from sources other than the far end" in caller.stderr


def test_peer_media_address_of_another_family_is_a_media_failure(pbx):
    """Our media on ::1, the callee's answer on 127.0.0.1: nothing could
    ever be sent, so the call fails at the answer with one clear line."""
    callee = ScriptedCallee(pbx, "163", pcmu_sdp)
    try:
        r = dial(pbx, "udp", CALLER, "163", ["--tone", "440", "--duration", "3s", "--media-address", "::1"])
    finally:
        callee.close()
    assert r.code == 10, r
    assert "cannot be reached from our media address ::1" in r.report()["error"]
    assert len([line for line in r.stderr.splitlines() if "cannot be reached" in line]) == 1


def test_a_peer_on_hold_owes_no_rtp(pbx):
    """The callee answers, puts the call on hold at once (sendonly) and
    sends nothing: with --media-timeout 1s and a 3 s call, no RTP was owed
    after the hold, so the call is fine."""
    def hold(callee, invite):
        reinvite(callee, pcmu_sdp(callee.port, "a=sendonly\r\n"), 10)

    callee = ScriptedCallee(pbx, "164", pcmu_sdp, in_call=hold)
    try:
        r = dial(pbx, "udp", CALLER, "164", ["--tone", "440", "--duration", "3s", "--media-timeout", "1s"])
    finally:
        callee.close()
    assert callee.error is None, callee.error
    assert "re-INVITE: peer is on hold" in r.stderr
    assert r.code == 0, r
    assert r.report()["media"]["packets_received"] == 0


def test_resume_off_the_playout_grid_keeps_speexdsp_quiet(pbx):
    """Hold (the callee stops its RTP for a few packets), then a resume
    whose timestamps leave the old 20 ms grid: nothing of the jitter
    buffer's reaches stderr, and the call is fine."""
    import audioop
    import struct
    paused, resumed, stop = threading.Event(), threading.Event(), threading.Event()

    def stream(callee):
        port = wait_until(lambda: callee.caller_rtp, 10, what="the caller's RTP port")
        payload = audioop.lin2ulaw(b"\x00\x10" * 160, 2)
        seq, ts, shifted = 0, 0, False
        while not stop.is_set():
            if paused.is_set() and not resumed.is_set():
                resumed.wait(0.02)
                continue
            if resumed.is_set() and not shifted:
                ts, shifted = ts + 80, True
            callee.rtp.sendto(struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, ts & 0xFFFFFFFF, 0x4321) + payload,
                              ("127.0.0.1", port))
            seq, ts = seq + 1, ts + 160
            time.sleep(0.02)

    def hold_then_resume(callee, invite):
        time.sleep(0.5)
        paused.set()
        reinvite(callee, pcmu_sdp(callee.port, "a=sendonly\r\n"), 10)
        time.sleep(0.1)
        reinvite(callee, pcmu_sdp(callee.port, "a=sendrecv\r\n"), 20)
        # The resumed stream's timestamps are half a packet off the old grid.
        resumed.set()

    callee = ScriptedCallee(pbx, "165", pcmu_sdp, in_call=hold_then_resume)
    sender = threading.Thread(target=stream, args=(callee,), daemon=True)
    sender.start()
    try:
        r = dial(pbx, "udp", CALLER, "165", ["--tone", "440", "--duration", "3s"])
    finally:
        stop.set()
        callee.close()
        sender.join(timeout=5)
    assert "re-INVITE: peer is active" in r.stderr
    assert "negative buffering" not in r.stderr
    assert r.code == 0, r


def tone_wav(path, hz):
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(path), "synth", "3", "sine", str(hz)],
                   check=True)
    return path


def test_play_reads_a_fifo_once(pbx, tmp_path):
    """--play on a FIFO with a writer: read once, heard by the callee."""
    wav = tone_wav(tmp_path / "prompt.wav", 600).read_bytes()
    fifo = tmp_path / "prompt.fifo"
    os.mkfifo(fifo)

    def write():
        with open(fifo, "wb") as f:  # blocks until sip-call opens it
            f.write(wav)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    heard = str(tmp_path / "heard.wav")
    try:
        with start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--silence", "--record", heard]) as callee:
            r = dial(pbx, "udp", CALLER, CALLEE, ["--duration", "2s", "--play", str(fifo)])
            code, _ = finish(callee)
    finally:
        if writer.is_alive():  # sip-call never opened it: unblock the writer
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
        writer.join(timeout=5)
    assert r.code == 0, r
    assert code == 0
    tone_check(heard, 600, 1000)


def test_play_from_stdin(pbx, tmp_path):
    """--play /dev/stdin with a WAV piped in: read whole, sent."""
    wav = tone_wav(tmp_path / "prompt.wav", 600).read_bytes()
    heard = str(tmp_path / "heard.wav")
    with start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--silence", "--record", heard]) as callee:
        args = account_args(pbx, "udp", CALLER, ["--json", "dial", CALLEE, "--no-playback", "--duration", "2s",
                                                 "--play", "/dev/stdin"])
        proc = subprocess.run([BIN] + args, input=wav, capture_output=True, timeout=40,
                              env=env_with_password(pbx.password(CALLER)))
        code, _ = finish(callee)
    assert proc.returncode == 0, proc.stderr
    assert code == 0
    tone_check(heard, 600, 1000)


def test_play_fifo_without_a_writer_is_refused_in_bounded_time(pbx, tmp_path):
    fifo = tmp_path / "nobody.fifo"
    os.mkfifo(fifo)
    mark = pbx.mark()
    r = dial(pbx, "udp", CALLER, CALLEE, ["--play", str(fifo)], timeout=30)
    assert r.code == 2, r
    assert r.seconds < 20
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and str(fifo) in lines[0] and "no writer" in lines[0]
    assert not [m for m in pbx.messages(since=mark) if m.get("from") == CALLER]


def call_answer_silently(pbx, user, target, sdp, hold_s=10):
    """A caller that INVITEs `target` with `sdp` and sends no RTP; it ACKs
    a 200 and answers the callee's BYE. Returns the INVITE's final reply."""
    with SipClient(pbx, "udp", user) as client:
        uri = "sip:%s@%s" % (target, pbx.domain)
        final, _ = client.request("INVITE", uri, uri, ["Content-Type: application/sdp"], body=sdp, timeout=10)
        if final.status != 200:
            return final
        ack = client.build("ACK", (final.get("contact") or "").strip("<>").split(">")[0], uri,
                           ["Route: %s" % r for r in reversed(final.get_all("record-route"))],
                           cseq=final.cseq, to_tag=None, from_tag=None)
        ack = ack.replace("To: <%s>" % uri, "To: %s" % final.get("to"), 1)
        client.tp.send(ack)
        bye = client.wait_request("BYE", timeout=hold_s)
        client.reply(bye, 200, "OK")
        return final


def test_answer_fails_a_short_call_from_a_silent_caller(pbx):
    """The same rule on the answering side: --duration 3s, the caller sends
    no RTP at all."""
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        with start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--tone", "1000", "--duration", "3s"]) as callee:
            final = call_answer_silently(pbx, "166", CALLEE, pcmu_sdp(silent.getsockname()[1]))
            code, report = finish(callee)
    finally:
        silent.close()
    assert final.status == 200
    assert code == 10, callee.stderr
    call = report["calls"][0]
    assert call["exit_code"] == 10 and "no RTP received from the far end" in call["error"]
    assert call["media"]["packets_received"] == 0


def test_answer_refuses_an_offer_it_cannot_reach(pbx):
    """answer's media on ::1, an offer on 127.0.0.1: 488 at once, not a call
    without audio."""
    with start_answer(pbx, "udp", CALLEE, ["--calls", "1", "--silence", "--media-address", "::1"]) as callee:
        final = call_answer_silently(pbx, "166", CALLEE, pcmu_sdp(40000))
        code, report = finish(callee)
    assert final.status == 488, final
    assert code == 10, callee.stderr
    assert "cannot be reached from our media address ::1" in report["calls"][0]["error"]
