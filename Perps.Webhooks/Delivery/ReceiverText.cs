using System.Text;

namespace Perps.Webhooks.Delivery;

/// <summary>
/// The one place that cleans text a receiver controls (its status line, headers and body reach us through exception
/// messages and the response prefix) before it is stored or shown: control characters become spaces or U+FFFD,
/// unpaired surrogates U+FFFD, and the length is capped. Postgres <c>text</c> refuses NUL, and a strict UTF-8
/// encoder refuses lone surrogates: either would fail the whole batch of results that carries it.
/// </summary>
public static class ReceiverText
{
    public const int MaxErrorLength = 512;
    public const int MaxBodyLength = 1024;

    public static string? Clean(string? text, int maxLength)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }
        var length = Math.Min(text.Length, maxLength);
        var clean = new StringBuilder(length + 1);
        for (var i = 0; i < length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                if (i + 1 >= length)
                {
                    break; // the pair would be cut by the cap
                }
                clean.Append(c).Append(text[++i]);
            }
            else if (char.IsSurrogate(c))
            {
                clean.Append('\uFFFD');
            }
            else if (c is '\t' or '\n' or '\r')
            {
                clean.Append(' ');
            }
            else if (char.IsControl(c) || c is '\u2028' or '\u2029')
            {
                clean.Append('\uFFFD');
            }
            else
            {
                clean.Append(c);
            }
        }
        if (text.Length > maxLength)
        {
            clean.Append('…');
        }
        return clean.ToString();
    }
}
