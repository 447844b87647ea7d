package io.flinkcumo.engine.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Profile removal changes nothing but the profile, and leaves malformed files to the decoder. */
class EmbeddedProfilesTest {

    @Test
    void jpegLosesOnlyItsIccSegment() {
        byte[] jpeg = Fixtures.resource("icc_linear_jpeg.jpg");
        EmbeddedProfiles.Jpeg stripped = EmbeddedProfiles.jpeg(jpeg);
        int segment = 2 + 2 + "ICC_PROFILE\0".length() + 2 + 488; // marker, length, id, chunk no/count, profile
        assertThat(stripped.bytes()).hasSize(jpeg.length - segment);
        assertThat(contains(stripped.bytes(), "ICC_PROFILE")).isFalse();
        assertThat(contains(jpeg, "ICC_PROFILE")).isTrue();
        assertThat(stripped.components()).isEqualTo(3);
        assertThat(stripped.adobeTransform()).isEqualTo(-1);
        // the scan data is untouched: the tail of both files is identical
        assertThat(Arrays.copyOfRange(stripped.bytes(), stripped.bytes().length - 1000, stripped.bytes().length))
                .isEqualTo(Arrays.copyOfRange(jpeg, jpeg.length - 1000, jpeg.length));
    }

    @Test
    void jpegWithoutProfileIsReturnedAsIs() {
        byte[] cmyk = Fixtures.resource("cmyk.jpg");
        EmbeddedProfiles.Jpeg info = EmbeddedProfiles.jpeg(cmyk);
        assertThat(info.bytes()).isSameAs(cmyk);
        assertThat(info.components()).isEqualTo(4);
        assertThat(info.adobeTransform()).isEqualTo(0);
        assertThat(EmbeddedProfiles.jpeg(Fixtures.resource("ycck.jpg")).adobeTransform()).isEqualTo(2);
    }

    @Test
    void malformedJpegHeadersAreLeftAlone() {
        byte[] jpeg = Fixtures.resource("icc_linear_jpeg.jpg");
        for (int cut = 0; cut < 600; cut += 7) {
            byte[] truncated = Arrays.copyOf(jpeg, cut);
            EmbeddedProfiles.Jpeg result = EmbeddedProfiles.jpeg(truncated);
            assertThat(result.bytes().length).isLessThanOrEqualTo(truncated.length);
        }
        byte[] badLength = jpeg.clone();
        badLength[4] = (byte) 0xff; // APP0 length beyond the end of the file
        badLength[5] = (byte) 0xff;
        assertThat(EmbeddedProfiles.jpeg(badLength).bytes()).isSameAs(badLength);
    }

    @Test
    void webpLosesItsIccpChunkAndFlag() {
        byte[] webp = Fixtures.resource("icc_linear_webp.webp");
        byte[] stripped = EmbeddedProfiles.webp(webp);
        assertThat(contains(webp, "ICCP")).isTrue();
        assertThat(contains(stripped, "ICCP")).isFalse();
        assertThat(stripped).hasSize(webp.length - 8 - 488);
        int riffSize = ByteBuffer.wrap(stripped, 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        assertThat(riffSize).isEqualTo(stripped.length - 8);
        assertThat(new String(stripped, 12, 4, StandardCharsets.US_ASCII)).isEqualTo("VP8X");
        assertThat(webp[20] & 0x20).isEqualTo(0x20);
        assertThat(stripped[20] & 0x20).isZero();
        byte[] plain = Fixtures.resource("lossless.webp");
        assertThat(EmbeddedProfiles.webp(plain)).isSameAs(plain);
    }

    private static boolean contains(byte[] haystack, String needle) {
        return new String(haystack, StandardCharsets.ISO_8859_1).contains(needle);
    }
}
