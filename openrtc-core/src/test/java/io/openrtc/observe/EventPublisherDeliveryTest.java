package io.openrtc.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class EventPublisherDeliveryTest {

    @Test
    void awaitDeliveredWaitsUntilTheListenersHaveTheEventNotJustUntilTheQueueIsEmpty() throws Exception {
        CountDownLatch inListener = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<OpenRtcEvent> seen = new CopyOnWriteArrayList<>();
        try (EventPublisher publisher = new EventPublisher()) {
            publisher.addListener(event -> {
                inListener.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                seen.add(event);
            });
            OpenRtcEvent event = new OpenRtcEvent.WorkerRegistered(Instant.now(), "AW_1");
            publisher.publish(event);
            inListener.await();
            // The queue is empty now, but the listener has not finished with the event.
            assertThat(publisher.awaitDelivered(Duration.ofMillis(100))).isFalse();
            release.countDown();
            assertThat(publisher.awaitDelivered(Duration.ofSeconds(10))).isTrue();
            assertThat(seen).containsExactly(event);
        }
    }

    @Test
    void aListenerThatThrowsAnErrorIsSkippedAndDeliveryGoesOn() throws Exception {
        List<OpenRtcEvent> seen = new CopyOnWriteArrayList<>();
        try (EventPublisher publisher = new EventPublisher()) {
            // A listener with a failing assertion, or one that recurses too deep: an Error, not an Exception.
            publisher.addListener(event -> {
                throw new AssertionError("a broken observer");
            });
            publisher.addListener(event -> {
                throw new StackOverflowError();
            });
            publisher.addListener(seen::add);
            OpenRtcEvent first = new OpenRtcEvent.WorkerRegistered(Instant.now(), "AW_1");
            OpenRtcEvent second = new OpenRtcEvent.WorkerRegistered(Instant.now(), "AW_2");
            publisher.publish(first);
            publisher.publish(second);
            assertThat(publisher.awaitDelivered(Duration.ofSeconds(10))).isTrue();
            assertThat(seen).containsExactly(first, second);
        }
    }

    /** Defect 10 of issue 17: the runtime's consumers get every event while an application listener blocks. */
    @Test
    void aBlockingApplicationListenerNeitherDelaysNorDropsTheRuntimeChannel() throws Exception {
        CountDownLatch inListener = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<OpenRtcEvent> runtime = new CopyOnWriteArrayList<>();
        List<OpenRtcEvent> application = new CopyOnWriteArrayList<>();
        try (EventPublisher publisher = new EventPublisher(2)) {
            publisher.addListener(event -> {
                inListener.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                application.add(event);
            });
            publisher.addListener(runtime::add, EventPublisher.Channel.RUNTIME);
            try {
                publisher.publish(new OpenRtcEvent.WorkerRegistered(Instant.now(), "AW_0"));
                inListener.await();
                // The application listener holds the first event; its queue takes 2 more, 7 are dropped.
                for (int i = 1; i < 10; i++) {
                    publisher.publish(new OpenRtcEvent.WorkerRegistered(Instant.now(), "AW_" + i));
                    // The runtime's queue is as small, but its listener keeps up, the application's notwithstanding.
                    int expected = i + 1;
                    await().atMost(Duration.ofSeconds(5)).until(() -> runtime.size() == expected);
                }
                assertThat(runtime).hasSize(10);
                assertThat(publisher.droppedEvents(EventPublisher.Channel.RUNTIME)).isZero();
                assertThat(publisher.droppedEvents(EventPublisher.Channel.APPLICATION)).isEqualTo(7);
                assertThat(publisher.droppedEvents()).isEqualTo(7);
            } finally {
                release.countDown();
            }
            assertThat(publisher.awaitDelivered(Duration.ofSeconds(10))).isTrue();
            assertThat(application).extracting(e -> ((OpenRtcEvent.WorkerRegistered) e).workerId())
                    .containsExactly("AW_0", "AW_1", "AW_2");
        }
    }
}
