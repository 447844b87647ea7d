package io.flinkcumo.runtime.core;

import io.flinkcumo.engine.GenerationConfig;
import io.flinkcumo.engine.Precision;
import io.flinkcumo.engine.image.ImageDecoder;
import io.flinkcumo.engine.text.Conversation;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Every CuMo option, parsed and validated once where a job, a SQL function or a model is created
 * ({@link io.flinkcumo.runtime.CumoRuntimeOptions#settings}), immutable and serializable, so that it travels inside the
 * functions to the TaskManagers as it is: nothing there parses an option again. Flink-free.
 *
 * <p>Three kinds of settings: which model copy ({@code modelPath}, {@code device}, {@code
 * precision}); what every caller of that copy in a TaskManager shares, fixed by the caller that
 * loads it ({@link #imageLimits()}, {@code batcher}, {@code serving}: a later caller asking for
 * others gets a warning, see {@link SharedModelRegistry}); and what each caller applies to its own
 * requests (generation, prompt, image reading, retries, error handling).
 *
 * @param modelPath the CuMo checkpoint directory, as configured
 * @param device the configured device; {@code auto} is resolved per subtask ({@link io.flinkcumo.runtime.FlinkDevices})
 * @param precision the configured precision; {@code auto} is resolved for the device
 * @param maxImagePixels images with more pixels are refused before decoding
 * @param maxImageBytes encoded images (bytes or files) larger than this are refused
 * @param batcher the shared micro-batcher; its name is the configured device until {@link #spec}
 * @param serving the shared service's scheduler and reuse
 * @param generation how answers are generated
 * @param template the conversation template around image and question
 * @param captionPrompt the question a caption asks
 * @param imageBase directories image paths may be read from (empty: paths are refused)
 * @param retries how often a failed request is retried
 * @param errorHandling what a request that still fails does
 */
public record CumoSettings(
        String modelPath,
        DeviceSpec device,
        Precision precision,
        long maxImagePixels,
        long maxImageBytes,
        BatcherConfig batcher,
        ServingConfig serving,
        GenerationConfig generation,
        Conversation.Template template,
        String captionPrompt,
        List<String> imageBase,
        int retries,
        ErrorHandling errorHandling)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Checks that every setting is present; ranges are checked by {@link io.flinkcumo.runtime.CumoRuntimeOptions}. */
    public CumoSettings {
        Objects.requireNonNull(modelPath, "modelPath");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(batcher, "batcher");
        Objects.requireNonNull(serving, "serving");
        Objects.requireNonNull(generation, "generation");
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(captionPrompt, "captionPrompt");
        Objects.requireNonNull(errorHandling, "errorHandling");
        imageBase = List.copyOf(imageBase);
    }

    /** The limits images are decoded under. */
    public ImageDecoder.Limits imageLimits() {
        return new ImageDecoder.Limits(maxImagePixels, maxImageBytes);
    }

    /**
     * What the shared model service loads on {@code resolved}.
     *
     * @param resolved the subtask's device, cpu or cuda:N
     * @throws IllegalArgumentException if {@code modelPath} is not a directory on this machine
     */
    public CumoService.Spec spec(DeviceSpec resolved) {
        Path modelDir = Path.of(modelPath);
        if (!Files.isDirectory(modelDir)) {
            throw new IllegalArgumentException(
                    "model-path '" + modelPath + "' is not a directory on this machine; it must be a CuMo"
                            + " checkpoint directory readable on every TaskManager");
        }
        return new CumoService.Spec(
                modelDir, resolved, precision, imageLimits(), batcher.withName(resolved.toString()), serving);
    }

    /**
     * How long an async operator waits for one request: every attempt's {@code timeout}, plus a
     * minute, so that the service's own timeout fires first and names the request.
     */
    public Duration operatorTimeout() {
        return batcher.requestTimeout().multipliedBy(retries + 1L).plusMinutes(1);
    }

    /** Requests an async operator keeps in flight per subtask: enough to fill two batches. */
    public int operatorCapacity() {
        return Math.max(2, 2 * batcher.maxBatchSize());
    }

    /** These settings with another {@code errorHandling}. */
    public CumoSettings withErrorHandling(ErrorHandling value) {
        return new CumoSettings(modelPath, device, precision, maxImagePixels, maxImageBytes, batcher, serving,
                generation, template, captionPrompt, imageBase, retries, value);
    }

    /** These settings with another {@code imageBase}. */
    public CumoSettings withImageBase(List<String> value) {
        return new CumoSettings(modelPath, device, precision, maxImagePixels, maxImageBytes, batcher, serving,
                generation, template, captionPrompt, value, retries, errorHandling);
    }
}
