"""Samples a process tree (a PID and all its descendants) from /proc: memory, CPU, threads.

Linux only, standard library only. Used by the benchmark orchestrators, and runnable alone:

    python3 benchmarks/harness/proctree.py --pid 1234 --baseline-s 5 --measure-s 20 \\
        [--interval-s 0.5] [--json out.json]

samples the tree idle for --baseline-s, then (after Enter, or at once with --no-wait) under
load for --measure-s, prints both and writes the raw samples as JSON.

What one sample holds, summed over every live process of the tree:
  rss_kb    resident set (VmRSS). Shared pages (forked children, shared libraries) count once
            per process, so for process-per-job runtimes RSS overstates the real cost.
  pss_kb    proportional set size from /proc/<pid>/smaps_rollup: each shared page is divided
            among the processes sharing it, so the sum is the tree's real share of memory.
  cpu_ticks utime + stime (clock ticks) of every process seen in the window; a process that
            exits keeps the ticks last read from it. CPU share = ticks / (window * CLK_TCK),
            where 1.0 means one full core.
  threads   native threads (entries of /proc/<pid>/task), processes: number of processes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field

CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class ProcessReading:
    pid: int
    ppid: int
    name: str
    start_ticks: int
    cpu_ticks: int
    rss_kb: int
    pss_kb: int | None
    threads: int


@dataclass
class TreeSample:
    t: float  # seconds since the epoch
    processes: int
    threads: int
    rss_kb: int
    pss_kb: int | None
    cpu_ticks_seen: int  # ticks of live processes at this instant (used for per-pid deltas)
    by_process: list[ProcessReading] = field(default_factory=list)


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return f.read()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None


def _parse_stat(text: str) -> tuple[str, int, int, int]:
    """(name, ppid, utime+stime, starttime) from /proc/<pid>/stat (the name may hold spaces)."""
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    # fields[0] is field 3 (state); ppid is field 4, utime 14, stime 15, starttime 22.
    return name, int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[19])


def _all_parents() -> dict[int, int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        text = _read(f"/proc/{entry}/stat")
        if text is None:
            continue
        parents[int(entry)] = _parse_stat(text)[1]
    return parents


def descendants(root: int) -> list[int]:
    """root and every process below it, found by walking parent links in /proc."""
    children: dict[int, list[int]] = {}
    for pid, ppid in _all_parents().items():
        children.setdefault(ppid, []).append(pid)
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def read_process(pid: int, with_pss: bool = True) -> ProcessReading | None:
    stat = _read(f"/proc/{pid}/stat")
    status = _read(f"/proc/{pid}/status")
    if stat is None or status is None:
        return None
    name, ppid, cpu_ticks, start_ticks = _parse_stat(stat)
    rss_kb = 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            rss_kb = int(line.split()[1])
            break
    pss_kb = None
    if with_pss:
        rollup = _read(f"/proc/{pid}/smaps_rollup")
        if rollup is not None:
            for line in rollup.splitlines():
                if line.startswith("Pss:"):
                    pss_kb = int(line.split()[1])
                    break
    try:
        threads = len(os.listdir(f"/proc/{pid}/task"))
    except (FileNotFoundError, ProcessLookupError):
        return None
    return ProcessReading(pid, ppid, name, start_ticks, cpu_ticks, rss_kb, pss_kb, threads)


def sample_tree(root: int, with_pss: bool = True) -> TreeSample:
    readings = [r for r in (read_process(p, with_pss) for p in descendants(root)) if r is not None]
    pss_values = [r.pss_kb for r in readings]
    return TreeSample(
        t=time.time(),
        processes=len(readings),
        threads=sum(r.threads for r in readings),
        rss_kb=sum(r.rss_kb for r in readings),
        pss_kb=None if not readings or any(v is None for v in pss_values) else sum(pss_values),  # type: ignore[misc]
        cpu_ticks_seen=sum(r.cpu_ticks for r in readings),
        by_process=readings,
    )


@dataclass
class WindowSummary:
    """One phase (baseline or load) of one tree: means over the samples, CPU over the window."""

    label: str
    seconds: float
    samples: int
    processes_mean: float
    processes_max: int
    threads_mean: float
    threads_max: int
    rss_mb_mean: float
    rss_mb_max: float
    pss_mb_mean: float | None
    pss_mb_max: float | None
    cpu_core_share: float  # 1.0 = one core busy for the whole window


def _cpu_ticks_in_window(samples: list[TreeSample]) -> int:
    """Ticks spent inside the window: per process, last reading minus its first reading, and
    all of its ticks if it started during the window (a process is keyed by pid + start)."""
    if not samples:
        return 0
    window_start_ticks = (samples[0].t - _boot_time()) * CLK_TCK
    first: dict[tuple[int, int], int] = {}
    last: dict[tuple[int, int], int] = {}
    for sample in samples:
        for r in sample.by_process:
            key = (r.pid, r.start_ticks)
            if key not in first:
                first[key] = 0 if r.start_ticks >= window_start_ticks and sample is not samples[0] else r.cpu_ticks
            last[key] = r.cpu_ticks
    return sum(last[k] - first[k] for k in last)


_BOOT_TIME: float | None = None


def _boot_time() -> float:
    global _BOOT_TIME
    if _BOOT_TIME is None:
        for line in (_read("/proc/stat") or "").splitlines():
            if line.startswith("btime "):
                _BOOT_TIME = float(line.split()[1])
                break
        else:
            _BOOT_TIME = 0.0
    return _BOOT_TIME


def summarize(label: str, samples: list[TreeSample]) -> WindowSummary:
    if not samples:
        raise ValueError(f"no samples in window '{label}'")
    seconds = samples[-1].t - samples[0].t
    pss = [s.pss_kb for s in samples]
    pss_ok = all(v is not None for v in pss)
    return WindowSummary(
        label=label,
        seconds=round(seconds, 2),
        samples=len(samples),
        processes_mean=round(statistics.fmean(s.processes for s in samples), 1),
        processes_max=max(s.processes for s in samples),
        threads_mean=round(statistics.fmean(s.threads for s in samples), 1),
        threads_max=max(s.threads for s in samples),
        rss_mb_mean=round(statistics.fmean(s.rss_kb for s in samples) / 1024, 1),
        rss_mb_max=round(max(s.rss_kb for s in samples) / 1024, 1),
        pss_mb_mean=round(statistics.fmean(pss) / 1024, 1) if pss_ok else None,  # type: ignore[arg-type]
        pss_mb_max=round(max(pss) / 1024, 1) if pss_ok else None,  # type: ignore[type-var]
        cpu_core_share=round(_cpu_ticks_in_window(samples) / (seconds * CLK_TCK), 4) if seconds > 0 else 0.0,
    )


class Sampler:
    """Samples one tree every interval until stop(); used from a background thread."""

    def __init__(self, root: int, interval_s: float = 0.5, with_pss: bool = True) -> None:
        self.root = root
        self.interval_s = interval_s
        self.with_pss = with_pss
        self.samples: list[TreeSample] = []

    def sample_for(self, seconds: float) -> list[TreeSample]:
        """Samples for `seconds` (first sample at once, last one at the end) and returns them."""
        taken: list[TreeSample] = []
        deadline = time.monotonic() + seconds
        while True:
            taken.append(sample_tree(self.root, self.with_pss))
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            time.sleep(min(self.interval_s, remaining))
        self.samples.extend(taken)
        return taken

    def sample_until(self, stop, poll_s: float | None = None) -> list[TreeSample]:
        """Samples until stop() returns true (checked every interval), then once more."""
        taken: list[TreeSample] = []
        while True:
            taken.append(sample_tree(self.root, self.with_pss))
            if stop():
                break
            time.sleep(poll_s or self.interval_s)
        self.samples.extend(taken)
        return taken


def wait_until_steady(root: int, interval_s: float = 1.0, span: int = 4, tolerance: float = 0.02,
                      max_s: float = 90.0) -> float:
    """Waits until the tree stops changing: `span` consecutive samples with the same number of
    processes and RSS within `tolerance` of each other (a runtime that prewarms idle
    processes is still starting them after it registers). Returns the seconds waited; gives
    up after max_s and returns max_s."""
    started = time.monotonic()
    recent: list[TreeSample] = []
    while time.monotonic() - started < max_s:
        recent = (recent + [sample_tree(root, with_pss=False)])[-span:]
        if len(recent) == span and len({s.processes for s in recent}) == 1:
            low, high = min(s.rss_kb for s in recent), max(s.rss_kb for s in recent)
            if high <= low * (1 + tolerance):
                return round(time.monotonic() - started, 1)
        time.sleep(interval_s)
    return max_s


def samples_to_json(samples: list[TreeSample], per_process: bool = False) -> list[dict]:
    out = []
    for s in samples:
        d = asdict(s)
        if not per_process:
            d.pop("by_process")
        out.append(d)
    return out


def _print_summary(rows: list[WindowSummary]) -> None:
    header = f"{'window':<10}{'s':>6}{'procs':>7}{'threads':>9}{'RSS MB':>9}{'PSS MB':>9}{'CPU %core':>11}"
    print(header)
    for r in rows:
        pss = f"{r.pss_mb_mean:.1f}" if r.pss_mb_mean is not None else "n/a"
        print(f"{r.label:<10}{r.seconds:>6.1f}{r.processes_mean:>7.1f}{r.threads_mean:>9.1f}{r.rss_mb_mean:>9.1f}{pss:>9}{100 * r.cpu_core_share:>11.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pid", type=int, required=True, help="root of the tree to sample")
    parser.add_argument("--baseline-s", type=float, default=5.0)
    parser.add_argument("--measure-s", type=float, default=20.0)
    parser.add_argument("--interval-s", type=float, default=0.5)
    parser.add_argument("--no-wait", action="store_true", help="measure right after the baseline")
    parser.add_argument("--json", help="write summaries and raw samples here")
    args = parser.parse_args(argv)
    if not os.path.isdir(f"/proc/{args.pid}"):
        parser.error(f"--pid {args.pid}: no such process")
    sampler = Sampler(args.pid, args.interval_s)
    print(f"sampling the idle tree of pid {args.pid} for {args.baseline_s:g} s", file=sys.stderr)
    baseline = sampler.sample_for(args.baseline_s)
    if not args.no_wait:
        input("start the load, then press Enter: ")
    load = sampler.sample_for(args.measure_s)
    rows = [summarize("baseline", baseline), summarize("load", load)]
    _print_summary(rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"pid": args.pid, "clkTck": CLK_TCK, "summaries": [asdict(r) for r in rows],
                       "baseline": samples_to_json(baseline, True), "load": samples_to_json(load, True)}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
