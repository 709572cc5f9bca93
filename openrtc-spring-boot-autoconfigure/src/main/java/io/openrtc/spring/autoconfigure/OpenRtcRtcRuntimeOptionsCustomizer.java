package io.openrtc.spring.autoconfigure;

import io.openrtc.rtc.RtcRuntimeOptions;

/**
 * Customizes the WebRTC runtime's options (receiving shards), of the worker JVM and of each child
 * JVM in process isolation (which boots the same application and so the same customizers). Every
 * bean of this type is applied, in {@link org.springframework.core.annotation.Order} order, to the
 * result of the previous one, starting from {@link RtcRuntimeOptions#defaults()}. Ignored when the
 * application defines its own {@code AgentPool}.
 */
@FunctionalInterface
public interface OpenRtcRtcRuntimeOptionsCustomizer {

    /** The options to use instead of {@code options} ({@link RtcRuntimeOptions} is immutable). */
    RtcRuntimeOptions customize(RtcRuntimeOptions options);
}
