package io.openrtc.pool;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The command line of a session-host child JVM, so that the child starts with the parent's
 * effective configuration: this JVM's own {@code java} binary and classpath, the {@code -D} system
 * properties it was started with, the configured extra JVM arguments, the session-host role and
 * the path of its private socket, then the main class (or jar) this JVM was started with and its
 * program arguments. Every piece is one argument of its own (no shell, no splitting), so paths
 * and arguments with spaces arrive as they were.
 *
 * <p>The job and its token travel over the socket, never on the command line. The parent's own
 * arguments and system properties are repeated as they are: they are on the parent's command line
 * already. Its other JVM options (a debugger, a JMX port, {@code -Xmx}) are not, as they would
 * clash or not fit a child; {@code openrtc.process.jvm-args} gives the children theirs.
 */
final class ChildCommand {

    /** A fully qualified class name (not a jar, a module or a source file). */
    private static final Pattern CLASS_NAME = Pattern.compile("\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*"
            + "(\\.\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*)*");

    private final String java;
    private final List<String> jvmArgs;
    private final List<String> target;
    private final List<String> programArgs;

    private ChildCommand(String java, List<String> jvmArgs, List<String> target, List<String> programArgs) {
        this.java = java;
        this.jvmArgs = jvmArgs;
        this.target = target;
        this.programArgs = programArgs;
    }

    /** {@link #of(PoolOptions.ProcessOptions, ParentCommandLine)} for this JVM. */
    static ChildCommand of(PoolOptions.ProcessOptions options) {
        return of(options, ParentCommandLine.current());
    }

    /**
     * Works out the command for {@code options}, as a child of a JVM started with {@code parent}.
     *
     * @throws IllegalStateException naming {@code openrtc.process.main-class} when the parent's
     *                               main class cannot be told
     */
    static ChildCommand of(PoolOptions.ProcessOptions options, ParentCommandLine parent) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The parent's system properties first: the configured arguments (later on the command
        // line, so they win) can override them for the children.
        List<String> jvmArgs = new ArrayList<>(parent.systemProperties());
        jvmArgs.addAll(options.jvmArgs());
        if (options.memoryLimitBytes().isPresent() && !options.jvmArgsSizeHeap()) {
            // Three quarters for the heap, the rest for metaspace, threads and native buffers: a
            // heap-heavy session then ends with an OutOfMemoryError reported by the child, and the
            // RSS watch catches native growth.
            long heapMiB = Math.max(32, options.memoryLimitBytes().getAsLong() * 3 / 4 / (1024 * 1024));
            jvmArgs.add("-Xmx" + heapMiB + "m");
        }
        List<String> target = new ArrayList<>();
        List<String> programArgs;
        if (options.mainClass().isPresent()) {
            target.addAll(List.of("-cp", parent.classPath(), options.mainClass().get()));
            // Another main class: the parent's arguments are for its own main, not necessarily this one.
            programArgs = options.programArgs().orElse(List.of());
        } else {
            ParentCommandLine.Launch launch = parent.launch();
            if (launch != null && launch.jar()) {
                target.addAll(List.of("-jar", launch.target()));
            } else if (launch != null && CLASS_NAME.matcher(launch.target()).matches()) {
                target.addAll(List.of("-cp", parent.classPath(), launch.target()));
            } else {
                throw new IllegalStateException("Cannot tell this JVM's main class (sun.java.command='"
                        + parent.javaCommand() + "'); set openrtc.process.main-class to a class whose main calls "
                        + "SessionHost.serve(...) when SessionHost.isSessionHost()");
            }
            programArgs = options.programArgs().orElse(launch.args());
        }
        return new ChildCommand(java, List.copyOf(jvmArgs), List.copyOf(target), List.copyOf(programArgs));
    }

    /** The full command for a child that connects to {@code socket}. */
    List<String> forSocket(Path socket) {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmArgs);
        command.add("-D" + SessionHost.ROLE_PROPERTY + "=" + SessionHost.ROLE);
        command.add("-D" + SessionHost.SOCKET_PROPERTY + "=" + socket);
        command.addAll(target);
        command.addAll(programArgs);
        return command;
    }

    /** The main class or jar, for logs. */
    String target() {
        return target.getLast();
    }
}
