"""OpenRTC-Python (PyPI `openrtc`) as a benchmark peer, in its default coroutine mode.

Registers one agent on an AgentPool under OPENRTC_BENCH_AGENT_NAME (explicit dispatch), with
LIVEKIT_URL/_API_KEY/_API_SECRET from the environment. OpenRTC builds an AgentSession for
every job and starts it on the room; the agent publishes a tone through that session's own
audio output (session.say with audio frames, no TTS), and the session's room input subscribes
to and decodes the caller's audio. OPENRTC_BENCH_MODE=dispatch makes a session record its
timeline and leave at once, for the dispatch-latency benchmark.

Models: OpenRTC 0.20.1 as shipped cannot run a session offline. Its run() imports
livekit-plugins-turn-detector, which registers an inference runner, so livekit starts its
inference process; that process then needs the turn-detector files (model_q8.onnx,
languages.json) from the Hugging Face hub and fails to initialise without them (the worker
still registers). Because that inference executor exists, OpenRTC builds every session with
the multilingual turn detector, whose constructor needs languages.json too, so every session
fails ("Could not find file languages.json") until `python -m livekit.agents download-files`
has downloaded them. No OpenRTC option avoids it (an explicit turn_handling is merged over
the default, which is built first). This peer therefore replaces OpenRTC's prewarm hook
(pool.server.setup_fnc, livekit's public AgentServer attribute) with one that does what
OpenRTC's does minus the model: it loads the same Silero VAD (its ONNX file ships inside
livekit-plugins-silero, nothing is downloaded) and hands sessions VAD turn detection. What
remains is measured: the inference process (started, failed to initialise, kept alive) and
Silero VAD run by every session's AgentSession on the caller's audio. A production install
would in addition hold the turn-detector model in the inference process; that cost is not
measured here (no download is possible).

Everything else is OpenRTC's default except max_concurrent_sessions
(OPENRTC_BENCH_MAX_SESSIONS), raised so capacity is not what stops dispatch, and the health
port, chosen by the OS.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from livekit.agents import Agent, get_job_context  # noqa: E402
from openrtc import AgentPool  # noqa: E402
from openrtc.runtime.resources import PrewarmResources  # noqa: E402

import tone_session  # noqa: E402

AGENT_NAME = os.environ.get("OPENRTC_BENCH_AGENT_NAME", "bench-tone")
MODE = os.environ.get("OPENRTC_BENCH_MODE", "media")
MAX_SESSIONS = int(os.environ.get("OPENRTC_BENCH_MAX_SESSIONS", "200"))


class ToneAgent(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="Benchmark agent: plays a tone, says nothing.")

    async def on_enter(self) -> None:
        # OpenRTC connects the room before it constructs the agent, so this is "running".
        job_ctx = get_job_context()
        tone_session.record_session("openrtc-python", job_ctx, MODE)
        if MODE == "dispatch":
            job_ctx.shutdown("dispatch benchmark: session measured")
            return
        self.session.say(
            "",
            audio=tone_session.ToneFrames().paced(),
            allow_interruptions=False,
            add_to_chat_ctx=False,
        )


def prewarm_without_turn_detector(proc: object) -> None:
    """OpenRTC's prewarm (openrtc.runtime.prewarm) minus the turn-detector model: see above."""
    from livekit.plugins import silero

    PrewarmResources(vad=silero.VAD.load(), turn_detection_factory=lambda: "vad").store(proc)  # type: ignore[arg-type]


if __name__ == "__main__":
    pool = AgentPool(
        agent_name=AGENT_NAME,
        max_concurrent_sessions=MAX_SESSIONS,
        port=0,
    )
    pool.add("tone", ToneAgent)
    pool.server.setup_fnc = prewarm_without_turn_detector
    sys.argv = [sys.argv[0], "start", "--log-level", os.environ.get("OPENRTC_BENCH_LOG_LEVEL", "INFO")]
    pool.run()
