"""The benchmark workload shared by the Python peers (LiveKit Agents, OpenRTC-Python).

One session = join the room, subscribe to the caller's audio and decode every frame of it,
publish a sine tone. This is what OpenRTC-JVM's benchmark agent does, so the runtimes are
compared on the same work. Nothing here loads a model.

Each session also appends one JSON line to the file named by OPENRTC_BENCH_EVENTS (opened
with O_APPEND and written with a single write, so lines from many job processes do not
interleave) with the dispatch timeline the benchmark reports:
  requestedMs  the worker received LiveKit's availability request
               (livekit-agents' own RunningJobInfo.received_at)
  assignedMs   the job assignment (room token) arrived
  runningMs    the agent's code runs with the room connected
"""

from __future__ import annotations

import array
import asyncio
import functools
import json
import math
import os
import time
from collections.abc import AsyncIterator

from livekit import rtc

SAMPLE_RATE = 48000
FRAME_SAMPLES = SAMPLE_RATE // 100  # 10 ms
TONE_AMPLITUDE = 6000


def tone_hz() -> float:
    return float(os.environ.get("OPENRTC_BENCH_TONE_HZ", "660"))


@functools.cache
def _one_second_of_tone(hz: float) -> bytes:
    # A whole second holds a whole number of periods for an integer frequency, so looping
    # it is seamless; building it once per process keeps the per-frame cost to a slice.
    step = 2 * math.pi * hz / SAMPLE_RATE
    return array.array("h", (int(TONE_AMPLITUDE * math.sin(step * i)) for i in range(SAMPLE_RATE))).tobytes()


# Built at import, before any session starts, so no session's event loop pays for it.
_one_second_of_tone(tone_hz())


class ToneFrames:
    """An endless stream of 10 ms, 48 kHz mono frames of a sine tone."""

    def __init__(self, hz: float | None = None) -> None:
        self._pcm = _one_second_of_tone(hz if hz is not None else tone_hz())
        self._frames_per_second = SAMPLE_RATE // FRAME_SAMPLES
        self._index = 0

    def next_frame(self) -> rtc.AudioFrame:
        start = (self._index % self._frames_per_second) * FRAME_SAMPLES * 2
        self._index += 1
        return rtc.AudioFrame(
            data=self._pcm[start : start + FRAME_SAMPLES * 2],
            sample_rate=SAMPLE_RATE,
            num_channels=1,
            samples_per_channel=FRAME_SAMPLES,
        )

    async def paced(self) -> AsyncIterator[rtc.AudioFrame]:
        """The frames in real time, each one when it is due on the clock (a consumer that
        reads faster, such as a framework that buffers what it is given, still gets 100/s)."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        while True:
            due = start + self._index * FRAME_SAMPLES / SAMPLE_RATE
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            yield self.next_frame()


def _ms(seconds: float | None) -> int | None:
    return int(seconds * 1000) if seconds else None


def record_session(runtime: str, job_ctx: object, mode: str) -> None:
    """Appends this session's dispatch timeline to the events file, if one is configured."""
    path = os.environ.get("OPENRTC_BENCH_EVENTS")
    if not path:
        return
    info = getattr(job_ctx, "_info", None)  # livekit-agents' RunningJobInfo (timeline fields)
    job = getattr(job_ctx, "job", None)
    line = {
        "event": "session",
        "runtime": runtime,
        "mode": mode,
        "room": getattr(getattr(job, "room", None), "name", None),
        "jobId": getattr(job, "id", None),
        "pid": os.getpid(),
        "requestedMs": _ms(getattr(info, "received_at", 0.0)),
        "assignedMs": _ms(getattr(info, "assigned_at", 0.0)),
        "runningMs": int(time.time() * 1000),
    }
    data = (json.dumps(line) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


async def _drain(track: rtc.Track) -> None:
    # Decoding happens as frames are pulled; counting them is all the agent does with them.
    stream = rtc.AudioStream(track, sample_rate=SAMPLE_RATE, num_channels=1)
    try:
        async for _ in stream:
            pass
    finally:
        await stream.aclose()


def listen_to_callers(room: rtc.Room) -> None:
    """Decodes every remote audio track of the room, present and future."""
    tasks: set[asyncio.Task[None]] = set()

    def start(track: rtc.Track) -> None:
        if track.kind == rtc.TrackKind.KIND_AUDIO:
            task = asyncio.ensure_future(_drain(track))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    for participant in room.remote_participants.values():
        for publication in participant.track_publications.values():
            if publication.track is not None:
                start(publication.track)
    room.on("track_subscribed", lambda track, _pub, _participant: start(track))


async def publish_tone(room: rtc.Room) -> None:
    """Publishes a tone track and feeds it in real time until the task is cancelled."""
    source = rtc.AudioSource(SAMPLE_RATE, 1, queue_size_ms=200)
    track = rtc.LocalAudioTrack.create_audio_track("agent-tone", source)
    options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
    await room.local_participant.publish_track(track, options)
    frames = ToneFrames()
    try:
        while True:
            # capture_frame waits while the 200 ms queue is full: that is the real-time pacing.
            await source.capture_frame(frames.next_frame())
    finally:
        await source.aclose()
