/**
 * What each session costs the worker: CPU and allocation, from JFR events streamed in process
 * ({@link io.openrtc.cost.CostMonitor}), attributed to sessions by the threads they run on
 * ({@link io.openrtc.cost.SessionThreads}) and, in process isolation, by the child JVM's own CPU
 * time. See {@code docs/cost.md}.
 */
package io.openrtc.cost;
