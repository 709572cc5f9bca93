package io.openrtc.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PoolOptionsTest {

    private static final long MIB = 1024 * 1024;

    @Test
    void defaults() {
        PoolOptions options = PoolOptions.defaults();
        assertThat(options.isolation()).isEqualTo(Isolation.COROUTINE);
        assertThat(options.maxConcurrentSessions()).isEqualTo(50);
        assertThat(options.consecutiveFailureLimit()).isEqualTo(5);
        assertThat(options.drainTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(options.cancelGrace()).isEqualTo(Duration.ofSeconds(5));
        assertThat(options.memoryWarnBytes()).isEmpty();
        assertThat(options.memoryLimitBytes()).isEmpty();
        assertThat(options.process().idleProcesses()).isEqualTo(1);
        assertThat(options.process().memoryLimitBytes()).hasValue(512 * MIB);
        assertThat(options.process().jvmArgs()).isEmpty();
        assertThat(options.process().mainClass()).isEmpty();
        assertThat(options.toBuilder().build()).isEqualTo(options);
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                bad(b -> b.maxConcurrentSessions(0), "openrtc.max-concurrent-sessions must be at least 1, was 0"),
                bad(b -> b.consecutiveFailureLimit(0), "openrtc.consecutive-failure-limit must be at least 1, was 0"),
                bad(b -> b.drainTimeout(Duration.ofSeconds(-1)), "openrtc.drain-timeout must be zero or positive, was PT-1S"),
                bad(b -> b.cancelGrace(null), "openrtc.cancel-grace must be zero or positive, was null"),
                bad(b -> b.isolation(null), "openrtc.isolation must be set"),
                bad(b -> b.memoryWarnBytes(0), "openrtc.memory.warn must be positive, was 0 bytes"),
                bad(b -> b.memoryLimitBytes(-5), "openrtc.memory.limit must be positive, was -5 bytes"),
                bad(b -> b.memoryWarnBytes(2 * MIB).memoryLimitBytes(MIB),
                        "openrtc.memory.warn (2097152 bytes) must be below openrtc.memory.limit (1048576 bytes)"),
                bad(b -> b.idleProcesses(-1), "openrtc.process.idle-processes must be at least 0, was -1"),
                bad(b -> b.isolation(Isolation.PROCESS).maxConcurrentSessions(2).idleProcesses(3),
                        "openrtc.process.idle-processes (3) must not exceed openrtc.max-concurrent-sessions (2)"),
                bad(b -> b.processMemoryLimitBytes(MIB), "openrtc.process.memory-limit must be at least 64 MiB"),
                bad(b -> b.jvmArgs(List.of("-Xss1m", " ")), "openrtc.process.jvm-args must not contain blank entries"),
                bad(b -> b.jvmArgs(List.of("-Dopenrtc.role=worker")), "openrtc.process.jvm-args must not set -Dopenrtc.role"),
                bad(b -> b.processMemoryLimitBytes(256 * MIB).jvmArgs(List.of("-Xmx1g")),
                        "openrtc.process.jvm-args sets -Xmx1g, at or above openrtc.process.memory-limit"),
                bad(b -> b.mainClass("not a class"), "openrtc.process.main-class must be a fully qualified class name"),
                bad(b -> b.processStartTimeout(Duration.ZERO), "openrtc.process.start-timeout must be positive, was PT0S"));
    }

    private static Arguments bad(UnaryOperator<PoolOptions.Builder> change, String message) {
        return Arguments.of(change, message);
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("invalid")
    void eachInvalidValueIsRejectedWithAMessageNamingItsProperty(UnaryOperator<PoolOptions.Builder> change,
            String message) {
        assertThatThrownBy(() -> change.apply(PoolOptions.builder()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void idleProcessesMayExceedTheCapacityInCoroutineModeWhereTheyAreUnused() {
        assertThat(PoolOptions.builder().maxConcurrentSessions(1).idleProcesses(3).build().process().idleProcesses())
                .isEqualTo(3);
    }

    @Test
    void isolationParsesPropertyValues() {
        assertThat(Isolation.fromValue("coroutine")).isEqualTo(Isolation.COROUTINE);
        assertThat(Isolation.fromValue(" PROCESS ")).isEqualTo(Isolation.PROCESS);
        assertThat(Isolation.PROCESS.value()).isEqualTo("process");
        assertThatThrownBy(() -> Isolation.fromValue("thread"))
                .hasMessage("openrtc.isolation must be 'coroutine' or 'process', was 'thread'");
    }

    @Test
    void childHeapIsThreeQuartersOfTheProcessMemoryLimitUnlessJvmArgsSizeIt() {
        PoolOptions.ProcessOptions limited = PoolOptions.builder().processMemoryLimitBytes(512 * MIB)
                .mainClass("app.Main").build().process();
        List<String> command = ChildCommand.of(limited).forSocket(java.nio.file.Path.of("/tmp/s.sock"));
        assertThat(command).contains("-Xmx384m", "-Dopenrtc.role=session-host", "-Dopenrtc.session-host.socket=/tmp/s.sock")
                .endsWith("app.Main");
        PoolOptions.ProcessOptions sized = PoolOptions.builder().processMemoryLimitBytes(512 * MIB)
                .jvmArgs(List.of("-Xmx200m")).mainClass("app.Main").build().process();
        assertThat(ChildCommand.of(sized).forSocket(java.nio.file.Path.of("/tmp/s.sock")))
                .contains("-Xmx200m").doesNotContain("-Xmx384m");
    }
}
