package io.flinkcumo.runtime;

import io.flinkcumo.runtime.core.ImageMessage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImageMessageTest {

    private static ImageMessage parse(String json) {
        return ImageMessage.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsIdImageAndMetadata() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2};
        ImageMessage m = parse("{\"id\": \"img-42\", \"image\": \"" + Base64.getEncoder().encodeToString(png)
                + "\", \"metadata\": {\"user\": \"u7\", \"n\": 3, \"tags\": [\"a\"]}}");
        assertThat(m.error()).isNull();
        assertThat(m.id()).isEqualTo("img-42");
        assertThat(m.image()).containsExactly(png);
        assertThat(m.imagePath()).isNull();
        assertThat(m.metadataMap()).isEqualTo(Map.of("user", "u7", "n", "3", "tags", "[\"a\"]"));
    }

    @Test
    void readsAnImagePathInsteadOfBytes() {
        ImageMessage m = parse("{\"image_path\": \"s3://bucket/a.png\"}");
        assertThat(m.error()).isNull();
        assertThat(m.id()).isNull();
        assertThat(m.image()).isNull();
        assertThat(m.imagePath()).isEqualTo("s3://bucket/a.png");
        assertThat(m.metadataMap()).isEmpty();
    }

    @Test
    void badValuesBecomeErrorsNeverExceptions() {
        assertThat(parse("<html>oops</html>").error()).startsWith("invalid message: ");
        assertThat(parse("[1, 2]").error()).isEqualTo("invalid message: the value is not a JSON object");
        assertThat(parse("").error()).isEqualTo("invalid message: the value is not a JSON object");
        assertThat(ImageMessage.parse(null).error()).isEqualTo("invalid message: the record has no value");
        ImageMessage badBase64 = parse("{\"id\": \"x1\", \"image\": \"@@not base64@@\"}");
        assertThat(badBase64.error()).startsWith("invalid message: ");
        assertThat(badBase64.id()).as("a readable id is kept").isEqualTo("x1");
        assertThat(badBase64.image()).isNull();
    }

    @Test
    void anObjectWithoutImageOrImagePathSaysSoAndKeepsItsIdAndMetadata() {
        ImageMessage m = parse("{\"id\": \"empty-1\", \"metadata\": {\"user\": \"u7\"}}");
        assertThat(m.error()).isEqualTo("the message has no image").isEqualTo(ImageMessage.NO_IMAGE);
        assertThat(m.id()).isEqualTo("empty-1");
        assertThat(m.image()).isNull();
        assertThat(m.imagePath()).isNull();
        assertThat(m.metadataMap()).isEqualTo(Map.of("user", "u7"));
        assertThat(parse("{\"image\": null, \"image_path\": null}").error()).isEqualTo(ImageMessage.NO_IMAGE);
        assertThat(parse("{}").error()).isEqualTo(ImageMessage.NO_IMAGE);
    }
}
