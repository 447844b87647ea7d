package io.flinkcumo.engine.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes encoded image bytes (PNG, JPEG, GIF, BMP, WebP) into an {@link RgbImage} the way the
 * Python reference does with {@code PIL.Image.open(...).convert("RGB")} (see {@link PilRgb} for
 * the conversion rules; GIF: first frame). EXIF orientation is ignored, as in the reference.
 *
 * <p>Hostile input is rejected with an {@link InvalidImageException} naming the problem, never
 * another exception type: empty or oversized input, unknown formats, and images whose header
 * declares more than {@link Limits#maxPixels()} pixels (checked before any pixel is allocated).
 * Truncated files are rejected too, as Pillow does by default (libjpeg would otherwise fill the
 * missing part of a JPEG with gray).
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ImageDecoder {

    /** Pillow's default {@code Image.MAX_IMAGE_PIXELS} (Pillow warns above it and fails above twice it). */
    public static final long PILLOW_MAX_IMAGE_PIXELS = 89_478_485L;

    /** Container formats accepted (ImageIO format names, upper case). */
    public static final Set<String> FORMATS = Set.of("PNG", "JPEG", "GIF", "BMP", "WEBP");

    /**
     * Resource limits: {@code maxPixels} bounds width x height as declared by the header,
     * {@code maxBytes} bounds the encoded size.
     */
    public record Limits(long maxPixels, long maxBytes) {

        /** Pillow's pixel limit and 128 MiB of encoded bytes. */
        public static final Limits DEFAULT = new Limits(PILLOW_MAX_IMAGE_PIXELS, 128L << 20);

        /** The most pixels an {@link RgbImage} (one byte array) can hold. */
        public static final long MAX_RGB_PIXELS = (Integer.MAX_VALUE - 8) / 3;

        public Limits {
            if (maxPixels <= 0 || maxBytes <= 0) {
                throw new IllegalArgumentException("limits must be positive");
            }
            if (maxPixels > MAX_RGB_PIXELS) {
                throw new IllegalArgumentException("maxPixels " + maxPixels + " is above " + MAX_RGB_PIXELS
                        + ", the most an RgbImage can hold");
            }
        }
    }

    static {
        TwelveMonkeysPlugins.register();
    }

    private final Limits limits;

    /** A decoder with {@link Limits#DEFAULT}. */
    public ImageDecoder() {
        this(Limits.DEFAULT);
    }

    public ImageDecoder(Limits limits) {
        this.limits = limits;
    }

    public Limits limits() {
        return limits;
    }

    /** Decodes {@code encoded} to RGB; throws {@link InvalidImageException} for anything unusable. */
    public RgbImage decode(byte[] encoded) {
        if (encoded == null || encoded.length == 0) {
            throw new InvalidImageException("empty input (0 bytes) is not an image");
        }
        if (encoded.length > limits.maxBytes()) {
            throw new InvalidImageException(
                    "encoded image is " + encoded.length + " bytes, above the limit of " + limits.maxBytes());
        }
        String format = "image";
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded))) {
            ImageReader reader = readerFor(in, encoded);
            format = formatOf(reader);
            try {
                return read(reader, in, format);
            } finally {
                reader.dispose();
            }
        } catch (InvalidImageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new InvalidImageException("truncated or corrupt " + format + ": " + describe(e), e);
        }
    }

    private RgbImage read(ImageReader reader, ImageInputStream in, String format) throws IOException {
        reader.setInput(in, true, false);
        int width = reader.getWidth(0);
        int height = reader.getHeight(0);
        long pixels = (long) width * height;
        if (width <= 0 || height <= 0) {
            throw new InvalidImageException(format + " header declares an empty image " + width + "x" + height);
        }
        if (pixels > limits.maxPixels()) {
            throw new InvalidImageException("image is " + width + "x" + height + " = " + pixels
                    + " pixels, above the limit of " + limits.maxPixels());
        }
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        BufferedImage image = reader.read(0, reader.getDefaultReadParam());
        for (String warning : warnings) {
            String w = warning.toLowerCase(Locale.ROOT);
            if (w.contains("truncat") || w.contains("premature end") || w.contains("missing eoi")) {
                throw new InvalidImageException("truncated or corrupt " + format + ": " + warning);
            }
        }
        if (image.getWidth() != width || image.getHeight() != height) {
            throw new InvalidImageException(format + " decoded to " + image.getWidth() + "x" + image.getHeight()
                    + " but its header declares " + width + "x" + height);
        }
        return PilRgb.convert(image);
    }

    /** The first registered reader that recognises the bytes as one of {@link #FORMATS}. */
    private static ImageReader readerFor(ImageInputStream in, byte[] encoded) {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        while (readers.hasNext()) {
            ImageReader reader = readers.next();
            if (formatOf(reader) != null) {
                return reader;
            }
            reader.dispose();
        }
        throw new InvalidImageException("not a recognised image format (first bytes " + hex(encoded, 8)
                + "); supported: " + String.join(", ", FORMATS.stream().sorted().toList()));
    }

    /** The supported format the reader decodes, or null. */
    private static String formatOf(ImageReader reader) {
        for (String name : reader.getOriginatingProvider().getFormatNames()) {
            String upper = name.toUpperCase(Locale.ROOT);
            if (FORMATS.contains(upper)) {
                return upper;
            }
        }
        return null;
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 300; t = t.getCause()) {
            if (!sb.isEmpty()) {
                sb.append(": ");
            }
            sb.append(t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName());
        }
        return sb.toString();
    }

    private static String hex(byte[] bytes, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(n, bytes.length); i++) {
            sb.append(i == 0 ? "" : " ").append(String.format("%02x", bytes[i] & 0xff));
        }
        return sb.toString();
    }

    /**
     * Makes sure the TwelveMonkeys readers are in the JVM-wide ImageIO registry even when ImageIO
     * was first initialised by another class loader (e.g. Flink's parent loader), which would have
     * scanned a classpath without them.
     */
    private static final class TwelveMonkeysPlugins {
        static void register() {
            IIORegistry registry = IIORegistry.getDefaultInstance();
            for (ImageReaderSpi spi : List.<ImageReaderSpi>of(
                    new com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi(),
                    new com.twelvemonkeys.imageio.plugins.webp.WebPImageReaderSpi(),
                    new com.twelvemonkeys.imageio.plugins.bmp.BMPImageReaderSpi())) {
                if (registry.getServiceProviderByClass(spi.getClass()) == null) {
                    registry.registerServiceProvider(spi);
                }
            }
        }
    }
}
