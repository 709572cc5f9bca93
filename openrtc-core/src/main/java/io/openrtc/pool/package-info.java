/**
 * The session pool: isolation modes (virtual threads; child JVMs), capacity with hard
 * reservations (the worker's and each tenant's), load, the supervisor, the tenants' circuit
 * breakers, drain and memory watermarks.
 *
 * <p>Layout: {@link io.openrtc.pool.SessionPool} is the public face (claims, snapshot, drain,
 * close); its books live in {@code PoolState} under one lock, a reserved slot is a
 * {@code PoolClaim}, the drain is {@code PoolDrain}, the tenants' caps and breakers are
 * {@code TenantGate}. Where a session runs is an
 * {@code Isolator}: {@code VirtualThreadIsolator} or {@code ProcessIsolator} (with
 * {@code ChildProcess} per child JVM and {@link io.openrtc.pool.SessionHost} inside it).
 */
package io.openrtc.pool;
