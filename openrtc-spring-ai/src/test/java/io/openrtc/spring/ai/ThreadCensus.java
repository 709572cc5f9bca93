package io.openrtc.spring.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The threads of this JVM by name, virtual threads included: the JDK's JSON thread dump lists
 * every thread container's threads, which {@code Thread.getAllStackTraces()} does not (it knows
 * platform threads only).
 */
final class ThreadCensus {

    private ThreadCensus() {
    }

    /** The names of the live threads whose name starts with {@code prefix}. */
    static List<String> named(String prefix) throws IOException {
        Path dump = Files.createTempFile("threads", ".json");
        Files.delete(dump);
        try {
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(dump.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
            JsonNode root = new ObjectMapper().readTree(dump.toFile());
            List<String> names = new ArrayList<>();
            for (JsonNode container : root.path("threadDump").path("threadContainers")) {
                for (JsonNode thread : container.path("threads")) {
                    String name = thread.path("name").asText();
                    if (name.startsWith(prefix)) {
                        names.add(name);
                    }
                }
            }
            return names;
        } finally {
            Files.deleteIfExists(dump);
        }
    }
}
