package io.openrtc.spring.actuate;

import java.util.Objects;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.ExitCodeGenerator;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Makes SIGTERM a clean stop with the application's own exit code. The JVM's SIGTERM handling runs
 * the shutdown hooks (and so Spring's context close and the worker's drain) and then always exits
 * with 143 (128 + 15), which systemd, Docker restart policies and process supervisors read as a
 * failure although the drain went as planned.
 *
 * <p>On SIGTERM this handler first calls the handler that was there before it, unless that is the
 * JVM's own exit-with-143 (a library's or agent's handler keeps working), then closes the context
 * the Spring Boot way, {@link SpringApplication#exit}, which drains the worker and asks every
 * {@link ExitCodeGenerator} bean, and exits with the code they give. This bean is one of them: 0,
 * or 1 when the worker declared itself broken, so that the supervisor sees that failure.
 *
 * <p>Switch it off with {@code openrtc.shutdown.exit-zero-on-sigterm=false}. The previous handler
 * is put back when the application context closes.
 */
public class SigtermExit implements InitializingBean, DisposableBean, ExitCodeGenerator {

    private static final Logger log = LoggerFactory.getLogger(SigtermExit.class);
    private static final Signal TERM = new Signal("TERM");
    /** How the JVM's own handlers (java.lang.Terminator's exit with 128 + signal) come back from Signal.handle. */
    private static final String JVM_HANDLER = "sun.misc.Signal$SunMiscHandler";

    private final ConfigurableApplicationContext context;
    private final Supplier<String> brokenReason;
    private final IntConsumer exit;
    private SignalHandler previous;

    /**
     * @param context      the application to close on SIGTERM
     * @param brokenReason why the worker is broken, empty while it is not
     */
    public SigtermExit(ConfigurableApplicationContext context, Supplier<String> brokenReason) {
        this(context, brokenReason, System::exit);
    }

    SigtermExit(ConfigurableApplicationContext context, Supplier<String> brokenReason, IntConsumer exit) {
        this.context = Objects.requireNonNull(context, "context");
        this.brokenReason = Objects.requireNonNull(brokenReason, "brokenReason");
        this.exit = Objects.requireNonNull(exit, "exit");
    }

    @Override
    public void afterPropertiesSet() {
        try {
            previous = Signal.handle(TERM, this::onSigterm);
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // -Xrs, or a platform without SIGTERM: keep what the JVM does.
            log.debug("Cannot handle SIGTERM here ({}); the JVM's own handling stays", e.getMessage());
        }
    }

    private void onSigterm(Signal signal) {
        SignalHandler chained = previous;
        if (chained != null && chained != SignalHandler.SIG_DFL && chained != SignalHandler.SIG_IGN
                && !chained.getClass().getName().equals(JVM_HANDLER)) {
            try {
                chained.handle(signal);
            } catch (RuntimeException e) {
                log.warn("The SIGTERM handler installed before OpenRTC's failed", e);
            }
        }
        log.info("SIGTERM received: shutting down gracefully");
        // Closes the context (the worker drains in its lifecycle stop) and asks the ExitCodeGenerators.
        int code = SpringApplication.exit(context);
        log.info("Exiting with status {}", code);
        exit.accept(code);
    }

    /** 0, or 1 when the worker declared itself broken. */
    @Override
    public int getExitCode() {
        return brokenReason.get().isEmpty() ? 0 : 1;
    }

    @Override
    public void destroy() {
        if (previous != null) {
            try {
                Signal.handle(TERM, previous);
            } catch (IllegalArgumentException e) {
                log.debug("Cannot restore the previous SIGTERM handler", e);
            }
            previous = null;
        }
    }
}
