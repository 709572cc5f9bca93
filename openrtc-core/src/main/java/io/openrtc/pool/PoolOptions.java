package io.openrtc.pool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the session pool behaves. Every value is checked when the record is built; a bad one is
 * rejected with a message naming its property ({@code openrtc.max-concurrent-sessions must be at
 * least 1, was 0}).
 *
 * @param isolation               {@code openrtc.isolation}: where sessions run
 * @param maxConcurrentSessions   {@code openrtc.max-concurrent-sessions}: running plus reserved
 *                                sessions at most (default 50)
 * @param consecutiveFailureLimit {@code openrtc.consecutive-failure-limit}: this many sessions
 *                                of one agent failing in a row by the agent's own fault take
 *                                that agent out of service (its jobs are declined); this many
 *                                failing in a row by the worker's fault mark the worker broken.
 *                                Failures of the room or the server count for neither (see
 *                                {@link FailureSource}); default 5
 * @param agentRetryAfter         {@code openrtc.agent-retry-after}: how long an agent out of
 *                                service is declined before one trial session is let through
 *                                (its success puts the agent back; default 1 min)
 * @param drainTimeout            {@code openrtc.drain-timeout}: how long a drain waits for
 *                                sessions to end before cancelling them (default 30 s)
 * @param cancelGrace             {@code openrtc.cancel-grace}: after a session is asked to stop,
 *                                how long it has before it is given up (its virtual thread
 *                                abandoned, its child JVM killed); default 5 s
 * @param memoryWarnBytes         {@code openrtc.memory.warn}: above this the pool logs a warning
 *                                once per crossing (optional)
 * @param memoryLimitBytes        {@code openrtc.memory.limit}: above this the pool declines jobs
 *                                and asks the runtime to drain and stop the worker (optional)
 * @param process                 the {@code openrtc.process.*} settings, used in process isolation
 */
