package io.openrtc.rtc;

/**
 * How an {@link RtcRuntime} is laid out.
 *
 * @param receivingShards how many receiving factories (each with its own headless audio device
 *                        module and playout thread) to spread subscriber connections over. One
 *                        playout thread decodes every received stream of its factory every 10 ms;
 *                        add shards (up to one per core) when that thread becomes the bottleneck.
 *                        Default 1.
 */
public record RtcRuntimeOptions(int receivingShards) {

    public RtcRuntimeOptions {
        if (receivingShards < 1 || receivingShards > 64) {
            throw new IllegalArgumentException("RtcRuntimeOptions.receivingShards must be between 1 and 64, was " + receivingShards);
        }
    }

    /** One receiving shard. */
    public static RtcRuntimeOptions defaults() {
        return new RtcRuntimeOptions(1);
    }
}
