"""sip-call devices on a machine without a sound card: the real PortAudio
and ALSA, configured by alsa.py. The list is the product (stdout); stderr
must stay empty, whatever ALSA and JACK would have said."""

import os
import subprocess
import wave

import pytest

from alsa import RATE, broken_config, fake_sound_card, no_sound_card
from sipcall import run


def test_lists_the_default_input_and_output_as_a_table(tmp_path):
    card = fake_sound_card(tmp_path)
    r = run(["devices"], env=card.env)
    assert r.code == 0, r
    assert r.stderr == "", r
    header, *rows = r.stdout.splitlines()
    assert header.split() == ["INDEX", "NAME", "HOST", "API", "IN", "OUT", "RATE", "DEFAULT"], r
    default = [row.split() for row in rows if row.split()[1] == "default"]
    assert len(default) == 1, r
    _, _, host_api, inputs, outputs, rate, *defaults = default[0]
    assert host_api == "ALSA" and int(inputs) >= 1 and int(outputs) >= 1 and int(rate) > 0, r
    assert " ".join(defaults) == "input, output", r


def test_json_report_lists_the_default_devices(tmp_path):
    card = fake_sound_card(tmp_path)
    r = run(["devices", "--json"], env=card.env)
    assert r.code == 0, r
    assert r.stderr == "", r
    assert len(r.json_lines()) == 1, r
    report = r.report()
    assert report["command"] == "devices"
    assert report["result"] == "ok" and report["exit_code"] == 0 and report["exit_reason"] == "ok"
    assert "error" not in report
    assert report["total_ms"] >= 0
    inputs = [d for d in report["devices"] if d["default_input"]]
    outputs = [d for d in report["devices"] if d["default_output"]]
    assert [d["name"] for d in inputs] == ["default"], report
    assert [d["name"] for d in outputs] == ["default"], report
    device = inputs[0]
    assert device["host_api"] == "ALSA"
    assert device["input_channels"] >= 1 and device["output_channels"] >= 1
    assert device["default_rate_hz"] > 0
    assert device["index"] == report["devices"].index(device)


@pytest.mark.parametrize("json", [False, True])
def test_no_sound_card_is_an_empty_list_not_an_error(tmp_path, json):
    """Documented choice: no devices is a fact to report (exit 0), not a
    failure of the command; a call that needs a device fails with 10."""
    r = run(["--json", "devices"] if json else ["devices"], env=no_sound_card(tmp_path))
    assert r.code == 0, r
    assert r.stderr == "", r
    if json:
        report = r.report()
        assert report["devices"] == [] and report["result"] == "ok", report
    else:
        assert r.stdout == "no audio devices found\n", r


def test_an_unreadable_alsa_configuration_is_a_media_failure(tmp_path):
    env = broken_config(tmp_path)
    r = run(["--json", "devices"], env=env)
    assert r.code == 10, r
    lines = r.stderr.splitlines()
    # PortAudio's own "Expression ... failed" lines may precede ours (it has
    # no hook for them); nothing from ALSA or JACK may.
    assert not [l for l in lines if l.startswith("ALSA lib") or "jack" in l.lower()], r
    assert lines[-1].startswith("sip-call: cannot list audio devices: PortAudio: "), r
    assert env["ALSA_CONFIG_PATH"] in lines[-1], r
    report = r.report()
    assert report["result"] == "error" and report["exit_reason"] == "media_failure", report
    assert "devices" not in report
    assert report["error"] in lines[-1]


def dominant_hz(wav_path):
    """Zero crossings per second / 2: enough to tell 440 Hz from silence or noise."""
    with wave.open(wav_path) as w:
        frames = w.readframes(w.getnframes())
        rate = w.getframerate()
    samples = [int.from_bytes(frames[i:i + 2], "little", signed=True) for i in range(0, len(frames), 2)]
    crossings = sum(1 for a, b in zip(samples, samples[1:]) if (a < 0) != (b < 0))
    return crossings / 2 / (len(samples) / rate)


def test_fake_sound_card_captures_its_tone_and_records_playback(tmp_path):
    """The fixture itself, through ALSA's own tools: what later call tests
    rely on when sip-call talks through the default device."""
    card = fake_sound_card(tmp_path, tone_hz=440, seconds=1)
    env = dict(os.environ, **card.env)
    recorded = str(tmp_path / "recorded.wav")
    subprocess.run(["arecord", "-q", "-D", "default", "-f", "S16_LE", "-r", str(RATE), "-c", "1",
                    "-s", str(RATE // 2), recorded], env=env, check=True, timeout=30)
    assert dominant_hz(recorded) == pytest.approx(440, rel=0.02)

    subprocess.run(["aplay", "-q", "-D", "default", recorded], env=env, check=True, timeout=30)
    played = card.playback_wav()
    assert played is not None
    assert dominant_hz(played) == pytest.approx(440, rel=0.02)
