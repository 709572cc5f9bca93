package io.openrtc.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.openrtc.agent.AgentProvider;
import io.openrtc.agent.AgentRegistration;
import io.openrtc.agent.AgentRegistry;
import io.openrtc.agent.JobInfo;
import io.openrtc.observe.DeclineReason;
import io.openrtc.pool.PoolOptions;
import io.openrtc.pool.SessionPool;
import io.openrtc.routing.AgentRouter;
import io.openrtc.tenant.TenantOptions;
import io.openrtc.tenant.TenantResolver;
import io.openrtc.tenant.TenantSettings;
import io.openrtc.worker.Admission;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How an offer meets its tenant: decided first, so every answer names it; an agent the tenant may
 * not use is declined naming both; a tenant resolver of the application's that fails, is slow, or
 * answers nonsense declines the job rather than serving it as the wrong customer.
 */
class TenantAdmissionTest {

    private final AgentRegistry agents = AgentRegistry.of(List.of(
            new AgentRegistration("restaurant", AgentProvider.singleton(session -> { }), null),
            new AgentRegistration("dental", AgentProvider.singleton(session -> { }), null)));
    private final TenantOptions tenants = TenantOptions.builder()
            .tenant("acme", TenantSettings.UNRESTRICTED.withAllowedAgents("restaurant")).build();
    private final SessionPool pool = SessionPool.builder(PoolOptions.builder().drainTimeout(Duration.ZERO).build(),
            (request, control) -> { }).tenants(tenants).start();

    @AfterEach
    void closePool() {
        pool.close();
    }

    private RuntimeJobAdmission admission(TenantResolver resolver) {
        return new RuntimeJobAdmission(null, Duration.ofMillis(300), resolver, Duration.ofMillis(200), tenants,
                AgentRouter.withDefaults(agents), pool);
    }

    private static JobInfo job(String metadata) {
        return JobInfo.forRoom("AJ_" + System.nanoTime(), "room", "", metadata);
    }

    @Test
    void theTenantOfTheMetadataIsTheClaimsAndAnAgentItMayNotUseIsDeclined() {
        RuntimeJobAdmission admission = admission(TenantResolver.fromMetadata());
        Admission accepted = admission.admit(job("{\"agent\":\"restaurant\",\"tenant\":\"acme\"}"));
        assertThat(accepted).isInstanceOfSatisfying(Admission.Accepted.class, a -> {
            assertThat(a.claim().tenant()).isEqualTo("acme");
            a.claim().release();
        });
        assertThat(admission.admit(job("{\"agent\":\"dental\",\"tenant\":\"acme\"}")))
                .isInstanceOfSatisfying(Admission.Declined.class, d -> {
                    assertThat(d.reason()).isEqualTo(DeclineReason.TENANT_AGENT_NOT_ALLOWED);
                    assertThat(d.tenant()).isEqualTo("acme");
                    assertThat(d.detail()).isEqualTo("tenant 'acme' may not use agent 'dental' "
                            + "(openrtc.tenants.acme.allowed-agents: [restaurant])");
                });
        // Tenants not listed, and the default one, may use every agent.
        for (String metadata : List.of("{\"agent\":\"dental\",\"tenant\":\"globex\"}", "{\"agent\":\"dental\"}")) {
            assertThat(admission.admit(job(metadata))).isInstanceOfSatisfying(Admission.Accepted.class,
                    a -> a.claim().release());
        }
        // A decline for another reason names the tenant too.
        assertThat(admission.admit(job("{\"agent\":\"nobody\",\"tenant\":\"globex\"}")))
                .isInstanceOfSatisfying(Admission.Declined.class, d -> {
                    assertThat(d.reason()).isEqualTo(DeclineReason.UNKNOWN_AGENT);
                    assertThat(d.tenant()).isEqualTo("globex");
                });
    }

    @Test
    void theApplicationsResolverDecidesAndOneThatFailsOrHangsDeclinesTheJob() {
        assertThat(admission(job -> job.roomName().equals("room") ? "acme" : null).admit(job("{\"tenant\":\"globex\"}")))
                .isInstanceOfSatisfying(Admission.Accepted.class, a -> {
                    assertThat(a.claim().tenant()).isEqualTo("acme");
                    a.claim().release();
                });
        assertThat(admission(job -> null).admit(job("{\"tenant\":\"globex\"}")))
                .isInstanceOfSatisfying(Admission.Accepted.class, a -> {
                    assertThat(a.claim().tenant()).isEqualTo("default");
                    a.claim().release();
                });
        assertThat(admission(job -> {
            throw new IllegalStateException("tenant database down");
        }).admit(job(""))).isInstanceOfSatisfying(Admission.Declined.class, d -> {
            assertThat(d.reason()).isEqualTo(DeclineReason.ERROR);
            assertThat(d.detail()).contains("tenant database down");
        });
        AtomicBoolean interrupted = new AtomicBoolean();
        long started = System.nanoTime();
        assertThat(admission(job -> {
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException e) {
                interrupted.set(true);
                throw e;
            }
            return "acme";
        }).admit(job(""))).isInstanceOfSatisfying(Admission.Declined.class, d -> {
            assertThat(d.reason()).isEqualTo(DeclineReason.ERROR);
            assertThat(d.detail()).contains("openrtc.routing.tenant-resolver-timeout");
        });
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilTrue(interrupted);
        assertThat(admission(job -> "a\nb").admit(job(""))).isInstanceOfSatisfying(Admission.Declined.class,
                d -> assertThat(d.detail()).contains("control characters"));
    }

    @Test
    void allowedAgentsMustBeRegistered() {
        assertThatThrownBy(() -> AgentPool.builder().add("restaurant", session -> { })
                .tenants(TenantOptions.builder().tenant("acme", TenantSettings.UNRESTRICTED.withAllowedAgents("dental")).build())
                .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("openrtc.tenants.acme.allowed-agents names 'dental', which is not a registered agent; "
                        + "registered: [restaurant]");
    }
}
