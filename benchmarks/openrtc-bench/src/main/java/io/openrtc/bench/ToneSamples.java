package io.openrtc.bench;

/**
 * One second of a sine tone as 48 kHz mono 16-bit PCM. For a whole number of Hz a second holds a
 * whole number of periods, so looping it is seamless; it is built once per JVM and every session
 * writes 10 ms slices of it, so the agent's own cost per frame is a copy.
 */
public final class ToneSamples {

    /** Samples per second. */
    public static final int SAMPLE_RATE = 48_000;
    /** Samples in a 10 ms frame. */
    public static final int FRAME_SAMPLES = SAMPLE_RATE / 100;
    /** The tone's amplitude (16-bit units): about -15 dBFS, like the Python peers' tone. */
    public static final int AMPLITUDE = 6000;

    private ToneSamples() {
    }

    /** One second of an {@code hz} Hz sine, {@link #SAMPLE_RATE} samples. */
    public static short[] oneSecond(int hz) {
        if (hz <= 0 || hz >= SAMPLE_RATE / 2) {
            throw new IllegalArgumentException("tone must be between 1 and 23999 Hz, was " + hz);
        }
        short[] samples = new short[SAMPLE_RATE];
        double step = 2 * Math.PI * hz / SAMPLE_RATE;
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (short) Math.round(AMPLITUDE * Math.sin(step * i));
        }
        return samples;
    }
}
