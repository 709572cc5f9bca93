package io.openrtc.sample;

import io.openrtc.agent.AgentConfig;
import java.time.Duration;
import java.util.Locale;
import org.springframework.beans.factory.annotation.Value;

/** Books dental appointments over the chat. */
@AgentConfig(name = "dental", greeting = "Thanks for calling the dental office. How can I help?")
public class DentalAgent extends ChatAgent {

    DentalAgent(@Value("${sample.session-length:0s}") Duration sessionLength) {
        super(sessionLength);
    }

    @Override
    String answer(String message) {
        String lower = message.toLowerCase(Locale.ROOT);
        if (lower.contains("pain") || lower.contains("hurt") || lower.contains("emergency")) {
            return "I'm sorry to hear that. We keep same-day slots for urgent care: please come in today at 4pm.";
        }
        if (lower.contains("appointment") || lower.contains("check") || lower.contains("clean")) {
            return "I have noted your request for an appointment. We will confirm a time by message shortly.";
        }
        return "I can book check-ups, cleanings and urgent visits. What would you like?";
    }
}
