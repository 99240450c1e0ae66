package io.hspace.study;

/** A study file that cannot be used; the message names the file, the line (when known) and the key. */
public final class StudyException extends RuntimeException {
    public StudyException(String message) {
        super(message);
    }

    public StudyException(String message, Throwable cause) {
        super(message, cause);
    }
}
