package dev.fairway.app.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.InvalidConfigurationException;

import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class HttpProxiesTest {

    private static ProxySelector selector(String configured, Map<String, String> env) {
        return HttpProxies.create(configured, env::get);
    }

    /** Where the selector sends a URL: {@code direct} or {@code host:port}. */
    private static String route(ProxySelector selector, String url) {
        List<Proxy> proxies = selector.select(URI.create(url));
        assertEquals(1, proxies.size(), proxies.toString());
        Proxy proxy = proxies.get(0);
        if (proxy.type() == Proxy.Type.DIRECT) {
            return "direct";
        }
        assertEquals(Proxy.Type.HTTP, proxy.type());
        InetSocketAddress address = (InetSocketAddress) proxy.address();
        return address.getHostString() + ":" + address.getPort();
    }

    @Test
    void httpsUsesHttpsProxyAndHttpUsesHttpProxyWithoutFallingBack() {
        ProxySelector s = selector("auto", Map.of("HTTPS_PROXY", "http://secure.proxy:3128"));

        assertEquals("secure.proxy:3128", route(s, "https://api.openai.com/v1/chat/completions"));
        assertEquals("direct", route(s, "http://api.example.org/v1"), "HTTP_PROXY is not set");

        ProxySelector both = selector("auto", Map.of("HTTPS_PROXY", "secure.proxy:3128", "HTTP_PROXY", "plain.proxy"));
        assertEquals("plain.proxy:80", route(both, "http://api.example.org/v1"), "host:port, default port 80");
    }

    @Test
    void lowerCaseVariablesWinOverUpperCase() {
        ProxySelector s = selector("auto", Map.of("https_proxy", "http://lower:1", "HTTPS_PROXY", "http://upper:2",
                "no_proxy", "skip.lower", "NO_PROXY", "skip.upper"));

        assertEquals("lower:1", route(s, "https://api.anthropic.com"));
        assertEquals("direct", route(s, "https://skip.lower"));
        assertEquals("lower:1", route(s, "https://skip.upper"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "example.com               | https://example.com             | direct",
        "example.com               | https://api.example.com         | direct",
        ".example.com              | https://example.com             | direct",
        ".example.com              | https://api.example.com         | direct",
        "*.example.com             | https://deep.api.example.com    | direct",
        "example.com               | https://badexample.com          | p:1",
        "example.com               | https://example.com.evil.org    | p:1",
        "EXAMPLE.com               | https://Api.Example.COM.        | direct",
        "*                         | https://anything.at.all         | direct",
        "internal:8443             | https://internal:8443           | direct",
        "internal:8443             | https://internal                | p:1",
        "internal:443              | https://internal                | direct",
        "10.0.0.7                  | https://10.0.0.7:9000           | direct",
        "0.0.7                     | https://10.0.0.7                | p:1",
        "10.0.0.7                  | https://10.0.0.70               | p:1",
        "fd00::1                   | https://[fd00:0:0::1]/v1        | direct",
        "[fd00::1]:8080            | https://[fd00::1]:8080          | direct",
        "[fd00::1]:8080            | https://[fd00::1]:8081          | p:1",
        "' a.test , , b.test '     | https://b.test                  | direct",
        "bad:port:x, c.test        | https://c.test                  | direct",
        "10.0.0.0/8                | https://10.200.3.4:8443         | direct",
        "10.0.0.0/8                | https://11.0.0.1                | p:1",
        "10.0.0.0/8                | https://ten.example             | p:1",
        "192.168.1.0/24            | https://192.168.1.77            | direct",
        "192.168.1.0/24            | https://192.168.2.77            | p:1",
        "fd00::/8                  | https://[fd12:3456::1]          | direct",
        "fd00::/8                  | https://[fe80::1]               | p:1",
        "10.0.0.0/99, d.test       | https://d.test                  | direct"})
    void noProxyEntries(String noProxy, String url, String expected) {
        ProxySelector s = selector("auto", Map.of("HTTPS_PROXY", "http://p:1", "NO_PROXY", noProxy));

        assertEquals(expected, route(s, url));
    }

    @Test
    void loopbackIsNeverProxied() {
        ProxySelector s = selector("http://p:1", Map.of());

        assertEquals("direct", route(s, "http://localhost:8080/v1"));
        assertEquals("direct", route(s, "http://127.0.0.1:11434/v1"));
        assertEquals("direct", route(s, "http://127.8.9.10/v1"));
        assertEquals("direct", route(s, "http://[::1]:8000/v1"));
        assertEquals("p:1", route(s, "http://128.0.0.1/v1"));
    }

    @Test
    void configuredUrlServesBothSchemesAndNoProxyStillApplies() {
        ProxySelector s = selector("http://corp.proxy:8080/", Map.of("HTTPS_PROXY", "http://ignored:1",
                "NO_PROXY", ".corp"));

        assertEquals("corp.proxy:8080", route(s, "https://api.openai.com"));
        assertEquals("corp.proxy:8080", route(s, "http://api.example.org"));
        assertEquals("direct", route(s, "https://llm.corp"));
    }

    @Test
    void noneIsDirectWhateverTheEnvironmentSays() {
        ProxySelector s = selector("none", Map.of("HTTPS_PROXY", "http://p:1", "HTTP_PROXY", "http://p:1"));

        assertEquals("direct", route(s, "https://api.openai.com"));
        assertEquals("direct", route(s, "http://api.example.org"));
    }

    @Test
    void autoWithoutVariablesKeepsTheJdksOwnSelection() {
        assertSame(ProxySelector.getDefault(), selector("auto", Map.of("NO_PROXY", "example.com")));
    }

    @Test
    void badProxyUrlsNameTheirSourceAndNeverShowCredentials() {
        InvalidConfigurationException fromEnv = assertThrows(InvalidConfigurationException.class,
                () -> selector("auto", Map.of("HTTPS_PROXY", "socks5://user:hunter2@proxy:1080")));
        assertEquals("HTTPS_PROXY", fromEnv.key());
        assertFalse(fromEnv.getMessage().contains("hunter2"), fromEnv.getMessage());
        assertTrue(fromEnv.getMessage().contains("socks5://***@proxy:1080"), fromEnv.getMessage());

        InvalidConfigurationException fromKey = assertThrows(InvalidConfigurationException.class,
                () -> selector("http://user:hunter2@proxy:3128/some/path", Map.of()));
        assertEquals("fairway.http.proxy", fromKey.key());
        assertFalse(fromKey.getMessage().contains("hunter2"), fromKey.getMessage());
    }

    @Test
    void credentialsAreNeitherKeptNorShownButWarnedAbout() {
        HttpProxies s = assertInstanceOf(HttpProxies.class, selector("auto",
                Map.of("HTTPS_PROXY", "http://alice:hunter2@proxy.corp:3128", "NO_PROXY", ".corp,10.0.0.7:81")));

        assertEquals("proxy.corp:3128", route(s, "https://api.openai.com"));
        assertEquals("https via http://proxy.corp:3128 (HTTPS_PROXY); http direct; not for NO_PROXY: .corp,"
                + " 10.0.0.7:81; never for loopback", s.describe());
        assertEquals(List.of("the proxy URL in HTTPS_PROXY carries credentials, which Fairway does not send (proxy"
                + " authentication is not supported): a proxy that requires them will answer 407"), s.warnings());
        assertFalse(s.toString().contains("hunter2") || s.toString().contains("alice"), s.toString());
        assertEquals("http://***@proxy:1 and redis://***@r:6379/0",
                HttpProxies.withoutUserInfo("http://a:b@proxy:1 and redis://:pw@r:6379/0"));
    }
}
