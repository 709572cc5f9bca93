package io.openrtc.tenant;

import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.agent.JobInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The default tenant resolver: {@code tenant} in the job's metadata, then the room's, else {@code default}. */
class TenantResolverTest {

    private static String tenantOf(String jobMetadata, String roomMetadata) throws Exception {
        return TenantResolver.fromMetadata().resolve(JobInfo.forRoom("AJ_1", "room-1", roomMetadata, jobMetadata));
    }

    @Test
    void jobMetadataThenRoomMetadataThenTheDefault() throws Exception {
        assertThat(tenantOf("{\"tenant\":\"acme\",\"agent\":\"dental\"}", "{\"tenant\":\"globex\"}")).isEqualTo("acme");
        assertThat(tenantOf("{\"agent\":\"dental\"}", "{\"tenant\":\"globex\"}")).isEqualTo("globex");
        assertThat(tenantOf("", "")).isEqualTo("default");
        assertThat(tenantOf("{\"agent\":\"dental\"}", "{}")).isEqualTo("default");
        assertThat(tenantOf("{\"tenant\":\"  acme  \"}", "")).isEqualTo("acme");
    }

    @ParameterizedTest(name = "job metadata {0}")
    @CsvSource(delimiter = '|', value = {
            "not json at all",
            "{\"tenant\":",
            "[\"acme\"]",
            "\"acme\"",
            "{\"tenant\":42}",
            "{\"tenant\":{\"id\":\"acme\"}}",
            "{\"tenant\":\"   \"}",
            "{\"tenant\":null}",
            "{\"tenant\":\"a\\u0007b\"}",
    })
    void metadataThatCannotNameATenantPassesTheQuestionOn(String metadata) throws Exception {
        assertThat(tenantOf(metadata, "{\"tenant\":\"globex\"}")).isEqualTo("globex");
        assertThat(tenantOf(metadata, "")).isEqualTo("default");
    }

    @Test
    void aTenantIdTooLongIsNoTenant() throws Exception {
        String id = "x".repeat(TenantOptions.MAX_ID_LENGTH);
        assertThat(tenantOf("{\"tenant\":\"" + id + "\"}", "")).isEqualTo(id);
        assertThat(tenantOf("{\"tenant\":\"" + id + "y\"}", "")).isEqualTo("default");
        assertThat(MetadataTenantResolver.read("{\"tenant\":\"" + id + "y\"}").problem()).get().asString()
                .contains("longer than 128");
    }

    @Test
    void problemsWithTheDocumentAreLeftToRoutingProblemsWithTheKeyAreTenants() {
        assertThat(MetadataTenantResolver.read("not json").problem()).isEmpty();
        assertThat(MetadataTenantResolver.read("{\"tenant\":7}").problem()).get().asString()
                .isEqualTo("an object whose 'tenant' is a number, not a tenant id");
    }
}
