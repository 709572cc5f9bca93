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


if __name__ == "__main__":
    unittest.main()
