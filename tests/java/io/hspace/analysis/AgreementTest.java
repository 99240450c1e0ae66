package io.hspace.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AgreementTest {

    @Test
    void spearmanWithoutTiesIsOneMinusSixSumD2() {
        // d = 0, 1, 1, 0: rho = 1 - 6 * 2 / (4 * 15) = 0.8
        assertEquals(0.8, Agreement.spearman(new double[] {1, 2, 3, 4}, new double[] {10, 30, 20, 40}), 1e-12);
    }

    @Test
    void spearmanGivesTiesTheirMeanRank() {
        // y ranks 1, 2, 3.5, 5, 3.5: sum dx dy = 8, sum dx^2 = 10, sum dy^2 = 9.5
        assertArrayEquals(new double[] {1, 2, 3.5, 5, 3.5}, Agreement.ranks(new double[] {5, 6, 7, 8, 7}), 1e-12);
        assertEquals(8 / Math.sqrt(95), Agreement.spearman(new double[] {1, 2, 3, 4, 5}, new double[] {5, 6, 7, 8, 7}), 1e-12);
    }

    @Test
    void spearmanIsInvariantToMonotoneMapsAndNegatedByReversal() {
        double[] x = {0.3, -1, 2, 7, 4.5};
        double[] y = {Math.exp(0.3), Math.exp(-1), Math.exp(2), Math.exp(7), Math.exp(4.5)};
        assertEquals(1.0, Agreement.spearman(x, y), 1e-12);
        double[] neg = {-0.3, 1, -2, -7, -4.5};
        assertEquals(-1.0, Agreement.spearman(x, neg), 1e-12);
    }

    @Test
    void spearmanOfAConstantSideIsNaN() {
        assertTrue(Double.isNaN(Agreement.spearman(new double[] {1, 2, 3}, new double[] {4, 4, 4})));
        assertThrows(IllegalArgumentException.class, () -> Agreement.spearman(new double[] {1}, new double[] {1}));
    }

    @Test
    void adjustedRandOfTheTextbookExample() {
        // contingency [[2,1,0],[0,1,2]]: index 2, row pairs 6, column pairs 3, expected 18/15, max 4.5
        assertEquals((2 - 1.2) / (4.5 - 1.2),
                Agreement.adjustedRand(new int[] {0, 0, 0, 1, 1, 1}, new int[] {0, 0, 1, 1, 2, 2}), 1e-12);
    }

    @Test
    void adjustedRandIgnoresLabelNames() {
        assertEquals(1.0, Agreement.adjustedRand(new int[] {0, 0, 1, 1, 2}, new int[] {7, 7, 3, 3, 9}), 1e-12);
    }

    @Test
    void adjustedRandOfACrossedPartitionIsNegative() {
        // index 0, row pairs 2, column pairs 2, expected 4/6, max 2: (0 - 2/3) / (2 - 2/3) = -0.5
        assertEquals(-0.5, Agreement.adjustedRand(new int[] {0, 0, 1, 1}, new int[] {0, 1, 0, 1}), 1e-12);
    }

    @Test
    void adjustedRandOfSingletonsAgainstOneClusterIsZero() {
        assertEquals(0.0, Agreement.adjustedRand(new int[] {0, 1, 2, 3}, new int[] {5, 5, 5, 5}), 1e-12);
    }
}
