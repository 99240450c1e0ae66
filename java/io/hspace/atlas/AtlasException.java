package io.hspace.atlas;

/** A failure reading or writing an atlas; the message names the file and what to do. */
public class AtlasException extends RuntimeException {
    public AtlasException(String message) {
        super(message);
    }

    public AtlasException(String message, Throwable cause) {
        super(message, cause);
    }
}
