package io.flinkcumo.engine.image;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes encoded image bytes (PNG, JPEG, GIF, BMP, WebP) into an {@link RgbImage} the way the
 * Python reference does with {@code PIL.Image.open(...).convert("RGB")}: see {@link PilRgb} for
 * the pixel rules. Like Pillow it applies no colour management (embedded ICC profiles are
 * removed before decoding, see {@link EmbeddedProfiles}), ignores EXIF orientation and takes the
 * first frame of a GIF, placed on its logical screen ({@link GifScreen}). PNG ancillary chunks
 * (text, compressed text, ICC profiles) are dropped unread ({@link PngChunks}), so no metadata is
 * ever inflated. Readers come from {@link ImageReaders}, never from the JVM-wide ImageIO registry.
 *
 * <p>Hostile input is rejected with an {@link InvalidImageException} naming the problem, never
 * another exception type: empty or oversized input, unknown formats, and images whose header
 * declares more than {@link Limits#maxPixels()} pixels (checked before any pixel is allocated).
 * Truncated files are rejected too, as Pillow does by default (libjpeg would otherwise pad a cut
 * JPEG with gray).
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
        try {
            format = detectFormat(encoded);
            return switch (format) {
                case "JPEG" -> decodeJpeg(EmbeddedProfiles.jpeg(encoded));
                case "WEBP" -> decodeImage(EmbeddedProfiles.webp(encoded), format);
                case "PNG" -> decodeImage(PngChunks.pixelChunksOnly(encoded), format);
                case "GIF" -> decodeGif(encoded);
                default -> decodeImage(encoded, format);
            };
        } catch (InvalidImageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new InvalidImageException("truncated or corrupt " + format + ": " + describe(e), e);
        }
    }

    private RgbImage decodeImage(byte[] bytes, String format) throws IOException {
        boolean integerGray = format.equals("PNG") && isSixteenBitGrayPng(bytes);
        return withReader(bytes, format,
                reader -> PilRgb.convert(reader.read(0, reader.getDefaultReadParam()), integerGray));
    }

    /** IHDR bit depth 16 and colour type 0 (gray without alpha channel): Pillow's mode I;16. */
    private static boolean isSixteenBitGrayPng(byte[] png) {
        return png.length > 25 && png[12] == 'I' && png[13] == 'H' && png[14] == 'D' && png[15] == 'R'
                && png[24] == 16 && png[25] == 0;
    }

    /** The first frame on its logical screen, as Pillow shows it (see {@link GifScreen}). */
    private RgbImage decodeGif(byte[] bytes) throws IOException {
        return withReader(bytes, "GIF", reader -> {
            GifScreen.Layout layout = GifScreen.layout(reader, reader.getWidth(0), reader.getHeight(0));
            checkSize(layout.width(), layout.height(), "GIF");
            return GifScreen.compose(reader.read(0, reader.getDefaultReadParam()), layout);
        });
    }

    /** CMYK/YCCK JPEGs are read undecoded (ImageIO would colour-convert them) and converted like Pillow. */
    private RgbImage decodeJpeg(EmbeddedProfiles.Jpeg jpeg) throws IOException {
        if (jpeg.components() != 4) {
            return decodeImage(jpeg.bytes(), "JPEG");
        }
        boolean ycck = jpeg.adobeTransform() == 2;
        return withReader(jpeg.bytes(), "JPEG",
                reader -> PilRgb.fromJpegCmyk(reader.readRaster(0, reader.getDefaultReadParam()), ycck));
    }

    /** Decoding step run on a reader whose header passed the size check. */
    @FunctionalInterface
    private interface Decoding {
        RgbImage apply(ImageReader reader) throws IOException;
    }

    private RgbImage withReader(byte[] bytes, String format, Decoding decoding) throws IOException {
        try (ImageInputStream in = stream(bytes)) {
            ImageReader reader = readerFor(in, format);
            try {
                reader.setInput(in, true, false);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                checkSize(width, height, format);
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                RgbImage image = decoding.apply(reader);
                rejectTruncation(warnings, format);
                if (image.width() < width || image.height() < height) {
                    throw new InvalidImageException(format + " decoded to " + image.width() + "x" + image.height()
                            + " but its header declares " + width + "x" + height);
                }
                return image;
            } finally {
                reader.dispose();
            }
        }
    }

    private void checkSize(int width, int height, String format) {
        if (width <= 0 || height <= 0) {
            throw new InvalidImageException(format + " header declares an empty image " + width + "x" + height);
        }
        long pixels = (long) width * height;
        if (pixels > limits.maxPixels()) {
            throw new InvalidImageException("image is " + width + "x" + height + " = " + pixels
                    + " pixels, above the limit of " + limits.maxPixels());
        }
    }

    /** libjpeg reports a cut-off file only as a warning (and pads the image with gray). */
    private static void rejectTruncation(List<String> warnings, String format) {
        for (String warning : warnings) {
            String w = warning.toLowerCase(Locale.ROOT);
            if (w.contains("truncat") || w.contains("premature end") || w.contains("missing eoi")) {
                throw new InvalidImageException("truncated or corrupt " + format + ": " + warning);
            }
        }
    }

    /**
     * The container format from the file's signature (magic bytes). The message for an unknown
     * format never repeats the input's bytes: they may be any file's content.
     */
    static String detectFormat(byte[] encoded) {
        if (PngChunks.isPng(encoded)) {
            return "PNG";
        }
        if (encoded.length >= 3 && (encoded[0] & 0xff) == 0xff && (encoded[1] & 0xff) == 0xd8) {
            return "JPEG";
        }
        if (startsWith(encoded, 0, "GIF87a") || startsWith(encoded, 0, "GIF89a")) {
            return "GIF";
        }
        if (startsWith(encoded, 0, "BM")) {
            return "BMP";
        }
        if (startsWith(encoded, 0, "RIFF") && startsWith(encoded, 8, "WEBP")) {
            return "WEBP";
        }
        throw new InvalidImageException("not a recognised image format (" + encoded.length + " bytes with no PNG, JPEG,"
                + " GIF, BMP or WebP signature); supported: " + String.join(", ", FORMATS.stream().sorted().toList()));
    }

    private static boolean startsWith(byte[] bytes, int at, String ascii) {
        if (bytes.length < at + ascii.length()) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            if (bytes[at + i] != (byte) ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** This class loader's reader for {@code format} ({@link ImageReaders}), if it accepts the stream. */
    private static ImageReader readerFor(ImageInputStream in, String format) throws IOException {
        ImageReader reader = ImageReaders.create(format);
        if (!reader.getOriginatingProvider().canDecodeInput(in)) {
            reader.dispose();
            throw new InvalidImageException("corrupt " + format + ": no reader accepts it");
        }
        return reader;
    }

    private static ImageInputStream stream(byte[] bytes) {
        return new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes));
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
}
