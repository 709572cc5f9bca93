/**
 * The LiveKit room client over webrtc-java: signalling, peer connections, audio in and out,
 * data packets, text streams and RPC.
 *
 * <p>The public API is {@link io.openrtc.rtc.Room} (with {@link io.openrtc.rtc.RoomConnector},
 * {@link io.openrtc.rtc.RtcRuntime} and the value types). Inside, the package-private classes are
 * cut the way LiveKit's client SDKs cut theirs (client-sdk-js: {@code SignalClient},
 * {@code RTCEngine}, {@code PCTransport}, {@code LocalParticipant}, {@code RemoteParticipant},
 * {@code Room}):
 * <ul>
 *   <li>{@code LiveKitRoom}: the {@code Room}: its state and lifecycle, the public methods, the
 *       close; it holds the concerns below, which work on its state;</li>
 *   <li>{@code RoomLoop}: the room's event loop, the one thread that owns its mutable state;</li>
 *   <li>{@code RoomEngine} (join, ping, resume, rejoin) over a {@code RoomConnection} (one join
 *       attempt) and its {@code ResumeAttempt}s;</li>
 *   <li>{@code SignalConnection} (the {@code /rtc} websocket) and {@code ConnectionEvents} (what a
 *       connection's socket and peer connections deliver, routed to its owner);</li>
 *   <li>{@code PeerTransport} (one peer connection) and {@code Negotiation} (offer and answer on
 *       both);</li>
 *   <li>{@code LocalParticipant} (this participant's tracks, attributes, metadata, name; native
 *       senders in {@code AudioSender}, paced by {@code AudioPacer}) and
 *       {@code RemoteParticipants} (the others, via {@code ParticipantDirectory}, and their
 *       {@link io.openrtc.rtc.RemoteAudioTrack}s);</li>
 *   <li>{@code ConnectionTeardown}: releasing a connection's native objects in the order
 *       webrtc-java needs;</li>
 *   <li>{@code RoomData}: data packets, streams and RPC ({@code DataChannelSender},
 *       {@code DataReceiver}, {@code StreamAssembler}, {@code TopicRouter}, {@code RpcManager}).</li>
 * </ul>
 */
package io.openrtc.rtc;
