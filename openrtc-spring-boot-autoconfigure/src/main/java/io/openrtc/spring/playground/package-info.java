/**
 * The browser playground and the live session panel: off unless enabled, or the development
 * LiveKit server runs. See {@code docs/playground.md}.
 */
package io.openrtc.spring.playground;
