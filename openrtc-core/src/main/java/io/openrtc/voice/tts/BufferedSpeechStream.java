package io.openrtc.voice.tts;

import io.openrtc.voice.audio.PcmAudio;
import io.openrtc.voice.audio.PcmStreamDecoder;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link SpeechStream} that a provider adapter fills from its own thread or callbacks: it
 * decodes the encoded bytes the provider returns (a WAV file, or raw 16-bit PCM at a known rate)
 * as they arrive, holds the decoded audio until the pipeline reads it, and tells the adapter when
 * the reader gave up so the request can be cancelled.
 *
 * <p>Holds at most {@code maxBufferedAudio} of audio the reader has not taken: a provider that
 * returns more than that (a misconfigured one streaming garbage) fails the stream instead of
 * growing the heap.
 */
public final class BufferedSpeechStream implements SpeechStream {

    private final PcmStreamDecoder decoder;
    private final long maxBufferedSamples;
    private final Runnable onClose;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<PcmAudio> chunks = new ArrayDeque<>();
    private long bufferedSamples;
    private boolean complete;
    private boolean closed;
    private Exception failure;

    /**
     * @param decoder          decodes the provider's bytes
     * @param maxBufferedAudio how much unread audio it holds before failing
     * @param onClose          cancels the provider's request; runs once, when the reader closes
     */
    public BufferedSpeechStream(PcmStreamDecoder decoder, Duration maxBufferedAudio, Runnable onClose) {
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.maxBufferedSamples = Math.max(1, maxBufferedAudio.toMillis()) * 48;
        this.onClose = Objects.requireNonNull(onClose, "onClose");
    }

    /** The provider's next bytes. Ignored once the stream is closed or complete. */
    public void offer(byte[] bytes) {
        lock.lock();
        try {
            if (closed || complete || failure != null) {
                return;
            }
            try {
                decoder.feed(bytes, 0, bytes.length, (samples, offset, length) -> {
                    short[] copy = java.util.Arrays.copyOfRange(samples, offset, offset + length);
                    chunks.add(new PcmAudio(copy, decoder.sampleRate(), decoder.channels()));
                    bufferedSamples += length;
                });
            } catch (IllegalArgumentException e) {
                failure = e;
            }
            if (bufferedSamples > maxBufferedSamples && failure == null) {
                failure = new IllegalStateException("the provider returned more unread audio than the "
                        + maxBufferedSamples / 48 + " ms a speech stream holds");
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The provider finished. */
    public void complete() {
        lock.lock();
        try {
            complete = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The provider failed. */
    public void fail(Exception error) {
        lock.lock();
        try {
            if (failure == null) {
                failure = Objects.requireNonNull(error, "error");
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public PcmAudio read(Duration timeout) throws Exception {
        long nanos = timeout.toNanos();
        lock.lockInterruptibly();
        try {
            while (true) {
                if (failure != null) {
                    throw failure;
                }
                PcmAudio next = chunks.poll();
                if (next != null) {
                    bufferedSamples -= next.samples().length;
                    return next;
                }
                if (complete || closed) {
                    if (complete && !decoder.headerRead() && decoder.bytesSeen() > 0) {
                        throw new IllegalArgumentException("the provider's audio ended inside its WAV header ("
                                + decoder.bytesSeen() + " bytes)");
                    }
                    return null;
                }
                if (nanos <= 0) {
                    throw new TimeoutException("no audio within " + timeout.toMillis() + " ms");
                }
                nanos = changed.awaitNanos(nanos);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        boolean cancel;
        lock.lock();
        try {
            cancel = !closed && !complete && failure == null;
            closed = true;
            chunks.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (cancel) {
            onClose.run();
        }
    }
}
