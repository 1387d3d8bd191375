namespace Perps.Api.Auth;

/// <summary>The operator keys (AppHost secret parameters <c>admin-key</c> and <c>ingest-key</c>).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    public string AdminKey { get; set; } = "";

    public string IngestKey { get; set; } = "";
}
