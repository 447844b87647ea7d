package io.flinkcumo.engine.image;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Pillow's view of a GIF's first frame: the frame (which ImageIO returns at its own size) placed
 * at its offset on the logical screen, the screen enlarged to hold the frame if needed, and the
 * rest filled with the frame's transparent colour index, or index 0 without one, through the
 * frame's palette.
 */
final class GifScreen {

    /** Canvas size, frame position and the palette index of the uncovered area. */
    record Layout(int width, int height, int left, int top, int fillIndex) {}

    private static final String STREAM_FORMAT = "javax_imageio_gif_stream_1.0";
    private static final String IMAGE_FORMAT = "javax_imageio_gif_image_1.0";

    private GifScreen() {}

    /** The layout of frame 0, from the reader's stream and image metadata. */
    static Layout layout(ImageReader reader, int frameWidth, int frameHeight) throws IOException {
        int left = 0;
        int top = 0;
        int fill = 0;
        int screenWidth = 0;
        int screenHeight = 0;
        Element screen = child(tree(reader.getStreamMetadata(), STREAM_FORMAT), "LogicalScreenDescriptor");
        if (screen != null) {
            screenWidth = intAttribute(screen, "logicalScreenWidth");
            screenHeight = intAttribute(screen, "logicalScreenHeight");
        }
        Node image = tree(reader.getImageMetadata(0), IMAGE_FORMAT);
        Element descriptor = child(image, "ImageDescriptor");
        if (descriptor != null) {
            left = intAttribute(descriptor, "imageLeftPosition");
            top = intAttribute(descriptor, "imageTopPosition");
        }
        Element control = child(image, "GraphicControlExtension");
        if (control != null && "TRUE".equalsIgnoreCase(control.getAttribute("transparentColorFlag"))) {
            fill = intAttribute(control, "transparentColorIndex");
        }
        return new Layout(Math.max(screenWidth, left + frameWidth), Math.max(screenHeight, top + frameHeight),
                left, top, fill);
    }

    /** The decoded frame placed on the canvas of {@code layout} (the frame itself when it covers it). */
    static RgbImage compose(BufferedImage frame, Layout layout) {
        RgbImage pixels = PilRgb.convert(frame, false);
        if (layout.width() == pixels.width() && layout.height() == pixels.height()) {
            return pixels;
        }
        byte[] fill = new byte[3];
        if (frame.getColorModel() instanceof IndexColorModel icm && layout.fillIndex() < icm.getMapSize()) {
            fill[0] = (byte) icm.getRed(layout.fillIndex());
            fill[1] = (byte) icm.getGreen(layout.fillIndex());
            fill[2] = (byte) icm.getBlue(layout.fillIndex());
        }
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(layout.width(), layout.height()), 3)];
        for (int i = 0; i < out.length; i += 3) {
            out[i] = fill[0];
            out[i + 1] = fill[1];
            out[i + 2] = fill[2];
        }
        int rowBytes = pixels.width() * 3;
        for (int y = 0; y < pixels.height(); y++) {
            System.arraycopy(pixels.rgb(), y * rowBytes, out,
                    ((layout.top() + y) * layout.width() + layout.left()) * 3, rowBytes);
        }
        return new RgbImage(layout.width(), layout.height(), out);
    }

    private static Node tree(IIOMetadata metadata, String format) {
        return metadata == null ? null : metadata.getAsTree(format);
    }

    private static Element child(Node parent, String name) {
        for (Node n = parent == null ? null : parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(e.getNodeName())) {
                return e;
            }
        }
        return null;
    }

    private static int intAttribute(Element element, String name) {
        String value = element.getAttribute(name);
        return value.isEmpty() ? 0 : Integer.parseInt(value);
    }
}
