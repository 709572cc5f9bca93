package io.openrtc.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TenantOptionsTest {

    @Test
    void listedTenantsAndTheDefaultKeepTheirTagAllOthersAreOther() {
        TenantOptions options = TenantOptions.builder()
                .tenant("acme", TenantSettings.UNRESTRICTED.withMaxConcurrentSessions(2))
                .tenant("globex", TenantSettings.UNRESTRICTED.withAllowedAgents("restaurant")).build();
        assertThat(options.meterTag("acme")).isEqualTo("acme");
        assertThat(options.meterTag("default")).isEqualTo("default");
        assertThat(options.meterTag("initech")).isEqualTo("other");
        assertThat(options.meterTags()).containsExactly("default", "acme", "globex", "other");
        assertThat(options.settings("acme").maxConcurrentSessions()).hasValue(2);
        assertThat(options.settings("initech")).isEqualTo(TenantSettings.UNRESTRICTED);
        assertThat(options.settings("globex").allows("restaurant")).isTrue();
        assertThat(options.settings("globex").allows("dental")).isFalse();
        assertThat(options.settings("acme").allows("dental")).isTrue();
    }

    @Test
    void badSettingsNameTheirProperty() {
        assertThatThrownBy(() -> TenantOptions.builder().tenant("acme", TenantSettings.UNRESTRICTED.withMaxConcurrentSessions(0)))
                .hasMessage("openrtc.tenants.acme.max-concurrent-sessions must be >= 1, was 0");
        assertThatThrownBy(() -> TenantOptions.builder().tenant("other", TenantSettings.UNRESTRICTED))
                .hasMessageStartingWith("openrtc.tenants.other: 'other' is not a tenant one may list");
        assertThatThrownBy(() -> TenantOptions.builder().tenant("x".repeat(129), TenantSettings.UNRESTRICTED))
                .hasMessageContaining("longer than 128");
        assertThatThrownBy(() -> TenantOptions.builder().tenant("acme", TenantSettings.UNRESTRICTED.withAllowedAgents(" ")))
                .hasMessage("openrtc.tenants.acme.allowed-agents must not hold a blank name");
        assertThatThrownBy(() -> new TenantBreakerOptions(true, 1.0, 5, Duration.ofSeconds(60), Duration.ofSeconds(30), 3,
                Duration.ofSeconds(10))).hasMessage("openrtc.tenant-breaker.failure-ratio must be greater than 0 and less than 1, was 1.0");
        assertThatThrownBy(() -> new TenantBreakerOptions(true, 0.5, 0, Duration.ofSeconds(60), Duration.ofSeconds(30), 3,
                Duration.ofSeconds(10))).hasMessage("openrtc.tenant-breaker.minimum-sessions must be >= 1, was 0");
        assertThatThrownBy(() -> new TenantBreakerOptions(true, 0.5, 5, Duration.ofMillis(1500), Duration.ofSeconds(30), 3,
                Duration.ofSeconds(10))).hasMessageStartingWith("openrtc.tenant-breaker.window must be whole seconds");
        assertThatThrownBy(() -> TenantBreakerOptions.DEFAULTS.withOpenFor(Duration.ZERO))
                .hasMessage("openrtc.tenant-breaker.open-for must be positive, was PT0S");
        assertThatThrownBy(() -> TenantBreakerOptions.DEFAULTS.withTrial(0, Duration.ofSeconds(1)))
                .hasMessage("openrtc.tenant-breaker.trial-sessions must be >= 1, was 0");
    }
}
