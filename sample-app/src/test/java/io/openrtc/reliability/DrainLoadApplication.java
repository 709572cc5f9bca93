package io.openrtc.reliability;

import java.nio.file.Path;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * The worker that {@link DrainUnderLoadScenarioTest} stops with SIGTERM, run as its own JVM as a
 * pod runs: a Spring Boot application with the starter, whose agents ({@link HoldAgent},
 * {@link ToneAgent}) end a set time after the drain began, and which writes what its worker did to
 * {@code reliability.outcomes-file} ({@link OutcomeLog}).
 */
@SpringBootApplication(proxyBeanMethods = false)
public class DrainLoadApplication {

    public static void main(String[] args) {
        SpringApplication.run(DrainLoadApplication.class, args);
    }

    @Bean
    DrainClock drainClock() {
        return new DrainClock();
    }

    @Bean
    OutcomeLog outcomeLog(@Value("${reliability.outcomes-file}") Path file) {
        return new OutcomeLog(file);
    }
}
