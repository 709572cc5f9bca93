package io.openrtc.spring.actuate;

import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Warns at startup when Spring would cut the drain short: the worker drains in one lifecycle
 * phase, and Spring gives each phase {@code spring.lifecycle.timeout-per-shutdown-phase} (30 s by
 * default) before it moves on and the worker is closed, cancelling what still runs.
 */
public class ShutdownTimeoutCheck implements InitializingBean {

    /** Spring Boot's property for the time each lifecycle phase gets to stop. */
    public static final String PHASE_TIMEOUT_PROPERTY = "spring.lifecycle.timeout-per-shutdown-phase";

    /** Spring Boot's default for {@link #PHASE_TIMEOUT_PROPERTY}. */
    public static final Duration DEFAULT_PHASE_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(ShutdownTimeoutCheck.class);

    private final Duration phaseTimeout;
    private final Duration drainTimeout;
    private final Duration cancelGrace;

    /**
     * @param environment  where {@value #PHASE_TIMEOUT_PROPERTY} is read
     * @param drainTimeout {@code openrtc.drain-timeout}
     * @param cancelGrace  {@code openrtc.cancel-grace}
     */
    public ShutdownTimeoutCheck(Environment environment, Duration drainTimeout, Duration cancelGrace) {
        this.phaseTimeout = Binder.get(environment).bind(PHASE_TIMEOUT_PROPERTY, Duration.class).orElse(DEFAULT_PHASE_TIMEOUT);
        this.drainTimeout = Objects.requireNonNull(drainTimeout, "drainTimeout");
        this.cancelGrace = Objects.requireNonNull(cancelGrace, "cancelGrace");
    }

    @Override
    public void afterPropertiesSet() {
        if (cutsTheDrain()) {
            log.warn("{} ({} s) is shorter than openrtc.drain-timeout ({} s): on shutdown Spring stops waiting for the "
                            + "drain after {} s and running sessions are cancelled early. Set {} to at least "
                            + "openrtc.drain-timeout plus openrtc.cancel-grace ({} s), and the platform's grace period "
                            + "(Kubernetes terminationGracePeriodSeconds) above that.",
                    PHASE_TIMEOUT_PROPERTY, phaseTimeout.toSeconds(), drainTimeout.toSeconds(), phaseTimeout.toSeconds(),
                    PHASE_TIMEOUT_PROPERTY, drainTimeout.plus(cancelGrace).toSeconds());
        } else if (cutsTheCancelGrace()) {
            // Only sessions still running when the drain times out are affected, so this is not a warning.
            log.info("{} ({} s) covers openrtc.drain-timeout ({} s) but not openrtc.cancel-grace ({} s) after it: "
                            + "sessions cancelled at the end of a drain get {} s to stop instead of {} s. Set {} to "
                            + "at least {} s to give them all of it.",
                    PHASE_TIMEOUT_PROPERTY, phaseTimeout.toSeconds(), drainTimeout.toSeconds(), cancelGrace.toSeconds(),
                    phaseTimeout.minus(drainTimeout).toSeconds(), cancelGrace.toSeconds(), PHASE_TIMEOUT_PROPERTY,
                    drainTimeout.plus(cancelGrace).toSeconds());
        }
    }

    /** Whether the lifecycle phase timeout is shorter than the drain timeout. */
    public boolean cutsTheDrain() {
        return phaseTimeout.compareTo(drainTimeout) < 0;
    }

    /**
     * Whether the lifecycle phase timeout covers the drain but not the cancel grace after it (Spring's
     * 30 s default with OpenRTC's defaults, 30 s + 5 s).
     */
    public boolean cutsTheCancelGrace() {
        return !cutsTheDrain() && phaseTimeout.compareTo(drainTimeout.plus(cancelGrace)) < 0;
    }

    /** The lifecycle phase timeout in effect. */
    public Duration phaseTimeout() {
        return phaseTimeout;
    }
}
