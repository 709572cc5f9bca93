package io.openrtc.pool;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How this JVM was started, as a child JVM's command line repeats it: its arguments as the
 * operating system has them ({@code /proc/self/cmdline} on Linux, else {@code ProcessHandle.Info}:
 * split exactly, spaces kept; empty where the platform does not tell), the launcher's {@code sun.java.command} (the main class
 * or jar and the program arguments, joined by spaces), {@code java.class.path}, and the JVM's
 * input arguments (its options, {@code -D} system properties among them).
 *
 * @param arguments      every argument after the {@code java} executable, or empty when unknown
 * @param javaCommand    {@code sun.java.command}
 * @param classPath      {@code java.class.path}
 * @param jvmArguments   the JVM's options ({@code RuntimeMXBean.getInputArguments()})
 */
record ParentCommandLine(List<String> arguments, String javaCommand, String classPath, List<String> jvmArguments) {

    ParentCommandLine {
        arguments = List.copyOf(arguments);
        javaCommand = javaCommand == null ? "" : javaCommand.trim();
        classPath = classPath == null ? "" : classPath;
        jvmArguments = List.copyOf(jvmArguments);
    }

    /** This JVM's. */
    static ParentCommandLine current() {
        List<String> arguments = procCmdline();
        if (arguments == null) {
            arguments = ProcessHandle.current().info().arguments().map(List::of).orElse(List.of());
        }
        return new ParentCommandLine(arguments, System.getProperty("sun.java.command", ""),
                System.getProperty("java.class.path", ""), ManagementFactory.getRuntimeMXBean().getInputArguments());
    }

    /**
     * The main class or jar and the program arguments after it, or null when they cannot be told.
     *
     * @param target  the main class, or the jar's path
     * @param jar     whether it was started with {@code -jar}
     * @param args    the program arguments
     * @param exact   whether {@code args} are exactly the parent's (false when they were split from
     *                {@code sun.java.command} at spaces, for want of the real arguments)
     */
    record Launch(String target, boolean jar, List<String> args, boolean exact) {
    }

    /** What this JVM launched; null when {@code sun.java.command} is empty. */
    Launch launch() {
        if (javaCommand.isEmpty()) {
            return null;
        }
        // sun.java.command is the target and its arguments joined by single spaces: the shortest
        // tail of the real arguments that joins to it starts at the target (a longer tail would
        // join to a longer string). No splitting at spaces, so paths and arguments with spaces
        // survive.
        for (int k = 0; k < arguments.size(); k++) {
            if (String.join(" ", arguments.subList(k, arguments.size())).equals(javaCommand)) {
                boolean jar = k > 0 && arguments.get(k - 1).equals("-jar");
                return new Launch(arguments.get(k), jar, arguments.subList(k + 1, arguments.size()), true);
            }
        }
        // The platform does not give the real arguments. A -jar launch has the jar, exactly, as
        // its class path.
        if (classPath.endsWith(".jar") && (javaCommand.equals(classPath) || javaCommand.startsWith(classPath + " "))) {
            return new Launch(classPath, true, split(javaCommand.substring(classPath.length())), false);
        }
        int space = javaCommand.indexOf(' ');
        String first = space < 0 ? javaCommand : javaCommand.substring(0, space);
        return new Launch(first, first.endsWith(".jar"), split(space < 0 ? "" : javaCommand.substring(space)), false);
    }

    /**
     * The {@code -D} system properties this JVM was started with, in order, but those a child must
     * not share: the pool's own ({@code openrtc.role}, the socket) and JMX's
     * ({@code com.sun.management.*}: a child opening the same JMX port would fail to start).
     */
    List<String> systemProperties() {
        return jvmArguments.stream()
                .filter(arg -> arg.startsWith("-D") && arg.length() > 2)
                .filter(arg -> !isProperty(arg, SessionHost.ROLE_PROPERTY) && !isProperty(arg, SessionHost.SOCKET_PROPERTY))
                .filter(arg -> !arg.startsWith("-Dcom.sun.management."))
                .toList();
    }

    private static boolean isProperty(String arg, String name) {
        return arg.equals("-D" + name) || arg.startsWith("-D" + name + "=");
    }

    /**
     * This JVM's arguments from {@code /proc/self/cmdline}, all of it (the JDK's
     * {@code ProcessHandle.Info} reads one page only, which a long class path overruns); null off Linux.
     */
    private static List<String> procCmdline() {
        Path cmdline = Path.of("/proc/self/cmdline");
        if (!Files.isReadable(cmdline)) {
            return null;
        }
        try {
            String all = new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8);
            if (all.endsWith("\0")) {
                all = all.substring(0, all.length() - 1);
            }
            List<String> parts = List.of(all.split("\0", -1));
            return parts.isEmpty() ? List.of() : parts.subList(1, parts.size()); // without the java executable
        } catch (IOException e) {
            return null;
        }
    }

    private static List<String> split(String args) {
        String trimmed = args.trim();
        return trimmed.isEmpty() ? List.of() : List.of(trimmed.split("\\s+"));
    }
}
