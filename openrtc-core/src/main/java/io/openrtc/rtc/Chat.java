package io.openrtc.rtc;

/**
 * LiveKit's chat convention: every chat message is one text stream on topic {@value #TOPIC}
 * (what LiveKit's web components and agents send and read). Read it with
 * {@link Room#chatMessages()}, answer with {@link Room#sendChat(String)}.
 */
public final class Chat {

    /** The text stream topic of chat messages. */
    public static final String TOPIC = "lk.chat";

    private Chat() {
    }
}
