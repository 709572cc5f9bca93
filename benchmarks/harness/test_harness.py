"""Checks that the sampler sees what it should. Run: python3 -m unittest discover benchmarks/harness"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from proctree import descendants, sample_tree, summarize  # noqa: E402
from report import per_session  # noqa: E402

# A parent that starts one child. The child holds 64 MiB, waits for the file `go`, burns
# exactly 0.5 s of its own CPU time (not wall time: the machine may be busy), writes `done`.
_CHILD = (
    "import os, time\n"
    "b = bytearray(64 << 20)\n"
    "while not os.path.exists({go!r}): time.sleep(0.01)\n"
    "x, t0 = 0, time.process_time()\n"
    "while time.process_time() < t0 + 0.5: x += 1\n"
    "open({done!r}, 'w').close()\n"
    "time.sleep(60)\n"
)
_PARENT = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {child!r}]); time.sleep(60)"


class ProcessTreeTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp()
        self.go, self.done = os.path.join(self.dir, "go"), os.path.join(self.dir, "done")
        # The child's interpreter start-up CPU comes before `go`; 0.5 s is counted from there.
        child = _CHILD.format(go=self.go, done=self.done)
        self.parent = subprocess.Popen([sys.executable, "-c", _PARENT.format(child=child)], start_new_session=True)
        self.addCleanup(self._stop)
        deadline = time.monotonic() + 30
        while len(descendants(self.parent.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)

    def _stop(self) -> None:
        os.killpg(self.parent.pid, 9)
        self.parent.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_the_tree_holds_the_child_its_memory_and_its_cpu(self) -> None:
        samples = [sample_tree(self.parent.pid)]
        open(self.go, "w").close()
        deadline = time.monotonic() + 60
        while not os.path.exists(self.done) and time.monotonic() < deadline:
            time.sleep(0.1)
            samples.append(sample_tree(self.parent.pid))
        samples.append(sample_tree(self.parent.pid))
        self.assertTrue(os.path.exists(self.done), "the child never finished its CPU burn")
        window = summarize("load", samples)
        self.assertEqual(window.processes_max, 2)
        self.assertGreaterEqual(window.rss_mb_max, 64)
        self.assertIsNotNone(window.pss_mb_max)
        self.assertGreaterEqual(window.pss_mb_max, 60)
        self.assertGreaterEqual(window.threads_max, 2)
        cpu_seconds = window.cpu_core_share * window.seconds
        self.assertGreater(cpu_seconds, 0.4)  # the 0.5 s burn, at clock-tick resolution
        self.assertLess(cpu_seconds, 0.9)  # plus a little polling, not more


class PerSessionTest(unittest.TestCase):
    def test_load_minus_baseline_per_session_and_distance_to_the_floor(self) -> None:
        baseline = {"pss_mb_mean": 100.0, "rss_mb_mean": 120.0, "cpu_core_share": 0.02, "threads_mean": 20, "processes_mean": 1}
        load = {"pss_mb_mean": 126.0, "rss_mb_mean": 150.0, "cpu_core_share": 0.34, "threads_mean": 40, "processes_mean": 1}
        got = per_session(baseline, load, 10)
        self.assertEqual(got["pssMb"], 2.6)
        self.assertEqual(got["rssMb"], 3.0)
        self.assertEqual(got["cpuPercentOfCore"], 3.2)
        self.assertEqual(got["threads"], 2.0)
        self.assertEqual(got["memoryAboveFloorMb"], 1.3)
        self.assertEqual(got["memoryTimesFloor"], 2.0)
        self.assertEqual(got["cpuTimesFloor"], 2.0)


class AgentAudioAndSmokeCheckTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir, True)

    def test_agent_audio_summarises_only_the_agent_lines(self) -> None:
        from media_density import agent_audio, read_sessions

        path = os.path.join(self.dir, "events.jsonl")
        lines = [
            {"event": "session", "room": "r0", "runningMs": 1},
            {"event": "agent-audio", "room": "r0", "sessionSeconds": 10.0, "sentFrames": 1000, "sentUnderruns": 1,
             "receivedPerSecond": 99.5, "receivedHz": 440, "receivedRms": 4240, "receivedDropped": 0},
            {"event": "agent-audio", "room": "r1", "sessionSeconds": 10.0, "sentFrames": 990, "sentUnderruns": 0,
             "receivedPerSecond": 98.5, "receivedHz": 441, "receivedRms": 4100, "receivedDropped": 2},
        ]
        with open(path, "w") as f:
            f.write("".join(json.dumps(line) + "\n" for line in lines))
        from pathlib import Path

        self.assertEqual([s["room"] for s in read_sessions(Path(path))], ["r0"])
        got = agent_audio(Path(path))
        self.assertEqual(got["sessions"], 2)
        self.assertEqual(got["receivedPerSecondMin"], 98.5)
        self.assertEqual(got["receivedPerSecondMean"], 99.0)
        self.assertEqual(got["receivedRmsMin"], 4100)
        self.assertEqual(got["receivedDropped"], 2)
        self.assertEqual(got["sentPerSecondMean"], 99.5)
        self.assertEqual(got["sentUnderruns"], 1)

    def test_window_audio_sums_the_concealment_of_the_sessions_with_stats(self) -> None:
        from media_density import window_audio

        self.assertEqual(window_audio([{"event": "agent-audio"}]), {"windowSessions": 0})
        lines = [
            {"window": {"perSecond": 100.0, "hz": 440, "rms": 4240, "silentFrames": 0, "maxGapMs": 30.0,
                        "samplesReceived": 480_000, "concealedSamples": 0, "concealedShare": 0.0, "packetsLost": 0,
                        "jitterBufferDelayMsAtEnd": 60.0}},
            {"window": {"perSecond": 99.0, "hz": 300, "rms": 2000, "silentFrames": 150, "maxGapMs": 90.0,
                        "samplesReceived": 480_000, "concealedSamples": 96_000, "concealedShare": 0.2, "packetsLost": 3,
                        "jitterBufferDelayMsAtEnd": 120.0}},
            {"window": {"perSecond": 98.0, "hz": 440, "rms": 4200, "silentFrames": 0, "maxGapMs": 40.0,
                        "receiveStats": "none at the window's start"}},
        ]
        got = window_audio(lines)
        self.assertEqual(got["windowSessions"], 3)
        self.assertEqual(got["windowStatsSessions"], 2)
        self.assertEqual(got["windowConcealedShare"], 0.1)
        self.assertEqual(got["windowConcealedShareMax"], 0.2)
        self.assertEqual(got["windowPacketsLost"], 3)
        self.assertEqual(got["windowHzMin"], 300)
        self.assertEqual(got["windowHzMedian"], 440)
        self.assertEqual(got["windowSilentFrames"], 150)
        self.assertEqual(got["windowMaxGapMs"], 90.0)

    def test_callers_list_accepts_the_two_drivers_once_each(self) -> None:
        import argparse

        from media_density import callers_list

        self.assertEqual(callers_list("go,node,go"), ["go", "node"])
        with self.assertRaises(argparse.ArgumentTypeError):
            callers_list("rust")

    def test_smoke_check_fails_a_runtime_that_ran_no_session_and_passes_one_that_did(self) -> None:
        from pathlib import Path

        from smoke_check import problems

        out = Path(self.dir)
        for name, body in {
            "stub": {"runs": [{"kind": "buffer", "sessions": 20, "successes": 20}]},
            "media": {"runs": [{"runtime": "a", "sessions": 1, "callers": {"callersHearing": 1}},
                               {"runtime": "b", "sessions": 1, "callers": {"callersHearing": 0}}]},
            "dispatch": {"results": [{"runtime": "a", "rates": [{"running": 0}, {"running": 3}]},
                                     {"runtime": "b", "rates": [], "error": "no worker registered"}]},
            "vad": {"runs": [{"runtime": "a", "sessions": 1, "figures": {"windowsPerSecondPerSession": 31.2,
                                                                         "failedSessions": 0}},
                             {"runtime": "b", "sessions": 2, "error": "driver exited (code 1) before 'ready'"}]},
            "voice": {"runs": [{"runtime": "a", "sessions": 1, "figures": {"turns": {"turns": 2, "answered": 2}}}]},
        }.items():
            (out / name).mkdir()
            (out / name / "result.json").write_text(json.dumps(body))
        found = problems(out)
        self.assertEqual(len(found), 3, found)
        self.assertIn("media b", found[0])
        self.assertIn("dispatch b: no worker registered", found[1])
        self.assertIn("vad b N=2: driver exited", found[2])


class VadFiguresTest(unittest.TestCase):
    def test_medians_ratios_against_python_and_the_cost_of_one_more_session(self) -> None:
        from vad_density import aggregate, marginal, ratios

        def run(runtime, n, cpu, pss):
            keys = ("cpuUsPerWindow", "inferenceUsPerWindow")
            return {"runtime": runtime, "sessions": n,
                    "figures": {"cpuPercentPerSession": cpu, "pssMbPerSession": pss, "rssMbPerSession": pss,
                                **{k: cpu * 100 for k in keys}}}

        runs = [run("openrtc-jvm", 10, 1.0, 4.0), run("openrtc-jvm", 10, 1.2, 5.0), run("openrtc-jvm", 10, 3.0, 4.5),
                run("python-silero", 10, 3.0, 1.0), run("openrtc-jvm", 50, 0.8, 2.0), {"runtime": "x", "error": "e"}]
        rows = aggregate(runs)
        jvm10 = next(r for r in rows if r["runtime"] == "openrtc-jvm" and r["sessions"] == 10)
        self.assertEqual((jvm10["runs"], jvm10["cpuPercentPerSession"], jvm10["pssMbPerSession"]), (3, 1.2, 4.5))
        self.assertEqual((jvm10["cpuPercentPerSessionMin"], jvm10["cpuPercentPerSessionMax"]), (1.0, 3.0))
        got = ratios(rows)
        self.assertEqual(len(got), 1)  # python-silero ran at N=10 only
        self.assertEqual((got[0]["cpuRatio"], got[0]["pssRatio"]), (0.4, 4.5))
        step = marginal(rows)
        # 10 sessions at 1.2% and 4.5 MB, 50 at 0.8% and 2.0 MB: the other 40 cost 0.7% and 1.375 MB each.
        self.assertEqual(step, [{"runtime": "openrtc-jvm", "from": 10, "to": 50, "cpuPercentPerSession": 0.7,
                                 "rssMbPerSession": 1.375, "pssMbPerSession": 1.375}])


class VoiceFiguresTest(unittest.TestCase):
    """The voice benchmark's parsing and statistics (voice_report.py)."""

    def test_speech_server_lines_give_each_requests_own_time_including_the_model_lock_wait(self) -> None:
        from voice_report import parse_speech_line

        stt = parse_speech_line("16:02:59 POST /v1/audio/transcriptions 200 774ms compute, 803ms wall, 3.33s audio, "
                                "waited 26ms for the model")
        self.assertEqual((stt["kind"], stt["status"], stt["ms"], stt["computeMs"], stt["waitMs"]), ("stt", 200, 800.0, 774.0, 26.0))
        tts = parse_speech_line("16:03:01 POST /v1/audio/speech 200 468ms compute, 512ms wall, 2 sentence(s), 4.43s audio, "
                                "first sentence 267ms, waited 10ms for the model")
        # The turn waits for the first sentence (the first byte), not for the whole answer.
        self.assertEqual((tts["kind"], tts["ms"], tts["computeMs"], tts["totalComputeMs"]), ("tts", 277.0, 267.0, 468.0))
        failed = parse_speech_line("16:03:02 POST /audio/speech 400 0ms compute, 1ms wall")
        self.assertEqual((failed["kind"], failed["status"], failed["ms"]), ("tts", 400, 0.0))
        self.assertIsNone(parse_speech_line("16:02:43 ready on http://127.0.0.1:41177 after 1903ms"))
        self.assertIsNone(parse_speech_line("16:03:00 GET /health 200 0ms compute, 0ms wall"))

    def test_scripted_llm_lines_give_the_time_to_the_first_token(self) -> None:
        from voice_report import parse_llm_line

        got = parse_llm_line("request=3 stream=true status=200 kind=TEXT think_ms=200 processing_ms=201 total_ms=246 "
                             "completion_tokens=9 completed=true")
        self.assertEqual((got["kind"], got["status"], got["ms"], got["totalMs"]), ("llm", 200, 201.0, 246.0))
        self.assertIsNone(parse_llm_line("ScriptedChatServer listening on http://127.0.0.1:33995/v1"))

    def test_percentiles_are_nearest_rank_and_skip_missing_values(self) -> None:
        from voice_report import percentile

        values = [float(v) for v in range(1, 21)]  # 1..20
        self.assertEqual(percentile(values, 0.5), 10.0)
        self.assertEqual(percentile(values, 0.95), 19.0)
        self.assertEqual(percentile(values, 1.0), 20.0)
        self.assertEqual(percentile([3.0, None, 1.0], 0.5), 1.0)
        self.assertIsNone(percentile([None], 0.5))

    def test_word_errors_ignore_case_punctuation_and_spelt_numbers(self) -> None:
        from voice_report import intelligible, word_errors

        expected = "Your table for two at seven tonight is booked."
        self.assertEqual(word_errors(expected, "your table for 2 at 7 tonight is booked"), 0)
        self.assertEqual(word_errors(expected, "Your table for two at seven tonight is looked."), 1)
        self.assertEqual(word_errors(expected, "Your table is booked."), 5)
        self.assertTrue(intelligible(expected, "Your table for two at seven tonight, his book."))  # 2 of 9 words
        self.assertFalse(intelligible(expected, "Your table is booked."))
        self.assertFalse(intelligible(expected, ""))

    def test_turns_models_and_overhead_of_one_run(self) -> None:
        from voice_report import model_time, overhead, turn_figures

        answer = "Your table is booked."
        turns = [
            {"turn": -1, "warmup": True, "silent": False, "latencyMs": 5000, "wav": "w"},
            {"turn": 0, "warmup": False, "silent": False, "latencyMs": 2000, "wav": "a"},
            {"turn": 1, "warmup": False, "silent": False, "latencyMs": 2200, "wav": "b"},
            {"turn": 2, "warmup": False, "silent": False, "latencyMs": 1800, "wav": "c"},
            {"turn": 3, "warmup": False, "silent": True, "latencyMs": None, "wav": None},
        ]
        got = turn_figures(turns, answer, {"a": "Your table is booked.", "b": "Cheese.", "w": "x"})
        self.assertEqual((got["turns"], got["answered"], got["silent"]), (4, 3, 1))
        self.assertEqual((got["latencyP50Ms"], got["latencyP95Ms"], got["latencyMeanMs"]), (2000, 2200, 2000.0))
        self.assertEqual((got["transcribed"], got["unintelligible"], got["failed"]), (2, 1, 2))

        requests = [{"kind": "stt", "status": 200, "ms": 600.0}, {"kind": "stt", "status": 200, "ms": 800.0},
                    {"kind": "stt", "status": 500, "ms": 1.0}, {"kind": "llm", "status": 200, "ms": 200.0},
                    {"kind": "tts", "status": 200, "ms": 250.0}, {"kind": "tts", "status": 200, "ms": 350.0}]
        models = model_time(requests)
        self.assertEqual((models["stt"]["requests"], models["stt"]["failed"], models["stt"]["p50Ms"]), (3, 1, 600.0))
        self.assertEqual((models["perTurnP50Ms"], models["perTurnMeanMs"]), (1050.0, 1200.0))
        share = overhead(got, models)
        self.assertEqual((share["p50Ms"], share["meanMs"], share["p50BeyondSilenceMs"]), (950.0, 800.0, 400.0))
        self.assertFalse(share["comparable"])  # a silent turn: the models' log holds requests no answer waited for
        answered = turn_figures(turns[:4], answer, {})
        self.assertTrue(overhead(answered, models)["comparable"])

    def test_ratios_against_python_and_the_goals_at_ten_sessions(self) -> None:
        from voice_report import goals, ratios, voice_tables

        def run(runtime, n, overhead_ms, cpu, failed=0):
            return {"runtime": runtime, "sessions": n, "figures": {
                "turns": {"turns": 10, "answered": 10 - failed, "silent": failed, "failed": failed, "transcribed": 10,
                          "unintelligible": 0, "latencyP50Ms": overhead_ms + 1000.0, "latencyP95Ms": overhead_ms + 1500.0},
                "models": {"perTurnP50Ms": 1000.0, "stt": {"p50Ms": 600.0}, "llm": {"p50Ms": 200.0}, "tts": {"p50Ms": 200.0}},
                "overhead": {"comparable": failed == 0, "p50Ms": overhead_ms, "meanMs": overhead_ms, "p50BeyondSilenceMs": overhead_ms - 550,
                             "meanBeyondSilenceMs": overhead_ms - 550},
                "perSession": {"cpuPercentOfCore": cpu, "pssMb": 50.0}, "machineCpuShare": 0.95,
                "speechServerCpuPercent": 40.0}}

        runs = [run("openrtc-jvm", 10, 700.0, 5.0), run("python-agents", 10, 1000.0, 20.0),
                run("openrtc-jvm", 5, 700.0, 5.0), run("python-agents", 5, 1000.0, 20.0, failed=3),
                run("openrtc-jvm", 20, 800.0, 5.0), {"runtime": "python-agents", "sessions": 20, "skipped": True,
                                                    "error": "not run"}]
        rows = ratios(runs)
        self.assertEqual([r["sessions"] for r in rows], [5, 10])  # python-agents has no figures at 20
        self.assertIsNone(rows[0]["overheadP50"])  # silent turns at 5: the overhead is not compared
        self.assertEqual(rows[0]["cpuPerSession"], 0.25)
        self.assertEqual((rows[1]["overheadP50"], rows[1]["overheadP50BeyondSilence"], rows[1]["cpuPerSession"]),
                         (0.7, 0.333, 0.25))
        got = goals(runs, rows)
        self.assertEqual((got["overheadAtMostHalf"], got["overheadBeyondSilenceAtMostHalf"], got["cpuAtMostAThird"],
                          got["noFailedTurn"]), (False, True, True, True))
        text = voice_tables(runs)
        self.assertIn("NOT met", text)
        self.assertIn("n/a (silent turns)", text)
        self.assertIn("95% SAT", text)
        self.assertIn("not run", text)

    def test_smoke_check_wants_every_voice_runtime_to_answer_a_turn(self) -> None:
        from pathlib import Path

        from smoke_check import voice_problems

        d = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, d, True)
        (d / "voice").mkdir()
        (d / "voice" / "result.json").write_text(json.dumps({"runs": [
            {"runtime": "openrtc-jvm", "sessions": 1, "figures": {"turns": {"turns": 2, "answered": 2}}},
            {"runtime": "python-agents", "sessions": 1, "figures": {"turns": {"turns": 2, "answered": 0}}},
            {"runtime": "late", "sessions": 1, "figures": {"turns": {"turns": 1, "answered": 0}},
             "turnRows": [{"warmup": True, "silent": False}, {"warmup": False, "silent": True}]},
        ]}))
        found = voice_problems(d)
        self.assertEqual(len(found), 1, found)
        self.assertIn("voice python-agents N=1", found[0])


class VoicePeersTest(unittest.TestCase):
    def test_both_voice_workers_give_the_model_the_same_instructions(self) -> None:
        import ast
        import re
        from pathlib import Path

        bench = Path(__file__).resolve().parents[1]
        java = (bench / "openrtc-bench/src/main/java/io/openrtc/bench/VoiceWorker.java").read_text()
        block = re.search(r'INSTRUCTIONS = """\n(.*?)""";', java, re.S).group(1)
        java_text = "".join(line.strip().rstrip("\\").replace('\\"', '"') for line in block.splitlines())
        python = (bench / "peers/python_agents_voice_worker.py").read_text()
        tree = ast.parse(python)
        value = next(node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                     and any(getattr(t, "id", None) == "INSTRUCTIONS" for t in node.targets))
        python_text = ast.literal_eval(value)
        self.assertIn("Harbour restaurant", python_text)
        self.assertEqual(java_text, python_text)


if __name__ == "__main__":
    unittest.main()
