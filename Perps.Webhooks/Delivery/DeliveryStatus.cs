namespace Perps.Webhooks.Delivery;

public static class DeliveryStatus
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    /// <summary>Not attempted: the event arrived while its endpoint was disabled automatically. <c>recover</c> sends it.</summary>
    public const string Skipped = "skipped";
}
