package io.openrtc.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openrtc.pool.Isolation;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchSettingsTest {

    private static Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>(Map.of("LIVEKIT_URL", "ws://198.18.0.1:7880",
                "LIVEKIT_API_KEY", "key", "LIVEKIT_API_SECRET", "secret-value"));
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    @Test
    void defaultsFollowTheWorkerContract() {
        BenchSettings settings = BenchSettings.fromEnvironment(env());

        assertThat(settings.agentName()).isEqualTo("bench-tone");
        assertThat(settings.mode()).isEqualTo(BenchSettings.Mode.MEDIA);
        assertThat(settings.eventsFile()).isEmpty();
        assertThat(settings.maxSessions()).isEqualTo(50);
        assertThat(settings.toneHz()).isEqualTo(660);
        assertThat(settings.isolation()).isEqualTo(Isolation.COROUTINE);
        assertThat(settings.runtimeName()).isEqualTo("openrtc-jvm-coroutine");
    }

    @Test
    void readsEverySetting() {
        BenchSettings settings = BenchSettings.fromEnvironment(env("OPENRTC_BENCH_AGENT_NAME", "bench-x",
                "OPENRTC_BENCH_MODE", "dispatch", "OPENRTC_BENCH_EVENTS", "/tmp/events.jsonl",
                "OPENRTC_BENCH_MAX_SESSIONS", "200", "OPENRTC_BENCH_TONE_HZ", "440", "OPENRTC_BENCH_ISOLATION", "process"));

        assertThat(settings.agentName()).isEqualTo("bench-x");
        assertThat(settings.mode()).isEqualTo(BenchSettings.Mode.DISPATCH);
        assertThat(settings.eventsFile()).contains(Path.of("/tmp/events.jsonl"));
        assertThat(settings.maxSessions()).isEqualTo(200);
        assertThat(settings.toneHz()).isEqualTo(440);
        assertThat(settings.runtimeName()).isEqualTo("openrtc-jvm-process");
    }

    @Test
    void badValuesNameTheirVariable() {
        assertThatThrownBy(() -> BenchSettings.fromEnvironment(Map.of()))
                .hasMessageContaining("LIVEKIT_URL");
        assertThatThrownBy(() -> BenchSettings.fromEnvironment(env("OPENRTC_BENCH_MODE", "burst")))
                .hasMessageContaining("OPENRTC_BENCH_MODE").hasMessageContaining("burst");
        assertThatThrownBy(() -> BenchSettings.fromEnvironment(env("OPENRTC_BENCH_MAX_SESSIONS", "0")))
                .hasMessageContaining("OPENRTC_BENCH_MAX_SESSIONS");
        assertThatThrownBy(() -> BenchSettings.fromEnvironment(env("OPENRTC_BENCH_ISOLATION", "thread")))
                .hasMessageContaining("OPENRTC_BENCH_ISOLATION");
        assertThatThrownBy(() -> BenchSettings.fromEnvironment(env("OPENRTC_BENCH_TONE_HZ", "30000")))
                .hasMessageContaining("OPENRTC_BENCH_TONE_HZ");
    }

    @Test
    void theSecretStaysOutOfToString() {
        assertThat(BenchSettings.fromEnvironment(env()).toString()).doesNotContain("secret-value");
    }
}
