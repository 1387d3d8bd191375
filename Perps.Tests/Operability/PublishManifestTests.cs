using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace Perps.Tests.Operability;

/// <summary>
/// The manifest azd deploys to Azure Container Apps, produced as azd produces it: <c>dotnet run</c> of the AppHost
/// (with its launch profile) and <c>--publisher manifest</c>. Publishing needs no container runtime.
/// </summary>
public sealed class PublishManifestTests
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task ManifestHasContainersForRedisAndPostgresAndNoLocalExecutables()
    {
        var resources = await PublishManifestAsync();

        Assert.Equal("container.v0", resources["redis"]!["type"]!.GetValue<string>());
        Assert.Contains("redis", resources["redis"]!["image"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("tcp", resources["redis"]!["bindings"]!["tcp"]!["scheme"]!.GetValue<string>());
        Assert.Equal("container.v0", resources["postgres"]!["type"]!.GetValue<string>());
        Assert.Contains("postgres", resources["postgres"]!["image"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("{postgres.connectionString}", resources["perpsdb"]!["connectionString"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(resources, r => r.Value!["type"]!.GetValue<string>().StartsWith("executable", StringComparison.Ordinal));
        Assert.Null(resources["redis-server"]);
        Assert.Null(resources["perpsdb-server"]);
        Assert.Null(resources["perpsdb-init"]);
    }

    [Fact]
    public async Task ManifestHasTheApiAndThePortalBehindExternalHttpAndTheDispatcherWithItsReplicas()
    {
        var resources = await PublishManifestAsync();

        var api = resources["api"]!;
        Assert.Equal("project.v0", api["type"]!.GetValue<string>());
        Assert.EndsWith("Perps.Api/Perps.Api.csproj", api["path"]!.GetValue<string>(), StringComparison.Ordinal);
        var http = api["bindings"]!["http"]!;
        Assert.True(http["external"]!.GetValue<bool>());
        Assert.Equal("http", http["scheme"]!.GetValue<string>());
        Assert.Null(http["port"]); // azd maps the main http ingress to port 80 only: a local port here fails the deployment
        Assert.Equal("{admin-key.value}", api["env"]!["Auth__AdminKey"]!.GetValue<string>());
        Assert.Equal("{ingest-key.value}", api["env"]!["Auth__IngestKey"]!.GetValue<string>());
        Assert.Equal("{secrets-key.value}", api["env"]!["Secrets__Key"]!.GetValue<string>());

        var dispatcher = resources["dispatcher"]!;
        Assert.Equal("project.v0", dispatcher["type"]!.GetValue<string>());
        Assert.Equal(2, dispatcher["replicas"]!.GetValue<int>());
        Assert.Equal("{secrets-key.value}", dispatcher["env"]!["Secrets__Key"]!.GetValue<string>());
        Assert.Null(dispatcher["bindings"]!["http"]!["external"]);

        var portal = resources["portal"]!;
        Assert.Equal("project.v0", portal["type"]!.GetValue<string>());
        Assert.EndsWith("Perps.Portal/Perps.Portal.csproj", portal["path"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(portal["bindings"]!["http"]!["external"]!.GetValue<bool>());
        Assert.Null(portal["bindings"]!["http"]!["port"]);
        Assert.NotNull(portal["env"]!["services__api__http__0"]); // the API through service discovery, its only backend
        Assert.Null(portal["env"]!["ConnectionStrings__perpsdb"]);
    }

    [Fact]
    public async Task ManifestTakesTheKeysAsSecretParametersAndLeavesLocalOnlySettingsOut()
    {
        var resources = await PublishManifestAsync();

        foreach (var name in new[] { "admin-key", "ingest-key", "secrets-key" })
        {
            var parameter = resources[name]!;
            Assert.Equal("parameter.v0", parameter["type"]!.GetValue<string>());
            Assert.True(parameter["inputs"]!["value"]!["secret"]!.GetValue<bool>(), $"{name} is not secret");
            Assert.Null(parameter["inputs"]!["value"]!["default"]); // no development value published
        }
        // The Development file's loopback allow-list is for local runs: a deployment must not reach its own loopback.
        foreach (var service in new[] { "api", "dispatcher" })
        {
            Assert.DoesNotContain(resources[service]!["env"]!.AsObject(),
                e => e.Key.StartsWith("Security__AllowedNetworks", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task ManifestTakesAPreviousSecretsKeyAsASecretParameterOnlyWhileRotating()
    {
        var rotating = await PublishManifestAsync("--Parameters:secrets-previous-key-0=set-when-publishing");
        var usual = await PublishManifestAsync();

        var parameter = rotating["secrets-previous-key-0"]!;
        Assert.Equal("parameter.v0", parameter["type"]!.GetValue<string>());
        Assert.True(parameter["inputs"]!["value"]!["secret"]!.GetValue<bool>());
        Assert.Null(parameter["inputs"]!["value"]!["default"]);
        Assert.DoesNotContain("set-when-publishing", rotating.ToJsonString(), StringComparison.Ordinal);
        foreach (var service in new[] { "api", "dispatcher" })
        {
            Assert.Equal("{secrets-previous-key-0.value}", rotating[service]!["env"]!["Secrets__PreviousKeys__0"]!.GetValue<string>());
            Assert.Null(usual[service]!["env"]!["Secrets__PreviousKeys__0"]);
        }
        Assert.Null(usual["secrets-previous-key-0"]);
    }

    /// <summary>Runs the built AppHost as azd does and returns the manifest's resources.</summary>
    private static async Task<JsonObject> PublishManifestAsync(params string[] settings)
    {
        var output = Directory.CreateTempSubdirectory("perps-manifest-");
        try
        {
            var manifestPath = Path.Combine(output.FullName, "aspire-manifest.json");
            var appHost = Path.Combine(RepositoryRoot(), "Perps.AppHost");
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                WorkingDirectory = appHost,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            string[] args = ["run", "--project", appHost, "--no-build", "-c", Configuration(),
                "--", "--publisher", "manifest", "--output-path", manifestPath, .. settings];
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(PublishTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            Assert.True(process.ExitCode == 0 && File.Exists(manifestPath),
                $"publishing failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
            var manifest = JsonNode.Parse(await File.ReadAllTextAsync(manifestPath, TestContext.Current.CancellationToken))!;
            return manifest["resources"]!.AsObject();
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    /// <summary>The folder holding Perps.sln, above the test binaries (bin/&lt;Configuration&gt;/net10.0).</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Perps.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No Perps.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>The configuration these tests were built in (Release in ./test.sh): the AppHost was built alongside.</summary>
    private static string Configuration() =>
        typeof(PublishManifestTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
}
