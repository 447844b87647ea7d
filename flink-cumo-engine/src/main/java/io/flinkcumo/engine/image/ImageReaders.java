package io.flinkcumo.engine.image;

import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageReader;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.spi.ServiceRegistry;

/**
 * The image readers the decoder uses, one per format, found without touching the JVM-wide {@link
 * IIORegistry}: PNG and GIF are the JDK's own readers (defined by the boot class loader, so the same
 * for every job), JPEG, WebP and BMP are TwelveMonkeys readers instantiated from this class's own
 * class loader. Registering the TwelveMonkeys providers in the global registry from a job's class
 * loader (as ImageIO's plugin scan does) leaks that class loader and hands its classes to later
 * jobs, which then fail with {@code IllegalAccessError}; here each class loader keeps its own
 * providers in a private {@link ServiceRegistry}, collected with it.
 *
 * <p>The TwelveMonkeys JPEG reader delegates to the JDK's JPEG reader, which it looks up in the
 * registry it is registered with; registering both in the private registry wires that up.
 */
final class ImageReaders {

    private static final Map<String, ImageReaderSpi> PROVIDERS = providers();

    private ImageReaders() {}

    /** A new reader for {@code format} (PNG, JPEG, GIF, BMP or WEBP); the caller disposes it. */
    static ImageReader create(String format) throws IOException {
        ImageReaderSpi spi = PROVIDERS.get(format);
        if (spi == null) {
            throw new InvalidImageException("no reader for " + format);
        }
        return spi.createReaderInstance(null);
    }

    /** The provider used for {@code format}, for tests. */
    static ImageReaderSpi provider(String format) {
        return PROVIDERS.get(format);
    }

    private static Map<String, ImageReaderSpi> providers() {
        ImageReaderSpi jdkJpeg = jdkProvider("com.sun.imageio.plugins.jpeg.JPEGImageReaderSpi");
        ServiceRegistry own = new ServiceRegistry(List.<Class<?>>of(ImageReaderSpi.class).iterator());
        own.registerServiceProvider(jdkJpeg, ImageReaderSpi.class);
        ImageReaderSpi jpeg = new com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi();
        own.registerServiceProvider(jpeg, ImageReaderSpi.class); // onRegistration finds its JDK delegate
        return Map.of(
                "PNG", jdkProvider("com.sun.imageio.plugins.png.PNGImageReaderSpi"),
                "GIF", jdkProvider("com.sun.imageio.plugins.gif.GIFImageReaderSpi"),
                "JPEG", jpeg,
                "WEBP", new com.twelvemonkeys.imageio.plugins.webp.WebPImageReaderSpi(),
                "BMP", new com.twelvemonkeys.imageio.plugins.bmp.BMPImageReaderSpi());
    }

    /**
     * A reader provider of the JDK's {@code java.desktop} module: its classes are not exported, so
     * the instance ImageIO created at start-up is taken (read only) from the default registry, and
     * only one defined by the boot class loader is accepted.
     */
    private static ImageReaderSpi jdkProvider(String className) {
        Iterator<ImageReaderSpi> all = defaultRegistry().getServiceProviders(
                ImageReaderSpi.class,
                spi -> spi.getClass().getName().equals(className) && spi.getClass().getClassLoader() == null,
                false);
        if (!all.hasNext()) {
            throw new IllegalStateException("the JDK image reader " + className + " is not available");
        }
        return all.next();
    }

    /**
     * The default registry. When this call creates it, ImageIO also registers every provider that
     * the context class loader's {@code META-INF/services} name, which on a TaskManager is the
     * job's class loader: the platform class loader is set for the call so that only the JDK's
     * providers go in.
     */
    private static IIORegistry defaultRegistry() {
        Thread thread = Thread.currentThread();
        ClassLoader context = thread.getContextClassLoader();
        thread.setContextClassLoader(ClassLoader.getPlatformClassLoader());
        try {
            return IIORegistry.getDefaultInstance();
        } finally {
            thread.setContextClassLoader(context);
        }
    }
}
