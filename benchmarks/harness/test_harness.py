"""Checks that the sampler sees what it should. Run: python3 -m unittest discover benchmarks/harness"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from proctree import descendants, sample_tree, summarize  # noqa: E402
from report import per_session  # noqa: E402

# A parent that starts one child; the child burns CPU for a fixed time and holds 64 MiB.
_CHILD = "import time; b = bytearray(64 << 20); end = time.time() + {burn}; x = 0\nwhile time.time() < end: x += 1\ntime.sleep(30)"
_PARENT = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {child!r}]); time.sleep(30)"


class ProcessTreeTest(unittest.TestCase):
    def setUp(self) -> None:
        child = _CHILD.format(burn=1.5)
        self.parent = subprocess.Popen([sys.executable, "-c", _PARENT.format(child=child)], start_new_session=True)
        self.addCleanup(self._stop)
        deadline = time.monotonic() + 10
        while len(descendants(self.parent.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)

    def _stop(self) -> None:
        os.killpg(self.parent.pid, 9)
        self.parent.wait()

    def test_the_tree_holds_the_child_its_memory_and_its_cpu(self) -> None:
        samples = []
        for _ in range(5):
            samples.append(sample_tree(self.parent.pid))
            time.sleep(0.25)
        window = summarize("load", samples)
        self.assertEqual(window.processes_max, 2)
        self.assertGreaterEqual(window.rss_mb_max, 64)
        self.assertIsNotNone(window.pss_mb_max)
        self.assertGreaterEqual(window.pss_mb_max, 60)
        # The child spins on one core for the whole 1 s window: ~1.0, allow a busy machine.
        self.assertGreater(window.cpu_core_share, 0.3)
        self.assertLessEqual(window.cpu_core_share, 1.2)
        self.assertGreaterEqual(window.threads_max, 2)


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


if __name__ == "__main__":
    unittest.main()
