package io.openrtc.test;

import java.util.List;
import java.util.Map;

/**
 * A network namespace of its own for a test's livekit-server, next to the shared
 * {@code openrtc-test} one that every other test uses: its own veth pair and /24 in the RFC 2544
 * range, so that the test may cut its link ({@link LiveKitServer#cutNetwork()}) while other tests
 * keep theirs. {@code scripts/livekit-server.sh} creates it from the {@code OPENRTC_NETNS},
 * {@code OPENRTC_VETH_*} and {@code OPENRTC_*_NS_IP} variables and removes it with its server.
 *
 * @param name      what {@link LiveKitServerTest#network()} names it by
 * @param namespace the namespace
 * @param vethHost  the host end of the veth pair (the one a cut takes down)
 * @param vethNs    the server's end
 * @param serverIp  the server's address
 * @param hostIp    this host's address on the pair
 */
public record TestNetwork(String name, String namespace, String vethHost, String vethNs, String serverIp, String hostIp) {

    /** The network-loss scenario's: namespace {@code openrtc-netloss}, orl0 198.19.8.2 to orl1 198.19.8.1. */
    public static final TestNetwork NETLOSS = new TestNetwork("netloss", "openrtc-netloss", "orl0", "orl1", "198.19.8.1",
            "198.19.8.2");

    private static final List<TestNetwork> KNOWN = List.of(NETLOSS);

    /** The network of that name. */
    public static TestNetwork named(String name) {
        return KNOWN.stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "no test network '" + name + "'; known: " + KNOWN.stream().map(TestNetwork::name).toList()));
    }

    /** The variables that make {@code livekit-server.sh start} use this network. */
    Map<String, String> scriptEnvironment() {
        return Map.of("OPENRTC_NETNS", namespace, "OPENRTC_VETH_HOST", vethHost, "OPENRTC_VETH_NS", vethNs,
                "OPENRTC_SERVER_NS_IP", serverIp, "OPENRTC_HOST_NS_IP", hostIp);
    }
}
