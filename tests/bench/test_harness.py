"""Self-tests of the benchmark harness (not the benchmark): statistics, the
rule that a failed tool never looks fast, and process measurement."""

import array
import os
import subprocess
import sys
import types
import wave

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.normpath(os.path.join(HERE, os.pardir, "pbx")))

import bench  # noqa: E402
import bursts  # noqa: E402
import calls  # noqa: E402
import report  # noqa: E402
import row_dial  # noqa: E402
import row_latency  # noqa: E402
import row_media  # noqa: E402
import row_register  # noqa: E402
import row_scale  # noqa: E402
import row_secure  # noqa: E402
import scale_calls  # noqa: E402
from measure import (GNU_TIME, Sample, failed, peak_rss_kb, percentile, process_cpu_ms, run_process,  # noqa: E402
                     rusage_cpu_ms, sample_of, start_process, summarize)


@pytest.mark.parametrize("values,fraction,expected", [
    (list(range(1, 11)), 0.9, 9),
    ([5, 1, 4, 2, 3], 0.9, 5),
    ([7], 0.9, 7),
    ([3, 1, 2], 0.5, 2),
])
def test_percentile_is_nearest_rank(values, fraction, expected):
    assert percentile(values, fraction) == expected


def test_summary_counts_failures_and_keeps_their_reasons():
    samples = [Sample(10, 1, 1000), Sample(1, 1, 1000, error="sipp exited 1"), Sample(20, 3, 3072)]
    s = summarize(samples)
    assert (s.runs, s.failed, s.ok) == (3, 1, False)
    assert s.median == 15 and s.cpu_ms == 2 and s.rss_mb == 3.0
    assert s.errors == ["sipp exited 1"]


def test_no_samples_is_not_ok():
    assert not summarize([]).ok


def test_figures_a_row_does_not_measure_stay_empty():
    s = summarize([Sample(1.5), Sample(2.5)])
    assert s.ok and s.median == 2.0 and s.cpu_ms is None and s.rss_mb is None
    assert summarize([failed("why")]).errors == ["why"]


def result(tool, transport, values, error_at=None):
    samples = [Sample(v, 1.0, 2048, error="boom" if i == error_at else None) for i, v in enumerate(values)]
    return report.Result("register", tool, transport, "ms", summarize(samples))


META = {"date": "d", "host": "h", "cpus": 2, "kernel": "k", "load_before": 0.0, "load_after": 0.0,
        "runs": {"register": (5, 1)}, "versions": {}, "floor": {"median_ms": 1.0, "cpu_ms": 1.0, "rss_mb": 1.0}}


def test_a_failed_peer_gets_no_figures_and_is_not_the_best_peer():
    results = [result("sip-call", "udp", [10] * 5),
               result("fastpeer", "udp", [1] * 5, error_at=2),
               result("slowpeer", "udp", [20] * 5)]
    text = report.render(META, results, [])
    fast = next(line for line in text.splitlines() if "fastpeer" in line)
    assert "FAILED 1/5" in fast and "1.0" not in fast
    sip_call = next(line for line in text.splitlines() if line.startswith("| register | sip-call"))
    assert sip_call.rstrip(" |").endswith("0.50")     # 10 ms against slowpeer's 20
    assert "register fastpeer udp: boom" in text
    as_json = report.as_json(META, results, [])
    assert [r["ratio_to_best_peer"] for r in as_json["results"]] == [0.5, None, 1.0]


def test_missing_tool_is_reported():
    r = report.Result("register", "sipp", "udp", "ms", summarize([]), missing="sipp not installed")
    text = report.render(META, [r], [])
    assert "missing" in text and "register sipp udp: sipp not installed" in text


def test_register_targets_not_met_without_figures():
    ok = {("register", "sip-call", "wss"): summarize([Sample(30, 1, 1)] * 5)}
    met = dict(row_register.targets(ok))
    assert met["sip-call wss median <= 40 ms"] is True
    assert met["sip-call wss faster than JsSIP wss"] is False
    assert met["sip-call udp within 1.5x of sipsak udp"] is False


