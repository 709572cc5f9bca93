package io.openrtc.spring.actuate;

import java.util.Set;
import java.util.TreeSet;

/**
 * The OpenRTC metric names a PromQL expression reads: every identifier that starts with
 * {@code openrtc_} outside string literals. That is wider than "an identifier followed by
 * {@code {}, {@code [}, {@code )} or a space" on purpose: a name before a comma
 * ({@code label_values(openrtc_sessions_active, agent)}) or at the end of the expression counts
 * too, so no name can slip past. PromQL's functions, keywords and Grafana's variables never start
 * with {@code openrtc_}, and label values (where {@code $agent} lives) are strings, which are
 * skipped.
 */
final class PromQlMetricNames {

    private static final String PREFIX = "openrtc_";

    private PromQlMetricNames() {
    }

    /** The names in {@code expr}, sorted. */
    static Set<String> in(String expr) {
        Set<String> names = new TreeSet<>();
        int i = 0;
        while (i < expr.length()) {
            char c = expr.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = afterString(expr, i);
            } else if (identifierStart(c)) {
                int start = i;
                while (i < expr.length() && identifierPart(expr.charAt(i))) {
                    i++;
                }
                String word = expr.substring(start, i);
                if (word.startsWith(PREFIX)) {
                    names.add(word);
                }
            } else {
                i++;
            }
        }
        return names;
    }

    /** The index after the string literal opened at {@code open}; backticks are raw, the others take escapes. */
    private static int afterString(String expr, int open) {
        char quote = expr.charAt(open);
        int i = open + 1;
        while (i < expr.length() && expr.charAt(i) != quote) {
            i += quote != '`' && expr.charAt(i) == '\\' ? 2 : 1;
        }
        return i + 1;
    }

    private static boolean identifierStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    }

    private static boolean identifierPart(char c) {
        return identifierStart(c) || (c >= '0' && c <= '9');
    }
}
