package io.openrtc.cost;

import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.observe.SessionMdc;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How threads are bound to sessions through {@link SessionMdc}: a session's thread and the threads
 * it starts; a pooled thread that runs one task for a session, then another's; what is kept while a
 * monitor runs and what is dropped while none does.
 */
class SessionThreadsTest {

    private static final Map<String, String> ACME = SessionMdc.of("AJ_acme", "dental", "acme");
    private static final Map<String, String> GLOBEX = SessionMdc.of("AJ_globex", "dental", "globex");

    @AfterEach
    void stopTracking() {
        if (tracking) {
            SessionThreads.track(false);
        }
    }

    private boolean tracking;

    private void track() {
        SessionThreads.track(true);
        tracking = true;
    }

    @Test
    void aSessionsThreadAndTheThreadsItStartsAreItsAndAPooledThreadIsEachSessionsInTurn() throws Exception {
        track();
        AtomicLong sessionThread = new AtomicLong();
        AtomicLong helperThread = new AtomicLong();
        AtomicReference<SessionKey> duringHelper = new AtomicReference<>();
        SessionMdc.runWith(ACME, () -> {
            sessionThread.set(Thread.currentThread().threadId());
            Thread helper = Thread.ofVirtual().start(SessionMdc.propagate(() -> {
                helperThread.set(Thread.currentThread().threadId());
                duringHelper.set(SessionThreads.at(helperThread.get(), SessionThreads.now()));
            }));
            try {
                helper.join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            assertThat(SessionThreads.openSessions()).containsKey("AJ_acme");
        });
        long afterAcme = SessionThreads.now();
        assertThat(duringHelper.get()).isEqualTo(new SessionKey("AJ_acme", "dental", "acme"));

        // The same (platform) thread later works for another session: each time is its own.
        AtomicLong duringGlobex = new AtomicLong();
        SessionMdc.runWith(GLOBEX, () -> duringGlobex.set(SessionThreads.now()));
        long me = Thread.currentThread().threadId();
        assertThat(sessionThread.get()).isEqualTo(me);
        assertThat(SessionThreads.at(me, afterAcme - 1_000)).extracting(SessionKey::jobId).isEqualTo("AJ_acme");
        assertThat(SessionThreads.at(me, duringGlobex.get())).extracting(SessionKey::jobId).isEqualTo("AJ_globex");
        assertThat(SessionThreads.at(me, SessionThreads.now() + 10_000_000_000L)).as("long after every binding").isNull();
        assertThat(SessionThreads.openSessions()).doesNotContainKeys("AJ_acme", "AJ_globex");

        SessionThreads.prune(Long.MAX_VALUE - 1);
        assertThat(SessionThreads.at(helperThread.get(), afterAcme - 1_000)).as("pruned").isNull();
    }

    @Test
    void withoutAMonitorOnlyOpenBindingsAreKept() {
        AtomicLong thread = new AtomicLong();
        AtomicReference<SessionKey> inside = new AtomicReference<>();
        SessionMdc.runWith(ACME, () -> {
            thread.set(Thread.currentThread().threadId());
            inside.set(SessionThreads.at(thread.get(), SessionThreads.now()));
        });
        assertThat(inside.get()).as("open, so that a monitor started now sees it").isNotNull();
        assertThat(SessionThreads.at(thread.get(), SessionThreads.now() - 1_000)).as("ended, dropped at once").isNull();
    }

    @Test
    void aContextThatNamesNoJobBindsNothing() {
        assertThat(SessionThreads.enter(Map.of("agent", "dental"))).isNull();
    }
}
