/**
 * The public API of agents: {@link io.openrtc.agent.AgentConfig}, {@link io.openrtc.agent.Agent},
 * {@link io.openrtc.agent.AgentSession}, job information and session outcomes.
 */
package io.openrtc.agent;
