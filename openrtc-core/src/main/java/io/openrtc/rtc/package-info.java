/**
 * The LiveKit room client over webrtc-java: signalling, peer connections, audio in and out,
 * data packets, text streams and RPC.
 */
package io.openrtc.rtc;
