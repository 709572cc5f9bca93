package io.openrtc.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.agent.AgentProvider;
import io.openrtc.agent.AgentRegistration;
import io.openrtc.agent.AgentRegistry;
import io.openrtc.agent.JobInfo;
import io.openrtc.observe.DeclineReason;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AgentRouterTest {

    private final AgentRegistry agents = AgentRegistry.of(List.of(
            registration("restaurant"), registration("dental"), registration("dental-office")));
    private final AgentRouter router = AgentRouter.withDefaults(agents);

    @Test
    void jobMetadataWinsOverRoomMetadataAndRoomName() {
        JobInfo job = job("restaurant-12", "{\"agent\":\"restaurant\"}", "{\"agent\":\"dental\"}");

        assertThat(router.route(job)).isEqualTo(new RoutingResult.Routed("dental", RouteSignal.JOB_METADATA));
    }

    @Test
    void agentKeyWinsOverDemoKey() {
        JobInfo job = job("room", "", "{\"demo\":\"restaurant\",\"agent\":\"dental\"}");

        assertThat(router.route(job)).isEqualTo(new RoutingResult.Routed("dental", RouteSignal.JOB_METADATA));
    }

    @Test
    void demoKeyIsReadWhenAgentKeyIsAbsent() {
        JobInfo job = job("room", "", "{\"demo\":\"restaurant\"}");

        assertThat(router.route(job)).isEqualTo(new RoutingResult.Routed("restaurant", RouteSignal.JOB_METADATA));
    }

    @Test
    void roomMetadataIsReadWhenJobMetadataSaysNothing() {
        JobInfo job = job("restaurant-1", "{\"agent\":\"dental\"}", "{\"other\":1}");

        assertThat(router.route(job)).isEqualTo(new RoutingResult.Routed("dental", RouteSignal.ROOM_METADATA));
    }

    @Test
    void roomNamePrefixPicksTheLongestRegisteredName() {
        assertThat(router.route(job("dental-7", "", "")))
                .isEqualTo(new RoutingResult.Routed("dental", RouteSignal.ROOM_NAME_PREFIX));
        assertThat(router.route(job("dental-office-3", "", "")))
                .isEqualTo(new RoutingResult.Routed("dental-office", RouteSignal.ROOM_NAME_PREFIX));
        assertThat(router.route(job("restaurant-123", "", "")))
                .isEqualTo(new RoutingResult.Routed("restaurant", RouteSignal.ROOM_NAME_PREFIX));
    }

    @Test
    void aRoomNamedExactlyLikeAnAgentWithoutDashIsNoPrefixMatch() {
        assertThat(router.route(job("dental", "", "")))
                .isEqualTo(new RoutingResult.Routed("restaurant", RouteSignal.FALLBACK));
    }

    @Test
    void theFirstRegisteredAgentIsTheFallback() {
        assertThat(router.route(job("general-room", "", "")))
                .isEqualTo(new RoutingResult.Routed("restaurant", RouteSignal.FALLBACK));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "not json", "\"dental\"", "42", "[\"dental\"]", "null", "{\"agent\":42}",
            "{\"agent\":\"\"}", "{\"agent\":{\"name\":\"dental\"}}", "{\"agent\":null}", "{broken"})
    void metadataThatIsNotAnObjectNamingAnAgentFallsThrough(String metadata) {
        assertThat(router.route(job("dental-9", metadata, metadata)))
                .isEqualTo(new RoutingResult.Routed("dental", RouteSignal.ROOM_NAME_PREFIX));
    }

    @Test
    void unreadableMetadataIsCountedAndLoggedRateLimitedNamingTheJobAndTheParseError() {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(AgentRouter.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs = new ch.qos.logback.core.read.ListAppender<>();
        logs.start();
        logger.addAppender(logs);
        try {
            AgentRouter fresh = AgentRouter.withDefaults(agents);
            // Still routed by what else the job says, but not silently.
            assertThat(fresh.route(JobInfo.forRoom("AJ_bad1", "dental-1", "", "{agent: dental")))
                    .isEqualTo(new RoutingResult.Routed("dental", RouteSignal.ROOM_NAME_PREFIX));
            fresh.route(JobInfo.forRoom("AJ_bad2", "dental-2", "", "agent=dental"));
            fresh.route(JobInfo.forRoom("AJ_bad3", "dental-3", "VIP caller", "{\"agent\":42}"));
            fresh.route(JobInfo.forRoom("AJ_fine", "dental-4", "", ""));

            assertThat(fresh.invalidMetadata(RouteSignal.JOB_METADATA)).isEqualTo(3);
            assertThat(fresh.invalidMetadata(RouteSignal.ROOM_METADATA)).isEqualTo(1);
            List<String> warnings = logs.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                    .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).toList();
            // One warning per source per interval: the first bad job metadata, and the bad room metadata.
            assertThat(warnings).hasSize(2);
            assertThat(warnings.get(0)).contains("job metadata", "AJ_bad1", "not JSON", "Unexpected character");
            assertThat(warnings.get(1)).contains("room metadata", "AJ_bad3", "not JSON");
        } finally {
            logger.detachAppender(logs);
        }
    }

    @Test
    void metadataOfTheWrongShapeIsCountedToo() {
        AgentRouter fresh = AgentRouter.withDefaults(agents);
        for (String metadata : List.of("\"dental\"", "[\"dental\"]", "{\"agent\":42}", "{\"agent\":\"  \"}")) {
            fresh.route(job("dental-1", "", metadata));
        }
        fresh.route(job("dental-1", "", "{\"agent\":null}"));
        fresh.route(job("dental-1", "", "{\"other\":1}"));
        fresh.route(job("dental-1", "", "{\"agent\":42,\"demo\":\"dental\"}"));
        assertThat(fresh.invalidMetadata(RouteSignal.JOB_METADATA)).isEqualTo(4);
    }

    @Test
    void theDefaultAgentServesWhatNothingElseRoutesWhateverTheRegistrationOrder() {
        RoutingOptions options = RoutingOptions.defaults().withDefaultAgent("dental");
        AgentRouter one = new AgentRouter(agents, List.of(), options);
        AgentRouter other = new AgentRouter(AgentRegistry.of(List.of(registration("dental-office"), registration("dental"),
                registration("restaurant"))), List.of(), options);

        assertThat(one.route(job("general-room", "", "")))
                .isEqualTo(new RoutingResult.Routed("dental", RouteSignal.FALLBACK));
        assertThat(other.route(job("general-room", "", "")))
                .isEqualTo(new RoutingResult.Routed("dental", RouteSignal.FALLBACK));
    }

    @Test
    void aDefaultAgentThatIsNotRegisteredIsRefusedNamingTheProperty() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new AgentRouter(agents, List.of(),
                        RoutingOptions.defaults().withDefaultAgent("plumber")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("openrtc.routing.default-agent").hasMessageContaining("'plumber'")
                .hasMessageContaining("[restaurant, dental, dental-office]");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RoutingOptions.defaults().withDefaultAgent("dental")
                        .withAcceptOnlyRegisteredRooms(true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("openrtc.routing.default-agent").hasMessageContaining("accept-only-registered-rooms");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RoutingOptions.defaults().withStrategyTimeout(Duration.ofSeconds(3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("openrtc.routing.strategy-timeout");
    }

    @Test
    void anUnknownAgentInJobMetadataIsDeclinedNotFallenBack() {
        RoutingResult result = router.route(job("restaurant-1", "", "{\"agent\":\"missing\"}"));

        assertThat(result).isInstanceOf(RoutingResult.Unroutable.class);
        RoutingResult.Unroutable unroutable = (RoutingResult.Unroutable) result;
        assertThat(unroutable.reason()).isEqualTo(DeclineReason.UNKNOWN_AGENT);
        assertThat(unroutable.detail()).contains("'missing'", "job metadata", "[restaurant, dental, dental-office]");
    }

    @Test
    void anUnknownAgentInRoomMetadataIsDeclinedToo() {
        RoutingResult result = router.route(job("restaurant-1", "{\"demo\":\"ghost\"}", ""));

        assertThat(result).isInstanceOfSatisfying(RoutingResult.Unroutable.class,
                u -> assertThat(u.reason()).isEqualTo(DeclineReason.UNKNOWN_AGENT));
    }

    @Test
    void acceptOnlyRegisteredRoomsDeclinesJobsWithoutAnExplicitSignal() {
        AgentRouter strict = new AgentRouter(agents, List.of(), true);

        assertThat(strict.route(job("general-room", "", "")))
                .isInstanceOfSatisfying(RoutingResult.Unroutable.class,
                        u -> assertThat(u.reason()).isEqualTo(DeclineReason.NO_MATCHING_AGENT));
        assertThat(strict.route(job("dental-1", "", "")))
                .isEqualTo(new RoutingResult.Routed("dental", RouteSignal.ROOM_NAME_PREFIX));
        assertThat(strict.route(job("x", "", "{\"agent\":\"restaurant\"}")))
                .isEqualTo(new RoutingResult.Routed("restaurant", RouteSignal.JOB_METADATA));
    }

    @Test
    void customStrategiesRunFirst() {
        RoutingStrategy vip = (job, registered) -> job.roomName().startsWith("vip")
                ? new RouteDecision.Matched("dental", RouteSignal.CUSTOM) : RouteDecision.NO_MATCH;
        AgentRouter custom = new AgentRouter(agents, List.of(vip), false);

        assertThat(custom.route(job("vip-restaurant-1", "", "{\"agent\":\"restaurant\"}")))
                .isEqualTo(new RoutingResult.Routed("dental", RouteSignal.CUSTOM));
        assertThat(custom.route(job("restaurant-1", "", "")))
                .isEqualTo(new RoutingResult.Routed("restaurant", RouteSignal.ROOM_NAME_PREFIX));
    }

    @Test
    void aCustomStrategyNamingAnUnregisteredAgentDeclines() {
        AgentRouter custom = new AgentRouter(agents, List.of((job, registered) ->
                new RouteDecision.Matched("nobody", RouteSignal.CUSTOM)), false);

        assertThat(custom.route(job("room", "", "")))
                .isInstanceOfSatisfying(RoutingResult.Unroutable.class,
                        u -> assertThat(u.reason()).isEqualTo(DeclineReason.UNKNOWN_AGENT));
    }

    @Test
    void aThrowingCustomStrategyDeclinesWithError() {
        AgentRouter custom = new AgentRouter(agents, List.of((job, registered) -> {
            throw new IllegalStateException("boom");
        }), false);

        assertThat(custom.route(job("room", "", "")))
                .isInstanceOfSatisfying(RoutingResult.Unroutable.class,
                        u -> assertThat(u.reason()).isEqualTo(DeclineReason.ERROR));
    }

    private static JobInfo job(String room, String roomMetadata, String jobMetadata) {
        return JobInfo.forRoom("AJ_test", room, roomMetadata, jobMetadata);
    }

    private static AgentRegistration registration(String name) {
        return new AgentRegistration(name, AgentProvider.singleton(session -> { }), null);
    }
}
