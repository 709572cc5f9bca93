/**
 * Blue-green deploys: {@code openrtc.deployment.version} tags the worker (its LiveKit
 * registration, every meter, the {@code /actuator/openrtc} snapshot), and the audit events
 * ({@link io.openrtc.spring.deploy.AuditEvent}) tell when a version started, began to drain, and
 * how its drain ended. See {@code docs/operations.md}.
 */
package io.openrtc.spring.deploy;
