/**
 * Tenants: the customer each job belongs to ({@link io.openrtc.tenant.TenantResolver}), and what
 * each tenant may do (caps, allowed agents, a circuit breaker: {@link io.openrtc.tenant.TenantOptions}).
 */
package io.openrtc.tenant;
