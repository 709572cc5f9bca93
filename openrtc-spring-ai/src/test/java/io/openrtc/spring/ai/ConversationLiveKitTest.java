package io.openrtc.spring.ai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.openrtc.pool.PoolOptions;
import io.openrtc.test.ChatMessage;
import io.openrtc.test.LiveKitServer;
import io.openrtc.test.LiveKitServerTest;
import io.openrtc.test.NodePeer;
import io.openrtc.test.ScriptedChatServer;
import io.openrtc.test.SpeechServer;
import io.openrtc.test.SpeechServerTest;
import io.openrtc.test.Transcripts;
import io.openrtc.test.Wav;
import io.openrtc.voice.ConversationOptions;
import io.openrtc.voice.VoiceOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Voice agents declared by instructions and Spring AI {@code @Tool} methods, in whole
 * conversations against a real livekit-server, LiveKit's Node SDK as the caller, the local speech
 * server's Whisper and Piper, and Spring AI's real {@code OpenAiChatModel} over HTTP against the
 * scripted chat server (the one stub: no tool-capable model ships in a package here). A spoken
 * booking runs the tool and is confirmed aloud; the caller barges in; an "um" does not lose the
 * answer; a dental question hands the session over; failing tools and models are survived.
 */
@LiveKitServerTest
@SpeechServerTest
class ConversationLiveKitTest {

    static final String BOOKING = "I would like a table for two at seven tonight.";

    @AutoClose
    private static NodePeer callers;
    private static ScriptedChatServer chat;
    private static ConversationPool pool;
    private static int sessions;

    @BeforeAll
    static void start(LiveKitServer server, SpeechServer speech) {
        callers = NodePeer.start("caller.mjs");
        chat = ScriptedChatServer.start();
        VoiceOptions options = VoiceOptions.builder().conversation(new ConversationOptions(Duration.ofSeconds(4), 5,
                Duration.ofSeconds(5), ConversationOptions.DEFAULTS.apology(), Duration.ZERO, "", false,
                ConversationOptions.HandoffHistory.KEEP)).build();
        pool = new ConversationPool(server, speech.openAiBaseUrl().toString(), chat.baseUrl(), "conversation", options,
                PoolOptions.defaults());
    }

    @AfterAll
    static void stop() {
        pool.close();
        chat.close();
    }

    @BeforeEach
    void script() {
        BookingScript.install(chat);
    }

    private VoiceCaller call(LiveKitServer server, String agent) throws Exception {
        String room = pool.dispatch("{\"agent\":\"" + agent + "\"}");
        return VoiceCaller.join(callers, "caller-" + (++sessions), server, room, pool.agentIdentity(room));
    }

    @Test
    void aSpokenBookingRunsTheToolAndIsConfirmedAloud(LiveKitServer server, SpeechServer speech, @TempDir Path dir)
            throws Exception {
        VoiceCaller caller = call(server, "restaurant");
        caller.startRecording();
        caller.ask(speech, dir, BOOKING);
        JsonNode tool = caller.event("ToolCalled", caller.questionPlayed());
        assertThat(tool.path("tool").asText()).isEqualTo("book_table");
        assertThat(tool.path("failed").asBoolean()).isFalse();
        assertThat(ConversationAgents.Restaurant.BOOKINGS).contains("2@19:00 for " + caller.id());
        JsonNode confirmed = caller.event("AgentSpeechEnded", caller.questionPlayed());
        assertThat(confirmed.path("interrupted").asBoolean()).isFalse();
        caller.awaitSilenceAfter(confirmed);
        String heard = caller.transcribeRecording(speech, dir);
        assertThat(Transcripts.words(heard)).contains("seven", "booked");
        assertThat(caller.probes(ProbeAgent.EVENTS).stream().filter(j -> j.path("type").asText().equals("ConversationItemAdded")))
                .isNotEmpty();
        // What the model was sent: the instructions, the user's words, then the tool's result.
        var afterTool = chat.requests().stream().filter(r -> r.lastMessageIsToolResult()).reduce((a, b) -> b).orElseThrow();
        assertThat(afterTool.systemPrompt()).contains(ConversationAgents.RESTAURANT_INSTRUCTIONS);
        assertThat(afterTool.lastToolResult()).contains("Booked a table for 2 at 19:00.");
        assertThat(Transcripts.wordErrors(BOOKING, afterTool.messages().stream().filter(m -> m.role().equals("user"))
                .reduce((a, b) -> b).orElseThrow().text())).isLessThanOrEqualTo(1);
    }

