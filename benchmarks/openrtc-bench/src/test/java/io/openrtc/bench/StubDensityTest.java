package io.openrtc.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openrtc.pool.Isolation;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The stub-density benchmark at a tiny size, through the real session pool. */
class StubDensityTest {

    @Test
    void everySessionRunsAtOnceAndHoldsItsBuffer() throws Exception {
        Map<String, Object> result = StubDensity.run(
                new StubDensity.Settings(8, 1 << 20, 300, Isolation.COROUTINE, 10, 8));

        assertThat(result).containsEntry("successes", 8).containsEntry("failures", 0).containsEntry("unfinished", 0)
                .containsEntry("mostSessionsAlive", 8);
        assertThat((long) result.get("peakRssBytes")).isGreaterThan((long) result.get("baselineRssBytes"));
        assertThat((double) result.get("elapsedMs")).isGreaterThanOrEqualTo(300);
    }

    @Test
    void aCappedPoolRunsEverySessionButNeverMoreThanItsCapacityAtOnce() throws Exception {
        Map<String, Object> result = StubDensity.run(
                new StubDensity.Settings(6, 0, 100, Isolation.COROUTINE, 10, 2));

        assertThat(result).containsEntry("successes", 6).containsEntry("maxConcurrent", 2);
        assertThat((int) result.get("mostSessionsAlive")).isBetween(1, 2);
        assertThat((double) result.get("elapsedMs")).isGreaterThanOrEqualTo(300); // three waves of 100 ms
    }

    @Test
    void optionsAreCheckedByName() {
        assertThatThrownBy(() -> StubDensity.Settings.parse(new String[] {"--sessions", "0"}))
                .hasMessageContaining("--sessions");
        assertThatThrownBy(() -> StubDensity.Settings.parse(new String[] {"--sessions", "5", "--max-concurrent", "6"}))
                .hasMessageContaining("--max-concurrent");
        assertThatThrownBy(() -> StubDensity.Settings.parse(new String[] {"--color", "blue"}))
                .hasMessageContaining("color");
        assertThat(StubDensity.Settings.parse(new String[] {"--sessions", "10_000", "--buffer-mb", "5"}))
                .isEqualTo(new StubDensity.Settings(10_000, 5L << 20, 1000, Isolation.COROUTINE, 50, 10_000));
    }
}
