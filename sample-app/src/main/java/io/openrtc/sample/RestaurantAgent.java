package io.openrtc.sample;

import io.openrtc.agent.AgentConfig;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.beans.factory.annotation.Value;

/** Takes restaurant reservations over the chat: confirms a request that names guests and a time. */
@AgentConfig(name = "restaurant", greeting = "Welcome to reservations. How many guests, and when?")
public class RestaurantAgent extends ChatAgent {

    private static final Pattern GUESTS = Pattern.compile("(\\d{1,2})\\s*(?:guests?|people|persons?)|for\\s+(\\d{1,2})",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern TIME = Pattern.compile("\\b(\\d{1,2}(?::\\d{2})?\\s*(?:am|pm)|\\d{1,2}:\\d{2})\\b",
            Pattern.CASE_INSENSITIVE);

    RestaurantAgent(@Value("${sample.session-length:0s}") Duration sessionLength) {
        super(sessionLength);
    }

    @Override
    String answer(String message) {
        Matcher guests = GUESTS.matcher(message);
        Matcher time = TIME.matcher(message);
        if (guests.find() && time.find()) {
            String count = guests.group(1) != null ? guests.group(1) : guests.group(2);
            return "Booked: a table for " + count + " at " + time.group(1).replaceAll("\\s+", "") + ". See you then!";
        }
        return "Happy to book a table. How many guests, and at what time?";
    }
}
