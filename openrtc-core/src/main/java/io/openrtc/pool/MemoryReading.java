package io.openrtc.pool;

/**
 * One measurement of this JVM's memory.
 *
 * @param heapUsedAfterGc heap occupied right after the latest collection (live data plus what
 *                        that collection could not free), summed over the heap's pools
 * @param heapCommitted   heap the JVM has reserved from the OS
 * @param residentBytes   the process's resident set size (0 where unknown)
 */
record MemoryReading(long heapUsedAfterGc, long heapCommitted, long residentBytes) {

    /**
     * What the watermarks compare: the heap after GC plus whatever the process holds outside
     * the heap (RSS minus committed heap: native memory such as WebRTC buffers, thread stacks,
     * metaspace). Heap garbage and committed-but-idle heap do not count, so a large {@code -Xmx}
     * cannot raise a false alarm, while native growth the heap cannot see still does.
     */
    long footprint() {
        return heapUsedAfterGc + Math.max(0, residentBytes - heapCommitted);
    }

    @Override
    public String toString() {
        return ResidentMemory.format(footprint()) + " (heap after GC " + ResidentMemory.format(heapUsedAfterGc)
                + ", resident " + ResidentMemory.format(residentBytes) + ", heap committed "
                + ResidentMemory.format(heapCommitted) + ")";
    }
}
