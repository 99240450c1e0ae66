package io.hspace.caption;

/** A captioner failed as a whole (not one unreadable image): the message says which and why. */
public final class CaptionException extends RuntimeException {

    /** A failure described by {@code message}. */
    public CaptionException(String message) {
        super(message);
    }

    /** A failure described by {@code message}, caused by {@code cause}. */
    public CaptionException(String message, Throwable cause) {
        super(message, cause);
    }
}
