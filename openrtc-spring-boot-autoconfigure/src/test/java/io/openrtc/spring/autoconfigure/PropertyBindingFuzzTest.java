package io.openrtc.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentConfig;
import io.openrtc.agent.AgentSession;
import io.openrtc.spring.playground.PlaygroundProperties;
import io.openrtc.test.Fuzz;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.StandardEnvironment;

/**
 * Fuzzes every {@code openrtc.*} property (the names and types the configuration processor lists
 * in {@code META-INF/spring-configuration-metadata.json}) with hostile strings and near misses of
 * their type: each set of values either binds and builds the pool's options, or fails with a
 * message that names one of the properties it set. Never another exception, never a hang.
 *
 * <p>Two levels: 10,000 inputs through Spring Boot's {@link Binder} (what the context does to bind
 * them) followed by the auto-configuration's own translation into {@code PoolOptions}; and a
 * smaller number of whole application contexts (each costs one), in which the LiveKit URL stays a
 * refused loopback port and the isolation stays {@code coroutine} (a fuzzed URL would send traffic
 * to whatever host it names, and process isolation would start child JVMs).
 */
class PropertyBindingFuzzTest {

    private static final long HANG_NANOS = 2_000_000_000L;
    private static final List<String> NEAR_MISSES = List.of("", " ", "-1", "0", "1", "2147483648", "-2147483649",
            "9223372036854775808", "1e309", "NaN", "Infinity", "-0.0", "0.0000001", "1.5", "1,5", "-5s", "PT-1S", "0s",
            "99999999999999d", "1ns", "5 s", "1GB", "-1MB", "9999999PB", "0B", "12XB", "true", "false", "maybe", "TRUE",
            "room", "ROOM", "participant", "publisher", "process", "coroutine", " coroutine ", "thread", "a,b,,c", ",",
            "-XX:+UseSerialGC", "-Xmx99999g", "-Xmx1m", "${openrtc.nothing}", "#{1/0}", "java.lang.String",
            "com.example.Missing", "ws://", "wss://a b", "http://[::1", "\u0000", "\uD800", "\u202E");

    @AgentConfig
    static class EchoAgent implements Agent {
        @Override
        public void run(AgentSession session) {
        }
    }

    /** Every openrtc.* property, name to type. */
    private static final Map<String, String> PROPERTIES = new TreeMap<>();

    @BeforeAll
    static void readMetadata() throws IOException {
        ObjectMapper json = new ObjectMapper();
        Enumeration<URL> files = PropertyBindingFuzzTest.class.getClassLoader().getResources("META-INF/spring-configuration-metadata.json");
        while (files.hasMoreElements()) {
            try (InputStream in = files.nextElement().openStream()) {
                for (JsonNode property : json.readTree(in).path("properties")) {
                    String name = property.path("name").asText();
                    if (name.startsWith("openrtc.")) {
                        PROPERTIES.put(name, property.path("type").asText(""));
                    }
                }
            }
        }
        assertThat(PROPERTIES).as("openrtc.* properties in the configuration metadata").hasSizeGreaterThan(30);
    }

    @Test
    void anyValueOfAnyPropertyBindsOrFailsNamingIt() {
        Fuzz fuzz = Fuzz.seeded("openrtc.* bindings");
        int bound = 0;
        int rejected = 0;
        // Once untimed: the first binding loads the Binder's and the conversion service's classes
        // (2.5 s on the loaded 2-core machine), which is not what the bound is about.
        new Binder(new MapConfigurationPropertySource(Map.of())).bindOrCreate("openrtc.voice", OpenRtcVoiceProperties.class);
        for (int i = 0; i < Fuzz.INPUTS; i++) {
            Map<String, String> values = values(fuzz, false);
            long started = System.nanoTime();
            try {
                Binder binder = new Binder(new MapConfigurationPropertySource(values));
                // Each root only when one of its properties is set: binding a root's defaults
                // again and again tells nothing and costs most of the time.
                if (values.keySet().stream().anyMatch(n -> !n.startsWith("openrtc.voice.") && !n.startsWith("openrtc.playground."))) {
                    OpenRtcProperties properties = binder.bindOrCreate("openrtc", OpenRtcProperties.class);
                    OpenRtcAutoConfiguration.poolOptions(properties, new StandardEnvironment(), null).build();
                }
                if (values.keySet().stream().anyMatch(n -> n.startsWith("openrtc.voice."))) {
                    binder.bindOrCreate("openrtc.voice", OpenRtcVoiceProperties.class);
                }
                if (values.keySet().stream().anyMatch(n -> n.startsWith("openrtc.playground."))) {
                    binder.bindOrCreate("openrtc.playground", PlaygroundProperties.class);
                }
                if (values.keySet().stream().anyMatch(n -> n.startsWith("openrtc.cost."))) {
                    binder.bindOrCreate("openrtc.cost", io.openrtc.spring.cost.CostProperties.class);
                }
                if (values.keySet().stream().anyMatch(n -> n.startsWith("openrtc.deployment."))) {
                    binder.bindOrCreate("openrtc.deployment", io.openrtc.spring.deploy.DeploymentProperties.class);
                }
                bound++;
            } catch (RuntimeException e) {
                assertNamesAProperty(e, values, "input " + i + " of seed " + fuzz.seed());
                rejected++;
            }
            assertThat(System.nanoTime() - started).as("input %d of seed %d hung", i, fuzz.seed()).isLessThan(HANG_NANOS);
        }
        System.out.printf("[fuzz] openrtc.* bindings: %d inputs over %d properties, %d bound, %d rejected naming the property%n",
                Fuzz.INPUTS, PROPERTIES.size(), bound, rejected);
        assertThat(bound).isPositive();
        assertThat(rejected).isPositive();
    }

