package io.openrtc.voice;

import io.openrtc.observe.SessionMdc;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user who stopped talking: after {@link ConversationOptions#userAwayTimeout()} in which
 * nobody spoke (the user did not, the agent was not speaking or thinking), the agent says the
 * prompt once; if the user is still away after another timeout, the session ends (by
 * {@link ConversationOptions#endWhenUserAway()}).
 */
final class UserAway implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(UserAway.class);
    private static final Duration CHECK_EVERY = Duration.ofMillis(500);

    private final ConversationOptions options;
    private final BooleanSupplier quiet;
    private final Runnable prompt;
    private final Runnable endSession;
    private final String label;
    private final ScheduledFuture<?> check;
    private volatile Instant lastActivity = Instant.now();
    private volatile boolean prompted;

    /**
     * @param quiet      whether nobody is speaking and the agent is not busy now
     * @param prompt     says the away prompt (on a thread of its own)
     * @param endSession ends the session
     */
    UserAway(ConversationOptions options, ScheduledExecutorService timers, BooleanSupplier quiet, Runnable prompt,
            Runnable endSession, String label) {
        this.options = options;
        this.quiet = quiet;
        this.prompt = prompt;
        this.endSession = endSession;
        this.label = label;
        this.check = options.userAwayTimeout().isZero() ? null
                : timers.scheduleWithFixedDelay(this::check, CHECK_EVERY.toMillis(), CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Someone spoke or typed (the user), or the agent spoke: the timeout starts again. */
    void activity(boolean byUser) {
        lastActivity = Instant.now();
        if (byUser) {
            prompted = false;
        }
    }

    private void check() {
        if (!quiet.getAsBoolean()) {
            lastActivity = Instant.now();
            return;
        }
        if (Duration.between(lastActivity, Instant.now()).compareTo(options.userAwayTimeout()) < 0) {
            return;
        }
        lastActivity = Instant.now();
        if (!prompted && !options.userAwayPrompt().isEmpty()) {
            prompted = true;
            log.info("Voice of {}: the user has been silent for {}; asking whether they are still there", label,
                    options.userAwayTimeout());
            Thread.ofVirtual().name("openrtc-voice-away").start(SessionMdc.propagate(prompt));
        } else if (options.endWhenUserAway()) {
            log.info("Voice of {}: the user is away; ending the session", label);
            endSession.run();
        }
    }

    @Override
    public void close() {
        if (check != null) {
            check.cancel(false);
        }
    }
}
