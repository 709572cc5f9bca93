package io.openrtc.spring.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.ExitCodeGenerator;
import org.springframework.context.support.GenericApplicationContext;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * A real SIGTERM, raised in this JVM, to a {@link SigtermExit} whose exit is captured (so the test
 * JVM lives on): the handler before it is chained, unless it is the JVM's own exit with 143; the
 * context closes the Spring Boot way, and the {@link ExitCodeGenerator} beans give the status.
 */
class SigtermExitTest {

    private static final Signal TERM = new Signal("TERM");

    @Test
    void aHandlerInstalledBeforeIsChainedAndTheExitCodeGeneratorsDecideTheStatus() {
        List<String> chained = new CopyOnWriteArrayList<>();
        SignalHandler jvm = Signal.handle(TERM, signal -> chained.add(signal.getName()));
        try {
            GenericApplicationContext context = new GenericApplicationContext();
            context.registerBean("applicationCode", ExitCodeGenerator.class, () -> () -> 3);
            context.refresh();
            AtomicInteger exited = new AtomicInteger(-1);
            SigtermExit sigterm = new SigtermExit(context, () -> "", exited::set);
            sigterm.afterPropertiesSet();

            Signal.raise(TERM);

            await().atMost(Duration.ofSeconds(10)).until(() -> exited.get() != -1);
            assertThat(exited).hasValue(3);
            assertThat(chained).containsExactly("TERM");
            assertThat(context.isActive()).isFalse();
            sigterm.destroy();
        } finally {
            Signal.handle(TERM, jvm);
        }
    }

    @Test
    void theJvmsOwnExitWith143IsNotChainedAndABrokenWorkerExitsWith1() {
        // The JVM's handler is in place here: chaining to it would end this test JVM with 143.
        for (String broken : new String[] {"", "supervisor tripped: the worker failed"}) {
            GenericApplicationContext context = new GenericApplicationContext();
            AtomicInteger exited = new AtomicInteger(-1);
            context.registerBean(SigtermExit.class, () -> new SigtermExit(context, () -> broken, exited::set));
            context.refresh();

            Signal.raise(TERM);

            await().atMost(Duration.ofSeconds(10)).until(() -> exited.get() != -1);
            assertThat(exited).hasValue(broken.isEmpty() ? 0 : 1);
            assertThat(context.isActive()).isFalse();
        }
    }
}
