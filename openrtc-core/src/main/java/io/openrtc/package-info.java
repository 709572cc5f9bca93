/**
 * OpenRTC-JVM: run many LiveKit agents, and many concurrent sessions of them, in one JVM.
 */
package io.openrtc;
