package io.openrtc.pool;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * A session host's shutdown is its parent's to drive. A signal sent to the whole process group or
 * control group ({@code systemctl stop}, Ctrl-C in a terminal, {@code kill -TERM -<pgid>}) reaches
 * the worker and its children at once; the JVM's own handling would end each child, and so its
 * call, at once, while the worker is only beginning a drain meant to let calls finish. A child
 * therefore ignores SIGTERM, SIGINT and SIGHUP: the worker's drain lets its session finish (up to
 * {@code openrtc.drain-timeout}) or cancels it, and a worker that goes away closes the child's
 * socket, which ends the child. SIGKILL still ends a child at once.
 */
final class ParentDrivenShutdown {

    private static final Logger log = LoggerFactory.getLogger(ParentDrivenShutdown.class);
    private static final List<String> SIGNALS = List.of("TERM", "INT", "HUP");
    private static final AtomicBoolean installed = new AtomicBoolean();

    private ParentDrivenShutdown() {
    }

    /** Ignores the shutdown signals in this JVM from now on; once per JVM. */
    static void install() {
        if (!installed.compareAndSet(false, true)) {
            return;
        }
        for (String name : SIGNALS) {
            try {
                Signal.handle(new Signal(name), signal -> log.info("SIG{} ignored: the worker that started this session "
                        + "host (pid {}) drains its session and ends it", signal.getName(), parentPid()));
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // -Xrs, or a platform without this signal: the JVM's own handling stays.
                log.debug("Cannot handle SIG{} in the session host ({}); the JVM's own handling stays", name, e.getMessage());
            }
        }
    }

    private static String parentPid() {
        return ProcessHandle.current().parent().map(p -> Long.toString(p.pid())).orElse("?");
    }
}
