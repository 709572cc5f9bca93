/**
 * The LiveKit agent-worker protocol client: connect, register, keep alive, reconnect with
 * backoff, answer availability through a {@link io.openrtc.worker.JobAdmission}, launch
 * assignments, report job status and worker load, drain.
 */
package io.openrtc.worker;
