package dev.fairway.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fairway.app.config.ConfigSources;
import dev.fairway.app.testing.GatedProviderFactory;
import dev.fairway.app.wiring.Plugins;
import dev.fairway.app.wiring.Wiring;
import dev.fairway.test.support.WsClient;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The browser pages in a real browser: headless Chromium driven by its chromedriver (Debian's {@code chromium} and
 * {@code chromium-driver}), against a server started here as {@code fairway serve} wires it (the fake provider at
 * zero latency, the memory session store). The try-it page translates a typed sentence, resumes after a dropped
 * connection without losing a final, and says so when the server refuses its token; the console shows the session
 * from the server's push. Every wait is on a condition in the page.
 *
 * <p>Without Chromium the tests are skipped with one line saying so, unless {@code -Dfairway.browser.required=true}
 * (CI), which makes that a failure. {@code -DwriteScreenshots} also writes the README's screenshots of both pages at
 * desktop (1280x800) and phone (390x844) width to {@code docs/images/}.
 */
class BrowserTest {

    private static final Path CHROMIUM = Path.of(System.getProperty("fairway.browser.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getProperty("fairway.browser.chromedriver",
            "/usr/bin/chromedriver"));
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TOKEN = "browser-test-token";

    private static WebDriver driver;
    /** Why the tests are skipped, or null. */
    private static String missing;

    private final List<AutoCloseable> closeLater = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startTheBrowser() {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!installed && Boolean.getBoolean("fairway.browser.required")) {
            throw new AssertionError("browser tests required (fairway.browser.required) but " + CHROMIUM + " or "
                    + CHROMEDRIVER + " is missing: apt-get install -y chromium chromium-driver");
        }
        if (!installed) {
            // Assumed in each test: surefire does not report a class whose @BeforeAll assumption failed.
            missing = "browser tests skipped: no " + CHROMIUM + " or " + CHROMEDRIVER
                    + " (apt-get install -y chromium chromium-driver)";
            return;
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,800", "--hide-scrollbars", "--force-device-scale-factor=1", "--lang=en-US");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
    }

    @BeforeEach
    void needsTheBrowser() {
        assumeTrue(missing == null, missing);
    }

