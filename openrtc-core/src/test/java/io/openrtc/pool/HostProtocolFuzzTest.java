package io.openrtc.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.test.Fuzz;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the session-host protocol between the worker and its child JVMs (a child that crashed
 * mid-write, or a library that printed into the channel): every message the parent or the child
 * cannot read is rejected with an {@link IOException} that says why, never another exception the
 * reading loop does not expect, and never a hang.
 */
class HostProtocolFuzzTest {

    private static final long HANG_NANOS = 2_000_000_000L;

    @Test
    void everyUnreadableMessageIsAnIoException() {
        Fuzz fuzz = Fuzz.seeded("session-host protocol");
        List<byte[]> valid = new ArrayList<>();
        valid.add(HostProtocol.encode(new HostMessage.Job(new SessionRequest(TestJobs.assignment(TestJobs.job("{\"agent\":\"restaurant\"}")),
                TestJobs.AGENT, java.time.Instant.now()))));
        valid.add(HostProtocol.encode(new HostMessage.Ready(42)));
        valid.add(HostProtocol.encode(new HostMessage.Running()));
        valid.add(HostProtocol.encode(new HostMessage.Cancel("drain")));
        valid.add(HostProtocol.encode(HostMessage.ending(new io.openrtc.agent.SessionOutcome.Failed(
                new IllegalStateException("boom", new RuntimeException("cause")), java.time.Instant.now(),
                java.time.Instant.now()))));
        int read = 0;
        int rejected = 0;
        for (int i = 0; i < Fuzz.INPUTS; i++) {
            byte[] bytes = fuzz.chance(0.8) ? fuzz.mutate(valid.get(fuzz.nextInt(valid.size()))) : fuzz.bytes();
            long started = System.nanoTime();
            try {
                HostProtocol.decode(bytes);
                read++;
            } catch (IOException e) {
                assertThat(e.getMessage()).as("the rejection says why").isNotBlank();
                rejected++;
            } catch (RuntimeException e) {
                throw new AssertionError("input " + i + " of seed " + fuzz.seed() + " threw " + e + " on "
                        + new String(bytes, java.nio.charset.StandardCharsets.UTF_8), e);
            }
            assertThat(System.nanoTime() - started).as("input %d of seed %d hung", i, fuzz.seed()).isLessThan(HANG_NANOS);
        }
        System.out.printf("[fuzz] session-host protocol: %d inputs, %d read, %d rejected%n", Fuzz.INPUTS, read, rejected);
        assertThat(rejected).isPositive();
    }
}
