package io.openrtc.sample;

import java.time.DayOfWeek;
import java.time.LocalTime;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Service;

/** The dental office's appointment book: weekday slots at 9, 10, 11, 14 and 15 o'clock. */
@Service
public class DentalOffice {

    static final List<LocalTime> HOURS = List.of(LocalTime.of(9, 0), LocalTime.of(10, 0), LocalTime.of(11, 0),
            LocalTime.of(14, 0), LocalTime.of(15, 0));
    private final Set<String> taken = ConcurrentHashMap.newKeySet();

    /** The first free slot on {@code day}, if it is a weekday with one left. */
    public Optional<LocalTime> firstFree(DayOfWeek day) {
        if (day == DayOfWeek.SATURDAY || day == DayOfWeek.SUNDAY) {
            return Optional.empty();
        }
        return HOURS.stream().filter(hour -> !taken.contains(key(day, hour))).findFirst();
    }

    /** Books the slot; false when it was taken or is not one. */
    public boolean book(DayOfWeek day, LocalTime hour) {
        return HOURS.contains(hour) && day != DayOfWeek.SATURDAY && day != DayOfWeek.SUNDAY && taken.add(key(day, hour));
    }

    private static String key(DayOfWeek day, LocalTime hour) {
        return day.name().toLowerCase(Locale.ROOT) + "@" + hour;
    }
}
