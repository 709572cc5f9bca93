"""The VAD benchmark's Python driver: N streams of LiveKit Agents' Silero VAD plugin in one
asyncio process, fed real speech in real time (run by benchmarks/harness/vad_density.py).

    python silero_vad_streams.py --audio input-48k.wav --sessions 10

Loads `silero.VAD.load()` once with LiveKit's defaults (one ONNX Runtime session, shared), then
obeys one command per line on stdin, answering with JSON lines on stdout, exactly like the JVM
driver (io.openrtc.bench.VadDensity):
  start  opens N `vad.stream()`s; for each, one task pushes a 10 ms, 48 kHz mono `rtc.AudioFrame`
         every 10 ms (paced on the event loop's clock, stream i starting i/N of a period after
         the first and i/N into the audio, which loops) and another consumes its events. The
         plugin's stream resamples to 16 kHz itself (rtc.AudioResampler, quality QUICK) and
         runs each 32 ms window's inference on the loop's default thread-pool executor;
  mark   prints {"event":"mark",...}: cumulative frames pushed, windows classified
         (INFERENCE_DONE events), speech starts and ends, the plugin's own inference_duration
         summed, the model call's wall time (see below), this process's CPU time, the latest a
         frame was pushed since the previous mark;
  gc     runs gc.collect() and answers like mark (the JVM driver's full collection);
  stop   closes the streams, prints {"event":"result",...} and exits.

The frames are made once from the file and shared by every stream (nothing in the plugin
writes to them). To time the model alone, as the JVM's SileroModel counts its inferences, the
driver wraps the plugin's OnnxModel.__call__ with two perf_counter_ns calls and a lock; that is
the only change to the plugin's code path.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import importlib.metadata
import importlib.resources
import json
import os
import platform
import sys
import threading
import time
import wave

FRAME_SAMPLES = 480  # 10 ms at 48 kHz
FRAME_S = 0.010


class Counters:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.frames = 0
        self.windows = 0
        self.speech_started = 0
        self.speech_ended = 0
        self.lk_inference_ns = 0
        self.inferences = 0
        self.inference_ns = 0
        self.late_frames = 0
        self.max_late_s = 0.0
        self.failed_sessions = 0
        self.first_error: str | None = None


counters = Counters()


def emit(event: dict) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def read_frames(path: str, rtc) -> list:
    with wave.open(path, "rb") as w:
        if w.getframerate() != 48000 or w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise SystemExit(f"{path}: expected 48 kHz mono 16-bit, got {w.getframerate()} Hz, "
                             f"{w.getnchannels()} channels, {8 * w.getsampwidth()} bits")
        data = w.readframes(w.getnframes())
    count = len(data) // (2 * FRAME_SAMPLES)
    if count < 1:
        raise SystemExit(f"{path}: less than one 10 ms frame")
    return [rtc.AudioFrame(data=data[i * 2 * FRAME_SAMPLES:(i + 1) * 2 * FRAME_SAMPLES], sample_rate=48000,
                           num_channels=1, samples_per_channel=FRAME_SAMPLES) for i in range(count)]


def time_the_model(onnx_model) -> None:
    """Counts the plugin's model calls and their wall time (they run on executor threads)."""
    original = onnx_model.OnnxModel.__call__

    def timed(self, x):
        started = time.perf_counter_ns()
        try:
            return original(self, x)
        finally:
            elapsed = time.perf_counter_ns() - started
            with counters.lock:
                counters.inferences += 1
                counters.inference_ns += elapsed

    onnx_model.OnnxModel.__call__ = timed


def versions() -> dict:
    found = {}
    for name in ("livekit", "livekit-agents", "livekit-plugins-silero", "onnxruntime", "numpy"):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    found["python"] = platform.python_version()
    return found


