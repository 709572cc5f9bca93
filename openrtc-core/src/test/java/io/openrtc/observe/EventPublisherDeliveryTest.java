package io.openrtc.observe;

import static org.assertj.core.api.Assertions.assertThat;

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
}
