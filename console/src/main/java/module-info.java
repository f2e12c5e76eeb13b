/**
 * Fairway's browser pages, served by the transport as they are: the try-it page ({@code /}), the operator
 * console ({@code /console}), and the reference JavaScript client ({@code /assets/fairway-client.js}) both
 * use. Plain ES modules and CSS, no build step; the console's charts are uPlot, read from its WebJar.
 *
 * <p>The module provides one {@link dev.fairway.api.spi.WebContent}, which the application finds with
 * {@link java.util.ServiceLoader} and hands to the transport; the transport knows no page, and this module
 * knows no HTTP server. Its files live under {@code META-INF/resources/fairway/}, which is not a package, so
 * nothing is opened.
 */
module dev.fairway.console {
    requires dev.fairway.api;
    // The uPlot WebJar: resources only (META-INF/resources/webjars/uplot/<version>/), an automatic module whose
    // name comes from its file name. Required so that it is resolved on the module path, where it is read.
    requires uplot;

    exports dev.fairway.console;

    provides dev.fairway.api.spi.WebContent with dev.fairway.console.ConsoleContent;
}
