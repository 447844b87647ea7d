/**
 * Image input for CuMo: decoding and CLIP preprocessing in pure Java, reproducing the Python
 * reference ({@code PIL.Image.open(...).convert("RGB")}, LLaVA's pad-to-square, transformers'
 * {@code CLIPImageProcessor} with Pillow bicubic resizing) bit for bit.
 *
 * <ul>
 *   <li>{@link io.flinkcumo.engine.image.ImageDecoder}: bytes to {@link io.flinkcumo.engine.image.RgbImage},
 *       with size limits and {@link io.flinkcumo.engine.image.InvalidImageException} for unusable input.</li>
 *   <li>{@link io.flinkcumo.engine.image.ClipImageProcessor}: RGB image to
 *       {@link io.flinkcumo.engine.image.PixelValues} [3, 336, 336].</li>
 *   <li>{@link io.flinkcumo.engine.image.CubicInterpolation}: the per-axis matrices of PyTorch's
 *       bicubic interpolation, for the S² 3x upsampling done on the device.</li>
 * </ul>
 */
package io.flinkcumo.engine.image;
