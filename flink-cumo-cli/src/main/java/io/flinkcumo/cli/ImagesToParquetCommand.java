package io.flinkcumo.cli;

import io.flinkcumo.jobs.ImagesToParquet;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cumo images-to-parquet}: a directory of images as a Hugging Face-layout Parquet file. */
@Command(
        name = "images-to-parquet",
        mixinStandardHelpOptions = true,
        description = "Write a directory of images as Parquet in the Hugging Face datasets layout"
                + " (id string, image struct<bytes: binary, path: string>), e.g. as input for 'cumo caption'.")
final class ImagesToParquetCommand implements Callable<Integer> {

    @Option(names = "--images", required = true, description = "Directory of images (png, jpg, gif, bmp, webp).")
    Path images;

    @Option(names = "--out", required = true, description = "Parquet file to write (replaced if it exists).")
    Path out;

    @Option(names = "--paths-only", description = "Store only each image's path, relative to the output file, not its bytes.")
    boolean pathsOnly;

    @Override
    public Integer call() throws Exception {
        int n = ImagesToParquet.write(images, out, pathsOnly);
        System.out.println("wrote " + n + " images to " + out);
        return 0;
    }
}
