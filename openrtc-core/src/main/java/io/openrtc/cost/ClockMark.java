package io.openrtc.cost;

import jdk.jfr.Category;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * The wall clock as the monitor read it, committed as a JFR event: when it comes back through the
 * stream, the difference between its JFR time and {@link #epochNanos} is how far JFR's event times
 * are off the wall clock the session bindings are stamped with (measured at hundreds of
 * milliseconds), and sample times are corrected by it.
 */
@Name("io.openrtc.cost.ClockMark")
@Label("OpenRTC cost monitor clock mark")
@Category("OpenRTC")
@StackTrace(false)
@Enabled(false) // only the monitor's own stream enables it: other recordings of the application get none
final class ClockMark extends Event {

    @Label("Wall clock (ns since the epoch)")
    long epochNanos;
}
