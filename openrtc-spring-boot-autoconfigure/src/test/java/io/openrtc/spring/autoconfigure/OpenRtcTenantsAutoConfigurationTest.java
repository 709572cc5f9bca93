package io.openrtc.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.runtime.AgentPool;
import io.openrtc.tenant.TenantBreakerOptions;
import io.openrtc.tenant.TenantOptions;
import io.openrtc.tenant.TenantResolver;
import io.openrtc.voice.VoiceSetup;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@code openrtc.tenants.<id>.*} and {@code openrtc.tenant-breaker.*}: how they bind, what a bad
 * value says, a TenantResolver bean, and each tenant's voice providers.
 */
class OpenRtcTenantsAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(OpenRtcVoiceAutoConfiguration.class, OpenRtcAutoConfiguration.class))
            .withPropertyValues("openrtc.livekit.url=ws://127.0.0.1:1", "openrtc.livekit.api-key=key",
                    "openrtc.livekit.api-secret=secret-that-is-long-enough-for-livekit", "openrtc.routing.default-agent=restaurant")
            .withUserConfiguration(OpenRtcVoiceAutoConfigurationTest.Agents.class);

    static ChatModel chat(String answer) {
        return prompt -> new ChatResponse(List.of(new Generation(new AssistantMessage(answer))));
    }

    @Configuration(proxyBeanMethods = false)
    static class ThreeChatModels {
        @Bean
        ChatModel houseChat() {
            return chat("house");
        }

        @Bean
        ChatModel acmeChat() {
            return chat("acme");
        }

        @Bean
        ChatModel globexChat() {
            return chat("globex");
        }
    }

    @Test
    void tenantsAndTheBreakerBindWithOpenRtcsDefaults() {
        runner.withPropertyValues("openrtc.tenants.acme.max-concurrent-sessions=2",
                "openrtc.tenants.acme.allowed-agents=restaurant,dental", "openrtc.tenants.globex.allowed-agents=dental",
                "openrtc.tenants.acme-corp.max-concurrent-sessions=7",
                "openrtc.tenant-breaker.open-for=45s", "openrtc.routing.tenant-resolver-timeout=250ms").run(context -> {
                    assertThat(context).hasNotFailed();
                    OpenRtcProperties properties = context.getBean(OpenRtcProperties.class);
                    assertThat(properties.tenants()).containsOnlyKeys("acme", "acme-corp", "globex");
                    assertThat(properties.tenants().get("acme").maxConcurrentSessions()).isEqualTo(2);
                    assertThat(properties.tenants().get("globex").maxConcurrentSessions()).isNull();
                    assertThat(properties.routing().tenantResolverTimeout()).isEqualTo(Duration.ofMillis(250));
                    TenantOptions tenants = context.getBean(AgentPool.class).tenants();
                    assertThat(tenants.settings("acme").maxConcurrentSessions()).hasValue(2);
                    assertThat(tenants.settings("acme").allowedAgents()).containsExactly("restaurant", "dental");
                    assertThat(tenants.settings("acme-corp").maxConcurrentSessions()).hasValue(7);
                    assertThat(tenants.settings("globex").maxConcurrentSessions()).isEmpty();
                    assertThat(tenants.settings("globex").allows("restaurant")).isFalse();
                    assertThat(tenants.meterTag("initech")).isEqualTo("other");
                    assertThat(tenants.breaker()).isEqualTo(TenantBreakerOptions.DEFAULTS.withOpenFor(Duration.ofSeconds(45)));
                });
        runner.run(context -> {
            OpenRtcProperties properties = context.getBean(OpenRtcProperties.class);
            assertThat(properties.tenants()).isEmpty();
            assertThat(properties.toTenantOptions().breaker()).isEqualTo(TenantBreakerOptions.DEFAULTS);
            assertThat(properties.routing().tenantResolverTimeout()).isEqualTo(Duration.ofMillis(500));
        });
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "openrtc.tenants.acme.max-concurrent-sessions=0|openrtc.tenants.acme.max-concurrent-sessions must be >= 1, was 0",
            "openrtc.tenants.acme.max-concurrent-sessions=-3|openrtc.tenants.acme.max-concurrent-sessions must be >= 1, was -3",
            "openrtc.tenants.other.max-concurrent-sessions=3|openrtc.tenants.other: 'other' is not a tenant one may list",
            "openrtc.tenant-breaker.failure-ratio=1.5|openrtc.tenant-breaker.failure-ratio must be greater than 0 and less than 1",
            "openrtc.tenant-breaker.minimum-sessions=0|openrtc.tenant-breaker.minimum-sessions must be >= 1",
            "openrtc.tenant-breaker.window=1500ms|openrtc.tenant-breaker.window must be whole seconds",
            "openrtc.tenant-breaker.open-for=0s|openrtc.tenant-breaker.open-for must be positive",
            "openrtc.tenant-breaker.trial-sessions=0|openrtc.tenant-breaker.trial-sessions must be >= 1",
            "openrtc.routing.tenant-resolver-timeout=3s|openrtc.routing.tenant-resolver-timeout must be between 1ms and 2s",
            "openrtc.tenants.acme.allowed-agents=plumber|openrtc.tenants.acme.allowed-agents names 'plumber', which is not a registered agent",
    })
    void aBadValueStopsTheApplicationNamingTheProperty(String property, String message) {
        runner.withPropertyValues(property).run(context -> assertThat(context).getFailure().rootCause()
                .hasMessageContaining(message));
    }

    @Test
    void aTenantResolverBeanDecidesAndTwoAreRefused() {
        TenantResolver byRoom = job -> job.roomName().startsWith("acme-") ? "acme" : null;
        runner.withBean(TenantResolver.class, () -> byRoom).run(context -> {
            assertThat(context).hasNotFailed();
            // The pool took it: with a slow second one, it would be refused at startup.
        });
        runner.withBean("first", TenantResolver.class, () -> byRoom).withBean("second", TenantResolver.class, () -> byRoom)
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("Only one TenantResolver bean is supported, found 2"));
    }

    @Test
    void aTenantsOwnModelsServeItsSessionsAndTheOthersKeepTheAgents() {
        runner.withUserConfiguration(ThreeChatModels.class)
                .withPropertyValues("openrtc.defaults.llm=houseChat", "openrtc.agents.dental.llm=globexChat",
                        "openrtc.tenants.acme.llm=acmeChat", "openrtc.tenants.globex.llm=globexChat",
                        "openrtc.tenants.initech.max-concurrent-sessions=3")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    VoiceSetup setup = context.getBean(VoiceSetup.class);
                    assertThat(setup.providers("restaurant", "acme").llm().name()).isEqualTo("acmeChat");
                    assertThat(setup.providers("dental", "acme").llm().name()).isEqualTo("acmeChat");
                    assertThat(setup.providers("restaurant", "globex").llm().name()).isEqualTo("globexChat");
                    // No choice of its own: the agent's, or the default.
                    assertThat(setup.providers("restaurant", "initech").llm().name()).isEqualTo("houseChat");
                    assertThat(setup.providers("dental", "default").llm().name()).isEqualTo("globexChat");
                    assertThat(setup.providers("restaurant", "umbrella").llm().name()).isEqualTo("houseChat");
                    assertThat(setup.providers("restaurant").llm().name()).isEqualTo("houseChat");
                    // One adapter per bean, whoever uses it.
                    assertThat(setup.providers("restaurant", "globex").llm()).isSameAs(setup.providers("dental", "default").llm());
                });
    }

    @Test
    void aTenantNamingNoBeanStopsTheApplicationNamingThePropertyAndTheBeans() {
        runner.withUserConfiguration(ThreeChatModels.class)
                .withPropertyValues("openrtc.defaults.llm=houseChat", "openrtc.tenants.acme.llm=acmeGpt")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("openrtc.tenants.acme.llm=acmeGpt names no ChatModel bean")
                        .hasMessageContaining("acmeChat"));
        runner.withUserConfiguration(OpenRtcVoiceAutoConfigurationTest.OneOfEach.class)
                .withPropertyValues("openrtc.tenants.acme.tts=acmeVoice")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("openrtc.tenants.acme.tts=acmeVoice names no TextToSpeechModel bean")
                        .hasMessageContaining("[piper]"));
    }

    @Test
    void aTenantsProvidersWithTheApplicationsOwnVoiceSetupStopTheApplication() {
        VoiceSetup own = VoiceSetup.of(io.openrtc.voice.VoiceOptions.DEFAULTS, io.openrtc.voice.VoiceProviders.NONE);
        runner.withBean(VoiceSetup.class, () -> own).withPropertyValues("openrtc.tenants.acme.llm=acmeChat")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("openrtc.tenants.acme.llm=acmeChat cannot apply")
                        .hasMessageContaining("own VoiceSetup bean"));
    }
}
