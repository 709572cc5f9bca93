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
 *
 * <h2>Layout</h2>
 * {@code Worker} is the public facade and owns the lifecycle (start once, drain, stop). Behind
 * it, package-private, each concern has its own class, all sharing the one event-loop thread
 * ({@code WorkerLoop}) so that none of their state needs a lock:
 * <ul>
 *   <li>{@code WorkerConnection}: the registration with {@code /agent}: connect, register,
 *       ping and dead-connection detection, reconnect with {@link io.openrtc.worker.ReconnectBackoff},
 *       the {@code MigrateJobRequest} after re-registering, the close. It uses
 *       {@code AgentEndpoint} (address, token, what a failed attempt means) and
 *       {@code WorkerSocket} (one websocket, its send queue and frame parsing).</li>
 *   <li>{@code JobTracker}: the job state machine over {@code TrackedJob}s (offers and
 *       availability answers, assignments, terminations, session ends, job statuses) and the
 *       load reported to LiveKit.</li>
 *   <li>{@code WorkerDrain}: the drain (decline, wait, cancel, grace, close) and the
 *       immediate stop.</li>
 * </ul>
 * All of them log under {@code io.openrtc.worker.Worker}, the category operators configure.
 */
package io.openrtc.worker;
