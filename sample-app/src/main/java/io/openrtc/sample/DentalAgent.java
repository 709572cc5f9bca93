package io.openrtc.sample;

import io.openrtc.agent.AgentConfig;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.util.Locale;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;
import org.springframework.beans.factory.annotation.Value;

/** Books dental appointments by voice (or chat), from {@link DentalOffice}'s slots. */
@AgentConfig(name = "dental", greeting = "Thanks for calling the dental office. How can I help?")
public class DentalAgent extends SampleVoiceAgent {

    private final DentalOffice office;

    DentalAgent(DentalOffice office, @Value("${sample.session-length:0s}") Duration sessionLength) {
        super(sessionLength);
        this.office = office;
    }

    @Override
    public String instructions() {
        return """
                You are the front desk of the Smile dental office, on the phone. Keep answers short, no lists, no \
                markdown. To book, find a free slot with find_slot for the day the caller wants, offer it, and book it \
                with book_appointment once they agree. For pain or an emergency, offer the first free slot today.""";
    }

    @Tool(name = "find_slot", description = "The first free appointment slot on a weekday")
    String findSlot(@ToolParam(description = "the day, such as monday") String day) {
        DayOfWeek weekday = parse(day);
        if (weekday == null) {
            return "'" + day + "' is not a day of the week";
        }
        return office.firstFree(weekday).map(hour -> "The first free slot on " + pretty(weekday) + " is at " + hour + ".")
                .orElse("There is no free slot on " + pretty(weekday) + "; we see patients Monday to Friday.");
    }

    @Tool(name = "book_appointment", description = "Book an appointment slot")
    String bookAppointment(@ToolParam(description = "the day, such as monday") String day,
            @ToolParam(description = "the hour, HH:MM") String hour) {
        DayOfWeek weekday = parse(day);
        if (weekday == null) {
            return "'" + day + "' is not a day of the week";
        }
        LocalTime at = LocalTime.parse(hour.strip());
        return office.book(weekday, at) ? "Booked on " + pretty(weekday) + " at " + at + "."
                : "That slot is not free; ask find_slot for another.";
    }

    private static DayOfWeek parse(String day) {
        try {
            return DayOfWeek.valueOf(day.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String pretty(DayOfWeek day) {
        String name = day.name().toLowerCase(Locale.ROOT);
        return Character.toUpperCase(name.charAt(0)) + name.substring(1);
    }
}
