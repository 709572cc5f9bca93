package io.openrtc.spring.autoconfigure;

import io.openrtc.runtime.AgentPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * In a child JVM of process isolation ({@code -Dopenrtc.role=session-host}), the same application
 * boots without a web server or worker connection; this runner then serves the one session the
 * parent hands over and ends the JVM when it is done.
 */
class OpenRtcSessionHostRunner implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(OpenRtcSessionHostRunner.class);

    private final AgentPool agentPool;
    private final ConfigurableApplicationContext context;

    OpenRtcSessionHostRunner(AgentPool agentPool, ConfigurableApplicationContext context) {
        this.agentPool = agentPool;
        this.context = context;
    }

    @Override
    public void run(ApplicationArguments args) {
        int exitCode = 0;
        try {
            agentPool.serveSession();
        } catch (RuntimeException e) {
            log.error("The session host failed", e);
            exitCode = 1;
        }
        int code = exitCode;
        // The session is over: this JVM's only purpose is served.
        System.exit(SpringApplication.exit(context, () -> code));
    }
}
