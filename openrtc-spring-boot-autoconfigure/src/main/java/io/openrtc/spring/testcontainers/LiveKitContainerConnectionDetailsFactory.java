package io.openrtc.spring.testcontainers;

import io.openrtc.spring.autoconfigure.LiveKitConnectionDetails;
import java.util.Map;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionDetailsFactory;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionSource;
import org.testcontainers.containers.Container;

/**
 * {@link LiveKitConnectionDetails} from a {@code @ServiceConnection} container of the
 * {@code livekit/livekit-server} image that is not a {@link LiveKitContainer} (those have
 * {@link LiveKitContainerTypeConnectionDetailsFactory}): its key pair is read from
 * {@code LIVEKIT_KEYS} ({@code "key: secret"}) and otherwise is the {@code --dev} pair
 * ({@code devkey}/{@code secret}). The connection name comes from the image of a
 * {@code @Container} field, or, for a {@code @Bean} method (whose image Boot cannot see before
 * it runs), from {@code @ServiceConnection(name = "livekit")}.
 */
class LiveKitContainerConnectionDetailsFactory
        extends ContainerConnectionDetailsFactory<Container<?>, LiveKitConnectionDetails> {

    static final String IMAGE = "livekit/livekit-server";

    LiveKitContainerConnectionDetailsFactory() {
        super(java.util.List.of(IMAGE, "livekit"), "io.openrtc.spring.autoconfigure.OpenRtcAutoConfiguration");
    }

    @Override
    protected boolean sourceAccepts(ContainerConnectionSource<Container<?>> source, Class<?> requiredContainerType,
                                    Class<?> requiredConnectionDetailsType) {
        // A LiveKitContainer knows its own key pair; the typed factory serves it, whatever its name.
        return !source.accepts(null, LiveKitContainer.class, requiredConnectionDetailsType)
                && super.sourceAccepts(source, requiredContainerType, requiredConnectionDetailsType);
    }

    @Override
    protected LiveKitConnectionDetails getContainerConnectionDetails(ContainerConnectionSource<Container<?>> source) {
        return new ContainerDetails(source);
    }

    /** The key pair of a container not built by {@link LiveKitContainer}: {@code LIVEKIT_KEYS}, else the dev pair. */
    static String[] keyPair(Map<String, String> env) {
        String keys = env.get("LIVEKIT_KEYS");
        if (keys != null) {
            int colon = keys.indexOf(':');
            if (colon > 0) {
                String first = keys.split("[,\\n]")[0];
                colon = first.indexOf(':');
                return new String[] {first.substring(0, colon).strip(), first.substring(colon + 1).strip()};
            }
        }
        return new String[] {"devkey", "secret"};
    }

    static final class ContainerDetails extends ContainerConnectionDetails<Container<?>> implements LiveKitConnectionDetails {

        ContainerDetails(ContainerConnectionSource<Container<?>> source) {
            super(source);
        }

        @Override
        public String getUrl() {
            Container<?> container = getContainer();
            return "ws://" + container.getHost() + ":" + container.getMappedPort(LiveKitContainer.HTTP_PORT);
        }

        @Override
        public String getApiKey() {
            return keyPair(getContainer().getEnvMap())[0];
        }

        @Override
        public String getApiSecret() {
            return keyPair(getContainer().getEnvMap())[1];
        }
    }
}
