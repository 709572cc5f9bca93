/**
 * Per-session cost in a Spring Boot worker: the {@link io.openrtc.cost.CostMonitor} bean
 * ({@code openrtc.cost.enabled=true}), its meters, and its part of {@code /actuator/openrtc}. See
 * {@code docs/cost.md}.
 */
package io.openrtc.spring.cost;
