package io.openrtc.spring.devservices;

import io.openrtc.pool.SessionHost;
import io.openrtc.spring.autoconfigure.PropertiesLiveKitConnectionDetails;
import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when a development LiveKit server should run: {@code openrtc.dev.livekit-server} is
 * not {@code never}; no LiveKit URL is set ({@code openrtc.livekit.url}, {@code LIVEKIT_URL});
 * this JVM is not a session host; and, in {@code auto} mode, this is not a test and no
 * {@code prod}/{@code production} profile is active. (Service connections and the
 * application's own beans are checked by {@code @ConditionalOnMissingBean}.)
 */
class OnLiveKitDevServerCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Environment environment = context.getEnvironment();
        ConditionMessage.Builder message = ConditionMessage.forCondition("OpenRTC development LiveKit server");
        DevServices.Mode mode = DevServices.mode(environment);
        if (mode == DevServices.Mode.NEVER) {
            return ConditionOutcome.noMatch(message.because(DevServices.MODE_PROPERTY + "=never"));
        }
        if (SessionHost.ROLE.equals(environment.getProperty(SessionHost.ROLE_PROPERTY))) {
            return ConditionOutcome.noMatch(message.because("this JVM is a session host"));
        }
        if (PropertiesLiveKitConnectionDetails.isConfigured(environment)) {
            return ConditionOutcome.noMatch(message.because("LiveKit is configured (openrtc.livekit.url or LIVEKIT_URL)"));
        }
        if (mode == DevServices.Mode.AUTO) {
            if (DevServices.inTest()) {
                return ConditionOutcome.noMatch(message.because("this is a test (set " + DevServices.MODE_PROPERTY + "=always to start one)"));
            }
            String profile = DevServices.productionProfile(environment);
            if (profile != null) {
                return ConditionOutcome.noMatch(message.because("the profile '" + profile + "' is active"));
            }
        }
        return ConditionOutcome.match(message.because("no LiveKit is configured (" + DevServices.MODE_PROPERTY + "=" 
                + mode.name().toLowerCase(java.util.Locale.ROOT) + ")"));
    }
}
