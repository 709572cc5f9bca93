package io.openrtc.voice.audio;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Writes and reads 16-bit PCM WAV files (RIFF, format 1), the format speech APIs exchange. */
public final class Wav {

    /** Bytes of the canonical header before the samples. */
    public static final int HEADER_BYTES = 44;

    private Wav() {
    }

    /** A WAV file holding {@code samples} (interleaved when {@code channels} is 2). */
    public static byte[] encode(short[] samples, int sampleRate, int channels) {
        int dataBytes = samples.length * 2;
        ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        out.put(new byte[] {'R', 'I', 'F', 'F'}).putInt(36 + dataBytes).put(new byte[] {'W', 'A', 'V', 'E'});
        out.put(new byte[] {'f', 'm', 't', ' '}).putInt(16).putShort((short) 1).putShort((short) channels)
                .putInt(sampleRate).putInt(sampleRate * channels * 2).putShort((short) (channels * 2)).putShort((short) 16);
        out.put(new byte[] {'d', 'a', 't', 'a'}).putInt(dataBytes);
        for (short s : samples) {
            out.putShort(s);
        }
        return out.array();
    }

    /**
     * Reads a whole 16-bit PCM WAV file.
     *
     * @throws IllegalArgumentException when it is not one, saying why
     */
    public static PcmAudio decode(byte[] wav) {
        PcmStreamDecoder decoder = PcmStreamDecoder.wav();
        java.io.ByteArrayOutputStream pcm = new java.io.ByteArrayOutputStream(wav.length);
        decoder.feed(wav, 0, wav.length, (samples, offset, length) -> {
            for (int i = offset; i < offset + length; i++) {
                pcm.write(samples[i]);
                pcm.write(samples[i] >> 8);
            }
        });
        if (!decoder.headerRead()) {
            throw new IllegalArgumentException("not a WAV file: the " + wav.length + " bytes end before the data chunk");
        }
        byte[] bytes = pcm.toByteArray();
        short[] samples = new short[bytes.length / 2];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(samples);
        return new PcmAudio(samples, decoder.sampleRate(), decoder.channels());
    }
}
