package io.openrtc.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class AgentNamesTest {

    static class RestaurantAgent implements Agent {
        @Override
        public void run(AgentSession session) {
        }
    }

    static class DentalOfficeAgent implements Agent {
        @Override
        public void run(AgentSession session) {
        }
    }

    static class HTTPBridge implements Agent {
        @Override
        public void run(AgentSession session) {
        }
    }

    @AgentConfig(name = "front-desk", greeting = "Hello")
    static class Reception implements Agent {
        @Override
        public void run(AgentSession session) {
        }
    }

    @Test
    void derivesKebabCaseNamesWithoutTheAgentSuffix() {
        assertThat(AgentNames.derive(RestaurantAgent.class)).isEqualTo("restaurant");
        assertThat(AgentNames.derive(DentalOfficeAgent.class)).isEqualTo("dental-office");
        assertThat(AgentNames.derive(HTTPBridge.class)).isEqualTo("http-bridge");
    }

    @Test
    void rejectsInvalidNamesWithTheRule() {
        assertThatThrownBy(() -> AgentNames.requireValid("Dental Office"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'Dental Office'")
                .hasMessageContaining("lower-case letters");
        assertThatThrownBy(() -> AgentNames.requireValid("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void registrationReadsTheAnnotation() {
        AgentRegistration annotated = AgentRegistration.of(new Reception());
        assertThat(annotated.name()).isEqualTo("front-desk");
        assertThat(annotated.settings().greeting()).isEqualTo("Hello");

        assertThat(AgentRegistration.of(new RestaurantAgent()).name()).isEqualTo("restaurant");
    }

    @Test
    void registryKeepsOrderAndRejectsDuplicatesAndEmptiness() {
        AgentRegistry registry = AgentRegistry.of(List.of(
                AgentRegistration.of(new RestaurantAgent()), AgentRegistration.of(new DentalOfficeAgent())));
        assertThat(registry.names()).containsExactly("restaurant", "dental-office");
        assertThat(registry.first().name()).isEqualTo("restaurant");

        assertThatThrownBy(() -> AgentRegistry.of(List.of(
                AgentRegistration.of(new RestaurantAgent()), AgentRegistration.of(new RestaurantAgent()))))
                .hasMessageContaining("'restaurant'");
        assertThatThrownBy(() -> AgentRegistry.of(List.of()))
                .hasMessageContaining("@AgentConfig");
    }
}
