package io.openrtc.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Defect 9 of issue 17: a child JVM starts with its parent's effective configuration (its
 * {@code -D} system properties, its program arguments, its main class or jar, paths with spaces
 * kept whole) and leaves its end to the parent, so a signal to the whole process group lets the
 * call finish through the parent's drain.
 */
class ChildConfigurationTest {

    private static final Path SOCKET = Path.of("/tmp/s.sock");
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @TempDir
    Path tmp;

    private static PoolOptions.ProcessOptions defaults() {
        return PoolOptions.builder().build().process();
    }

    @Test
    void aJarWithSpacesInItsPathGetsTheParentsArgumentsAndSystemPropertiesWhole() {
        ParentCommandLine parent = new ParentCommandLine(
                List.of("-Xmx1g", "-Dapp.mode=blue sky", "-agentlib:jdwp=transport=dt_socket,server=y,address=5005",
                        "-Dcom.sun.management.jmxremote.port=9010", "-Dopenrtc.role=worker", "-jar", "/opt/my app/app.jar",
                        "--spring.profiles.active=prod", "--greeting=hello world"),
                "/opt/my app/app.jar --spring.profiles.active=prod --greeting=hello world", "/opt/my app/app.jar",
                List.of("-Xmx1g", "-Dapp.mode=blue sky", "-agentlib:jdwp=transport=dt_socket,server=y,address=5005",
                        "-Dcom.sun.management.jmxremote.port=9010", "-Dopenrtc.role=worker"));

        assertThat(ChildCommand.of(defaults(), parent).forSocket(SOCKET)).containsExactly(JAVA,
                "-Dapp.mode=blue sky", "-Xmx384m", "-Dopenrtc.role=session-host", "-Dopenrtc.session-host.socket=/tmp/s.sock",
                "-jar", "/opt/my app/app.jar", "--spring.profiles.active=prod", "--greeting=hello world");
    }

    @Test
    void aMainClassOnAClassPathWithSpacesKeepsItsArguments() {
        String classPath = "/home/a user/app/classes:/home/a user/app/lib/x.jar";
        ParentCommandLine parent = new ParentCommandLine(
                List.of("-Dlogging.level.root=warn", "-cp", classPath, "com.example.App", "first arg", "--second=two words"),
                "com.example.App first arg --second=two words", classPath, List.of("-Dlogging.level.root=warn"));

        assertThat(ChildCommand.of(defaults(), parent).forSocket(SOCKET)).containsExactly(JAVA,
                "-Dlogging.level.root=warn", "-Xmx384m", "-Dopenrtc.role=session-host",
                "-Dopenrtc.session-host.socket=/tmp/s.sock", "-cp", classPath, "com.example.App", "first arg",
                "--second=two words");
    }

    @Test
    void withoutTheRealArgumentsAJarWithSpacesIsStillFoundThroughTheClassPath() {
        ParentCommandLine parent = new ParentCommandLine(List.of(), "/opt/my app/app.jar --debug", "/opt/my app/app.jar",
                List.of());
        assertThat(ChildCommand.of(defaults(), parent).forSocket(SOCKET)).endsWith("-jar", "/opt/my app/app.jar", "--debug");
    }

    @Test
    void configuredArgumentsWinAndAnotherMainClassGetsNoneOfTheParentsByDefault() {
        ParentCommandLine parent = new ParentCommandLine(List.of("-Dx=parent", "-cp", "/app", "com.example.App", "--a"),
                "com.example.App --a", "/app", List.of("-Dx=parent"));
        PoolOptions.ProcessOptions other = PoolOptions.builder().mainClass("com.example.Launcher").jvmArgs(List.of("-Dx=child"))
                .build().process();
        assertThat(ChildCommand.of(other, parent).forSocket(SOCKET)).containsSubsequence("-Dx=parent", "-Dx=child")
                .endsWith("-cp", "/app", "com.example.Launcher");
        PoolOptions.ProcessOptions given = PoolOptions.builder().programArgs(List.of("--b=c d")).build().process();
        assertThat(ChildCommand.of(given, parent).forSocket(SOCKET)).endsWith("com.example.App", "--b=c d");
    }

    @Test
    void aLaunchThatIsNeitherAClassNorAJarNamesTheProperty() {
        ParentCommandLine module = new ParentCommandLine(List.of("-m", "app/com.example.App"), "app/com.example.App", "",
                List.of());
        assertThatIllegalStateException().isThrownBy(() -> ChildCommand.of(defaults(), module))
                .withMessageContaining("openrtc.process.main-class");
    }

    /**
     * A real worker JVM, started with a system property and program arguments with spaces, in a
     * process group of its own; its pool names no main class. Its child checks what it got, then
     * the whole group gets SIGTERM (as {@code systemctl stop} or Ctrl-C sends it): the child's call
     * goes on while the worker drains, and ends well when it is done.
     */
    @Test
    void aChildStartsWithItsParentsConfigurationAndASignalToTheGroupLetsTheDrainFinishTheCall() throws Exception {
        Path release = tmp.resolve("release");
        Process worker = new ProcessBuilder("setsid", JAVA, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dopenrtc.test.inherited=blue sky", "-cp", System.getProperty("java.class.path"),
                TestInheritingWorkerMain.class.getName(), release.toString(), "first arg", "--second=two words")
                .redirectErrorStream(true).start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(worker.getInputStream()))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    System.out.println("[worker] " + line);
                    lines.add(line);
                }
            } catch (java.io.IOException ignored) {
                // the worker ended
            }
        });
        long child = -1;
        try {
            String running = awaitLine(lines, "SESSION_CHILD=", Duration.ofSeconds(90));
            child = Long.parseLong(running.substring("SESSION_CHILD=".length()));
            long session = child;

            // setsid made the worker the leader of its own group: signal all of it, children included.
            Process kill = new ProcessBuilder("kill", "-TERM", "--", "-" + worker.pid()).inheritIO().start();
            assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(awaitLine(lines, "DRAINING", Duration.ofSeconds(30))).isEqualTo("DRAINING");
            // The call survives the signal while the worker drains.
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                    .until(() -> ProcessHandle.of(session).isPresent() && lines.stream().noneMatch(l -> l.startsWith("OUTCOME=")));

            Files.createFile(release);
            assertThat(awaitLine(lines, "OUTCOME=", Duration.ofSeconds(60))).isEqualTo("OUTCOME=success");
            assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(20)).until(() -> ProcessHandle.of(session).isEmpty());
        } finally {
            worker.destroyForcibly();
            if (child > 0) {
                ProcessHandle.of(child).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    private static String awaitLine(List<String> lines, String prefix, Duration timeout) {
        await().atMost(timeout).until(() -> lines.stream().anyMatch(l -> l.startsWith(prefix)));
        return lines.stream().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow();
    }
}
