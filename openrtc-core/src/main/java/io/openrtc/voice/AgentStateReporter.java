package io.openrtc.voice;

import io.openrtc.observe.SessionMdc;
import io.openrtc.rtc.AgentState;
import io.openrtc.rtc.Room;
import io.openrtc.rtc.RoomClosedException;
import java.time.Instant;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shows the agent's state to LiveKit's front ends ({@code lk.agent.state}) without ever holding
 * up the audio: a state change is recorded at once (and reported as an event), and one virtual
 * thread sends the newest state to the server, waiting for its answer. States that come and go
 * while a send is in flight are skipped: the attribute always ends at the latest.
 */
final class AgentStateReporter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AgentStateReporter.class);

    private final Room room;
    private final String label;
    private final Consumer<VoiceEvent> events;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Thread thread;
    private AgentState current = AgentState.INITIALIZING;
    private AgentState sent;
    private boolean closed;

    AgentStateReporter(Room room, String label, Consumer<VoiceEvent> events) {
        this.room = room;
        this.label = label;
        this.events = events;
        this.thread = Thread.ofVirtual().name("openrtc-voice-state-" + label).start(SessionMdc.propagate(this::run));
    }

    AgentState current() {
        lock.lock();
        try {
            return current;
        } finally {
            lock.unlock();
        }
    }

    void set(AgentState state) {
        AgentState previous;
        lock.lock();
        try {
            if (closed || state == current) {
                return;
            }
            previous = current;
            current = state;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        events.accept(new VoiceEvent.AgentStateChanged(Instant.now(), previous, state));
    }

    private void run() {
        try {
            while (true) {
                AgentState next;
                lock.lockInterruptibly();
                try {
                    while (!closed && current == sent) {
                        changed.await();
                    }
                    if (closed) {
                        return;
                    }
                    next = current;
                } finally {
                    lock.unlock();
                }
                try {
                    room.setAgentState(next);
                    sent = next;
                } catch (RoomClosedException e) {
                    return;
                } catch (Exception e) {
                    // A refused or unanswered update: the next change tries again.
                    log.warn("Voice of {}: could not set lk.agent.state={}: {}", label, next.wireValue(), e.getMessage());
                    sent = next;
                }
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        thread.interrupt();
    }
}
