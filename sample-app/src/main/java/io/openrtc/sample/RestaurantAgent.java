package io.openrtc.sample;

import io.openrtc.agent.AgentConfig;
import io.openrtc.spring.ai.OpenRtcToolContext;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import org.springframework.ai.chat.model.ToolContext;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;
import org.springframework.beans.factory.annotation.Value;

/** Takes table reservations by voice (or chat): opening hours and capacity come from {@link BookingService}. */
@AgentConfig(name = "restaurant", greeting = "Welcome to the Harbour restaurant. How many guests, and when?")
public class RestaurantAgent extends SampleVoiceAgent {

    private final BookingService bookings;

    RestaurantAgent(BookingService bookings, @Value("${sample.session-length:0s}") Duration sessionLength) {
        super(sessionLength);
        this.bookings = bookings;
    }

    @Override
    public String instructions() {
        return """
                You are the reservation desk of the Harbour restaurant, on the phone. Keep answers short: one or two \
                sentences, no lists, no markdown. To book, you need the number of guests and a time; ask for what is \
                missing, then call book_table. Times are 24-hour HH:MM; "seven tonight" is 19:00. If the caller asks \
                about teeth or a dentist, call transfer_to_dental.""";
    }

    @Tool(name = "book_table", description = "Book a table. Returns the booking, or why it could not be made.")
    String bookTable(@ToolParam(description = "number of guests") int people,
            @ToolParam(description = "time of the booking, HH:MM, 24 hours") String time) {
        LocalTime at;
        try {
            at = LocalTime.parse(time.strip());
        } catch (DateTimeParseException e) {
            return "Not booked: '" + time + "' is not a time; use HH:MM";
        }
        return switch (bookings.book(people, at)) {
            case BookingService.Result.Booked b -> "Booked a table for " + b.people() + " at " + b.time() + ".";
            case BookingService.Result.Refused r -> "Not booked: " + r.reason() + ".";
        };
    }

    @Tool(name = "transfer_to_dental", description = "Transfer the caller to the dental office")
    String transferToDental(ToolContext context) {
        OpenRtcToolContext.handoff(context, "dental");
        return "Transferring the caller to the dental office.";
    }
}
