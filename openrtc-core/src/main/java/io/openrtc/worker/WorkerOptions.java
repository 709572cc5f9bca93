package io.openrtc.worker;

import io.openrtc.agent.JobType;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Everything one {@link Worker} registration needs. Build it with {@link #builder}; every value
 * is checked when the record is created, and a bad one fails with a message naming it.
 *
 * @param url               the LiveKit server ({@code ws://}, {@code wss://}, {@code http://} or
 *                          {@code https://}); the worker connects to its {@code /agent} path
 * @param apiKey            the API key (property {@code openrtc.livekit.api-key})
 * @param apiSecret         the API secret (property {@code openrtc.livekit.api-secret}); never
 *                          logged, left out of {@link #toString()}
 * @param agentName         the name LiveKit dispatches by; empty for automatic dispatch (a job
 *                          for every new room), set for explicit dispatch only
 * @param jobType           what a job is for; one registration serves one type
 * @param permissions       what the agent participants may do in their rooms
 * @param version           reported to LiveKit at registration (it only logs it)
 * @param targetLoad        the server's {@code agents.target_load} (LiveKit's default 0.7). At
 *                          capacity the worker reports exactly this load, never earlier: a
 *                          worker at or above it gets no jobs, so it must match the server's
 * @param statusInterval    how often the worker reports its status and load besides the report
 *                          after every accept and finish
 * @param assignmentTimeout how long an accepted job's slot stays reserved waiting for LiveKit's
 *                          assignment (LiveKit's own SDKs wait 7.5 s)
 * @param reconnectBackoff  delays between connection attempts
 * @param pingInterval      how often the worker pings LiveKit on the protocol level, to notice
 *                          a half-open connection that the transport does not report
 * @param pingTimeout       how long after a ping without any message from LiveKit the
 *                          connection is considered dead and reopened
 * @param connectTimeout    bound on opening the websocket (TCP, TLS and the HTTP upgrade)
 * @param registerTimeout   bound on waiting for the registration answer once the socket is open
 * @param cancelGrace       during a drain, how long cancelled sessions get to report how they
 *                          ended before the connection closes
 * @param terminationGrace  after LiveKit terminates a job, how long its session may take to end
 *                          on its own before it is cancelled. A termination usually follows the
 *                          room ending (deleted, the agent removed), which the session sees
 *                          itself at about the same moment and ends normally; LiveKit removes the
 *                          agent from the room 3 s after a deleted dispatch
 */
public record WorkerOptions(
        URI url,
        String apiKey,
        String apiSecret,
        String agentName,
        JobType jobType,
        ParticipantPermissions permissions,
        String version,
        double targetLoad,
        Duration statusInterval,
        Duration assignmentTimeout,
        ReconnectBackoff reconnectBackoff,
        Duration pingInterval,
        Duration pingTimeout,
        Duration connectTimeout,
        Duration registerTimeout,
        Duration cancelGrace,
        Duration terminationGrace) {

    /** The property that names the server URL; startup errors point at it. */
    public static final String URL_SETTING = "openrtc.livekit.url (environment LIVEKIT_URL)";
    /** The property that names the API key. */
    public static final String API_KEY_SETTING = "openrtc.livekit.api-key (environment LIVEKIT_API_KEY)";
    /** The property that names the API secret. */
    public static final String API_SECRET_SETTING = "openrtc.livekit.api-secret (environment LIVEKIT_API_SECRET)";

    public WorkerOptions {
        url = checkUrl(url);
        if (apiKey == null || apiKey.isBlank()) {
            throw new IllegalArgumentException("apiKey is empty: set " + API_KEY_SETTING);
        }
        if (apiSecret == null || apiSecret.isBlank()) {
            throw new IllegalArgumentException("apiSecret is empty: set " + API_SECRET_SETTING);
        }
        agentName = Objects.requireNonNullElse(agentName, "");
        if (!agentName.equals(agentName.strip()) || agentName.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("agentName '" + agentName
                    + "' must not have surrounding whitespace or control characters (empty means automatic dispatch)");
        }
        Objects.requireNonNull(jobType, "jobType");
        permissions = Objects.requireNonNullElse(permissions, ParticipantPermissions.DEFAULT);
        version = Objects.requireNonNullElse(version, "");
        if (!(targetLoad > 0 && targetLoad <= 1)) {
            throw new IllegalArgumentException("targetLoad must be within (0, 1] (LiveKit's agents.target_load, default 0.7), was "
                    + targetLoad);
        }
        requirePositive("statusInterval", statusInterval);
        requirePositive("assignmentTimeout", assignmentTimeout);
        Objects.requireNonNull(reconnectBackoff, "reconnectBackoff");
        requirePositive("pingInterval", pingInterval);
        requirePositive("pingTimeout", pingTimeout);
        requirePositive("connectTimeout", connectTimeout);
        requirePositive("registerTimeout", registerTimeout);
        requirePositive("cancelGrace", cancelGrace);
        if (terminationGrace == null || terminationGrace.isNegative()) {
            throw new IllegalArgumentException("terminationGrace must not be negative, was " + terminationGrace);
        }
    }

    /** Options with every default, for the server at {@code url} with this key pair. */
    public static Builder builder(URI url, String apiKey, String apiSecret) {
        return new Builder(url, apiKey, apiSecret);
    }

    /** The same options with other values; see {@link Builder}. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    @Override
    public String toString() {
        return "WorkerOptions[url=" + url + ", apiKey=" + apiKey + ", apiSecret=<redacted>, agentName='" + agentName
                + "', jobType=" + jobType + ", permissions=" + permissions + ", version=" + version
                + ", targetLoad=" + targetLoad + ", statusInterval=" + statusInterval + ", assignmentTimeout="
                + assignmentTimeout + ", reconnectBackoff=" + reconnectBackoff + ", pingInterval=" + pingInterval
                + ", pingTimeout=" + pingTimeout + ", connectTimeout=" + connectTimeout + ", registerTimeout="
                + registerTimeout + ", cancelGrace=" + cancelGrace + ", terminationGrace=" + terminationGrace + "]";
    }

    private static URI checkUrl(URI url) {
        if (url == null) {
            throw new IllegalArgumentException("url is missing: set " + URL_SETTING + " to the LiveKit server, for example "
                    + "wss://my-project.livekit.cloud or ws://localhost:7880");
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("ws") && !scheme.equals("wss") && !scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("url '" + url + "' must start with ws://, wss://, http:// or https://: check "
                    + URL_SETTING);
        }
        if (url.getHost() == null || url.getHost().isEmpty()) {
            throw new IllegalArgumentException("url '" + url + "' has no host: check " + URL_SETTING);
        }
        if (url.getRawUserInfo() != null || url.getRawFragment() != null) {
            throw new IllegalArgumentException("url '" + url + "' must not carry user info or a fragment: check "
                    + URL_SETTING);
        }
        return url;
    }

    private static void requirePositive(String field, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(field + " must be a positive duration, was " + value);
        }
    }

    /** Builds {@link WorkerOptions}; starts from the defaults. */
    public static final class Builder {
        private final URI url;
        private final String apiKey;
        private final String apiSecret;
        private String agentName = "";
        private JobType jobType = JobType.ROOM;
        private ParticipantPermissions permissions = ParticipantPermissions.DEFAULT;
        private String version = defaultVersion();
        private double targetLoad = 0.7;
        private Duration statusInterval = Duration.ofMillis(2500);
        private Duration assignmentTimeout = Duration.ofMillis(7500);
        private ReconnectBackoff reconnectBackoff = ReconnectBackoff.DEFAULT;
        private Duration pingInterval = Duration.ofSeconds(10);
        private Duration pingTimeout = Duration.ofSeconds(10);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration registerTimeout = Duration.ofSeconds(10);
        private Duration cancelGrace = Duration.ofSeconds(5);
        private Duration terminationGrace = Duration.ofSeconds(3);

        private Builder(URI url, String apiKey, String apiSecret) {
            this.url = url;
            this.apiKey = apiKey;
            this.apiSecret = apiSecret;
        }

        private Builder(WorkerOptions o) {
            this(o.url, o.apiKey, o.apiSecret);
            agentName = o.agentName;
            jobType = o.jobType;
            permissions = o.permissions;
            version = o.version;
            targetLoad = o.targetLoad;
            statusInterval = o.statusInterval;
            assignmentTimeout = o.assignmentTimeout;
            reconnectBackoff = o.reconnectBackoff;
            pingInterval = o.pingInterval;
            pingTimeout = o.pingTimeout;
            connectTimeout = o.connectTimeout;
            registerTimeout = o.registerTimeout;
            cancelGrace = o.cancelGrace;
            terminationGrace = o.terminationGrace;
        }

        /** Explicit dispatch name; empty (the default) for automatic dispatch. */
        public Builder agentName(String value) {
            agentName = value;
            return this;
        }

        /** Default {@link JobType#ROOM}. */
        public Builder jobType(JobType value) {
            jobType = value;
            return this;
        }

        /** Default {@link ParticipantPermissions#DEFAULT}. */
        public Builder permissions(ParticipantPermissions value) {
            permissions = value;
            return this;
        }

        /** Default: {@code openrtc-jvm/<version of this jar>}. */
        public Builder version(String value) {
            version = value;
            return this;
        }

        /** Default 0.7, LiveKit's default {@code agents.target_load}. */
        public Builder targetLoad(double value) {
            targetLoad = value;
            return this;
        }

        /** Default 2.5 s. */
        public Builder statusInterval(Duration value) {
            statusInterval = value;
            return this;
        }

        /** Default 7.5 s. */
        public Builder assignmentTimeout(Duration value) {
            assignmentTimeout = value;
            return this;
        }

        /** Default {@link ReconnectBackoff#DEFAULT}. */
        public Builder reconnectBackoff(ReconnectBackoff value) {
            reconnectBackoff = value;
            return this;
        }

        /** Default 10 s. */
        public Builder pingInterval(Duration value) {
            pingInterval = value;
            return this;
        }

        /** Default 10 s. */
        public Builder pingTimeout(Duration value) {
            pingTimeout = value;
            return this;
        }

        /** Default 10 s. */
        public Builder connectTimeout(Duration value) {
            connectTimeout = value;
            return this;
        }

        /** Default 10 s (the server's own registration deadline). */
        public Builder registerTimeout(Duration value) {
            registerTimeout = value;
            return this;
        }

        /** Default 5 s. */
        public Builder cancelGrace(Duration value) {
            cancelGrace = value;
            return this;
        }

        /** Default 3 s; zero cancels at once. */
        public Builder terminationGrace(Duration value) {
            terminationGrace = value;
            return this;
        }

        /** Checks every value; throws {@link IllegalArgumentException} naming the first bad one. */
        public WorkerOptions build() {
            return new WorkerOptions(url, apiKey, apiSecret, agentName, jobType, permissions, version, targetLoad,
                    statusInterval, assignmentTimeout, reconnectBackoff, pingInterval, pingTimeout, connectTimeout,
                    registerTimeout, cancelGrace, terminationGrace);
        }

        private static String defaultVersion() {
            String implementation = WorkerOptions.class.getPackage().getImplementationVersion();
            return "openrtc-jvm/" + (implementation == null ? "dev" : implementation);
        }
    }
}
