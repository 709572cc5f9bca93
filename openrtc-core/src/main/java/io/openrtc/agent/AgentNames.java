package io.openrtc.agent;

import java.util.Locale;
import java.util.regex.Pattern;

/** Derives and validates agent names. */
public final class AgentNames {

    private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,62}");

    private AgentNames() {
    }

    /**
     * The name an agent class gets when {@link AgentConfig#name()} is empty: the simple class
     * name without an {@code Agent} suffix, in kebab case ({@code RestaurantAgent} becomes
     * {@code restaurant}, {@code DentalOfficeAgent} becomes {@code dental-office}).
     */
    public static String derive(Class<?> agentClass) {
        String simple = agentClass.getSimpleName();
        if (simple.isEmpty()) {
            throw new IllegalArgumentException("An anonymous class needs an explicit agent name");
        }
        if (simple.endsWith("Agent") && simple.length() > "Agent".length()) {
            simple = simple.substring(0, simple.length() - "Agent".length());
        }
        return simple.replaceAll("([a-z0-9])([A-Z])", "$1-$2")
                .replaceAll("([A-Z]+)([A-Z][a-z])", "$1-$2")
                .toLowerCase(Locale.ROOT);
    }

    /**
     * Checks a name: lower-case letters, digits, {@code -}, {@code _} and {@code .}, starting
     * with a letter or digit, at most 63 characters (room-name prefixes and metric tags must
     * stay readable).
     *
     * @throws IllegalArgumentException naming the rule that failed
     */
    public static String requireValid(String name) {
        if (name == null || !VALID.matcher(name).matches()) {
            throw new IllegalArgumentException("Invalid agent name '" + name + "': use lower-case letters, digits, "
                    + "'-', '_' or '.', starting with a letter or digit, at most 63 characters");
        }
        return name;
    }
}
