/**
 * The session pool: isolation modes (virtual threads; child JVMs), capacity with hard
 * reservations, load, the supervisor, drain and memory watermarks.
 */
package io.openrtc.pool;
