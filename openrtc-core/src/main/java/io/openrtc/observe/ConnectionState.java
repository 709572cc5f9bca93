package io.openrtc.observe;

/** The state of the worker's connection to LiveKit. */
public enum ConnectionState {
    /** Not started yet, or stopped. */
    STOPPED,
    /** Opening the websocket or waiting for the registration answer. */
    CONNECTING,
    /** Registered: LiveKit may dispatch jobs to this worker. */
    REGISTERED,
    /** Lost or could not open the connection; retrying with backoff. */
    DISCONNECTED
}
