package io.hspace.engine;

/** A failure inside the native engine, with what hspace was doing when it happened. */
public class EngineException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param doing what the caller was doing, e.g. "loading model from models/toy"
     * @param cause the engine's exception, whose message names the file, tensor or field
     */
    public EngineException(String doing, Throwable cause) {
        super(doing + ": " + cause.getMessage(), cause);
    }

    public EngineException(String message) {
        super(message);
    }
}
