/**
 * The runtime's facade, {@link io.openrtc.runtime.AgentPool}: registered agents, routing, the
 * session pool and the worker, wired together and started, run, drained and closed as one, with
 * no Spring needed. Each session joins its job's room, runs the agent that routing chose and
 * reports how it ended. The Spring Boot starter builds one of these from {@code openrtc.*}.
 *
 * <p>Layout: {@link io.openrtc.runtime.AgentPoolBuilder} collects the settings,
 * {@code RuntimeJobAdmission} decides each offer (request filter, routing, a slot),
 * {@code AgentSessionBody} is what every session does.
 */
package io.openrtc.runtime;
