using System.Security.Cryptography;

namespace Perps.Webhooks;

/// <summary>Prefixed random identifiers: <c>wh_…</c>, <c>evt_…</c>, <c>dlv_…</c>, <c>key_…</c>.</summary>
public static class Ids
{
    public const string Webhook = "wh";
    public const string Event = "evt";
    public const string Delivery = "dlv";
    public const string ApiKey = "key";

    public static string New(string prefix) => $"{prefix}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}";
}
