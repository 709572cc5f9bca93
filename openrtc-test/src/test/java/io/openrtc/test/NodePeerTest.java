package io.openrtc.test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodePeerTest {

    @Test
    void withoutNodeModulesThatNpmCiCanInstallItFailsNamingNpmCi(@TempDir Path peers) throws Exception {
        Files.writeString(peers.resolve("package.json"), "{}");
        String previous = System.getProperty("openrtc.peers.dir");
        System.setProperty("openrtc.peers.dir", peers.toString());
        try {
            assertThatThrownBy(() -> NodePeer.start("caller.mjs"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("npm ci")
                    .hasMessageContaining("openrtc-test/peers");
        } finally {
            if (previous == null) {
                System.clearProperty("openrtc.peers.dir");
            } else {
                System.setProperty("openrtc.peers.dir", previous);
            }
        }
    }
}
