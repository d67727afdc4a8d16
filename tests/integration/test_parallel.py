"""answer --parallel: one sip-call answer holds several calls at once, each
with its own media; a call beyond the limit gets 486, one beyond the RTP
ports 503; a signal hangs up every call in progress."""

import signal

from sipcall import Running, account_args
from test_call import finish, start_answer, tone_check

# Users of their own: 1600 answers, 1601.. call.
CALLEE = "1600"
CALLERS = ["1601", "1602", "1603"]


def start_dial(pbx, user, extra):
    return Running(account_args(pbx, "udp", user, ["--json", "dial", CALLEE, "--no-playback", *extra]),
                   password=pbx.password(user))


def finish_all(callers):
    """Each caller's (exit code, report); every caller is stopped either way."""
    try:
        return [finish(c) for c in callers]
    finally:
        for c in callers:
            c.__exit__()


def test_three_calls_at_once_each_hear_their_own_echo(pbx, tmp_path):
    tones = [500, 700, 900]
    heard = [str(tmp_path / ("heard-%d.wav" % hz)) for hz in tones]
    with start_answer(pbx, "udp", CALLEE, ["--parallel", "3", "--calls", "3", "--echo", "--codecs", "pcmu"]) as callee:
        callers = [start_dial(pbx, user, ["--duration", "3s", "--tone", str(hz), "--record", path])
                   for user, hz, path in zip(CALLERS, tones, heard)]
        results = finish_all(callers)
        code, report = finish(callee)
    for (dial_code, dial_report), c in zip(results, callers):
        assert dial_code == 0, c.stderr
        assert dial_report["media"]["packets_received"] > 50
    for hz, path in zip(tones, heard):
        tone_check(path, hz, 1000)
    assert code == 0, callee.stderr
    calls = report["calls"]
    assert [c["result"] for c in calls] == ["ok"] * 3
    assert [c["number"] for c in calls] == [1, 2, 3]
    assert all(c["media"]["packets_received"] > 50 and c["media"]["packets_sent"] > 50 for c in calls)
    # All three were up at the same moment.
    assert max(c["answered_ms"] for c in calls) < min(c["ended_ms"] for c in calls), calls
    # Each call's lines are named when calls overlap.
    assert "call 2: audio: pcmu/8000" in callee.stderr


def test_a_call_beyond_parallel_gets_busy(pbx):
    with start_answer(pbx, "udp", CALLEE, ["--parallel", "2", "--tone", "1000"]) as callee:
        callers = [start_dial(pbx, user, ["--duration", "3s", "--tone", "440"]) for user in CALLERS]
        results = finish_all(callers)
        # No --calls: answer waits for more until a signal, which finds no call up.
        code = callee.stop(signal.SIGINT)
        report = callee.lines[-1]
    codes = sorted(r[0] for r in results)
    assert codes == [0, 0, 6], results
    busy = next(r[1] for r in results if r[0] == 6)
    assert busy["statuses"][-1] == 486
    assert code == 0, callee.stderr
    assert report["calls_answered"] == 2 and [c["result"] for c in report["calls"]] == ["ok", "ok"]


def test_a_call_beyond_the_rtp_ports_gets_503(pbx):
    """Two port pairs in --rtp-ports: the third simultaneous call is refused
    with 503 and a line that says why; the other two go on."""
    with start_answer(pbx, "udp", CALLEE, ["--parallel", "3", "--tone", "1000", "--calls", "3",
                                           "--rtp-ports", "41600-41603"]) as callee:
        callers = [start_dial(pbx, user, ["--duration", "3s", "--tone", "440"]) for user in CALLERS]
        results = finish_all(callers)
        code, report = finish(callee)
    assert sorted(r[0] for r in results) == [0, 0, 9], results
    refused = next(r[1] for r in results if r[0] == 9)
    # A proxy turns a 503 into 500 on the way (RFC 3261 16.7): the callee's
    # own flow line shows what it sent.
    assert refused["statuses"][-1] in (500, 503)
    assert code == 4, callee.stderr  # network: the port range is exhausted
    assert sorted(c["result"] for c in report["calls"]) == ["error", "ok", "ok"]
    assert "no free RTP/RTCP port pair in 41600-41603" in callee.stderr
    assert "(refused with 503)" in callee.stderr
    assert "-> 503 Service Unavailable" in callee.stderr


def test_sigterm_hangs_up_every_call_in_progress(pbx):
    with start_answer(pbx, "udp", CALLEE, ["--parallel", "2", "--tone", "1000"]) as callee:
        callers = [start_dial(pbx, user, ["--duration", "30s", "--tone", "440"]) for user in CALLERS[:2]]
        try:
            for c in callers:
                c.wait_for_json(lambda o: o.get("event") == "answered")
            for number in (1, 2):
                callee.wait_for_json(lambda o, n=number: o.get("event") == "answered" and o.get("number") == n)
            code = callee.stop(signal.SIGTERM)
            results = [finish(c) for c in callers]
        finally:
            for c in callers:
                c.__exit__()
    report = callee.lines[-1]
    for dial_code, dial_report in results:
        assert dial_code == 0, results
        assert dial_report["hangup_by"] == "remote"
        assert dial_report["timings"]["call_ms"] < 20000
    # As with one call: a call cut short by a signal fails (exit 1), and
    # the binding is removed.
    assert code == 1, callee.stderr
    assert [c["error"] for c in report["calls"]] == ["interrupted during the call"] * 2
    assert [c["hangup_by"] for c in report["calls"]] == ["local"] * 2
    assert report["unregistered"] is True
