"""LiveKit Agents for Python as a benchmark peer: its default one-process-per-job worker.

Registers under OPENRTC_BENCH_AGENT_NAME (explicit dispatch) with LIVEKIT_URL/_API_KEY/
_API_SECRET from the environment. Each job: connect (subscribing to audio only), decode the
caller's audio, publish a tone (tone_session.py). OPENRTC_BENCH_MODE=dispatch makes a job
record its timeline and leave at once, for the dispatch-latency benchmark.

Three settings differ from `start`'s production defaults, only so that the benchmark
measures cost rather than admission: the reported load is 0 and load_threshold infinite
(livekit reports the whole machine's CPU as its load, and the server stops dispatching to a
worker at load >= 0.7, which the shared 2-core machine, callers and server included, reaches
by itself), and the health port is chosen by the OS (several workers on one host). Jobs
still run one process each, with livekit's default pool of prewarmed idle processes (one
per core).
"""

from __future__ import annotations

import asyncio
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from livekit.agents import AgentServer, AutoSubscribe, JobContext, cli  # noqa: E402

import tone_session  # noqa: E402

AGENT_NAME = os.environ.get("OPENRTC_BENCH_AGENT_NAME", "bench-tone")
MODE = os.environ.get("OPENRTC_BENCH_MODE", "media")

server = AgentServer(load_threshold=math.inf, load_fnc=lambda: 0.0, port=0)


@server.rtc_session(agent_name=AGENT_NAME)
async def tone_agent(ctx: JobContext) -> None:
    await ctx.connect(auto_subscribe=AutoSubscribe.AUDIO_ONLY)
    tone_session.record_session("python-agents", ctx, MODE)
    if MODE == "dispatch":
        ctx.shutdown("dispatch benchmark: session measured")
        return
    tone_session.listen_to_callers(ctx.room)
    await tone_session.publish_tone(ctx.room)


if __name__ == "__main__":
    sys.argv = [sys.argv[0], "start", "--log-level", os.environ.get("OPENRTC_BENCH_LOG_LEVEL", "INFO")]
    cli.run_app(server)
