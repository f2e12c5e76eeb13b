/**
 * An example translation provider built outside Fairway's tree: {@code echo} answers with the text it got.
 * It needs Fairway's API alone, and is found by {@link java.util.ServiceLoader} through the {@code provides}
 * below, on the module path or as a jar in Fairway's plugins directory.
 */
module com.example.fairway.echo {
    requires dev.fairway.api;

    provides dev.fairway.api.spi.TranslationProviderFactory with com.example.fairway.echo.EchoProviderFactory;
}
