"""Row 2 of the benchmark: post-dial delay (first INVITE -> 180 Ringing) and
answer time (first INVITE -> 200 OK) of one call on loopback, through the
test PBX, both tools with opus over udp:

  sip-call dial -> sip-call answer     (fresh processes per run)
  baresip -> baresip                   (fresh peers per run, auto-answer)

Both tools are timed the same way, by the PBX: it stamps every message it
receives (`time=` in its log, Kamailio's $TV(Sn), microseconds), so the
delays run from the caller's first INVITE reaching the PBX to the callee's
180 and 200 reaching it.  Included: the 407 challenge round trip and the
caller's digest, the PBX relaying the INVITE, the callee's processing and
its SDP answer.  Not included: the caller's time before its first INVITE
(sip-call registers first; baresip is registered already) and the last hop
of the 180/200 back to the caller (the same for both)."""

from calls import baresip_missing, baresip_pair, bindings_gone, encoder_error, sip_call_call, sip_call_missing
from measure import Sample, failed

CODEC = "opus"
VARIANT = "udp opus"
METRICS = [("post-dial", "ms"), ("answer", "ms")]
CALL = "0.2s"           # sip-call's call length: only the set-up is measured


class Case:
    metrics = METRICS

    def __init__(self, tool, caller, callee, call, missing):
        self.tool = tool
        self.variant = VARIANT
        self.caller = caller
        self.callee = callee
        self._call = call           # (ctx, caller, callee) -> None or error
        self.missing = missing

    def run_once(self, ctx):
        mark = ctx.pbx.mark()
        error = self._call(ctx, self.caller, self.callee)
        if error is None:
            delays, error = invite_delays(ctx.pbx, mark, self.caller, self.callee)
        if error is not None:
            return {row: failed(error) for row, _ in METRICS}
        return {row: Sample(value=delay) for (row, _), delay in zip(METRICS, delays)}


def invite_delays(pbx, mark, caller, callee):
    """((ms to 180, ms to 200), None) from the PBX's receive times of the
    call's first INVITE and the callee's 180 and 200, or (None, why not)."""
    def final_ok(m):
        return (m["type"] == "reply" and m["method"] == "INVITE" and m["status"] == 200
                and m["from"] == caller and m["to"] == callee)
    try:
        ok = pbx.wait_for_message(final_ok, timeout=2.0, since=mark)
    except TimeoutError:
        return None, f"PBX received no 200 for an INVITE from {caller} to {callee}"
    messages = [m for m in pbx.messages(since=mark) if m["callid"] == ok["callid"] and m["method"] == "INVITE"]
    if any(m["time"] is None for m in messages):
        return None, "PBX log has no receive times (time=)"
    # By time, not by line: Kamailio's workers share one log.
    invite = min((m for m in messages if m["type"] == "request"), key=lambda m: m["time"], default=None)
    ringing = min((m for m in messages if m["type"] == "reply" and m["status"] == 180),
                  key=lambda m: m["time"], default=None)
    ok = min((m for m in messages if m["type"] == "reply" and m["status"] == 200), key=lambda m: m["time"])
    if invite is None or ringing is None:
        return None, f"PBX log of call {ok['callid']} lacks the INVITE or the 180"
    return ((ringing["time"] - invite["time"]) * 1000.0, (ok["time"] - invite["time"]) * 1000.0), None


def _sip_call(ctx, caller, callee):
    call = sip_call_call(ctx, caller, callee,
                         dial_args=["--duration", CALL, "--tone", "440", "--codecs", CODEC],
                         answer_args=["--tone", "1000", "--codecs", CODEC])
    return call.error or call.codec_error(CODEC)


def _baresip(ctx, caller, callee):
    with baresip_pair(ctx, caller, callee, CODEC) as (a, b):
        a.dial(callee)
        a.wait_established()
        b.wait_established()
        a.hangup()
        a.wait_closed()
        b.wait_closed()
        error = encoder_error((a, b), CODEC)
    return error or bindings_gone(ctx.pbx, (caller, callee))


def cases(ctx):
    return [Case("sip-call", "1100", "1101", _sip_call, sip_call_missing(ctx)),
            Case("baresip", "1102", "1103", _baresip, baresip_missing())]


def targets(summaries):
    """Issue 5 sets no target for this row: it is a comparison."""
    return []
