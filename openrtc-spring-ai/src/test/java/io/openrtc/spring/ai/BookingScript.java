package io.openrtc.spring.ai;

import io.openrtc.test.ScriptedChatServer;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the scripted language model answers in the conversation tests, the way a real model would
 * read the same words: a table request (guests and time, in words or digits) becomes a
 * {@code book_table} call, whose result becomes a spoken confirmation with the time; a dental
 * question becomes {@code transfer_to_dental}; the dental agent offers a slot. Rules are matched on
 * what the model is sent (system prompt, last message), never on what the test knows.
 */
final class BookingScript {

    static final String LONG_ANSWER = "Our menu changes with the seasons. Tonight we start with a chilled tomato soup, "
            + "a salad of beetroot and goat cheese, or grilled sardines with lemon. For the main course there is roast "
            + "chicken with thyme, a risotto of wild mushrooms, and the catch of the day, baked with fennel and olives. "
            + "For dessert we have a chocolate tart, a lemon posset, and a plate of cheeses from the hills nearby.";
    private static final Map<String, Integer> NUMBERS = Map.ofEntries(Map.entry("one", 1), Map.entry("two", 2),
            Map.entry("three", 3), Map.entry("four", 4), Map.entry("five", 5), Map.entry("six", 6), Map.entry("seven", 7),
            Map.entry("eight", 8), Map.entry("nine", 9), Map.entry("ten", 10), Map.entry("eleven", 11), Map.entry("twelve", 12));
    private static final Pattern FOR = Pattern.compile("for (\\w+)");
    private static final Pattern AT = Pattern.compile("at (\\w+)");

    private BookingScript() {
    }

    /** Installs the rules, replacing any. */
    static void install(ScriptedChatServer chat) {
        chat.clearRules();
        installWithoutClearing(chat);
    }

    /** Adds the rules after those the test already set (which match first). */
    static void installWithoutClearing(ScriptedChatServer chat) {
        chat.when(r -> r.systemPrompt().orElse("").equals(ConversationAgents.DENTAL_INSTRUCTIONS))
                .reply("This is the dental office. Tuesday at ten in the morning is free.");
        // Spring AI hands a tool's String result over as JSON: "\"Booked ...\"".
        chat.when(r -> r.lastMessageIsToolResult() && r.lastToolResult().contains("Booked"))
                .reply(r -> confirmation(r.lastToolResult()));
        chat.when(r -> r.lastMessageIsToolResult() && r.lastToolResult().contains("error"))
                .reply("Sorry, I could not do that just now.");
        chat.when(r -> r.userSaid("dentist") || r.userSaid("tooth")).replyWithToolCall("transfer_to_dental", "{}");
        chat.when(r -> r.userSaid("waiting list")).replyWithToolCall("check_waitlist", "{}");
        chat.when(r -> r.userSaid("hear me")).hang();
        chat.when(r -> r.userSaid("menu")).reply(LONG_ANSWER);
        chat.when(r -> r.userSaid("table")).respond(r -> io.openrtc.test.Reply.toolCall("book_table", booking(r.lastUserText())));
        chat.otherwise().reply("How can I help you with a reservation?");
    }

    /** The {@code book_table} arguments a model would read from "a table for two at seven tonight". */
    static String booking(String said) {
        String text = said.toLowerCase(Locale.ROOT);
        int people = number(FOR, text, 2);
        int hour = number(AT, text, 19);
        if (hour < 12 && !text.contains("morning") && !text.contains(" am")) {
            hour += 12;
        }
        return "{\"people\":" + people + ",\"time\":\"" + String.format("%02d:00", hour) + "\"}";
    }

    private static int number(Pattern pattern, String text, int fallback) {
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            String word = m.group(1);
            if (NUMBERS.containsKey(word)) {
                return NUMBERS.get(word);
            }
            if (word.matches("\\d{1,2}")) {
                return Integer.parseInt(word);
            }
        }
        return fallback;
    }

    /** "Booked a table for 2 at 19:00." as a model would say it. */
    private static String confirmation(String toolResult) {
        Matcher m = Pattern.compile("for (\\d+) at (\\d{2}):00").matcher(toolResult);
        if (!m.find()) {
            return "Your table is booked.";
        }
        int people = Integer.parseInt(m.group(1));
        int hour = Integer.parseInt(m.group(2));
        String time = NUMBERS.entrySet().stream().filter(e -> e.getValue() == (hour > 12 ? hour - 12 : hour)).findFirst()
                .map(Map.Entry::getKey).orElse(String.valueOf(hour));
        String guests = NUMBERS.entrySet().stream().filter(e -> e.getValue() == people).findFirst().map(Map.Entry::getKey)
                .orElse(String.valueOf(people));
        return "Your table for " + guests + " is booked for " + time + " o'clock tonight.";
    }
}
