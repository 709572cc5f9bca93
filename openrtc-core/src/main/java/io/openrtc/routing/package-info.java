/**
 * Which agent serves a job: job metadata, room metadata, room-name prefix, fallback; request
 * filters.
 */
package io.openrtc.routing;
