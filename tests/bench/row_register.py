"""Row 1 of the benchmark: one-shot registration (REGISTER with digest auth,
then un-REGISTER), timed from process start to exit.

  sip-call register   udp tcp ws wss   (one process; it unregisters by itself)
  sipsak -U           udp tcp          (two processes: -x 300, then -x 0)
  sipp -m 1           udp tcp          (sipp_register.xml: 401, 200, 200)
  JsSIP (Node)        ws wss           (jssip/register.js)

A run counts only if every process exited 0 and the PBX received both an
authenticated REGISTER and an authenticated un-REGISTER from that user over
that transport, and holds no binding for the user afterwards."""

import os
import shutil

from measure import run_process, sample_of
from targets import check, summary_median
from testpbx import free_port

HERE = os.path.dirname(os.path.abspath(__file__))
SIPP_SCENARIO = os.path.join(HERE, "sipp_register.xml")
JSSIP_DIR = os.path.join(HERE, "jssip")
EXPIRES = "300"


class Case:
    """One tool over one transport: the processes of one run (run one after
    the other) and the variables they need in their environment."""

    metrics = [("register", "ms")]

    def __init__(self, tool, transport, user, argv_list, extra_env, missing=None):
        self.tool = tool
        self.transport = transport
        self.variant = transport
        self.user = user
        self._argv_list = argv_list     # (ctx, user) -> [argv, ...]
        self._extra_env = extra_env     # (ctx, user) -> {name: value}
        self.missing = missing          # why the tool cannot run here, or None

    def run_once(self, ctx):
        pbx = ctx.pbx
        mark = pbx.mark()
        env = dict(os.environ, **self._extra_env(ctx, self.user))
        runs = []
        for argv in self._argv_list(ctx, self.user):
            runs.append(run_process(argv, env=env))
            if runs[-1].failure():
                break
        sample = sample_of(runs)
        if sample.error is None:
            sample.error = verify_at_pbx(pbx, self.user, self.transport, mark)
        return {"register": sample}


def verify_at_pbx(pbx, user, transport, mark):
    """None when the PBX saw the register and unregister and the binding is
    gone; else why not.  The PBX logs what it receives (not its replies), so
    the 200s themselves are vouched for by the tools' exit status."""
    def registers(expires_zero):
        def match(m):
            return (m["type"] == "request" and m["method"] == "REGISTER" and m["from"] == user
                    and m["auth"] and m["proto"] == transport
                    and (m.get("expires") == "0" or "expires=0" in m.get("contact", "")) == expires_zero)
        return match
    for what, pred in (("authenticated REGISTER", registers(False)),
                       ("authenticated un-REGISTER", registers(True))):
        try:
            pbx.wait_for_message(pred, timeout=2.0, since=mark)
        except TimeoutError:
            return f"PBX received no {what} from {user} over {transport}"
    left = pbx.bindings(user)
    if left:
        return f"binding of {user} still there after the run: {left[0]['uri']}"
    return None


# -- the tools -----------------------------------------------------------------


def _no_env(ctx, user):
    return {}


def _sip_call(ctx, transport):
    def argv_list(ctx, user):
        return [[ctx.sip_call, "--server", ctx.pbx.url(transport), "--user", user,
                 "--domain", ctx.pbx.domain, "--ca-file", ctx.pbx.ca_file, "register",
                 "--expires", EXPIRES]]

    def env(ctx, user):
        return {"SIP_CALL_PASSWORD": ctx.pbx.password(user)}
    missing = None if os.access(ctx.sip_call, os.X_OK) else f"{ctx.sip_call} not built (ninja -C build)"
    return argv_list, env, missing


def _sipsak(ctx, transport):
    def argv_list(ctx, user):
        contact = f"sip:{user}@127.0.0.1:{free_port()}"     # never contacted
        base = ["sipsak", "-U", "-C", contact, "-a", ctx.pbx.password(user), "-u", user,
                "-E", transport, "-s", f"sip:{user}@127.0.0.1:{ctx.pbx.ports[transport]}"]
        # sipsak cannot register and unregister in one process.
        return [base + ["-x", EXPIRES], base + ["-x", "0"]]
    return argv_list, _no_env, _which("sipsak")


def _sipp(ctx, transport):
    def argv_list(ctx, user):
        # -p: a free port of our own, not sipp's default 5060 which another
        # process on this machine may hold.
        return [["sipp", "-sf", SIPP_SCENARIO, "-m", "1", "-t", {"udp": "u1", "tcp": "t1"}[transport],
                 "-i", "127.0.0.1", "-p", str(free_port()), "-s", user, "-au", user,
                 "-ap", ctx.pbx.password(user), "-key", "domain", ctx.pbx.domain,
                 "-nostdin", "-timeout", "10", "-timeout_error",
                 f"127.0.0.1:{ctx.pbx.ports[transport]}"]]
    return argv_list, _no_env, _which("sipp")


def _jssip(ctx, transport):
    def argv_list(ctx, user):
        return [["node", os.path.join(JSSIP_DIR, "register.js"), ctx.pbx.url(transport), user,
                 ctx.pbx.domain]]

    def env(ctx, user):
        return {"JSSIP_PASSWORD": ctx.pbx.password(user), "NODE_EXTRA_CA_CERTS": ctx.pbx.ca_file}
    missing = _which("node")
    if missing is None and not os.path.isdir(os.path.join(JSSIP_DIR, "node_modules", "jssip")):
        missing = "jssip not installed (tests/bench/setup.sh)"
    return argv_list, env, missing


def _which(program):
    return None if shutil.which(program) else f"{program} not installed (tests/bench/setup.sh)"


TOOLS = (
    ("sip-call", _sip_call, ("udp", "tcp", "ws", "wss")),
    ("sipsak", _sipsak, ("udp", "tcp")),
    ("sipp", _sipp, ("udp", "tcp")),
    ("jssip", _jssip, ("ws", "wss")),
)


def cases(ctx):
    """Every (tool, transport) of the row, each with a user of its own."""
    out = []
    for tool, make, transports in TOOLS:
        for transport in transports:
            user = str(170 + len(out))
            argv_list, env, missing = make(ctx, transport)
            out.append(Case(tool, transport, user, argv_list, env, missing))
    return out


def targets(summaries):
    """The issue's targets for this row, as (text, met) pairs; summaries maps
    (row, tool, transport) to measure.Summary.  A target whose figures are
    missing or failed is not met."""
    def median(tool, transport):
        return summary_median(summaries, "register", tool, transport)

    wss, udp = median("sip-call", "wss"), median("sip-call", "udp")
    jssip_wss, sipsak_udp, sipp_udp = median("jssip", "wss"), median("sipsak", "udp"), median("sipp", "udp")
    return [
        check("sip-call wss median <= 40 ms", wss, test=lambda a: a <= 40.0),
        check("sip-call wss faster than JsSIP wss", wss, jssip_wss, test=lambda a, b: a < b),
        check("sip-call udp within 1.5x of sipsak udp", udp, sipsak_udp, test=lambda a, b: a <= 1.5 * b),
        check("sip-call udp faster than sipp udp", udp, sipp_udp, test=lambda a, b: a < b),
    ]
