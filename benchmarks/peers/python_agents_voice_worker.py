"""LiveKit Agents for Python as the voice benchmark's peer: its AgentSession voice pipeline
with livekit-plugins-silero (VAD) and livekit-plugins-openai (STT, LLM, TTS) pointed by
base_url at the harness's local model servers: OPENRTC_BENCH_SPEECH_URL (the speech server,
Whisper and Piper, ending in /v1) and OPENRTC_BENCH_LLM_URL (the scripted OpenAI-compatible
chat server). Its default one-process-per-job worker; the Silero model is loaded once per job
process in its prewarm (LiveKit's documented pattern).

The agent is OpenRTC-JVM's benchmark agent (io.openrtc.bench.VoiceWorker): the sample
restaurant agent's instructions, no greeting, no tools. Settings pinned for a like-for-like,
offline run (shared/docs/voice-notes.md): turn detection "vad" (LiveKit's turn-detector model
is not installable offline), endpointing 0.5 s / 3.0 s (its defaults, and OpenRTC-JVM's),
interruption mode "vad" (the "adaptive" mode is a hosted model), preemptive generation off
(OpenRTC-JVM has none), record=False (no upload), Silero's defaults on both sides. As in the
other peers, the reported load is 0 and load_threshold infinite, so the busy shared machine
does not stop the server from dispatching (the benchmark measures cost, not admission).

Each job appends its session line (tone_session.record_session) and, per agent turn, a
"metrics" line with what livekit-agents measured itself (metrics_collected: EOU delay, STT,
LLM TTFT, TTS TTFB), to OPENRTC_BENCH_EVENTS.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from livekit.agents import Agent, AgentServer, AgentSession, JobContext, JobProcess, cli  # noqa: E402
from livekit.agents import room_io  # noqa: E402
from livekit.plugins import openai, silero  # noqa: E402

import tone_session  # noqa: E402

AGENT_NAME = os.environ.get("OPENRTC_BENCH_AGENT_NAME", "bench-voice")
MODE = os.environ.get("OPENRTC_BENCH_MODE", "media")
SPEECH_URL = os.environ.get("OPENRTC_BENCH_SPEECH_URL", "http://127.0.0.1:8808/v1")
LLM_URL = os.environ.get("OPENRTC_BENCH_LLM_URL", "")

# The sample restaurant agent's instructions (sample-app RestaurantAgent), as VoiceWorker has them.
INSTRUCTIONS = (
    "You are the reservation desk of the Harbour restaurant, on the phone. Keep answers short: one or two "
    "sentences, no lists, no markdown. To book, you need the number of guests and a time; ask for what is "
    'missing, then call book_table. Times are 24-hour HH:MM; "seven tonight" is 19:00. If the caller asks '
    "about teeth or a dentist, call transfer_to_dental."
)


def prewarm(proc: JobProcess) -> None:
    proc.userdata["vad"] = silero.VAD.load()


server = AgentServer(load_threshold=math.inf, load_fnc=lambda: 0.0, port=0, setup_fnc=prewarm)


def _append(line: dict) -> None:
    path = os.environ.get("OPENRTC_BENCH_EVENTS")
    if not path:
        return
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (json.dumps(line) + "\n").encode())
    finally:
        os.close(fd)


@server.rtc_session(agent_name=AGENT_NAME)
async def voice_agent(ctx: JobContext) -> None:
    session = AgentSession(
        vad=ctx.proc.userdata["vad"],
        stt=openai.STT(base_url=SPEECH_URL, api_key="bench", model="whisper-1", language="en", use_realtime=False),
        llm=openai.LLM(base_url=LLM_URL, api_key="bench", model="gpt-4o-mini"),
        tts=openai.TTS(base_url=SPEECH_URL, api_key="bench", model="tts-1", voice="alloy", response_format="pcm"),
        turn_handling={
            "turn_detection": "vad",
            "endpointing": {"min_delay": 0.5, "max_delay": 3.0},
            "interruption": {"mode": "vad"},
            "preemptive_generation": {"enabled": False},
        },
    )

    @session.on("metrics_collected")
    def _metrics(event) -> None:
        m = event.metrics
        if getattr(m, "type", "") == "vad_metrics":
            return  # one a second per stream: noise here
        fields = {"event": "metrics", "runtime": "python-agents", "room": ctx.room.name, "atMs": int(time.time() * 1000),
                  "type": getattr(m, "type", type(m).__name__)}
        for name in ("end_of_utterance_delay", "transcription_delay", "ttft", "ttfb", "duration", "audio_duration"):
            value = getattr(m, name, None)
            if isinstance(value, (int, float)):
                fields[name + "Ms"] = round(value * 1000, 1)
        _append(fields)

    await session.start(agent=Agent(instructions=INSTRUCTIONS), room=ctx.room, record=False)
    tone_session.record_session("python-agents", ctx, MODE)


if __name__ == "__main__":
    sys.argv = [sys.argv[0], "start", "--log-level", os.environ.get("OPENRTC_BENCH_LOG_LEVEL", "INFO")]
    cli.run_app(server)
