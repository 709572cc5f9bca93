package io.openrtc.sample;

import java.time.LocalTime;
import java.util.Map;
import java.util.HashMap;
import org.springframework.stereotype.Service;

/**
 * The restaurant's book: open 17:00 to 22:00 (last seating 21:30), tables every half hour, at most
 * {@value #SEATS_PER_SLOT} guests per half hour. Thread-safe (every session books through it).
 */
@Service
public class BookingService {

    static final LocalTime OPENS = LocalTime.of(17, 0);
    static final LocalTime LAST_SEATING = LocalTime.of(21, 30);
    static final int SEATS_PER_SLOT = 20;
    static final int MAX_PARTY = 12;

    private final Map<LocalTime, Integer> seated = new HashMap<>();

    /** A booking, or why it could not be made. */
    public sealed interface Result {
        /** Booked: a table for {@code people} at {@code time}. */
        record Booked(int people, LocalTime time) implements Result {
        }

        /** Not booked, and why (for the model to tell the caller). */
        record Refused(String reason) implements Result {
        }
    }

    /** Books a table, if the time is within opening hours and the half hour has room. */
    public synchronized Result book(int people, LocalTime time) {
        if (people < 1 || people > MAX_PARTY) {
            return new Result.Refused("we seat parties of 1 to " + MAX_PARTY + " guests");
        }
        if (time.isBefore(OPENS) || time.isAfter(LAST_SEATING)) {
            return new Result.Refused("we are open from 17:00, and the last seating is at 21:30");
        }
        LocalTime slot = time.withMinute(time.getMinute() < 30 ? 0 : 30).withSecond(0).withNano(0);
        int taken = seated.getOrDefault(slot, 0);
        if (taken + people > SEATS_PER_SLOT) {
            return new Result.Refused("only " + (SEATS_PER_SLOT - taken) + " seats are left at " + slot + "; try another time");
        }
        seated.put(slot, taken + people);
        return new Result.Booked(people, slot);
    }

    /** How many guests are booked for the half hour starting at {@code slot}. */
    public synchronized int guestsAt(LocalTime slot) {
        return seated.getOrDefault(slot, 0);
    }
}
