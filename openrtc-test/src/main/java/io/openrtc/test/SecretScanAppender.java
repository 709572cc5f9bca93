package io.openrtc.test;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Logback appender every test JVM of the suite logs through (at DEBUG for {@code io.openrtc}):
 * it checks each event, its message, MDC and stack trace, with {@link SecretScan}. A leak is
 * written at once, redacted, to {@code target/secret-scan/leaks-<pid>.txt}; at exit the JVM's
 * count goes to {@code target/secret-scan/jvm-<pid>.txt}. {@code scripts/secret-scan-report.sh}
 * adds them up after a suite run and fails on any leak.
 */
public final class SecretScanAppender extends AppenderBase<ILoggingEvent> {

    // Per JVM, not per appender: Spring Boot builds the logging anew (and this appender with it)
    // in every application context a test starts.
    private static final AtomicLong events = new AtomicLong();
    private static final AtomicLong leaks = new AtomicLong();
    private static final AtomicBoolean countAtExit = new AtomicBoolean();
    private static final long pid = ProcessHandle.current().pid();
    private static volatile Path dir = Path.of("target", "secret-scan");

    /** Where the counts and leaks go (default {@code target/secret-scan} under the working directory). */
    public void setDirectory(String directory) {
        dir = Path.of(directory);
    }

    @Override
    public void start() {
        super.start();
        if (countAtExit.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(SecretScanAppender::writeCount, "secret-scan-count"));
        }
    }

    @Override
    protected void append(ILoggingEvent event) {
        events.incrementAndGet();
        String text = render(event);
        if (SecretScan.leaks(text)) {
            leaks.incrementAndGet();
            write("leaks-" + pid + ".txt", SecretScan.redact(text) + System.lineSeparator(), StandardOpenOption.APPEND);
        }
    }

    private static String render(ILoggingEvent event) {
        String thrown = event.getThrowableProxy() == null ? "" : " " + ThrowableProxyUtil.asString(event.getThrowableProxy());
        return event.getLevel() + " [" + event.getThreadName() + "] " + event.getLoggerName() + " - "
                + event.getFormattedMessage() + " " + event.getMDCPropertyMap() + thrown;
    }

    private static void writeCount() {
        write("jvm-" + pid + ".txt", "events=" + events.get() + " leaks=" + leaks.get() + " secrets=" + SecretScan.watched()
                + System.lineSeparator(), StandardOpenOption.TRUNCATE_EXISTING);
    }

    private static synchronized void write(String file, String text, StandardOpenOption mode) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(file), text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    mode);
        } catch (IOException e) {
            // A scan that cannot write its finding must not pass quietly.
            throw new UncheckedIOException("secret scan could not write " + dir.resolve(file), e);
        }
    }
}
