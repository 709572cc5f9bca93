/**
 * The LiveKit agent-worker protocol client: connect, register, keep alive, reconnect with
 * backoff, answer availability through a {@link io.openrtc.worker.JobAdmission}, launch
 * assignments, report job status and worker load, drain.
 *
 * <p>Entry point: {@link io.openrtc.worker.Worker}, configured by
 * {@link io.openrtc.worker.WorkerOptions}. The session pool implements
 * {@link io.openrtc.worker.JobAdmission} (hard admission: an accepted job holds a
 * {@link io.openrtc.worker.JobClaim} on a slot) and {@link io.openrtc.worker.WorkerLoad}; the
 * worker launches claims into {@link io.openrtc.worker.SessionHandle}s and reports how they end.
 * Its state for operators is {@link io.openrtc.observe.WorkerSnapshot}; what happens is
 * published as {@link io.openrtc.observe.OpenRtcEvent}s.
 */
package io.openrtc.worker;
