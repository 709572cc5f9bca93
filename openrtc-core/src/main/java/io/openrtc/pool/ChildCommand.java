package io.openrtc.pool;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a session-host child JVM: this JVM's own {@code java} binary and
 * classpath, the configured extra JVM arguments, the session-host role and the path of its
 * private socket, then the main class (or jar) this JVM was started with. Nothing secret goes on
 * the command line: the job and its token travel over the socket.
 */
final class ChildCommand {

    private final String java;
    private final List<String> jvmArgs;
    private final List<String> target;

    private ChildCommand(String java, List<String> jvmArgs, List<String> target) {
        this.java = java;
        this.jvmArgs = jvmArgs;
        this.target = target;
    }

    /**
     * Works out the command for {@code options}.
     *
     * @throws IllegalStateException naming {@code openrtc.process.main-class} when this JVM's main
     *                               class cannot be told
     */
    static ChildCommand of(PoolOptions.ProcessOptions options) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> jvmArgs = new ArrayList<>(options.jvmArgs());
        if (options.memoryLimitBytes().isPresent() && !options.jvmArgsSizeHeap()) {
            // Three quarters for the heap, the rest for metaspace, threads and native buffers: a
            // heap-heavy session then ends with an OutOfMemoryError reported by the child, and the
            // RSS watch catches native growth.
            long heapMiB = Math.max(32, options.memoryLimitBytes().getAsLong() * 3 / 4 / (1024 * 1024));
            jvmArgs.add("-Xmx" + heapMiB + "m");
        }
        String classPath = System.getProperty("java.class.path", "");
        List<String> target = new ArrayList<>();
        if (options.mainClass().isPresent()) {
            target.addAll(List.of("-cp", classPath, options.mainClass().get()));
        } else {
            String command = System.getProperty("sun.java.command", "").trim();
            String first = command.isEmpty() ? "" : command.split("\\s+")[0];
            if (first.endsWith(".jar")) {
                target.addAll(List.of("-jar", first));
            } else if (!first.isEmpty() && !first.contains("/")) {
                target.addAll(List.of("-cp", classPath, first));
            } else {
                throw new IllegalStateException("Cannot tell this JVM's main class (sun.java.command='" + command
                        + "'); set openrtc.process.main-class to a class whose main calls SessionHost.serve(...) "
                        + "when SessionHost.isSessionHost()");
            }
        }
        return new ChildCommand(java, List.copyOf(jvmArgs), List.copyOf(target));
    }

    /** The full command for a child that connects to {@code socket}. */
    List<String> forSocket(Path socket) {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmArgs);
        command.add("-D" + SessionHost.ROLE_PROPERTY + "=" + SessionHost.ROLE);
        command.add("-D" + SessionHost.SOCKET_PROPERTY + "=" + socket);
        command.addAll(target);
        return command;
    }

    /** The main class or jar, for logs. */
    String target() {
        return target.getLast();
    }
}
