package dev.fairway.app.cli;

import dev.fairway.app.wiring.AppVersion;
import picocli.CommandLine.IVersionProvider;

/** {@code fairway --version}. */
final class VersionProvider implements IVersionProvider {

    @Override
    public String[] getVersion() {
        return new String[] {"fairway " + AppVersion.current(),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
    }
}
