package io.openrtc.cost;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The JVM's CPU time, read at each flush, with the execution samples taken between two readings:
 * samples are matched to the CPU of the interval they were <em>taken</em> in, by their
 * timestamps, not to the interval they were delivered in. JFR hands samples over a second or so
 * after taking them, so sharing a flush's CPU by that flush's samples would charge a burst of work
 * to whatever ran a second later. An interval is shared out ({@link #settle}) once it ended long
 * enough ago for its samples to have arrived. Used by the consumer thread only.
 */
final class CpuTimeline {

    /** The CPU between two readings and the samples taken in between. */
    static final class Interval {
        final long start;
        final long cpuStart;
        long end = Long.MAX_VALUE;
        long cpuEnd;
        final Map<SessionKey, long[]> samples = new HashMap<>();
        long unattributed;

        Interval(long start, long cpuStart) {
            this.start = start;
            this.cpuStart = cpuStart;
        }

        long cpu() {
            return Math.max(0, cpuEnd - cpuStart);
        }

        long total() {
            long total = unattributed;
            for (long[] count : samples.values()) {
                total += count[0];
            }
            return total;
        }
    }

    private final ArrayDeque<Interval> intervals = new ArrayDeque<>();

    CpuTimeline(long epochNanos, long cpuNanos) {
        intervals.addLast(new Interval(epochNanos, cpuNanos));
    }

    /** A sample of {@code key}'s thread (null: no session's) taken at {@code epochNanos}. */
    void sample(@Nullable SessionKey key, long epochNanos) {
        Interval in = intervals.peekFirst();
        var it = intervals.descendingIterator();
        while (it.hasNext()) {
            Interval candidate = it.next();
            if (candidate.start <= epochNanos) {
                in = candidate;
                break;
            }
        }
        // A sample older than every open interval (it arrived after its interval was settled)
        // goes to the oldest one still open: late, but not lost.
        if (key == null) {
            in.unattributed++;
        } else {
            in.samples.computeIfAbsent(key, k -> new long[1])[0]++;
        }
    }

    /** The JVM had used {@code cpuNanos} of CPU by {@code epochNanos}. */
    void reading(long epochNanos, long cpuNanos) {
        Interval last = intervals.peekLast();
        last.end = epochNanos;
        last.cpuEnd = cpuNanos;
        intervals.addLast(new Interval(epochNanos, cpuNanos));
    }

    /** Removes and returns the intervals that ended before {@code epochNanos}, oldest first. */
    List<Interval> settle(long epochNanos) {
        List<Interval> settled = new ArrayList<>();
        while (intervals.size() > 1 && intervals.peekFirst().end < epochNanos) {
            settled.add(intervals.removeFirst());
        }
        return settled;
    }
}