    @Test
    void anApplicationContextStartsOrFailsNamingTheProperty() {
        // Each context costs about half a second here (it starts the WebRTC runtime): 50 per 10,000 inputs.
        int inputs = Math.max(50, Fuzz.INPUTS / 200);
        Fuzz fuzz = Fuzz.seeded("openrtc.* in a context");
        ApplicationContextRunner runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(OpenRtcAutoConfiguration.class))
                .withUserConfiguration(EchoAgent.class);
        int started = 0;
        int failed = 0;
        for (int i = 0; i < inputs; i++) {
            Map<String, String> values = values(fuzz, true);
            String where = "context " + i + " of seed " + fuzz.seed();
            long t0 = System.nanoTime();
            int[] outcome = new int[1];
            runner.withPropertyValues(values.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toArray(String[]::new))
                    .run(context -> {
                        if (context.getStartupFailure() != null) {
                            assertNamesAProperty(context.getStartupFailure(), values, where);
                            outcome[0] = 2;
                        } else {
                            outcome[0] = 1;
                        }
                    });
            assertThat(System.nanoTime() - t0).as("%s hung", where).isLessThan(5 * HANG_NANOS);
            started += outcome[0] == 1 ? 1 : 0;
            failed += outcome[0] == 2 ? 1 : 0;
        }
        System.out.printf("[fuzz] openrtc.* in an application context: %d contexts, %d started, %d failed naming the property%n",
                inputs, started, failed);
        assertThat(started).isPositive();
        assertThat(failed).isPositive();
    }

    /** The regression case of seed 4229024164540: a placeholder nothing resolves, in a property a condition reads. */
    @Test
    void anUnresolvablePlaceholderInAConditionsPropertyFailsNamingThePlaceholder() {
        Map<String, String> values = new LinkedHashMap<>(Map.of("openrtc.enabled", "${openrtc.nothing}",
                "openrtc.livekit.url", "ws://127.0.0.1:1", "openrtc.livekit.api-key", "key", "openrtc.livekit.api-secret", "secret"));
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(OpenRtcAutoConfiguration.class))
                .withUserConfiguration(EchoAgent.class)
                .withPropertyValues(values.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toArray(String[]::new))
                .run(context -> {
                    assertThat(context.getStartupFailure()).isNotNull();
                    assertNamesAProperty(context.getStartupFailure(), values, "seed 4229024164540");
                });
    }

    /** One to three properties with hostile values (in a context: safe URL and isolation, credentials set). */
    private static Map<String, String> values(Fuzz fuzz, boolean inContext) {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(PROPERTIES.keySet());
        int count = 1 + fuzz.nextInt(3);
        for (int k = 0; k < count; k++) {
            String name = names.get(fuzz.nextInt(names.size()));
            if (PROPERTIES.get(name).startsWith("java.util.Map")) {
                name = name + "." + fuzz.oneOf("a", "restaurant", "x.y", "[0]") + "." + fuzz.oneOf("stt", "tts", "llm", "greeting", "x");
            }
            if (inContext && (name.equals("openrtc.livekit.url") || name.equals("openrtc.isolation"))) {
                continue;
            }
            values.put(name, fuzz.chance(0.5) ? NEAR_MISSES.get(fuzz.nextInt(NEAR_MISSES.size())) : fuzz.string());
        }
        if (inContext) {
            values.put("openrtc.livekit.url", "ws://127.0.0.1:1");
            values.putIfAbsent("openrtc.livekit.api-key", "key");
            values.putIfAbsent("openrtc.livekit.api-secret", "secret");
        }
        return values;
    }

    /** The failure, or one of its causes, names one of the properties that were set. */
    private static void assertNamesAProperty(Throwable failure, Map<String, String> values, String where) {
        StringBuilder messages = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            messages.append(t.getClass().getName()).append(": ").append(t.getMessage()).append(" <- ");
        }
        String text = messages.toString();
        boolean named = values.keySet().stream().anyMatch(name -> text.contains(name) || text.contains(parent(name)))
                // Spring resolves a placeholder before any binder sees the property (in a condition
                // such as openrtc.enabled's): its error names the placeholder it could not resolve.
                || values.values().stream().anyMatch(v -> v.startsWith("${") && v.endsWith("}")
                        && text.contains("Could not resolve placeholder '" + v.substring(2, v.length() - 1) + "'"));
        if (!named) {
            throw new AssertionError(where + " failed without naming any of " + values.keySet() + ": " + cut(text), failure);
        }
    }

    /** A map entry's property ({@code openrtc.agents.a.stt}) may be reported as its map ({@code openrtc.agents.a}). */
    private static String parent(String name) {
        int dot = name.lastIndexOf('.');
        return name.startsWith("openrtc.agents.") && dot > "openrtc.agents".length() ? name.substring(0, dot) : name;
    }

    private static String cut(String s) {
        return s.length() > 600 ? s.substring(0, 600) + "... (" + s.length() + " chars)" : s;
    }
}
