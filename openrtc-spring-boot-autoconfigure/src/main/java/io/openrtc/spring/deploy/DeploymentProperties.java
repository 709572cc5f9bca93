package io.openrtc.spring.deploy;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The deployment this worker belongs to, bound from openrtc.deployment.*.
 *
 * @param version The version of this deployment (blue, green, a release or commit id): sent to
 *                LiveKit as the worker's version at registration, added as the
 *                deployment.version tag to every meter, and named in the /actuator/openrtc
 *                snapshot and every audit event. Empty: the meters get no such tag and LiveKit
 *                is told openrtc-jvm/(the version of the jar)
 */
@ConfigurationProperties("openrtc.deployment")
public record DeploymentProperties(@DefaultValue("") String version) {

    /** The longest version accepted: a meter tag and a log field, not a document. */
    public static final int MAX_VERSION_LENGTH = 128;

    public DeploymentProperties {
        version = version == null ? "" : version.strip();
        if (version.length() > MAX_VERSION_LENGTH || version.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("openrtc.deployment.version must be at most " + MAX_VERSION_LENGTH
                    + " characters without control characters, was '" + version.replaceAll("\\p{Cntrl}", "?") + "'");
        }
    }

    /** Whether a version is set. */
    public boolean hasVersion() {
        return !version.isEmpty();
    }
}