def test_scale_memory_per_registration_and_target():
    def rss(mb):
        return summarize([Sample(mb)] * 5)
    summaries = {("scale: RSS held", "sip-call", "ws x1"): rss(10.0),
                 ("scale: RSS held", "sip-call", "ws x1000"): rss(60.0)}
    assert row_scale.per_registration_kb(summaries, 1000) == pytest.approx(51.2)
    assert row_scale.per_registration_kb(summaries, 500) is None
    assert dict(row_scale.targets(summaries))["1,000 registrations over ws in one process: RSS < 200 MB"] is True
    summaries[("scale: RSS held", "sip-call", "ws x1000")] = rss(250.0)
    assert dict(row_scale.targets(summaries))["1,000 registrations over ws in one process: RSS < 200 MB"] is False
    assert dict(row_scale.targets({}))["1,000 registrations over ws in one process: RSS < 200 MB"] is False


def test_scale_memory_per_call():
    summaries = {(scale_calls.RSS_ROW, "sip-call", "udp pcmu x1"): summarize([Sample(10.0)] * 5),
                 (scale_calls.RSS_ROW, "sip-call", "udp pcmu x100"): summarize([Sample(30.0)] * 5)}
    assert row_scale.per_call_kb(summaries, 100) == pytest.approx(204.8)
    assert row_scale.per_call_kb(summaries, 50) is None
    assert any("memory per call with 100 calls up" in n for n in row_scale.notes(summaries))


def _answer_report(*calls):
    return {"exit_code": 0, "calls": [
        {"number": i + 1, "result": "ok", "call_ms": 10000, "answered_ms": a, "ended_ms": e,
         "media": {"packets_received": rx, "packets_sent": 500}} for i, (a, e, rx) in enumerate(calls)]}


@pytest.mark.parametrize("calls,why", [
    ([(1000, 11000, 500), (1100, 11100, 499)], None),
    ([(1000, 11000, 500)], "1 of 2 calls"),
    ([(1000, 11000, 500), (1100, 11100, 100)], "RTP received 100 of ~500"),
    ([(1000, 2000, 500), (3000, 4000, 500)], "never all up at once"),
])
def test_scale_calls_are_checked(calls, why):
    found = scale_calls.check_report(_answer_report(*calls), 2)
    assert (found is None) if why is None else (why in found)


needs_gnu_time = pytest.mark.skipif(not os.access(GNU_TIME, os.X_OK), reason="GNU time not installed")


@needs_gnu_time
def test_run_process_measures_the_tool_not_the_harness():
    run = run_process(["true"])
    assert run.failure() is None
    # Spawned straight from Python, ru_maxrss would carry Python's ~10-20 MB.
    assert 0 < run.rss_kb < 5 * 1024
    assert run.wall_ms > 0 and run.cpu_ms >= 0


@needs_gnu_time
def test_run_process_reports_exit_status_and_output():
    run = run_process(["sh", "-c", "echo why >&2; exit 3"])
    assert run.exit_code == 3
    assert "exited 3" in run.failure() and "why" in run.failure()


@needs_gnu_time
def test_run_process_kills_on_timeout():
    run = run_process(["sleep", "30"], timeout=0.3)
    assert run.timed_out and "timed out" in run.failure()
    assert run.wall_ms < 5000


def test_sample_of_sums_sequential_processes():
    class Run:
        def __init__(self, wall, cpu, rss, fail=None):
            self.wall_ms, self.cpu_ms, self.rss_kb, self._fail = wall, cpu, rss, fail

        def failure(self):
            return self._fail
    s = sample_of([Run(10, 2, 4000), Run(15, 3, 5000)])
    assert (s.value, s.cpu_ms, s.rss_kb, s.error) == (25, 5, 5000, None)
    assert sample_of([Run(1, 1, 1, "sipsak exited 1")]).error == "sipsak exited 1"


