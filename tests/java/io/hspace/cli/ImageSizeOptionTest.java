package io.hspace.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** --size, as extract, generate, condition and steer parse it (one parser for all four). */
class ImageSizeOptionTest {

    @Test
    void readsWidthByHeight() {
        assertArrayEquals(new int[] {64, 32}, SamplingOptions.imageSize(null, "64X32"));
    }

    @Test
    void refusesAThirdDimensionOrNonNumbersNamingTheFlag() {
        for (String bad : new String[] {"32x32x3", "32", "ax32"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SamplingOptions.imageSize(null, bad));
            assertTrue(e.getMessage().contains("--size") && e.getMessage().contains(bad), e.getMessage());
        }
    }
}
