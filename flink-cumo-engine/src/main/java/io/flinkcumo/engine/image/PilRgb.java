package io.flinkcumo.engine.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Decoded ImageIO pixels to 8-bit RGB with the semantics of Pillow's {@code convert("RGB")} on the
 * image Pillow would have opened. Works on the raw raster samples, never on {@code getRGB} (which
 * colour-manages, e.g. turns linear gray into sRGB and applies ICC profiles, whereas Pillow applies
 * no colour management in {@code convert}).
 *
 * <ul>
 *   <li>Gray (L, LA): the gray value replicated; alpha dropped.</li>
 *   <li>RGB, RGBA: the colour samples; alpha dropped, not composited (transparent pixels keep
 *       their stored colour).</li>
 *   <li>Palette (P, PA): palette lookup of the index; palette alpha ignored.</li>
 *   <li>Fewer than 8 bits per sample (1/2/4-bit PNG gray, 5/6-bit BMP fields): scaled to 8 bits as
 *       Pillow's unpackers do, {@code v * 255 / (2^bits - 1)} (exact for 1, 2 and 4 bits).</li>
 *   <li>16 bits per sample: Pillow reads 16-bit RGB(A) and gray+alpha PNGs by keeping the high
 *       byte ({@code v >> 8}), but opens 16-bit gray PNGs (colour type 0, with or without tRNS)
 *       as an integer image (mode {@code I;16}, {@code I} before Pillow 10) whose RGB conversion
 *       <em>clamps</em> to 0..255 ({@code min(v, 255)}): most such images turn white. That is
 *       reproduced on purpose.</li>
 *   <li>Palette indices beyond the palette (invalid per the PNG and GIF specifications) take the
 *       last entry; Pillow's result for them is not reproduced.</li>
 *   <li>CMYK and YCCK JPEG: see {@link #fromJpegCmyk}; Pillow's naive {@code cmyk2rgb},
 *       {@code R = (255-K) - round((255-K)*C/255)}, no ICC profile.</li>
 * </ul>
 */
final class PilRgb {

    private PilRgb() {}

    /**
     * Converts decoded pixels. {@code integerGray} says that Pillow opens this file's gray samples
     * as an integer image (16-bit gray PNG, colour type 0, also when ImageIO adds alpha for a tRNS
     * chunk), whose RGB conversion clamps instead of keeping the high byte.
     */
    static RgbImage convert(BufferedImage image, boolean integerGray) {
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        int w = image.getWidth();
        int h = image.getHeight();
        RowConverter converter = converterFor(cm, integerGray);
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        int[] samples = new int[w * raster.getNumBands()];
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, samples);
            converter.convert(samples, raster.getNumBands(), w, out, y * w * 3);
        }
        return new RgbImage(w, h, out);
    }

    /** Converts one row of raw samples (bands interleaved) to RGB bytes at {@code out[offset..]}. */
    private interface RowConverter {
        void convert(int[] samples, int bands, int width, byte[] out, int offset);
    }

    private static RowConverter converterFor(ColorModel cm, boolean integerGray) {
        if (cm instanceof IndexColorModel icm) {
            int size = icm.getMapSize();
            byte[] r = new byte[size];
            byte[] g = new byte[size];
            byte[] b = new byte[size];
            icm.getReds(r);
            icm.getGreens(g);
            icm.getBlues(b);
            return (s, bands, width, out, off) -> {
                for (int x = 0; x < width; x++) {
                    int i = Math.min(s[x * bands], size - 1);
                    out[off++] = r[i];
                    out[off++] = g[i];
                    out[off++] = b[i];
                }
            };
        }
        int[] bits = cm.getComponentSize();
        int type = cm.getColorSpace().getType();
        switch (type) {
            case ColorSpace.TYPE_GRAY -> {
                boolean clamp = integerGray && bits[0] > 8;
                int shift = bits[0] > 8 ? bits[0] - 8 : 0;
                int max = (1 << bits[0]) - 1;
                return (s, bands, width, out, off) -> {
                    for (int x = 0; x < width; x++) {
                        int v = s[x * bands];
                        byte g = (byte) (clamp ? Math.min(v, 255) : to8(v, bits[0], shift, max));
                        out[off++] = g;
                        out[off++] = g;
                        out[off++] = g;
                    }
                };
            }
            case ColorSpace.TYPE_RGB -> {
                return (s, bands, width, out, off) -> {
                    for (int x = 0; x < width; x++) {
                        for (int c = 0; c < 3; c++) {
                            int bc = bits[c];
                            out[off++] = (byte) to8(s[x * bands + c], bc, bc > 8 ? bc - 8 : 0, (1 << bc) - 1);
                        }
                    }
                };
            }
            default -> throw new InvalidImageException(
                    "unsupported colour space (java.awt.color.ColorSpace type " + type + ")");
        }
    }

    /**
     * A 4-component JPEG from its undecoded raster (as libjpeg returns it without colour
     * conversion) the way Pillow sees it: libjpeg turns YCCK (Adobe transform 2) into CMYK with its
     * YCbCr tables and {@code C = 255 - R}; Pillow always reads CMYK JPEGs with Adobe polarity
     * (inverted, rawmode {@code CMYK;I}); then its naive {@code cmyk2rgb}.
     */
    static RgbImage fromJpegCmyk(Raster raster, boolean ycck) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        int[] px = new int[w * 4];
        int[] rgb = new int[3];
        int o = 0;
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, px);
            for (int x = 0; x < w; x++) {
                int p = x * 4;
                int c;
                int m;
                int ye;
                if (ycck) { // stored C = 255 - R(YCC), so Pillow's inverted C = R(YCC)
                    LibjpegYcc.toRgb(px[p], px[p + 1], px[p + 2], rgb);
                    c = rgb[0];
                    m = rgb[1];
                    ye = rgb[2];
                } else {
                    c = 255 - px[p];
                    m = 255 - px[p + 1];
                    ye = 255 - px[p + 2];
                }
                int nk = px[p + 3]; // 255 - K with K = 255 - stored
                out[o++] = (byte) clip8(nk - mulDiv255(c, nk));
                out[o++] = (byte) clip8(nk - mulDiv255(m, nk));
                out[o++] = (byte) clip8(nk - mulDiv255(ye, nk));
            }
        }
        return new RgbImage(w, h, out);
    }

    /** An n-bit sample as 8 bits: high byte when wider, Pillow's integer scaling when narrower. */
    private static int to8(int v, int bits, int shift, int max) {
        if (bits == 8) {
            return v;
        }
        return bits > 8 ? v >> shift : v * 255 / max;
    }

    /** Pillow's MULDIV255: round(a * b / 255) for a, b in 0..255. */
    private static int mulDiv255(int a, int b) {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }

    private static int clip8(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }
}
