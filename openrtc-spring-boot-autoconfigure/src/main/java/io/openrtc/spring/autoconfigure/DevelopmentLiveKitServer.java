package io.openrtc.spring.autoconfigure;

/**
 * Connection details of a LiveKit server started for development (by
 * {@code openrtc-spring-boot-devservices}). Its presence turns the playground on unless
 * {@code openrtc.playground.enabled=false}.
 */
public interface DevelopmentLiveKitServer extends LiveKitConnectionDetails {
}
