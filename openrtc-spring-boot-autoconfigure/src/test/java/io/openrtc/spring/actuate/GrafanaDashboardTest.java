package io.openrtc.spring.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentConfig;
import io.openrtc.agent.AgentSession;
import io.openrtc.agent.JobInfo;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.observe.SessionInfo;
import io.openrtc.observe.VoiceMetric;
import io.openrtc.spring.autoconfigure.OpenRtcAutoConfiguration;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The Grafana dashboard in {@code docs/grafana/openrtc-dashboard.json} imports as it is and asks
 * only for series the application exports. Every metric name in its queries and in its
 * {@code agent} variable must be a series of a real Prometheus scrape of an application that the
 * auto-configuration built, after one voice measurement of each kind (the tool-call and
 * provider-error series exist only from their first occurrence). So a renamed or misspelt meter,
 * or a wrong suffix ({@code _total}, {@code _seconds}, {@code _bucket}), fails here rather than as
 * an empty panel; {@link #aMadeUpNameIsReported} shows that the check does catch one. The JSON
 * must also be importable: panels with unique ids, each querying through the dashboard's
 * data-source variable, and every OpenRTC meter on some panel.
 */
class GrafanaDashboardTest {

    /** Relative to the module, where Maven runs its tests. */
    private static final Path DASHBOARD = Path.of("../docs/grafana/openrtc-dashboard.json");
    private static final String DATASOURCE_VARIABLE = "DS_PROMETHEUS";
    private static final String DATASOURCE_UID = "${" + DATASOURCE_VARIABLE + "}";
    private static final String AGENT_QUERY = "label_values(openrtc_sessions_active, agent)";

    private static final SessionInfo SESSION = new SessionInfo(JobInfo.forRoom("AJ_1", "restaurant-1", "", ""),
            "restaurant", Instant.parse("2026-01-02T10:00:00Z"));

    /** One measurement of each kind, every duration set so that every timer records. */
    private static final List<VoiceMetric> ONE_OF_EACH = List.of(
            new VoiceMetric.Turn(false, millis(620), millis(200), millis(350), millis(170), millis(1180), millis(460), false,
                    120, 30, 42, Duration.ofSeconds(2)),
            new VoiceMetric.Interruption(true),
            new VoiceMetric.Interruption(false),
            new VoiceMetric.ToolCall("book_table", false, millis(20)),
            new VoiceMetric.ToolCall("book_table", true, millis(20)),
            new VoiceMetric.ProviderError("openAiChatModel", "LLM"),
            new VoiceMetric.TurnDropped("superseded"),
            new VoiceMetric.StateRepaired("speaking", millis(600)));

    private static final ApplicationContextRunner APP = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(OpenRtcAutoConfiguration.class, OpenRtcMetricsAutoConfiguration.class,
                    MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
                    PrometheusMetricsExportAutoConfiguration.class))
            .withUserConfiguration(RestaurantAgent.class)
            .withPropertyValues("openrtc.livekit.url=ws://127.0.0.1:1", "openrtc.livekit.api-key=key",
                    "openrtc.livekit.api-secret=secret-that-is-long-enough-for-livekit");

    private static JsonNode dashboard;
    private static String scrape;

    @AgentConfig(name = "restaurant")
    static class RestaurantAgent implements Agent {
        @Override
        public void run(AgentSession session) {
        }
    }

    @BeforeAll
    static void loadTheDashboardAndScrapeTheApplication() throws IOException {
        dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        AtomicReference<String> scraped = new AtomicReference<>();
        APP.run(context -> {
            assertThat(context).hasNotFailed();
            // The pool calls record with each event it publishes; a session's voice would send these.
            OpenRtcVoiceMetrics voice = context.getBean(OpenRtcVoiceMetrics.class);
            ONE_OF_EACH.forEach(metric -> voice.record(new OpenRtcEvent.VoiceMeasured(Instant.now(), SESSION, metric)));
            scraped.set(context.getBean(PrometheusMeterRegistry.class).scrape());
        });
        scrape = scraped.get();
    }

    @Test
    void theSamplesCoverEveryKindOfVoiceMetric() {
        // A new kind of measurement may bring new series; it must be fed here before the dashboard uses them.
        assertThat(ONE_OF_EACH.stream().map(Object::getClass).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder(VoiceMetric.class.getPermittedSubclasses());
    }

    @Test
    void everyMetricTheDashboardQueriesIsAScrapedSeries() {
        List<String> queries = queries(dashboard);
        Set<String> used = metricNames(queries);
        // The tokenizer found the queries' names, the lazily created ones and histogram buckets among them.
        assertThat(used).contains("openrtc_sessions_active", "openrtc_voice_response_latency_seconds_bucket",
                "openrtc_voice_tool_calls_total", "openrtc_voice_provider_errors_total");
        Set<String> series = seriesNames(scrape);
        assertThat(unknown(queries, series))
                .as("metric names in %s that no scraped series has; the scraped ones: %s", DASHBOARD, series)
                .isEmpty();
    }

    @Test
    void aMadeUpNameIsReported() {
        Set<String> series = seriesNames(scrape);
        List<String> queries = List.of(
                "sum(rate(openrtc_voice_turns_total{agent=~\"$agent\"}[$__rate_interval]))",
                "sum(rate(openrtc_voice_made_up_total[5m]))",
                // The Micrometer name with dots turned into underscores, but no _total: no such series.
                "rate(openrtc_voice_turns[5m])",
                "histogram_quantile(0.95, sum by (le) (rate(openrtc_voice_response_latency_bucket[5m])))",
                "label_values(openrtc_sessions_activ, agent)");
        assertThat(unknown(queries, series)).containsExactly("openrtc_sessions_activ", "openrtc_voice_made_up_total",
                "openrtc_voice_response_latency_bucket", "openrtc_voice_turns");
        // Names inside label values are no metric names.
        assertThat(PromQlMetricNames.in("up{job=\"openrtc_fake\"} or openrtc_worker_load")).containsExactly("openrtc_worker_load");
    }

    @Test
    void everyOpenRtcMeterIsOnSomePanel() {
        Set<String> used = metricNames(queries(dashboard));
        Set<String> families = meterFamilies(scrape);
        assertThat(families).contains("openrtc_voice_llm_tokens_total", "openrtc_dispatch_latency_seconds");
        List<String> missing = families.stream()
                .filter(family -> used.stream().noneMatch(name -> name.equals(family) || name.startsWith(family + "_")))
                .toList();
        assertThat(missing).as("OpenRTC meters no panel of %s shows", DASHBOARD).isEmpty();
    }

    @Test
    void theJsonImportsAsItIs() {
        assertThat(dashboard.path("title").asText()).isNotBlank();
        assertThat(dashboard.path("uid").asText()).isNotBlank();
        // Grafana gives an imported dashboard its own id; a fixed one would clash.
        assertThat(dashboard.path("id").isNull() || dashboard.path("id").isMissingNode()).isTrue();
        // Data sources as {type, uid} objects, which panels here use, are schema 36 and later.
        assertThat(dashboard.path("schemaVersion").asInt()).isGreaterThanOrEqualTo(36);
        // Nothing is left for the import dialog to fill in: the data source is a dashboard variable.
        assertThat(dashboard.has("__inputs")).isFalse();

        JsonNode datasource = variable(DATASOURCE_VARIABLE);
        assertThat(datasource.path("type").asText()).isEqualTo("datasource");
        assertThat(datasource.path("query").asText()).isEqualTo("prometheus");
        JsonNode agent = variable("agent");
        assertThat(agent.path("type").asText()).isEqualTo("query");
        assertThat(agent.path("datasource").path("uid").asText()).isEqualTo(DATASOURCE_UID);
        assertThat(variableQuery(agent)).isEqualTo(AGENT_QUERY);

        List<JsonNode> panels = panels(dashboard);
        assertThat(panels).isNotEmpty();
        List<Integer> ids = panels.stream().map(panel -> panel.path("id").asInt(-1)).toList();
        assertThat(ids).doesNotContain(-1).doesNotHaveDuplicates();
        for (JsonNode panel : panels) {
            String title = panel.path("title").asText();
            JsonNode grid = panel.path("gridPos");
            assertThat(grid.path("x").asInt() + grid.path("w").asInt()).as("%s's width", title).isBetween(1, 24);
            assertThat(grid.path("h").asInt()).as("%s's height", title).isPositive();
            if (panel.path("type").asText().equals("row")) {
                // A row only groups panels; it queries nothing.
                assertThat(panel.has("targets")).as("row %s has queries", title).isFalse();
                continue;
            }
            assertThat(panel.path("datasource").path("uid").asText()).as("%s's data source", title).isEqualTo(DATASOURCE_UID);
            JsonNode targets = panel.path("targets");
            assertThat(targets.isArray() && !targets.isEmpty()).as("%s has queries", title).isTrue();
            Set<String> refIds = new HashSet<>();
            for (JsonNode target : targets) {
                assertThat(target.path("expr").asText()).as("%s's query", title).isNotBlank();
                assertThat(target.path("datasource").path("uid").asText()).as("%s's query's data source", title)
                        .isEqualTo(DATASOURCE_UID);
                assertThat(refIds.add(target.path("refId").asText())).as("%s's refIds are unique", title).isTrue();
            }
        }
    }

    // ---- reading the dashboard ----

    /** Every PromQL query: panels' (rows' nested ones too) and query variables'. */
    private static List<String> queries(JsonNode dashboard) {
        List<String> queries = new ArrayList<>();
        dashboard.path("panels").findValues("expr").forEach(expr -> queries.add(expr.asText()));
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                queries.add(variableQuery(variable));
            }
        }
        return queries;
    }

    /** A variable's query: a string, or in newer exports an object holding it. */
    private static String variableQuery(JsonNode variable) {
        JsonNode query = variable.path("query");
        return query.isTextual() ? query.asText() : query.path("query").asText();
    }

    private static JsonNode variable(String name) {
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("name").asText().equals(name)) {
                return variable;
            }
        }
        throw new AssertionError("The dashboard has no variable '" + name + "'");
    }

    /** Every panel, rows and the panels of collapsed rows included. */
    private static List<JsonNode> panels(JsonNode node) {
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : node.path("panels")) {
            panels.add(panel);
            panels.addAll(panels(panel));
        }
        return panels;
    }

    private static Set<String> metricNames(Collection<String> queries) {
        return queries.stream().flatMap(query -> PromQlMetricNames.in(query).stream())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The metric names in {@code queries} that are not in {@code series}, sorted. */
    private static List<String> unknown(Collection<String> queries, Set<String> series) {
        return metricNames(queries).stream().filter(name -> !series.contains(name)).toList();
    }

    // ---- reading the scrape ----

    /** The name of every sample line: what a query can select. */
    private static Set<String> seriesNames(String scrape) {
        return scrape.lines().filter(line -> !line.isBlank() && !line.startsWith("#"))
                .map(line -> line.split("[{ ]", 2)[0])
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * The OpenRTC meters as Prometheus families ({@code # TYPE} lines), less the {@code _max}
     * gauge that Micrometer adds beside each timer: a dashboard need not show it.
     */
    private static Set<String> meterFamilies(String scrape) {
        Set<String> families = scrape.lines().filter(line -> line.startsWith("# TYPE openrtc_"))
                .map(line -> line.split(" ")[2])
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> all = Set.copyOf(families);
        families.removeIf(family -> family.endsWith("_max") && all.contains(family.substring(0, family.length() - "_max".length())));
        return families;
    }

    private static Duration millis(long millis) {
        return Duration.ofMillis(millis);
    }
}
