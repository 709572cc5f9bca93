package io.openrtc.spring.deploy;

/**
 * Where audit events go besides Spring's application events. A bean of this type replaces the
 * default, {@link LogAuditSink} (a JSON line on the logger {@code openrtc.audit}). It is called on
 * the runtime's application event dispatcher, in sequence order; a slow sink delays the other
 * application listeners, never a session.
 */
@FunctionalInterface
public interface AuditSink {

    /** Records {@code event}; an exception is logged and the next event still comes. */
    void record(AuditEvent event);
}
