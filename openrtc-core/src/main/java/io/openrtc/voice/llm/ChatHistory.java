package io.openrtc.voice.llm;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A conversation's history: what the user said and typed, what the agent actually spoke (trimmed
 * at interruptions), its tool calls and their results, handoffs. The instructions are not in it:
 * each request starts with the current agent's. Thread-safe; observers see every addition.
 */
public final class ChatHistory {

    private final List<ChatItem> items = new ArrayList<>();
    private final List<Consumer<ChatItem>> observers = new CopyOnWriteArrayList<>();

    /** Adds an item at the end. */
    public void add(ChatItem item) {
        Objects.requireNonNull(item, "item");
        synchronized (this) {
            items.add(item);
        }
        for (Consumer<ChatItem> observer : observers) {
            observer.accept(item);
        }
    }

    /** Replaces the whole history (a summary at a handoff, say). */
    public synchronized void replace(List<ChatItem> replacement) {
        items.clear();
        items.addAll(replacement);
    }

    /** The history now, oldest first. */
    public synchronized List<ChatItem> items() {
        return List.copyOf(items);
    }

    /** Calls {@code observer} with every item added from now on. */
    public void observe(Consumer<ChatItem> observer) {
        observers.add(Objects.requireNonNull(observer, "observer"));
    }

    /** The request for the model: the instructions, then the history, then {@code extra} items. */
    public ChatRequest request(ChatItem.Instructions instructions, List<ToolSpec> tools, List<ChatItem> extra) {
        List<ChatItem> all = new ArrayList<>();
        all.add(instructions);
        all.addAll(items());
        all.addAll(extra);
        return new ChatRequest(all, tools);
    }
}
