package io.openrtc.pool;

import io.openrtc.agent.JobInfo;
import io.openrtc.agent.SessionOutcome;
import io.openrtc.observe.EventPublisher;
import io.openrtc.observe.OpenRtcEvent;
import io.openrtc.worker.JobAssignment;
import io.openrtc.worker.JobClaim;
import io.openrtc.worker.ParticipantSpec;
import io.openrtc.worker.SessionHandle;
import java.time.Instant;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A slot {@link SessionPool#tryClaim} reserved, bound to a job and an agent, until launched
 * (the session then holds the slot until it ends) or released. Exactly one of the two counts.
 */
final class PoolClaim implements JobClaim {

    private static final Logger log = LoggerFactory.getLogger(PoolClaim.class);

    private final PoolState state;
    private final Isolator isolator;
    private final EventPublisher events;
    private final PooledSession.Listener listener;
    private final JobInfo job;
    private final String agentName;
    private final String tenant;
    private final ParticipantSpec participant;
    private final Instant offeredAt;
    private final Supervisor supervisor;
    private final TenantGate tenants;
    private final boolean trial;
    private boolean done; // launched or released; guarded by the state's lock

    /**
     * @param supervisor told when a trial claim is released unused
     * @param tenants    told when a claim is released unused (it held a breaker permission)
     * @param trial      whether this claim is its agent's trial after the agent went out of service
     */
    PoolClaim(PoolState state, Isolator isolator, EventPublisher events, PooledSession.Listener listener, JobInfo job,
            String agentName, String tenant, ParticipantSpec participant, Instant offeredAt, Supervisor supervisor,
            TenantGate tenants, boolean trial) {
        this.state = state;
        this.isolator = isolator;
        this.events = events;
        this.listener = listener;
        this.job = job;
        this.agentName = agentName;
        this.tenant = tenant;
        this.participant = participant;
        this.offeredAt = offeredAt;
        this.supervisor = supervisor;
        this.tenants = tenants;
        this.trial = trial;
    }

    @Override
    public String agentName() {
        return agentName;
    }

    @Override
    public String tenant() {
        return tenant;
    }

    @Override
    public ParticipantSpec participant() {
        return participant;
    }

    @Override
    public SessionHandle launch(JobAssignment assignment) {
        Objects.requireNonNull(assignment, "assignment");
        if (!assignment.job().jobId().equals(job.jobId())) {
            log.warn("Claim for job {} launched with the assignment of job {}", job.jobId(), assignment.job().jobId());
        }
        SessionRequest request = new SessionRequest(assignment, agentName, offeredAt, tenant);
        PooledSession session;
        boolean tooLate;
        state.lock.lock();
        try {
            if (done) {
                throw new IllegalStateException("The claim for job " + job.jobId() + " was already launched or released");
            }
            done = true;
            state.unreserve(tenant);
            session = new PooledSession(state.nextSessionId(), request, Instant.now(), listener, trial);
            tooLate = state.drainDeadlinePassed();
            if (!tooLate) {
                state.started(session);
            }
        } finally {
            state.lock.unlock();
        }
        events.publish(new OpenRtcEvent.SessionStarted(Instant.now(), session.info()));
        if (tooLate) {
            session.settle(new SessionOutcome.Cancelled("the assignment arrived after the drain timeout",
                    session.startedAt(), Instant.now()));
            return session;
        }
        try {
            isolator.launch(session);
        } catch (Throwable t) { // launch never throws: the session fails instead
            session.settle(new SessionOutcome.Failed(t, session.startedAt(), Instant.now()));
        }
        return session;
    }

    @Override
    public void release() {
        boolean released = false;
        state.lock.lock();
        try {
            if (!done) {
                done = true;
                released = true;
                state.unreserve(tenant);
            }
        } finally {
            state.lock.unlock();
        }
        if (released) {
            tenants.release(tenant);
        }
        if (released && trial) {
            supervisor.trialReleased(agentName);
        }
    }
}
