package io.openrtc.pool;

/** A main class that forgets to call {@link SessionHost#serve}: the pool must say so. */
public final class NotASessionHostMain {

    private NotASessionHostMain() {
    }

    public static void main(String[] args) {
        System.out.println("an application that does not know about session hosts");
    }
}
