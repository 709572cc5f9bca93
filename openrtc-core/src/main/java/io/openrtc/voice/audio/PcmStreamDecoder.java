package io.openrtc.voice.audio;

import java.nio.charset.StandardCharsets;

/**
 * Decodes audio that arrives in pieces of any size (an HTTP body read as it streams) into 16-bit
 * samples: a WAV file (RIFF, 16-bit PCM, including the "unknown length" headers streaming
 * servers write) or raw 16-bit little-endian PCM at a known rate. A sample split across two
 * pieces is carried over.
 *
 * <p>Not thread-safe: one decoder per stream.
 */
public final class PcmStreamDecoder {

    /** Receives decoded samples (interleaved when there are two channels); the array is reused. */
    @FunctionalInterface
    public interface Output {
        void accept(short[] samples, int offset, int length);
    }

    private enum Mode { DETECT, WAV_HEADER, PCM }

    private final int rawSampleRate;
    private final int rawChannels;
    private Mode mode;
    private byte[] header = new byte[0];
    private int sampleRate;
    private int channels;
    private final byte[] carry = new byte[4];
    private int carryCount;
    /** Bytes of sample data the WAV header announced and not yet decoded; -1 when unknown (raw, or a streaming header). */
    private long dataRemaining = -1;
    private short[] buffer = new short[0];
    private long bytesSeen;

    private PcmStreamDecoder(Mode mode, int rawSampleRate, int rawChannels) {
        this.mode = mode;
        this.rawSampleRate = rawSampleRate;
        this.rawChannels = rawChannels;
        if (mode == Mode.PCM) {
            this.sampleRate = rawSampleRate;
            this.channels = rawChannels;
        }
    }

    /** A decoder for a WAV file. */
    public static PcmStreamDecoder wav() {
        return new PcmStreamDecoder(Mode.WAV_HEADER, 0, 0);
    }

    /** A decoder for raw 16-bit little-endian PCM. */
    public static PcmStreamDecoder raw(int sampleRate, int channels) {
        requireFormat(sampleRate, channels);
        return new PcmStreamDecoder(Mode.PCM, sampleRate, channels);
    }

    /**
     * A decoder that reads a WAV file when the bytes begin with {@code RIFF}, and raw PCM at
     * {@code rawSampleRate} otherwise (OpenAI's {@code pcm} format is 24 kHz mono).
     */
    public static PcmStreamDecoder detect(int rawSampleRate, int rawChannels) {
        requireFormat(rawSampleRate, rawChannels);
        return new PcmStreamDecoder(Mode.DETECT, rawSampleRate, rawChannels);
    }

    /** Whether the format is known (a WAV header was read, or the stream is raw PCM). */
    public boolean headerRead() {
        return mode == Mode.PCM;
    }

    /** The sample rate, once {@link #headerRead()}. */
    public int sampleRate() {
        return sampleRate;
    }

    /** The channel count, once {@link #headerRead()}. */
    public int channels() {
        return channels;
    }

    /**
     * Decodes the next piece of the stream.
     *
     * @throws IllegalArgumentException when the stream is a WAV file this decoder cannot read
     *                                  (compressed, not 16-bit, more than two channels)
     */
    public void feed(byte[] bytes, int offset, int length, Output out) {
        java.util.Objects.checkFromIndexSize(offset, length, bytes.length);
        bytesSeen += length;
        if (mode == Mode.PCM) {
            decode(bytes, offset, length, out);
            return;
        }
        // Until the format is known, everything is kept in the header buffer.
        header = append(header, bytes, offset, offset + length);
        if (mode == Mode.DETECT) {
            if (header.length < 4) {
                return;
            }
            String magic = ascii(0);
            if (magic.equals("RIFF")) {
                mode = Mode.WAV_HEADER;
            } else if (magic.startsWith("ID3") || magic.equals("OggS") || magic.equals("fLaC")) {
                throw new IllegalArgumentException("the audio is compressed (" + (magic.startsWith("ID3") ? "mp3" : magic.equals("OggS")
                        ? "ogg/opus" : "flac") + "); only WAV and raw 16-bit PCM can be played: ask the provider for wav or pcm");
            } else {
                mode = Mode.PCM;
                sampleRate = rawSampleRate;
                channels = rawChannels;
                byte[] first = header;
                header = new byte[0];
                decode(first, 0, first.length, out);
                return;
            }
        }
        int dataOffset = parseHeader();
        if (dataOffset < 0) {
            return;
        }
        mode = Mode.PCM;
        byte[] rest = header;
        header = new byte[0];
        decode(rest, dataOffset, rest.length - dataOffset, out);
    }

    /** The total number of bytes fed so far. */
    public long bytesSeen() {
        return bytesSeen;
    }

