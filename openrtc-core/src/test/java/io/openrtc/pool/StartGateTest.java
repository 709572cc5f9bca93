package io.openrtc.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class StartGateTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void startsOneAtATimeInTheOrderTheyAsked() throws Exception {
        StartGate gate = new StartGate(1);
        gate.enter(() -> false);
        List<String> entered = new CopyOnWriteArrayList<>();
        Thread second = Thread.ofVirtual().start(() -> enterAndRecord(gate, "second", entered));
        await().atMost(WAIT).until(() -> second.getState() == Thread.State.TIMED_WAITING);
        Thread third = Thread.ofVirtual().start(() -> enterAndRecord(gate, "third", entered));
        await().atMost(WAIT).until(() -> third.getState() == Thread.State.TIMED_WAITING);
        assertThat(entered).isEmpty();

        gate.leave();
        await().atMost(WAIT).until(() -> entered.size() == 1);
        assertThat(entered).containsExactly("second");
        gate.leave();
        await().atMost(WAIT).until(() -> entered.size() == 2);
        assertThat(entered).containsExactly("second", "third");
        gate.leave();
        assertThat(gate.available()).isEqualTo(1);
    }

    @Test
    void aChildStoppedWhileWaitingNeverStartsAndTakesNoTurn() throws Exception {
        StartGate gate = new StartGate(1);
        gate.enter(() -> false);
        AtomicBoolean stopped = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread waiter = Thread.ofVirtual().start(() -> {
            try {
                gate.enter(stopped::get);
            } catch (IOException e) {
                failure.set(e);
            }
        });
        stopped.set(true);
        waiter.join(WAIT);
        assertThat(failure.get()).isInstanceOf(IOException.class).hasMessageContaining("stopped while waiting");
        gate.leave();
        assertThat(gate.available()).isEqualTo(1);
    }

    @Test
    void refusesANonPositiveNumberOfStarts() {
        assertThatThrownBy(() -> new StartGate(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("concurrentStarts");
        assertThat(StartGate.forThisMachine().available()).isPositive();
    }

    private static void enterAndRecord(StartGate gate, String name, List<String> entered) {
        try {
            gate.enter(() -> false);
            entered.add(name);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
