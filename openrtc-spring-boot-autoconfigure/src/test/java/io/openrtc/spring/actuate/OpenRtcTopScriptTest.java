package io.openrtc.spring.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code scripts/openrtc-top.sh --once} against an HTTP server answering what
 * {@code /actuator/openrtc} answers (an {@link OpenRtcStatus} with its cost part, as JSON): the
 * sessions by CPU, the agents, the tenants; and the message when the cost monitor is off.
 */
class OpenRtcTopScriptTest {

    private static final Path SCRIPT = Path.of("../scripts/openrtc-top.sh");

    @Test
    void oneScreenListsTheBusiestSessionFirstThenAgentsAndTenants() throws Exception {
        CostStatus cost = new CostStatus(20, 10, 0.42, 0.12,
                List.of(new CostStatus.Entry("AJ_idle", "dental", "acme", 0.01, 0.001, 1_048_576, 0),
                        new CostStatus.Entry("AJ_busy", "dental", "acme", 12.5, 0.31, 400L * 1_048_576, 2 * 1_048_576.0)),
                List.of(new CostStatus.Entry("dental", "dental", "", 12.51, 0.311, 401L * 1_048_576, 2 * 1_048_576.0)),
                List.of(new CostStatus.Entry("acme", "", "acme", 12.51, 0.311, 401L * 1_048_576, 2 * 1_048_576.0)),
                new CostStatus.Entry("unattributed", "", "", 3.2, 0.1, 0, 0));
        String out = run(OpenRtcStatus.of(Snapshots.registered(1), "green-7", cost), 0);
        List<String> lines = out.lines().toList();
        assertThat(out).contains("green-7").contains("monitor 120 ms CPU").contains("sampling 20 ms");
        int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("SESSION")).findFirst().orElseThrow());
        assertThat(lines.get(header + 1)).startsWith("AJ_busy").contains("31").contains("400");
        assertThat(lines.get(header + 2)).startsWith("AJ_idle");
        assertThat(out).containsPattern("(?m)^dental\\s+dental\\s+-\\s+31\\.1\\s+12\\.5\\s+2\\s+401$")
                .containsPattern("(?m)^acme\\s+-\\s+acme\\s+31\\.1")
                .containsPattern("(?m)^\\(unattributed\\)\\s+-\\s+-\\s+10\\s+3\\.2");
    }

    @Test
    void withoutTheCostMonitorItSaysHowToTurnItOn() throws Exception {
        assertThat(run(OpenRtcStatus.of(Snapshots.registered(1)), 1)).contains("openrtc.cost.enabled=true");
    }

    private static String run(OpenRtcStatus status, int expectedExit) throws Exception {
        byte[] body = new ObjectMapper().writeValueAsBytes(status);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/actuator/openrtc", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            Process p = new ProcessBuilder("bash", SCRIPT.toString(), "--once", "--url",
                    "http://127.0.0.1:" + server.getAddress().getPort() + "/actuator/openrtc")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isEqualTo(expectedExit);
            return out;
        } finally {
            server.stop(0);
        }
    }
}
