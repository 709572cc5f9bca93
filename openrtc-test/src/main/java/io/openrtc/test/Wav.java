package io.openrtc.test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * 16-bit PCM WAV files: the clips a Node caller plays ({@link NodePeer#play}) and the recordings
 * it saves ({@link NodePeer#saveRecording}).
 */
public final class Wav {

    private Wav() {
    }

    /** Decoded 16-bit audio; {@code samples} interleaves the channels. */
    public record Audio(short[] samples, int sampleRate, int channels) {

        /** The length in milliseconds. */
        public double durationMs() {
            return samples.length * 1000.0 / channels / sampleRate;
        }

        /** The audio as one channel (the channels averaged). */
        public short[] mono() {
            if (channels == 1) {
                return samples;
            }
            short[] out = new short[samples.length / channels];
            for (int i = 0; i < out.length; i++) {
                int sum = 0;
                for (int c = 0; c < channels; c++) {
                    sum += samples[i * channels + c];
                }
                out[i] = (short) (sum / channels);
            }
            return out;
        }
    }

    /** Writes {@code samples} (interleaved when {@code channels} is 2) as a 16-bit PCM WAV file. */
    public static void write(Path path, short[] samples, int sampleRate, int channels) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(44 + samples.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        out.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + samples.length * 2);
        out.put("WAVEfmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16);
        out.putShort((short) 1).putShort((short) channels).putInt(sampleRate).putInt(sampleRate * channels * 2);
        out.putShort((short) (channels * 2)).putShort((short) 16);
        out.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(samples.length * 2);
        for (short s : samples) {
            out.putShort(s);
        }
        Files.write(path, out.array());
    }

    /**
     * Reads a 16-bit PCM WAV file.
     *
     * @throws IOException when it is not one
     */
    public static Audio read(Path path) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < 12 || in.getInt(0) != 0x46464952 || in.getInt(8) != 0x45564157) {
            throw new IOException(path + " is not a RIFF/WAVE file");
        }
        int channels = 0;
        int rate = 0;
        int bits = 0;
        for (int p = 12; p + 8 <= in.limit(); ) {
            int id = in.getInt(p);
            long size = Integer.toUnsignedLong(in.getInt(p + 4));
            int body = p + 8;
            if (id == 0x20746d66) { // "fmt "
                channels = in.getShort(body + 2);
                rate = in.getInt(body + 4);
                bits = in.getShort(body + 14);
            } else if (id == 0x61746164) { // "data"
                if (bits != 16) {
                    throw new IOException(path + ": " + bits + "-bit samples, only 16-bit PCM is read");
                }
                int bytes = (int) Math.min(size, in.limit() - body);
                short[] samples = new short[bytes / 2];
                in.position(body);
                in.asShortBuffer().get(samples);
                return new Audio(samples, rate, channels);
            }
            p = (int) (body + size + (size & 1));
        }
        throw new IOException(path + " has no data chunk");
    }

    /** {@code ms} milliseconds of silence at {@code rate}. */
    public static short[] silence(int rate, double ms) {
        return new short[(int) Math.round(rate * ms / 1000)];
    }

    /** The parts one after the other. */
    public static short[] concat(short[]... parts) {
        int length = 0;
        for (short[] part : parts) {
            length += part.length;
        }
        short[] out = new short[length];
        int at = 0;
        for (short[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }
}
