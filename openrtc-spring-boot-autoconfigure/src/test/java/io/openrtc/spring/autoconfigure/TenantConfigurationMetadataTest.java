package io.openrtc.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every property {@code docs/tenants.md} lists is in the configuration metadata the build
 * generates (IDE completion, descriptions, defaults): {@code openrtc.tenant-breaker.*} and
 * {@code openrtc.routing.tenant-resolver-timeout} by name, {@code openrtc.tenants.<id>.*} as the
 * fields of the map's value type (as {@code openrtc.agents.<name>.*} are). The same for the
 * settings tables of {@code docs/operations.md} (blue-green deploys) and {@code docs/cost.md}.
 */
class TenantConfigurationMetadataTest {

    private static final Path DOC = Path.of("../docs/tenants.md");
    private static final Pattern PROPERTY = Pattern.compile("^\\| `(openrtc\\.[a-z.<>-]+)`((?:, `\\.[a-z-]+`)*)", Pattern.MULTILINE);

    @Test
    void everyDocumentedTenantPropertyIsInTheMetadata() throws Exception {
        Map<String, JsonNode> properties = metadata();
        List<String> documented = documented(DOC, "## Settings");
        assertThat(documented).hasSizeGreaterThanOrEqualTo(12);
        Set<String> tenantFields = Arrays.stream(OpenRtcProperties.TenantProperties.class.getRecordComponents())
                .map(c -> c.getName().replaceAll("([A-Z])", "-$1").toLowerCase()).collect(Collectors.toSet());
        for (String property : documented) {
            if (property.startsWith("openrtc.tenants.<id>.")) {
                assertThat(tenantFields).as("a field of openrtc.tenants' values for %s", property)
                        .contains(property.substring("openrtc.tenants.<id>.".length()));
                continue;
            }
            assertInMetadata(properties, property);
        }
        assertThat(properties.get("openrtc.tenants").path("type").asText()).contains("OpenRtcProperties$TenantProperties");
        assertThat(properties.get("openrtc.tenants").path("description").asText()).isNotBlank();
    }

    @Test
    void everyDocumentedDeploymentPropertyIsInTheMetadata() throws Exception {
        Map<String, JsonNode> properties = metadata();
        List<String> documented = documented(Path.of("../docs/operations.md"), "### Settings");
        assertThat(documented).contains("openrtc.deployment.version");
        documented.forEach(property -> assertInMetadata(properties, property));
    }

    @Test
    void everyDocumentedCostPropertyIsInTheMetadata() throws Exception {
        Map<String, JsonNode> properties = metadata();
        List<String> documented = documented(Path.of("../docs/cost.md"), "## Settings");
        assertThat(documented).containsExactly("openrtc.cost.enabled", "openrtc.cost.sampling-period",
                "openrtc.cost.allocation-samples-per-second", "openrtc.cost.window");
        documented.forEach(property -> assertInMetadata(properties, property));
    }

    private static void assertInMetadata(Map<String, JsonNode> properties, String property) {
        assertThat(properties).as("metadata of %s", property).containsKey(property);
        assertThat(properties.get(property).path("description").asText()).as("description of %s", property).isNotBlank();
        assertThat(properties.get(property).has("defaultValue")).as("default of %s", property).isTrue();
    }

    private Map<String, JsonNode> metadata() throws Exception {
        JsonNode metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("the generated configuration metadata").isNotNull();
            metadata = new ObjectMapper().readTree(in);
        }
        Map<String, JsonNode> properties = new LinkedHashMap<>();
        metadata.path("properties").forEach(p -> properties.put(p.path("name").asText(), p));
        return properties;
    }

    /**
     * The properties the settings table under {@code heading} (up to the next heading of any level)
     * of {@code file} names, {@code .stt}-style shorthands expanded.
     */
    private static List<String> documented(Path file, String heading) throws Exception {
        String doc = Files.readString(file);
        int start = doc.indexOf("\n" + heading + "\n");
        assertThat(start).as("%s in %s", heading, file).isNotNegative();
        int end = doc.indexOf("\n#", start + 1);
        doc = doc.substring(start, end < 0 ? doc.length() : end);
        List<String> names = new java.util.ArrayList<>();
        Matcher m = PROPERTY.matcher(doc);
        while (m.find()) {
            String first = m.group(1);
            names.add(first);
            if (!m.group(2).isEmpty()) {
                String prefix = first.substring(0, first.lastIndexOf('.'));
                for (String more : m.group(2).split(", ")) {
                    if (!more.isBlank()) {
                        names.add(prefix + more.replace("`", "").strip());
                    }
                }
            }
        }
        return names;
    }
}
