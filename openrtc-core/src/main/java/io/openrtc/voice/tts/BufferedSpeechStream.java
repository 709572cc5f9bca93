package io.openrtc.voice.tts;

import io.openrtc.voice.StreamBuffer;
import io.openrtc.voice.audio.PcmAudio;
import io.openrtc.voice.audio.PcmStreamDecoder;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link SpeechStream} that a provider adapter fills from its own thread or callbacks: it
 * decodes the encoded bytes the provider returns (a WAV file, or raw 16-bit PCM at a known rate)
 * as they arrive, holds the decoded audio until the pipeline reads it, and tells the adapter when
 * the reader gave up so the request can be cancelled. A failure is read before any audio left.
 *
 * <p>Holds at most {@code maxBufferedAudio} of audio the reader has not taken: a provider that
 * returns more than that (a misconfigured one streaming garbage) fails the stream instead of
 * growing the heap.
 */
public final class BufferedSpeechStream implements SpeechStream {

    private final PcmStreamDecoder decoder;
    private final long maxBufferedSamples;
    private final StreamBuffer<PcmAudio> buffer;
    private final AtomicLong bufferedSamples = new AtomicLong();

    /**
     * @param decoder          decodes the provider's bytes
     * @param maxBufferedAudio how much unread audio it holds before failing
     * @param onClose          cancels the provider's request; runs once, when the reader closes
     */
    public BufferedSpeechStream(PcmStreamDecoder decoder, Duration maxBufferedAudio, Runnable onClose) {
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.maxBufferedSamples = Math.max(1, maxBufferedAudio.toMillis()) * 48;
        this.buffer = new StreamBuffer<>(true, onClose);
    }

    /** The provider's next bytes. Ignored once the stream is closed or complete. */
    public void offer(byte[] bytes) {
        // The decoder keeps state between calls: one feed at a time.
        synchronized (decoder) {
            try {
                decoder.feed(bytes, 0, bytes.length, (samples, offset, length) -> {
                    if (buffer.offer(new PcmAudio(Arrays.copyOfRange(samples, offset, offset + length), decoder.sampleRate(),
                            decoder.channels()))) {
                        bufferedSamples.addAndGet(length);
                    }
                });
            } catch (IllegalArgumentException e) {
                buffer.fail(e);
            }
        }
        if (bufferedSamples.get() > maxBufferedSamples) {
            buffer.fail(new IllegalStateException("the provider returned more unread audio than the "
                    + maxBufferedSamples / 48 + " ms a speech stream holds"));
        }
    }

    /** The provider finished. */
    public void complete() {
        buffer.complete();
    }

    /** The provider failed. */
    public void fail(Exception error) {
        buffer.fail(error);
    }

    @Override
    public PcmAudio read(Duration timeout) throws Exception {
        PcmAudio next = buffer.next(timeout, "audio");
        if (next != null) {
            bufferedSamples.addAndGet(-next.samples().length);
            return next;
        }
        synchronized (decoder) {
            if (buffer.isComplete() && !decoder.headerRead() && decoder.bytesSeen() > 0) {
                throw new IllegalArgumentException("the provider's audio ended inside its WAV header ("
                        + decoder.bytesSeen() + " bytes)");
            }
        }
        return null;
    }

    @Override
    public void close() {
        buffer.close();
    }
}
