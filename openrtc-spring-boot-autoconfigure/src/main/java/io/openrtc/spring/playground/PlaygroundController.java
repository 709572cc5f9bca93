package io.openrtc.spring.playground;

import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Map;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The playground's HTTP side: the pages ({@code /openrtc/playground}, {@code /openrtc/sessions}),
 * their scripts, the agent list, and Connect/Disconnect. Exists only when the playground is enabled.
 */
@RestController
public class PlaygroundController {

    static final String BASE = "/openrtc/playground";
    private static final String STATIC = "io/openrtc/spring/playground/static/";
    private static final Map<String, MediaType> ASSETS = Map.of(
            "livekit-client.umd.js", MediaType.valueOf("text/javascript"),
            "playground.js", MediaType.valueOf("text/javascript"),
            "playground.css", MediaType.valueOf("text/css"),
            "livekit-client.LICENSE.txt", MediaType.TEXT_PLAIN);

    private final PlaygroundSessions sessions;
    private final boolean sessionPanel;

    public PlaygroundController(PlaygroundSessions sessions, boolean sessionPanel) {
        this.sessions = sessions;
        this.sessionPanel = sessionPanel;
    }

    @GetMapping(value = {BASE, BASE + "/"}, produces = MediaType.TEXT_HTML_VALUE)
    ResponseEntity<Resource> playground() {
        return page("playground.html");
    }

    @GetMapping(value = {"/openrtc/sessions", "/openrtc/sessions/"}, produces = MediaType.TEXT_HTML_VALUE)
    ResponseEntity<Resource> sessionsPage() {
        return page("sessions.html");
    }

    @GetMapping(BASE + "/static/{name:.+}")
    ResponseEntity<Resource> asset(@PathVariable String name) {
        MediaType type = ASSETS.get(name);
        if (type == null) {
            return ResponseEntity.notFound().build();
        }
        return ResponseEntity.ok().contentType(type).cacheControl(CacheControl.noCache())
                .body(new ClassPathResource(STATIC + name));
    }

    @GetMapping(BASE + "/agents")
    @ResponseBody
    Map<String, Object> agents() {
        return Map.of("agents", sessions.agents(), "sessionPanel", sessionPanel);
    }

    @PostMapping(BASE + "/connect")
    ResponseEntity<?> connect(@RequestBody(required = false) Map<String, String> body, HttpServletRequest request) {
        String agent = body == null ? null : body.get("agent");
        try {
            return ResponseEntity.ok().cacheControl(CacheControl.noStore()).body(sessions.connect(agent, request.getRemoteAddr()));
        } catch (PlaygroundSessions.UnknownAgentException e) {
            return ResponseEntity.status(HttpStatus.NOT_FOUND).body(Map.of("error", e.getMessage(),
                    "agents", sessions.agents().stream().map(PlaygroundSessions.AgentView::name).toList()));
        } catch (PlaygroundSessions.RateLimitedException e) {
            return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS).header("Retry-After", "60")
                    .body(Map.of("error", e.getMessage()));
        } catch (IllegalStateException e) {
            return ResponseEntity.status(HttpStatus.BAD_GATEWAY).body(Map.of("error", e.getMessage()));
        }
    }

    @PostMapping(BASE + "/disconnect")
    ResponseEntity<?> disconnect(@RequestBody(required = false) Map<String, String> body) {
        boolean closed = sessions.disconnect(body == null ? null : body.get("room"));
        return closed ? ResponseEntity.ok(Map.of("closed", true)) : ResponseEntity.status(HttpStatus.NOT_FOUND)
                .body(Map.of("error", "not a room of this playground"));
    }

    private static ResponseEntity<Resource> page(String name) {
        return ResponseEntity.ok().contentType(MediaType.TEXT_HTML).cacheControl(CacheControl.noCache())
                .header("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss: http: https:; "
                        + "media-src 'self' blob: mediastream:; img-src 'self' data:; style-src 'self'; script-src 'self'")
                .header("X-Content-Type-Options", "nosniff")
                .body(new ClassPathResource(STATIC + name));
    }

    List<String> assetNames() {
        return List.copyOf(ASSETS.keySet());
    }
}
