/**
 * The Docker Compose service connection: a {@code livekit/livekit-server} service in
 * {@code compose.yaml} becomes {@link io.openrtc.spring.autoconfigure.LiveKitConnectionDetails}.
 * Used only where the application has {@code spring-boot-docker-compose}.
 */
package io.openrtc.spring.docker.compose;
