package io.openrtc.routing;

import io.openrtc.agent.AgentRegistry;
import io.openrtc.agent.JobInfo;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Routes by a JSON object in job or room metadata: the key {@code agent}, else {@code demo}
 * (the keys OpenRTC-Python reads). Metadata that is blank says nothing. Metadata that is not
 * JSON, not a JSON object, or whose key holds something other than a non-blank string is
 * invalid: it says nothing either (the chain goes on), but it is reported (the router logs it,
 * rate-limited, and counts it), since it most likely meant to name an agent. A string naming an
 * agent that is not registered is an {@link RouteDecision.UnknownAgent}: the job is declined,
 * never served by a fallback.
 */
public final class MetadataRouting implements RoutingStrategy {

    /** The keys read, in order of precedence. */
    public static final List<String> KEYS = List.of("agent", "demo");

    private static final BiConsumer<JobInfo, String> IGNORE = (job, problem) -> { };

    /** What a metadata string says: the agent it asks for, or what is wrong with it. */
    record Reading(Optional<String> agent, Optional<String> problem) {
        static final Reading NOTHING = new Reading(Optional.empty(), Optional.empty());

        static Reading invalid(String problem) {
            return new Reading(Optional.empty(), Optional.of(problem));
        }
    }

    private final Function<JobInfo, String> metadata;
    private final RouteSignal signal;
    private final BiConsumer<JobInfo, String> onInvalid;

    private MetadataRouting(Function<JobInfo, String> metadata, RouteSignal signal, BiConsumer<JobInfo, String> onInvalid) {
        this.metadata = metadata;
        this.signal = signal;
        this.onInvalid = Objects.requireNonNull(onInvalid, "onInvalid");
    }

    /** Reads the job's dispatch metadata. */
    public static MetadataRouting jobMetadata() {
        return jobMetadata(IGNORE);
    }

    /** Reads the room's metadata. */
    public static MetadataRouting roomMetadata() {
        return roomMetadata(IGNORE);
    }

    /** Reads the job's dispatch metadata; invalid metadata goes to {@code onInvalid} with what is wrong. */
    static MetadataRouting jobMetadata(BiConsumer<JobInfo, String> onInvalid) {
        return new MetadataRouting(JobInfo::jobMetadata, RouteSignal.JOB_METADATA, onInvalid);
    }

    /** Reads the room's metadata; invalid metadata goes to {@code onInvalid} with what is wrong. */
    static MetadataRouting roomMetadata(BiConsumer<JobInfo, String> onInvalid) {
        return new MetadataRouting(JobInfo::roomMetadata, RouteSignal.ROOM_METADATA, onInvalid);
    }

    @Override
    public RouteDecision route(JobInfo job, AgentRegistry agents) {
        Reading reading = read(metadata.apply(job));
        reading.problem().ifPresent(problem -> onInvalid.accept(job, problem));
        return reading.agent()
                .<RouteDecision>map(name -> agents.contains(name)
                        ? new RouteDecision.Matched(name, signal)
                        : new RouteDecision.UnknownAgent(name, signal))
                .orElse(RouteDecision.NO_MATCH);
    }

    /** The agent a metadata string asks for, if it asks for one. */
    static Optional<String> requestedAgent(String metadata) {
        return read(metadata).agent();
    }

    /** What {@code metadata} says. */
    static Reading read(String metadata) {
        JobMetadata.Field field = JobMetadata.read(metadata, KEYS, "an agent's name");
        return new Reading(field.value(), field.problem());
    }

    @Override
    public String toString() {
        return "MetadataRouting[" + signal + "]";
    }
}