def mark(event: str, sessions: int, threads_seen: int) -> dict:
    with counters.lock:
        late, counters.max_late_s = counters.max_late_s, 0.0
        return {
            "event": event,
            "tNanos": time.monotonic_ns(),
            "processCpuNanos": time.process_time_ns(),
            "sessions": sessions,
            "frames": counters.frames,
            "windows": counters.windows,
            "inferences": counters.inferences,
            "inferenceNanos": counters.inference_ns,
            "lkInferenceNanos": counters.lk_inference_ns,
            "speechStarted": counters.speech_started,
            "speechEnded": counters.speech_ended,
            "lateFrames": counters.late_frames,
            "maxLateMs": round(late * 1000, 3),
            "failedSessions": counters.failed_sessions,
            "firstError": counters.first_error,
            "threads": threads_seen,
        }


async def main(args: argparse.Namespace) -> int:
    load_started = time.monotonic()
    from livekit import rtc
    from livekit.agents import vad as agents_vad
    from livekit.plugins import silero
    from livekit.plugins.silero import onnx_model

    time_the_model(onnx_model)
    frames = read_frames(args.audio, rtc)
    vad = silero.VAD.load()  # LiveKit's defaults
    model_file = importlib.resources.files("livekit.plugins.silero.resources") / "silero_vad.onnx"
    loop = asyncio.get_running_loop()
    commands: asyncio.Queue[str | None] = asyncio.Queue()

    def read_commands() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(commands.put_nowait, line.strip())
        loop.call_soon_threadsafe(commands.put_nowait, None)

    threading.Thread(target=read_commands, name="commands", daemon=True).start()
    emit({"event": "ready", "pid": os.getpid(), "sessions": args.sessions, "noiseSuppression": False,
          "loadMs": round((time.monotonic() - load_started) * 1000), "audioFrames": len(frames),
          "versions": versions(), "modelFile": str(model_file),
          "modelSha256": hashlib.sha256(model_file.read_bytes()).hexdigest()})

    running = True
    streams: list = []
    tasks: list[asyncio.Task] = []

    async def push(stream, first_at: float, first_frame: int) -> None:
        next_at, index = first_at, first_frame
        while running:
            delay = next_at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
                if not running:
                    return
            late = loop.time() - next_at
            stream.push_frame(frames[index])
            with counters.lock:
                counters.frames += 1
                if late > FRAME_S:
                    counters.late_frames += 1
                if late > counters.max_late_s:
                    counters.max_late_s = late
            index = index + 1 if index + 1 < len(frames) else 0
            next_at += FRAME_S

    async def consume(stream) -> None:
        try:
            async for event in stream:
                with counters.lock:
                    if event.type == agents_vad.VADEventType.INFERENCE_DONE:
                        counters.windows += 1
                        counters.lk_inference_ns += int(event.inference_duration * 1e9)
                    elif event.type == agents_vad.VADEventType.START_OF_SPEECH:
                        counters.speech_started += 1
                    elif event.type == agents_vad.VADEventType.END_OF_SPEECH:
                        counters.speech_ended += 1
        except asyncio.CancelledError:
            raise
        except Exception as e:  # a stream that fails is counted, the others go on
            with counters.lock:
                counters.failed_sessions += 1
                counters.first_error = counters.first_error or repr(e)

    while True:
        command = await commands.get()
        if command == "start" and not streams:
            first = loop.time() + 0.02
            for i in range(args.sessions):
                stream = vad.stream()
                streams.append(stream)
                tasks.append(asyncio.create_task(consume(stream)))
                tasks.append(asyncio.create_task(
                    push(stream, first + i * FRAME_S / args.sessions, i * len(frames) // args.sessions)))
            emit({"event": "started", "sessions": args.sessions})
        elif command == "mark":
            emit(mark("mark", args.sessions, threading.active_count()))
        elif command == "gc":
            gc.collect()  # the JVM driver collects here too; Python reports no heap figure
            emit(mark("gc", args.sessions, threading.active_count()))
        elif command in ("stop", None):
            running = False
            threads_seen = threading.active_count()
            for stream in streams:
                await stream.aclose()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if command == "stop":
                emit(mark("result", args.sessions, threads_seen))
            return 0
        elif command:
            emit({"event": "error", "message": f"unknown command {command!r}"})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--audio", required=True, help="48 kHz mono 16-bit WAV (the harness makes it)")
    parser.add_argument("--sessions", type=int, default=1)
    sys.exit(asyncio.run(main(parser.parse_args())))
