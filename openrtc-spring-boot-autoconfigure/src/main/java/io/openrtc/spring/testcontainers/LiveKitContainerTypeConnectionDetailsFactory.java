package io.openrtc.spring.testcontainers;

import io.openrtc.spring.autoconfigure.LiveKitConnectionDetails;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionDetailsFactory;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionSource;

/** {@link LiveKitConnectionDetails} from a {@code @ServiceConnection} {@link LiveKitContainer}, matched by its type. */
class LiveKitContainerTypeConnectionDetailsFactory
        extends ContainerConnectionDetailsFactory<LiveKitContainer, LiveKitConnectionDetails> {

    LiveKitContainerTypeConnectionDetailsFactory() {
        super(ANY_CONNECTION_NAME, "io.openrtc.spring.autoconfigure.OpenRtcAutoConfiguration");
    }

    @Override
    protected LiveKitConnectionDetails getContainerConnectionDetails(ContainerConnectionSource<LiveKitContainer> source) {
        return new Details(source);
    }

    static final class Details extends ContainerConnectionDetails<LiveKitContainer> implements LiveKitConnectionDetails {

        Details(ContainerConnectionSource<LiveKitContainer> source) {
            super(source);
        }

        @Override
        public String getUrl() {
            return getContainer().getUrl();
        }

        @Override
        public String getApiKey() {
            return getContainer().getApiKey();
        }

        @Override
        public String getApiSecret() {
            return getContainer().getApiSecret();
        }
    }
}