@needs_gnu_time
def test_spawned_process_is_running_until_it_exits_and_is_reaped_once():
    proc = start_process(["sh", "-c", "read x"])       # stdin is /dev/null: `read` fails at once
    run = proc.wait(timeout=5)
    assert not proc.running() and run.exit_code == 1
    proc = start_process(["sleep", "30"])
    assert proc.running()
    proc.kill()
    assert proc.wait(timeout=5).exit_code == -9


@needs_gnu_time
def test_process_report_is_its_last_json_line():
    run = run_process(["sh", "-c", 'echo \'{"event":1}\'; echo \'{"result":"ok"}\'; echo noise >&2'])
    assert run.report() == {"result": "ok"}
    assert run_process(["true"]).report() is None


def test_peak_rss_of_a_live_process():
    assert 1024 < peak_rss_kb(os.getpid()) < 4 * 1024 * 1024


# -- the harness: rows with several figures per run ---------------------------------


class FakeCase:
    def __init__(self, tool, metrics, outcome):
        self.tool, self.variant, self.metrics, self.missing = tool, "opus", metrics, None
        self._outcome = outcome

    def run_once(self, ctx):
        if isinstance(self._outcome, Exception):
            raise self._outcome
        return self._outcome


def test_a_run_that_raises_fails_every_row_it_measures():
    case = FakeCase("baresip", [("a", "ms"), ("b", "ms")], RuntimeError("peer would not start\nlog..."))
    samples = bench.run_cases(None, [case], runs=2, warmup=1)
    errors = [s.error for (_, row), got in samples.items() for s in got]
    assert len(errors) == 4 and set(errors) == {"RuntimeError: peer would not start"}


def test_results_are_grouped_by_row_then_case():
    ours = FakeCase("sip-call", [("caller", "CPU ms/s"), ("callee", "CPU ms/s")], {"caller": Sample(2), "callee": Sample(4)})
    theirs = FakeCase("baresip", [("caller", "CPU ms/s"), ("callee", "CPU ms/s")], {"caller": Sample(1)})
    samples = bench.run_cases(None, [ours, theirs], runs=5, warmup=0)
    results = bench.results_of([ours, theirs], samples)
    assert [(r.row, r.tool, r.unit) for r in results] == [
        ("caller", "sip-call", "CPU ms/s"), ("caller", "baresip", "CPU ms/s"),
        ("callee", "sip-call", "CPU ms/s"), ("callee", "baresip", "CPU ms/s")]
    # a row a run did not report is a failure of that run, not a gap
    assert not results[3].summary.ok and results[3].summary.errors[0] == "no figure measured"
    line = next(ln for ln in report.render(META, results, []).splitlines() if "| caller | sip-call" in ln)
    assert "CPU ms/s" in line and line.rstrip(" |").endswith("2.00")


def test_row_defaults_and_overrides_of_runs():
    args = bench.parse_args([])
    assert bench.runs_of(row_media, args) == (row_media.RUNS, row_media.WARMUP)
    assert bench.runs_of(row_register, args) == (bench.DEFAULT_RUNS, bench.DEFAULT_WARMUP)
    assert bench.runs_of(row_media, bench.parse_args(["--runs", "7", "--warmup", "0"])) == (7, 0)
    with pytest.raises(SystemExit):
        bench.parse_args(["--runs", "3"])


# -- row 2: delays at the PBX -------------------------------------------------------


class FakePbx:
    """messages() and wait_for_message() over a fixed list, as TestPbx's."""

    def __init__(self, messages):
        self._messages = messages

    def messages(self, since=0):
        return list(self._messages)

    def wait_for_message(self, predicate, timeout=10.0, since=0):
        for m in self._messages:
            if predicate(m):
                return m
        raise TimeoutError


def sip(kind, time, status=None, auth=False, callid="c1"):
    return {"type": kind, "method": "INVITE", "status": status, "from": "100", "to": "101", "auth": auth,
            "callid": callid, "time": time}


