package io.openrtc.tenant;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The tenants a worker knows ({@code openrtc.tenants.<id>.*}) and their breaker
 * ({@code openrtc.tenant-breaker.*}). Jobs of tenants not listed here are served like any other,
 * with no cap of their own, every agent, and a breaker of their own; in meters they all go by
 * {@link Tenants#OTHER}, so that a dispatcher's ids cannot grow the number of series without bound.
 * Immutable.
 */
public final class TenantOptions {

    /** The longest tenant id. */
    public static final int MAX_ID_LENGTH = 128;

    private static final TenantOptions DEFAULTS = builder().build();

    private final Map<String, TenantSettings> tenants;
    private final TenantBreakerOptions breaker;

    private TenantOptions(Builder builder) {
        this.tenants = Collections.unmodifiableMap(new LinkedHashMap<>(builder.tenants));
        this.breaker = builder.breaker;
    }

    /** No tenant listed; breakers with OpenRTC's defaults. */
    public static TenantOptions defaults() {
        return DEFAULTS;
    }

    /** A builder with no tenant listed and breakers with OpenRTC's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The listed tenants, in the order they were added. */
    public Map<String, TenantSettings> tenants() {
        return tenants;
    }

    /** The settings of {@code tenant}, unrestricted when it is not listed. */
    public TenantSettings settings(String tenant) {
        return tenants.getOrDefault(tenant, TenantSettings.UNRESTRICTED);
    }

    /** Whether {@code tenant} is listed. */
    public boolean isListed(String tenant) {
        return tenants.containsKey(tenant);
    }

    /** The tenants' circuit breaker. */
    public TenantBreakerOptions breaker() {
        return breaker;
    }

    /**
     * The value of the {@code tenant} tag of meters for {@code tenant}: its id when it is listed or
     * is {@link Tenants#DEFAULT}, else {@link Tenants#OTHER}.
     */
    public String meterTag(String tenant) {
        return Tenants.DEFAULT.equals(tenant) || tenants.containsKey(tenant) ? tenant : Tenants.OTHER;
    }

    /** Every value {@link #meterTag} can answer: the listed tenants, {@code default} and {@code other}. */
    public List<String> meterTags() {
        List<String> tags = new ArrayList<>();
        tags.add(Tenants.DEFAULT);
        tenants.keySet().stream().filter(id -> !id.equals(Tenants.DEFAULT)).forEach(tags::add);
        tags.add(Tenants.OTHER);
        return List.copyOf(tags);
    }

    /**
     * What is wrong with {@code id} as a tenant id, in words that follow "it is": blank, longer
     * than {@value #MAX_ID_LENGTH} characters, with surrounding spaces or control characters.
     */
    public static Optional<String> problemWithId(String id) {
        if (id == null || id.isBlank()) {
            return Optional.of("blank");
        }
        if (id.length() > MAX_ID_LENGTH) {
            return Optional.of("a string of " + id.length() + " characters, longer than " + MAX_ID_LENGTH);
        }
        if (!id.strip().equals(id)) {
            return Optional.of("'" + id + "', with spaces around it");
        }
        if (id.chars().anyMatch(Character::isISOControl)) {
            return Optional.of("a string with control characters");
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "TenantOptions[tenants=" + tenants + ", breaker=" + breaker + "]";
    }

    /** Builds {@link TenantOptions}; every value is checked with a message naming its property. */
    public static final class Builder {
        private final Map<String, TenantSettings> tenants = new LinkedHashMap<>();
        private TenantBreakerOptions breaker = TenantBreakerOptions.DEFAULTS;

        private Builder() {
        }

        /**
         * Lists {@code id} with {@code settings}.
         *
         * @throws IllegalArgumentException for an id that is not valid, {@link Tenants#OTHER}, listed
         *                                  twice, or a cap below 1
         */
        public Builder tenant(String id, TenantSettings settings) {
            Objects.requireNonNull(settings, "settings");
            String property = "openrtc.tenants." + id;
            problemWithId(id).ifPresent(problem -> {
                throw new IllegalArgumentException(property + ": a tenant id must not be " + problem);
            });
            if (Tenants.OTHER.equals(id)) {
                throw new IllegalArgumentException(property + ": '" + Tenants.OTHER + "' is not a tenant one may list: it is "
                        + "the meter tag of every tenant not listed");
            }
            if (tenants.containsKey(id)) {
                throw new IllegalArgumentException(property + " is listed twice");
            }
            settings.maxConcurrentSessions().ifPresent(max -> {
                if (max < 1) {
                    throw new IllegalArgumentException(property + ".max-concurrent-sessions must be >= 1, was " + max);
                }
            });
            for (String agent : settings.allowedAgents()) {
                if (agent == null || agent.isBlank()) {
                    throw new IllegalArgumentException(property + ".allowed-agents must not hold a blank name");
                }
            }
            tenants.put(id, settings);
            return this;
        }

        /** The tenants' breaker (default {@link TenantBreakerOptions#DEFAULTS}). */
        public Builder breaker(TenantBreakerOptions breaker) {
            this.breaker = Objects.requireNonNull(breaker, "breaker");
            return this;
        }

        public TenantOptions build() {
            return new TenantOptions(this);
        }
    }
}
