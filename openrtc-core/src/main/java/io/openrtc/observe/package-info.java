/**
 * What operators see: events, listeners, snapshots. No Micrometer here; the Spring module
 * turns these into meters, health and the Actuator endpoint.
 */
package io.openrtc.observe;
