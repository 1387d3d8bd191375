namespace Perps.Tests.Portal;

/// <summary>
/// The portal's browser tests share one headless Chromium (starting one takes seconds) and run one after another in
/// it, each signed in with a key of its own.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PortalCollection : ICollectionFixture<PortalBrowser>
{
    public const string Name = "Portal";
}
