package io.openrtc.spring.ai;

import io.openrtc.agent.AgentSession;
import io.openrtc.rtc.Room;
import io.openrtc.voice.VoiceAgent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.ai.chat.model.ToolContext;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;

/**
 * The voice agents of the conversation tests: a restaurant with a booking tool (and a tool that
 * hands the caller to the dental office, and one that always fails), and a dental office with a
 * slot finder. Real Spring AI {@code @Tool} methods; each reports its voice events to the caller
 * on {@value ProbeAgent#EVENTS}, so the test sees them from outside.
 */
final class ConversationAgents {

    static final String RESTAURANT_INSTRUCTIONS = "You are the reservation desk of the Harbour restaurant.";
    static final String DENTAL_INSTRUCTIONS = "You are the front desk of the Smile dental office.";

    private ConversationAgents() {
    }

    /** Runs the conversation after adding the reporting listener. */
    abstract static class Reporting implements VoiceAgent {
        @Override
        public void run(AgentSession session) throws Exception {
            Room room = session.room();
            session.voice().addListener(event -> ProbeAgent.report(room, ProbeAgent.EVENTS, ProbeAgent.describe(event)));
            session.voice().converse(this);
        }
    }

    /** The restaurant: books tables, fails on purpose when asked to, hands dental questions over. */
    static final class Restaurant extends Reporting {

        /** Every booking made, as "people@time", in this JVM. */
        static final List<String> BOOKINGS = new CopyOnWriteArrayList<>();

        @Override
        public String instructions() {
            return RESTAURANT_INSTRUCTIONS;
        }

        @Tool(name = "book_table", description = "Book a table at the restaurant")
        String bookTable(@ToolParam(description = "how many guests") int people,
                @ToolParam(description = "the time, HH:MM, 24 hours") String time, ToolContext context) {
            BOOKINGS.add(people + "@" + time + " for " + OpenRtcToolContext.caller(context));
            return "Booked a table for " + people + " at " + time + ".";
        }

        @Tool(name = "check_waitlist", description = "Check the waiting list")
        String checkWaitlist() {
            throw new IllegalStateException("the waiting list service is down");
        }

        @Tool(name = "transfer_to_dental", description = "Transfer the caller to the dental office")
        String transferToDental(ToolContext context) {
            OpenRtcToolContext.handoff(context, "dental");
            return "Transferring the caller to the dental office.";
        }
    }

    /** The dental office: finds appointment slots. */
    static final class Dental extends Reporting {

        @Override
        public String instructions() {
            return DENTAL_INSTRUCTIONS;
        }

        @Tool(name = "find_slot", description = "Find a free appointment slot")
        String findSlot(@ToolParam(description = "the day asked for") String day) {
            return "Tuesday at ten in the morning is free.";
        }
    }
}
