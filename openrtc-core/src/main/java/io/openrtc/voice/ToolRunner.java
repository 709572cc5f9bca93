package io.openrtc.voice;

import io.openrtc.agent.AgentSession;
import io.openrtc.observe.SessionMdc;
import io.openrtc.voice.llm.AgentTool;
import io.openrtc.voice.llm.ChatItem;
import io.openrtc.voice.llm.ToolCall;
import io.openrtc.voice.llm.ToolInvocation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Runs the tools a language model asked for, one step at a time: each on a virtual thread of its
 * own with a time limit, so a tool that hangs or ignores interrupts cannot hold the conversation.
 * A tool that throws, times out or does not exist gives the model an error result to read; the
 * conversation goes on.
 */
final class ToolRunner {

    /** What one step of tool calls produced, and the handoff a tool asked for. */
    record Outcome(List<ChatItem.ToolResult> results, Optional<String> handoffTo) {
    }

    private final AgentSession session;
    private final Duration timeout;
    private final Consumer<VoiceEvent> events;
    private final ActiveAgent.Resolver resolver;

    ToolRunner(AgentSession session, Duration timeout, Consumer<VoiceEvent> events, ActiveAgent.Resolver resolver) {
        this.session = session;
        this.timeout = timeout;
        this.events = events;
        this.resolver = resolver;
    }

    /**
     * Runs one step's calls.
     *
     * @param participant the identity of the user the reply answers (who typed or said it), or empty
     */
    Outcome run(ActiveAgent agent, List<ToolCall> calls, String participant) throws InterruptedException {
        List<ChatItem.ToolResult> results = new ArrayList<>();
        String[] handoff = {null};
        for (ToolCall call : calls) {
            long started = System.nanoTime();
            String result;
            boolean failed = true;
            Optional<AgentTool> tool = agent.tool(call.name());
            if (tool.isEmpty()) {
                result = "error: there is no tool named '" + call.name() + "'; the tools are "
                        + agent.tools().stream().map(t -> t.spec().name()).toList();
            } else {
                ToolInvocation invocation = invocation(call, handoff, participant);
                FutureTask<String> task = new FutureTask<>(() -> tool.get().call(call.arguments(), invocation));
                Thread.ofVirtual().name("openrtc-tool-" + call.name()).start(SessionMdc.propagate(task));
                try {
                    result = String.valueOf(task.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
                    failed = false;
                } catch (TimeoutException e) {
                    task.cancel(true);
                    result = "error: the tool did not finish within " + timeout.toMillis() + " ms";
                } catch (ExecutionException e) {
                    result = "error: " + VoiceProviderException.describe(e.getCause());
                } catch (InterruptedException e) {
                    task.cancel(true);
                    throw e;
                }
            }
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            events.accept(new VoiceEvent.ToolCalled(Instant.now(), agent.name(), call.name(), call.arguments(), failed, result,
                    took));
            results.add(new ChatItem.ToolResult(Instant.now(), call.id(), call.name(), result, failed));
        }
        return new Outcome(results, Optional.ofNullable(handoff[0]));
    }

    private ToolInvocation invocation(ToolCall call, String[] handoff, String participant) {
        return new ToolInvocation() {
            @Override
            public AgentSession session() {
                return session;
            }

            @Override
            public ToolCall call() {
                return call;
            }

            @Override
            public String participantIdentity() {
                return participant;
            }

            @Override
            public void handoff(String agentName) {
                if (resolver.resolve(agentName).isEmpty()) {
                    throw new IllegalArgumentException("no voice agent named '" + agentName + "' is registered");
                }
                synchronized (handoff) {
                    handoff[0] = agentName;
                }
            }
        };
    }
}
