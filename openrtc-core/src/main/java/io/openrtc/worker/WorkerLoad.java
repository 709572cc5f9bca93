package io.openrtc.worker;

/** What the worker reports to LiveKit about its capacity; implemented by the session pool. */
public interface WorkerLoad {

    /** Running plus reserved sessions over capacity, in [0, 1]. */
    double utilization();

    /** Whether no further job can be accepted (at capacity, draining, or over the memory limit). */
    boolean isFull();
}
