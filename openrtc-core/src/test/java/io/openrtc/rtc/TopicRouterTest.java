package io.openrtc.rtc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TopicRouterTest {

    private final AtomicLong dropped = new AtomicLong();

    @Test
    void messagesOfATopicNobodyReadsWaitForTheFirstReader() throws InterruptedException {
        TopicRouter<String> router = new TopicRouter<>("test", 10, 3, 1_000, String::length, dropped);
        router.deliver("lk.chat", "one");
        router.deliver("other", "x");
        router.deliver("lk.chat", "two");

        MessageStream<String> chat = router.open("lk.chat");
        assertThat(chat.poll(Duration.ZERO)).isEqualTo("one");
        assertThat(chat.poll(Duration.ZERO)).isEqualTo("two");
        assertThat(router.backlogSize()).isEqualTo(1);

        router.deliver("a", "1");
        router.deliver("a", "2");
        router.deliver("a", "3");
        assertThat(dropped.get()).as("the backlog keeps 3; the oldest went").isEqualTo(1);
        assertThat(router.open("other").poll(Duration.ZERO)).as("dropped as the oldest").isNull();
    }

    @Test
    void everyOpenStreamOfATopicGetsEveryMessage() throws InterruptedException {
        TopicRouter<String> router = new TopicRouter<>("test", 10, 3, 1_000, String::length, dropped);
        MessageStream<String> first = router.open("t");
        MessageStream<String> second = router.open("t");
        router.deliver("t", "m");
        assertThat(first.poll(Duration.ZERO)).isEqualTo("m");
        assertThat(second.poll(Duration.ZERO)).isEqualTo("m");

        second.close();
        router.deliver("t", "n");
        assertThat(first.poll(Duration.ZERO)).isEqualTo("n");
        assertThat(second.next()).isNull();
        assertThat(router.backlogSize()).isZero();
    }

    @Test
    void aSlowReaderLosesTheOldestMessages() throws InterruptedException {
        TopicRouter<String> router = new TopicRouter<>("test", 2, 3, 1_000, String::length, dropped);
        MessageStream<String> stream = router.open("t");
        router.deliver("t", "1");
        router.deliver("t", "2");
        router.deliver("t", "3");
        assertThat(stream.droppedMessages()).isEqualTo(1);
        assertThat(stream.poll(Duration.ZERO)).isEqualTo("2");
        assertThat(stream.poll(Duration.ZERO)).isEqualTo("3");
    }

    @Test
    void iterationEndsWhenTheRoomClosesAfterTheQueuedMessages() throws InterruptedException {
        TopicRouter<String> router = new TopicRouter<>("test", 10, 3, 1_000, String::length, dropped);
        MessageStream<String> stream = router.open("t");
        List<String> read = new ArrayList<>();
        Thread reader = Thread.ofVirtual().start(() -> stream.forEach(read::add));
        router.deliver("t", "a");
        router.deliver("t", "b");
        router.endAll();
        reader.join(Duration.ofSeconds(10));
        assertThat(reader.isAlive()).isFalse();
        assertThat(read).containsExactly("a", "b");
        assertThat(stream.isEnded()).isTrue();
        assertThat(stream.next()).isNull();
        assertThat(router.open("t").next()).as("a stream opened after the end is ended").isNull();
    }

    @Test
    void anInterruptedReaderStopsIteratingAndKeepsTheFlag() throws InterruptedException {
        TopicRouter<String> router = new TopicRouter<>("test", 10, 3, 1_000, String::length, dropped);
        MessageStream<String> stream = router.open("t");
        boolean[] flag = new boolean[1];
        Thread reader = Thread.ofVirtual().start(() -> {
            for (String ignored : stream) {
                // never reached
            }
            flag[0] = Thread.currentThread().isInterrupted();
        });
        reader.interrupt();
        reader.join(Duration.ofSeconds(10));
        assertThat(reader.isAlive()).isFalse();
        assertThat(flag[0]).isTrue();
    }

    @Test
    void theBacklogIsAlsoBoundedInBytes() throws InterruptedException {
        TopicRouter<String> router = new TopicRouter<>("test", 10, 100, 10, String::length, dropped);
        router.deliver("t", "x".repeat(11));
        assertThat(router.backlogSize()).as("larger than the whole backlog").isZero();
        router.deliver("t", "aaaa");
        router.deliver("t", "bbbb");
        router.deliver("t", "cccc");
        assertThat(router.backlogSize()).isEqualTo(2);
        assertThat(dropped.get()).isEqualTo(2);
        MessageStream<String> stream = router.open("t");
        assertThat(stream.poll(Duration.ZERO)).isEqualTo("bbbb");
        assertThat(stream.poll(Duration.ZERO)).isEqualTo("cccc");
    }

    @Test
    void everyMessageDroppedUnreadIsReportedWithItsTopic() {
        List<String> reported = new ArrayList<>();
        TopicRouter<String> router = new TopicRouter<>("test", 10, 2, 10, String::length, dropped, reported::add);
        router.deliver("flood", "1");
        router.deliver("flood", "2");
        router.deliver("other", "3");
        router.deliver("big", "x".repeat(11));

        assertThat(dropped.get()).isEqualTo(2);
        assertThat(reported).as("the oldest of the backlog, then the one larger than it all").containsExactly("flood", "big");
    }
}
