package io.openrtc.test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;

/**
 * 16-bit PCM audio as a WAV file holds it: a sample rate, a channel count and interleaved
 * samples. Reads and writes WAV bytes, finds where speech starts and ends in a prompt, and pads
 * or cuts it.
 *
 * <p>Instances are immutable; every method that changes the audio returns a new one.
 */
public final class Wav {

    private static final int WAVE_FORMAT_PCM = 1;
    private static final int WAVE_FORMAT_EXTENSIBLE = 0xFFFE;
    private static final long UNKNOWN_SIZE = 0xFFFFFFFFL;

    private final int sampleRate;
    private final int channels;
    private final short[] samples;

    private Wav(int sampleRate, int channels, short[] samples) {
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sample rate must be positive, was " + sampleRate);
        }
        if (channels <= 0) {
            throw new IllegalArgumentException("channel count must be positive, was " + channels);
        }
        if (samples.length % channels != 0) {
            throw new IllegalArgumentException(samples.length + " samples do not divide into " + channels + " channels");
        }
        this.sampleRate = sampleRate;
        this.channels = channels;
        this.samples = samples;
    }

    /**
     * Audio from interleaved samples (for stereo: left, right, left, ...). The array is copied.
     *
     * @throws IllegalArgumentException if the rate or channel count is not positive, or the
     *     samples do not divide into whole frames
     */
    public static Wav of(int sampleRate, int channels, short[] samples) {
        return new Wav(sampleRate, channels, samples.clone());
    }

    /** {@code millis} of digital silence. */
    public static Wav silence(int sampleRate, int channels, long millis) {
        return new Wav(sampleRate, channels, new short[framesFor(sampleRate, millis) * channels]);
    }

    /**
     * Audio from raw little-endian signed 16-bit samples, such as OpenAI's {@code pcm} speech
     * format (24 kHz mono).
     */
    public static Wav fromPcm16(byte[] pcm, int sampleRate, int channels) {
        short[] out = new short[pcm.length / 2];
        ByteBuffer.wrap(pcm).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(out);
        return new Wav(sampleRate, channels, out);
    }

    /**
     * Parses a WAV file holding 16-bit PCM ({@code WAVE_FORMAT_PCM}, or
     * {@code WAVE_FORMAT_EXTENSIBLE} with 16-bit samples).
     *
     * <p>A data size of {@code 0xFFFFFFFF}, or one that runs past the end, is read as "up to the
     * end": that is how streaming writers (the speech server, OpenAI) mark a length they did not
     * know when they wrote the header.
     *
     * @throws IllegalArgumentException if the bytes are not such a WAV file, saying why
     */
    public static Wav read(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 12 || in.getInt(0) != fourCc("RIFF") || in.getInt(8) != fourCc("WAVE")) {
            throw new IllegalArgumentException("not a RIFF/WAVE file (" + bytes.length + " bytes, starts with "
                    + printable(bytes, 12) + ")");
        }
        int rate = 0;
        int channelCount = 0;
        boolean haveFormat = false;
        int position = 12;
        while (position + 8 <= bytes.length) {
            int id = in.getInt(position);
            long size = Integer.toUnsignedLong(in.getInt(position + 4));
            int body = position + 8;
            if (id == fourCc("fmt ")) {
                if (size < 16 || body + 16 > bytes.length) {
                    throw new IllegalArgumentException("fmt chunk too short: " + size + " bytes");
                }
                int format = Short.toUnsignedInt(in.getShort(body));
                channelCount = Short.toUnsignedInt(in.getShort(body + 2));
                rate = in.getInt(body + 4);
                int bits = Short.toUnsignedInt(in.getShort(body + 14));
                if (format != WAVE_FORMAT_PCM && format != WAVE_FORMAT_EXTENSIBLE) {
                    throw new IllegalArgumentException("WAV format tag " + format + " is not PCM");
                }
                if (bits != 16) {
                    throw new IllegalArgumentException("WAV has " + bits + "-bit samples; only 16-bit PCM is supported");
                }
                haveFormat = true;
            } else if (id == fourCc("data")) {
                if (!haveFormat) {
                    throw new IllegalArgumentException("WAV data chunk comes before its fmt chunk");
                }
                long available = bytes.length - body;
                long length = size == UNKNOWN_SIZE || size > available ? available : size;
                int frameBytes = 2 * channelCount;
                int usable = (int) (length - length % frameBytes);
                short[] out = new short[usable / 2];
                in.slice(body, usable).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(out);
                return new Wav(rate, channelCount, out);
            }
            if (size == UNKNOWN_SIZE) {
                break;
            }
            // Chunks are padded to an even length.
            position = (int) Math.min(bytes.length, body + size + (size & 1));
        }
        throw new IllegalArgumentException("WAV file has no data chunk");
    }

    /** Reads a WAV file from disk; see {@link #read(byte[])}. */
    public static Wav read(java.nio.file.Path path) throws java.io.IOException {
        return read(java.nio.file.Files.readAllBytes(path));
    }

    /** Writes this audio as a WAV file; returns {@code path}. */
    public java.nio.file.Path write(java.nio.file.Path path) throws java.io.IOException {
        java.nio.file.Files.write(path, toBytes());
        return path;
    }

    /** The audio as a WAV file with exact sizes in its header. */
    public byte[] toBytes() {
        int dataBytes = samples.length * 2;
        ByteBuffer out = ByteBuffer.allocate(44 + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(fourCc("RIFF")).putInt(36 + dataBytes).putInt(fourCc("WAVE"));
        out.putInt(fourCc("fmt ")).putInt(16).putShort((short) WAVE_FORMAT_PCM).putShort((short) channels)
                .putInt(sampleRate).putInt(sampleRate * channels * 2).putShort((short) (channels * 2)).putShort((short) 16);
        out.putInt(fourCc("data")).putInt(dataBytes);
        out.asShortBuffer().put(samples);
        return out.array();
    }

    /** The samples as raw little-endian signed 16-bit PCM, without a header. */
    public byte[] toPcm16() {
        ByteBuffer out = ByteBuffer.allocate(samples.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        out.asShortBuffer().put(samples);
        return out.array();
    }

    /** Samples per second per channel. */
    public int sampleRate() {
        return sampleRate;
    }

    /** The number of channels. */
    public int channels() {
        return channels;
    }

    /** The number of frames (one sample per channel each). */
    public int frames() {
        return samples.length / channels;
    }

    /** How long the audio plays. */
    public Duration duration() {
        return timeAt(frames());
    }

    /** A copy of the interleaved samples. */
    public short[] samples() {
        return samples.clone();
    }

    /** The sample of {@code channel} in {@code frame}. */
    public short sample(int frame, int channel) {
        return samples[frame * channels + channel];
    }

    /** The time at which {@code frame} plays, from the start. */
    public Duration timeAt(int frame) {
        return Duration.ofNanos(Math.round(frame * 1_000_000_000.0 / sampleRate));
    }

    /**
     * The first frame in which any channel's sample has an absolute value above
     * {@code threshold} (0 to 32767), or -1 if none does. With a threshold above the noise
     * floor this is where the speech of a prompt truly starts.
     */
    public int firstFrameAbove(int threshold) {
        for (int i = 0; i < samples.length; i++) {
            if (Math.abs(samples[i]) > threshold) {
                return i / channels;
            }
        }
        return -1;
    }

    /**
     * The last frame in which any channel's sample has an absolute value above
     * {@code threshold}, or -1 if none does: where the speech of a prompt truly ends.
     */
    public int lastFrameAbove(int threshold) {
        for (int i = samples.length - 1; i >= 0; i--) {
            if (Math.abs(samples[i]) > threshold) {
                return i / channels;
            }
        }
        return -1;
    }

    /** The largest absolute sample value. */
    public int peak() {
        int peak = 0;
        for (short s : samples) {
            peak = Math.max(peak, Math.abs(s));
        }
        return peak;
    }

    /** Frames {@code from} (inclusive) to {@code to} (exclusive). */
    public Wav slice(int from, int to) {
        if (from < 0 || to > frames() || from > to) {
            throw new IndexOutOfBoundsException("frames " + from + " to " + to + " of " + frames());
        }
        return new Wav(sampleRate, channels, Arrays.copyOfRange(samples, from * channels, to * channels));
    }

    /**
     * The part from the first to the last frame above {@code threshold}, or an empty clip when
     * nothing is above it: the prompt without its leading and trailing silence.
     */
    public Wav trimmed(int threshold) {
        int first = firstFrameAbove(threshold);
        return first < 0 ? slice(0, 0) : slice(first, lastFrameAbove(threshold) + 1);
    }

    /** This audio with {@code leadingMillis} of silence before it and {@code trailingMillis} after. */
    public Wav padded(long leadingMillis, long trailingMillis) {
        int lead = framesFor(sampleRate, leadingMillis) * channels;
        int trail = framesFor(sampleRate, trailingMillis) * channels;
        short[] out = new short[lead + samples.length + trail];
        System.arraycopy(samples, 0, out, lead, samples.length);
        return new Wav(sampleRate, channels, out);
    }

    /** This audio followed by {@code next}, which must have the same rate and channel count. */
    public Wav append(Wav next) {
        if (next.sampleRate != sampleRate || next.channels != channels) {
            throw new IllegalArgumentException("cannot append " + next + " to " + this);
        }
        short[] out = Arrays.copyOf(samples, samples.length + next.samples.length);
        System.arraycopy(next.samples, 0, out, samples.length, next.samples.length);
        return new Wav(sampleRate, channels, out);
    }

    /** One channel: the average of all channels. */
    public Wav mono() {
        if (channels == 1) {
            return this;
        }
        short[] out = new short[frames()];
        for (int f = 0; f < out.length; f++) {
            int sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += samples[f * channels + c];
            }
            out[f] = (short) (sum / channels);
        }
        return new Wav(sampleRate, 1, out);
    }

    @Override
    public String toString() {
        return "Wav[" + sampleRate + " Hz, " + channels + " ch, " + frames() + " frames, " + duration().toMillis() + " ms]";
    }

    private static int framesFor(int sampleRate, long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("milliseconds must not be negative, was " + millis);
        }
        return Math.toIntExact(Math.round(millis * sampleRate / 1000.0));
    }

    private static int fourCc(String id) {
        return id.charAt(0) | id.charAt(1) << 8 | id.charAt(2) << 16 | id.charAt(3) << 24;
    }

    private static String printable(byte[] bytes, int max) {
        StringBuilder out = new StringBuilder("'");
        for (int i = 0; i < Math.min(max, bytes.length); i++) {
            char c = (char) (bytes[i] & 0xFF);
            out.append(c >= 32 && c < 127 ? c : '.');
        }
        return out.append('\'').toString();
    }
}
