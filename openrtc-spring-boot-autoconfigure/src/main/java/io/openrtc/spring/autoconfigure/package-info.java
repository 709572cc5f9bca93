/**
 * Spring Boot auto-configuration for OpenRTC: properties, agent discovery, the worker lifecycle.
 */
package io.openrtc.spring.autoconfigure;
