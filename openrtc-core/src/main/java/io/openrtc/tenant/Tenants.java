package io.openrtc.tenant;

/**
 * The tenant ids the runtime itself uses. A tenant is the customer a job belongs to: read from the
 * job's metadata ({@code {"tenant": "acme"}}), then the room's, else {@link #DEFAULT}; an
 * application's {@link TenantResolver} can decide instead.
 */
public final class Tenants {

    /** The tenant of a job that names none. */
    public static final String DEFAULT = "default";

    /**
     * The meter tag of every tenant not listed in the configuration (bounded cardinality). Not a
     * tenant id one may configure.
     */
    public static final String OTHER = "other";

    private Tenants() {
    }

    /** {@code tenant}, or {@link #DEFAULT} when it is null or blank. */
    public static String orDefault(String tenant) {
        return tenant == null || tenant.isBlank() ? DEFAULT : tenant;
    }
}