def test_invite_delays_run_from_the_first_invite_by_receive_time():
    # log order is not time order: two Kamailio workers share the log
    pbx = FakePbx([sip("request", 10.0000), sip("reply", 10.0030, 180), sip("request", 10.0004, auth=True),
                   sip("reply", 10.0052, 200), sip("reply", 10.0020, 100), sip("reply", 10.0060, 200)])
    (ringing, answer), error = row_dial.invite_delays(pbx, 0, "100", "101")
    assert error is None
    assert ringing == pytest.approx(3.0) and answer == pytest.approx(5.2)


def test_invite_delays_fail_without_a_180_or_a_200():
    _, error = row_dial.invite_delays(FakePbx([sip("request", 1.0), sip("reply", 1.1, 200)]), 0, "100", "101")
    assert "lacks" in error
    _, error = row_dial.invite_delays(FakePbx([sip("request", 1.0), sip("reply", 1.1, 180)]), 0, "100", "101")
    assert "no 200" in error


def test_baresip_encoder_is_read_from_its_log():
    peer = types.SimpleNamespace(log_text=lambda: "audio: Set audio encoder: PCMU 8000Hz 1ch\n"
                                                  "audio: Set audio encoder: opus 48000Hz 1ch\n")
    assert calls.baresip_encoder(peer) == "opus"
    assert calls.encoder_error([peer], "opus") is None
    assert "not pcmu" in calls.encoder_error([peer], "pcmu")
    assert calls.encoder_error([types.SimpleNamespace(log_text=lambda: "")], "opus") is not None


# -- row 3: media cost ----------------------------------------------------------------


def test_callgrind_total_is_read_from_the_summary(tmp_path):
    out = tmp_path / "callgrind.out"
    out.write_text("version: 1\ncreator: callgrind-3.19.0\nevents: Ir\nfn=main\n0 5\nsummary: 123456\n")
    assert row_media.callgrind_total(str(out)) == 123456
    out.write_text("events: Ir\n")
    with pytest.raises(ValueError):
        row_media.callgrind_total(str(out))


def test_cost_is_cpu_per_second_of_call():
    s = row_media.cost(cpu_ms=450.0, rss_kb=10240, call_ms=30000)
    assert s.value == pytest.approx(15.0) and s.cpu_ms == 450.0 and s.rss_kb == 10240


def media_summaries(ours_ms_per_s, ours_kb, theirs_ms_per_s, theirs_kb):
    def summary(v, kb):
        return summarize([Sample(v, 1.0, kb)] * 5)
    out = {}
    for codec, _ in row_media.CODECS:
        for row in (row_media.CALLER_ROW, row_media.CALLEE_ROW):
            out[(row, "sip-call", codec)] = summary(ours_ms_per_s, ours_kb)
            out[(row, "baresip", codec)] = summary(theirs_ms_per_s, theirs_kb)
    return out


def test_media_targets():
    met = dict(row_media.targets(media_summaries(10, 15 * 1024, 12, 16 * 1024)))
    assert len(met) == 12 and all(met.values())
    met = dict(row_media.targets(media_summaries(13, 21 * 1024, 12, 22 * 1024)))
    assert not met["opus caller: sip-call CPU per call-second <= baresip's"]
    assert met["opus caller: sip-call peak RSS <= baresip's"]
    assert not met["pcmu callee: sip-call peak RSS <= 20 MB"]
    assert not any(dict(row_media.targets({})).values())


# -- row 4: audio latency ---------------------------------------------------------------


