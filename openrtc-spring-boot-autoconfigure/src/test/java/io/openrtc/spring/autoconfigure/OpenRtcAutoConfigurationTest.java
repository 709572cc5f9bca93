package io.openrtc.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.agent.Agent;
import io.openrtc.agent.AgentConfig;
import io.openrtc.agent.AgentProvider;
import io.openrtc.agent.AgentRegistration;
import io.openrtc.agent.AgentRegistry;
import io.openrtc.agent.AgentSession;
import io.openrtc.agent.AgentSettings;
import io.openrtc.agent.JobInfo;
import io.openrtc.observe.DeclineReason;
import io.openrtc.routing.AgentRouter;
import io.openrtc.routing.RequestFilter;
import io.openrtc.routing.RouteDecision;
import io.openrtc.routing.RouteSignal;
import io.openrtc.routing.RoutingResult;
import io.openrtc.routing.RoutingStrategy;
import io.openrtc.runtime.AgentPool;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.DefaultApplicationArguments;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Scope;
import org.springframework.core.annotation.Order;

class OpenRtcAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(OpenRtcAutoConfiguration.class))
            .withPropertyValues("openrtc.livekit.url=ws://127.0.0.1:1", "openrtc.livekit.api-key=key",
                    "openrtc.livekit.api-secret=secret-that-is-long-enough-for-livekit");

    @AgentConfig(name = "restaurant", greeting = "Welcome to reservations.")
    @Order(1) // the default agent of the contexts with several agents
    static class RestaurantAgent implements Agent {
        @Override
        public void run(AgentSession session) {
        }
    }

    @AgentConfig
    static class DentalAgent implements Agent {
        @Override
        public void run(AgentSession session) {
        }
    }

    @AgentConfig(name = "restaurant")
    static class OtherRestaurant implements Agent {
        @Override
        public void run(AgentSession session) {
        }
    }

    @AgentConfig
    @Scope(ConfigurableBeanFactory.SCOPE_PROTOTYPE)
    static class StatefulAgent implements Agent {
        @Override
        public void run(AgentSession session) {
        }
    }

    @AgentConfig(name = "not-an-agent")
    static class NotAnAgent {
    }

    @Configuration(proxyBeanMethods = false)
    @Import({RestaurantAgent.class, DentalAgent.class})
    static class TwoAgents {
    }

    @Configuration(proxyBeanMethods = false)
    @org.springframework.boot.autoconfigure.ImportAutoConfiguration(OpenRtcAutoConfiguration.class)
    @Import(RestaurantAgent.class)
    static class KeepAliveApp {
    }

    /** Sets the capacity; ordered, to show the order customizers run in. */
    record OrderedPoolCustomizer(int order, int capacity) implements OpenRtcPoolOptionsCustomizer, org.springframework.core.Ordered {
        @Override
        public void customize(io.openrtc.pool.PoolOptions.Builder builder) {
            builder.maxConcurrentSessions(capacity);
        }

        @Override
        public int getOrder() {
            return order;
        }
    }

    @Nested
    class Conditions {

        @Test
        void backsOffCompletelyWhenDisabled() {
            runner.withUserConfiguration(TwoAgents.class).withPropertyValues("openrtc.enabled=false")
                    .run(context -> assertThat(context).hasNotFailed()
                            .doesNotHaveBean(AgentRegistry.class)
                            .doesNotHaveBean(OpenRtcProperties.class));
        }

        @Test
        void theWorkerRoleRunsTheWorkerWithTheContext() {
            runner.withUserConfiguration(TwoAgents.class).run(context -> {
                assertThat(context).hasSingleBean(AgentPool.class).hasSingleBean(OpenRtcWorkerLifecycle.class)
                        .hasSingleBean(LiveKitCredentials.class).doesNotHaveBean(OpenRtcSessionHostRunner.class);
                assertThat(context.getBean(OpenRtcWorkerLifecycle.class).isRunning()).isTrue();
                assertThat(context.getBean(OpenRtcWorkerLifecycle.class).getPhase())
                        .isGreaterThan(org.springframework.context.SmartLifecycle.DEFAULT_PHASE - 1024);
            });
        }

        @Test
        void aRunningWorkerKeepsTheJvmAliveWithSpringBootsKeepAliveUntilItStops() {
            java.util.function.Supplier<java.util.List<Thread>> keepAlive = () -> Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("keep-alive") && t.isAlive()).toList();
            try (var context = application().run()) {
                assertThat(context.getEnvironment().getProperty("spring.main.keep-alive")).isEqualTo("true");
                assertThat(keepAlive.get()).singleElement().satisfies(t -> assertThat(t.isDaemon()).isFalse());
                assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("openrtc-keep-alive"));
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> keepAlive.get().isEmpty());
            // The application's own choice wins.
            try (var context = application().properties("spring.main.keep-alive=false").run()) {
                assertThat(keepAlive.get()).isEmpty();
            }
            try (var context = application().properties("openrtc.enabled=false").run()) {
                assertThat(context.getEnvironment().getProperty("spring.main.keep-alive")).isNull();
            }
        }

        private static org.springframework.boot.builder.SpringApplicationBuilder application() {
            return new org.springframework.boot.builder.SpringApplicationBuilder(KeepAliveApp.class)
                    .web(org.springframework.boot.WebApplicationType.NONE)
                    .properties("spring.main.banner-mode=off", "openrtc.livekit.url=ws://127.0.0.1:1",
                            "openrtc.livekit.api-key=key", "openrtc.livekit.api-secret=secret-that-is-long-enough-for-livekit");
        }

        @Test
        void theSessionHostRoleServesInsteadOfConnectingAndNeedsNoCredentials() {
            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(OpenRtcAutoConfiguration.class))
                    .withUserConfiguration(TwoAgents.class)
                    .withPropertyValues("openrtc.role=session-host")
                    .run(context -> assertThat(context).hasNotFailed()
                            .hasSingleBean(AgentPool.class).hasSingleBean(OpenRtcSessionHostRunner.class)
                            .doesNotHaveBean(OpenRtcWorkerLifecycle.class).doesNotHaveBean(LiveKitCredentials.class));
        }

        @Test
        void runtimeEventsAreApplicationEventsUnlessTurnedOff() {
            runner.withUserConfiguration(TwoAgents.class).run(context -> assertThat(context)
                    .hasSingleBean(OpenRtcApplicationEvents.class));
            runner.withUserConfiguration(TwoAgents.class).withPropertyValues("openrtc.application-events=false")
                    .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(OpenRtcApplicationEvents.class));
        }

        @Test
        void aUserAgentPoolReplacesOurs() {
            runner.withUserConfiguration(TwoAgents.class)
                    .withBean("customPool", AgentPool.class, () -> AgentPool.builder()
                            .livekit("ws://127.0.0.1:1", "k", "s").add("custom", session -> { }).build())
                    .run(context -> assertThat(context).getBean(AgentPool.class).isSameAs(context.getBean("customPool")));
        }

        @Test
        void propertiesReachThePoolOptions() {
            runner.withUserConfiguration(TwoAgents.class)
                    .withPropertyValues("openrtc.max-concurrent-sessions=7", "openrtc.isolation=process",
                            "openrtc.process.idle-processes=0", "openrtc.drain-timeout=12s", "openrtc.cancel-grace=3s",
                            "openrtc.consecutive-failure-limit=2", "openrtc.memory.limit=3GB")
                    .run(context -> {
                        io.openrtc.pool.PoolOptions options = context.getBean(AgentPool.class).poolOptions();
                        assertThat(options.maxConcurrentSessions()).isEqualTo(7);
                        assertThat(options.isolation()).isEqualTo(io.openrtc.pool.Isolation.PROCESS);
                        assertThat(options.drainTimeout()).isEqualTo(java.time.Duration.ofSeconds(12));
                        assertThat(options.cancelGrace()).isEqualTo(java.time.Duration.ofSeconds(3));
                        assertThat(options.consecutiveFailureLimit()).isEqualTo(2);
                        assertThat(options.memoryLimitBytes()).hasValue(3L * 1024 * 1024 * 1024);
                        assertThat(options.process().jvmArgs()).contains("-Dspring.main.web-application-type=none");
                    });
        }

        /** Issue 17: what code tunes (ping, backoff, permissions, runtime options) is reachable through customizer beans. */
        @Test
        void customizerBeansTuneTheWorkerThePoolAndTheRuntimeInOrder() {
            runner.withUserConfiguration(TwoAgents.class)
                    .withPropertyValues("openrtc.max-concurrent-sessions=7")
                    .withBean("ping", OpenRtcWorkerOptionsCustomizer.class,
                            () -> worker -> worker.pingInterval(java.time.Duration.ofSeconds(7)).pingTimeout(java.time.Duration.ofSeconds(3)))
                    .withBean("secondPool", OpenRtcPoolOptionsCustomizer.class, () -> new OrderedPoolCustomizer(2, 11))
                    .withBean("firstPool", OpenRtcPoolOptionsCustomizer.class, () -> new OrderedPoolCustomizer(1, 9))
                    .withBean("shards", OpenRtcRtcRuntimeOptionsCustomizer.class,
                            () -> options -> new io.openrtc.rtc.RtcRuntimeOptions(options.receivingShards() + 1))
                    .run(context -> {
                        AgentPool pool = context.getBean(AgentPool.class);
                        assertThat(pool.workerOptions().pingInterval()).isEqualTo(java.time.Duration.ofSeconds(7));
                        assertThat(pool.workerOptions().pingTimeout()).isEqualTo(java.time.Duration.ofSeconds(3));
                        // Properties still apply where no customizer touches them.
                        assertThat(pool.workerOptions().agentName()).isEmpty();
                        assertThat(pool.poolOptions().maxConcurrentSessions()).isEqualTo(11); // the later customizer wins
                        assertThat(pool.rtcOptions().receivingShards()).isEqualTo(2);
                    });
        }

        /** Defect 9 of issue 17: a child JVM boots with the parent's profiles and program arguments. */
        @Test
        void childJvmsGetTheActiveProfilesAndTheProgramArguments() {
            runner.withUserConfiguration(TwoAgents.class)
                    .withInitializer(context -> context.getEnvironment().setActiveProfiles("blue", "green"))
                    .withBean(ApplicationArguments.class, () -> new DefaultApplicationArguments("--greeting=hello world", "x y"))
                    .withPropertyValues("openrtc.isolation=process", "openrtc.process.idle-processes=0",
                            "openrtc.process.jvm-args=-Dspring.profiles.active=red")
                    .run(context -> {
                        io.openrtc.pool.PoolOptions.ProcessOptions process = context.getBean(AgentPool.class).poolOptions().process();
                        // The effective profiles first, so that openrtc.process.jvm-args may still override them.
                        assertThat(process.jvmArgs()).containsSubsequence("-Dspring.profiles.active=blue,green",
                                "-Dspring.profiles.active=red", "-Dspring.main.web-application-type=none");
                        assertThat(process.programArgs()).hasValue(List.of("--greeting=hello world", "x y"));
                    });
            runner.withUserConfiguration(TwoAgents.class).run(context -> assertThat(context.getBean(AgentPool.class)
                    .poolOptions().process().jvmArgs()).noneMatch(arg -> arg.startsWith("-Dspring.profiles.active")));
        }
    }

    @Nested
    class Discovery {

        @Test
        void registersAnnotatedBeansWithTheirNames() {
            runner.withUserConfiguration(TwoAgents.class).run(context -> {
                AgentRegistry registry = context.getBean(AgentRegistry.class);
                assertThat(registry.names()).containsExactlyInAnyOrder("restaurant", "dental");
                assertThat(registry.find("restaurant").orElseThrow().settings().greeting()).isEqualTo("Welcome to reservations.");
            });
        }

        @Test
        void aSingletonBeanServesEverySessionAndAPrototypeGetsOneInstancePerSession() {
            runner.withUserConfiguration(TwoAgents.class, StatefulAgent.class).run(context -> {
                AgentRegistry registry = context.getBean(AgentRegistry.class);
                JobInfo job = JobInfo.forRoom("AJ_1", "room", "", "");
                AgentProvider singleton = registry.find("restaurant").orElseThrow().provider();
                assertThat(singleton.agentFor(job)).isSameAs(singleton.agentFor(job))
                        .isSameAs(context.getBean(RestaurantAgent.class));
                AgentProvider prototype = registry.find("stateful").orElseThrow().provider();
                assertThat(prototype.agentFor(job)).isInstanceOf(StatefulAgent.class)
                        .isNotSameAs(prototype.agentFor(job));
            });
        }

        @Test
        void twoBeansWithOneNameFailNamingBoth() {
            runner.withUserConfiguration(TwoAgents.class, OtherRestaurant.class).run(context ->
                    assertThat(context).getFailure().rootCause()
                            .hasMessageContaining("Two agents are named 'restaurant'")
                            .hasMessageContaining(RestaurantAgent.class.getName())
                            .hasMessageContaining(OtherRestaurant.class.getName()));
        }

        @Test
        void noAgentFailsWithAHint() {
            runner.run(context -> assertThat(context).getFailure().rootCause()
                    .hasMessageContaining("OpenRTC found no agent")
                    .hasMessageContaining("@AgentConfig")
                    .hasMessageContaining("openrtc.enabled=false"));
        }

        @Test
        void anAnnotatedBeanThatIsNoAgentFails() {
            runner.withUserConfiguration(NotAnAgent.class).run(context ->
                    assertThat(context).getFailure().rootCause()
                            .hasMessageContaining("is annotated @AgentConfig but does not implement io.openrtc.agent.Agent"));
        }

        @Test
        void agentRegistrationBeansAreAgentsToo() {
            runner.withUserConfiguration(TwoAgents.class)
                    .withBean(AgentRegistration.class, () -> new AgentRegistration("programmatic",
                            AgentProvider.singleton(s -> { }), new AgentSettings("", "", "")))
                    .run(context -> assertThat(context.getBean(AgentRegistry.class).names()).contains("programmatic"));
        }

        @Test
        void defaultsFillWhatTheAnnotationLeavesEmpty() {
            runner.withUserConfiguration(TwoAgents.class)
                    .withPropertyValues("openrtc.defaults.greeting=Hello there", "openrtc.defaults.participant-name=Assistant")
                    .run(context -> {
                        AgentRegistry registry = context.getBean(AgentRegistry.class);
                        assertThat(registry.find("dental").orElseThrow().settings().greeting()).isEqualTo("Hello there");
                        assertThat(registry.find("restaurant").orElseThrow().settings().greeting()).isEqualTo("Welcome to reservations.");
                        assertThat(registry.find("dental").orElseThrow().settings().participantName()).isEqualTo("Assistant");
                    });
        }
    }

    @Nested
    class Routing {

        @Configuration(proxyBeanMethods = false)
        static class Strategies {
            @Bean
            @Order(2)
            RoutingStrategy second() {
                return (job, agents) -> new RouteDecision.Matched("restaurant", RouteSignal.CUSTOM);
            }

            @Bean
            @Order(1)
            RoutingStrategy first() {
                return (job, agents) -> job.roomName().startsWith("vip")
                        ? new RouteDecision.Matched("dental", RouteSignal.CUSTOM) : RouteDecision.NO_MATCH;
            }
        }

        @Test
        void userStrategiesRunFirstInTheirOrder() {
            runner.withUserConfiguration(TwoAgents.class, Strategies.class).run(context -> {
                AgentRouter router = context.getBean(AgentPool.class).router();
                assertThat(router.route(JobInfo.forRoom("AJ_1", "vip-1", "", "{\"agent\":\"restaurant\"}")))
                        .isEqualTo(new RoutingResult.Routed("dental", RouteSignal.CUSTOM));
                assertThat(router.route(JobInfo.forRoom("AJ_2", "dental-2", "", "")))
                        .isEqualTo(new RoutingResult.Routed("restaurant", RouteSignal.CUSTOM));
            });
        }

        @AgentConfig(name = "plumber")
        static class PlumberAgent implements Agent {
            @Override
            public void run(AgentSession session) {
            }
        }

        @AgentConfig(name = "front-desk")
        @Order(10)
        static class FrontDeskAgent implements Agent {
            @Override
            public void run(AgentSession session) {
            }
        }

        private static RoutingResult fallbackOf(org.springframework.context.ApplicationContext context) {
            return context.getBean(AgentPool.class).router().route(JobInfo.forRoom("AJ_1", "lobby", "", ""));
        }

        @Test
        void severalAgentsWithoutADefaultStopStartupNamingTheProperty() {
            runner.withUserConfiguration(DentalAgent.class, PlumberAgent.class).run(context -> assertThat(context)
                    .getFailure().rootCause().hasMessageContaining("openrtc.routing.default-agent")
                    .hasMessageContaining("@Order").hasMessageContaining("[dental, plumber]"));
        }

        @Test
        void theDefaultAgentPropertyDecidesWhateverOrderTheClassesAreFoundIn() {
            // Two scan orders, as renaming a class would produce: the calls go to the same agent.
            for (Class<?>[] order : List.of(new Class<?>[] {DentalAgent.class, PlumberAgent.class},
                    new Class<?>[] {PlumberAgent.class, DentalAgent.class})) {
                runner.withUserConfiguration(order).withPropertyValues("openrtc.routing.default-agent=plumber")
                        .run(context -> assertThat(fallbackOf(context))
                                .isEqualTo(new RoutingResult.Routed("plumber", RouteSignal.FALLBACK)));
            }
        }

        @Test
        void withoutThePropertyTheAgentFirstInOrderIsTheDefaultWhateverOrderTheClassesAreFoundIn() {
            for (Class<?>[] order : List.of(new Class<?>[] {DentalAgent.class, PlumberAgent.class, FrontDeskAgent.class},
                    new Class<?>[] {FrontDeskAgent.class, PlumberAgent.class, DentalAgent.class})) {
                runner.withUserConfiguration(order).run(context -> {
                    assertThat(fallbackOf(context)).isEqualTo(new RoutingResult.Routed("front-desk", RouteSignal.FALLBACK));
                    assertThat(context.getBean(AgentRegistry.class).names().getFirst()).isEqualTo("front-desk");
                });
            }
        }

        @Test
        void aDefaultAgentThatIsNotRegisteredStopsStartupNamingIt() {
            runner.withUserConfiguration(TwoAgents.class).withPropertyValues("openrtc.routing.default-agent=plumber")
                    .run(context -> assertThat(context).getFailure().rootCause()
                            .hasMessageContaining("openrtc.routing.default-agent is 'plumber'")
                            .hasMessageContaining("[restaurant, dental]"));
        }

        @Test
        void aSlowStrategyGetsTheConfiguredTimeLimit() {
            runner.withUserConfiguration(TwoAgents.class)
                    .withBean(RoutingStrategy.class, () -> (job, agents) -> {
                        try {
                            Thread.sleep(Long.MAX_VALUE);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return RouteDecision.NO_MATCH;
                    })
                    .withPropertyValues("openrtc.routing.strategy-timeout=100ms")
                    .run(context -> assertThat(fallbackOf(context)).isInstanceOfSatisfying(RoutingResult.Unroutable.class,
                            u -> assertThat(u.detail()).contains("PT0.1S").contains("openrtc.routing.strategy-timeout")));
        }

        @Test
        void acceptOnlyRegisteredRoomsDropsTheFallback() {
            runner.withUserConfiguration(TwoAgents.class)
                    .withPropertyValues("openrtc.routing.accept-only-registered-rooms=true")
                    .run(context -> assertThat(context.getBean(AgentPool.class).router()
                            .route(JobInfo.forRoom("AJ_1", "lobby", "", "")))
                            .isInstanceOfSatisfying(RoutingResult.Unroutable.class,
                                    u -> assertThat(u.reason()).isEqualTo(DeclineReason.NO_MATCHING_AGENT)));
        }

        @Test
        void aRequestFilterAndAcceptOnlyRegisteredRoomsTogetherFailStartup() {
            runner.withUserConfiguration(TwoAgents.class)
                    .withBean(RequestFilter.class, () -> job -> true)
                    .withPropertyValues("openrtc.routing.accept-only-registered-rooms=true")
                    .run(context -> assertThat(context).getFailure().rootCause()
                            .hasMessageContaining("openrtc.routing.accept-only-registered-rooms=true cannot be combined with a RequestFilter bean"));
        }
    }
}
