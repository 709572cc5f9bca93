package io.openrtc.spring.playground;

import io.openrtc.runtime.AgentPool;
import io.openrtc.spring.autoconfigure.DevelopmentLiveKitServer;
import io.openrtc.spring.autoconfigure.LiveKitCredentials;
import io.openrtc.spring.autoconfigure.OpenRtcAutoConfiguration;
import io.openrtc.spring.autoconfigure.OpenRtcProperties;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.handler.SimpleUrlHandlerMapping;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.server.support.WebSocketHttpRequestHandler;

/**
 * The browser playground ({@code /openrtc/playground}) and the live session panel
 * ({@code /openrtc/sessions}, streamed over the WebSocket {@code /openrtc/playground/events}).
 *
 * <p>On with {@code openrtc.playground.enabled=true}, or, when that property is unset, with the
 * development LiveKit server of {@code openrtc-spring-boot-devservices}. Off otherwise: an
 * application in production serves none of it unless it says so. Needs a servlet web
 * application and the worker role; the panel also needs {@code spring-websocket} and the
 * container's WebSocket support.
 */
@AutoConfiguration(after = OpenRtcAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(DispatcherServlet.class)
@ConditionalOnBean({AgentPool.class, LiveKitCredentials.class})
@Conditional(OpenRtcPlaygroundAutoConfiguration.PlaygroundEnabled.class)
@EnableConfigurationProperties(PlaygroundProperties.class)
public class OpenRtcPlaygroundAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(OpenRtcPlaygroundAutoConfiguration.class);

    /** The WebSocket path of the session panel. */
    public static final String EVENTS_PATH = PlaygroundController.BASE + "/events";

    @Bean
    PlaygroundSessions openRtcPlaygroundSessions(AgentPool agentPool, LiveKitCredentials credentials,
                                                 OpenRtcProperties properties, PlaygroundProperties playground) {
        return new PlaygroundSessions(agentPool.agents(), credentials, properties.agentName(), playground);
    }

    @Bean
    PlaygroundController openRtcPlaygroundController(PlaygroundSessions sessions, ObjectProvider<SessionEventStream> panel) {
        return new PlaygroundController(sessions, panel.getIfAvailable() != null);
    }

    /** Says where the playground is once the web server listens. */
    @Bean
    ApplicationListener<ApplicationReadyEvent> openRtcPlaygroundAnnouncer(Environment environment, AgentPool agentPool) {
        return event -> {
            String port = environment.getProperty("local.server.port");
            if (port == null) {
                return;
            }
            String path = environment.getProperty("server.servlet.context-path", "");
            log.info("OpenRTC playground: http://localhost:{}{}{} (agents: {}; live sessions: http://localhost:{}{}/openrtc/sessions)",
                    port, path, PlaygroundController.BASE, String.join(", ", agentPool.agents().names()), port, path);
        };
    }

    /** The session panel's WebSocket. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"org.springframework.web.socket.WebSocketHandler", "jakarta.websocket.server.ServerContainer"})
    static class SessionPanel {

        @Bean
        SessionEventStream openRtcSessionEventStream(AgentPool agentPool) {
            return new SessionEventStream(agentPool);
        }

        @Bean
        WebSocketHttpRequestHandler openRtcSessionEventsHandler(SessionEventStream stream) {
            return new WebSocketHttpRequestHandler((WebSocketHandler) stream);
        }

        @Bean
        SimpleUrlHandlerMapping openRtcSessionEventsMapping(WebSocketHttpRequestHandler handler) {
            SimpleUrlHandlerMapping mapping = new SimpleUrlHandlerMapping(Map.of(EVENTS_PATH, handler));
            mapping.setOrder(0);
            return mapping;
        }
    }

    /** {@code openrtc.playground.enabled=true}, or unset with a development LiveKit server. */
    static class PlaygroundEnabled extends AnyNestedCondition {

        PlaygroundEnabled() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnBooleanProperty("openrtc.playground.enabled")
        static class Enabled {
        }

        @ConditionalOnBooleanProperty(name = "openrtc.playground.enabled", matchIfMissing = true)
        @ConditionalOnBean(DevelopmentLiveKitServer.class)
        static class WithDevelopmentServer {
        }
    }
}
