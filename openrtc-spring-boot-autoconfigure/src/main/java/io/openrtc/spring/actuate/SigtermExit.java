package io.openrtc.spring.actuate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Makes SIGTERM a clean stop: exit status 0 after the graceful shutdown, instead of the JVM's
 * 143 (128 + 15). The JVM's own SIGTERM handler runs the shutdown hooks (and so Spring's
 * context close and the worker's drain) and then exits with 143, which systemd, Docker restart
 * policies and process supervisors read as a failure although the drain went as planned. This
 * handler asks for the same shutdown with {@code System.exit(0)}.
 *
 * <p>Switch it off with {@code openrtc.shutdown.exit-zero-on-sigterm=false}. The JVM's handler is
 * put back when the application context closes.
 */
public class SigtermExit implements InitializingBean, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(SigtermExit.class);
    private static final Signal TERM = new Signal("TERM");

    private SignalHandler previous;

    @Override
    public void afterPropertiesSet() {
        try {
            previous = Signal.handle(TERM, signal -> {
                log.info("SIGTERM received: shutting down gracefully (exit status 0)");
                System.exit(0);
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // -Xrs, or a platform without SIGTERM: keep what the JVM does.
            log.debug("Cannot handle SIGTERM here ({}); the JVM's own handling stays", e.getMessage());
        }
    }

    @Override
    public void destroy() {
        if (previous != null) {
            try {
                Signal.handle(TERM, previous);
            } catch (IllegalArgumentException e) {
                log.debug("Cannot restore the JVM's SIGTERM handler", e);
            }
            previous = null;
        }
    }
}
