package io.flinkcumo.engine.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, bug 2: decoding in one job's class loader must not break decoding in the next one, and
 * must not leave anything of the job's class loader in the JVM-wide ImageIO registry. Two
 * isolated class loaders (parent: the platform loader, as two Flink user-code loaders with the
 * plugin jar in each) each load the decoder and decode a JPEG, a WebP-free PNG and a BMP.
 */
class ImageReadersClassLoaderTest {

    @Test
    void twoJobClassLoadersDecodeJpegAndLeaveTheGlobalRegistryUntouched() throws Exception {
        BufferedImage image = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                image.setRGB(x, y, (x * 6) << 16 | (y * 8) << 8 | 100);
            }
        }
        byte[] jpeg = Fixtures.encode(image, "jpg");
        byte[] png = Fixtures.png(image);
        byte[] bmp = Fixtures.encode(image, "bmp");

        List<ClassLoader> loaders = List.of(jobLoader(), jobLoader());
        for (ClassLoader loader : loaders) {
            Thread.currentThread().setContextClassLoader(loader); // as a Flink task thread has it
            try {
                Class<?> decoderClass = Class.forName(ImageDecoder.class.getName(), true, loader);
                assertThat(decoderClass).isNotSameAs(ImageDecoder.class);
                Object decoder = decoderClass.getConstructor().newInstance();
                Method decode = decoderClass.getMethod("decode", byte[].class);
                for (byte[] bytes : List.of(jpeg, png, bmp)) {
                    Object rgb = decode.invoke(decoder, (Object) bytes);
                    assertThat(rgb.getClass().getMethod("width").invoke(rgb)).isEqualTo(40);
                    assertThat(rgb.getClass().getMethod("height").invoke(rgb)).isEqualTo(30);
                }
            } finally {
                Thread.currentThread().setContextClassLoader(ImageReadersClassLoaderTest.class.getClassLoader());
            }
        }

        Iterator<ImageReaderSpi> registered = IIORegistry.getDefaultInstance().getServiceProviders(ImageReaderSpi.class, false);
        while (registered.hasNext()) {
            ClassLoader owner = registered.next().getClass().getClassLoader();
            assertThat(loaders).as("a job class loader's provider in the JVM-wide registry").doesNotContain(owner);
        }
        for (ClassLoader loader : loaders) {
            ((URLClassLoader) loader).close();
        }
    }

    /** The connector's classes and the TwelveMonkeys jars, isolated from the test's class loader. */
    private static URLClassLoader jobLoader() throws Exception {
        List<URL> urls = new ArrayList<>();
        urls.add(Path.of("target/classes").toAbsolutePath().toUri().toURL());
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.contains("twelvemonkeys")) {
                urls.add(Path.of(entry).toUri().toURL());
            }
        }
        assertThat(urls.size()).as("TwelveMonkeys jars on the test class path").isGreaterThan(3);
        return new URLClassLoader("job", urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    }
}
