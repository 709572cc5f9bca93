/**
 * Testcontainers service connections: {@link io.openrtc.spring.testcontainers.LiveKitContainer}
 * and any {@code livekit/livekit-server} container annotated {@code @ServiceConnection} become
 * {@link io.openrtc.spring.autoconfigure.LiveKitConnectionDetails}. Used only where the
 * application has {@code spring-boot-testcontainers}.
 */
package io.openrtc.spring.testcontainers;
