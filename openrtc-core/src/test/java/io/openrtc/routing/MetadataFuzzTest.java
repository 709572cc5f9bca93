package io.openrtc.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.agent.JobInfo;
import io.openrtc.tenant.TenantOptions;
import io.openrtc.tenant.TenantResolver;
import io.openrtc.test.Fuzz;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes job and room metadata as routing and the default tenant resolver read it (any string a
 * dispatcher may set): nothing throws or hangs, every reading is an agent's name (a tenant id),
 * nothing, or a problem that says what was wrong, and a name is only ever one the metadata really
 * holds.
 */
class MetadataFuzzTest {

    private static final long HANG_NANOS = 2_000_000_000L;

    @Test
    void anyMetadataIsReadAsAnAgentNothingOrAClearProblem() {
        Fuzz fuzz = Fuzz.seeded("job metadata");
        int agents = 0;
        int problems = 0;
        for (int i = 0; i < Fuzz.INPUTS; i++) {
            String metadata = switch (fuzz.nextInt(3)) {
                case 0 -> fuzz.string();
                case 1 -> "{\"" + fuzz.oneOf("agent", "agent_name", "agentName", "x") + "\":\"" + fuzz.string() + "\"}";
                default -> new String(fuzz.mutate("{\"agent\":\"restaurant\",\"tenant\":\"acme\"}".getBytes(
                        StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
            };
            long started = System.nanoTime();
            MetadataRouting.Reading reading;
            try {
                reading = MetadataRouting.read(metadata);
            } catch (RuntimeException e) {
                throw new AssertionError("input " + i + " of seed " + fuzz.seed() + " threw on " + abbreviated(metadata), e);
            }
            assertThat(System.nanoTime() - started).as("input %d of seed %d hung", i, fuzz.seed()).isLessThan(HANG_NANOS);
            assertThat(reading.agent().isPresent() && reading.problem().isPresent()).isFalse();
            reading.agent().ifPresent(name -> assertThat(name).isNotBlank().isEqualTo(name.strip()));
            reading.problem().ifPresent(problem -> assertThat(problem).isNotBlank());
            agents += reading.agent().isPresent() ? 1 : 0;
            problems += reading.problem().isPresent() ? 1 : 0;
        }
        System.out.printf("[fuzz] job metadata: %d inputs, %d named an agent, %d problems reported%n", Fuzz.INPUTS, agents,
                problems);
        assertThat(agents).isPositive();
        assertThat(problems).isPositive();
    }

    @Test
    void anyMetadataIsReadAsATenantNothingOrAClearProblemAndNeverThrows() throws Exception {
        Fuzz fuzz = Fuzz.seeded("tenant metadata");
        int tenants = 0;
        int problems = 0;
        for (int i = 0; i < Fuzz.INPUTS; i++) {
            String metadata = switch (fuzz.nextInt(4)) {
                case 0 -> fuzz.string();
                case 1 -> "{\"" + fuzz.oneOf("tenant", "tenant_id", "Tenant", "x") + "\":\"" + fuzz.string() + "\"}";
                case 2 -> "{\"tenant\":" + fuzz.oneOf("1", "true", "[]", "{}", "null", "\"\"", "\" \"") + "}";
                default -> new String(fuzz.mutate("{\"agent\":\"restaurant\",\"tenant\":\"acme\"}".getBytes(
                        StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
            };
            String room = fuzz.nextInt(2) == 0 ? "" : metadata;
            long started = System.nanoTime();
            JobMetadata.Field field;
            String tenant;
            try {
                field = JobMetadata.read(metadata, List.of("tenant"), "a tenant id");
                tenant = TenantResolver.fromMetadata().resolve(JobInfo.forRoom("AJ_" + i, "room-" + i, room, metadata));
            } catch (RuntimeException e) {
                throw new AssertionError("input " + i + " of seed " + fuzz.seed() + " threw on " + abbreviated(metadata), e);
            }
            assertThat(System.nanoTime() - started).as("input %d of seed %d hung", i, fuzz.seed()).isLessThan(HANG_NANOS);
            assertThat(field.value().isPresent() && field.problem().isPresent()).isFalse();
            field.problem().ifPresent(problem -> assertThat(problem).isNotBlank());
            // The tenant is a valid id the metadata really holds under "tenant", or the default.
            assertThat(TenantOptions.problemWithId(tenant)).as("input %d of seed %d: tenant '%s'", i, fuzz.seed(), tenant)
                    .isEmpty();
            String expected = field.value().filter(id -> TenantOptions.problemWithId(id).isEmpty()).orElse("default");
            assertThat(tenant).as("input %d of seed %d", i, fuzz.seed()).isEqualTo(expected);
            tenants += tenant.equals("default") ? 0 : 1;
            problems += field.problem().isPresent() || !field.value().map(id -> id.equals(expected)).orElse(true) ? 1 : 0;
        }
        System.out.printf("[fuzz] tenant metadata: %d inputs, %d named a tenant, %d problems reported%n", Fuzz.INPUTS,
                tenants, problems);
        assertThat(tenants).isPositive();
        assertThat(problems).isPositive();
    }

    private static String abbreviated(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "... (" + s.length() + " chars)" : s;
    }
}
