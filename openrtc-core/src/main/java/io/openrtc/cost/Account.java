package io.openrtc.cost;

import java.util.ArrayDeque;

/**
 * The running totals of one session, agent, tenant or the unattributed rest, with the marks the
 * rates are taken from. Written by the monitor's consumer thread, read by snapshots.
 */
final class Account {

    private record Mark(long wallNanos, double cpuNanos, long bytes) {
    }

    final String name;
    final String agent;
    final String tenant;
    private double cpuNanos;
    private long bytes;
    private long samples;
    private long lastActiveNanos;
    private final ArrayDeque<Mark> marks = new ArrayDeque<>();

    Account(String name, String agent, String tenant) {
        this.name = name;
        this.agent = agent;
        this.tenant = tenant;
        this.lastActiveNanos = System.nanoTime();
    }

    synchronized void addCpu(double nanos, long sampleCount, long wallNanos) {
        cpuNanos += nanos;
        samples += sampleCount;
        if (nanos > 0) {
            lastActiveNanos = wallNanos;
        }
    }

    synchronized void addBytes(long weight) {
        bytes += weight;
        lastActiveNanos = System.nanoTime();
    }

    /** Remembers the totals at {@code wallNanos}, keeping the marks of the last {@code windowNanos}. */
    synchronized void mark(long wallNanos, long windowNanos) {
        marks.addLast(new Mark(wallNanos, cpuNanos, bytes));
        while (marks.size() > 2 && marks.peekFirst().wallNanos() < wallNanos - windowNanos) {
            marks.removeFirst();
        }
    }

    synchronized long lastActiveNanos() {
        return lastActiveNanos;
    }

    synchronized CostSnapshot.Cost cost() {
        double cores = 0;
        double rate = 0;
        if (marks.size() >= 2) {
            Mark first = marks.peekFirst();
            Mark last = marks.peekLast();
            double span = last.wallNanos() - first.wallNanos();
            if (span > 0) {
                cores = (last.cpuNanos() - first.cpuNanos()) / span;
                rate = (last.bytes() - first.bytes()) / (span / 1e9);
            }
        }
        return new CostSnapshot.Cost(name, agent, tenant, cpuNanos / 1e9, cores, bytes, rate, samples);
    }
}
