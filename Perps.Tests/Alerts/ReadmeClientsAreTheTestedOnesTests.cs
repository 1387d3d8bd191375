namespace Perps.Tests.Alerts;

/// <summary>The clients pasted in the README are the files in docs/alerts-clients, the ones the tests run.</summary>
public sealed class ReadmeClientsAreTheTestedOnesTests
{
    [Theory]
    [InlineData("js", "alerts.js")]
    [InlineData("python", "alerts.py")]
    [InlineData("csharp", "Program.cs")]
    public void TheReadmeShowsTheClientFileAsItIs(string language, string file)
    {
        var readme = File.ReadAllText(Path.Combine(ReadmeAlertsClient.Root, "README.md")).ReplaceLineEndings("\n");
        var code = File.ReadAllText(Path.Combine(ReadmeAlertsClient.Folder, file)).ReplaceLineEndings("\n").TrimEnd();

        Assert.Contains($"```{language}\n{code}\n```", readme);
    }
}
