package io.hspace.report;

import java.util.List;
import java.util.Locale;

/** Inline SVG charts (no scripts, no network). Every text is escaped. */
public final class Charts {
    private Charts() {}

    private static final String[] PALETTE = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /**
     * Horizontal bars with interval whiskers, on a fixed axis.
     *
     * @param labels bar labels
     * @param values bar values
     * @param low interval lows
     * @param high interval highs
     * @param min axis minimum
     * @param max axis maximum
     */
    public static String bars(String title, List<String> labels, double[] values, double[] low, double[] high, double min, double max) {
        int rowH = 22;
        int left = 170;
        int width = 520;
        int plot = width - left - 20;
        int height = 30 + rowH * labels.size() + 20;
        StringBuilder sb = new StringBuilder();
        sb.append("<svg class=\"chart bars\" role=\"img\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height).append("\" xmlns=\"http://www.w3.org/2000/svg\">");
        sb.append("<title>").append(Html.escape(title)).append("</title>");
        double zero = x(0, min, max, left, plot);
        sb.append("<line x1=\"").append(f(zero)).append("\" y1=\"20\" x2=\"").append(f(zero)).append("\" y2=\"").append(height - 15)
                .append("\" stroke=\"#888\"/>");
        for (int i = 0; i < labels.size(); i++) {
            double y = 25 + i * rowH;
            double xv = x(values[i], min, max, left, plot);
            sb.append("<text x=\"").append(left - 6).append("\" y=\"").append(f(y + 12)).append("\" text-anchor=\"end\">")
                    .append(Html.escape(labels.get(i))).append("</text>");
            sb.append("<rect x=\"").append(f(Math.min(zero, xv))).append("\" y=\"").append(f(y + 2)).append("\" width=\"")
                    .append(f(Math.abs(xv - zero))).append("\" height=\"14\" fill=\"").append(PALETTE[i % PALETTE.length])
                    .append("\" opacity=\"0.75\"/>");
            if (low != null) {
                double xl = x(low[i], min, max, left, plot);
                double xh = x(high[i], min, max, left, plot);
                sb.append("<line x1=\"").append(f(xl)).append("\" y1=\"").append(f(y + 9)).append("\" x2=\"").append(f(xh))
                        .append("\" y2=\"").append(f(y + 9)).append("\" stroke=\"#000\"/>");
                sb.append("<line x1=\"").append(f(xl)).append("\" y1=\"").append(f(y + 4)).append("\" x2=\"").append(f(xl))
                        .append("\" y2=\"").append(f(y + 14)).append("\" stroke=\"#000\"/>");
                sb.append("<line x1=\"").append(f(xh)).append("\" y1=\"").append(f(y + 4)).append("\" x2=\"").append(f(xh))
                        .append("\" y2=\"").append(f(y + 14)).append("\" stroke=\"#000\"/>");
            }
        }
        sb.append("<text x=\"").append(left).append("\" y=\"12\">").append(Html.escape(title)).append("</text>");
        sb.append("<text x=\"").append(left).append("\" y=\"").append(height - 2).append("\">").append(f(min)).append("</text>");
        sb.append("<text x=\"").append(left + plot).append("\" y=\"").append(height - 2).append("\" text-anchor=\"end\">")
                .append(f(max)).append("</text>");
        return sb.append("</svg>").toString();
    }

    private static double x(double v, double min, double max, int left, int plot) {
        double c = Math.max(min, Math.min(max, v));
        return left + (c - min) / (max - min) * plot;
    }

    /** A heatmap of values in [-1, 1] (blue negative, red positive) with row and column labels. */
    public static String heatmap(String title, List<String> rows, List<String> cols, double[][] v) {
        int cell = 34;
        int left = 190;
        int top = 110;
        int width = left + cell * cols.size() + 10;
        int height = top + cell * rows.size() + 10;
        StringBuilder sb = new StringBuilder();
        sb.append("<svg class=\"chart heatmap\" role=\"img\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" xmlns=\"http://www.w3.org/2000/svg\"><title>").append(Html.escape(title)).append("</title>");
        for (int j = 0; j < cols.size(); j++) {
            double cx = left + j * cell + cell / 2.0;
            sb.append("<text transform=\"translate(").append(f(cx)).append(',').append(top - 6).append(") rotate(-45)\">")
                    .append(Html.escape(cols.get(j))).append("</text>");
        }
        for (int i = 0; i < rows.size(); i++) {
            sb.append("<text x=\"").append(left - 6).append("\" y=\"").append(top + i * cell + cell / 2 + 4)
                    .append("\" text-anchor=\"end\">").append(Html.escape(rows.get(i))).append("</text>");
            for (int j = 0; j < cols.size(); j++) {
                double a = Math.max(-1, Math.min(1, v[i][j]));
                int r = a > 0 ? 255 : (int) (255 * (1 + a));
                int b = a < 0 ? 255 : (int) (255 * (1 - a));
                int g = (int) (255 * (1 - Math.abs(a)));
                sb.append("<rect x=\"").append(left + j * cell).append("\" y=\"").append(top + i * cell).append("\" width=\"")
                        .append(cell - 1).append("\" height=\"").append(cell - 1).append("\" fill=\"rgb(").append(r).append(',')
                        .append(g).append(',').append(b).append(")\"><title>").append(Html.escape(rows.get(i) + " / " + cols.get(j)
                                + ": " + Html.num(v[i][j]))).append("</title></rect>");
            }
        }
        return sb.append("</svg>").toString();
    }