    @Test
    void theCallerBargesInAndTheHistoryKeepsOnlyWhatWasHeard(LiveKitServer server, SpeechServer speech, @TempDir Path dir)
            throws Exception {
        VoiceCaller caller = call(server, "restaurant");
        caller.ask(speech, dir, "Can you tell me about the menu please?");
        long asked = caller.questionPlayed();
        // Two seconds into the long answer, the caller speaks over it.
        NodePeer.Event answering = caller.callers().await(e -> e.is("audioStarted", caller.id())
                && e.text("participant").equals(caller.agent()) && e.tMs() > asked, VoiceCaller.WAIT);
        caller.callers().await(e -> e.is("heard", caller.id()) && e.text("participant").equals(caller.agent())
                && e.tMs() > answering.tMs() + 2000, VoiceCaller.WAIT);
        caller.ask(speech, dir, "Actually, what time do you close tonight?");
        long userSpoke = caller.questionSpeechStart();
        NodePeer.Event stopped = caller.callers().await(e -> e.is("audioStopped", caller.id())
                && e.text("participant").equals(caller.agent()) && (long) e.number("lastLoudMs") > userSpoke - 100, VoiceCaller.WAIT);
        long stopDelay = (long) stopped.number("lastLoudMs") - userSpoke;
        System.out.printf("[voice] barge-in: the agent's audio stopped %d ms after the caller began to speak "
                + "(min-interruption-duration 500 ms)%n", stopDelay);
        // The figure is printed above; the bound only tells "stopped at the threshold" from "talked on"
        // (a loaded 2-core machine adds its delays to the 500 ms threshold).
        assertThat(stopDelay).as("ms from the caller's speech to the agent's silence, at the caller").isLessThanOrEqualTo(1500);

        JsonNode interrupted = caller.event("AgentInterrupted", asked);
        String spoken = interrupted.path("spoken").asText();
        assertThat(spoken).isNotBlank();
        assertThat(spoken.length()).isLessThan(BookingScript.LONG_ANSWER.length() - 100);
        assertThat(BookingScript.LONG_ANSWER).startsWith(spoken.substring(0, Math.min(spoken.length(), 40)));
        // The next request carries only the heard part as the agent's turn.
        var reply = awaitRequest(r -> r.userSaid("close"));
        String assistant = reply.messages().stream().filter(m -> m.role().equals("assistant")).map(ChatMessage::text)
                .reduce((a, b) -> b).orElseThrow();
        assertThat(assistant).isEqualTo(spoken);
    }

    @Test
    void aCoughAndAnUmDoNotLoseTheAnswer(LiveKitServer server, SpeechServer speech, @TempDir Path dir) throws Exception {
        VoiceCaller caller = call(server, "restaurant");
        caller.ask(speech, dir, "Can you tell me about the menu please?");
        long asked = caller.questionPlayed();
        // From the question on: the answer alone stays under Whisper's 30 s window.
        caller.startRecording();
        NodePeer.Event answering = caller.callers().await(e -> e.is("audioStarted", caller.id())
                && e.text("participant").equals(caller.agent()) && e.tMs() > asked, VoiceCaller.WAIT);
        caller.callers().await(e -> e.is("heard", caller.id()) && e.text("participant").equals(caller.agent())
                && e.tMs() > answering.tMs() + 1500, VoiceCaller.WAIT);
        caller.play(cough(dir));
        // A breath after the cough: right behind it, the cough's tail falls into the 500 ms of audio
        // the VAD keeps in front of speech, and Whisper tiny twice heard that "k" and "um" as
        // "Come, come, come." in CI (real words: a true interruption). Apart, each is what it is.
        caller.ask(Wav.read(speech.synthesize("Um, um, um.")).padded(1000, 0), dir);
        JsonNode paused = caller.event("AgentPaused", asked);
        JsonNode resumed = caller.event("FalseInterruption", asked);
        assertThat(resumed.path("resumed").asBoolean()).isTrue();
        JsonNode ended = caller.event("AgentSpeechEnded", asked, j -> j.path("text").asText().startsWith("Our menu"));
        assertThat(ended.path("interrupted").asBoolean()).isFalse();
        assertThat(ended.path("spoken").asText()).isEqualTo(BookingScript.LONG_ANSWER);
        assertThat(caller.event("UserTurnDropped", asked).path("reason").asText()).isEqualTo("backchannel");
        System.out.printf("[voice] false interruption: paused at +%d ms, resumed at +%d ms into the answer%n",
                paused.path("atMs").asLong() - answering.tMs(), resumed.path("atMs").asLong() - answering.tMs());
        caller.awaitSilenceAfter(ended);
        String heard = caller.transcribeRecording(speech, dir);
        int errors = Transcripts.wordErrors(BookingScript.LONG_ANSWER, heard);
        assertThat(errors).as("words of the answer lost or wrong").isLessThanOrEqualTo(
                Transcripts.words(BookingScript.LONG_ANSWER).size() / 8);
        assertThat(caller.probes(ProbeAgent.TURNS)).isEmpty();
        assertThat(caller.events("UserTurnCommitted")).extracting(j -> j.path("text").asText())
                .noneMatch(t -> t.toLowerCase().contains("um"));
    }

