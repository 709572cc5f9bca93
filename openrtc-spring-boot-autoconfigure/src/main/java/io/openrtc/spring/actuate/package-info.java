/**
 * Operations for OpenRTC in a Spring Boot application: the {@code openrtc} health contributor,
 * the {@code openrtc} Actuator endpoint (snapshot and drain), Micrometer meters, the Kubernetes
 * availability states and the graceful-shutdown checks. Each part switches itself on only when
 * its library is present (Actuator, the health module, Micrometer), and all of them read one
 * {@link io.openrtc.observe.OpenRtcSnapshot}.
 */
package io.openrtc.spring.actuate;