    /** A scatter plot of 2-D points coloured by group, each with a hover label. */
    public static String scatter(String title, double[][] points, int[] group, List<String> labels) {
        int size = 420;
        double minX = Double.POSITIVE_INFINITY, maxX = Double.NEGATIVE_INFINITY, minY = Double.POSITIVE_INFINITY, maxY = Double.NEGATIVE_INFINITY;
        for (double[] p : points) {
            minX = Math.min(minX, p[0]);
            maxX = Math.max(maxX, p[0]);
            minY = Math.min(minY, p[1]);
            maxY = Math.max(maxY, p[1]);
        }
        double sx = maxX > minX ? (size - 40) / (maxX - minX) : 1;
        double sy = maxY > minY ? (size - 40) / (maxY - minY) : 1;
        StringBuilder sb = new StringBuilder();
        sb.append("<svg class=\"chart scatter\" role=\"img\" width=\"").append(size).append("\" height=\"").append(size)
                .append("\" xmlns=\"http://www.w3.org/2000/svg\"><title>").append(Html.escape(title)).append("</title>");
        sb.append("<rect x=\"0\" y=\"0\" width=\"").append(size).append("\" height=\"").append(size).append("\" fill=\"none\" stroke=\"#ccc\"/>");
        for (int i = 0; i < points.length; i++) {
            double x = 20 + (points[i][0] - minX) * sx;
            double y = size - 20 - (points[i][1] - minY) * sy;
            sb.append("<circle cx=\"").append(f(x)).append("\" cy=\"").append(f(y)).append("\" r=\"5\" fill=\"")
                    .append(PALETTE[group[i] % PALETTE.length]).append("\"><title>").append(Html.escape(labels.get(i)))
                    .append("</title></circle>");
        }
        return sb.append("</svg>").toString();
    }

    /** Lines of several series over captured steps (values in [min, max]). */
    public static String lines(String title, List<String> series, double[][] values, double min, double max) {
        int w = 520;
        int h = 220;
        int left = 40;
        int steps = values.length == 0 ? 0 : values[0].length;
        StringBuilder sb = new StringBuilder();
        sb.append("<svg class=\"chart lines\" role=\"img\" width=\"").append(w).append("\" height=\"").append(h)
                .append("\" xmlns=\"http://www.w3.org/2000/svg\"><title>").append(Html.escape(title)).append("</title>");
        for (int s = 0; s < series.size(); s++) {
            StringBuilder pts = new StringBuilder();
            for (int t = 0; t < steps; t++) {
                double x = left + (steps == 1 ? 0 : t * (w - left - 140.0) / (steps - 1));
                double y = h - 25 - (Math.max(min, Math.min(max, values[s][t])) - min) / (max - min) * (h - 45);
                pts.append(f(x)).append(',').append(f(y)).append(' ');
            }
            sb.append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"").append(PALETTE[s % PALETTE.length]).append("\" points=\"")
                    .append(pts.toString().trim()).append("\"/>");
            sb.append("<text x=\"").append(w - 130).append("\" y=\"").append(20 + 14 * s).append("\" fill=\"")
                    .append(PALETTE[s % PALETTE.length]).append("\">").append(Html.escape(series.get(s))).append("</text>");
        }
        sb.append("<text x=\"2\" y=\"20\">").append(f(max)).append("</text><text x=\"2\" y=\"").append(h - 25).append("\">")
                .append(f(min)).append("</text><text x=\"").append(left).append("\" y=\"").append(h - 5)
                .append("\">captured step →</text>");
        return sb.append("</svg>").toString();
    }
}