    /** Decodes whole sample frames (one sample per channel); a partial frame waits in {@link #carry}. */
    private void decode(byte[] bytes, int offset, int length, Output out) {
        if (dataRemaining >= 0) {
            // Chunks after the data chunk (LIST, id3) are metadata, not samples.
            length = (int) Math.min(length, dataRemaining);
            dataRemaining -= length;
        }
        if (length == 0) {
            return;
        }
        int frameBytes = 2 * channels;
        int available = carryCount + length;
        int usable = available - available % frameBytes;
        if (usable == 0) {
            System.arraycopy(bytes, offset, carry, carryCount, length);
            carryCount += length;
            return;
        }
        int samples = usable / 2;
        if (buffer.length < samples) {
            buffer = new short[samples];
        }
        int n = 0;
        int at = offset;
        if (carryCount > 0) {
            // Complete the carried frame with the first bytes of this piece.
            byte[] joined = new byte[frameBytes];
            System.arraycopy(carry, 0, joined, 0, carryCount);
            int need = frameBytes - carryCount;
            System.arraycopy(bytes, at, joined, carryCount, need);
            at += need;
            for (int i = 0; i < frameBytes; i += 2) {
                buffer[n++] = (short) ((joined[i] & 0xff) | (joined[i + 1] << 8));
            }
            carryCount = 0;
        }
        while (n < samples) {
            buffer[n++] = (short) ((bytes[at] & 0xff) | (bytes[at + 1] << 8));
            at += 2;
        }
        int left = offset + length - at;
        System.arraycopy(bytes, at, carry, 0, left);
        carryCount = left;
        out.accept(buffer, 0, n);
    }

    /** Returns the offset of the sample data in {@link #header} once the header is complete, else -1. */
    private int parseHeader() {
        if (header.length < 12) {
            return -1;
        }
        if (!ascii(0).equals("RIFF") || !ascii(8).equals("WAVE")) {
            throw new IllegalArgumentException("not a WAV file: it does not start with RIFF....WAVE");
        }
        int at = 12;
        boolean formatSeen = false;
        while (at + 8 <= header.length) {
            String id = ascii(at);
            long size = littleInt(at + 4) & 0xffffffffL;
            int body = at + 8;
            if (id.equals("fmt ")) {
                if (body + 16 > header.length) {
                    return -1;
                }
                int format = littleShort(body);
                channels = littleShort(body + 2);
                sampleRate = littleInt(body + 4);
                int bits = littleShort(body + 14);
                if (format == 0xFFFE && body + 26 <= header.length) {
                    format = littleShort(body + 24); // WAVE_FORMAT_EXTENSIBLE: the sub-format's first two bytes
                } else if (format == 0xFFFE) {
                    return -1;
                }
                if (format != 1 || bits != 16) {
                    throw new IllegalArgumentException("the WAV file is format " + format + " with " + bits
                            + "-bit samples; only 16-bit PCM (format 1) is supported: ask the provider for wav or pcm");
                }
                requireFormat(sampleRate, channels);
                formatSeen = true;
            } else if (id.equals("data")) {
                if (!formatSeen) {
                    throw new IllegalArgumentException("the WAV file has its data chunk before its fmt chunk");
                }
                // Streaming writers announce 0 or 0xFFFFFFFF bytes: read to the end then.
                dataRemaining = size == 0 || size >= 0xFFFFFF00L ? -1 : size;
                return body;
            }
            at = body + (int) Math.min(size + (size & 1), Integer.MAX_VALUE - body);
            if (at > 1 << 20) {
                throw new IllegalArgumentException("the WAV header is over 1 MB before its data chunk");
            }
        }
        return -1;
    }

    private String ascii(int at) {
        return new String(header, at, 4, StandardCharsets.US_ASCII);
    }

    private int littleShort(int at) {
        return (header[at] & 0xff) | (header[at + 1] & 0xff) << 8;
    }

    private int littleInt(int at) {
        return (header[at] & 0xff) | (header[at + 1] & 0xff) << 8 | (header[at + 2] & 0xff) << 16 | (header[at + 3] & 0xff) << 24;
    }

    private static byte[] append(byte[] head, byte[] bytes, int from, int to) {
        if (to <= from) {
            return head;
        }
        byte[] joined = new byte[head.length + to - from];
        System.arraycopy(head, 0, joined, 0, head.length);
        System.arraycopy(bytes, from, joined, head.length, to - from);
        return joined;
    }

    private static void requireFormat(int sampleRate, int channels) {
        if (sampleRate < 8_000 || sampleRate > 192_000) {
            throw new IllegalArgumentException("the audio's sample rate must be between 8000 and 192000 Hz, was " + sampleRate);
        }
        if (channels != 1 && channels != 2) {
            throw new IllegalArgumentException("the audio must have 1 or 2 channels, had " + channels);
        }
    }
}
