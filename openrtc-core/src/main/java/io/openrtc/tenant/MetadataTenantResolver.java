package io.openrtc.tenant;

import io.openrtc.agent.JobInfo;
import io.openrtc.observe.RateLimitedLog;
import io.openrtc.routing.JobMetadata;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link TenantResolver}: the key {@code tenant} of the job's metadata (a JSON object,
 * as routing reads {@code agent}), then of the room's metadata, else {@link Tenants#DEFAULT}.
 * Never throws: metadata that says nothing, or cannot be read, passes the question on. A
 * {@code tenant} that is not a valid id (not a string, blank, longer than
 * {@value TenantOptions#MAX_ID_LENGTH} characters, with control characters) is logged, at most once
 * per 10 s, and passes it on too; metadata that is not JSON at all is reported by routing already.
 */
final class MetadataTenantResolver implements TenantResolver {

    static final MetadataTenantResolver INSTANCE = new MetadataTenantResolver();

    /** The metadata key read. */
    static final String KEY = "tenant";

    private static final Logger log = LoggerFactory.getLogger(MetadataTenantResolver.class);
    private static final List<String> KEYS = List.of(KEY);

    private final RateLimitedLog warnings = new RateLimitedLog();

    /** What one metadata string says about the tenant: an id, nothing, or what is wrong. */
    record Reading(Optional<String> tenant, Optional<String> problem) {
        static final Reading NOTHING = new Reading(Optional.empty(), Optional.empty());
    }

    private MetadataTenantResolver() {
    }

    @Override
    public String resolve(JobInfo job) {
        for (String source : List.of("job", "room")) {
            Reading reading = read(source.equals("job") ? job.jobMetadata() : job.roomMetadata());
            if (reading.tenant().isPresent()) {
                return reading.tenant().get();
            }
            reading.problem().ifPresent(problem -> warn(job, source, problem));
        }
        return Tenants.DEFAULT;
    }

    /**
     * What {@code metadata} says about the tenant. Problems with the document itself (not JSON,
     * not an object) are left to routing, which reports them: they read as nothing here.
     */
    static Reading read(String metadata) {
        JobMetadata.Field field = JobMetadata.read(metadata, KEYS, "a tenant id");
        if (field.value().isPresent()) {
            String tenant = field.value().get();
            Optional<String> invalid = TenantOptions.problemWithId(tenant);
            return invalid.isPresent()
                    ? new Reading(Optional.empty(), Optional.of("an object whose 'tenant' is " + invalid.get()))
                    : new Reading(Optional.of(tenant), Optional.empty());
        }
        if (field.problem().isPresent() && !field.document()) {
            return new Reading(Optional.empty(), field.problem());
        }
        return Reading.NOTHING;
    }

    private void warn(JobInfo job, String source, String problem) {
        long heldBack = warnings.permit();
        if (heldBack >= 0) {
            log.warn("The {} metadata of job {} (room '{}') cannot name a tenant: it is {}; the tenant is decided "
                    + "without it{}", source, job.jobId(), job.roomName(), problem,
                    heldBack == 0 ? "" : " (" + heldBack + " more such jobs since the last warning)");
        } else {
            log.debug("The {} metadata of job {} cannot name a tenant: it is {}", source, job.jobId(), problem);
        }
    }

    @Override
    public String toString() {
        return "TenantResolver.fromMetadata()";
    }
}