def burst_train(rate, starts, length, total, amplitude=10000, delay=0):
    samples = array.array("h", bytes(2 * total))
    for s in starts:
        for i in range(s + delay, min(total, s + delay + length)):
            samples[i] = amplitude if (i // 10) % 2 else -amplitude
    return samples


def test_onsets_and_echo_delays():
    rate = 8000
    starts = [1000, 9000, 17000]
    sent = burst_train(rate, starts, 400, 24000)
    echo = burst_train(rate, starts[:2], 400, 24000, amplitude=3000, delay=480)     # 60 ms later, quieter
    echo[100] = 50                                                                  # noise below the threshold
    assert bursts.onsets(sent, rate) == starts
    assert bursts.onsets(echo, rate) == [1480, 9480]
    assert bursts.echo_delays(bursts.onsets(sent, rate), bursts.onsets(echo, rate), rate) == [60.0, 60.0]
    assert bursts.onsets(array.array("h", bytes(200)), rate) == []


needs_sox = pytest.mark.skipif(not os.access("/usr/bin/sox", os.X_OK), reason="sox not installed")


@needs_sox
def test_burst_file_has_one_burst_per_period(tmp_path):
    path = bursts.write_bursts(str(tmp_path / "b.wav"), 3)
    (mono,), rate = bursts.read_wav_channels(path)
    assert rate == bursts.RATE and len(mono) == 3 * bursts.PERIOD * rate
    period = int(bursts.PERIOD * rate)
    start = int((bursts.PERIOD - bursts.BURST) * rate)
    assert [o - start for o in bursts.onsets(mono, rate)] == [pytest.approx(k * period, abs=5) for k in range(3)]
    raw = bursts.wav_to_raw(path, str(tmp_path / "b.raw"), pad_seconds=0.5)
    assert list(bursts.read_raw(raw)) == list(mono) + [0] * (rate // 2)


def test_stereo_recording_is_split_into_channels(tmp_path):
    path = str(tmp_path / "both.wav")
    with wave.open(path, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(array.array("h", [1, -1, 2, -2, 3, -3]).tobytes())
    (left, right), rate = bursts.read_wav_channels(path)
    assert (list(left), list(right), rate) == ([1, 2, 3], [-1, -2, -3], 48000)


def test_latency_target_is_one_way():
    def summaries(one_way):
        return {(row_latency.ONE_WAY, "sip-call", codec): summarize([Sample(one_way)] * 5) for codec in ("opus", "pcmu")}
    assert all(met for _, met in row_latency.targets(summaries(59.0)))
    assert not any(met for _, met in row_latency.targets(summaries(61.0)))


def test_secure_targets_compare_with_plain_rtp_and_need_their_figures():
    def cpu(ms):
        return summarize([Sample(ms, 1, 10 * 1024)] * 5)
    summaries = {("secure CPU", "sip-call", "plain"): cpu(20.0),
                 ("secure CPU", "sip-call", "sdes-srtp"): cpu(21.0),
                 ("secure CPU", "sip-call", "dtls-srtp"): cpu(25.0),
                 ("secure set-up", "sip-call", "dtls-srtp"): summarize([Sample(150, 1, 24 * 1024)] * 5)}
    met = dict(row_secure.targets(summaries))
    assert met["sdes-srtp: CPU per call-second at most 10 % above plain RTP"] is True
    assert met["dtls-srtp: CPU per call-second at most 10 % above plain RTP"] is False
    assert met["dtls-srtp call: peak RSS <= 12 MB"] is False
    assert not any(dict(row_secure.targets({})).values())


# -- row 6: secure media ----------------------------------------------------------------


def test_secure_row_has_sip_call_and_its_peers_in_every_variant():
    ctx = types.SimpleNamespace(sip_call="/nonexistent/sip-call")
    cases = row_secure.cases(ctx)
    found = {(c.tool, c.variant) for c in cases}
    assert found == {(tool, v) for tool in ("sip-call", "baresip") for v in ("plain", "sdes-srtp", "dtls-srtp")} | {
        ("sip-call", "dtls-srtp to browser"), ("browser", "dtls-srtp")}
    # the browser pair has rows of its own: its figures are not INVITE to audio
    assert {row for c in cases if c.tool == "browser" for row, _ in c.metrics} == {row_secure.ICE_ROW,
                                                                                  row_secure.DTLS_ROW}
    users = [u for c in cases if c.tool != "browser" for u in (c.caller, c.callee)]
    assert len(set(users)) == len(users)
    assert all(c.missing for c in cases if c.tool == "sip-call")    # not built here


def test_browser_set_up_runs_from_the_call_to_the_connection():
    call = {"dial_ms": 1000.5, "ice_connected_ms": 1180.5, "connected_ms": 1201.0}
    assert row_secure.browser_setup_ms(call) == (180.0, 200.5)
    assert row_secure.browser_setup_ms(dict(call, connected_ms=None)) == (180.0, None)
    assert row_secure.browser_setup_ms(dict(call, dial_ms=None)) == (None, None)


def test_browser_sdp_must_be_dtls_srtp_both_ways():
    webrtc = "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=fingerprint:sha-256 AB:CD\r\n"
    assert row_secure.webrtc_sdp_error({"local_sdp": webrtc, "remote_sdp": webrtc}, "x") is None
    assert "remote" in row_secure.webrtc_sdp_error({"local_sdp": webrtc, "remote_sdp": "m=audio 9 RTP/AVP 0"}, "x")


def test_cpu_per_extra_second_of_call():
    assert row_secure.cpu_per_extra_second(100.0, 150.0, 2000, 7000) == (10.0, None)
    value, error = row_secure.cpu_per_extra_second(100.0, 150.0, 2000, 2500)
    assert value is None and "0.5 s more" in error


BARESIP_SDES = "srtp: audio: SRTP is Enabled (cryptosuite=AES_CM_128_HMAC_SHA1_80)\n"
BARESIP_DTLS = ("stream: mnat 'ice' connected: raddr 198.51.100.1:40786\n"
                "dtls_srtp: verified SHA-256 fingerprint OK\n"
                "dtls_srtp: ---> DTLS-SRTP complete (audio/RTP) Profile=AES_CM_128_HMAC_SHA1_80\n")


@pytest.mark.parametrize("variant,log,ok", [
    ("plain", "audio: Set audio encoder: PCMU 8000Hz 1ch\n", True),
    ("plain", BARESIP_SDES, False),
    ("sdes-srtp", BARESIP_SDES, True),
    ("sdes-srtp", "", False),
    ("sdes-srtp", BARESIP_SDES + "srtp: failed to decrypt RTP packet with 172 bytes (Bad message)\n", False),
    # RTCP at the call's edges (baresip's own, before and after the keys) does not fail the call
    ("sdes-srtp", BARESIP_SDES + "srtp: failed to decrypt RTCP packet with 16 bytes (Bad message)\n", True),
    ("dtls-srtp", BARESIP_DTLS, True),
    ("dtls-srtp", BARESIP_DTLS + "srtp: recv: failed to decrypt RTP-packet (Bad message)\n", False),
    ("dtls-srtp", BARESIP_DTLS.replace("stream: mnat 'ice' connected", "ice: failed"), False),
    ("dtls-srtp", BARESIP_DTLS.replace("verified", "no"), False),
    ("dtls-srtp", BARESIP_SDES, False),
])
def test_baresip_media_security_is_read_from_its_log(variant, log, ok):
    assert (row_secure.baresip_security_error(variant, log, "caller") is None) is ok


def test_first_invite_time_is_the_earliest_receipt_of_a_call_with_a_200():
    pbx = FakePbx([sip("request", 10.0004, auth=True), sip("request", 10.0000), sip("reply", 10.0052, 200)])
    assert row_secure.first_invite_time(pbx, 0, "100", "101") == (10.0000, None)
    _, error = row_secure.first_invite_time(FakePbx([sip("request", 1.0)]), 0, "100", "101")
    assert "with a 200" in error


def test_process_cpu_of_a_live_process_counts_what_it_used():
    # burns 0.2 s of CPU, says so, then waits for its stdin to close
    child = subprocess.Popen([sys.executable, "-c", "import sys, time\nt = time.process_time()\n"
                              "while time.process_time() - t < 0.2: pass\nprint(1, flush=True)\nsys.stdin.read()"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert child.stdout.readline() == b"1\n"
        used = process_cpu_ms(child.pid)
        assert 200 <= used < 10000
    finally:
        child.stdin.close()
        _, _, usage = os.wait4(child.pid, 0)
        child.returncode = 0
        child.stdout.close()
    assert rusage_cpu_ms(usage) >= used
