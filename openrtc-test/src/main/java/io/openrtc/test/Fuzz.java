package io.openrtc.test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * A seeded generator of hostile inputs for the parser fuzz tests: random bytes, valid messages
 * mutated (bits flipped, bytes cut, inserted or repeated), and strings that break naive parsers
 * (unpaired surrogates, control characters, deep nesting, huge numbers). Every run prints its
 * seed; {@code -Dopenrtc.fuzz.seed=S} replays one, {@code -Dopenrtc.fuzz.inputs=N} sets how many
 * inputs each parser gets (10,000 by default, more in a nightly run).
 */
public final class Fuzz {

    /** How many inputs each parser gets. */
    public static final int INPUTS = Integer.getInteger("openrtc.fuzz.inputs", 10_000);

    private static final List<String> NASTY = List.of("", " ", "null", "{}", "[]", "\"\"", "{\"agent\":", "{\"agent\":null}",
            "{\"agent\":\"\"}", "{\"agent\":42}", "{\"agent\":[\"a\"]}", "{\"agent\":{\"agent\":\"x\"}}", "\uD800", "\uDFFF\uD800",
            "\u0000", "\u202E", "1e999999", "-0", "9".repeat(400), "[".repeat(5000), "{\"a\":".repeat(2000),
            "\"\\u0000\"", "\"\\uD800\"", "true", "{\"agent\":\"restaurant\",\"agent\":\"dental\"}", "\ufeff{\"agent\":\"x\"}");

    private final long seed;
    private final Random random;

    private Fuzz(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
    }

    /** A generator seeded by {@code -Dopenrtc.fuzz.seed}, else afresh; prints the seed under {@code name}. */
    public static Fuzz seeded(String name) {
        String fixed = System.getProperty("openrtc.fuzz.seed");
        long seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime() ^ System.currentTimeMillis();
        System.out.printf("[fuzz] %s: seed %d, %d inputs (replay: -Dopenrtc.fuzz.seed=%d)%n", name, seed, INPUTS, seed);
        return new Fuzz(seed);
    }

    /** The seed, for a failure's message. */
    public long seed() {
        return seed;
    }

    public Random random() {
        return random;
    }

    public int nextInt(int bound) {
        return random.nextInt(bound);
    }

    public boolean chance(double p) {
        return random.nextDouble() < p;
    }

    /** Random bytes, mostly short, sometimes long. */
    public byte[] bytes() {
        byte[] b = new byte[chance(0.9) ? random.nextInt(64) : random.nextInt(70_000)];
        random.nextBytes(b);
        return b;
    }

    /** {@code valid} with a few random edits: bits flipped, bytes cut off, inserted, or a piece repeated. */
    public byte[] mutate(byte[] valid) {
        byte[] b = valid.clone();
        int edits = 1 + random.nextInt(4);
        for (int i = 0; i < edits && b.length > 0; i++) {
            switch (random.nextInt(4)) {
                case 0 -> b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
                case 1 -> b = java.util.Arrays.copyOf(b, random.nextInt(b.length));
                case 2 -> {
                    int at = random.nextInt(b.length + 1);
                    byte[] longer = new byte[b.length + 1];
                    System.arraycopy(b, 0, longer, 0, at);
                    longer[at] = (byte) random.nextInt(256);
                    System.arraycopy(b, at, longer, at + 1, b.length - at);
                    b = longer;
                }
                default -> {
                    int from = random.nextInt(b.length);
                    int len = Math.min(b.length - from, 1 + random.nextInt(16));
                    byte[] longer = new byte[b.length + len];
                    System.arraycopy(b, 0, longer, 0, from + len);
                    System.arraycopy(b, from, longer, from + len, b.length - from);
                    b = longer;
                }
            }
        }
        return b;
    }

    /** A string: a nasty one, random characters (any code unit, surrogates included), or a mutated text. */
    public String string() {
        return switch (random.nextInt(4)) {
            case 0 -> NASTY.get(random.nextInt(NASTY.size()));
            case 1 -> {
                char[] c = new char[random.nextInt(40)];
                for (int i = 0; i < c.length; i++) {
                    c[i] = (char) random.nextInt(chance(0.5) ? 128 : 0x10000);
                }
                yield new String(c);
            }
            case 2 -> new String(mutate(NASTY.get(random.nextInt(NASTY.size())).getBytes(StandardCharsets.UTF_8)),
                    StandardCharsets.UTF_8);
            default -> "x".repeat(random.nextInt(3) == 0 ? random.nextInt(100_000) : random.nextInt(10));
        };
    }

    /** One of {@code values}. */
    @SafeVarargs
    public final <T> T oneOf(T... values) {
        return values[random.nextInt(values.length)];
    }
}
