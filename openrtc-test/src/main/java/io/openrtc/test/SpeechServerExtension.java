package io.openrtc.test;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts one {@link SpeechServer} per test class annotated {@link SpeechServerTest} and
 * injects it into parameters of type {@code SpeechServer}. The server is closed when the class
 * finishes.
 */
public final class SpeechServerExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SpeechServerExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        server(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == SpeechServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext)
            throws ParameterResolutionException {
        return server(extensionContext);
    }

    private static SpeechServer server(ExtensionContext context) {
        // Nested classes share the server of the outermost annotated class.
        ExtensionContext classContext = context;
        while (classContext.getParent().isPresent() && classContext.getParent().get().getTestClass().isPresent()) {
            classContext = classContext.getParent().get();
        }
        // The store closes it (it is AutoCloseable) when the class's context closes.
        return classContext.getStore(NAMESPACE).computeIfAbsent("server", key -> SpeechServer.launch(), SpeechServer.class);
    }
}
