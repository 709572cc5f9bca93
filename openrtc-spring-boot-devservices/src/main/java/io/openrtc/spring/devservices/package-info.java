/**
 * Development services, as DevTools and spring-boot-docker-compose are: a local livekit-server
 * when no LiveKit is configured (which also turns the playground on), and short drains under
 * DevTools. Declared optional and left out of packaged jars. See {@code docs/playground.md}.
 */
package io.openrtc.spring.devservices;
