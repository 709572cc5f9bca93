package io.openrtc.voice;

import io.openrtc.observe.SessionMdc;
import io.openrtc.rtc.MessageStream;
import io.openrtc.rtc.ParticipantKind;
import io.openrtc.rtc.Room;
import io.openrtc.rtc.TextMessage;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Typed input: chat messages ({@code lk.chat}) from the user are turns too, for a caller who
 * types instead of speaking or besides it. A message stops what the agent is saying (as LiveKit
 * does) and is answered like a spoken turn. Messages from other agents are not the user's.
 */
final class TextInput implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TextInput.class);

    private final Room room;
    private final Supplier<String> linked;
    private final Consumer<UserTurn> deliver;
    private final Runnable interruptSpeech;
    private final MessageStream<TextMessage> chat;
    private final Thread thread;

    /**
     * @param linked          the participant the voice listens to (a typed message links the sender when none is)
     * @param deliver         hands the turn to the conversation
     * @param interruptSpeech stops the agent's speech, if it may be interrupted
     */
    TextInput(Room room, String label, Supplier<String> linked, Consumer<UserTurn> deliver, Runnable interruptSpeech) {
        this.room = room;
        this.linked = linked;
        this.deliver = deliver;
        this.interruptSpeech = interruptSpeech;
        this.chat = room.chatMessages();
        this.thread = Thread.ofVirtual().name("openrtc-voice-chat-" + label).start(SessionMdc.propagate(this::run));
    }

    private void run() {
        try {
            TextMessage message;
            while ((message = chat.next()) != null) {
                String sender = message.senderIdentity();
                boolean fromAgent = room.remoteParticipant(sender).map(p -> p.kind() == ParticipantKind.AGENT).orElse(false);
                String listenedTo = linked.get();
                if (fromAgent || message.text().isBlank() || (!listenedTo.isEmpty() && !listenedTo.equals(sender))) {
                    continue;
                }
                interruptSpeech.run();
                deliver.accept(UserTurn.typed(sender, message.text().strip()));
            }
        } catch (InterruptedException e) {
            // closed
        } catch (RuntimeException e) {
            log.warn("Voice: the chat input stopped", e);
        }
    }

    @Override
    public void close() {
        thread.interrupt();
        chat.close();
    }
}