    @AfterAll
    static void stopTheBrowser() {
        if (driver != null) {
            driver.quit();
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        if (driver != null) {
            // One tab for the next test; the others (and their sockets) close.
            List<String> handles = new ArrayList<>(driver.getWindowHandles());
            for (int i = 1; i < handles.size(); i++) {
                driver.switchTo().window(handles.get(i)).close();
            }
            driver.switchTo().window(handles.get(0)).get("about:blank");
        }
        for (int i = closeLater.size() - 1; i >= 0; i--) {
            closeLater.get(i).close();
        }
        http.close();
    }

    private record Node(Wiring wiring, Server server) {

        String base() {
            return "http://" + server.transport().address().getRawAuthority();
        }
    }

    private Node start(Map<String, String> extra) {
        return start(extra, Plugins.discover());
    }

    private Node start(Map<String, String> extra, Plugins plugins) {
        Map<String, String> overrides = new HashMap<>(Map.of(
                "fairway.provider", "fake",
                "fairway.provider.fake.latency.base", "0",
                "fairway.provider.fake.latency.per-token", "0",
                "fairway.provider.fake.latency.jitter", "0",
                "fairway.overload.scheduling-lag", "0",
                "fairway.transport.websocket.port", "0",
                "fairway.session.store", "memory"));
        overrides.putAll(extra);
        Wiring wiring = Wiring.start(ConfigSources.builder().environment(Map.of()).systemProperties(Map.of())
                .overrides(overrides).build(), plugins, List.of());
        closeLater.add(wiring);
        Server server = Server.create(wiring, plugins);
        closeLater.add(server.transport());
        server.transport().start();
        return new Node(wiring, server);
    }

    private static WebDriverWait waiting() {
        return new WebDriverWait(driver, WAIT);
    }

    private static void stream(String text, String pace) {
        new Select(driver.findElement(By.id("pace"))).selectByVisibleText(pace);
        WebElement input = driver.findElement(By.id("text"));
        input.clear();
        input.sendKeys(text);
        driver.findElement(By.id("stream")).click();
    }

    private static List<WebElement> doneFinals() {
        return driver.findElements(By.cssSelector("#transcript li.final.done"));
    }

    private static void waitForDoneFinals(int n) {
        waiting().until(d -> doneFinals().size() >= n);
    }

    private static String statusState() {
        return driver.findElement(By.id("status")).getDomAttribute("data-state");
    }

    @Test
    void aTypedSentenceIsTranslatedAndTheConsoleShowsItsSession() {
        Node node = start(Map.of());
        driver.get(node.base() + "/");
        stream("Hello, my friend.", "fast");
        waitForDoneFinals(1);
        WebElement fin = doneFinals().get(0);
        assertEquals("[fr] Bonjour, mon ami.", fin.findElement(By.className("translation")).getText());
        assertEquals("Hello, my friend.", fin.findElement(By.className("source")).getText());
        String latency = fin.findElement(By.className("latency")).getText();
        assertTrue(latency.matches("final · server \\d+ ms · round trip \\d+ ms"), latency);
        String status = driver.findElement(By.id("status")).getText();
        assertTrue(status.contains("resumable (protocol 2)"), status);

        // The console in a second tab, while the try-it page keeps its session open.
        String session = status.replaceAll(".*session (s-[0-9a-f-]+).*", "$1");
        driver.switchTo().newWindow(WindowType.TAB).get(node.base() + "/console");
        waiting().until(ExpectedConditions.attributeToBe(By.id("feed"), "data-state", "live"));
        By row = By.cssSelector("#sessions tr[data-session='" + session + "']");
        waiting().until(d -> !d.findElements(row).isEmpty()
                && Integer.parseInt(d.findElement(row).findElement(By.cssSelector("td[data-requests]"))
                        .getDomAttribute("data-requests")) > 0);
        assertTrue(driver.findElement(row).getText().contains("try-it page"), driver.findElement(row).getText());
        assertEquals("1", driver.findElement(By.id("t-sessions")).getText());
    }

    @Test
    void aDroppedConnectionIsResumedWithoutLosingAFinal() {
        Node node = start(Map.of());
        driver.get(node.base() + "/");
        stream("One sentence first. Then the connection drops.", "fast");
        waitForDoneFinals(2);
        waiting().until(d -> "open".equals(statusState()));
        driver.findElement(By.id("drop")).click();
        waiting().until(d -> driver.findElement(By.id("status")).getText().contains("resumed"));
        stream("And the story goes on. Nothing is lost.", "fast");
        waitForDoneFinals(4);
        // Newest first; each translated once.
        assertEquals(List.of("Nothing is lost.", "And the story goes on.", "Then the connection drops.",
                "One sentence first."), doneFinals().stream()
                .map(li -> li.findElement(By.className("source")).getText()).toList());
        for (WebElement li : doneFinals()) {
            assertTrue(li.findElement(By.className("translation")).getText().startsWith("[fr] "), li.getText());
        }
    }

    @Test
    void finalsRefusedForBackPressureAreSentAgainAndAllTranslatedInOrder() {
        // A backlog of one final per session and a provider that holds every call until the gate opens: the second
        // and third finals are refused (backpressure) while the first waits, and the client sends them again.
        GatedProviderFactory gated = new GatedProviderFactory();
        Node node = start(Map.of("fairway.provider", "gated", "fairway.queue.max-queued-finals", "1"),
                Plugins.of(List.of(gated), Plugins.discover().transports()));
        driver.get(node.base() + "/");
        stream("First. Second. Third.", "fast");
        waiting().until(d -> d.findElement(By.id("notice")).getText().contains("queue for this session is full"));
        gated.gate.countDown();
        waitForDoneFinals(3);
        assertEquals(List.of("Third.", "Second.", "First."), doneFinals().stream()
                .map(li -> li.findElement(By.className("source")).getText()).toList());
        Object backpressure = ((JavascriptExecutor) driver).executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                + " fetch('/status').then(r => r.json()).then(s => done(s.websocket.backpressure));");
        assertTrue(((Number) backpressure).longValue() > 0, "refused for backpressure: " + backpressure);
    }

    @Test
    void aRefusedTokenIsSaidClearlyAndTheRightOneWorks() {
        Node node = start(Map.of("fairway.transport.websocket.auth.tokens", TOKEN));
        driver.get(node.base() + "/");
        stream("Is anybody there?", "fast");
        waiting().until(d -> "refused".equals(statusState()));
        String notice = driver.findElement(By.id("notice")).getText();
        assertTrue(notice.contains("refused the token (401)"), notice);
        assertTrue(driver.findElement(By.id("access")).getDomAttribute("open") != null, "the token field is opened");

        driver.findElement(By.id("token")).sendKeys(TOKEN);
        driver.findElement(By.cssSelector("#token-form button[type=submit]")).click();
        assertEquals(TOKEN, ((JavascriptExecutor) driver).executeScript(
                "return sessionStorage.getItem('fairway.token')"), "kept in the tab's sessionStorage");
        stream("Hello, my friend.", "fast");
        waitForDoneFinals(1);
        assertTrue(!driver.getCurrentUrl().contains(TOKEN), "never in the URL");

        // The console, in a new tab (sessionStorage is per tab): refused until it is given the token.
        driver.switchTo().newWindow(WindowType.TAB).get(node.base() + "/console");
        waiting().until(ExpectedConditions.attributeToBe(By.id("feed"), "data-state", "refused"));
        assertTrue(driver.findElement(By.id("feed")).getText().contains("(401)"));
        driver.findElement(By.id("token")).sendKeys(TOKEN);
        driver.findElement(By.cssSelector("#token-form button[type=submit]")).click();
        waiting().until(ExpectedConditions.attributeToBe(By.id("feed"), "data-state", "live"));
    }