    @Test
    void aDentalQuestionHandsTheSessionToTheDentalAgent(LiveKitServer server, SpeechServer speech, @TempDir Path dir)
            throws Exception {
        VoiceCaller caller = call(server, "restaurant");
        caller.startRecording();
        caller.ask(speech, dir, "I need a dentist, I have a broken tooth.");
        JsonNode handoff = caller.event("AgentHandoff", caller.questionPlayed());
        assertThat(handoff.path("from").asText()).isEqualTo("restaurant");
        assertThat(handoff.path("to").asText()).isEqualTo("dental");
        caller.callers().await(e -> e.is("attributes", caller.id()) && e.text("participant").equals(caller.agent())
                && e.json().path("all").path("lk.agent.name").asText().equals("dental"), VoiceCaller.WAIT);
        JsonNode said = caller.event("AgentSpeechEnded", caller.questionPlayed());
        assertThat(said.path("text").asText()).startsWith("This is the dental office");
        caller.awaitSilenceAfter(said);
        assertThat(Transcripts.words(caller.transcribeRecording(speech, dir))).contains("dental", "office");
        var dentalRequest = awaitRequest(r -> r.systemPrompt().orElse("").equals(ConversationAgents.DENTAL_INSTRUCTIONS));
        assertThat(dentalRequest.toolNames()).containsExactly("find_slot");
        // The history came along: the caller's words, and the transfer the restaurant made.
        assertThat(dentalRequest.messages()).anyMatch(m -> m.role().equals("user") && m.text().toLowerCase().contains("dentist"));
        assertThat(dentalRequest.messages()).anyMatch(m -> m.isToolResult() && m.text().contains("Transferring"));
    }

    @Test
    void failingToolsAndModelsAreSurvivedWithAnApology(LiveKitServer server, SpeechServer speech, @TempDir Path dir)
            throws Exception {
        VoiceCaller caller = call(server, "restaurant");
        // A tool that throws: the model reads the error and apologises.
        caller.startRecording();
        caller.ask(speech, dir, "Is there a waiting list tonight?");
        JsonNode failedTool = caller.event("ToolCalled", caller.questionPlayed());
        assertThat(failedTool.path("tool").asText()).isEqualTo("check_waitlist");
        assertThat(failedTool.path("failed").asBoolean()).isTrue();
        assertThat(failedTool.path("result").asText()).contains("the waiting list service is down");
        JsonNode sorry = caller.event("AgentSpeechEnded", caller.questionPlayed());
        assertThat(sorry.path("text").asText()).startsWith("Sorry");

        // A model that never answers: the framework apologises after openrtc.voice.llm.timeout.
        caller.ask(speech, dir, "Hello, can you hear me?");
        JsonNode timedOut = caller.event("ProviderFailed", caller.questionPlayed());
        assertThat(timedOut.path("step").asText()).isEqualTo("LLM");
        assertThat(timedOut.path("message").asText()).contains("scripted-llm").contains("llm.timeout");
        JsonNode apology = caller.event("AgentSpeechEnded", caller.questionPlayed());
        assertThat(apology.path("text").asText()).isEqualTo(ConversationOptions.DEFAULTS.apology());

        // Tool arguments that are no JSON: the tool is not run, the error goes back to the model.
        chat.clearRules();
        chat.when(r -> r.userSaid("table")).once().replyMalformed(io.openrtc.test.Reply.Malformation.TOOL_ARGUMENTS_NOT_JSON);
        BookingScript.installWithoutClearing(chat);
        caller.ask(speech, dir, BOOKING);
        JsonNode malformed = caller.event("ToolCalled", caller.questionPlayed());
        assertThat(malformed.path("failed").asBoolean()).isTrue();
        JsonNode sorryAgain = caller.event("AgentSpeechEnded", caller.questionPlayed());
        assertThat(sorryAgain.path("text").asText()).startsWith("Sorry");

        // The session goes on: the next booking works.
        caller.ask(speech, dir, BOOKING);
        JsonNode booked = caller.event("ToolCalled", caller.questionPlayed());
        assertThat(booked.path("failed").asBoolean()).isFalse();
        caller.event("AgentSpeechEnded", caller.questionPlayed(), j -> j.path("text").asText().startsWith("Your table"));
        assertThat(pool.endedSessions()).isEmpty();
    }

    /** The first request the chat server got that matches, waiting for it. */
    private static io.openrtc.test.ChatRequest awaitRequest(java.util.function.Predicate<io.openrtc.test.ChatRequest> match) {
        return org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(
                () -> chat.requests().stream().filter(match).findFirst(), java.util.Optional::isPresent).orElseThrow();
    }

    /** A cough: two bursts of low-passed noise, fast attack, quick decay; not speech to the VAD. */
    static Path cough(Path dir) throws Exception {
        int rate = 22_050;
        Random random = new Random(3);
        short[] samples = new short[(int) (rate * 0.6)];
        double y = 0;
        for (int i = 0; i < samples.length; i++) {
            double t = (double) i / rate;
            double envelope = (t < 0.02 ? t / 0.02 : Math.exp(-(t - 0.02) / 0.12)) + (t > 0.3 ? 0.6 * Math.exp(-(t - 0.3) / 0.1) : 0);
            y = 0.7 * y + 0.3 * random.nextGaussian();
            samples[i] = (short) Math.max(-32767, Math.min(32767, 12000 * envelope * y));
        }
        return Wav.of(rate, 1, samples).write(dir.resolve("cough.wav"));
    }
}
