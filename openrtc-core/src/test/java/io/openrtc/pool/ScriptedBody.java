package io.openrtc.pool;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link SessionBody} that does what the job metadata says, so one body serves every test in
 * both isolation modes (the child JVM's test main runs the same class). Steps, separated by ';':
 * <ul>
 *   <li>{@code running}: signal running</li>
 *   <li>{@code sleep:MS}: work for MS milliseconds</li>
 *   <li>{@code spin:MS}: keep a core busy for MS milliseconds</li>
 *   <li>{@code touch:PATH}: create the file PATH</li>
 *   <li>{@code throw:MSG}: throw an IllegalStateException; {@code error:MSG}: throw an AssertionError</li>
 *   <li>{@code lost:MSG}: fail as the infrastructure's fault (the room or server went away);
 *       {@code worker-fault:MSG}: fail as the worker's own fault</li>
 *   <li>{@code block}: wait until interrupted (then throw InterruptedException)</li>
 *   <li>{@code stubborn}: wait forever, swallowing interrupts</li>
 *   <li>{@code await-file:PATH}: wait until PATH exists</li>
 *   <li>{@code check-request}: fail unless token, thread name and job fields arrived intact</li>
 *   <li>{@code check-child-jvm}: fail unless running in a session-host child JVM</li>
 *   <li>{@code check-shared}: fail unless the prewarm's {@link TestShared} is there</li>
 *   <li>{@code check-property:NAME=VALUE}: fail unless system property NAME is VALUE</li>
 *   <li>{@code alloc-heap:MB}, {@code alloc-direct:MB}: allocate and touch, kept until the session ends</li>
 *   <li>{@code stack-overflow}: recurse until StackOverflowError</li>
 *   <li>{@code halt:CODE}: end the JVM at once (child JVMs only)</li>
 *   <li>{@code linger}: leave a non-daemon thread behind, so the JVM does not exit after the
 *       session (child JVMs only: a host whose user code keeps it alive)</li>
 * </ul>
 */
final class ScriptedBody implements SessionBody {

    /** What the test prewarm shares. */
    record TestShared(String name) {
    }

    static final Prewarm PREWARM = resources -> resources.put(TestShared.class, new TestShared("prewarmed"));

    @Override
    public void run(SessionRequest request, SessionControl control) throws Exception {
        List<Object> retained = new ArrayList<>();
        for (String step : request.job().jobMetadata().split(";")) {
            String[] parts = step.trim().split(":", 2);
            String arg = parts.length > 1 ? parts[1] : "";
            switch (parts[0]) {
                case "" -> {
                }
                case "running" -> control.running();
                case "sleep" -> Thread.sleep(Long.parseLong(arg));
                case "spin" -> spin(Long.parseLong(arg));
                case "touch" -> Files.createFile(Path.of(arg));
                case "throw" -> throw new IllegalStateException(arg);
                case "error" -> throw new AssertionError(arg);
                case "lost" -> throw new SessionFailureException(FailureSource.INFRASTRUCTURE, arg, null);
                case "worker-fault" -> throw new SessionFailureException(FailureSource.WORKER, arg, null);
                case "block" -> Thread.sleep(Long.MAX_VALUE);
                case "stubborn" -> {
                    while (true) {
                        try {
                            Thread.sleep(Long.MAX_VALUE);
                        } catch (InterruptedException ignored) {
                            // a misbehaving session
                        }
                    }
                }
                case "await-file" -> {
                    while (!Files.exists(Path.of(arg))) {
                        Thread.sleep(20);
                    }
                }
                case "check-request" -> checkRequest(request);
                case "check-property" -> {
                    String[] property = arg.split("=", 2);
                    String actual = System.getProperty(property[0]);
                    if (!property[1].equals(actual)) {
                        throw new IllegalStateException("system property " + property[0] + " is '" + actual + "', expected '"
                                + property[1] + "'");
                    }
                }
                case "check-child-jvm" -> check(SessionHost.isSessionHost(), "the session-host role");
                case "check-shared" -> {
                    if (!"prewarmed".equals(control.resources().get(TestShared.class).name())) {
                        throw new IllegalStateException("shared resource not prewarmed");
                    }
                }
                case "alloc-heap" -> {
                    // 256 KiB pieces: small enough not to be humongous objects in G1
                    for (int i = 0; i < Integer.parseInt(arg) * 4; i++) {
                        byte[] piece = new byte[256 * 1024];
                        for (int j = 0; j < piece.length; j += 4096) {
                            piece[j] = 1;
                        }
                        retained.add(piece);
                    }
                }
                case "alloc-direct" -> {
                    for (int i = 0; i < Integer.parseInt(arg); i++) {
                        ByteBuffer mb = ByteBuffer.allocateDirect(1024 * 1024);
                        for (int j = 0; j < mb.capacity(); j += 4096) {
                            mb.put(j, (byte) 1);
                        }
                        retained.add(mb);
                    }
                }
                case "stack-overflow" -> recurse(0);
                case "halt" -> Runtime.getRuntime().halt(Integer.parseInt(arg));
                case "linger" -> Thread.ofPlatform().daemon(false).name("lingering").start(() -> {
                    while (true) {
                        try {
                            Thread.sleep(Long.MAX_VALUE);
                        } catch (InterruptedException ignored) {
                            // keeps the JVM alive until it is killed
                        }
                    }
                });
                default -> throw new IllegalArgumentException("unknown step '" + step + "'");
            }
        }
        retained.clear();
    }

    private static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }

    private static void checkRequest(SessionRequest request) {
        String jobId = request.job().jobId();
        check(request.assignment().token().equals(TestJobs.TOKEN_PREFIX + jobId), "token");
        check(request.assignment().participantIdentity().equals("agent-" + jobId), "participant identity");
        check(request.agentName().equals(TestJobs.AGENT), "agent name");
        check(request.job().roomName().equals("room-" + jobId), "room name");
        check(request.job().roomMetadata().equals("{\"room\":true}"), "room metadata");
        check(request.job().participantAttributes().equals(java.util.Map.of("k", "v")), "attributes");
        check(Thread.currentThread().isVirtual(), "virtual thread");
        check(Thread.currentThread().getName().equals("openrtc-session-" + TestJobs.AGENT + "-" + jobId), "thread name");
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what + " did not arrive intact");
        }
    }

    private static volatile long spun;

    /** A loop the JIT cannot remove, for {@code ms} of wall time. */
    private static void spin(long ms) {
        long until = System.nanoTime() + ms * 1_000_000;
        long x = 0x9E3779B97F4A7C15L;
        while (System.nanoTime() < until) {
            for (int i = 0; i < 10_000; i++) {
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
            }
        }
        spun = x;
    }
}