    @Test
    void jainsIndexIsComputedOnThePage() {
        Node node = start(Map.of());
        driver.get(node.base() + "/console");
        Object result = ((JavascriptExecutor) driver).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                import('/assets/console-data.js').then(m => done([m.jain([1, 1, 1]), m.jain([1, 0]),
                    m.fairness(m.sessions({limiter: {sessionStats: {
                        a: {requestsLastMinute: 10, fairShareRPM: 10, tokensLastMinute: 0, fairShareTPM: 100},
                        b: {requestsLastMinute: 5, fairShareRPM: 10, tokensLastMinute: 0, fairShareTPM: 100}}}}))]));
                """);
        assertEquals(List.of(1L, 0.5, 0.9), ((List<?>) result).stream()
                .map(v -> v instanceof Double d ? Math.round(d * 1000) / 1000.0 : v).toList());
    }

    /** Only with -DwriteScreenshots: the README's pictures, with a few sessions speaking against a low limit. */
    @Test
    void screenshots() throws Exception {
        assumeTrue(System.getProperty("writeScreenshots") != null, "screenshots only with -DwriteScreenshots");
        Path images = Path.of(System.getProperty("fairway.screenshots.dir", "../docs/images"));
        Files.createDirectories(images);
        Node node = start(Map.of("fairway.limiter.rpm", "240", "fairway.provider.fake.latency.base", "120ms",
                "fairway.provider.fake.latency.jitter", "60ms"));
        AtomicBoolean speaking = new AtomicBoolean(true);
        List<Thread> talkers = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            int n = i;
            talkers.add(Thread.ofVirtual().start(() -> talk(node, "room " + n, n == 2 ? 2 : 1, speaking)));
        }
        try {
            driver.get(node.base() + "/");
            stream("Good morning everyone. Welcome to the meeting, my friend. Let us look at the numbers.", "talking");
            waitForDoneFinals(2);
            waiting().until(d -> "false".equals(d.findElement(By.id("live")).getDomAttribute("data-empty")));
            screenshot(images, "try-it");

            driver.get(node.base() + "/console");
            waiting().until(d -> Integer.parseInt(d.findElement(By.tagName("body")).getDomAttribute(
                    "data-events") == null ? "0" : d.findElement(By.tagName("body")).getDomAttribute("data-events")) >= 20);
            screenshot(images, "console");
        } finally {
            speaking.set(false);
            for (Thread t : talkers) {
                t.join();
            }
        }
    }

    /** The whole page at desktop width (1280, at least 800 high), and the first screen at phone width (390x844). */
    private static void screenshot(Path images, String name) throws IOException {
        ChromeDriver chrome = (ChromeDriver) driver;
        JavascriptExecutor js = chrome;
        js.executeScript("window.scrollTo(0, 0)");
        long height = Math.max(800, ((Number) js.executeScript(
                "return document.documentElement.scrollHeight")).longValue());
        shoot(chrome, images.resolve(name + "-desktop.png"), 1280, height, 1, false);
        shoot(chrome, images.resolve(name + "-phone.png"), 390, 844, 2, true);
    }

    private static void shoot(ChromeDriver chrome, Path file, long width, long height, int scale, boolean mobile)
            throws IOException {
        chrome.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height,
                "deviceScaleFactor", scale, "mobile", mobile));
        try {
            // The page lays itself out again at the new width (the charts follow their boxes) before the picture.
            waiting().until(d -> ((Number) chrome.executeScript("return window.innerWidth")).longValue() == width);
            chrome.executeAsyncScript("const done = arguments[arguments.length - 1];"
                    + " requestAnimationFrame(() => requestAnimationFrame(() => done(true)))");
            Files.write(file, chrome.getScreenshotAs(OutputType.BYTES));
        } finally {
            chrome.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
        }
    }

    /** A session that says one sentence after another, each as partials then a final, until told to stop. */
    private void talk(Node node, String label, int weight, AtomicBoolean speaking) {
        String[] sentences = {"Hello, my friend.", "How are you today?", "The weather is good.",
            "Thank you very much.", "See you later."};
        try (WsClient client = WsClient.connect(http, node.server().transport().address())) {
            client.send("{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"de\",\"label\":\"" + label
                    + "\",\"weight\":" + weight + "}");
            client.next("ready");
            long seq = 0;
            for (int i = 0; speaking.get(); i++) {
                String sentence = sentences[i % sentences.length];
                String[] words = sentence.split(" ");
                for (int w = 1; w < words.length; w++) {
                    client.send("{\"type\":\"partial\",\"seq\":" + ++seq + ",\"text\":\""
                            + String.join(" ", java.util.Arrays.copyOf(words, w)) + "\"}");
                }
                long fin = ++seq;
                client.send("{\"type\":\"final\",\"seq\":" + fin + ",\"text\":\"" + sentence + "\"}");
                client.next(m -> m.path("seq").asLong() == fin, "the final's answer");
            }
            client.send("{\"type\":\"end\"}");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
