package io.openrtc.spring.devservices;

import io.openrtc.spring.autoconfigure.LiveKitConnectionDetails;
import io.openrtc.spring.autoconfigure.LiveKitCredentials;
import io.openrtc.spring.autoconfigure.OpenRtcAutoConfiguration;
import io.openrtc.spring.playground.OpenRtcPlaygroundAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;

/**
 * With no LiveKit configured, in development: a local livekit-server for the application,
 * started through {@code scripts/livekit-server.sh} (built from the Go module proxy the first
 * time), whose connection details the worker uses and whose presence turns the playground on.
 * See {@link OnLiveKitDevServerCondition} for when, and {@code docs/playground.md}.
 */
@AutoConfiguration(before = {OpenRtcAutoConfiguration.class, OpenRtcPlaygroundAutoConfiguration.class})
@ConditionalOnBooleanProperty(name = "openrtc.enabled", matchIfMissing = true)
@Conditional(OnLiveKitDevServerCondition.class)
public class LiveKitDevServerAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean({LiveKitConnectionDetails.class, LiveKitCredentials.class})
    LiveKitDevServer openRtcLiveKitDevServer(Environment environment) {
        return LiveKitDevServer.obtain(environment.getProperty("openrtc.dev.livekit-port", "auto"));
    }
}
