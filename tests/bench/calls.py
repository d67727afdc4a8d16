"""One call between two user agents on the test PBX, for the rows that need
a callee and a caller: sip-call `answer` and `dial`, each under GNU time
(measure.start_process), or two baresip peers (tests/pbx/baresip_peer.py).
Every process started here is stopped here, and every run ends with a
check that neither user is still registered (a stale binding would route
the next run's call to a process that is gone)."""

import contextlib
import os
import re
import shutil

from baresip_peer import BaresipPeer
from measure import start_process
from testpbx import wait_until

REGISTER_TIMEOUT = 10.0     # [s] for a callee to show up in the registrar
UNREGISTER_TIMEOUT = 5.0    # [s] for the bindings to go after a run


def account_args(ctx, user, transport="udp", pbx=None):
    """sip-call's account options for user on pbx (default: ctx.pbx)."""
    pbx = pbx or ctx.pbx
    return ["--server", pbx.url(transport), "--user", user, "--domain", pbx.domain, "--ca-file", pbx.ca_file]


def sip_call_env(ctx, user, extra=None, pbx=None):
    env = dict(os.environ, SIP_CALL_PASSWORD=(pbx or ctx.pbx).password(user))
    env.update(extra or {})
    return env


def sip_call_missing(ctx):
    return None if os.access(ctx.sip_call, os.X_OK) else f"{ctx.sip_call} not built (ninja -C build)"


def baresip_missing():
    return None if shutil.which("baresip") else "baresip not installed (bash .ci/install-deps)"


def bindings_gone(pbx, users):
    """None once no user of the run is registered any more, else why not."""
    for user in users:
        try:
            pbx.wait_for_bindings(user, 0, timeout=UNREGISTER_TIMEOUT)
        except TimeoutError as e:
            return f"{user} still registered after the run: {e}"
    return None


def _wait_registered(pbx, user, process):
    """None once the PBX holds a binding of user, else why not (the process
    ended, or the deadline passed)."""
    try:
        wait_until(lambda: pbx.bindings(user) or not process.running(), REGISTER_TIMEOUT,
                   what=f"a binding of {user}")
    except TimeoutError:
        return f"sip-call answer ({user}) did not register within {REGISTER_TIMEOUT:.0f} s"
    return None if process.running() else f"sip-call answer ({user}) ended before the call"


class SipCallCall:
    """The outcome of sip_call_call(): both processes' ProcessRuns (None if
    not started), their JSON reports, and the first error or None."""

    def __init__(self, caller, callee, error):
        self.caller = caller
        self.callee = callee
        self.caller_report = caller.report() if caller else None
        self.callee_report = callee.report() if callee else None
        self.error = error

    def codec_error(self, codec):
        """None when the caller's report names codec as the call's, else why not."""
        used = ((self.caller_report or {}).get("media") or {}).get("codec")
        return None if used == codec else f"sip-call's call had codec {used}, not {codec}"


def sip_call_call(ctx, caller, callee, dial_args=(), answer_args=(), timeout=30.0, dial_prefix=(),
                  dial_env=None, dial_playback=False):
    """One call from `sip-call dial` (user caller) to `sip-call answer
    --calls 1` (user callee), both over udp with --json and --no-playback
    (the caller plays on its default device with dial_playback).
    dial_prefix runs the caller under another program (valgrind); dial_env
    adds to its environment.  The callee is started first and the caller
    only once the PBX holds the callee's binding."""
    answer = start_process([ctx.sip_call, *account_args(ctx, callee), "--json", "answer", "--calls", "1",
                            "--no-playback", *answer_args], env=sip_call_env(ctx, callee))
    caller_run = None
    try:
        error = _wait_registered(ctx.pbx, callee, answer)
        if error is None:
            dial = [*([] if dial_playback else ["--no-playback"]), *dial_args]
            caller_run = start_process([*dial_prefix, ctx.sip_call, *account_args(ctx, caller), "--json", "dial",
                                        callee, *dial], env=sip_call_env(ctx, caller, dial_env)).wait(timeout)
            error = caller_run.failure()
        if error is not None:
            answer.kill()
        callee_run = answer.wait(timeout=15.0)
    except BaseException:
        answer.kill()
        answer.wait()
        raise
    error = error or callee_run.failure() or bindings_gone(ctx.pbx, (caller, callee))
    return SipCallCall(caller_run, callee_run, error)


_ENCODER_RE = re.compile(r"Set audio encoder: (\S+)")


def baresip_encoder(peer):
    """The codec baresip encoded its last call with, from its log ("audio:
    Set audio encoder: opus 48000Hz 1ch"), lower case; None if it never
    set one.  baresip quietly offers every codec it has when the account's
    audio_codecs names one it lacks, so a benchmark must check this."""
    found = _ENCODER_RE.findall(peer.log_text())
    return found[-1].lower() if found else None


def encoder_error(peers, codec):
    """None when every baresip peer encoded with codec, else why not."""
    encoders = {baresip_encoder(p) for p in peers}
    return None if encoders == {codec} else f"baresip encoded with {sorted(map(str, encoders))}, not {codec}"


@contextlib.contextmanager
def baresip_pair(ctx, caller, callee, codec, caller_wav=None, callee_wav=None, extra_config=None, pbx=None,
                 netns=None, **peer_args):
    """Two registered baresip peers (caller, callee) offering only `codec`
    (a name of BaresipPeer's or baresip's own, e.g. "opus/48000/1"),
    without recordings or SIP trace (costs sip-call does not pay), sending
    caller_wav/callee_wav (default: tones).  pbx: the PBX they register
    on (default ctx.pbx); netns: a NetNamespace both are started in (the
    PBX must live there too); peer_args: more BaresipPeer arguments
    (mediaenc, medianat, rtcp_mux).  Both are stopped on leaving; the
    block should then check bindings_gone() and encoder_error()."""
    pbx = pbx or ctx.pbx
    common = dict(codecs=[codec], record=False, sip_trace=False, extra_config=extra_config, **peer_args)
    with contextlib.ExitStack() as stack:
        peers = []
        for user, tone_hz, wav in ((caller, 440, caller_wav), (callee, 1000, callee_wav)):
            peer = BaresipPeer(pbx, user, tone_hz=tone_hz, source_wav=wav, **common)
            peers.append(stack.enter_context(netns.started(peer) if netns else peer))
        a, b = peers
        a.wait_registered()
        b.wait_registered()
        yield a, b
