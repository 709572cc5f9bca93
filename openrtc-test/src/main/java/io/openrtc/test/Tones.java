package io.openrtc.test;

/** Test audio: sine tones and the dominant frequency of a block (Hann window, FFT, parabolic peak). */
public final class Tones {

    private Tones() {
    }

    /** {@code count} samples of a sine of {@code hz} at {@code rate}, amplitude 8000, starting at sample {@code start}. */
    public static short[] sine(double hz, int rate, long start, int count) {
        short[] out = new short[count];
        for (int i = 0; i < count; i++) {
            out[i] = (short) Math.round(8000 * Math.sin(2 * Math.PI * hz * (start + i) / rate));
        }
        return out;
    }

    /** The strongest frequency in {@code samples} (length a power of two), in Hz. */
    public static double dominantFrequency(short[] samples, int rate) {
        int n = samples.length;
        if (Integer.bitCount(n) != 1) {
            throw new IllegalArgumentException("length must be a power of two, was " + n);
        }
        double[] re = new double[n];
        double[] im = new double[n];
        for (int i = 0; i < n; i++) {
            re[i] = samples[i] * (0.5 - 0.5 * Math.cos(2 * Math.PI * i / (n - 1)));
        }
        for (int i = 1, j = 0; i < n; i++) {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1) {
                j ^= bit;
            }
            j ^= bit;
            if (i < j) {
                double t = re[i];
                re[i] = re[j];
                re[j] = t;
            }
        }
        for (int len = 2; len <= n; len <<= 1) {
            double angle = -2 * Math.PI / len;
            for (int i = 0; i < n; i += len) {
                for (int k = 0; k < len / 2; k++) {
                    double wr = Math.cos(angle * k);
                    double wi = Math.sin(angle * k);
                    int a = i + k;
                    int b = a + len / 2;
                    double tr = re[b] * wr - im[b] * wi;
                    double ti = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - tr;
                    im[b] = im[a] - ti;
                    re[a] += tr;
                    im[a] += ti;
                }
            }
        }
        int best = 1;
        double[] mags = new double[n / 2];
        for (int k = 1; k < n / 2; k++) {
            mags[k] = Math.hypot(re[k], im[k]);
            if (mags[k] > mags[best]) {
                best = k;
            }
        }
        double offset = 0;
        if (best > 1 && best < n / 2 - 1) {
            double a = mags[best - 1];
            double b = mags[best];
            double c = mags[best + 1];
            double d = a - 2 * b + c;
            offset = d == 0 ? 0 : 0.5 * (a - c) / d;
        }
        return (best + offset) * rate / n;
    }

    /** Root mean square of {@code samples}. */
    public static double rms(short[] samples) {
        double sum = 0;
        for (short s : samples) {
            sum += (double) s * s;
        }
        return Math.sqrt(sum / samples.length);
    }
}
