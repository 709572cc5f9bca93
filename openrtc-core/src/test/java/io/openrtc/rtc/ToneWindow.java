package io.openrtc.rtc;

/**
 * Collects mono samples from received frames into blocks of a fixed size, so that each full block's
 * dominant frequency can be measured ({@link io.openrtc.test.Tones#dominantFrequency}).
 */
final class ToneWindow {
    private final short[] block;
    private int filled;

    ToneWindow(int size) {
        block = new short[size];
    }

    /** Adds a frame; returns the block when it is full (and starts a new one), else null. */
    short[] add(AudioFrame frame) {
        short[] samples = frame.samples();
        int step = frame.channels();
        for (int i = 0; i < samples.length; i += step) {
            block[filled++] = samples[i];
            if (filled == block.length) {
                filled = 0;
                return block.clone();
            }
        }
        return null;
    }
}
