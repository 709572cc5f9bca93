package io.openrtc.spring.devservices;

import static org.assertj.core.api.Assertions.assertThat;

import io.openrtc.spring.autoconfigure.LiveKitConnectionDetails;
import io.openrtc.spring.autoconfigure.LiveKitCredentials;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.mock.env.MockEnvironment;

/**
 * When the development server starts. Starting one for real is PlaygroundBrowserTest's part
 * (sample-app): here every case that must not start one, which is every case a test runs in
 * unless it asks.
 */
class LiveKitDevServerAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(LiveKitDevServerAutoConfiguration.class));

    @Test
    void offInTestsUnlessAsked() {
        assertThat(DevServices.inTest()).isTrue();
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(LiveKitDevServer.class));
        runner.withPropertyValues("openrtc.dev.livekit-server=auto")
                .run(context -> assertThat(context).doesNotHaveBean(LiveKitDevServer.class));
    }

    @Test
    void neverMeansNever() {
        runner.withPropertyValues("openrtc.dev.livekit-server=never")
                .run(context -> assertThat(context).doesNotHaveBean(LiveKitDevServer.class));
    }

    @Test
    void notWhenLiveKitIsConfigured() {
        runner.withPropertyValues("openrtc.dev.livekit-server=always", "openrtc.livekit.url=ws://127.0.0.1:1")
                .run(context -> assertThat(context).doesNotHaveBean(LiveKitDevServer.class));
        runner.withPropertyValues("openrtc.dev.livekit-server=always", "LIVEKIT_URL=wss://x.livekit.cloud")
                .run(context -> assertThat(context).doesNotHaveBean(LiveKitDevServer.class));
    }

    @Test
    void notWhenAServiceConnectionOrTheApplicationProvidesLiveKit() {
        runner.withPropertyValues("openrtc.dev.livekit-server=always")
                .withBean(LiveKitConnectionDetails.class, () -> new LiveKitConnectionDetails() {
                    @Override
                    public String getUrl() {
                        return "ws://127.0.0.1:1";
                    }

                    @Override
                    public String getApiKey() {
                        return "k";
                    }

                    @Override
                    public String getApiSecret() {
                        return "s";
                    }
                })
                .run(context -> assertThat(context).doesNotHaveBean(LiveKitDevServer.class));
        runner.withPropertyValues("openrtc.dev.livekit-server=always")
                .withBean(LiveKitCredentials.class, () -> new LiveKitCredentials(URI.create("ws://127.0.0.1:1"), "k", "s"))
                .run(context -> assertThat(context).doesNotHaveBean(LiveKitDevServer.class));
    }

    @Test
    void notInASessionHostNorWithOpenRtcOff() {
        runner.withPropertyValues("openrtc.dev.livekit-server=always", "openrtc.role=session-host")
                .run(context -> assertThat(context).doesNotHaveBean(LiveKitDevServer.class));
        runner.withPropertyValues("openrtc.dev.livekit-server=always", "openrtc.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(LiveKitDevServer.class));
    }

    @Test
    void aWrongModeIsNamed() {
        runner.withPropertyValues("openrtc.dev.livekit-server=sometimes")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("openrtc.dev.livekit-server must be auto, always or never"));
    }

    @Test
    void productionProfilesAreRecognised() {
        MockEnvironment environment = new MockEnvironment();
        assertThat(DevServices.productionProfile(environment)).isNull();
        environment.setActiveProfiles("cloud", "prod");
        assertThat(DevServices.productionProfile(environment)).isEqualTo("prod");
        environment.setActiveProfiles("Production");
        assertThat(DevServices.productionProfile(environment)).isEqualTo("Production");
        assertThat(DevServices.mode(new MockEnvironment().withProperty("openrtc.dev.livekit-server", "ALWAYS")))
                .isEqualTo(DevServices.Mode.ALWAYS);
    }

    @Test
    void theScriptOutputIsParsedAndItsSecretKeptOutOfToString() {
        var env = LiveKitDevServer.parseEnv("LIVEKIT_URL=ws://198.18.0.1:7880\nLIVEKIT_API_KEY=k\nLIVEKIT_API_SECRET=s3cr3t\n"
                + "LIVEKIT_SERVER_PID=42\nLIVEKIT_SERVER_NETWORK=netns\n");
        assertThat(env).containsEntry("LIVEKIT_URL", "ws://198.18.0.1:7880").containsEntry("LIVEKIT_SERVER_PID", "42");
    }

    @Test
    void devToolsShortensTheDrainUnlessTheApplicationSetsIt() {
        StandardEnvironment environment = new StandardEnvironment();
        DevToolsDrainDefaults.apply(environment, true, false);
        assertThat(environment.getProperty("openrtc.drain-timeout")).isEqualTo("2s");
        assertThat(environment.getProperty("openrtc.cancel-grace")).isEqualTo("1s");

        MockEnvironment set = new MockEnvironment().withProperty("openrtc.drain-timeout", "10s");
        DevToolsDrainDefaults.apply(set, true, false);
        assertThat(set.getProperty("openrtc.drain-timeout")).isEqualTo("10s");

        StandardEnvironment noDevTools = new StandardEnvironment();
        DevToolsDrainDefaults.apply(noDevTools, false, false);
        assertThat(noDevTools.getProperty("openrtc.drain-timeout")).isNull();
        StandardEnvironment inTest = new StandardEnvironment();
        DevToolsDrainDefaults.apply(inTest, true, true);
        assertThat(inTest.getProperty("openrtc.drain-timeout")).isNull();
    }
}
