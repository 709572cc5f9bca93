package io.openrtc.spring.ai;

import io.openrtc.agent.AgentConfig;
import io.openrtc.agent.AgentSession;
import io.openrtc.test.ScriptedChatServer;
import io.openrtc.test.SpeechServer;
import io.openrtc.test.Wav;
import io.openrtc.voice.ConversationOptions;
import io.openrtc.voice.VoiceAgent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The pieces of a random conversation: what the agent may say (the scripted model's replies,
 * its greeting, the apology), the caller's clips (questions, filler words, a cough, noise,
 * silences, all real audio: Piper's voice or synthesised bursts), the steps a seed draws, and the
 * agent, which attaches an {@link InvariantMonitor} to its own session.
 */
final class RandomConversation {

    static final String GREETING = "Hello, this is the Harbour restaurant. How can I help?";
    static final List<String> REPLIES = List.of(
            "We are open from noon until ten tonight. Would you like to book a table?",
            "Certainly, I can help with that. How many guests will there be?",
            "Our specials today are grilled fish and a mushroom risotto. Both are very popular.",
            "Of course. Let me know if there is anything else.");
    static final List<String> QUESTIONS = List.of("What time do you open today?", "Do you have a table for two tonight?",
            "What are the specials today?", "Can I bring my dog along?", "Thank you, that is all for now.");
    static final List<String> FILLERS = List.of("Mm-hmm.", "Uh.", "Hmm.");
    static final List<String> CHATS = List.of("Do you have vegetarian dishes?", "Is there parking nearby?");

    /** Everything the agent may say. */
    static List<String> utterances() {
        List<String> all = new ArrayList<>(REPLIES);
        all.add(GREETING);
        all.add(ConversationOptions.DEFAULTS.apology());
        return all;
    }

    private RandomConversation() {
    }

    /** What the caller does in one step. */
    enum Kind { QUESTION, SILENCE, NOISE, COUGH, FILLER, BARGE_IN, CHAT }

    /** One step: its kind, and the clip or text it uses. */
    record Step(int index, Kind kind, Path clip, String text) {
        @Override
        public String toString() {
            return index + ":" + kind + (text == null ? "" : "(" + text + ")");
        }
    }

    /** The caller's clips, made once. */
    record Clips(List<Path> questions, List<String> questionTexts, List<Path> fillers, Path cough, Path noise,
                 List<Path> silences) {

        static Clips make(SpeechServer speech, Path dir) throws Exception {
            List<Path> questions = new ArrayList<>();
            for (int i = 0; i < QUESTIONS.size(); i++) {
                questions.add(Wav.read(speech.synthesize(QUESTIONS.get(i))).write(dir.resolve("question-" + i + ".wav")));
            }
            List<Path> fillers = new ArrayList<>();
            for (int i = 0; i < FILLERS.size(); i++) {
                fillers.add(Wav.read(speech.synthesize(FILLERS.get(i))).write(dir.resolve("filler-" + i + ".wav")));
            }
            List<Path> silences = new ArrayList<>();
            for (long ms : new long[] {300, 800, 1500, 2500, 4000}) {
                silences.add(Wav.silence(22_050, 1, ms).write(dir.resolve("silence-" + ms + ".wav")));
            }
            return new Clips(questions, QUESTIONS, fillers, ConversationLiveKitTest.cough(dir), noise(dir), silences);
        }

        /** A 400 ms burst of white noise at a moderate level. */
        private static Path noise(Path dir) throws Exception {
            Random random = new Random(11);
            short[] samples = new short[22_050 * 4 / 10];
            for (int i = 0; i < samples.length; i++) {
                samples[i] = (short) (random.nextGaussian() * 2500);
            }
            return Wav.of(22_050, 1, samples).write(dir.resolve("noise.wav"));
        }
    }

    /** The steps of {@code seed}: the same seed draws the same steps. */
    static List<Step> steps(long seed, int count, Clips clips) {
        Random random = new Random(seed);
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int draw = random.nextInt(100);
            Kind kind = draw < 22 ? Kind.QUESTION : draw < 42 ? Kind.SILENCE : draw < 50 ? Kind.NOISE : draw < 58 ? Kind.COUGH
                    : draw < 70 ? Kind.FILLER : draw < 88 ? Kind.BARGE_IN : Kind.CHAT;
            steps.add(switch (kind) {
                case QUESTION, BARGE_IN -> {
                    int q = random.nextInt(clips.questions().size());
                    yield new Step(i, kind, clips.questions().get(q), clips.questionTexts().get(q));
                }
                case SILENCE -> new Step(i, kind, clips.silences().get(random.nextInt(clips.silences().size())), null);
                case NOISE -> new Step(i, kind, clips.noise(), null);
                case COUGH -> new Step(i, kind, clips.cough(), null);
                case FILLER -> {
                    int f = random.nextInt(clips.fillers().size());
                    yield new Step(i, kind, clips.fillers().get(f), FILLERS.get(f));
                }
                case CHAT -> new Step(i, kind, null, CHATS.get(random.nextInt(CHATS.size())));
            });
        }
        return steps;
    }

    /** Scripts the model: one of the replies, or now and then an error or a request that hangs. */
    static void script(ScriptedChatServer chat, Random random) {
        chat.clearRules();
        chat.otherwise().respond(r -> {
            int draw;
            synchronized (random) {
                draw = random.nextInt(100);
            }
            if (draw < 6) {
                return io.openrtc.test.Reply.error(500, "injected: the model is overloaded");
            }
            if (draw < 10) {
                return io.openrtc.test.Reply.hang();
            }
            return io.openrtc.test.Reply.text(REPLIES.get(draw % REPLIES.size()));
        });
    }

    /** The agent under test: greets, converses, and is watched by an invariant monitor. */
    @AgentConfig(name = "random", greeting = GREETING)
    static final class Agent implements VoiceAgent {
        private final java.util.Collection<String> utterances;

        Agent() {
            this(utterances());
        }

        /** @param utterances what it may say, besides its greeting and the apology */
        Agent(java.util.Collection<String> utterances) {
            List<String> all = new ArrayList<>(utterances);
            all.add(GREETING);
            all.add(ConversationOptions.DEFAULTS.apology());
            this.utterances = all;
        }

        @Override
        public String instructions() {
            return "You are the Harbour restaurant's phone assistant.";
        }

        @Override
        public void run(AgentSession session) throws Exception {
            try (InvariantMonitor monitor = InvariantMonitor.attach(session, utterances)) {
                session.voice().converse(this);
            }
        }
    }
}
