package io.openrtc.test;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Starts one {@link LiveKitCluster} per test class annotated {@link LiveKitClusterTest} and
 * injects it into parameters of type {@code LiveKitCluster}. The store closes it (stopping every
 * process and removing the namespace) when the class finishes.
 */
public final class LiveKitClusterExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LiveKitClusterExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        cluster(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == LiveKitCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext)
            throws ParameterResolutionException {
        return cluster(extensionContext);
    }

    private static LiveKitCluster cluster(ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        // Nested classes share the cluster of the outermost annotated class.
        ExtensionContext classContext = context;
        while (classContext.getParent().isPresent() && classContext.getParent().get().getTestClass().isPresent()) {
            classContext = classContext.getParent().get();
        }
        int nodes = AnnotationSupport.findAnnotation(testClass, LiveKitClusterTest.class)
                .map(LiveKitClusterTest::nodes).orElse(3);
        return classContext.getStore(NAMESPACE)
                .computeIfAbsent("cluster", key -> LiveKitCluster.start(nodes), LiveKitCluster.class);
    }
}
