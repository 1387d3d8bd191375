using System.Drawing;
using Aspire.Hosting;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Portal;

/// <summary>
/// A real headless Chromium driven through Selenium, against the portal of the shared app. The browser and its driver
/// are Debian's <c>chromium</c> and <c>chromium-driver</c> (the same version by construction), found at fixed paths:
/// nothing is downloaded at run time.
/// </summary>
public sealed class PortalBrowser : IAsyncLifetime
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly Size DesktopWindow = new(1280, 1400);

    private ChromeDriver? _driver;
    private Uri? _portal;

    public IWebDriver Driver => _driver ?? throw new InvalidOperationException("The browser has not started.");

    /// <summary>Where screenshots go: <c>PORTAL_SCREENSHOTS</c> (the README's come from there), else the test output.</summary>
    public static string ScreenshotDirectory =>
        Environment.GetEnvironmentVariable("PORTAL_SCREENSHOTS") is { Length: > 0 } directory
            ? directory
            : Path.Combine(AppContext.BaseDirectory, "screenshots");

    public ValueTask InitializeAsync()
    {
        var service = ChromeDriverService.CreateDefaultService(
            Environment.GetEnvironmentVariable("CHROMEDRIVER_DIR") ?? "/usr/bin", "chromedriver");
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = Environment.GetEnvironmentVariable("CHROMIUM_BINARY") ?? "/usr/bin/chromium" };
        // Root in a container has no user namespace for Chromium's sandbox; /dev/shm may be tiny.
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=en-US",
            "--no-first-run", "--disable-extensions", $"--window-size={DesktopWindow.Width},{DesktopWindow.Height}");
        _driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        _driver.Manage().Timeouts().PageLoad = Timeout;
        return ValueTask.CompletedTask;
    }

    /// <summary>Starts a test: the portal is healthy, and the browser holds no cookie of an earlier test.</summary>
    public async Task<PortalPage> OpenAsync(PerpsAppFixture app)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await app.App.ResourceNotifications.WaitForResourceHealthyAsync("portal", cts.Token);
        _portal ??= app.App.GetEndpoint("portal", "http");
        var page = new PortalPage(Driver, _portal);
        page.Go("/not-found"); // cookies can only be cleared on the portal's own origin
        Driver.Manage().Cookies.DeleteAllCookies();
        return page;
    }

    public ValueTask DisposeAsync()
    {
        _driver?.Quit();
        _driver?.Dispose();
        return ValueTask.CompletedTask;
    }
}
