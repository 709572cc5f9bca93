package io.openrtc.test;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Starts one {@link LiveKitServer} per test class annotated {@link LiveKitServerTest} and
 * injects it into parameters of type {@code LiveKitServer}. The server is closed when the class
 * finishes.
 */
public final class LiveKitServerExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LiveKitServerExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        server(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == LiveKitServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext)
            throws ParameterResolutionException {
        return server(extensionContext);
    }

    private static LiveKitServer server(ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        // Nested classes share the server of the outermost annotated class.
        ExtensionContext classContext = context;
        while (classContext.getParent().isPresent() && classContext.getParent().get().getTestClass().isPresent()) {
            classContext = classContext.getParent().get();
        }
        var annotation = AnnotationSupport.findAnnotation(testClass, LiveKitServerTest.class);
        boolean restartable = annotation.map(LiveKitServerTest::restartable).orElse(false);
        String network = annotation.map(LiveKitServerTest::network).orElse("");
        return classContext.getStore(NAMESPACE).computeIfAbsent("server",
                key -> network.isEmpty() ? LiveKitServerBackends.start(restartable) : LiveKitServerBackends.start(TestNetwork.named(network)),
                LiveKitServer.class);
    }
}
