package io.flinkcumo.engine.safetensors;

import java.nio.file.Path;

/** A safetensors file or checkpoint that cannot be loaded; the message names the file and problem. */
public class SafetensorsException extends IllegalArgumentException {

    public SafetensorsException(Path path, String problem) {
        super(path.getFileName() + ": " + problem);
    }

    public SafetensorsException(String message) {
        super(message);
    }
}
