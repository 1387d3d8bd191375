using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Perps.Tests.Infrastructure;

namespace Perps.Tests.Portal;

/// <summary>What a test does in the portal, in a user's terms: go to a page, fill a field, press a button, wait to see.</summary>
public sealed class PortalPage(IWebDriver driver, Uri portal)
{
    public IWebDriver Driver => driver;

    public string Path => new Uri(driver.Url).AbsolutePath;

    public string Html => driver.PageSource;

    /// <summary>Opens a page and waits until it is interactive (the Blazor circuit is up), or is the sign-in form.</summary>
    public void Go(string path)
    {
        driver.Navigate().GoToUrl(new Uri(portal, path));
        WaitUntilReady();
    }

    public void Reload()
    {
        driver.Navigate().Refresh();
        WaitUntilReady();
    }

    /// <summary>Interactive pages mark their main element once the circuit renders; the sign-in form is ready on load.</summary>
    public void WaitUntilReady() =>
        Wait(() => Exists("main[data-interactive=true]") || Exists("#sign-in"), "the page to become ready");

    /// <summary>Submits the sign-in form with a key; the caller waits for where that leads.</summary>
    public void SubmitSignIn(string apiKey)
    {
        Go("/signin");
        Fill("#api-key", apiKey);
        Click("#sign-in");
    }

    /// <summary>Signs in with a key the API accepts, and waits for the webhooks page it leads to.</summary>
    public void SignIn(string apiKey)
    {
        SubmitSignIn(apiKey);
        WaitForPath("/webhooks");
        WaitUntilReady();
    }

    public IWebElement Find(string selector) => Wait(() => Visible(selector), $"'{selector}' to appear")!;

    public IReadOnlyList<IWebElement> FindAll(string selector) => driver.FindElements(By.CssSelector(selector));

    public bool Exists(string selector) => driver.FindElements(By.CssSelector(selector)).Count > 0;

    public void Fill(string selector, string text)
    {
        var field = Find(selector);
        field.Clear();
        field.SendKeys(text);
    }

    public void Click(string selector) => Retry(() => Find(selector).Click());

    /// <summary>Waits for an element whose text contains <paramref name="text"/>, and returns it.</summary>
    public IWebElement WaitForText(string selector, string text) =>
        Wait(() => driver.FindElements(By.CssSelector(selector)).FirstOrDefault(e => e.Text.Contains(text, StringComparison.OrdinalIgnoreCase)), // badges are upper-cased by CSS
            $"'{selector}' showing \"{text}\"")!;

    public void WaitUntilGone(string selector) => Wait(() => !Exists(selector), $"'{selector}' to go");

    public void WaitForPath(string path) => Wait(() => Path == path, $"the browser to reach {path} (it is at {driver.Url})");

    /// <summary>Saves a PNG of the page as it is, at desktop width, or at a phone's (390 px) when asked.</summary>
    public void Screenshot(string name, bool phone = false)
    {
        var chrome = (ChromeDriver)driver;
        if (phone)
        {
            chrome.ExecuteCdpCommand("Emulation.setDeviceMetricsOverride", new()
            {
                ["width"] = 390, ["height"] = 1400, ["deviceScaleFactor"] = 1, ["mobile"] = true,
            });
            Thread.Sleep(300); // one layout pass at the new width
        }
        try
        {
            Directory.CreateDirectory(PortalBrowser.ScreenshotDirectory);
            chrome.GetScreenshot().SaveAsFile(System.IO.Path.Combine(PortalBrowser.ScreenshotDirectory, $"portal-{name}.png"));
        }
        finally
        {
            if (phone)
            {
                chrome.ExecuteCdpCommand("Emulation.clearDeviceMetricsOverride", new());
            }
        }
    }

    private string VisibleText()
    {
        try
        {
            var text = driver.FindElement(By.TagName("body")).Text;
            return text.Length > 2000 ? text[..2000] + "…" : text;
        }
        catch (WebDriverException ex)
        {
            return $"(unreadable: {ex.Message})";
        }
    }

    private IWebElement? Visible(string selector)
    {
        var element = driver.FindElements(By.CssSelector(selector)).FirstOrDefault();
        return element is { Displayed: true } ? element : null;
    }

    /// <summary>
    /// Polls (Blazor re-renders replace elements, so a found one can go stale: that counts as not yet) until the probe
    /// gives a value, or fails the test after <see cref="PortalBrowser.Timeout"/> with what it was waiting for.
    /// </summary>
    public T Wait<T>(Func<T> probe, string what)
    {
        var deadline = DateTime.UtcNow + PortalBrowser.Timeout;
        while (true)
        {
            try
            {
                var value = probe();
                if (value is not null && value is not false)
                {
                    return value;
                }
            }
            catch (Exception ex) when (ex is StaleElementReferenceException or NoSuchElementException)
            {
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Waited {PortalBrowser.Timeout.TotalSeconds} s for {what}; the page is {driver.Url}, showing:\n{VisibleText()}");
            }
            Thread.Sleep(100);
        }
    }

    private void Retry(Action action) => Wait(() =>
    {
        try
        {
            action();
            return true;
        }
        catch (ElementClickInterceptedException)
        {
            return false;
        }
    }, "a click to land");
}