public record PoolOptions(
        Isolation isolation,
        int maxConcurrentSessions,
        int consecutiveFailureLimit,
        Duration agentRetryAfter,
        Duration drainTimeout,
        Duration cancelGrace,
        OptionalLong memoryWarnBytes,
        OptionalLong memoryLimitBytes,
        ProcessOptions process) {

    /** The default {@code openrtc.max-concurrent-sessions}. */
    public static final int DEFAULT_MAX_CONCURRENT_SESSIONS = 50;
    /** The default {@code openrtc.consecutive-failure-limit}. */
    public static final int DEFAULT_CONSECUTIVE_FAILURE_LIMIT = 5;
    /** The default {@code openrtc.agent-retry-after}. */
    public static final Duration DEFAULT_AGENT_RETRY_AFTER = Duration.ofMinutes(1);
    /** The default {@code openrtc.drain-timeout}. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
    /** The default {@code openrtc.cancel-grace}. */
    public static final Duration DEFAULT_CANCEL_GRACE = Duration.ofSeconds(5);

    public PoolOptions {
        if (isolation == null) {
            throw new IllegalArgumentException("openrtc.isolation must be set ('coroutine' or 'process')");
        }
        atLeast("openrtc.max-concurrent-sessions", maxConcurrentSessions, 1);
        atLeast("openrtc.consecutive-failure-limit", consecutiveFailureLimit, 1);
        if (agentRetryAfter == null || !agentRetryAfter.isPositive()) {
            throw new IllegalArgumentException("openrtc.agent-retry-after must be positive, was " + agentRetryAfter);
        }
        notNegative("openrtc.drain-timeout", drainTimeout);
        notNegative("openrtc.cancel-grace", cancelGrace);
        memoryWarnBytes = Objects.requireNonNullElse(memoryWarnBytes, OptionalLong.empty());
        memoryLimitBytes = Objects.requireNonNullElse(memoryLimitBytes, OptionalLong.empty());
        positive("openrtc.memory.warn", memoryWarnBytes);
        positive("openrtc.memory.limit", memoryLimitBytes);
        if (memoryWarnBytes.isPresent() && memoryLimitBytes.isPresent()
                && memoryWarnBytes.getAsLong() >= memoryLimitBytes.getAsLong()) {
            throw new IllegalArgumentException("openrtc.memory.warn (" + memoryWarnBytes.getAsLong()
                    + " bytes) must be below openrtc.memory.limit (" + memoryLimitBytes.getAsLong() + " bytes)");
        }
        process = Objects.requireNonNullElse(process, ProcessOptions.DEFAULTS);
        if (isolation == Isolation.PROCESS && process.idleProcesses() > maxConcurrentSessions) {
            throw new IllegalArgumentException("openrtc.process.idle-processes (" + process.idleProcesses()
                    + ") must not exceed openrtc.max-concurrent-sessions (" + maxConcurrentSessions
                    + "): more prewarmed JVMs than sessions can never be used");
        }
    }

    /** All defaults: coroutine isolation, 50 sessions, 5 failures, 30 s drain. */
    public static PoolOptions defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.isolation = isolation;
        b.maxConcurrentSessions = maxConcurrentSessions;
        b.consecutiveFailureLimit = consecutiveFailureLimit;
        b.agentRetryAfter = agentRetryAfter;
        b.drainTimeout = drainTimeout;
        b.cancelGrace = cancelGrace;
        b.memoryWarn = memoryWarnBytes;
        b.memoryLimit = memoryLimitBytes;
        b.idleProcesses = process.idleProcesses();
        b.processMemoryLimit = process.memoryLimitBytes();
        b.jvmArgs = new ArrayList<>(process.jvmArgs());
        b.mainClass = process.mainClass();
        b.startTimeout = process.startTimeout();
        b.programArgs = process.programArgs();
        return b;
    }

    private static void atLeast(String property, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(property + " must be at least " + min + ", was " + value);
        }
    }

    private static void notNegative(String property, Duration value) {
        if (value == null || value.isNegative()) {
            throw new IllegalArgumentException(property + " must be zero or positive, was " + value);
        }
    }

    private static void positive(String property, OptionalLong bytes) {
        if (bytes.isPresent() && bytes.getAsLong() <= 0) {
            throw new IllegalArgumentException(property + " must be positive, was " + bytes.getAsLong() + " bytes");
        }
    }

    /**
     * The {@code openrtc.process.*} settings.
     *
     * @param idleProcesses    {@code openrtc.process.idle-processes}: child JVMs kept booted and
     *                         waiting, so a job does not wait for a JVM start (default 2)
     * @param memoryLimitBytes {@code openrtc.process.memory-limit}: per child; its heap gets
     *                         {@code -Xmx} of three quarters of it (unless {@code jvmArgs} sets
     *                         one) and a child whose resident memory exceeds it is killed
     * @param jvmArgs          {@code openrtc.process.jvm-args}: extra JVM arguments for each child
     * @param mainClass        {@code openrtc.process.main-class}: the child's main class; by
     *                         default the one this JVM was started with
     * @param startTimeout     {@code openrtc.process.start-timeout}: how long a child may take to
     *                         boot and connect (default 60 s)
     * @param programArgs      the program arguments each child's main gets; by default (empty)
     *                         this JVM's own when the child starts this JVM's main class, none
     *                         when {@code mainClass} names another (a Spring Boot application
     *                         sets its {@code ApplicationArguments} here)
     */
    public record ProcessOptions(
            int idleProcesses,
            OptionalLong memoryLimitBytes,
            List<String> jvmArgs,
            Optional<String> mainClass,
            Duration startTimeout,
            Optional<List<String>> programArgs) {

        /** The default {@code openrtc.process.idle-processes}. */
        public static final int DEFAULT_IDLE_PROCESSES = 1;
        /** The default {@code openrtc.process.memory-limit}: 512 MiB. */
        public static final long DEFAULT_MEMORY_LIMIT = 512L * 1024 * 1024;
        /** The default {@code openrtc.process.start-timeout}. */
        public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);
        /** A JVM needs about this much to start at all. */
        public static final long MIN_MEMORY_LIMIT = 64L * 1024 * 1024;
        static final ProcessOptions DEFAULTS = new ProcessOptions(DEFAULT_IDLE_PROCESSES, OptionalLong.of(DEFAULT_MEMORY_LIMIT),
                List.of(), Optional.empty(), DEFAULT_START_TIMEOUT, Optional.empty());

        private static final Pattern CLASS_NAME = Pattern.compile("\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*"
                + "(\\.\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*)*");
        private static final Pattern XMX = Pattern.compile("-Xmx(\\d+)([kKmMgGtT]?)");

        public ProcessOptions {
            atLeast("openrtc.process.idle-processes", idleProcesses, 0);
            memoryLimitBytes = Objects.requireNonNullElse(memoryLimitBytes, OptionalLong.empty());
            if (memoryLimitBytes.isPresent() && memoryLimitBytes.getAsLong() < MIN_MEMORY_LIMIT) {
                throw new IllegalArgumentException("openrtc.process.memory-limit must be at least 64 MiB (a JVM needs "
                        + "that much to start), was " + memoryLimitBytes.getAsLong() + " bytes");
            }
            jvmArgs = jvmArgs == null ? List.of() : List.copyOf(jvmArgs);
            for (String arg : jvmArgs) {
                if (arg.isBlank()) {
                    throw new IllegalArgumentException("openrtc.process.jvm-args must not contain blank entries, was "
                            + jvmArgs);
                }
                if (arg.startsWith("-D" + SessionHost.ROLE_PROPERTY) || arg.startsWith("-D" + SessionHost.SOCKET_PROPERTY)) {
                    throw new IllegalArgumentException("openrtc.process.jvm-args must not set " + arg
                            + ": the pool sets it for each child");
                }
                Matcher xmx = XMX.matcher(arg);
                if (xmx.matches() && memoryLimitBytes.isPresent()
                        && parseSize(xmx.group(1), xmx.group(2)) >= memoryLimitBytes.getAsLong()) {
                    throw new IllegalArgumentException("openrtc.process.jvm-args sets " + arg
                            + ", at or above openrtc.process.memory-limit (" + memoryLimitBytes.getAsLong()
                            + " bytes): the child would be killed before its heap is full");
                }
            }
            mainClass = Objects.requireNonNullElse(mainClass, Optional.empty());
            mainClass.ifPresent(name -> {
                if (!CLASS_NAME.matcher(name).matches()) {
                    throw new IllegalArgumentException("openrtc.process.main-class must be a fully qualified class "
                            + "name, was '" + name + "'");
                }
            });
            if (startTimeout == null || startTimeout.isNegative() || startTimeout.isZero()) {
                throw new IllegalArgumentException("openrtc.process.start-timeout must be positive, was " + startTimeout);
            }
            programArgs = Objects.requireNonNullElse(programArgs, Optional.<List<String>>empty()).map(List::copyOf);
        }

        /** Whether {@link #jvmArgs()} sizes the heap itself. */
        boolean jvmArgsSizeHeap() {
            return jvmArgs.stream().anyMatch(a -> a.startsWith("-Xmx") || a.startsWith("-XX:MaxHeapSize")
                    || a.startsWith("-XX:MaxRAM"));
        }

        private static long parseSize(String digits, String unit) {
            long n = Long.parseLong(digits);
            return switch (unit.toLowerCase(Locale.ROOT)) {
                case "k" -> n << 10;
                case "m" -> n << 20;
                case "g" -> n << 30;
                case "t" -> n << 40;
                default -> n;
            };
        }
    }

    /** Builds {@link PoolOptions}; unset values keep their defaults. */
    public static final class Builder {
        private Isolation isolation = Isolation.COROUTINE;
        private int maxConcurrentSessions = DEFAULT_MAX_CONCURRENT_SESSIONS;
        private int consecutiveFailureLimit = DEFAULT_CONSECUTIVE_FAILURE_LIMIT;
        private Duration agentRetryAfter = DEFAULT_AGENT_RETRY_AFTER;
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private Duration cancelGrace = DEFAULT_CANCEL_GRACE;
        private OptionalLong memoryWarn = OptionalLong.empty();
        private OptionalLong memoryLimit = OptionalLong.empty();
        private int idleProcesses = ProcessOptions.DEFAULT_IDLE_PROCESSES;
        private OptionalLong processMemoryLimit = OptionalLong.of(ProcessOptions.DEFAULT_MEMORY_LIMIT);
        private List<String> jvmArgs = new ArrayList<>();
        private Optional<String> mainClass = Optional.empty();
        private Duration startTimeout = ProcessOptions.DEFAULT_START_TIMEOUT;
        private Optional<List<String>> programArgs = Optional.empty();

        private Builder() {
        }

        /** {@code openrtc.isolation}: a virtual thread (coroutine) or a child JVM (process) per session. */
        public Builder isolation(Isolation isolation) {
            this.isolation = isolation;
            return this;
        }

        /** {@code openrtc.max-concurrent-sessions}: the hard cap on sessions running or reserved at once. */
        public Builder maxConcurrentSessions(int max) {
            this.maxConcurrentSessions = max;
            return this;
        }

        /**
         * {@code openrtc.consecutive-failure-limit}: failed sessions in a row that take an agent out
         * of service (its own failures) or mark the worker broken (the worker's failures).
         */
        public Builder consecutiveFailureLimit(int limit) {
            this.consecutiveFailureLimit = limit;
            return this;
        }

        /** {@code openrtc.agent-retry-after}: how long an agent out of service waits for its trial session. */
        public Builder agentRetryAfter(Duration retryAfter) {
            this.agentRetryAfter = retryAfter;
            return this;
        }

        /** {@code openrtc.drain-timeout}: how long a drain waits for running sessions before cancelling them. */
        public Builder drainTimeout(Duration timeout) {
            this.drainTimeout = timeout;
            return this;
        }

        /** {@code openrtc.cancel-grace}: how long a cancelled session may take to stop before it is abandoned. */
        public Builder cancelGrace(Duration grace) {
            this.cancelGrace = grace;
            return this;
        }

        /** {@code openrtc.memory.warn}: above this the pool logs a warning once per crossing. */
        public Builder memoryWarnBytes(long bytes) {
            this.memoryWarn = OptionalLong.of(bytes);
            return this;
        }

        /** {@code openrtc.memory.limit}: above this the pool declines jobs and asks for a drain and stop. */
        public Builder memoryLimitBytes(long bytes) {
            this.memoryLimit = OptionalLong.of(bytes);
            return this;
        }

        /** {@code openrtc.process.idle-processes}: child JVMs kept started and idle, ready for the next job. */
        public Builder idleProcesses(int count) {
            this.idleProcesses = count;
            return this;
        }

        /** {@code openrtc.process.memory-limit}: each child JVM's limit (3/4 of it becomes its {@code -Xmx}). */
        public Builder processMemoryLimitBytes(long bytes) {
            this.processMemoryLimit = OptionalLong.of(bytes);
            return this;
        }

        /** No per-child memory limit: no {@code -Xmx} added, no resident memory watch. */
        public Builder noProcessMemoryLimit() {
            this.processMemoryLimit = OptionalLong.empty();
            return this;
        }

        /** {@code openrtc.process.jvm-args}: extra arguments for every child JVM. */
        public Builder jvmArgs(List<String> args) {
            this.jvmArgs = new ArrayList<>(args);
            return this;
        }

        /** {@code openrtc.process.main-class}: the class child JVMs start (default: the worker JVM's own main class). */
        public Builder mainClass(String className) {
            this.mainClass = Optional.ofNullable(className);
            return this;
        }

        /** As {@link #mainClass(String)}, with the class itself. */
        public Builder mainClass(Class<?> mainClass) {
            return mainClass(mainClass.getName());
        }

        /** {@code openrtc.process.start-timeout}: how long a child JVM may take to boot and connect. */
        public Builder processStartTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /**
         * The program arguments of every child JVM's main, instead of this JVM's own (the default
         * when the child runs this JVM's main class) or none (when {@link #mainClass} names another).
         */
        public Builder programArgs(List<String> args) {
            this.programArgs = Optional.of(List.copyOf(args));
            return this;
        }

        /** Builds and validates. */
        public PoolOptions build() {
            return new PoolOptions(isolation, maxConcurrentSessions, consecutiveFailureLimit, agentRetryAfter, drainTimeout,
                    cancelGrace,
                    memoryWarn, memoryLimit,
                    new ProcessOptions(idleProcesses, processMemoryLimit, jvmArgs, mainClass, startTimeout, programArgs));
        }
    }
}
