using Microsoft.Extensions.Options;

namespace Perps.SampleReceiver.Webhooks;

/// <summary>
/// The guide's "Handling Duplicates": delivery ids already processed, in arrival order, the oldest forgotten beyond
/// <see cref="ReceiverOptions.RememberedDeliveries"/> so memory stays bounded.
/// </summary>
internal sealed class DeliveryDeduplicator(IOptions<ReceiverOptions> options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<string>> _seen = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _arrivals = new();

    /// <summary>True the first time a delivery id is seen (it is remembered from now on); false for a duplicate.</summary>
    public bool TryBegin(string deliveryId)
    {
        lock (_lock)
        {
            if (_seen.ContainsKey(deliveryId))
            {
                return false;
            }
            _seen[deliveryId] = _arrivals.AddLast(deliveryId);
            while (_arrivals.Count > options.Value.RememberedDeliveries)
            {
                _seen.Remove(_arrivals.First!.Value);
                _arrivals.RemoveFirst();
            }
            return true;
        }
    }

    /// <summary>Forgets a delivery that could not be processed, so its retry is processed rather than dropped.</summary>
    public void Forget(string deliveryId)
    {
        lock (_lock)
        {
            if (_seen.Remove(deliveryId, out var node))
            {
                _arrivals.Remove(node);
            }
        }
    }
}
